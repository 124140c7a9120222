/**
 * A Tablestore stand-in for a test file (infra/tablestore-standin, spoken to by the real `tablestore`
 * client), the destination block of a task file pointing at it, reading a table back whole, and the
 * scaffolding of an end-to-end test through `fc-dts` into it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Connection } from 'mysql2/promise';
import TableStore from 'tablestore';
import { startTablestoreStandIn, type TablestoreStandIn } from '../../infra/tablestore-standin/index.ts';
import { newStandInKeys } from '../../scripts/lib/stand-ins.ts';
import { fcDtsChildren, writeTaskFile, type FcDtsChildren, type TaskFiles } from './fc-dts-process.ts';
import { taskDoc, testDatabases, uniqueName } from './mariadb.ts';

export interface TestTablestore {
  readonly standIn: TablestoreStandIn;
  readonly client: TableStore.Client;
  readonly keys: { readonly accessKeyId: string; readonly accessKeySecret: string };
  /** The task file's `destination:` for this stand-in, with extra keys merged in. */
  destination(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startTestTablestore(options: { dir?: string; port?: number; maxTables?: number } = {}): Promise<TestTablestore> {
  const keys = newStandInKeys();
  const standIn = await startTablestoreStandIn({ ...keys, ...options });
  const client = new TableStore.Client({ endpoint: standIn.endpoint, instancename: standIn.instance, accessKeyId: keys.accessKeyId, secretAccessKey: keys.accessKeySecret });
  return {
    standIn,
    client,
    keys,
    destination: (extra = {}) => ({ type: 'tablestore', endpoint: standIn.endpoint, instance: standIn.instance, ...keys, ...extra }),
    close: () => standIn.close(),
  };
}

export interface TablestoreEndToEnd extends Omit<FcDtsChildren, 'killAll'> {
  /** The admin connection to the MariaDB server (open while the file's tests run). */
  readonly admin: Connection;
  /** The current test's stand-in. */
  readonly ots: TestTablestore;
  /** A new source database, the admin connection's default from now on, dropped after the file. */
  database(prefix: string): Promise<string>;
  /**
   * A task file syncing database `db` into the current stand-in: `extra` merged into the task document,
   * `destination` into its destination block.
   */
  taskFile(db: string, extra?: Record<string, unknown>, destination?: Record<string, unknown>): TaskFiles;
}

/**
 * Call at the top level of a MySQL → Tablestore end-to-end test file: registers the hooks for the admin
 * connection and the file's databases, a Tablestore stand-in per test, and the kill of the test's fc-dts
 * processes. `name` prefixes the task names and the temporary directory.
 */
export function tablestoreEndToEnd(name: string): TablestoreEndToEnd {
  const dirs = mkdtempSync(join(tmpdir(), `fc-dts-${name}-`));
  const dbs = testDatabases();
  const children = fcDtsChildren();
  let ots: TestTablestore | undefined;

  // An instance per test: Tablestore tables share one namespace, and the tests reuse table names.
  beforeEach(async () => {
    ots = await startTestTablestore();
  });

  // A test that fails or times out must not leave an fc-dts process writing behind it.
  afterEach(async () => {
    children.killAll();
    await ots?.close();
    ots = undefined;
  });

  const current = (): TestTablestore => {
    if (!ots) throw new Error('tablestoreEndToEnd(): the stand-in runs only during a test');
    return ots;
  };
  return {
    get admin() {
      return dbs.admin;
    },
    get ots() {
      return current();
    },
    database: (prefix) => dbs.database(prefix),
    taskFile: (db, extra = {}, destination = {}) =>
      writeTaskFile(dirs, taskDoc({ name: uniqueName(name), destination: current().destination(destination), objects: [{ database: db }], ...extra })),
    spawn: children.spawn,
    fcDts: children.fcDts,
    run: children.run,
  };
}

/** A row read back: key and attribute columns by name; INTEGER as a decimal string, BINARY as a Buffer. */
export type ReadRow = Record<string, string | number | boolean | Buffer>;

/** Every row of a table in primary-key order, GetRange page by page. */
export async function readTable(client: TableStore.Client, table: string): Promise<ReadRow[]> {
  const described = await client.describeTable({ tableName: table });
  const key = described.tableMeta.primaryKey.map((c) => c.name);
  const out: ReadRow[] = [];
  let start: TableStore.RangeKey = key.map((k) => ({ [k]: TableStore.INF_MIN }));
  for (;;) {
    const page = await client.getRange({
      tableName: table,
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: key.map((k) => ({ [k]: TableStore.INF_MAX })),
      limit: 5000,
    });
    for (const r of page.rows) {
      const row: ReadRow = {};
      for (const pk of r.primaryKey) row[pk.name] = plain(pk.value);
      for (const a of r.attributes) row[a.columnName] = plain(a.columnValue);
      out.push(row);
    }
    if (!page.nextStartPrimaryKey) return out;
    start = page.nextStartPrimaryKey.map((c) => ({ [c.name]: c.value }));
  }
}

function plain(v: TableStore.ColumnValue): string | number | boolean | Buffer {
  if (typeof v === 'object' && !Buffer.isBuffer(v)) return v.toString();
  return v;
}
