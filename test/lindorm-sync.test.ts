/**
 * MySQL → Lindorm end to end through `fc-dts run` (bin/fc-dts.js as a child process): the real MariaDB and
 * its binlog, the Lindorm stand-in over the MySQL protocol. Values as the README's type mapping says, the
 * same by full load and through the binlog; row changes; UPSERTs at the 2,000-row bound; CREATE TABLE,
 * ADD COLUMN and DROP TABLE mid-stream; rows Lindorm cannot hold; kill -9 and the stand-in's faults.
 */
import { describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { ALL_TYPES_COLUMNS, ALL_TYPES_ROWS, insertAllTypes } from './helpers/fixtures.ts';
import { lindormEndToEnd } from './helpers/lindorm.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';

const e2e = lindormEndToEnd('lindorm');
const { database, taskFile, run, rows } = e2e;

/** The all-types columns Lindorm has a type for (BIT and DECIMAL(65,30) have none; TIME beyond a day does not fit). */
const LINDORM_COLUMNS = ALL_TYPES_COLUMNS.filter((c) => !['dec65', 'b1', 'b64', 'tm'].includes(c));

function without(row: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = row;
  return rest;
}

const hex = (h: string) => `0x${h}`;

/**
 * Row 1 of ALL_TYPES_ROWS as Lindorm holds it, read through mysql2 (BIGINT and DECIMAL as digits,
 * TIMESTAMP with milliseconds in the session's +08:00): the TIMESTAMP instant 1970-01-01 00:00:01 UTC
 * shows as 08:00:01; DATETIME keeps its wall time.
 */
const ROW_1 = {
  id: 1, ti: -128, tiu: 255, si: -32768, siu: 65535, mi: -8388608, miu: 16777215, i: -2147483648, iu: '4294967295',
  bi: '-9223372036854775808', biu: '18446744073709551615', f: 16777216, d: 1.7976931348623157e308,
  ch: 'abc', vc: '😀 emoji 𝄞 and 中文', tx: "text with 'quotes' and \\ backslash and \n newline", l1: 'café',
  bn: hex('00010200'), vb: hex('00ff00'), bl: hex('000000ff00'),
  dt: '1000-01-01', dtm: '1000-01-01 00:00:00.000', ts: '1970-01-01 08:00:01.000', yr: 1901,
  en: 'c d', st: 'x,z', js: '{"a": [1, 2.5, "🐱"], "b": null}',
};
/** Row 2: FLOAT 0.1 shown as the shortest text of its float32; empty VARBINARY and BLOB arrive as NULL (reference 004); microseconds are cut to milliseconds. */
const ROW_2 = {
  id: 2, ti: 127, tiu: 0, si: 32767, siu: 0, mi: 8388607, miu: 0, i: 2147483647, iu: '0', bi: '9223372036854775807',
  biu: '9007199254740993', f: 0.1, d: 2.2250738585072014e-308,
  ch: '', vc: '', tx: '', l1: '', bn: hex('00000000'), vb: null, bl: null,
  dt: '9999-12-31', dtm: '9999-12-31 23:59:59.999', ts: '2038-01-19 11:14:07.999', yr: 2155,
  en: 'a', st: '', js: '[]',
};
const ROW_4 = Object.fromEntries(LINDORM_COLUMNS.map((c) => [c, c === 'id' ? 4 : null]));

describe('MySQL → Lindorm (real MariaDB binlog, Lindorm stand-in)', () => {
  it('holds every source type as the type mapping says, the same by full load and through the binlog', async () => {
    const db = await database('ld_types');
    await insertAllTypes(e2e.admin, db);
    await e2e.admin.query(`CREATE TABLE clock (id INT PRIMARY KEY, t TIME(6), n DECIMAL(38,10), b TINYINT(1));
      INSERT INTO clock VALUES (1, '23:59:59', '-1234567890123456789012345678.0123456789', 2), (2, '00:00:00', 0, NULL), (3, '12:30:00', 1.5, 1)`);
    const objects = [{ database: db, tables: [{ name: 'all_types', columns: LINDORM_COLUMNS }, { name: 'clock' }] }];
    const t = taskFile(db, { objects });
    const full = await run(t, 'full-done');
    expect(full.code, full.err).toBe(0);
    const loaded = await rows('all_types');
    expect(loaded[0]).toEqual(ROW_1);
    expect(loaded[1]).toEqual(ROW_2);
    expect(loaded[2]).toMatchObject({ vc: 'tab\there', tx: 'a\u0000b', vb: hex('5c27'), bl: hex('5c0027'), d: -5e-324, dtm: '2024-02-29 12:34:56.123', ts: '2024-03-31 01:30:00.654' });
    expect(loaded[3]).toEqual(ROW_4);
    const CLOCK = [
      { id: 1, t: '23:59:59', n: '-1234567890123456789012345678.0123456789', b: 2 },
      { id: 2, t: '00:00:00', n: '0.0000000000', b: null },
      { id: 3, t: '12:30:00', n: '1.5000000000', b: 1 },
    ];
    expect(await rows('clock')).toEqual(CLOCK);

    // The same rows again under new keys, written through the binlog.
    await e2e.admin.query("SET time_zone = '+08:00'");
    await e2e.admin.query(`INSERT INTO \`${db}\`.all_types VALUES ${ALL_TYPES_ROWS.replace(/\((\d), /g, (_, id: string) => `(${Number(id) + 10}, `)}`);
    await e2e.admin.query("SET time_zone = '+00:00'");
    await e2e.admin.query(`INSERT INTO \`${db}\`.clock SELECT id + 10, t, n, b FROM \`${db}\`.clock`);
    const inc = await run(t, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
    const after = await rows('all_types');
    for (const id of [1, 2, 3, 4]) {
      const viaBinlog = after.find((r) => r['id'] === id + 10);
      expect(viaBinlog && without(viaBinlog, 'id'), `row ${id + 10}`).toEqual(without(after.find((r) => r['id'] === id)!, 'id'));
    }
    expect((await rows('clock')).slice(3)).toEqual(CLOCK.map((r) => ({ ...r, id: r.id + 10 })));
    const verify = await e2e.fcDts(['verify', '-c', t.file]);
    expect(verify.code, verify.out + verify.err).toBe(0);
  }, 120_000);

  it('applies inserts, updates that null a column, deletes and key changes, and a delete and insert of one key in a row', async () => {
    const db = await database('ld_rows');
    await e2e.admin.query(`CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(20), b INT, c DOUBLE);
      INSERT INTO t VALUES (1, 'one', 10, 1.5), (2, 'two', 20, 2.5), (3, 'three', 30, 3.5), (4, 'four', 40, 4.5)`);
    const t = taskFile(db);
    expect((await run(t, 'full-done')).code).toBe(0);
    await e2e.admin.query(`UPDATE t SET b = NULL, a = 'uno' WHERE id = 1;
      UPDATE t SET c = 9.25 WHERE id = 2;
      DELETE FROM t WHERE id = 3;
      UPDATE t SET id = 40 WHERE id = 4;
      INSERT INTO t VALUES (5, NULL, 50, NULL);
      BEGIN; INSERT INTO t VALUES (6, 'six', 60, 6); UPDATE t SET a = NULL WHERE id = 6; DELETE FROM t WHERE id = 6; INSERT INTO t VALUES (6, 'again', 61, NULL); COMMIT;
      DELETE FROM t WHERE id = 2; INSERT INTO t VALUES (2, 'back', 22, 0.5);`);
    const r = await run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    expect(await rows('t')).toEqual([
      { id: 1, a: 'uno', b: null, c: 1.5 },
      { id: 2, a: 'back', b: 22, c: 0.5 },
      { id: 5, a: null, b: 50, c: null },
      { id: 6, a: 'again', b: 61, c: null },
      { id: 40, a: 'four', b: 40, c: 4.5 },
    ]);
    const verify = await e2e.fcDts(['verify', '-c', t.file]);
    expect(verify.code, verify.out + verify.err).toBe(0);
  }, 120_000);

  it('loads in UPSERTs of at most advanced.fullLoad.batchRows rows, and refuses a task asking for more than Lindorm takes', async () => {
    const db = await database('ld_batch');
    await e2e.admin.query(`CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO big SELECT seq, CONCAT('v', seq) FROM seq_1_to_4500`);
    const t = taskFile(db, { advanced: { fullLoad: { chunkRows: 100_000 } } });
    expect((await run(t, 'full-done')).code).toBe(0);
    // The precheck's rights probe writes one row into its probe table first.
    expect(e2e.lindorm.standIn.counters.upsertBatches).toEqual([1, 2000, 2000, 500]);
    const [[count]] = await e2e.lindorm.client.query<RowDataPacket[]>('SELECT /*+ _l_allow_filtering_ */ COUNT(*) AS n FROM big');
    expect(count).toEqual({ n: '4500' });
    const tooMany = taskFile(db, { advanced: { fullLoad: { batchRows: 2001 } } });
    const refused = await e2e.fcDts(['precheck', '-c', tooMany.file]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain("advanced.fullLoad.batchRows: 2001 rows an UPSERT, but Lindorm takes at most 2000 rows a write");
  }, 120_000);

  it('replays CREATE TABLE, ADD COLUMN (attributes stripped) and DROP TABLE mid-stream, and records the DDL it does not apply', async () => {
    const db = await database('ld_ddl');
    await e2e.admin.query(`CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO items VALUES (1, 'a')`);
    const t = taskFile(db);
    expect((await run(t, 'full-done')).code).toBe(0);
    await e2e.admin.query(`ALTER TABLE items ADD COLUMN qty INT NOT NULL DEFAULT 0;
      INSERT INTO items VALUES (2, 'b', 5);
      UPDATE items SET qty = 7 WHERE id = 1;
      CREATE TABLE extra (k VARCHAR(10) PRIMARY KEY, v DECIMAL(12,2));
      INSERT INTO extra VALUES ('x', 1.25);
      CREATE TABLE gone (id INT PRIMARY KEY, v INT); INSERT INTO gone VALUES (1, 1); DROP TABLE gone;
      ALTER TABLE items DROP COLUMN name;
      INSERT INTO items VALUES (3, 9);`);
    const r = await run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    const [described] = await e2e.lindorm.client.query<RowDataPacket[]>('DESCRIBE items');
    expect(described.map((c) => [c['COLUMN_NAME'], c['TYPE']])).toEqual([['id', 'INTEGER'], ['name', 'VARCHAR'], ['qty', 'INTEGER']]);
    // DROP COLUMN is not applied: the column stays, and rows written after it have it NULL.
    expect(await rows('items')).toEqual([{ id: 1, name: 'a', qty: 7 }, { id: 2, name: 'b', qty: 5 }, { id: 3, name: null, qty: 9 }]);
    expect(await rows('extra')).toEqual([{ k: 'x', v: '1.25' }]);
    const [tables] = await e2e.lindorm.client.query<RowDataPacket[]>("SHOW TABLES LIKE 'gone'");
    expect(tables).toEqual([]);
    const status = await e2e.fcDts(['status', '--state', t.state, '-c', t.file]);
    expect(status.out).toMatch(/not applied.*ALTER TABLE/s);
  }, 120_000);

  it('sets rows Lindorm cannot hold aside under sync.dirtyData: skip, in the full load and through the binlog', async () => {
    const db = await database('ld_dirty');
    await e2e.admin.query(`CREATE TABLE spans (id INT PRIMARY KEY, took TIME(3)); INSERT INTO spans VALUES (1, '25:00:00'), (2, '01:00:00')`);
    const t = taskFile(db, { sync: { dirtyData: 'skip' } });
    expect((await run(t, 'full-done')).code).toBe(0);
    await e2e.admin.query(`INSERT INTO spans VALUES (3, '-01:00:00'), (4, '02:00:00'), (5, '02:00:00.250')`);
    expect((await run(t, 'caught-up')).code).toBe(0);
    expect(await rows('spans')).toEqual([{ id: 2, took: '01:00:00' }, { id: 4, took: '02:00:00' }]);
    const dirty = (await new FileStateStore(t.state).dirtyRecords()).map((d) => [d.phase, d.reason]);
    expect(dirty).toEqual([
      ['full-load', expect.stringMatching(/column took: "25:00:00.000" cannot be written as Lindorm TIME: outside the time of day/)],
      ['incremental', expect.stringMatching(/column took: "-01:00:00.000" cannot be written as Lindorm TIME: outside the time of day/)],
      ['incremental', expect.stringMatching(/column took: "02:00:00.250" cannot be written as Lindorm TIME: Lindorm TIME holds whole seconds/)],
    ]);
  }, 120_000);

  it('ends exact after kill -9 under load, a connection dropped mid-UPSERT and transient errors', async () => {
    const db = await database('ld_kill');
    await e2e.admin.query(`CREATE TABLE acc (id INT PRIMARY KEY, bal BIGINT, note VARCHAR(40));
      INSERT INTO acc SELECT seq, 1000, 'start' FROM seq_1_to_3000`);
    const t = taskFile(db, { advanced: { fullLoad: { batchRows: 500 } } });
    e2e.lindorm.standIn.faults.dropConnectionAfterRows(200);
    e2e.lindorm.standIn.faults.failStatements('upsert', 3);
    expect((await run(t, 'full-done')).code).toBe(0);
    const child = e2e.spawn(['run', '-c', t.file, '--state', t.state], { stdio: 'ignore' });
    for (let round = 0; round < 20; round++) {
      await e2e.admin.query(`UPDATE acc SET bal = bal + ${round}, note = 'round ${round}' WHERE id % 7 = ${round % 7};
        DELETE FROM acc WHERE id = ${round * 100 + 1};
        INSERT INTO acc VALUES (${5000 + round}, ${round}, 'new');
        UPDATE acc SET id = id + 10000 WHERE id = ${round * 100 + 2}`);
      if (round === 8) {
        e2e.lindorm.standIn.faults.dropConnectionAfterRows(1);
        e2e.lindorm.standIn.faults.failStatements('delete', 2);
      }
      if (round === 12) child.kill('SIGKILL');
    }
    const r = await run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    const [source] = await e2e.admin.query<RowDataPacket[]>('SELECT id, bal, note FROM acc ORDER BY id');
    const copied = await rows('acc');
    expect(copied.length).toBe(source.length);
    expect(copied).toEqual(source.map((s) => ({ id: s['id'], bal: String(s['bal']), note: s['note'] })));
    const verify = await e2e.fcDts(['verify', '-c', t.file]);
    expect(verify.code, verify.out + verify.err).toBe(0);
  }, 180_000);
});
