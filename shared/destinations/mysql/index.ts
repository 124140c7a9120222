/**
 * The MySQL-family destination (MySQL, RDS MySQL, MariaDB, PolarDB for MySQL): schema sync with
 * views, routines and triggers, LOAD DATA / multi-row INSERT full load, a sink that writes rows and
 * their bucket's watermark in one transaction, DDL applied in binlog order, verify by chunk checksums.
 */
import { connect } from '../../mysql/connection.ts';
import { openEndpoint } from '../../precheck/connectivity.ts';
import type { Destination, DestinationCatalog, DestinationPrecheck, TaskOf } from '../destination.ts';
import { readCatalog } from '../../mysql/catalog.ts';
import { parseMysqlDestination, type MysqlDestinationConfig } from './config.ts';
import { destinationChecks } from './mysql-checks.ts';
import { openMysqlLoadTarget } from './mysql-load-target.ts';
import { MYSQL_LIMITS, MysqlSink } from './mysql-sink.ts';
import { verifyMysqlTask } from './mysql-verify.ts';
import { syncSchema } from './schema-sync.ts';

export type { MysqlDestinationConfig } from './config.ts';

async function openPrecheck(task: TaskOf<MysqlDestinationConfig>): Promise<DestinationPrecheck> {
  const { item, conn } = await openEndpoint('destination', task.destination);
  return {
    connectivity: item,
    checks: async (context) => (conn ? destinationChecks(conn, task, context) : []),
    close: async () => {
      await conn?.end().catch(() => {});
    },
  };
}

async function openCatalog(task: TaskOf<MysqlDestinationConfig>): Promise<DestinationCatalog> {
  const dst = await connect('destination', task.destination);
  return {
    table: async (target) => (await readCatalog(dst, [target.database])).get(target.database)?.tables.find((t) => t.name === target.table),
    close: async () => {
      await dst.end().catch(() => {});
    },
  };
}

export const mysqlDestination: Destination<MysqlDestinationConfig> = {
  type: 'mysql',
  label: 'MySQL',
  taskFile: {
    parse: parseMysqlDestination,
    ddlDefault: true,
    secrets: (config) => [config.password],
  },
  limits: MYSQL_LIMITS,
  ddl: { applies: true, openCatalog },
  typedChanges: false,
  enforcesUniqueKeys: true,
  describe: (config) => `MySQL ${config.host}:${config.port} as ${config.user}`,
  describeTable: (target) => `${target.database}.${target.table}`,
  // MySQL names are per database, and compared case-insensitively here.
  tableIdentity: (target) => `${target.database}.${target.table}`.toLowerCase(),
  openPrecheck,
  async syncSchema(task, dbs, options) {
    const [src, dst] = [await connect('source', task.source), await connect('destination', task.destination)];
    try {
      return await syncSchema(src, dst, dbs, options);
    } finally {
      await Promise.all([src.end().catch(() => {}), dst.end().catch(() => {})]);
    }
  },
  openLoadTarget: (task, store, willLoad, options) => openMysqlLoadTarget(task, task.destination, store, willLoad, options),
  openSink: (task, _dbs, options) => MysqlSink.open(task.destination, task.name, { connections: options.connections }),
  verify: verifyMysqlTask,
};
