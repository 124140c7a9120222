/**
 * Lindorm for tests: a stand-in with a mysql2 connection and the destination block pointing at it, reading
 * a table back whole, the scaffolding of an end-to-end test through `fc-dts`, a task given the stand-in as
 * its destination, and tables copied as the sink writes them.
 */
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { startLindormStandIn, type LindormStandIn } from '../../infra/lindorm-standin/index.ts';
import { endToEnd, type EndToEnd } from './end-to-end.ts';
import { taskDoc, uniqueName } from './mariadb.ts';
import type { Row } from '../../shared/change/change-event.ts';
import type { TaskOf } from '../../shared/destinations/destination.ts';
import { parseLindormDestination, type LindormDestinationConfig } from '../../shared/destinations/lindorm/config.ts';
import { createTableStatement } from '../../shared/destinations/lindorm/lindorm-ddl.ts';
import type { LindormSessions } from '../../shared/destinations/lindorm/lindorm-session.ts';
import { upsertStatements } from '../../shared/destinations/lindorm/lindorm-statements.ts';
import { lindormTable } from '../../shared/destinations/lindorm/lindorm-table.ts';
import { renderWhereSql } from '../../shared/filter/where-filter.ts';
import { connect } from '../../shared/mysql/connection.ts';
import { qualified, quoteIdent } from '../../shared/mysql/identifier.ts';
import { sourceCell, sourceSelect } from '../../shared/mysql/source-text.ts';
import type { TableMapping } from '../../shared/task/object-mapper.ts';
import type { Task } from '../../shared/task/task.ts';
import { readCatalog } from '../../shared/mysql/catalog.ts';
import { resolveObjects, type DatabaseMapping } from '../../shared/task/object-mapper.ts';
import { validateTask } from '../../shared/task/task-file.ts';

/** `task` (parsed with another destination, e.g. to resolve its tables against MariaDB) with the stand-in as its destination. */
export function withLindorm(task: Task, standIn: LindormStandIn, destination: Record<string, unknown> = {}): TaskOf<LindormDestinationConfig> {
  const config = parseLindormDestination({ type: 'lindorm', host: standIn.host, port: standIn.port, user: standIn.user, password: standIn.password, ...destination });
  return { ...task, destination: config };
}

/**
 * Creates the table in Lindorm and copies the source rows into it the way the sink writes: read over the
 * text protocol (the table's filter applied), each value rendered by lindorm-literals.ts in UPSERTs from upsertStatements.
 * Returns why rows were refused (not written), as the sink would record them as dirty.
 */
export async function copyTable(source: Task, t: TableMapping, sessions: LindormSessions): Promise<string[]> {
  const read = lindormTable(t);
  const ddl = createTableStatement(t);
  if ('refusals' in read || 'refusal' in ddl) throw new Error(`${t.source.name} cannot be created in Lindorm`);
  await sessions.query(ddl.sql);
  const conn = await connect('source', source.source);
  try {
    const columns = read.table.columns;
    const sql = `SELECT ${columns.map((c) => sourceSelect(c.source, quoteIdent(c.source.name))).join(', ')} FROM ${qualified(t.source.database, t.source.name)}${t.where ? ` WHERE ${renderWhereSql(t.where)}` : ''}`;
    const [raw] = (await conn.query({ sql, rowsAsArray: true, typeCast: false })) as unknown as [Array<Array<Buffer | null>>];
    const rows: Row[] = raw.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, sourceCell(r[i] ?? null, c.source)])));
    const { statements, refused } = upsertStatements(read.table, rows, sessions.literals);
    for (const s of statements) await sessions.query(s);
    return refused.map((r) => r.reason);
  } finally {
    await conn.end();
  }
}

export interface TestLindorm {
  readonly standIn: LindormStandIn;
  /** A mysql2 connection in namespace `default` (dates and big numbers as strings, binaries as Buffers). */
  readonly client: Connection;
  /** The task file's `destination:` for this stand-in, with extra keys merged in. */
  destination(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startTestLindorm(options: { dir?: string } = {}): Promise<TestLindorm> {
  const password = `pw-${uniqueName('l')}`;
  const standIn = await startLindormStandIn({ password, ...options });
  const client = await mysql.createConnection({ host: standIn.host, port: standIn.port, user: standIn.user, password, database: 'default', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  return {
    standIn,
    client,
    destination: (extra = {}) => ({ type: 'lindorm', host: standIn.host, port: standIn.port, user: standIn.user, password, ...extra }),
    close: async () => {
      await client.end().catch(() => {});
      await standIn.close();
    },
  };
}

/** Every row of a Lindorm table in key order, binaries as `0x…` hex. */
export async function readLindormTable(client: Connection, table: string): Promise<Array<Record<string, unknown>>> {
  const [rows] = await client.query<RowDataPacket[]>(`SELECT /*+ _l_allow_filtering_ */ * FROM \`${table}\``);
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : v])));
}

/** Call at the top level of a MySQL → Lindorm end-to-end test file (end-to-end.ts): a Lindorm stand-in per test as `lindorm`, its tables read back with `rows`. */
export function lindormEndToEnd(name: string): EndToEnd<TestLindorm> & { readonly lindorm: TestLindorm; rows(table: string): Promise<Array<Record<string, unknown>>> } {
  const e2e = endToEnd(name, () => startTestLindorm());
  return Object.assign(Object.defineProperty(e2e, 'lindorm', { get: () => e2e.destination }) as EndToEnd<TestLindorm> & { readonly lindorm: TestLindorm }, {
    rows: (table: string) => readLindormTable(e2e.destination.client, table),
  });
}

/** The stand-in's endpoint as a task file's `destination:` block reads it; `overrides` replace keys. */
export function lindormDestination(standIn: LindormStandIn, overrides: Record<string, unknown> = {}): LindormDestinationConfig {
  return parseLindormDestination({ type: 'lindorm', host: standIn.host, port: standIn.port, user: standIn.user, password: standIn.password, database: 'default', ...overrides });
}

export interface LindormTaskFixture {
  readonly task: TaskOf<LindormDestinationConfig>;
  readonly mapping: DatabaseMapping[];
}

/** A task of `doc` (objects, sync, …; taskDoc's MySQL destination) given `destination`, and its objects resolved against the source. */
export async function lindormTask(admin: Connection, doc: Record<string, unknown>, destination: LindormDestinationConfig): Promise<LindormTaskFixture> {
  const task = validateTask(taskDoc(doc));
  const mapping = resolveObjects(task, await readCatalog(admin, task.objects.map((o) => o.database)));
  return { task: { ...task, destination }, mapping };
}
