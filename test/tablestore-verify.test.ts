/**
 * `fc-dts verify` against a Tablestore destination: the real MariaDB source, the Tablestore stand-in
 * spoken to by the real SDK, and the destination loaded by the real full load (runTask).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import TableStore from 'tablestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FcDtsError } from '../shared/errors.ts';
import { runTask } from '../shared/pipeline/standalone-runner.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import { initialTaskState } from '../shared/state/state-store.ts';
import { validateTask } from '../shared/task/task-file.ts';
import type { Task } from '../shared/task/task.ts';
import { formatVerifyReport, verifyTask, type TableVerification, type VerifyOptions } from '../shared/verify/verify.ts';
import { adminConnection, taskDoc, uniqueName } from './helpers/mariadb.ts';
import { readTable, startTestTablestore, type TestTablestore } from './helpers/tablestore.ts';

const { Long, Condition, RowExistenceExpectation } = TableStore;
const IGNORE = new Condition(RowExistenceExpectation.IGNORE, null);

const SRC = uniqueName('tsv_src');
const ORDERS_WHERE = "status <> 'draft'";
let admin: Connection;
let ts: TestTablestore;
let stateDir: string;

function task(tables: unknown[], destination: Record<string, unknown> = {}): Task {
  return validateTask(taskDoc({ destination: ts.destination(destination), sync: { ddl: false }, objects: [{ database: SRC, tables }] }));
}

async function verify(tables: unknown[], options: VerifyOptions = {}) {
  return verifyTask(task(tables), { rechecks: 0, ...options });
}

async function one(table: unknown, options: VerifyOptions = {}): Promise<TableVerification> {
  const r = await verify([table], options);
  expect(r.tables).toHaveLength(1);
  return r.tables[0]!;
}

const sorted = <T extends { key: string }>(d: readonly T[]): T[] => [...d].sort((a, b) => a.key.localeCompare(b.key));

const LOADED = ['comp', 'types', 'ukey', 'tkey', 'bkey', 'big', 'pages', 'live', 'large'];

beforeAll(async () => {
  admin = await adminConnection();
  ts = await startTestTablestore();
  stateDir = mkdtempSync(join(tmpdir(), 'fc-dts-tsv-'));
  await admin.query(`CREATE DATABASE \`${SRC}\``);
  await admin.query(`USE \`${SRC}\``);
  await admin.query(`
    CREATE TABLE comp (a INT, b VARCHAR(20) COLLATE utf8mb4_general_ci, v VARCHAR(10), n INT, PRIMARY KEY (a, b));
    INSERT INTO comp VALUES
      (1, 'apple', 'v1', 1), (1, 'Zebra', 'v2', 2), (1, 'a b', 'v3', 3), (1, 'Äpfel', 'v4', 4), (1, 'ñu', 'v5', NULL),
      (1, '😀', 'v6', 6), (1, 'zoo', NULL, 7), (1, 'a', 'v8', 8), (-5, 'Émile', 'v9', 9), (-5, 'emil', 'v10', 10),
      (2, 'B', 'v11', 11), (2, 'a', 'v12', 12), (10, 'x', 'v13', 13), (-100, 'y', 'v14', 14);

    CREATE TABLE types (
      id INT PRIMARY KEY,
      ti TINYINT, bo BOOL, b1 BIT(1), ub BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(30,10), b BIT(10),
      vb VARBINARY(20), bn BINARY(4), bl BLOB, vc VARCHAR(40) CHARACTER SET utf8mb4, lt VARCHAR(20) CHARACTER SET latin1,
      ch CHAR(5), tx TEXT, dt DATETIME(6), ts TIMESTAMP(6) NULL, dd DATE, tm TIME(3), yr YEAR, js JSON,
      en ENUM('a','b'), st SET('x','y')
    );
    INSERT INTO types VALUES
      (1, -128, 1, b'1', 18446744073709551615, 16777217, 0.1, -12345678901234567890.0123456789, b'1010101010',
       X'00FF0001', X'00000000', X'0000', '😀 emoji ü', 'café', 'ab', 'long # text', '2024-02-29 23:59:59.123456',
       '2038-01-19 03:14:07.999999', '1000-01-01', '-838:59:59.999', 2155, '{"a": [1, 2, {"b": null}]}', 'b', 'x,y'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, 0, 0, b'0', 0, 1.2345678, -1e300, 0, b'0', '', X'61', '', '', '', '', '', '1970-01-01 00:00:00.000001',
       '1970-01-01 00:00:01.000000', '9999-12-31', '00:00:00', 1901, '[]', 'a', ''),
      (4, 127, 5, b'1', 9007199254740993, -3.4e38, 2.2250738585072014e-308, 0.0000000001, b'1111111111',
       X'2300', X'23232323', X'23', '#', '#', '#', '#', '2000-01-01 00:00:00', '2000-01-01 00:00:00', '2000-01-01', '12:00:00.5', 2000, '"#"', 'a', 'y');

    -- Keys Tablestore holds as STRING text: byte order, not numeric order.
    CREATE TABLE ukey (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(10));
    INSERT INTO ukey VALUES (9, 'nine'), (10, 'ten'), (100, 'hundred'), (18446744073709551615, 'max'), (0, 'zero'), (2, 'two');
    CREATE TABLE tkey (d DECIMAL(10,2), dt DATETIME, v INT, PRIMARY KEY (d, dt));
    INSERT INTO tkey VALUES (-1.5, '2024-01-01 00:00:00', 1), (-10, '2024-01-01 00:00:00', 2), (2, '2023-12-31 23:59:59', 3),
      (2, '2024-01-01 00:00:00', 4), (0, '1999-01-01 00:00:00', 5), (100.25, '2000-01-01 00:00:00', 6);
    CREATE TABLE bkey (k VARBINARY(8) PRIMARY KEY, v INT);
    INSERT INTO bkey VALUES (X'FF', 1), (X'00', 2), (X'0001', 3), ('a', 4), ('A', 5), (X'000100', 6);

    -- More rows than one GetRange page (5000), keyed by mixed-case strings whose byte order differs from the collation's.
    CREATE TABLE big (k VARCHAR(20) PRIMARY KEY, n INT NOT NULL, s VARCHAR(20));
    INSERT INTO big SELECT CONCAT(IF(seq % 2 = 0, 'k', 'K'), LPAD(seq, 5, '0')), seq, CONCAT('s', seq) FROM seq_1_to_12000;
    CREATE TABLE pages (id INT PRIMARY KEY, v VARCHAR(20));
    INSERT INTO pages SELECT seq, CONCAT('v', seq) FROM seq_1_to_11000;

    CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10) NOT NULL, amount DECIMAL(12,2), secret VARCHAR(20));
    INSERT INTO orders SELECT seq, IF(seq % 3 = 0, 'draft', 'paid'), seq * 10.5, 'not copied' FROM seq_1_to_200;

    -- Values near Tablestore's 2 MiB per value: 1.5 MiB of every byte value, 1.8 MB of 3-byte UTF-8 text.
    CREATE TABLE large (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT CHARACTER SET utf8mb4);
    INSERT INTO large VALUES
      (1, REPEAT(UNHEX('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F5C27225C6E0D0AFF80FE'), 36000), REPEAT('€', 600000)),
      (2, REPEAT(X'FF', 1572864), CONCAT(REPEAT('a', 1000000), '😀')),
      (3, '', NULL);

    CREATE TABLE live (id INT PRIMARY KEY, v VARCHAR(10));
    INSERT INTO live SELECT seq, CONCAT('v', seq) FROM seq_1_to_20;
  `);

  // The real full load (schema sync, then chunks through BatchWriteRow), stopping when it is done.
  // The precheck is skipped (phase past 'new'): only the load matters here.
  const store = new FileStateStore(stateDir);
  await store.putTaskState({ ...initialTaskState(), phase: 'schema' });
  const load = task([
    ...LOADED.map((name) => ({ name })),
    { name: 'orders', where: ORDERS_WHERE, columns: { id: 'id', status: 'status', amount: 'total' } },
  ]);
  const out = { isTTY: false, write: () => true };
  await runTask(load, store, { until: 'full-done', out, log: () => {} });
}, 300_000);

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS \`${SRC}\``);
  await admin?.end();
  await ts?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('verify with a Tablestore destination', () => {
  it('finds the full load consistent, with composite, string, exact, temporal and binary keys and every value type', async () => {
    // The test is only worth something if Tablestore's order is not MySQL's.
    const [mysqlOrder] = (await admin.query(`SELECT a, b FROM \`${SRC}\`.comp ORDER BY a, b`)) as unknown as [Array<{ a: number; b: string }>];
    const tablestoreOrder = (await readTable(ts.client, 'comp')).map((r) => [Number(r.a), r.b]);
    expect(tablestoreOrder).toHaveLength(14);
    expect(tablestoreOrder).not.toEqual(mysqlOrder.map((r) => [r.a, r.b]));
    expect((await readTable(ts.client, 'ukey')).map((r) => r.id)).toEqual(['0', '10', '100', '18446744073709551615', '2', '9']);

    const tables = ['comp', 'types', 'ukey', 'tkey', 'bkey'];
    const r = await verify(tables.map((name) => ({ name })));
    expect(r.tables.map((t) => [t.table, t.target, t.error, t.differingChunks, t.differences])).toEqual(
      tables.map((t) => [`${SRC}.${t}`, `${ts.standIn.instance}.${t}`, undefined, [], []]),
    );
    expect(r.consistent).toBe(true);
    expect(r.tables.map((t) => [t.sourceRows, t.destinationRows, t.chunks, t.differingKeys])).toEqual([
      [14, 14, 1, 0],
      [4, 4, 1, 0],
      [6, 6, 1, 0],
      [6, 6, 1, 0],
      [6, 6, 1, 0],
    ]);
    const text = formatVerifyReport(r);
    expect(text).toMatch(new RegExp(`^ok +${SRC}\\.comp → ${ts.standIn.instance}\\.comp  14 rows, 1 chunk$`, 'm'));
    expect(text).toMatch(/^consistent: 5 tables compared$/m);
  });

  it('reports a changed attribute, a deleted row, an extra row and a removed column by key', async () => {
    const key = (a: number, b: string): TableStore.PrimaryKey => [{ a: Long.fromNumber(a) }, { b }];
    await ts.client.updateRow({ tableName: 'comp', primaryKey: key(1, 'Äpfel'), updateOfAttributeColumns: [{ PUT: [{ v: 'changed' }] }], condition: IGNORE });
    await ts.client.deleteRow({ tableName: 'comp', primaryKey: key(1, '😀'), condition: IGNORE });
    await ts.client.putRow({ tableName: 'comp', primaryKey: key(1, 'Apple'), attributeColumns: [{ v: 'extra' }], condition: IGNORE });
    await ts.client.updateRow({ tableName: 'comp', primaryKey: key(-5, 'Émile'), updateOfAttributeColumns: [{ DELETE_ALL: ['n'] }], condition: IGNORE });
    // A column written with another type (INTEGER 13 as a STRING) is a difference too.
    await ts.client.updateRow({ tableName: 'comp', primaryKey: key(10, 'x'), updateOfAttributeColumns: [{ PUT: [{ n: '13' }] }], condition: IGNORE });
    // So is a value where the source has NULL.
    await ts.client.updateRow({ tableName: 'comp', primaryKey: key(1, 'zoo'), updateOfAttributeColumns: [{ PUT: [{ v: '' }] }], condition: IGNORE });

    const t = await one({ name: 'comp' });
    expect(sorted(t.differences)).toEqual(sorted([
      { key: "(a,b)=(1,'Äpfel')", kind: 'different', columns: ['v'] },
      { key: "(a,b)=(1,'😀')", kind: 'missing' },
      { key: "(a,b)=(1,'Apple')", kind: 'extra' },
      { key: "(a,b)=(-5,'Émile')", kind: 'different', columns: ['n'] },
      { key: "(a,b)=(10,'x')", kind: 'different', columns: ['n'] },
      { key: "(a,b)=(1,'zoo')", kind: 'different', columns: ['v'] },
    ]));
    expect(t).toMatchObject({ sourceRows: 14, destinationRows: 14, chunks: 1, differingKeys: 6, differingChunks: [{ chunk: 0, sourceRows: 14, destinationRows: 14 }] });
    expect(t.differencesTruncated).toBeUndefined();

    const limited = await one({ name: 'comp' }, { maxKeys: 2 });
    expect(limited.differences).toHaveLength(2);
    expect(limited).toMatchObject({ differencesTruncated: true, differingKeys: 6 });

    const r = await verify([{ name: 'comp' }, { name: 'ukey' }], { maxKeys: 2 });
    expect(r.consistent).toBe(false);
    const text = formatVerifyReport(r);
    expect(text).toMatch(new RegExp(`^DIFF +${SRC}\\.comp → ${ts.standIn.instance}\\.comp  source 14 rows, destination 14 rows, 1 chunk, 1 differing$`, 'm'));
    expect(text).toMatch(/^ +\.\.\. 4 more differing keys not listed$/m);
    expect(text).toMatch(/^NOT consistent: 1 of 2 tables differ$/m);
    expect(formatVerifyReport(await verify([{ name: 'comp' }]))).toMatch(/^ +different (\(a,b\)=\(1,'Äpfel'\)) +columns v$/m);
  });

  it('compares values of 1.5 to 1.8 MB byte for byte: equal after the load, a one-byte change found', async () => {
    const before = await one({ name: 'large' });
    expect([before.sourceRows, before.destinationRows, before.differences]).toEqual([3, 3, []]);

    const [row] = (await readTable(ts.client, 'large')).filter((r) => Number(r.id) === 1);
    const bytes = Buffer.from(row!.b as Buffer);
    expect(bytes.length).toBe(42 * 36000);
    bytes[bytes.length >> 1]! ^= 1;
    const [row2] = (await readTable(ts.client, 'large')).filter((r) => Number(r.id) === 2);
    const text = (row2!.t as string).slice(0, -2) + '¢'; // the emoji is two UTF-16 units
    await ts.client.updateRow({ tableName: 'large', primaryKey: [{ id: Long.fromNumber(1) }], updateOfAttributeColumns: [{ PUT: [{ b: bytes }] }], condition: IGNORE });
    await ts.client.updateRow({ tableName: 'large', primaryKey: [{ id: Long.fromNumber(2) }], updateOfAttributeColumns: [{ PUT: [{ t: text }] }], condition: IGNORE });

    const after = await one({ name: 'large' });
    expect(sorted(after.differences)).toEqual([
      { key: '(id)=(1)', kind: 'different', columns: ['b'] },
      { key: '(id)=(2)', kind: 'different', columns: ['t'] },
    ]);
  });

  it('compares string-typed exact, temporal and binary keys in Tablestore order', async () => {
    await ts.client.deleteRow({ tableName: 'ukey', primaryKey: [{ id: '10' }], condition: IGNORE });
    await ts.client.putRow({ tableName: 'ukey', primaryKey: [{ id: '11' }], attributeColumns: [{ v: 'eleven' }], condition: IGNORE });
    await ts.client.updateRow({ tableName: 'tkey', primaryKey: [{ d: '-10.00' }, { dt: '2024-01-01 00:00:00' }], updateOfAttributeColumns: [{ PUT: [{ v: Long.fromNumber(-2) }] }], condition: IGNORE });
    await ts.client.deleteRow({ tableName: 'bkey', primaryKey: [{ k: Buffer.from('0001', 'hex') }], condition: IGNORE });
    await ts.client.putRow({ tableName: 'bkey', primaryKey: [{ k: Buffer.from('fe', 'hex') }], attributeColumns: [], condition: IGNORE });

    const [ukey, tkey, bkey] = (await verify([{ name: 'ukey' }, { name: 'tkey' }, { name: 'bkey' }])).tables;
    expect(ukey!.differences).toEqual([{ key: '(id)=(10)', kind: 'missing' }, { key: '(id)=(11)', kind: 'extra' }]);
    expect(tkey!.differences).toEqual([{ key: "(d,dt)=(-10.00,'2024-01-01 00:00:00')", kind: 'different', columns: ['v'] }]);
    expect(bkey!.differences).toEqual([{ key: "(k)=(X'0001')", kind: 'missing' }, { key: "(k)=(X'fe')", kind: 'extra' }]);
  });

  it('reads the destination page by page (GetRange returns at most 5000 rows)', async () => {
    const clean = await one({ name: 'big' });
    expect(clean).toMatchObject({ sourceRows: 12000, destinationRows: 12000, chunks: 3, differingChunks: [], differences: [] });
    expect(clean.error).toBeUndefined();

    // Byte order puts every 'K…' key before every 'k…' key: K00001 … K11999, then k00002 … k12000.
    await ts.client.deleteRow({ tableName: 'big', primaryKey: [{ k: 'K00003' }], condition: IGNORE });
    await ts.client.updateRow({ tableName: 'big', primaryKey: [{ k: 'k06000' }], updateOfAttributeColumns: [{ PUT: [{ s: 'changed' }] }], condition: IGNORE });
    await ts.client.putRow({ tableName: 'big', primaryKey: [{ k: 'k99999' }], attributeColumns: [{ n: Long.fromNumber(1) }], condition: IGNORE });
    await ts.client.deleteRow({ tableName: 'big', primaryKey: [{ k: 'k12000' }], condition: IGNORE });
    const t = await one({ name: 'big' });
    expect(t.differences).toEqual([
      { key: "(k)=('K00003')", kind: 'missing' },
      { key: "(k)=('k06000')", kind: 'different', columns: ['s'] },
      { key: "(k)=('k12000')", kind: 'missing' },
      { key: "(k)=('k99999')", kind: 'extra' },
    ]);
    expect([t.sourceRows, t.destinationRows, t.chunks]).toEqual([12000, 11999, 3]);
    // Page 0 lost a row, so page 1 starts one key later; k06000 is in page 1, the end of the range in page 2.
    expect(t.differingChunks).toEqual([
      { chunk: 0, sourceRows: 5001, destinationRows: 5000 },
      { chunk: 1, sourceRows: 5000, destinationRows: 5000 },
      { chunk: 2, sourceRows: 1999, destinationRows: 1999 },
    ]);

    // An integer key, missing rows across a page boundary.
    for (const id of [4999, 5000, 5001, 5002]) await ts.client.deleteRow({ tableName: 'pages', primaryKey: [{ id: Long.fromNumber(id) }], condition: IGNORE });
    const p = await one({ name: 'pages' }, { maxKeys: 3 });
    expect(p.differences.map((d) => d.key)).toEqual(['(id)=(4999)', '(id)=(5000)', '(id)=(5001)']);
    expect(p).toMatchObject({ sourceRows: 11000, destinationRows: 10996, chunks: 3, differingKeys: 4, differencesTruncated: true });
  });

  it('honours the table filter, column selection and renames', async () => {
    const table = { name: 'orders', where: ORDERS_WHERE, columns: { id: 'id', status: 'status', amount: 'total' } };
    const t = await one(table);
    expect(t).toMatchObject({ sourceRows: 134, destinationRows: 134, differingChunks: [], differences: [] });
    expect(t.error).toBeUndefined();

    // Unselected source columns do not matter; rows the filter leaves out are not missing.
    await admin.query(`UPDATE \`${SRC}\`.orders SET secret = 'changed' WHERE id = 7`);
    expect((await one(table)).differences).toEqual([]);
    // A destination row the filter excludes is extra; a renamed column is reported by its source name.
    await ts.client.putRow({ tableName: 'orders', primaryKey: [{ id: Long.fromNumber(3) }], attributeColumns: [{ status: 'draft' }, { total: '31.50' }], condition: IGNORE });
    await admin.query(`UPDATE \`${SRC}\`.orders SET amount = 1 WHERE id = 8`);
    await admin.query(`UPDATE \`${SRC}\`.orders SET status = 'draft' WHERE id = 10`);
    expect(await one(table)).toMatchObject({
      sourceRows: 133,
      destinationRows: 135,
      differences: [
        { key: '(id)=(3)', kind: 'extra' },
        { key: '(id)=(8)', kind: 'different', columns: ['amount'] },
        { key: '(id)=(10)', kind: 'extra' },
      ],
    });
    // Without the filter the draft rows are missing.
    const unfiltered = await one({ ...table, where: undefined });
    expect(unfiltered.sourceRows).toBe(200);
    expect(unfiltered.differences.filter((d) => d.kind === 'missing')).toHaveLength(65);
  });

  it('rechecks listed differences: a change applied meanwhile does not count, one that stays does', async () => {
    await ts.client.updateRow({ tableName: 'live', primaryKey: [{ id: Long.fromNumber(5) }], updateOfAttributeColumns: [{ PUT: [{ v: 'stale' }] }], condition: IGNORE });
    await ts.client.deleteRow({ tableName: 'live', primaryKey: [{ id: Long.fromNumber(6) }], condition: IGNORE });
    await ts.client.updateRow({ tableName: 'live', primaryKey: [{ id: Long.fromNumber(7) }], updateOfAttributeColumns: [{ PUT: [{ v: 'wrong' }] }], condition: IGNORE });
    expect((await one({ name: 'live' })).differences.map((d) => d.key)).toEqual(['(id)=(5)', '(id)=(6)', '(id)=(7)']);

    // The comparison of 20 rows ends well within the first second; the first recheck comes 3 s later.
    const running = one({ name: 'live' }, { rechecks: 2, recheckMs: 3000 });
    await new Promise((r) => setTimeout(r, 1000));
    await ts.client.updateRow({ tableName: 'live', primaryKey: [{ id: Long.fromNumber(5) }], updateOfAttributeColumns: [{ PUT: [{ v: 'v5' }] }], condition: IGNORE });
    await ts.client.putRow({ tableName: 'live', primaryKey: [{ id: Long.fromNumber(6) }], attributeColumns: [{ v: 'v6' }], condition: IGNORE });
    const t = await running;
    expect(t.differences).toEqual([{ key: '(id)=(7)', kind: 'different', columns: ['v'] }]);
    expect(t).toMatchObject({ sourceRows: 20, destinationRows: 20, differingKeys: 1, differingChunks: [{ chunk: 0, sourceRows: 20, destinationRows: 20 }] });

    await ts.client.updateRow({ tableName: 'live', primaryKey: [{ id: Long.fromNumber(7) }], updateOfAttributeColumns: [{ PUT: [{ v: 'v7' }] }], condition: IGNORE });
    const fixed = await one({ name: 'live' }, { rechecks: 2, recheckMs: 10 });
    expect(fixed).toMatchObject({ differences: [], differingChunks: [], differingKeys: 0 });
  });

  it('reports tables missing from the instance, or keyed otherwise, as errors of those tables', async () => {
    await admin.query(`CREATE TABLE \`${SRC}\`.late (id INT PRIMARY KEY, v INT)`);
    await ts.client.createTable({
      tableMeta: { tableName: 'wrongkey', primaryKey: [{ name: 'id', type: 'INTEGER' }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    const r = await verify([{ name: 'late' }, { name: 'ukey', as: 'wrongkey' }, { name: 'tkey', as: 'fc_dts_watermarks' }, { name: 'bkey' }]);
    expect(r.consistent).toBe(false);
    expect(r.tables.map((t) => t.error)).toEqual([
      `Tablestore table late does not exist in instance ${ts.standIn.instance}`,
      'Tablestore table wrongkey has primary key (id INTEGER), not (id STRING) as the task maps it',
      expect.stringMatching(/^fc_dts_watermarks is fc-dts's own table/),
      undefined,
    ]);
    expect(formatVerifyReport(r)).toMatch(new RegExp(`^ERROR ${SRC}\\.late → ${ts.standIn.instance}\\.late  Tablestore table late does not exist`, 'm'));
  });

  it('throws a connection error when the Tablestore endpoint cannot be reached', async () => {
    const t = validateTask(taskDoc({ destination: ts.destination({ endpoint: 'http://127.0.0.1:1' }), sync: { ddl: false }, objects: [{ database: SRC, tables: [{ name: 'comp' }] }] }));
    const err = await verifyTask(t, { retryMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FcDtsError);
    expect((err as FcDtsError).code).toBe('CONNECTION_FAILED');
  });
});
