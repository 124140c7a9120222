/**
 * The MaxCompute destination (reference 001): per source table a `_base` table loaded once by the full
 * load and a partitioned `_log` table every change is appended to, each exactly once (upload sessions
 * committed through the state store); the table at any point in time is the merge of the two.
 */
import { FcDtsError, TaskFileError } from '../../errors.ts';
import { MaxComputeClient, type MaxComputeClientOptions } from '../../maxcompute/maxcompute-client.ts';
import type { BucketRecords, StateStore } from '../../state/state-store.ts';
import { allTables, applyCapitalization } from '../../task/object-mapper.ts';
import type { ObjectSelection } from '../../task/task.ts';
import type { Destination, TaskOf } from '../destination.ts';
import { BaseLoadTarget } from './base-load-target.ts';
import { parseMaxComputeDestination, type MaxComputeDestinationConfig } from './config.ts';
import { ddlRefusal } from './ddl-policy.ts';
import { LogLedger } from './log-ledger.ts';
import { LogTables } from './log-tables.ts';
import { MaxComputeLogSink } from './log-sink.ts';
import { connectivityItem, maxComputeChecks } from './maxcompute-checks.ts';
import { MAXCOMPUTE_LIMITS } from './maxcompute-table.ts';
import { verifyMaxComputeTask } from './maxcompute-verify.ts';
import { syncMaxComputeSchema } from './schema-sync.ts';
import { maxComputeStatus } from './maxcompute-status.ts';

export type { MaxComputeDestinationConfig } from './config.ts';

export function maxComputeClient(d: MaxComputeDestinationConfig, calls: Pick<MaxComputeClientOptions, 'retry' | 'timeoutMs'> = {}): MaxComputeClient {
  return new MaxComputeClient({
    endpoint: d.endpoint,
    project: d.project,
    credentials: { accessKeyId: d.accessKeyId, accessKeySecret: d.accessKeySecret },
    ...(d.tunnelEndpoint ? { tunnelEndpoint: d.tunnelEndpoint } : {}),
    ...calls,
  });
}

/** `status` asks the service only for what it can show: an unreachable service costs seconds, not minutes. */
const STATUS_CALLS = { retry: { attempts: 2 }, timeoutMs: 15_000 } as const;

/** The state store, which keeps the commit bookkeeping: both adapters have bucket records. */
function recordsOf(store: StateStore): StateStore & BucketRecords {
  const s = store as Partial<BucketRecords> & StateStore;
  if (typeof s.getBucketRecord !== 'function' || typeof s.putBucketRecord !== 'function') {
    throw new FcDtsError('STATE_INVALID', 'this state store keeps no bucket records, which a MaxCompute destination needs', 'use the standalone state directory or the Tablestore state table');
  }
  return s as StateStore & BucketRecords;
}

/** One namespace of tables per project. */
function checkTask(objects: readonly ObjectSelection[]): void {
  objects.forEach((o, i) => {
    if (o.as !== undefined) {
      throw new TaskFileError(`objects[${i}].as`, 'a MaxCompute project has no databases: database name mapping is not supported (tables keep their names, or the names given with tables[].as)', `remove objects[${i}].as`);
    }
  });
}

export const maxComputeDestination: Destination<MaxComputeDestinationConfig> = {
  type: 'maxcompute',
  label: 'MaxCompute',
  taskFile: {
    parse: parseMaxComputeDestination,
    ddlDefault: true,
    checkTask,
    // Each commit is a file per table and partition: batches wait for their size or age, not for a quiet source.
    batching: { batchChanges: 10_000, batchBytes: 16 << 20, batchMs: 5_000, flushWhenIdle: false },
    secrets: (config) => [config.accessKeySecret],
  },
  limits: MAXCOMPUTE_LIMITS,
  ddl: { applies: 'some', refusal: ddlRefusal },
  typedChanges: false,
  // MaxCompute enforces no keys: changes are appended to a log.
  enforcesUniqueKeys: false,
  logsBeforeImages: true,
  describe: (config) => `MaxCompute project ${config.project} at ${config.endpoint} (AccessKey ID ${config.accessKeyId})`,
  describeTable: (target) => `MaxCompute tables ${target.table}_base and ${target.table}_log`,
  tableIdentity: (target) => target.table.toLowerCase(),
  openPrecheck: async (task: TaskOf<MaxComputeDestinationConfig>) => {
    const client = maxComputeClient(task.destination);
    const connectivity = await connectivityItem(client, task.destination);
    return {
      connectivity,
      checks: (context) => maxComputeChecks(client, task.destination, task.sync, connectivity.status === 'passed', context),
      close: async () => {},
    };
  },
  syncSchema: (task, dbs, options) => syncMaxComputeSchema(maxComputeClient(task.destination), task.destination, allTables(dbs), options),
  openLoadTarget: async (task, store, _willLoad, options) =>
    new BaseLoadTarget({ client: maxComputeClient(task.destination), store: recordsOf(store), timeZone: task.destination.timeZone, dirtyData: task.sync.dirtyData }, options),
  openSink: async (task, dbs, options) => {
    const d = task.destination;
    const client = maxComputeClient(d);
    const records = recordsOf(options.store);
    const mappings = new Map(allTables(dbs).map((t) => [`${t.target.database}.${t.target.table}`, t]));
    const imageName = (column: string) => applyCapitalization(column, task.sync.capitalization);
    const tables = new LogTables({ client, records, layout: d, timeZone: d.timeZone, mappings, imageName });
    return new MaxComputeLogSink({ client, ledger: new LogLedger(records), layout: d, tables });
  },
  statusLines: (task, store) => maxComputeStatus(task, recordsOf(store), maxComputeClient(task.destination, STATUS_CALLS)),
  verify: (task, settings, options) => verifyMaxComputeTask(task, task.destination, maxComputeClient(task.destination), settings, options),
};
