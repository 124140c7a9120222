import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { FcDtsError } from '../shared/errors.ts';
import { validateTask } from '../shared/task/task-file.ts';
import { formatVerifyReport, verifyTask, type TableVerification, type VerifyOptions } from '../shared/verify/verify.ts';
import { adminConnection, taskDoc, uniqueName } from './helpers/mariadb.ts';
import type { ColumnInfo } from '../shared/mysql/catalog.ts';
import { rowImageExpr } from '../shared/destinations/mysql/row-checksum.ts';

const SRC = uniqueName('vfy_src');
const DST = uniqueName('vfy_dst');
let admin: Connection;

/** Verifies the given tables of SRC against DST (database renamed SRC → DST). */
async function verify(tables: unknown[], options: VerifyOptions = {}) {
  const task = validateTask(taskDoc({ objects: [{ database: SRC, as: DST, tables }] }));
  return verifyTask(task, { chunkRows: 50, rechecks: 0, ...options });
}

async function one(table: unknown, options: VerifyOptions = {}): Promise<TableVerification> {
  const r = await verify([table], options);
  expect(r.tables).toHaveLength(1);
  return r.tables[0]!;
}

/** Copies SRC.t to DST.t (same definition) with INSERT ... SELECT. */
async function copy(table: string): Promise<void> {
  await admin.query(`CREATE TABLE \`${DST}\`.\`${table}\` LIKE \`${SRC}\`.\`${table}\`; INSERT INTO \`${DST}\`.\`${table}\` SELECT * FROM \`${SRC}\`.\`${table}\``);
}

const sorted = (d: TableVerification['differences']) => [...d].sort((a, b) => a.key.localeCompare(b.key));

beforeAll(async () => {
  admin = await adminConnection();
  await admin.query(`CREATE DATABASE \`${SRC}\`; CREATE DATABASE \`${DST}\``);
  await admin.query(`USE \`${SRC}\``);
  await admin.query(`
    CREATE TABLE types (
      id INT PRIMARY KEY,
      ti TINYINT, ub BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(30,10), b BIT(10),
      vb VARBINARY(20), bn BINARY(4), bl BLOB, vc VARCHAR(40) CHARACTER SET utf8mb4, lt VARCHAR(20) CHARACTER SET latin1,
      ch CHAR(5), tx TEXT, dt DATETIME(6), ts TIMESTAMP(6) NULL, dd DATE, tm TIME(3), yr YEAR, js JSON,
      en ENUM('a','b'), st SET('x','y')
    );
    INSERT INTO types VALUES
      (1, -128, 18446744073709551615, 16777217, 0.1, -12345678901234567890.0123456789, b'1010101010',
       X'00FF0001', X'00000000', X'0000', '😀 emoji ü', 'café', 'ab', 'long # text', '2024-02-29 23:59:59.123456',
       '2038-01-19 03:14:07.999999', '1000-01-01', '-838:59:59.999', 2155, '{"a": [1, 2, {"b": null}]}', 'b', 'x,y'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, 0, 0, 1.2345678, -1e300, 0, b'0', '', X'61', '', '', '', '', '', '1970-01-01 00:00:00.000001',
       '1970-01-01 00:00:01.000000', '9999-12-31', '00:00:00', 1901, '[]', 'a', ''),
      (4, 127, 9007199254740993, -3.4e38, 2.2250738585072014e-308, 0.0000000001, b'1111111111',
       X'2300', X'23232323', X'23', '#', '#', '#', '#', '2000-01-01 00:00:00', '2000-01-01 00:00:00', '2000-01-01', '12:00:00.5', 2000, '"#"', 'a', 'y');

    CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), note VARCHAR(20), f FLOAT, amount DECIMAL(10,2));
    INSERT INTO items SELECT seq * 2, CONCAT('n', seq), 'note', seq / 3, seq * 1.25 FROM seq_1_to_300;
    UPDATE items SET name = NULL WHERE id = 40;
    UPDATE items SET name = '' WHERE id = 42;
    UPDATE items SET f = 1.2345678 WHERE id = 50;
    UPDATE items SET name = 'a#', note = 'b' WHERE id = 60;

    CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10) NOT NULL, amount DECIMAL(12,2), secret VARCHAR(20), created DATETIME);
    INSERT INTO orders SELECT seq, IF(seq % 3 = 0, 'draft', 'paid'), seq * 10.5, 'not copied', '2024-01-01 00:00:00' + INTERVAL seq HOUR FROM seq_1_to_200;

    CREATE TABLE comp (a INT, b VARCHAR(20) COLLATE utf8mb4_general_ci, v VARCHAR(10), PRIMARY KEY (a, b));
    INSERT INTO comp SELECT seq % 4, CONCAT(ELT(seq % 6 + 1, 'a', 'B', 'é', '😀', 'a#b', 'Zz'), seq), 'v' FROM seq_1_to_240;
    INSERT INTO comp VALUES (1, 'b', 'x'), (1, 'a', 'x'), (1, 'a\t', 'x'), (1, 'É', 'x');

    CREATE TABLE skey (k VARCHAR(30) PRIMARY KEY, v INT);
    INSERT INTO skey SELECT CONCAT('key-', LPAD(seq, 4, '0')), seq FROM seq_1_to_180;

    CREATE TABLE empty_t (id INT PRIMARY KEY, v INT);
    CREATE TABLE nokey (a INT, b VARCHAR(10));
    INSERT INTO nokey VALUES (1, 'x'), (1, 'x'), (2, NULL);
    CREATE TABLE only_src (id INT PRIMARY KEY);
  `);
  for (const t of ['types', 'items', 'comp', 'skey', 'empty_t', 'nokey']) await copy(t);
  // Charset differences in the destination do not count as differences.
  await admin.query(`ALTER TABLE \`${DST}\`.types MODIFY lt VARCHAR(20) CHARACTER SET utf8mb4`);
  await admin.query(`CREATE TABLE \`${DST}\`.orders_v2 (id INT PRIMARY KEY, status VARCHAR(10) NOT NULL, total DECIMAL(12,2), unmapped INT DEFAULT 7);
    INSERT INTO \`${DST}\`.orders_v2 (id, status, total) SELECT id, status, amount FROM \`${SRC}\`.orders WHERE status <> 'draft'`);
});

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS \`${SRC}\`; DROP DATABASE IF EXISTS \`${DST}\``);
  await admin?.end();
});

describe('verify', () => {
  it('finds an identical copy consistent, whatever the column types', async () => {
    const r = await verify([{ name: 'types' }, { name: 'comp' }, { name: 'skey' }, { name: 'empty_t' }, { name: 'nokey' }]);
    expect(r.tables.map((t) => [t.table, t.error, t.differingChunks, t.differences])).toEqual(
      ['types', 'comp', 'skey', 'empty_t', 'nokey'].map((t) => [`${SRC}.${t}`, undefined, [], []]),
    );
    expect(r.consistent).toBe(true);
    const types = r.tables[0]!;
    expect([types.sourceRows, types.destinationRows, types.target]).toEqual([4, 4, `${DST}.types`]);
    expect(r.tables[1]!.sourceRows).toBe(244);
    expect(r.tables[2]!.chunks).toBeGreaterThan(2);
    expect(formatVerifyReport(r)).toMatch(new RegExp(`^ok +${SRC}\\.types → ${DST}\\.types  4 rows, 1 chunk$`, 'm'));
  });

  it('reports changed, missing and extra rows by key, including NULL vs empty and float precision', async () => {
    await admin.query(`USE \`${DST}\`;
      UPDATE items SET amount = amount + 0.01 WHERE id = 10;
      DELETE FROM items WHERE id = 320;
      INSERT INTO items (id, name) VALUES (431, 'extra'), (100000, 'beyond');
      UPDATE items SET name = '' WHERE id = 40;
      UPDATE items SET name = NULL WHERE id = 42;
      UPDATE items SET f = 1.2345679 WHERE id = 50;
      UPDATE items SET name = 'a', note = '#b' WHERE id = 60;`);
    const [[f]] = (await admin.query(`SELECT CONCAT(f) s FROM \`${DST}\`.items WHERE id = 50`)) as unknown as [[{ s: string }]];
    expect(f.s).toBe('1.23457'); // what a plain SELECT shows on both sides

    const t = await one({ name: 'items' });
    expect(sorted(t.differences)).toEqual(sorted([
      { key: '(id)=(10)', kind: 'different' },
      { key: '(id)=(320)', kind: 'missing' },
      { key: '(id)=(431)', kind: 'extra' },
      { key: '(id)=(40)', kind: 'different' },
      { key: '(id)=(42)', kind: 'different' },
      { key: '(id)=(50)', kind: 'different' },
      { key: '(id)=(60)', kind: 'different' },
      { key: '(id)=(100000)', kind: 'extra' },
    ]));
    expect([t.sourceRows, t.destinationRows]).toEqual([300, 301]);
    expect(t.chunks).toBeGreaterThan(3);
    expect(t.differingChunks.length).toBeGreaterThanOrEqual(4);
    const tail = t.differingChunks.find((c) => c.chunk === t.chunks);
    expect(tail).toEqual({ chunk: t.chunks, sourceRows: 0, destinationRows: 1 });
    expect(t.differencesTruncated).toBeUndefined();

    const limited = await one({ name: 'items' }, { maxKeys: 3 });
    expect(limited.differences).toHaveLength(3);
    expect(limited.differencesTruncated).toBe(true);

    const r = await verify([{ name: 'items' }]);
    expect(r.consistent).toBe(false);
    const text = formatVerifyReport(r);
    expect(text).toMatch(new RegExp(`^DIFF +${SRC}\\.items → ${DST}\\.items  source 300 rows, destination 301 rows`, 'm'));
    expect(text).toMatch(/^ +missing +\(id\)=\(320\)$/m);
    expect(text).toMatch(/^ +beyond chunk \d+: source 0 rows, destination 1 row$/m);
    expect(text).toMatch(/^NOT consistent: 1 of 1 table differ$/m);
  });

  it('compares renamed tables and columns, a column subset and the source-side WHERE filter', async () => {
    const table = { name: 'orders', as: 'orders_v2', where: "status <> 'draft'", columns: { id: 'id', status: 'status', amount: 'total' } };
    const t = await one(table);
    expect(t).toMatchObject({ target: `${DST}.orders_v2`, sourceRows: 134, destinationRows: 134, differingChunks: [], differences: [] });
    expect(t.error).toBeUndefined();

    // Unselected columns do not matter; a selected one does, reported under the source key name.
    await admin.query(`UPDATE \`${SRC}\`.orders SET secret = 'changed', created = NOW() WHERE id = 7`);
    expect((await one(table)).differences).toEqual([]);
    await admin.query(`UPDATE \`${DST}\`.orders_v2 SET total = 0 WHERE id = 7; UPDATE \`${DST}\`.orders_v2 SET id = 999 WHERE id = 200`);
    expect(sorted((await one(table)).differences)).toEqual([
      { key: '(id)=(200)', kind: 'missing' },
      { key: '(id)=(7)', kind: 'different' },
      { key: '(id)=(999)', kind: 'extra' },
    ]);
  });

  it('lists keys of composite and string primary keys', async () => {
    await admin.query(`USE \`${DST}\`;
      CREATE TABLE comp2 LIKE comp; INSERT INTO comp2 SELECT * FROM comp;
      DELETE FROM comp2 WHERE a = 1 AND b = 'a\t';
      UPDATE comp2 SET v = 'changed' WHERE a = 1 AND b = 'É';
      INSERT INTO comp2 VALUES (1, 'a\\'', 'x'), (9, 'zzz', 'x');
      CREATE TABLE skey2 LIKE skey; INSERT INTO skey2 SELECT * FROM skey;
      DELETE FROM skey2 WHERE k = 'key-0100';
      UPDATE skey2 SET v = -1 WHERE k = 'key-0007';
      INSERT INTO skey2 VALUES ('key-0100x', 1), ('zzz', 2);`);
    const comp = await one({ name: 'comp', as: 'comp2' });
    expect(sorted(comp.differences)).toEqual(sorted([
      { key: "(a,b)=(1,'a\\t')", kind: 'missing' },
      { key: "(a,b)=(1,'É')", kind: 'different' },
      { key: "(a,b)=(1,'a\\'')", kind: 'extra' },
      { key: "(a,b)=(9,'zzz')", kind: 'extra' },
    ]));
    const skey = await one({ name: 'skey', as: 'skey2' });
    expect(sorted(skey.differences)).toEqual(sorted([
      { key: "(k)=('key-0007')", kind: 'different' },
      { key: "(k)=('key-0100')", kind: 'missing' },
      { key: "(k)=('key-0100x')", kind: 'extra' },
      { key: "(k)=('zzz')", kind: 'extra' },
    ]));
  });

  it('reports destination rows when the source table is empty, and keyless tables by chunk', async () => {
    await admin.query(`INSERT INTO \`${DST}\`.empty_t VALUES (5, 1), (6, NULL)`);
    const t = await one({ name: 'empty_t' });
    expect(t).toMatchObject({ sourceRows: 0, destinationRows: 2, chunks: 0, differingChunks: [{ chunk: 0, sourceRows: 0, destinationRows: 2 }] });
    expect(t.differences).toEqual([{ key: '(id)=(5)', kind: 'extra' }, { key: '(id)=(6)', kind: 'extra' }]);
    expect(formatVerifyReport(await verify([{ name: 'empty_t' }]))).toMatch(/^ +all rows: source 0 rows, destination 2 rows$/m);

    // Same count, but one duplicate row replaced: a multiset digest notices.
    await admin.query(`USE \`${DST}\`; CREATE TABLE nokey2 LIKE nokey; INSERT INTO nokey2 VALUES (1, 'x'), (2, NULL), (2, NULL)`);
    const nk = await one({ name: 'nokey', as: 'nokey2' });
    expect(nk).toMatchObject({ sourceRows: 3, destinationRows: 3, chunks: 1, differingChunks: [{ chunk: 0, sourceRows: 3, destinationRows: 3 }], differences: [] });
  });

  it('reports a missing destination table as an error of that table', async () => {
    const r = await verify([{ name: 'only_src' }, { name: 'skey' }]);
    expect(r.consistent).toBe(false);
    expect(r.tables[0]!.error).toBe(`destination table ${DST}.only_src does not exist`);
    expect(r.tables[1]!.error).toBeUndefined();
    expect(formatVerifyReport(r)).toMatch(new RegExp(`^ERROR ${SRC}\\.only_src → ${DST}\\.only_src  destination table`, 'm'));
  });

  it('throws a connection error when a server cannot be reached', async () => {
    const doc = taskDoc({ objects: [{ database: SRC, as: DST }] }) as { destination: Record<string, unknown> };
    const task = validateTask({ ...doc, destination: { ...doc.destination, host: '127.0.0.1', port: 1 } });
    const err = await verifyTask(task).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FcDtsError);
    expect((err as FcDtsError).code).toBe('CONNECTION_FAILED');
  });

  it('compares rows of 16 MiB values: equal copies, one byte changed in the middle, a row missing', async () => {
    const mib16 = 16 * 1024 * 1024;
    await admin.query(`USE \`${SRC}\`; CREATE TABLE big (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT);
      INSERT INTO big SELECT seq, IF(seq <= 2, REPEAT(UNHEX(SHA2(seq, 512)), ${mib16} DIV 64), UNHEX(SHA2(seq, 256))),
        IF(seq = 2, REPEAT('tëxt', 1024 * 1024), CONCAT('t', seq)) FROM seq_1_to_6`);
    await copy('big');
    const same = await one({ name: 'big' });
    expect(same).toMatchObject({ sourceRows: 6, destinationRows: 6, chunks: 1, differingChunks: [], differences: [] });

    const middle = mib16 / 2;
    await admin.query(`USE \`${DST}\`; UPDATE big SET b = INSERT(b, ${middle}, 1, IF(SUBSTRING(b, ${middle}, 1) = 'Z', 'Y', 'Z')) WHERE id = 2;
      DELETE FROM big WHERE id = 5`);
    const changed = await one({ name: 'big' });
    expect(changed).toMatchObject({ sourceRows: 6, destinationRows: 5, differingChunks: [{ chunk: 0, sourceRows: 6, destinationRows: 5 }] });
    expect(sorted(changed.differences)).toEqual([
      { key: '(id)=(2)', kind: 'different' },
      { key: '(id)=(5)', kind: 'missing' },
    ]);
  });

  it('puts long values into the row image as their MD5, never as the value (a long CONCAT_WS is NULL past max_allowed_packet)', () => {
    const col = (name: string, dataType: string, charset: string | null): ColumnInfo => ({
      name, ordinal: 0, columnType: dataType, dataType, nullable: true, defaultValue: null, extra: '', charset, collation: null,
      comment: '', generationExpression: null, generated: false, invisible: false,
    });
    const image = rowImageExpr([col('id', 'int', null), col('b', 'longblob', 'binary'), col('t', 'mediumtext', 'latin1'), col('v', 'varchar', 'utf8mb4')]);
    expect(image).toBe(
      "CONCAT_WS('#', CONCAT_WS(',', IFNULL(CHAR_LENGTH(`id`), 'N'), IFNULL(CHAR_LENGTH(`b`), 'N'), IFNULL(CHAR_LENGTH(`t`), 'N'), IFNULL(CHAR_LENGTH(`v`), 'N')), " +
        '`id`, MD5(`b`), MD5(CONVERT(`t` USING utf8mb4)), CONVERT(`v` USING utf8mb4))',
    );
  });
});
