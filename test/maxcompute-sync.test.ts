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
import { ALL_TYPES_COLUMNS, insertAllTypes } from './helpers/fixtures.ts';
import { tunnelColumns } from '../shared/maxcompute/tunnel-client.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import { compareResumePoints } from '../shared/change/position.ts';

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

  it('loads _base once, logs every change in _log, and fc-dts merge gives the source table before and after the changes', async () => {
    const db = await dbs.database('mc_src');
    await dbs.admin.query(`
      CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET utf8mb4, price DECIMAL(12,2), qty BIGINT UNSIGNED, seen DATETIME(3), raw VARBINARY(8));
      CREATE TABLE nothing (id INT PRIMARY KEY);
      INSERT INTO items SELECT seq, CONCAT('item ', seq, IF(seq % 7 = 0, ' 😀', '')), seq * 1.25, seq * 1000000000000, '2024-05-01 10:00:00.123', UNHEX(LPAD(HEX(seq), 4, '0')) FROM seq_1_to_2500;`);
    const t = writeTaskFile(dirs, taskDoc({
      name: uniqueName('mc'),
      destination: { type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, accessKeyId: AK, accessKeySecret: SECRET, partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day'] },
      objects: [{ database: db }],
      // Batches close at 200 ms, not MaxCompute's 5 s (test/maxcompute-ddl.test.ts runs on the defaults).
      advanced: { fullLoad: { chunkRows: 1000 }, incremental: { batchMs: 200 } },
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

    const summary = async () => {
      const [r] = (await dbs.admin.query('SELECT COUNT(*) AS n, SUM(price) AS p, SUM(id) AS i FROM items')) as unknown as [Array<{ n: number; p: string; i: string }>];
      return `${r[0]!.n}|${r[0]!.p}|${r[0]!.i}`;
    };
    const loaded = await summary();
    // Changes committed from this second on are after it (the merge takes entries before the time).
    const beforeChanges = Math.floor(Date.now() / 1000);
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

    const status = await children.fcDts(['status', '-c', t.file, '--state', t.state]);
    // The empty table has no chunks, so no session: nothing to commit.
    expect(status.out).toContain('  MaxCompute _base tables: 1 of 1 committed by the full load (1 empty table: nothing to commit)');
    expect(status.out).toMatch(/ {2}MaxCompute _log tables: 6 entries in [1-5] commits, [1-5] upload sessions \(files\), the last at \d{4}-/);
    // The partitions the changes went to (the days of their binlog events, UTC), read back with SQL.
    const days = (await rows('SELECT DISTINCT modifytime_year, modifytime_month, modifytime_day FROM items_log')).sort();
    const [year, month, day] = days.at(-1)!.split('|');
    expect(status.out.split('\n')).toContain(`  MaxCompute _log partitions: ${days.length} in 2 tables, the newest modifytime_year=${year}/modifytime_month=${month}/modifytime_day=${day}`);
    expect(status.out).not.toContain('MaxCompute warning');

    // Run again, and again from an older checkpoint (the full load's start: every change read anew): nothing is written twice.
    expect((await children.run(t, 'caught-up')).code).toBe(0);
    expect(await rows('SELECT COUNT(*) FROM items_log')).toEqual(['6']);
    const store = new FileStateStore(t.state);
    const start = (await store.getPlan())!.position;
    const end = (await store.getCheckpoint())!;
    await store.putCheckpoint({ file: start.file, offset: start.offset, at: new Date().toISOString() });
    const again = await children.run(t, 'caught-up');
    expect(again.code, again.err).toBe(0);
    // The checkpoint came back to where it was, or past it (other tests write to the same server): the
    // changes were read again (and skipped by the watermarks).
    const after = (await store.getCheckpoint())!;
    expect(compareResumePoints(after, end)).toBeGreaterThanOrEqual(0);
    expect(compareResumePoints(end, { file: start.file, offset: start.offset })).toBeGreaterThan(0);
    expect(await rows('SELECT COUNT(*) FROM items_log')).toEqual(['6']);
    expect(await rows('SELECT COUNT(*) FROM items_base')).toEqual(['2500']);

    const merged = mergeSelect({ base: 'items_base', log: 'items_log', columns: ['id', 'name', 'price', 'qty'], key: ['id'], at: Math.floor(Date.now() / 1000) + 60, rule: 'previous', partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day'] });
    expect(await rows(`SELECT COUNT(*), SUM(price), SUM(id) FROM (${merged}) m`)).toEqual([await summary()]);

    // fc-dts merge: the table as it was before the changes, and as it is, each in a table of its own.
    const then = await children.fcDts(['merge', '-c', t.file, '--table', `${db}.items`, '--at', String(beforeChanges)]);
    expect(then.out.trim()).toBe(`merged ${db}.items as of ${new Date(beforeChanges * 1000).toISOString()} into items_${beforeChanges}: 2,500 rows`);
    expect(await rows(`SELECT COUNT(*), SUM(price), SUM(id) FROM items_${beforeChanges}`)).toEqual([loaded]);
    const now = await children.fcDts(['merge', '-c', t.file, '--table', 'items', '--at', new Date(Date.now() + 60_000).toISOString(), '--into', 'items_now']);
    expect(now.code, now.err).toBe(0);
    expect(await rows('SELECT COUNT(*), SUM(price), SUM(id) FROM items_now')).toEqual([await summary()]);

  }, 240_000);

  it('precheck: names a wrong AccessKey secret, a column clashing with the additional columns, partition growth, and tables already there', async () => {
    const db = await dbs.database('mc_pre');
    await dbs.admin.query('CREATE TABLE events (id INT PRIMARY KEY, record_id BIGINT, at DATETIME, total DECIMAL(50,10), took TIME, body MEDIUMTEXT)');
    const destination = { type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, accessKeyId: AK, accessKeySecret: SECRET };
    const task = (extra: Record<string, unknown>) => writeTaskFile(dirs, taskDoc({ name: uniqueName('mcpre'), destination: { ...destination, ...extra }, objects: [{ database: db }] }));
    const item = (out: string, name: string) => out.split('\n').find((l) => l.includes(name)) ?? `(no ${name} line)`;

    const wrong = await children.fcDts(['precheck', '-c', task({ accessKeySecret: 'not-the-secret' }).file]);
    expect(wrong.code).toBe(1);
    expect(item(wrong.out, 'Destination connectivity')).toMatch(/✗ FAIL.*SignatureNotMatch/);

    const clash = await children.fcDts(['precheck', '-c', task({}).file]);
    expect(item(clash.out, 'MaxCompute columns')).toContain(`✗ FAIL  MaxCompute columns: ${db}.events.record_id clash with the additional columns of the previous rule`);
    expect(clash.out).toContain('fix: set destination.additionalColumnRule: new');
    // MEDIUMTEXT utf8mb4: 16 MiB of bytes, over the 8 MB a cell.
    expect(item(clash.out, 'Column values MaxCompute can store')).toBe(`  ! warn  Column values MaxCompute can store: 1 column can hold values over MaxCompute's 8 MB a cell: ${db}.events.body MEDIUMTEXT`);
    expect(item(clash.out, 'Incremental table partitions')).toContain('! warn  Incremental table partitions: modifytime_year, modifytime_month, modifytime_day, modifytime_hour, modifytime_minute: up to 1,440 partitions a day per _log table: a busy table reaches MaxCompute\'s 60,000 partitions in 41 days');

    expect(item(clash.out, 'Values MaxCompute keeps')).toBe(`  ! warn  Values MaxCompute keeps in another form: 2 columns keep their values exactly in another type: ${db}.events.total DECIMAL(50,10) → STRING (DECIMAL(50,10) is wider than MaxCompute's 38 digits: kept exactly as text), ${db}.events.took TIME → STRING (TIME as its text (MaxCompute has no time-of-day type))`);

    const renamed = task({ additionalColumnRule: 'new', partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day'] });
    const ok = await children.fcDts(['precheck', '-c', renamed.file]);
    expect(ok.code, ok.out).toBe(0);
    expect(item(ok.out, 'Values MaxCompute keeps')).toContain('! warn');
    expect(item(ok.out, 'Incremental table partitions')).toContain('✓ pass');

    await client.sql.run('CREATE TABLE events_log (x BIGINT);');
    const taken = await children.fcDts(['precheck', '-c', renamed.file]);
    expect(taken.code).toBe(1);
    expect(item(taken.out, 'Existing MaxCompute tables')).toContain(`✗ FAIL  Existing MaxCompute tables: events_log already exist in project ${mc.project} and were not created by this task`);
  }, 120_000);

  it('writes every source type into _base (full load) and _log (binlog) exactly, read back through the tunnel', async () => {
    const db = await dbs.database('mc_types');
    await insertAllTypes(dbs.admin, db);
    const t = writeTaskFile(dirs, taskDoc({
      name: uniqueName('mctypes'),
      destination: { type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, accessKeyId: AK, accessKeySecret: SECRET, partitionFields: ['modifytime_year'], timeZone: 'UTC' },
      objects: [{ database: db }],
      advanced: { incremental: { batchMs: 200 } },
    }));
    expect((await children.run(t, 'full-done')).code).toBe(0);
    await dbs.admin.query("SET time_zone = '+08:00'");
    await dbs.admin.query(`INSERT INTO \`${db}\`.all_types SELECT id + 100, ${ALL_TYPES_COLUMNS.slice(1).join(', ')} FROM \`${db}\`.all_types`);
    await dbs.admin.query("SET time_zone = '+00:00'");
    expect((await children.run(t, 'caught-up')).code).toBe(0);

    const hex = (h: string) => `hex:${h}`;
    const ts = (seconds: number, nanos: number) => `${seconds}.${nanos}`;
    // Per column, by its MaxCompute type: BIGINT and DECIMAL as text, bytes as hex, TIMESTAMP as seconds.nanos.
    const expected = [
      [1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, '4294967295', '-9223372036854775808', '18446744073709551615',
        '-99999999999999999999999999999999999.999999999999999999999999999999', 16777216, 1.7976931348623157e308, '1', '18446744073709551615',
        'abc', '😀 emoji 𝄞 and 中文', "text with 'quotes' and \\ backslash and \n newline", 'café', hex('00010200'), hex('00ff00'), hex('000000ff00'),
        '1000-01-01', '-838:59:59.000000', ts(-30610224000, 0), ts(1, 0), 1901, 'c d', 'x,z', '{"a": [1, 2.5, "🐱"], "b": null}'],
      [2, 127, 0, 32767, 0, 8388607, 0, 2147483647, '0', '9223372036854775807', '9007199254740993',
        '99999999999999999999999999999999999.999999999999999999999999999999', Math.fround(0.1), 2.2250738585072014e-308, '0', '0',
        '', '', '', '', hex('00000000'), hex(''), hex(''), '9999-12-31', '838:59:59.999999', ts(253402300799, 999999000), ts(2147483647, 999999000), 2155, 'a', '', '[]'],
      [3, 0, 1, 0, 1, 0, 1, 0, '1', '0', '1', '0.000000000000000000000000000001', Math.fround(-3.4028234e38), -5e-324, '1', '9223372036854775809',
        'z', 'tab\there', 'a\u0000b', 'x', hex('ffffffff'), hex('5c27'), hex('5c0027'), '2024-02-29', '-00:00:00.000001', ts(1709210096, 123456000), ts(1711819800, 654321000), 2000,
        'b', 'x,y,z', '"just a string"'],
      [4, ...Array<null>(ALL_TYPES_COLUMNS.length - 1).fill(null)],
    ];
    const shown = (v: unknown): unknown => {
      if (typeof v === 'bigint') return String(v);
      if (v instanceof Uint8Array) return hex(Buffer.from(v).toString('hex'));
      if (v !== null && typeof v === 'object' && 'seconds' in v && 'nanos' in v) return ts(Number(v.seconds), Number(v.nanos));
      return v;
    };
    const download = async (table: string, partition?: string) => {
      const target = { table, ...(partition ? { partition } : {}) };
      const session = await client.tunnel.createDownload(target);
      const columns = tunnelColumns(session.columns, table);
      const out: unknown[][] = [];
      for await (const row of client.tunnel.readRows(target, session.downloadId, columns, 0, session.recordCount)) out.push(row.map(shown));
      return { names: columns.map((c) => c.name), rows: out.sort((a, b) => Number(a[a.length === ALL_TYPES_COLUMNS.length ? 0 : 5]) - Number(b[b.length === ALL_TYPES_COLUMNS.length ? 0 : 5])) };
    };
    const base = await download('all_types_base');
    expect(base.names).toEqual(ALL_TYPES_COLUMNS);
    expect(base.rows).toEqual(expected);
    const log = await download('all_types_log', `modifytime_year=${new Date().getUTCFullYear()}`);
    expect(log.names).toEqual(['record_id', 'operation_flag', 'utc_timestamp', 'before_flag', 'after_flag', ...ALL_TYPES_COLUMNS]);
    expect(log.rows.map((r) => r.slice(1, 5).filter((_, i) => i !== 1))).toEqual(expected.map(() => ['I', 'N', 'Y']));
    expect(log.rows.map((r) => r.slice(5))).toEqual(expected.map(([id, ...rest]) => [Number(id) + 100, ...rest]));
    // And through SQL: text as the service prints it.
    expect(await rows('SELECT id, dec65, vc, tm FROM all_types_base WHERE id = 1 LIMIT 1')).toEqual(['1|-99999999999999999999999999999999999.999999999999999999999999999999|😀 emoji 𝄞 and 中文|-838:59:59.000000']);
  }, 120_000);

  it('sets a row with a value over 8 MB aside under sync.dirtyData: skip, in the full load and in the log', async () => {
    const db = await dbs.database('mc_big');
    await dbs.admin.query(`CREATE TABLE docs (id INT PRIMARY KEY, body LONGBLOB);
      INSERT INTO docs VALUES (1, REPEAT('a', 9 * 1024 * 1024)), (2, 'small');`);
    const t = writeTaskFile(dirs, taskDoc({
      name: uniqueName('mcbig'),
      destination: { type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, accessKeyId: AK, accessKeySecret: SECRET, partitionFields: ['modifytime_year'] },
      objects: [{ database: db }],
      sync: { dirtyData: 'skip' },
      advanced: { incremental: { batchMs: 200 } },
    }));
    expect((await children.run(t, 'full-done')).code).toBe(0);
    expect(await rows('SELECT id, body FROM docs_base ORDER BY id LIMIT 10')).toEqual(['2|small']);
    await dbs.admin.query(`INSERT INTO \`${db}\`.docs VALUES (3, REPEAT('b', 9 * 1024 * 1024)), (4, 'also small')`);
    expect((await children.run(t, 'caught-up')).code).toBe(0);
    expect(await rows('SELECT id, body FROM docs_log ORDER BY id LIMIT 10')).toEqual(['4|also small']);
    const dirty = (await new FileStateStore(t.state).dirtyRecords()).map((r) => [r.table, r.phase, r.reason]);
    expect(dirty).toEqual([
      [`${db}.docs`, 'full-load', "column body: a value of 9,437,184 bytes is over MaxCompute's 8,388,608 bytes (8 MB) a cell"],
      [`${db}.docs`, 'incremental', "column body: a value of 9,437,184 bytes is over MaxCompute's 8,388,608 bytes (8 MB) a cell"],
    ]);
  }, 120_000);
});
