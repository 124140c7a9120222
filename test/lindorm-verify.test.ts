/**
 * `fc-dts verify` against a Lindorm destination: the real MariaDB source and the Lindorm stand-in, each table
 * copied the way the sink writes it (helpers/lindorm.ts copyTable), then compared by verifyLindormTables with
 * the tables the task resolves on the source.
 */
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLindormStandIn, type LindormStandIn } from '../infra/lindorm-standin/index.ts';
import { parseLindormDestination } from '../shared/destinations/lindorm/config.ts';
import { LindormSessions } from '../shared/destinations/lindorm/lindorm-session.ts';
import { verifyLindormTables } from '../shared/destinations/lindorm/lindorm-verify.ts';
import type { TableMapping } from '../shared/task/object-mapper.ts';
import { validateTask } from '../shared/task/task-file.ts';
import type { Task } from '../shared/task/task.ts';
import { readSourceTables } from '../shared/verify/source-tables.ts';
import { verifySettings, type TableVerification, type VerifyOptions } from '../shared/verify/verify-report.ts';
import { copyTable, withLindorm } from './helpers/lindorm.ts';
import { adminConnection, taskDoc, uniqueName } from './helpers/mariadb.ts';

const SRC = uniqueName('lv_src');
/** Renamed, with renamed columns, filtered, and keyed by (region, id) while id comes first. */
const ORDERS = { name: 'orders', as: 'Orders2', columns: { id: 'id', status: 'state', amount: 'total', region: 'region' }, where: "status <> 'draft'" };
const UTC_NAMESPACE = 'utc0';
let admin: Connection;
let standIn: LindormStandIn;
/** Sessions in `default` at +08:00 (Lindorm's default zone) and in UTC_NAMESPACE at +00:00. */
let east: LindormSessions;
let utc: LindormSessions;
/** Why rows of `unheld` were not written. */
let refusedUnheld: string[];

function sourceTask(tables: unknown[]): Task {
  return validateTask(taskDoc({ sync: { ddl: false }, objects: [{ database: SRC, tables }] }));
}

async function tablesOf(task: Task): Promise<Map<string, TableMapping>> {
  return new Map((await readSourceTables(task)).map((t) => [t.source.name, t]));
}

/** Verifies the named tables against the namespace and zone of `destination`. */
async function verify(entries: Array<string | Record<string, unknown>>, options: VerifyOptions = {}, destination: Record<string, unknown> = {}): Promise<TableVerification[]> {
  const task = sourceTask(entries.map((e) => (typeof e === 'string' ? { name: e } : e)));
  const tables = await readSourceTables(task);
  const report = await verifyLindormTables(withLindorm(task, standIn, destination), tables, verifySettings({ rechecks: 0, ...options }), options);
  expect(report.consistent).toBe(report.tables.every((t) => t.error === undefined && t.differences.length === 0 && t.differingChunks.length === 0));
  return [...report.tables];
}

async function one(name: string | Record<string, unknown>, options: VerifyOptions = {}, destination: Record<string, unknown> = {}): Promise<TableVerification> {
  const [t] = await verify([name], options, destination);
  return t!;
}

beforeAll(async () => {
  admin = await adminConnection();
  standIn = await startLindormStandIn({ password: 'lindorm-verify-pw' });
  await admin.query(`CREATE DATABASE \`${SRC}\``);
  await admin.query(`USE \`${SRC}\``);
  await admin.query(`
    CREATE TABLE types (
      id INT PRIMARY KEY,
      ti TINYINT, su SMALLINT UNSIGNED, mi MEDIUMINT, iu INT UNSIGNED, bi BIGINT, ub BIGINT UNSIGNED, dc DECIMAL(12,4),
      f FLOAT, d DOUBLE, vc VARCHAR(40), ch CHAR(5), tx TEXT, en ENUM('a','b'), st SET('x','y'), js JSON,
      vb VARBINARY(20), bl BLOB, dd DATE, tm TIME, dt3 DATETIME(3), dt6 DATETIME(6), ts TIMESTAMP(6) NULL, yr YEAR
    );
    INSERT INTO types VALUES
      (1, -128, 65535, -8388608, 4294967295, -9223372036854775808, 18446744073709551615, 12345678.5000,
       16777217, 0.1, 'it''s a \\\\ backslash 😀', 'ab', 'long text', 'b', 'x,y', '{"a": [1, 2]}',
       X'00FF00', X'0102', '2024-02-29', '23:59:59', '2024-02-29 23:59:59.123', '1999-12-31 23:59:59.999999',
       '2038-01-19 03:14:07.999999', 2155),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, 0, 0, 0, 0, 0, 0, 0.0000, 1.2345678, -1e300, '', '', '', 'a', '', '[]', '', '', '1000-01-01', '00:00:00',
       '1970-01-01 00:00:00.000', '2000-01-01 00:00:00.000001', '1970-01-01 00:00:01.000000', 1901),
      (4, 127, 1, 1, 1, 9007199254740993, 9007199254740993, -0.0001, -3.4e38, 2.2250738585072014e-308, 'Ä', 'x', 'é',
       'a', 'y', '"s"', X'FF', X'00', '9999-12-31', '12:00:00', '2024-01-01 20:30:00.500', '2024-01-01 20:30:00.5',
       '2024-01-01 20:30:00.5', 2000);

    -- A composite key whose second column sorts otherwise by collation than by bytes.
    CREATE TABLE comp (a INT, b VARCHAR(20) COLLATE utf8mb4_general_ci, c INT, v VARCHAR(10), PRIMARY KEY (a, b, c));
    INSERT INTO comp SELECT a.seq, w.word, c.seq, CONCAT('v', a.seq, w.word, c.seq)
      FROM seq_1_to_3 a, seq_1_to_4 c, (SELECT 'apple' AS word UNION SELECT 'Banana' UNION SELECT 'cherry' UNION SELECT 'Date' UNION SELECT 'éclair') w;

    -- A text key: the table is one range, its first page read with the filtering hint.
    CREATE TABLE skey (k VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, n INT);
    INSERT INTO skey SELECT CONCAT(IF(seq % 2 = 0, 'k', 'K'), LPAD(seq, 2, '0')), seq FROM seq_1_to_15;

    CREATE TABLE zoned (id INT PRIMARY KEY, ts TIMESTAMP(3) NULL, dt DATETIME(3));
    INSERT INTO zoned VALUES (1, '2024-01-01 20:30:00.250', '2024-01-01 20:30:00.250'), (2, '1999-12-31 23:59:59', '1999-12-31 23:59:59');

    CREATE TABLE absent (id INT PRIMARY KEY, v INT);

    -- Values Lindorm cannot hold: the sink refuses their rows.
    CREATE TABLE unheld (id INT PRIMARY KEY, tm TIME, dd DATE);
    INSERT INTO unheld VALUES (1, '10:00:00', '2024-01-01'), (2, '30:00:00', '2024-01-01'), (3, '11:00:00', '2024-01-02');
    CREATE TABLE nothing (id INT PRIMARY KEY, v INT);

    CREATE TABLE orders (id INT, status VARCHAR(10) NOT NULL, amount DECIMAL(12,2), region CHAR(2), PRIMARY KEY (region, id));
    INSERT INTO orders SELECT seq, IF(seq % 3 = 0, 'draft', 'paid'), seq * 10.5, ELT(1 + seq % 4, 'eu', 'us', 'ap', 'sa') FROM seq_1_to_30;
  `);
  const eastConfig = withLindorm(sourceTask([{ name: 'types' }]), standIn).destination;
  east = await LindormSessions.open(eastConfig);
  await east.query(`CREATE DATABASE ${UTC_NAMESPACE}`);
  utc = await LindormSessions.open(parseLindormDestination({ ...eastConfig, database: UTC_NAMESPACE, timeZone: '+00:00' }));
  const task = sourceTask(['types', 'comp', 'skey', 'zoned'].map((name) => ({ name })));
  const tables = await tablesOf(task);
  for (const name of ['types', 'comp', 'skey', 'zoned']) expect(await copyTable(task, tables.get(name)!, east)).toEqual([]);
  expect(await copyTable(task, tables.get('zoned')!, utc)).toEqual([]);
  const more = sourceTask([{ name: 'unheld' }, { name: 'nothing' }]);
  const moreTables = await tablesOf(more);
  refusedUnheld = await copyTable(more, moreTables.get('unheld')!, east);
  expect(await copyTable(more, moreTables.get('nothing')!, east)).toEqual([]);
  await east.query('UPSERT INTO `nothing` (`id`, `v`) VALUES (7, 70), (-3, 30)');
  const orders = sourceTask([ORDERS]);
  expect(await copyTable(orders, (await tablesOf(orders)).get('orders')!, east)).toEqual([]);
}, 120_000);

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS \`${SRC}\``);
  await admin?.end();
  await east?.close();
  await utc?.close();
  await standIn?.close();
});

describe('verify of a Lindorm destination', () => {
  it('finds rows of every type equal when written as the sink writes them', async () => {
    const t = await one('types');
    expect(t).toMatchObject({ table: `${SRC}.types`, target: 'default.types', sourceRows: 4, destinationRows: 4, differences: [], differingChunks: [] });
    expect(t.error).toBeUndefined();
  });

  it('pages a composite key through pages smaller than the table, in Lindorm key order, no statement refused', async () => {
    const selects = standIn.counters.statements.select ?? 0;
    const refused = standIn.counters.refused.select ?? 0;
    const t = await one('comp', { pageRows: 7, chunkRows: 20 });
    expect(t).toMatchObject({ sourceRows: 60, destinationRows: 60, differences: [], differingChunks: [] });
    expect(t.error).toBeUndefined();
    expect(t.chunks).toBe(Math.ceil(60 / 7));
    expect((standIn.counters.statements.select ?? 0) - selects).toBeGreaterThan(t.chunks);
    expect((standIn.counters.refused.select ?? 0) - refused).toBe(0);
  });

  it('reads a text-keyed table whole, in byte order', async () => {
    const t = await one('skey', { pageRows: 4 });
    expect(t).toMatchObject({ sourceRows: 15, destinationRows: 15, differences: [], chunks: 4 });
    expect(t.error).toBeUndefined();
  });

  it('keeps TIMESTAMP instants whatever the session zone, and DATETIME as the wall time of its zone', async () => {
    expect(await one('zoned', {}, { database: UTC_NAMESPACE, timeZone: '+00:00' })).toMatchObject({ sourceRows: 2, differences: [] });
    expect(await one('zoned')).toMatchObject({ sourceRows: 2, differences: [] });
    // Written at +00:00, read at +08:00: the same instants, but each DATETIME now shows 8 hours later.
    const crossed = await one('zoned', {}, { database: UTC_NAMESPACE, timeZone: '+08:00' });
    expect(crossed.differences).toEqual([
      { key: '(id)=(1)', kind: 'different', columns: ['dt'] },
      { key: '(id)=(2)', kind: 'different', columns: ['dt'] },
    ]);
  });

  it('reports a TIMESTAMP written as its UTC wall time', async () => {
    await east.query("UPSERT INTO `zoned` (`id`, `ts`) VALUES (2, '1999-12-31 23:59:59.000')");
    try {
      expect((await one('zoned')).differences).toEqual([{ key: '(id)=(2)', kind: 'different', columns: ['ts'] }]);
    } finally {
      await east.query("UPSERT INTO `zoned` (`id`, `ts`) VALUES (2, '2000-01-01 07:59:59.000')");
    }
    expect((await one('zoned')).differences).toEqual([]);
  });

  it('reports a changed value, a deleted row and an extra row, by key and column, in their pages', async () => {
    await east.query("UPSERT INTO `comp` (`a`, `b`, `c`, `v`) VALUES (2, 'Date', 3, 'changed')");
    await east.query("DELETE FROM `comp` WHERE `a` = 1 AND `b` = 'apple' AND `c` = 2");
    await east.query("UPSERT INTO `comp` (`a`, `b`, `c`, `v`) VALUES (3, 'Banana', 9, 'extra')");
    try {
      const t = await one('comp', { pageRows: 7, chunkRows: 20, rechecks: 1, recheckMs: 0 });
      expect(t).toMatchObject({ sourceRows: 60, destinationRows: 60, differingKeys: 3 });
      expect(t.differences).toEqual([
        { key: "(a,b,c)=(1,'apple',2)", kind: 'missing' },
        { key: "(a,b,c)=(2,'Date',3)", kind: 'different', columns: ['v'] },
        { key: "(a,b,c)=(3,'Banana',9)", kind: 'extra' },
      ]);
      expect(t.differingChunks).toHaveLength(3);
      const listed = await one('comp', { pageRows: 7, chunkRows: 20, maxKeys: 1 });
      expect(listed).toMatchObject({ differingKeys: 3, differencesTruncated: true });
      expect(listed.differences).toHaveLength(1);
    } finally {
      await east.query("UPSERT INTO `comp` (`a`, `b`, `c`, `v`) VALUES (2, 'Date', 3, 'v2Date3'), (1, 'apple', 2, 'v1apple2')");
      await east.query("DELETE FROM `comp` WHERE `a` = 3 AND `b` = 'Banana' AND `c` = 9");
    }
    expect((await one('comp', { pageRows: 7 })).differences).toEqual([]);
  });

  it('reports a changed value of each kind by its column', async () => {
    const changes: Array<[string, string]> = [
      ['dc', '12345678.5001'],
      ['f', '1.6777218E7'], // the next float32 after the source's 16777216: differs past the 7th digit
      ['ts', "'2038-01-19 03:14:07.999'"], // the UTC text, not the +08:00 wall time
      ['vb', "X'00FF01'"],
      ['vc', "'it''s a \\\\ backslash'"],
    ];
    for (const [column, literal] of changes) {
      await east.query(`UPSERT INTO \`types\` (\`id\`, \`${column}\`) VALUES (1, ${literal})`);
    }
    const t = await one('types');
    expect(t.differences).toEqual([{ key: '(id)=(1)', kind: 'different', columns: ['dc', 'f', 'vc', 'vb', 'ts'] }]);
    // An empty VARBINARY is NULL in Lindorm: writing NULL where the source has '' is no difference.
    await east.query('UPSERT INTO `types` (`id`, `vb`, `bl`) VALUES (3, NULL, NULL)');
    expect((await one('types')).differences.map((d) => d.key)).toEqual(['(id)=(1)']);
  });

  it('compares a renamed, filtered table by its destination names, its key in key order; rows the filter leaves out are extra', async () => {
    const t = await one(ORDERS, { pageRows: 4 });
    expect(t).toMatchObject({ target: 'default.Orders2', sourceRows: 20, destinationRows: 20, differences: [] });
    expect(t.error).toBeUndefined();
    await east.query("UPSERT INTO `Orders2` (`region`, `id`, `state`, `total`) VALUES ('sa', 3, 'draft', 31.5)");
    await east.query("UPSERT INTO `Orders2` (`region`, `id`, `state`, `total`) VALUES ('us', 1, 'paid', 10.51)");
    const changed = await one(ORDERS, { pageRows: 4 });
    expect(changed.differences).toEqual([
      { key: "(region,id)=('sa',3)", kind: 'extra' },
      { key: "(region,id)=('us',1)", kind: 'different', columns: ['amount'] },
    ]);
  });

  it('reports a row the sink refused as missing', async () => {
    expect(refusedUnheld).toHaveLength(1);
    const t = await one('unheld');
    expect(t).toMatchObject({ sourceRows: 3, destinationRows: 2, differences: [{ key: '(id)=(2)', kind: 'missing' }] });
  });

  it('reports every Lindorm row extra when the source table is empty', async () => {
    const t = await one('nothing');
    expect(t).toMatchObject({ sourceRows: 0, destinationRows: 2, chunks: 1 });
    expect(t.differences).toEqual([
      { key: '(id)=(-3)', kind: 'extra' },
      { key: '(id)=(7)', kind: 'extra' },
    ]);
  });

  it('says a table missing in Lindorm is missing, and compares the others', async () => {
    const [absent, skey] = await verify(['absent', 'skey']);
    expect(absent!.error).toBe('Lindorm table default.absent does not exist (names are case-sensitive)');
    expect(skey!.error).toBeUndefined();
  });
});
