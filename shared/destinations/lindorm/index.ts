/**
 * The Lindorm destination (reference 004): LindormTable over the MySQL protocol, one namespace holding a
 * table per source table keyed by the source key; full after-images UPSERTed and keys DELETEd, the apply
 * watermarks in the state store (Lindorm has no transactions); CREATE TABLE, DROP TABLE and ADD COLUMN
 * replayed; tables created by schema synchronization, which the reference product lacks for this pair.
 */
import { RecordedWatermarks } from '../../apply/recorded-watermarks.ts';
import { FcDtsError } from '../../errors.ts';
import type { BucketRecords, StateStore } from '../../state/state-store.ts';
import { allTables } from '../../task/object-mapper.ts';
import type { Destination } from '../destination.ts';
import { checkLindormTask, lindormSecrets, parseLindormDestination, upsertLimits, type LindormDestinationConfig } from './config.ts';
import { lindormDdlRefusal } from './ddl-policy.ts';
import { openLindormPrecheck } from './lindorm-checks.ts';
import { LINDORM_LIMITS } from './lindorm-limits.ts';
import { openLindormLoadTarget } from './lindorm-load-target.ts';
import { syncLindormSchema } from './lindorm-schema.ts';
import { LindormSessions } from './lindorm-session.ts';
import { LindormSink } from './lindorm-sink.ts';
import { LINDORM_APPLY_RECORD, lindormStatusLines } from './lindorm-status.ts';
import { verifyLindormTask } from './lindorm-verify.ts';

export type { LindormDestinationConfig } from './config.ts';

/**
 * How long an apply-changes instance holds a bucket per claim: renewed before every statement past its
 * half-life, while a killed instance blocks its bucket for at most this long.
 */
const APPLY_CLAIM_MS = 60_000;

function recordsOf(store: StateStore): BucketRecords {
  const s = store as Partial<BucketRecords>;
  if (typeof s.getBucketRecord !== 'function' || typeof s.putBucketRecord !== 'function') {
    throw new FcDtsError('STATE_INVALID', 'this state store keeps no bucket records, where a Lindorm destination keeps its apply watermarks', 'use the standalone state directory or the Tablestore state table');
  }
  return s as BucketRecords;
}

export const lindormDestination: Destination<LindormDestinationConfig> = {
  type: 'lindorm',
  label: 'Lindorm',
  taskFile: {
    parse: parseLindormDestination,
    ddlDefault: true,
    checkTask: checkLindormTask,
    secrets: lindormSecrets,
  },
  limits: LINDORM_LIMITS,
  ddl: { applies: 'some', refusal: lindormDdlRefusal },
  // Changes carry their binlog types: a MySQL TIMESTAMP's values are instants, moved to the session zone.
  typedChanges: true,
  // A Lindorm table has its primary key and nothing else unique.
  enforcesUniqueKeys: false,
  describe: (config) => `Lindorm namespace ${config.database} at ${config.host}:${config.port} (user ${config.user})`,
  describeTable: (target) => `Lindorm table ${target.table}`,
  // One namespace of case-sensitive table names.
  tableIdentity: (target) => target.table,
  openPrecheck: openLindormPrecheck,
  syncSchema: (task, dbs, options) => syncLindormSchema(task.destination, allTables(dbs), options),
  openLoadTarget: (task, store, _willLoad, options) => openLindormLoadTarget(task, store, options),
  openSink: async (task, _dbs, options) => {
    const shared = options.sharedAs ? { owner: options.sharedAs, claimMs: APPLY_CLAIM_MS } : undefined;
    const connections = Math.max(options.connections, task.advanced.incremental.workers);
    return new LindormSink({
      sessions: await LindormSessions.open(task.destination, connections),
      watermarks: new RecordedWatermarks(recordsOf(options.store), LINDORM_APPLY_RECORD, task.name, shared),
      connections,
      limits: upsertLimits(task.advanced),
    });
  },
  statusLines: (task, store) => lindormStatusLines(task, store),
  verify: (task, settings, options) => verifyLindormTask(task, settings, options),
};
