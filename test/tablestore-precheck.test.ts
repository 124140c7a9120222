/**
 * Precheck of Tablestore destinations: runPrecheck against the real MariaDB as the source and the
 * Tablestore stand-in (spoken to by the real `tablestore` client) as the destination. Nothing is mocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Connection } from 'mysql2/promise';
import type TableStore from 'tablestore';
import { formatPrecheckReport, runPrecheck, type CheckResult, type PrecheckReport } from '../shared/precheck/precheck.ts';
import { instanceTableLimitVerdict, sizeLabel, tablestoreNameFor, valueSizesVerdict } from '../shared/destinations/tablestore/tablestore-checks.ts';
import { maxValueBytes } from '../shared/destinations/tablestore/tablestore-limits.ts';
import type { ColumnInfo } from '../shared/mysql/catalog.ts';
import type { TableMapping } from '../shared/task/object-mapper.ts';
import { validateTask } from '../shared/task/task-file.ts';
import type { Operation, Task } from '../shared/task/task.ts';
import { adminConnection, taskDoc, uniqueName } from './helpers/mariadb.ts';
import { startTestTablestore, type TestTablestore } from './helpers/tablestore.ts';

async function createTable(client: TableStore.Client, tableName: string, primaryKey: Array<{ name: string; type: TableStore.PrimaryKeyTypeName }>): Promise<void> {
  await client.createTable({
    tableMeta: { tableName, primaryKey },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: -1, maxVersions: 1 },
  });
}

const item = (r: PrecheckReport, id: string): CheckResult => {
  const found = r.items.find((i) => i.id === id);
  if (!found) throw new Error(`no item ${id} in ${r.items.map((i) => i.id).join(', ')}`);
  return found;
};

describe('decision functions', () => {
  it('suggests a name Tablestore accepts', () => {
    expect(tablestoreNameFor('order-items')).toBe('order_items');
    expect(tablestoreNameFor('1st$col')).toBe('_1st_col');
    expect(tablestoreNameFor('x'.repeat(300))).toHaveLength(255);
  });

  it('table limit: existing ∪ task tables ∪ the watermark table, each counted once', () => {
    const existing = new Set(['a', 'b', 'fc_dts_watermarks']);
    expect(instanceTableLimitVerdict(existing, ['a', 'c'], 4).status).toBe('passed');
    const over = instanceTableLimitVerdict(existing, ['a', 'c', 'd'], 4);
    expect(over.status).toBe('failed');
    expect(over.reason).toContain('5 tables');
    expect(over.objects).toEqual(['c', 'd']);
    expect(instanceTableLimitVerdict(new Set(), ['a'], 1).objects).toEqual(['a', 'fc_dts_watermarks']);
  });

  const col = (name: string, columnType: string, charset: string | null = 'utf8mb4'): ColumnInfo => ({
    name, ordinal: 0, columnType, dataType: /^[a-z]+/.exec(columnType)![0], nullable: true, defaultValue: null, extra: '',
    charset, collation: null, comment: '', generationExpression: null, generated: false, invisible: false,
  });
  /** shop.<name> with key id INT, as resolveObjects gives it for `{ database: shop }`. */
  const mapping = (name: string, columns: readonly ColumnInfo[]): TableMapping => {
    const all = [col('id', 'int(11)', null), ...columns].map((c, ordinal) => ({ ...c, ordinal }));
    return {
      source: { database: 'shop', name, engine: 'InnoDB', collation: null, comment: '', estimatedRows: 0, avgRowLength: 0, columns: all, indexes: [], foreignKeys: [], keyColumns: ['id'] },
      target: { database: 'shop', table: name },
      columns: all.map((c) => ({ source: c, target: c.name })),
      key: ['id'],
      operations: new Set<Operation>(['insert', 'update', 'delete']),
      origin: 'objects[0]',
      renamed: false,
    };
  };
  const texts = (n: number) => Array.from({ length: n }, (_, i) => col(`t${i + 1}`, 'text'));

  it('value sizes: the largest value of each type, as Tablestore counts it (UTF-8 bytes for text)', () => {
    expect(maxValueBytes(col('b', 'longblob', null))).toBe(4 * 1024 ** 3 - 1);
    expect(maxValueBytes(col('b', 'longtext'))).toBe(4 * 1024 ** 3 - 1);
    expect(maxValueBytes(col('j', 'json'))).toBe(4 * 1024 ** 3 - 1);
    expect(maxValueBytes(col('g', 'geometry', null))).toBe(4 * 1024 ** 3 - 1);
    expect(maxValueBytes(col('b', 'bit(12)', null))).toBe(2);
    expect(maxValueBytes(col('b', 'mediumblob', null))).toBe(16 * 1024 ** 2 - 1);
    expect(maxValueBytes(col('b', 'mediumtext'))).toBe(16 * 1024 ** 2 - 1);
    expect(maxValueBytes(col('b', 'blob', null))).toBe(65_535);
    expect(maxValueBytes(col('b', 'text'))).toBe(65_535);
    expect(maxValueBytes(col('b', 'text', 'latin1'))).toBe(3 * 65_535); // 'é' is 1 byte in latin1, 2 in UTF-8; '€' 3
    expect(maxValueBytes(col('v', 'varchar(1000)'))).toBe(4_000);
    expect(maxValueBytes(col('v', 'varchar(1000)', 'utf8mb3'))).toBe(3_000);
    expect(maxValueBytes(col('v', 'char(10)', 'ascii'))).toBe(10);
    expect(maxValueBytes(col('v', 'varbinary(300)', null))).toBe(300);
    expect(maxValueBytes(col('e', "enum('a','bc')"))).toBe(14);
    expect(maxValueBytes(col('n', 'bigint(20)', null))).toBe(8);
    expect(maxValueBytes(col('n', 'double', null))).toBe(8);
    expect(maxValueBytes(col('n', 'tinyint(1)', null))).toBe(1);
    expect(maxValueBytes(col('n', 'decimal(65,30)', null))).toBe(67);
    expect([65_535, 16 * 1024 ** 2 - 1, 2 * 1024 ** 2, 4 * 1024 ** 3 - 1].map(sizeLabel)).toEqual(['65,535 bytes', '16 MiB', '2 MiB', '4 GiB']);
  });

  it('value sizes: warns for columns over 2 MiB a value, and for rows over 4 MiB when each column fits', () => {
    const small = mapping('small', [col('name', 'varchar(100)'), col('notes', 'varchar(1000)'), col('body', 'text')]);
    expect(valueSizesVerdict([small], 'block')).toMatchObject({ status: 'passed', reason: expect.stringContaining("over Tablestore's 2 MiB per value") });

    const docs = mapping('docs', [col('img', 'longblob', null), col('summary', 'mediumtext'), col('notes', 'varchar(1000)')]);
    const v = valueSizesVerdict([small, docs], 'block');
    expect(v.status).toBe('warning');
    expect(v.reason).toBe(
      "2 columns can hold values over Tablestore's 2 MiB per value: shop.docs.img LONGBLOB holds up to 4 GiB, shop.docs.summary MEDIUMTEXT holds up to 16 MiB (in practice a value is at most the source's max_allowed_packet, 1 GiB or less)",
    );
    expect(v.objects).toEqual(['docs.img', 'docs.summary']);
    expect(v.fix).toContain('stops the task (sync.dirtyData: block)');
    expect(v.fix).toContain('{ name: "docs", columns: { <the columns to keep> } } in objects[0].tables');
    expect(v.fix).toContain('MySQL destination');
    expect(valueSizesVerdict([docs], 'skip').fix).toContain('sync.dirtyData: skip records it in the dirty-data log with a reason naming table, key, column and size');

    // 64 TEXT columns of 65,535 bytes (plus names and the key) are over 4 MiB a row; 63 are not.
    expect(valueSizesVerdict([mapping('wide', texts(63))], 'block').status).toBe('passed');
    const wide = valueSizesVerdict([mapping('wide', texts(64))], 'block');
    expect(wide.status).toBe('warning');
    expect(wide.reason).toBe("1 table whose rows can exceed Tablestore's 4 MiB per row, though each column fits: shop.wide rows hold up to 4,194,433 bytes (65 columns, the largest shop.wide.t1 TEXT holds up to 65,535 bytes)");
    expect(wide.objects).toEqual(['wide']);

    // Many columns: the first five, then how many more.
    const many = valueSizesVerdict([mapping('blobs', Array.from({ length: 8 }, (_, i) => col(`b${i}`, 'mediumblob', null)))], 'block');
    expect(many.reason).toContain('8 columns can hold');
    expect(many.reason).toContain('shop.blobs.b4 MEDIUMBLOB holds up to 16 MiB and 3 more');
    expect(many.reason).not.toContain('max_allowed_packet');
  });
});

describe('runPrecheck with a Tablestore destination', () => {
  let admin: Connection;
  let ts: TestTablestore;
  const standIns: TestTablestore[] = [];
  const dbs: string[] = [];
  const db = (prefix: string) => {
    const name = uniqueName(prefix);
    dbs.push(name);
    return name;
  };
  const good = db('tp_good');
  const badNames = db('tp_names');
  const keyless = db('tp_keyless');
  const keys = db('tp_keys');
  const sizes = db('tp_sizes');

  beforeAll(async () => {
    admin = await adminConnection();
    ts = await startTestTablestore();
    standIns.push(ts);
    await admin.query(`
      CREATE DATABASE \`${good}\` CHARACTER SET utf8mb4;
      CREATE TABLE \`${good}\`.orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2), note VARCHAR(100));
      CREATE TABLE \`${good}\`.customers (id INT PRIMARY KEY, name VARCHAR(50));
      CREATE DATABASE \`${badNames}\` CHARACTER SET utf8mb4;
      CREATE TABLE \`${badNames}\`.\`order-items\` (id INT PRIMARY KEY, qty INT);
      CREATE TABLE \`${badNames}\`.prices (id INT PRIMARY KEY, \`unit$price\` DECIMAL(10,2));
      CREATE DATABASE \`${keyless}\`;
      CREATE TABLE \`${keyless}\`.with_key (id INT PRIMARY KEY);
      CREATE TABLE \`${keyless}\`.nokey (a INT, b INT);
      CREATE DATABASE \`${keys}\` CHARACTER SET utf8mb4;
      CREATE TABLE \`${keys}\`.wide (id INT PRIMARY KEY, a INT NOT NULL, b INT NOT NULL, c INT NOT NULL, d INT NOT NULL);
      CREATE TABLE \`${keys}\`.wide5 (a INT, b INT, c INT, d INT, e INT, PRIMARY KEY (a, b, c, d, e));
      CREATE TABLE \`${keys}\`.measures (ratio DOUBLE PRIMARY KEY, v INT);
      CREATE TABLE \`${keys}\`.people (id INT PRIMARY KEY, email VARCHAR(100) NULL);
      CREATE TABLE \`${keys}\`.docs (slug VARCHAR(300) PRIMARY KEY, body TEXT);
      CREATE DATABASE \`${sizes}\` CHARACTER SET latin1;
      CREATE TABLE \`${sizes}\`.docs (id INT PRIMARY KEY, img LONGBLOB, summary MEDIUMTEXT, notes VARCHAR(1000) CHARACTER SET utf8mb4);
      CREATE TABLE \`${sizes}\`.small (id INT PRIMARY KEY, name VARCHAR(100), qty INT, body TEXT CHARACTER SET utf8mb4);
    `);
  });

  afterAll(async () => {
    for (const d of dbs) await admin.query(`DROP DATABASE IF EXISTS \`${d}\``);
    await admin.end();
    for (const s of standIns) await s.close();
  });

  const task = (overrides: Record<string, unknown>, on: TestTablestore = ts, destination: Record<string, unknown> = {}): Task =>
    validateTask(taskDoc({ destination: on.destination(destination), ...overrides }));

  /** Every report: no secret of the stand-in, nor MySQL-only destination items. */
  const checked = async (t: Task, options?: Parameters<typeof runPrecheck>[1], on: TestTablestore = ts): Promise<PrecheckReport> => {
    const report = await runPrecheck(t, options);
    const json = JSON.stringify(report);
    expect(json).not.toContain(on.keys.accessKeySecret);
    if ('accessKeySecret' in t.destination) expect(json).not.toContain(t.destination.accessKeySecret);
    expect(report.items.map((i) => i.id).filter((id) => /^destination-(privileges|name-conflicts|charset|max-allowed-packet|local-infile)$/.test(id))).toEqual([]);
    return report;
  };

  it('passes every item on a well-formed task, and runs no MySQL destination item', async () => {
    const report = await checked(task({ name: 'ts-all-pass', objects: [{ database: good }] }));
    expect(report.items.filter((i) => i.status !== 'passed')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.items.map((i) => i.id)).toEqual([
      'source-connectivity',
      'source-privileges',
      'source-binlog',
      'source-binlog-row-metadata',
      'source-binlog-features',
      'source-switchover',
      'source-binlog-retention',
      'source-log-slave-updates',
      'task-objects',
      'task-table-limit',
      'source-primary-keys',
      'source-unique-keys',
      'source-invisible-columns',
      'source-fk-cascade',
      'destination-connectivity',
      'tablestore-table-limit',
      'tablestore-names',
      'tablestore-primary-keys',
      'tablestore-value-sizes',
      'tablestore-existing-tables',
    ]);
    expect(item(report, 'destination-connectivity').reason).toContain(`instance "${ts.standIn.instance}"`);
    // orders + customers + fc_dts_watermarks in an empty instance.
    expect(item(report, 'tablestore-table-limit').reason).toMatch(/^3 of the 64 tables/);
    expect(item(report, 'tablestore-existing-tables').reason).toBe('none of the 2 destination tables exists yet');
    expect(item(report, 'tablestore-value-sizes').reason).toBe("no column of the 2 tables can hold a value over Tablestore's 2 MiB per value, and no row can exceed its 4 MiB per row");
    expect(formatPrecheckReport(report)).toContain('20 passed, 0 warnings, 0 failed: the task can start.');
  });

  it('a wrong secret fails connectivity naming the keys to check, never printing a secret; instance items are left out', async () => {
    const wrong = 'Wr0ng-secret-that-must-not-leak';
    const t = task({ objects: [{ database: good }] }, ts, { accessKeySecret: wrong });
    const report = await checked(t);
    const conn = item(report, 'destination-connectivity');
    expect(conn.status).toBe('failed');
    expect(conn.reason).toContain('OTSAuthFailed');
    expect(conn.reason).toContain(ts.keys.accessKeyId);
    expect(conn.fix).toContain('destination.accessKeyId');
    expect(conn.fix).toContain('destination.accessKeySecret');
    expect(conn.fix).toContain('destination.instance');
    expect(report.ok).toBe(false);
    expect(formatPrecheckReport(report)).not.toContain(wrong);
    const ids = report.items.map((i) => i.id);
    expect(ids).not.toContain('tablestore-table-limit');
    expect(ids).not.toContain('tablestore-existing-tables');
    // Names, keys and value sizes need no instance: they are still checked.
    expect(item(report, 'tablestore-names').status).toBe('passed');
    expect(item(report, 'tablestore-primary-keys').status).toBe('passed');
    expect(item(report, 'tablestore-value-sizes').status).toBe('passed');
  });

  it('a wrong instance name is refused as well, and the fix names destination.instance', async () => {
    const report = await checked(task({ objects: [{ database: good }] }, ts, { instance: 'otherinst' }));
    const conn = item(report, 'destination-connectivity');
    expect(conn.status).toBe('failed');
    expect(conn.reason).toContain('"otherinst"');
    expect(conn.fix).toContain('destination.instance');
  });

  it('an unreachable endpoint fails quickly, naming destination.endpoint', async () => {
    const started = Date.now();
    const report = await checked(task({ objects: [{ database: good }] }, ts, { endpoint: 'http://127.0.0.1:1' }));
    expect(Date.now() - started).toBeLessThan(15_000);
    const conn = item(report, 'destination-connectivity');
    expect(conn.status).toBe('failed');
    expect(conn.reason).toContain('http://127.0.0.1:1');
    expect(conn.reason).toContain('refused');
    expect(conn.fix).toContain('destination.endpoint');
    expect(report.items.filter((i) => i.id.startsWith('tablestore-')).map((i) => i.id)).toEqual(['tablestore-names', 'tablestore-primary-keys', 'tablestore-value-sizes']);
    expect(item(report, 'source-binlog').status).toBe('passed');
  });

  it('too many tables for the instance: existing ∪ task tables ∪ fc_dts_watermarks over destination.maxTables', async () => {
    const crowded = await startTestTablestore();
    standIns.push(crowded);
    for (const n of ['other_a', 'other_b', 'other_c']) await createTable(crowded.client, n, [{ name: 'id', type: 'INTEGER' }]);
    const report = await checked(task({ objects: [{ database: good }] }, crowded, { maxTables: 5 }), undefined, crowded);
    const limit = item(report, 'tablestore-table-limit');
    expect(limit.status).toBe('failed');
    expect(limit.reason).toContain('6 tables');
    expect(limit.reason).toContain('destination.maxTables (5)');
    expect(limit.reason).toContain('fc_dts_watermarks');
    expect(limit.objects).toEqual(expect.arrayContaining(['orders', 'customers', 'fc_dts_watermarks']));
    expect(limit.fix).toContain('Tablestore support');
    expect(limit.fix).toContain('destination.maxTables');
    expect(report.ok).toBe(false);

    // One more allowed: passes.
    const fits = await checked(task({ objects: [{ database: good }] }, crowded, { maxTables: 6 }), undefined, crowded);
    expect(item(fits, 'tablestore-table-limit').status).toBe('passed');
  });

  it('bad table and column names are listed with the task-file renames that fix them', async () => {
    const report = await checked(
      task({
        objects: [
          { database: badNames },
          { database: good, tables: [{ name: 'customers', columns: { id: 'id', name: 'full name' } }, { name: 'orders', as: 'fc_dts_watermarks' }] },
        ],
      }),
    );
    const names = item(report, 'tablestore-names');
    expect(names.status).toBe('failed');
    expect(names.reason).toContain(`table "order-items" (for ${badNames}.order-items)`);
    expect(names.reason).toContain(`column "unit$price" of table prices (${badNames}.prices.unit$price)`);
    expect(names.reason).toContain('column "full name" of table customers');
    expect(names.reason).toContain(`table fc_dts_watermarks (for ${good}.orders), the table fc-dts keeps its incremental watermarks in`);
    expect(names.objects).toEqual(['order-items', 'prices.unit$price', 'customers.full name', 'fc_dts_watermarks']);
    expect(names.fix).toContain('objects[1].tables[1].as: fc_dts_watermarks_data');
    expect(names.fix).toContain('list the others too');
    expect(names.fix).toContain('as: order_items');
    expect(names.fix).toContain('"unit$price": unit_price');
    expect(names.fix).toContain('objects[1].tables[0].columns: { "name": full_name');
    expect(report.ok).toBe(false);
  });

  it('a table without a primary key fails, naming it, with primaryKey in the fix', async () => {
    const report = await checked(task({ objects: [{ database: keyless }] }));
    const pk = item(report, 'tablestore-primary-keys');
    expect(pk.status).toBe('failed');
    expect(pk.reason).toContain(`table nokey (${keyless}.nokey) has no primary key`);
    expect(pk.reason).not.toContain('with_key');
    expect(pk.objects).toEqual(['nokey']);
    expect(pk.fix).toContain('primaryKey');
    expect(pk.fix).toContain('ADD PRIMARY KEY');

    // A primaryKey override gives it one.
    const fixed = await checked(task({ objects: [{ database: keyless, tables: ['with_key', { name: 'nokey', primaryKey: ['a', 'b'] }] }] }));
    expect(item(fixed, 'tablestore-primary-keys').status).toBe('warning'); // a and b are nullable
    expect(item(fixed, 'source-primary-keys').status).toBe('passed');
  });

  it('a 5-column source key fails: at most 4 (a 5-column primaryKey override is refused by the task-file validator)', async () => {
    const report = await checked(task({ objects: [{ database: keys, tables: ['wide5'] }] }));
    const pk = item(report, 'tablestore-primary-keys');
    expect(pk.status).toBe('failed');
    expect(pk.reason).toContain('table wide5');
    expect(pk.reason).toContain('5 primary-key columns from the source key (a, b, c, d, e)');
    expect(pk.fix).toContain('objects[0].tables[0].primaryKey: [<at most 4 columns');
    expect(() => task({ objects: [{ database: keys, tables: [{ name: 'wide', primaryKey: ['id', 'a', 'b', 'c', 'd'] }] }] })).toThrow(/a Tablestore primary key has at most 4/);
  });

  it('a DOUBLE key column fails', async () => {
    const report = await checked(task({ objects: [{ database: keys, tables: ['measures'] }] }));
    const pk = item(report, 'tablestore-primary-keys');
    expect(pk.status).toBe('failed');
    expect(pk.reason).toContain('key column measures.ratio (double) holds DOUBLE values');
    expect(pk.objects).toEqual(['measures.ratio']);
    expect(pk.fix).toContain('objects[0].tables[0].primaryKey');
  });

  it('a nullable key column from an override warns, and so does a key column that can exceed 1 KB', async () => {
    const report = await checked(task({ objects: [{ database: keys, tables: [{ name: 'people', primaryKey: ['email'] }, 'docs'] }] }));
    const pk = item(report, 'tablestore-primary-keys');
    expect(pk.status).toBe('warning');
    expect(pk.reason).toContain('key column people.email (varchar(100)) from objects[0].tables[0].primaryKey can be NULL');
    expect(pk.reason).toContain('STRING key column docs.slug (varchar(300)) can hold values up to 1200 bytes');
    expect(pk.objects).toEqual(['people.email', 'docs.slug']);
    expect(pk.fix).toContain(`make ${keys}.people.email NOT NULL`);
    expect(report.ok).toBe(true);
  });

  it('columns that can hold values over 2 MiB warn, naming each with its type and largest value; the task can still start', async () => {
    const report = await checked(task({ objects: [{ database: sizes }] }));
    const vs = item(report, 'tablestore-value-sizes');
    expect(vs.status).toBe('warning');
    expect(vs.name).toBe('Column values Tablestore can store');
    // MEDIUMTEXT in latin1: 16 MiB of characters of up to 3 UTF-8 bytes each.
    expect(vs.reason).toBe(
      `2 columns can hold values over Tablestore's 2 MiB per value: ${sizes}.docs.img LONGBLOB holds up to 4 GiB, ${sizes}.docs.summary MEDIUMTEXT holds up to 48 MiB (in practice a value is at most the source's max_allowed_packet, 1 GiB or less)`,
    );
    expect(vs.objects).toEqual(['docs.img', 'docs.summary']);
    expect(vs.fix).toContain('stops the task (sync.dirtyData: block)');
    expect(vs.fix).toContain('{ name: "docs", columns: { <the columns to keep> } } in objects[0].tables');
    expect(report.ok).toBe(true);
    expect(formatPrecheckReport(report)).toContain('1 warning, 0 failed');

    // Without those columns (a column selection) or without that table: passed.
    const selected = await checked(task({ objects: [{ database: sizes, tables: [{ name: 'docs', columns: { id: 'id', notes: 'notes' } }, 'small'] }] }));
    expect(item(selected, 'tablestore-value-sizes').status).toBe('passed');
    const small = await checked(task({ objects: [{ database: sizes, tables: ['small'] }], sync: { dirtyData: 'skip' } }));
    expect(item(small, 'tablestore-value-sizes')).toMatchObject({ status: 'passed', reason: expect.stringContaining('no column of the 1 table can hold a value over') });
  });

  it('an existing table the task did not create fails under precheck-and-report, passes when owned', async () => {
    const inst = await startTestTablestore();
    standIns.push(inst);
    await createTable(inst.client, 'orders', [{ name: 'id', type: 'INTEGER' }]);
    const t = task({ objects: [{ database: good }] }, inst);
    const strict = await checked(t, undefined, inst);
    const ex = item(strict, 'tablestore-existing-tables');
    expect(ex.status).toBe('failed');
    expect(ex.reason).toContain(`orders (for ${good}.orders)`);
    expect(ex.reason).not.toContain('customers');
    expect(ex.reason).toContain('precheck-and-report');
    expect(ex.objects).toEqual(['orders']);
    expect(ex.fix).toContain('{ name: "orders", as: orders_2 } in objects[0].tables');
    expect(ex.fix).toContain('sync.conflictMode: ignore-and-proceed');
    expect(strict.ok).toBe(false);

    // A table this task created in an earlier run is no conflict (ownedTables holds `tablestore:<name>`).
    const owned = await checked(t, { ownedTables: new Set(['tablestore:orders']) }, inst);
    const ex2 = item(owned, 'tablestore-existing-tables');
    expect(ex2.status).toBe('passed');
    expect(ex2.reason).toContain('earlier run');

    // The same table with ignore-and-proceed and the same key: passes, with a note.
    const lenient = await checked(task({ objects: [{ database: good }], sync: { conflictMode: 'ignore-and-proceed' } }, inst), undefined, inst);
    const ex3 = item(lenient, 'tablestore-existing-tables');
    expect(ex3.status).toBe('passed');
    expect(ex3.reason).toContain('already exists with the planned primary key');
    expect(ex3.reason).toContain('orders');
  });

  it('ignore-and-proceed: an existing table with another primary key fails, naming both keys', async () => {
    const inst = await startTestTablestore();
    standIns.push(inst);
    await createTable(inst.client, 'orders', [{ name: 'id', type: 'STRING' }]);
    await createTable(inst.client, 'customers', [{ name: 'id', type: 'INTEGER' }]);
    const report = await checked(task({ objects: [{ database: good }], sync: { conflictMode: 'ignore-and-proceed' } }, inst), undefined, inst);
    const ex = item(report, 'tablestore-existing-tables');
    expect(ex.status).toBe('failed');
    expect(ex.reason).toContain(`orders has primary key (id STRING), not (id INTEGER) as planned for ${good}.orders`);
    expect(ex.reason).not.toContain('customers has');
    expect(ex.objects).toEqual(['orders']);
    expect(ex.fix).toContain('primaryKey');
  });

  it('without schema synchronization a missing table fails: nothing would create it', async () => {
    const inst = await startTestTablestore();
    standIns.push(inst);
    await createTable(inst.client, 'customers', [{ name: 'id', type: 'INTEGER' }]);
    const report = await checked(task({ objects: [{ database: good }], sync: { types: ['incremental'] } }, inst), undefined, inst);
    const ex = item(report, 'tablestore-existing-tables');
    expect(ex.status).toBe('failed');
    expect(ex.reason).toContain('orders (for');
    expect(ex.reason).toContain('primary key id INTEGER');
    expect(ex.reason).not.toContain('customers (for');
    expect(ex.fix).toContain('add schema to sync.types');
  });

  it('fc-dts precheck --json: exit 1 on a failed Tablestore item, 0 once it is fixed, and no secret in the output', async () => {
    const inst = await startTestTablestore();
    standIns.push(inst);
    await createTable(inst.client, 'orders', [{ name: 'id', type: 'INTEGER' }]);
    const dir = mkdtempSync(join(tmpdir(), 'fc-dts-ts-precheck-'));
    // The stand-in runs in this process: the CLI must run asynchronously beside it.
    const cli = async (doc: Record<string, unknown>) => {
      const file = join(dir, 'task.yaml');
      writeFileSync(file, stringify(doc));
      const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'fc-dts.js'), 'precheck', '-c', file, '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      return { code, out, err };
    };
    try {
      const failing = await cli(taskDoc({ name: 'ts-cli', destination: inst.destination(), objects: [{ database: good }] }));
      expect(failing.code, failing.err).toBe(1);
      expect(failing.out).not.toContain(inst.keys.accessKeySecret);
      const report = JSON.parse(failing.out) as PrecheckReport;
      expect(item(report, 'tablestore-existing-tables').status).toBe('failed');

      const passing = await cli(taskDoc({ name: 'ts-cli', destination: inst.destination(), objects: [{ database: good, tables: [{ name: 'orders', as: 'orders_v2' }, 'customers'] }] }));
      expect(passing.code, passing.err).toBe(0);
      expect(passing.out).not.toContain(inst.keys.accessKeySecret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
