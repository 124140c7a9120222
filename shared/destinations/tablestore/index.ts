/**
 * The Tablestore destination: one table per source table keyed by the source key, BatchWriteRow
 * writes in the reference product's write modes, watermarks in a table of the instance, no DDL
 * (attribute columns are schemaless), verify row by row in key order.
 */
import type { DdlKind } from '../../incremental/ddl-translator.ts';
import { allTables } from '../../task/object-mapper.ts';
import type { Destination, DestinationPrecheck, TaskOf } from '../destination.ts';
import { checkTablestoreTask, parseTablestoreDestination, tablestoreParallelism, type TablestoreDestinationConfig } from './config.ts';
import { openTablestore, tablestoreChecks } from './tablestore-checks.ts';
import { openTablestoreLoadTarget } from './tablestore-load-target.ts';
import { syncTablestoreSchema } from './tablestore-schema.ts';
import { TablestoreSink } from './tablestore-sink.ts';
import { TABLESTORE_LIMITS, tablestoreTable } from './tablestore-table.ts';
import { verifyTablestoreTask } from './tablestore-verify.ts';

export type { TablestoreDestinationConfig, TablestoreWriteMode } from './config.ts';

/** What a DDL statement leaves in Tablestore, which takes none. */
const DDL_EFFECT: Partial<Record<DdlKind, string>> = {
  'alter-table': 'later row changes are written with the column types of their own binlog events; rows not changed since keep their values and types, a dropped or renamed column stays in them',
  'truncate-table': 'the rows stay in the Tablestore table; delete them there (or drop the table and load it again) if the copy must be emptied',
  'drop-table': 'the Tablestore table and its rows stay; drop it there if it is no longer wanted',
  'rename-table': 'changes made under the new name are not synchronized',
  'create-table': 'a table created after the task started is not synchronized',
  'create-index': 'Tablestore tables have no such indexes: nothing to do',
  'drop-index': 'Tablestore tables have no such indexes: nothing to do',
};

/**
 * How long an apply-changes instance holds a bucket per claim: renewed before every write request past
 * its half-life, so a batch may take longer, while a killed instance blocks its bucket for at most this long.
 */
const APPLY_CLAIM_MS = 60_000;

const retryMs = (task: TaskOf<TablestoreDestinationConfig>): number => task.advanced.retry.otherMinutes * 60_000;

async function openPrecheck(task: TaskOf<TablestoreDestinationConfig>): Promise<DestinationPrecheck> {
  const opened = await openTablestore(task.destination);
  return {
    connectivity: opened.item,
    checks: (context) => tablestoreChecks(task, task.destination, opened, context),
    close: async () => {},
  };
}

export const tablestoreDestination: Destination<TablestoreDestinationConfig> = {
  type: 'tablestore',
  label: 'Tablestore',
  taskFile: {
    parse: parseTablestoreDestination,
    ddlDefault: false,
    checkTask: checkTablestoreTask,
    parallelism: tablestoreParallelism,
    secrets: (config) => [config.accessKeySecret, config.securityToken ?? ''],
  },
  limits: TABLESTORE_LIMITS,
  ddl: { applies: false, refusal: (kind) => `Tablestore takes no DDL: ${DDL_EFFECT[kind] ?? 'nothing changed in the destination'}` },
  typedChanges: true,
  // A Tablestore table has its primary key and nothing else unique.
  enforcesUniqueKeys: false,
  describe: (config) => `Tablestore instance ${config.instance} at ${config.endpoint} (AccessKey ID ${config.accessKeyId})`,
  describeTable: (target) => `Tablestore table ${target.table}`,
  // One case-sensitive namespace of tables per instance: databases do not exist there.
  tableIdentity: (target) => target.table,
  openPrecheck,
  syncSchema: (task, dbs, options) => syncTablestoreSchema(task.destination, allTables(dbs), { ...options, retryMs: retryMs(task) }),
  openLoadTarget: (task, store, _willLoad, options) => openTablestoreLoadTarget(task, task.destination, store, options),
  openSink: (task, dbs, options) =>
    TablestoreSink.open(task.destination, {
      taskName: task.name,
      tables: allTables(dbs).map(tablestoreTable),
      retryMs: retryMs(task),
      ...(options.sharedAs ? { shared: { owner: options.sharedAs, claimMs: APPLY_CLAIM_MS } } : {}),
    }),
  verify: (task, settings, options) => verifyTablestoreTask(task, task.destination, settings, options),
};
