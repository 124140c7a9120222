/**
 * MySQL → MaxCompute end to end: `fc-dts run` as a child process, the real MariaDB with its binlog, the
 * MaxCompute stand-in (real HTTP, signed requests, tunnel record streams). Precheck, `_base` and `_log`
 * tables, the full load into `_base` committed once, changes appended to `_log`, and the merge SQL
 * giving the source table back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMaxComputeStandIn, type MaxComputeStandIn } from '../infra/maxcompute-standin/index.ts';
import { mergeSelect } from '../shared/destinations/maxcompute/merge-sql.ts';
import { MaxComputeClient } from '../shared/maxcompute/maxcompute-client.ts';
import { fcDtsChildren, writeTaskFile } from './helpers/fc-dts-process.ts';
import { taskDoc, testDatabases, uniqueName } from './helpers/mariadb.ts';

const AK = 'LTAImcsynctest';
const SECRET = 'mc-sync-secret';
const FULLSCAN = { settings: { 'odps.sql.allow.fullscan': 'true' } };

describe('MySQL → MaxCompute with fc-dts run (MariaDB binlog, MaxCompute stand-in)', () => {
  const dbs = testDatabases();
  const children = fcDtsChildren();
  const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-mc-sync-'));
  let mc: MaxComputeStandIn;
  let client: MaxComputeClient;

  beforeAll(async () => {
    mc = await startMaxComputeStandIn({ accessKeyId: AK, accessKeySecret: SECRET });
    client = new MaxComputeClient({ endpoint: mc.endpoint, project: mc.project, credentials: { accessKeyId: AK, accessKeySecret: SECRET } });
  });
  afterEach(() => children.killAll());
  afterAll(async () => {
    await mc?.close();
    rmSync(dirs, { recursive: true, force: true });
  });

  const rows = async (sql: string) => (await client.sql.query(sql, FULLSCAN)).rows.map((r) => r.join('|'));

  it('loads _base once, logs every change in _log, and the merge gives the source table', async () => {
    const db = await dbs.database('mc_src');
    await dbs.admin.query(`
      CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET utf8mb4, price DECIMAL(12,2), qty BIGINT UNSIGNED, seen DATETIME(3), raw VARBINARY(8));
      INSERT INTO items SELECT seq, CONCAT('item ', seq, IF(seq % 7 = 0, ' 😀', '')), seq * 1.25, seq * 1000000000000, '2024-05-01 10:00:00.123', UNHEX(LPAD(HEX(seq), 4, '0')) FROM seq_1_to_2500;`);
    const t = writeTaskFile(dirs, taskDoc({
      name: uniqueName('mc'),
      destination: { type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, accessKeyId: AK, accessKeySecret: SECRET, partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day'] },
      objects: [{ database: db }],
      advanced: { fullLoad: { chunkRows: 1000 } },
    }));

    const full = await children.run(t, 'full-done');
    expect(full.err).not.toMatch(/error|FAIL/);
    expect(full.code, full.err).toBe(0);
    expect(await rows('SELECT COUNT(*), SUM(price), SUM(qty) FROM items_base')).toEqual(['2500|3907812.50|3126250000000000000']);
    // DATETIME is read in destination.timeZone (default Asia/Shanghai, the project's zone): the same text.
    expect(await rows('SELECT id, name, price, qty, seen, raw IS NULL FROM items_base WHERE id IN (7, 2500) ORDER BY id LIMIT 10')).toEqual([
      '7|item 7 😀|8.75|7000000000000|2024-05-01 10:00:00.123|false',
      '2500|item 2500|3125.00|2500000000000000|2024-05-01 10:00:00.123|false',
    ]);
    expect(mc.requests.CommitUpload).toBe(1);

    await dbs.admin.query(`
      UPDATE items SET price = 99.99, name = 'renamed' WHERE id = 1;
      DELETE FROM items WHERE id = 2;
      INSERT INTO items VALUES (9001, 'new', 1.00, 18446744073709551615, NULL, NULL);
      UPDATE items SET id = 9002 WHERE id = 3;`);
    const inc = await children.run(t, 'caught-up');
    expect(inc.code).toBe(0);
    expect(await rows('SELECT operation_flag, before_flag, after_flag, id, name, price FROM items_log ORDER BY record_id, before_flag DESC LIMIT 100')).toEqual([
      'U|Y|N|1|item 1|1.25',
      'U|N|Y|1|renamed|99.99',
      'D|Y|N|2|item 2|2.50',
      'I|N|Y|9001|new|1.00',
      'D|Y|N|3|item 3|3.75',
      'I|N|Y|9002|item 3|3.75',
    ]);

    // Run again: nothing is written twice.
    expect((await children.run(t, 'caught-up')).code).toBe(0);
    expect(await rows('SELECT COUNT(*) FROM items_log')).toEqual(['6']);
    expect(await rows('SELECT COUNT(*) FROM items_base')).toEqual(['2500']);

    const merged = mergeSelect({ base: 'items_base', log: 'items_log', columns: ['id', 'name', 'price', 'qty'], key: ['id'], at: Math.floor(Date.now() / 1000) + 60, rule: 'previous', partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day'] });
    const [source] = (await dbs.admin.query(`SELECT COUNT(*) AS n, SUM(price) AS p, SUM(id) AS i FROM items`)) as unknown as [Array<{ n: number; p: string; i: string }>];
    expect(await rows(`SELECT COUNT(*), SUM(price), SUM(id) FROM (${merged}) m`)).toEqual([`${source[0]!.n}|${source[0]!.p}|${source[0]!.i}`]);
  }, 240_000);
});
