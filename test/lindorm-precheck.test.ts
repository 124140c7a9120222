/**
 * The Lindorm destination's precheck items, against the real MariaDB as the source and the Lindorm stand-in
 * (a MySQL-protocol server, with accounts holding only some rights) as the destination. Nothing is mocked.
 * Until `destination.type: lindorm` is registered the task is built by test/helpers/lindorm.ts.
 */
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLindormStandIn, type LindormStandIn } from '../infra/lindorm-standin/index.ts';
import { lindormTablesVerdict, openLindormPrecheck } from '../shared/destinations/lindorm/lindorm-checks.ts';
import { lindormOwnershipKey } from '../shared/destinations/lindorm/lindorm-schema.ts';
import type { CheckResult } from '../shared/precheck/check-result.ts';
import { allTables } from '../shared/task/object-mapper.ts';
import { lindormDestination, lindormTask, type LindormTaskFixture } from './helpers/lindorm.ts';
import { adminConnection, uniqueName } from './helpers/mariadb.ts';

const PASSWORD = 'lindorm-precheck-pw';

let admin: Connection;
let standIn: LindormStandIn;
let lindorm: Connection;
const dbs: string[] = [];
const db = (prefix: string) => {
  const name = uniqueName(prefix);
  dbs.push(name);
  return name;
};
const good = db('lp_good');
const refused = db('lp_refused');
const binary = db('lp_binary');

beforeAll(async () => {
  admin = await adminConnection();
  await admin.query(`
    CREATE DATABASE \`${good}\` CHARACTER SET utf8mb4;
    CREATE TABLE \`${good}\`.orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(12,2), note VARCHAR(100));
    CREATE TABLE \`${good}\`.customers (id INT PRIMARY KEY, name VARCHAR(50));
    CREATE DATABASE \`${refused}\` CHARACTER SET utf8mb4;
    CREATE TABLE \`${refused}\`.bits (id INT PRIMARY KEY, flags BIT(8));
    CREATE TABLE \`${refused}\`.nokey (a INT, b INT);
    CREATE TABLE \`${refused}\`.keyonly (a INT, b INT, PRIMARY KEY (a, b));
    CREATE TABLE \`${refused}\`.wide6 (a INT, b INT, c INT, d INT, e INT, f INT, v INT, PRIMARY KEY (a, b, c, d, e, f));
    CREATE TABLE \`${refused}\`.binkey (b VARBINARY(16), id INT, v INT, PRIMARY KEY (b, id));
    CREATE TABLE \`${refused}\`.\`bad$name\` (id INT PRIMARY KEY, v INT);
    CREATE TABLE \`${refused}\`.bigdec (id INT PRIMARY KEY, d DECIMAL(40,2));
    CREATE TABLE \`${refused}\`.longkey (slug VARCHAR(600) PRIMARY KEY, v INT);
    CREATE DATABASE \`${binary}\`;
    CREATE TABLE \`${binary}\`.files (id INT PRIMARY KEY, data VARBINARY(100), body BLOB);
  `);
  standIn = await startLindormStandIn({
    password: PASSWORD,
    users: [
      { user: 'rw', password: 'rw-pw', privileges: { '*': ['READ', 'WRITE'] } },
      { user: 'notrash', password: 'notrash-pw', privileges: { '*': ['READ', 'WRITE', 'ADMIN'] } },
      { user: 'nowrite', password: 'nowrite-pw', privileges: { ns_nowrite: ['READ', 'ADMIN', 'TRASH'] } },
    ],
  });
  lindorm = await mysql.createConnection({ host: standIn.host, port: standIn.port, user: standIn.user, password: PASSWORD, database: 'default' });
});

afterAll(async () => {
  for (const d of dbs) await admin.query(`DROP DATABASE IF EXISTS \`${d}\``);
  await admin.end();
  await lindorm?.end();
  await standIn?.close();
});

const item = (items: readonly CheckResult[], id: string): CheckResult => {
  const found = items.find((i) => i.id === id);
  if (!found) throw new Error(`no item ${id} in ${items.map((i) => i.id).join(', ')}`);
  return found;
};

/** Runs the destination precheck of `fx` as runPrecheck does; no report may contain a password. */
async function precheck(fx: LindormTaskFixture, ownedTables: ReadonlySet<string> = new Set()): Promise<CheckResult[]> {
  const p = await openLindormPrecheck(fx.task);
  try {
    const items = [p.connectivity, ...(await p.checks({ mapping: fx.mapping, ownedTables }))];
    expect(JSON.stringify(items)).not.toContain(fx.task.destination.password);
    return items;
  } finally {
    await p.close();
  }
}

/** A namespace of its own for a test's tables (4–16 characters). */
async function namespace(name: string): Promise<string> {
  await lindorm.query(`CREATE DATABASE ${name}`);
  return name;
}

const tablesIn = async (ns: string): Promise<string[]> => (await lindorm.query<RowDataPacket[]>(`SHOW TABLES FROM ${ns}`))[0].map((r) => String(Object.values(r)[0]));

const SCHEMA_SYNC = { types: ['schema', 'full', 'incremental'], ddl: true };
const NO_DDL = { types: ['full', 'incremental'], ddl: false };

describe('openLindormPrecheck', () => {
  it('passes every item on a well-formed task, probing the DDL rights with a table it drops again', async () => {
    const ns = await namespace('ns_pass');
    const items = await precheck(await lindormTask(admin, { objects: [{ database: good }], sync: SCHEMA_SYNC }, lindormDestination(standIn, { database: ns })));
    expect(items.map((i) => [i.id, i.status])).toEqual([
      ['destination-connectivity', 'passed'],
      ['lindorm-namespace', 'passed'],
      ['lindorm-rights', 'passed'],
      ['lindorm-tables', 'passed'],
      ['lindorm-existing-tables', 'passed'],
      ['lindorm-empty-varbinary', 'passed'],
    ]);
    expect(item(items, 'destination-connectivity').reason).toBe(`logged in to Lindorm 127.0.0.1:${standIn.port} as "root"`);
    expect(item(items, 'lindorm-rights').reason).toContain('holds ADMIN, WRITE and TRASH, which schema synchronization (schema in sync.types) and DDL replay (sync.ddl) needs');
    expect(item(items, 'lindorm-existing-tables').reason).toBe('none of the 2 destination tables exists yet in namespace ns_pass');
    expect(await tablesIn(ns)).toEqual([]);
  });

  it('a wrong password fails connectivity naming the account and the fix; the instance items are left out', async () => {
    const items = await precheck(await lindormTask(admin, { objects: [{ database: good }], sync: SCHEMA_SYNC }, lindormDestination(standIn, { password: 'Wr0ng-pw-must-not-leak' })));
    const conn = item(items, 'destination-connectivity');
    expect(conn).toMatchObject({ status: 'failed', reason: `Lindorm 127.0.0.1:${standIn.port}: access denied for user "root" (wrong password or no such account)` });
    expect(conn.fix).toContain('destination.user and destination.password');
    expect(items.map((i) => i.id)).toEqual(['destination-connectivity', 'lindorm-tables', 'lindorm-empty-varbinary']);
  });

  it('an unknown namespace is its own failed item, with CREATE DATABASE or destination.database as the fix', async () => {
    const items = await precheck(await lindormTask(admin, { objects: [{ database: good }], sync: SCHEMA_SYNC }, lindormDestination(standIn, { database: 'ns_nosuch' })));
    expect(item(items, 'destination-connectivity').status).toBe('passed');
    expect(item(items, 'lindorm-namespace')).toMatchObject({
      status: 'failed',
      reason: `Lindorm 127.0.0.1:${standIn.port}: namespace "ns_nosuch" does not exist`,
      fix: 'create it (CREATE DATABASE ns_nosuch) or set destination.database to an existing namespace',
      objects: ['ns_nosuch'],
    });
    expect(items.map((i) => i.id)).not.toContain('lindorm-existing-tables');
  });

  it('rights: an account with READ and WRITE only fails when fc-dts runs DDL, naming ADMIN and the GRANT', async () => {
    const rw = lindormDestination(standIn, { user: 'rw', password: 'rw-pw' });
    const items = await precheck(await lindormTask(admin, { objects: [{ database: good }], sync: SCHEMA_SYNC }, rw));
    const rights = item(items, 'lindorm-rights');
    expect(rights.status).toBe('failed');
    expect(rights.reason).toMatch(/^account "rw" may not CREATE TABLE in namespace default \(lacks ADMIN\), and schema synchronization/);
    expect(rights.fix).toContain('GRANT ADMIN ON DATABASE default TO rw');
    expect(rights.fix).toContain('take schema out of sync.types and set sync.ddl: false, and create the tables by hand');
    // Without schema synchronization and DDL replay, READ and WRITE are enough.
    const plain = await precheck(await lindormTask(admin, { objects: [{ database: good }], sync: { ...NO_DDL, types: ['incremental'] } }, rw));
    expect(item(plain, 'lindorm-rights')).toMatchObject({ status: 'passed', reason: expect.stringContaining('READ and WRITE on the namespace suffice') });
  });

  it('rights: ADMIN without TRASH fails naming TRASH (DROP TABLE), and says the probe table is left', async () => {
    const ns = await namespace('ns_trash');
    const items = await precheck(await lindormTask(admin, { objects: [{ database: good }], sync: SCHEMA_SYNC }, lindormDestination(standIn, { user: 'notrash', password: 'notrash-pw', database: ns })));
    const rights = item(items, 'lindorm-rights');
    expect(rights.status).toBe('failed');
    expect(rights.reason).toContain('may not DROP TABLE in namespace ns_trash (lacks TRASH)');
    expect(rights.fix).toContain('GRANT TRASH ON DATABASE ns_trash TO notrash');
    const left = await tablesIn(ns);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^fc_dts_probe_[0-9a-f]{8}$/);
    expect(rights.reason).toContain(`The probe table ${left[0]} is left in the namespace`);
  });

  it('rights: ADMIN and TRASH without WRITE fails naming WRITE (UPSERT), and the probe table is dropped', async () => {
    const ns = await namespace('ns_nowrite');
    const items = await precheck(await lindormTask(admin, { objects: [{ database: good }], sync: { ...NO_DDL, ddl: true } }, lindormDestination(standIn, { user: 'nowrite', password: 'nowrite-pw', database: ns })));
    const rights = item(items, 'lindorm-rights');
    expect(rights.status).toBe('failed');
    expect(rights.reason).toMatch(/^account "nowrite" may not UPSERT in namespace ns_nowrite \(lacks WRITE\), and DDL replay \(sync\.ddl\) runs DDL there/);
    expect(rights.fix).toContain('GRANT WRITE ON DATABASE ns_nowrite TO nowrite');
    expect(rights.reason).not.toContain('probe table');
    expect(await tablesIn(ns)).toEqual([]);
  });

  it('tables: every refusal of lindormTable, named per table, and the key-length warning', async () => {
    const items = await precheck(await lindormTask(admin, { objects: [{ database: refused }], sync: SCHEMA_SYNC }, lindormDestination(standIn)));
    const tables = item(items, 'lindorm-tables');
    expect(tables.status).toBe('failed');
    expect(tables.objects).toEqual(['bad$name', 'bigdec', 'binkey', 'bits', 'keyonly', 'nokey', 'wide6'].sort());
    expect(tables.reason).toContain('table bits (for');
    expect(tables.reason).toContain('column flags bit(8): Lindorm has no BIT type');
    expect(tables.reason).toContain('Lindorm tables need a primary key');
    expect(tables.reason).toContain('Lindorm needs at least one non-key column');
    expect(tables.reason).toContain('6 key columns (a, b, c, d, e, f), but a Lindorm primary key has at most 5');
    expect(tables.reason).toContain('VARBINARY key column b is not the last key column');
    expect(tables.reason).toContain('table name "bad$name" is not a Lindorm table name');
    expect(tables.reason).toContain('decimal(40,2): 40 digits, over the 38');
    expect(tables.reason).toContain("also: table longkey (for");
    expect(tables.reason).toContain("over Lindorm's 2048 bytes a row's key");
  });

  it('tables: a task that renames objects selects at most 1,000 tables', async () => {
    const fx = await lindormTask(admin, { objects: [{ database: good, tables: [{ name: 'orders', as: 'orders_copy' }] }], sync: SCHEMA_SYNC }, lindormDestination(standIn));
    const orders = allTables(fx.mapping)[0]!;
    const many = Array.from({ length: 1001 }, (_, i) => ({ ...orders, target: { ...orders.target, table: `orders_${i}` } }));
    const verdict = lindormTablesVerdict(many);
    expect(verdict.status).toBe('failed');
    expect(verdict.reason).toContain('1001 tables with renamed tables or columns, but a Lindorm task that renames objects selects at most 1000 tables');
    expect(lindormTablesVerdict(many.slice(0, 1000)).status).toBe('passed');
  });

  it('existing tables: one the task did not create is a conflict under precheck-and-report, not when owned', async () => {
    const ns = await namespace('ns_conflict');
    await lindorm.query(`CREATE TABLE ${ns}.orders (id BIGINT NOT NULL, customer_id INTEGER, amount DECIMAL(12,2), note VARCHAR, PRIMARY KEY (id))`);
    const fx = await lindormTask(admin, { objects: [{ database: good }], sync: SCHEMA_SYNC }, lindormDestination(standIn, { database: ns }));
    const conflict = item(await precheck(fx), 'lindorm-existing-tables');
    expect(conflict.status).toBe('failed');
    expect(conflict.reason).toBe(`1 table already exists in namespace ns_conflict and was not created by this task: orders (for ${good}.orders) (conflictMode precheck-and-report)`);
    expect(conflict.fix).toContain('sync.conflictMode: ignore-and-proceed');
    expect(conflict.objects).toEqual(['orders']);
    const owned = item(await precheck(fx, new Set([lindormOwnershipKey('orders')])), 'lindorm-existing-tables');
    expect(owned).toMatchObject({ status: 'passed', reason: '1 table created by an earlier run of this task: orders; 1 more to be created' });
  });

  it('existing tables: under ignore-and-proceed the table must be compatible; a DECIMAL of other precision names both', async () => {
    const ns = await namespace('ns_ignore');
    await lindorm.query(`CREATE TABLE ${ns}.orders (id BIGINT NOT NULL, customer_id BIGINT, amount DECIMAL(10,2), note VARCHAR, PRIMARY KEY (id))`);
    await lindorm.query(`CREATE TABLE ${ns}.customers (id INTEGER NOT NULL, name VARCHAR, PRIMARY KEY (id))`);
    const fx = await lindormTask(admin, { objects: [{ database: good }], sync: { ...SCHEMA_SYNC, conflictMode: 'ignore-and-proceed' } }, lindormDestination(standIn, { database: ns }));
    const existing = item(await precheck(fx), 'lindorm-existing-tables');
    expect(existing.status).toBe('failed');
    expect(existing.reason).toBe(
      'existing tables the task cannot write into: Lindorm table orders: column amount is DECIMAL(10,2) in Lindorm, but the source column is DECIMAL(12,2) (DECIMAL(12,2) in Lindorm): DECIMAL precision and scale must be the same on both sides (DTS fails a task where they differ)',
    );
    await lindorm.query(`DROP TABLE ${ns}.orders`);
    await lindorm.query(`CREATE TABLE ${ns}.orders (id BIGINT NOT NULL, customer_id BIGINT, amount DECIMAL(12,2), note VARCHAR(100), PRIMARY KEY (id))`);
    const compatible = item(await precheck(fx), 'lindorm-existing-tables');
    expect(compatible).toMatchObject({ status: 'passed', reason: '2 existing tables compatible and written into: customers, orders' });
  });

  it('existing tables: without schema synchronization a missing table fails, its CREATE TABLE in the fix', async () => {
    const ns = await namespace('ns_missing');
    await lindorm.query(`CREATE TABLE ${ns}.customers (id INTEGER NOT NULL, name VARCHAR, PRIMARY KEY (id))`);
    const items = await precheck(await lindormTask(admin, { objects: [{ database: good }], sync: { ...NO_DDL, conflictMode: 'ignore-and-proceed' } }, lindormDestination(standIn, { database: ns })));
    const existing = item(items, 'lindorm-existing-tables');
    expect(existing.status).toBe('failed');
    expect(existing.reason).toContain(`1 table does not exist in namespace ns_missing and sync.types has no schema, so nothing creates it: orders (for ${good}.orders)`);
    expect(existing.fix).toBe(
      'add schema to sync.types, or create it in namespace ns_missing: CREATE TABLE IF NOT EXISTS `orders` (`id` BIGINT NOT NULL, `customer_id` INTEGER, `amount` DECIMAL(12,2), `note` VARCHAR, PRIMARY KEY (`id`))',
    );
    expect(existing.objects).toEqual(['orders']);
  });

  it('warns that empty VARBINARY values arrive as NULL, naming the columns', async () => {
    const items = await precheck(await lindormTask(admin, { objects: [{ database: binary }], sync: SCHEMA_SYNC }, lindormDestination(standIn)));
    const note = item(items, 'lindorm-empty-varbinary');
    expect(note.status).toBe('warning');
    expect(note.reason).toContain('Empty strings of the VARBINARY type are treated as null values in DTS and the Lindorm instance');
    expect(note.objects).toEqual(['files.data', 'files.body']);
  });
});
