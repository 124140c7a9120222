/**
 * `fc-dts verify` against a MaxCompute destination: the real MariaDB source, the MaxCompute stand-in,
 * the destination loaded and kept up by the real `fc-dts run` (child process); then the `_base` and
 * `_log` tables tampered with through SQL and the differences checked key by key and column by column.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMaxComputeStandIn, type MaxComputeStandIn } from '../infra/maxcompute-standin/index.ts';
import { partitionValues } from '../shared/destinations/maxcompute/maxcompute-table.ts';
import { MaxComputeClient } from '../shared/maxcompute/maxcompute-client.ts';
import { validateTask } from '../shared/task/task-file.ts';
import { verifyTask, type TableVerification, type VerifyOptions } from '../shared/verify/verify.ts';
import { fcDtsChildren, writeTaskFile, type TaskFiles } from './helpers/fc-dts-process.ts';
import { taskDoc, testDatabases, uniqueName } from './helpers/mariadb.ts';

const AK = 'LTAImcverifytest';
const SECRET = 'mc-verify-secret';
const FIELDS = ['modifytime_year', 'modifytime_month', 'modifytime_day'] as const;
const TABLES = ['items', 'comp', 'big'];
const ITEM_COLUMNS = ['id', 'name', 'price', 'qty', 'seen', 'ts', 'raw', 'f', 'd', 'b', 'tm', 'js', 'dd'];

describe('fc-dts verify, MaxCompute destination (MariaDB, MaxCompute stand-in, fc-dts run)', () => {
  const dbs = testDatabases();
  const children = fcDtsChildren();
  const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-mc-verify-'));
  let mc: MaxComputeStandIn;
  let client: MaxComputeClient;
  let db: string;
  let files: TaskFiles;

  const destination = () => ({ type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, accessKeyId: AK, accessKeySecret: SECRET, partitionFields: [...FIELDS] });
  // Batches close at 200 ms, not MaxCompute's 5 s: the tests wait for caught-up several times.
  const doc = (tables: unknown[]) => taskDoc({ name: uniqueName('mcv'), destination: destination(), objects: [{ database: db, tables }], advanced: { incremental: { batchMs: 200 } } });
  const verify = (tables: unknown[], options: VerifyOptions = {}) => verifyTask(validateTask(doc(tables)), { rechecks: 0, ...options });
  const one = async (table: string, options: VerifyOptions = {}): Promise<TableVerification> => {
    const r = await verify([table], options);
    expect(r.tables).toHaveLength(1);
    return r.tables[0]!;
  };
  const sql = (text: string) => client.sql.run(text);
  /** Appends a log entry (the latest for its key) built from a SELECT of the source columns. */
  const logEntry = (table: string, flags: { op: string; before: string; after: string }, select: string) => {
    const now = Math.floor(Date.now() / 1000);
    const spec = partitionValues(now, FIELDS).map((v, i) => `${FIELDS[i]}='${v}'`).join(', ');
    return sql(`INSERT INTO ${table}_log PARTITION (${spec}) SELECT 4000000000000000000 AS record_id, '${flags.op}' AS operation_flag, ${now - 5} AS utc_timestamp, '${flags.before}' AS before_flag, '${flags.after}' AS after_flag, ${select}`);
  };

  beforeAll(async () => {
    mc = await startMaxComputeStandIn({ accessKeyId: AK, accessKeySecret: SECRET });
    client = new MaxComputeClient({ endpoint: mc.endpoint, project: mc.project, credentials: { accessKeyId: AK, accessKeySecret: SECRET } });
    db = await dbs.database('mcv_src');
    await dbs.admin.query(`
      CREATE TABLE items (
        id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET utf8mb4, price DECIMAL(12,2), qty BIGINT UNSIGNED, seen DATETIME(3),
        ts TIMESTAMP(6) NULL, raw VARBINARY(8), f FLOAT, d DOUBLE, b BIT(5), tm TIME, js JSON, dd DATE);
      INSERT INTO items SELECT seq, CONCAT('item ', seq, IF(seq % 7 = 0, ' 😀', '')), seq * 1.25, seq * 1000000000000,
        '2024-05-01 10:00:00.123' + INTERVAL seq MINUTE, '2024-01-01 00:00:00.000001' + INTERVAL seq SECOND,
        UNHEX(LPAD(HEX(seq * 251), 6, '0')), seq / 3, seq / 7, seq % 32, SEC_TO_TIME(seq * 37), JSON_OBJECT('n', seq), '2020-01-01' + INTERVAL seq DAY
        FROM seq_1_to_300;
      UPDATE items SET raw = X'00FF80', name = '', f = NULL WHERE id = 10;
      CREATE TABLE comp (a INT, b VARCHAR(20) COLLATE utf8mb4_general_ci, v VARCHAR(10), PRIMARY KEY (a, b));
      INSERT INTO comp VALUES (1, 'apple', 'v1'), (1, 'Zebra', 'v2'), (1, 'a b', 'v3'), (1, 'Äpfel', 'v4'), (1, 'ñu', NULL),
        (1, '😀', 'v6'), (1, 'zoo', 'v7'), (1, 'a', 'v8'), (-5, 'Émile', 'v9'), (-5, 'emil', 'v10'), (2, 'B', 'v11'), (2, 'a', 'v12');
      CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO big SELECT seq, CONCAT('v', seq) FROM seq_1_to_25000;
      CREATE TABLE nokey (v INT);`);
    files = writeTaskFile(dirs, doc(TABLES));
    const full = await children.run(files, 'full-done');
    expect(full.code, full.err).toBe(0);
    await dbs.admin.query(`
      UPDATE items SET price = 99.99, name = 'renamed 😀', seen = '1999-12-31 23:59:59' WHERE id = 1;
      DELETE FROM items WHERE id = 2;
      INSERT INTO items (id, name, qty, raw) VALUES (9001, 'new', 18446744073709551615, X'');
      UPDATE items SET id = 9002 WHERE id = 3;
      UPDATE comp SET v = 'changed' WHERE a = 1 AND b = 'Zebra';
      DELETE FROM comp WHERE a = -5 AND b = 'emil';
      INSERT INTO comp VALUES (0, 'ß', 'new');
      UPDATE big SET v = 'updated' WHERE id = 12345;`);
    const inc = await children.run(files, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
  }, 300_000);
  afterEach(() => children.killAll());
  afterAll(async () => {
    await mc?.close();
    rmSync(dirs, { recursive: true, force: true });
  });

  it('finds the merge as of now consistent after the full load and changes, and drops its scratch tables', async () => {
    const r = await verify(TABLES, { pageRows: 4000 });
    expect(r.tables.map((t) => [t.table, t.error, t.sourceRows, t.destinationRows, t.chunks, t.differences])).toEqual([
      [`${db}.items`, undefined, 300, 300, 1, []],
      [`${db}.comp`, undefined, 12, 12, 1, []],
      [`${db}.big`, undefined, 25000, 25000, 7, []],
    ]);
    expect(r.consistent).toBe(true);
    const tables = (await sql('SHOW TABLES')).text;
    expect(tables).toMatch(/items_base/);
    expect(tables).not.toMatch(/fc_dts_verify/);

    const cli = await children.fcDts(['verify', '-c', files.file]);
    expect(cli.code, cli.err).toBe(0);
    expect(cli.out).toContain(`ok    ${db}.big`);
    expect(cli.out).toContain('consistent: 3 tables compared');
  }, 120_000);

  it('reports rows missing, extra and different, with the columns, after the destination is tampered with', async () => {
    // items: id 5 changed (name, price, raw, seen), id 6 deleted, an extra row in _base, id 9001's qty lowered by one.
    const cols = (over: Record<string, string>) => ITEM_COLUMNS.map((c) => `${over[c] ?? c} AS ${c}`).join(', ');
    await logEntry('items', { op: 'U', before: 'N', after: 'Y' }, `${cols({ name: "'tampered 😀'", price: 'CAST(6.26 AS DECIMAL(12,2))', raw: 'CAST(\'x\' AS BINARY)', seen: "CAST('2024-05-01 10:05:00.124' AS DATETIME)" })} FROM items_base WHERE id = 5`);
    await logEntry('items', { op: 'D', before: 'Y', after: 'N' }, `${cols({})} FROM items_base WHERE id = 6`);
    await logEntry('items', { op: 'U', before: 'N', after: 'Y' }, `${cols({ qty: 'CAST(18446744073709551614 AS DECIMAL(20,0))' })} FROM items_log WHERE id = 9001 AND after_flag = 'Y' AND modifytime_year >= '2000'`);
    await sql(`INSERT INTO items_base SELECT ${cols({ id: '777' })} FROM items_base WHERE id = 7`);
    // comp: a different value under a string key, and an extra key differing only in case from a source row.
    await logEntry('comp', { op: 'U', before: 'N', after: 'Y' }, `a, b, 'v?' AS v FROM comp_base WHERE a = 1 AND b = 'Äpfel'`);
    await sql(`INSERT INTO comp_base SELECT a, 'APPLE' AS b, v FROM comp_base WHERE a = 1 AND b = 'apple'`);

    const items = await one('items', { pageRows: 100 });
    expect(items).toMatchObject({ sourceRows: 300, destinationRows: 300, chunks: 3, differingKeys: 4 });
    expect(items.differences).toEqual([
      { key: '(id)=(5)', kind: 'different', columns: ['name', 'price', 'seen', 'raw'] },
      { key: '(id)=(6)', kind: 'missing' },
      { key: '(id)=(777)', kind: 'extra' },
      { key: '(id)=(9001)', kind: 'different', columns: ['qty'] },
    ]);

    const comp = await one('comp');
    expect(comp).toMatchObject({ sourceRows: 12, destinationRows: 13, differingKeys: 2 });
    expect(comp.differences).toEqual([
      { key: "(a,b)=(1,'APPLE')", kind: 'extra' },
      { key: "(a,b)=(1,'Äpfel')", kind: 'different', columns: ['v'] },
    ]);

    // Rechecked (the source by key, the merge as of the new now restricted to the keys): the same, as nothing changed since;
    // 'APPLE' matches 'apple' in the source's collation and stays extra.
    expect(await one('items', { pageRows: 100, rechecks: 2, recheckMs: 0 })).toEqual(items);
    expect(await one('comp', { rechecks: 1, recheckMs: 0 })).toEqual(comp);

    // maxKeys bounds the list, not the count.
    const few = await one('items', { maxKeys: 1 });
    expect(few).toMatchObject({ differingKeys: 4, differencesTruncated: true, differences: [{ key: '(id)=(5)', kind: 'different' }] });

    const cli = await children.fcDts(['verify', '-c', files.file]);
    expect(cli.code, cli.err).toBe(1);
    expect(cli.out).toContain(`DIFF  ${db}.items`);
    expect(cli.out).toMatch(/missing\s+\(id\)=\(6\)/);
    expect(cli.out).toContain('NOT consistent: 2 of 3 tables differ');
  }, 180_000);

  it('pages through more rows than one SQL result holds and places a difference in its page', async () => {
    await logEntry('big', { op: 'D', before: 'Y', after: 'N' }, `id, v FROM big_base WHERE id = 17000`);
    const big = await one('big', { pageRows: 4000 });
    expect(big).toMatchObject({ sourceRows: 25000, destinationRows: 24999, chunks: 7, differingKeys: 1, differences: [{ key: '(id)=(17000)', kind: 'missing' }] });
    expect(big.differingChunks).toEqual([{ chunk: 4, sourceRows: 4001, destinationRows: 4000 }]);
    // The default page: 10,000 rows, MaxCompute's result cap.
    expect(await one('big')).toMatchObject({ chunks: 3, differingKeys: 1 });
  }, 120_000);

  it('rechecks listed differences against the merge as of the new now, so one applied meanwhile does not count', async () => {
    await logEntry('big', { op: 'U', before: 'N', after: 'Y' }, `id, 'tampered' AS v FROM big_base WHERE id = 20000`);
    const instances = () => mc.requests.CreateInstance ?? 0;
    const before = instances();
    let settled = false;
    const pending = one('big', { rechecks: 5, recheckMs: 1500 }).finally(() => (settled = true));
    // DROP, CREATE, INSERT, COUNT and three pages, then the first recheck round: the difference was found.
    while (!settled && instances() < before + 8) await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    // The change "arrives": the latest log entry gives the row its source value back.
    const now = Math.floor(Date.now() / 1000);
    const spec = partitionValues(now, FIELDS).map((v, i) => `${FIELDS[i]}='${v}'`).join(', ');
    await sql(`INSERT INTO big_log PARTITION (${spec}) SELECT 4000000000000000001 AS record_id, 'U' AS operation_flag, ${now - 5} AS utc_timestamp, 'N' AS before_flag, 'Y' AS after_flag, id, v FROM big_base WHERE id = 20000`);
    const big = await pending;
    expect(big).toMatchObject({ sourceRows: 25000, destinationRows: 24999, differingKeys: 1, differences: [{ key: '(id)=(17000)', kind: 'missing' }] });
    expect(big.differingChunks).toEqual([{ chunk: 1, sourceRows: 10001, destinationRows: 10000 }]);
  }, 120_000);

  it('reports a table without a primary key as one that cannot be merged', async () => {
    const t = await one('nokey');
    expect(t.error).toMatch(/has no primary key.*cannot be merged/);
  });
});
