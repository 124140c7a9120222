/**
 * MySQL → Tablestore end to end through `fc-dts run` (bin/fc-dts.js as a child process): the real
 * MariaDB and its binlog, the Tablestore stand-in spoken to by the real `tablestore` client. Values
 * as the README documents them, both write modes, the BatchWriteRow limits, dirty data, kill -9.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import TableStore from 'tablestore';
import type { RowDataPacket } from 'mysql2/promise';
import { adminConnection } from './helpers/mariadb.ts';
import { ALL_TYPES_ROWS, insertAllTypes } from './helpers/fixtures.ts';
import { readTable, tablestoreEndToEnd, type ReadRow } from './helpers/tablestore.ts';
import type { BatchWriteRecord } from '../infra/tablestore-standin/index.ts';

const e2e = tablestoreEndToEnd('ots');
const { database, taskFile, run } = e2e;

/** Rows in key order with binary values as hex, for comparing whole tables. */
async function rows(table: string): Promise<Array<Record<string, unknown>>> {
  return (await readTable(e2e.ots.client, table)).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : v])));
}

function without(row: ReadRow | Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = row;
  return rest;
}

const hex = (h: string) => `0x${h}`;

/** Row 1 of ALL_TYPES_ROWS as the README's type table says Tablestore holds it (INTEGER read back as digits). */
const ROW_1 = {
  id: '1', ti: '-128', tiu: '255', si: '-32768', siu: '65535', mi: '-8388608', miu: '16777215', i: '-2147483648', iu: '4294967295',
  bi: '-9223372036854775808', biu: '18446744073709551615',
  dec65: '-99999999999999999999999999999999999.999999999999999999999999999999',
  f: 16777216, d: 1.7976931348623157e308, b1: true, b64: hex('ffffffffffffffff'),
  ch: 'abc', vc: '😀 emoji 𝄞 and 中文', tx: "text with 'quotes' and \\ backslash and \n newline", l1: 'café',
  bn: hex('00010200'), vb: hex('00ff00'), bl: hex('000000ff00'),
  dt: '1000-01-01', tm: '-838:59:59.000000', dtm: '1000-01-01 00:00:00.000000', ts: '1970-01-01 00:00:01.000000', yr: '1901',
  en: 'c d', st: 'x,z', js: '{"a": [1, 2.5, "🐱"], "b": null}',
};
/** Row 2: BIGINT UNSIGNED 2^53+1, FLOAT 0.1, empty text and binary, the largest TIME, TIMESTAMP and DATETIME. */
const ROW_2 = {
  id: '2', ti: '127', tiu: '0', si: '32767', siu: '0', mi: '8388607', miu: '0', i: '2147483647', iu: '0', bi: '9223372036854775807',
  biu: '9007199254740993', dec65: '99999999999999999999999999999999999.999999999999999999999999999999',
  f: 0.1, d: 2.2250738585072014e-308, b1: false, b64: hex('0000000000000000'),
  ch: '', vc: '', tx: '', l1: '', bn: hex('00000000'), vb: hex(''), bl: hex(''),
  dt: '9999-12-31', tm: '838:59:59.999999', dtm: '9999-12-31 23:59:59.999999', ts: '2038-01-19 03:14:07.999999', yr: '2155',
  en: 'a', st: '', js: '[]',
};
const ROW_3 = {
  id: '3', ti: '0', tiu: '1', si: '0', siu: '1', mi: '0', miu: '1', i: '0', iu: '1', bi: '0', biu: '1',
  dec65: '0.000000000000000000000000000001', f: -3.4028235e38, d: -5e-324, b1: true, b64: hex('8000000000000001'),
  ch: 'z', vc: 'tab\there', tx: 'a\u0000b', l1: 'x', bn: hex('ffffffff'), vb: hex('5c27'), bl: hex('5c0027'),
  dt: '2024-02-29', tm: '-00:00:00.000001', dtm: '2024-02-29 12:34:56.123456', ts: '2024-03-30 17:30:00.654321', yr: '2000',
  en: 'b', st: 'x,y,z', js: '"just a string"',
};

describe('MySQL → Tablestore (real MariaDB binlog, Tablestore stand-in)', () => {
  it('holds every source type as documented, the same by full load and through the binlog', async () => {
    const db = await database('ots_types');
    await insertAllTypes(e2e.admin, db);
    await e2e.admin.query(`CREATE TABLE flags (id INT PRIMARY KEY, ok BOOL, n TINYINT(1)); INSERT INTO flags VALUES (1, TRUE, 2), (2, FALSE, NULL)`);
    // Spatial → BINARY in the server's internal form: SRID (4 bytes LE) + WKB (LE point of two doubles).
    await e2e.admin.query(`CREATE TABLE geo (id INT PRIMARY KEY, p POINT, g GEOMETRY); INSERT INTO geo VALUES (1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-0.5 3)', 4326))`);
    const GEO_1 = { id: '1', p: hex('00000000' + '0101000000' + '000000000000f03f' + '0000000000000040'), g: hex('e6100000' + '0101000000' + '000000000000e0bf' + '0000000000000840') };
    const t = taskFile(db);
    const full = await run(t, 'full-done');
    expect(full.code, full.err).toBe(0);
    const loaded = await rows('all_types');
    expect(loaded.find((r) => r.id === '1')).toEqual(ROW_1);
    expect(loaded.find((r) => r.id === '2')).toEqual(ROW_2);
    expect(loaded.find((r) => r.id === '3')).toEqual(ROW_3);
    expect(await rows('geo')).toEqual([GEO_1]);
    expect(loaded.find((r) => r.id === '4')).toEqual({ id: '4' }); // NULL is an absent column
    expect(await rows('flags')).toEqual([{ id: '1', ok: true, n: '2' }, { id: '2', ok: false }]);

    // The same rows again under new keys, written through the binlog.
    await e2e.admin.query("SET time_zone = '+08:00'");
    await e2e.admin.query(`INSERT INTO \`${db}\`.all_types VALUES ${ALL_TYPES_ROWS.replace(/\((\d), /g, (_, id: string) => `(${Number(id) + 10}, `)}`);
    await e2e.admin.query("SET time_zone = '+00:00'");
    await e2e.admin.query(`INSERT INTO \`${db}\`.flags VALUES (11, TRUE, 2), (12, FALSE, NULL)`);
    await e2e.admin.query(`INSERT INTO \`${db}\`.geo SELECT 11, p, g FROM \`${db}\`.geo WHERE id = 1`);
    const inc = await run(t, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
    const after = await rows('all_types');
    for (const id of [1, 2, 3, 4]) {
      const viaBinlog = after.find((r) => r.id === String(id + 10));
      expect(viaBinlog && without(viaBinlog, 'id'), `row ${id + 10}`).toEqual(without(after.find((r) => r.id === String(id))!, 'id'));
    }
    expect((await rows('flags')).slice(2)).toEqual([{ id: '11', ok: true, n: '2' }, { id: '12', ok: false }]);
    expect(await rows('geo')).toEqual([GEO_1, { ...GEO_1, id: '11' }]);
  });

  for (const writeMode of ['overwrite', 'update'] as const) {
    it(`${writeMode} mode: inserts, updates that null a column, deletes and key changes`, async () => {
      const db = await database(`ots_${writeMode}`);
      await e2e.admin.query(`CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(20), b INT, c DOUBLE);
        INSERT INTO t VALUES (1, 'one', 10, 1.5), (2, 'two', 20, 2.5), (3, 'three', 30, 3.5), (4, 'four', 40, 4.5)`);
      const t = taskFile(db, {}, { writeMode });
      expect((await run(t, 'full-done')).code).toBe(0);
      // A column only the destination has (another application's): PutRow replaces the row, UpdateRow keeps it.
      for (const id of [1, 2]) {
        await e2e.ots.client.updateRow({
          tableName: 't',
          primaryKey: [{ id: TableStore.Long.fromNumber(id) }],
          updateOfAttributeColumns: [{ PUT: [{ note: 'kept?' }] }],
          condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
        });
      }
      await e2e.admin.query(`UPDATE t SET b = NULL, a = 'uno' WHERE id = 1;
        UPDATE t SET c = 9.25 WHERE id = 2;
        DELETE FROM t WHERE id = 3;
        UPDATE t SET id = 40 WHERE id = 4;
        INSERT INTO t VALUES (5, NULL, 50, NULL);
        BEGIN; INSERT INTO t VALUES (6, 'six', 60, 6); UPDATE t SET a = NULL WHERE id = 6; DELETE FROM t WHERE id = 6; INSERT INTO t VALUES (6, 'again', 61, NULL); COMMIT;`);
      const r = await run(t, 'caught-up');
      expect(r.code, r.err).toBe(0);
      const kept = writeMode === 'update' ? { note: 'kept?' } : {};
      expect(await rows('t')).toEqual([
        { id: '1', a: 'uno', c: 1.5, ...kept },
        { id: '2', a: 'two', b: '20', c: 9.25, ...kept },
        { id: '5', b: '50' },
        { id: '6', a: 'again', b: '61' },
        { id: '40', a: 'four', b: '40', c: 4.5 },
      ]);
    });
  }

  it('cuts writes at 200 rows and 4 MB a request, by full load and through the binlog', async () => {
    /**
     * The BatchWriteRow requests of one run of the test below, as the stand-in received them: 1,000 rows of
     * 19 bytes (id, v) and 40 of 300,017 (id, payload), of which 13 fit 4 MB. `slack`: requests more than
     * one write of each table needs, for rows the run handed to the writer in more pieces.
     */
    const expectCutAtLimits = (requests: readonly BatchWriteRecord[], rejectedBefore: number, slack: number) => {
      const limit = 4 * 1024 * 1024;
      const bigRow = 2 + 8 + 7 + 300_000;
      expect((e2e.ots.standIn.rejected.BatchWriteRow ?? 0) - rejectedBefore, 'requests refused whole').toBe(0);
      expect(requests.filter((r) => r.rejected !== undefined)).toEqual([]);
      expect(requests.filter((r) => r.rows > 200 || (r.dataBytes ?? Infinity) > limit || r.bodyBytes > limit)).toEqual([]);
      expect(requests.filter((r) => r.rows === 200).length, 'requests cut at 200 rows').toBeGreaterThanOrEqual(1);
      // Cut by bytes: under 200 rows, yet one more big row would have passed 4 MB.
      expect(requests.filter((r) => r.rows < 200 && (r.dataBytes ?? 0) + bigRow > limit).length, 'requests cut at 4 MB').toBeGreaterThanOrEqual(1);
      expect(requests.length).toBeLessThanOrEqual(Math.ceil(1000 / 200) + Math.ceil(40 / Math.floor(limit / bigRow)) + slack);
      expect(requests.reduce((n, r) => n + r.rows - r.failedRows, 0)).toBe(1040);
    };
    const db = await database('ots_limits');
    // 1,000 small rows (five 200-row requests at least) and 40 rows of 300 KB (12 MB: several 4 MB requests).
    await e2e.admin.query(`CREATE TABLE small (id INT PRIMARY KEY, v INT);
      INSERT INTO small SELECT seq, seq FROM seq_1_to_1000;
      CREATE TABLE big (id INT PRIMARY KEY, payload LONGBLOB);
      INSERT INTO big SELECT seq, REPEAT(CHAR(65 + seq % 26), 300000) FROM seq_1_to_40;`);
    // One bucket and batches far above both limits: only the writer cuts the requests.
    const t = taskFile(db, { advanced: { fullLoad: { batchRows: 5000 }, incremental: { batchChanges: 5000, batchBytes: 64 << 20 } } }, { queueSize: 400, buckets: 1 });
    const full = await run(t, 'full-done');
    expect(full.code, full.err).toBe(0);
    // One chunk of each table, written in one piece (batchRows): no slack.
    expectCutAtLimits(e2e.ots.standIn.batchWrites, 0, 0);
    expect(await rows('small')).toHaveLength(1000);
    const big = await readTable(e2e.ots.client, 'big');
    expect(big).toHaveLength(40);
    expect(big.every((r) => Buffer.isBuffer(r.payload) && r.payload.length === 300000 && r.payload[0] === 65 + (Number(r.id) % 26))).toBe(true);

    await e2e.admin.query('BEGIN; UPDATE small SET v = v + 1; UPDATE big SET payload = REPEAT(CHAR(97 + id % 26), 300000); COMMIT;');
    const fullRequests = e2e.ots.standIn.batchWrites.length;
    const fullRejected = e2e.ots.standIn.rejected.BatchWriteRow ?? 0;
    const fullWatermarks = e2e.ots.standIn.requests.UpdateRow ?? 0;
    const inc = await run(t, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
    // The reader may close the transaction's batch early (when it has read all there is so far); each
    // batch ends with its watermark (UpdateRow), and each batch after the first may add a partial request per table.
    const batches = (e2e.ots.standIn.requests.UpdateRow ?? 0) - fullWatermarks;
    expect(batches).toBeGreaterThanOrEqual(1);
    expectCutAtLimits(e2e.ots.standIn.batchWrites.slice(fullRequests), fullRejected, 2 * (batches - 1));
    const small = await rows('small');
    expect(small.every((r) => Number(r.v) === Number(r.id) + 1)).toBe(true);
    const big2 = await readTable(e2e.ots.client, 'big');
    expect(big2.every((r) => Buffer.isBuffer(r.payload) && r.payload[0] === 97 + (Number(r.id) % 26))).toBe(true);
  });

  it('sets a row Tablestore refuses aside under skip, and stops at it under block', async () => {
    const db = await database('ots_dirty');
    // 2.5 MB in one column: over Tablestore's 2 MB attribute value limit.
    await e2e.admin.query(`CREATE TABLE t (id INT PRIMARY KEY, payload LONGBLOB);
      INSERT INTO t VALUES (1, 'fine'), (2, REPEAT('x', 2500000)), (3, 'fine too');`);
    const skip = taskFile(db, { sync: { dirtyData: 'skip' } });
    const r = await run(skip, 'full-done');
    expect(r.code, r.err).toBe(0);
    expect((await readTable(e2e.ots.client, 't')).map((x) => x.id)).toEqual(['1', '3']);
    const dirty = readFileSync(join(skip.state, 'dirty-data.jsonl'), 'utf8');
    expect(dirty).toMatch(/"table":"[^"]+\.t"/);
    expect(dirty).toMatch(/key \(id=2\): column payload is 2500000 bytes, over Tablestore's 2097152-byte limit/);

    await e2e.admin.query(`INSERT INTO t VALUES (4, REPEAT('y', 2500000)), (5, 'after')`);
    expect((await run(skip, 'caught-up')).code).toBe(0);
    expect((await readTable(e2e.ots.client, 't')).map((x) => x.id)).toEqual(['1', '3', '5']);

    const blockDb = await database('ots_block');
    await e2e.admin.query(`CREATE TABLE t2 (id INT PRIMARY KEY, payload LONGBLOB); INSERT INTO t2 VALUES (1, REPEAT('x', 2500000));`);
    const block = await run(taskFile(blockDb), 'full-done');
    expect(block.code).not.toBe(0);
    expect(block.err + block.out).toMatch(/t2/);
    expect(block.err + block.out).toMatch(/dirtyData: skip/);
  });

  it('stops at a refused change under block during incremental sync, keeps its position, and passes it once set to skip', async () => {
    const db = await database('ots_block_inc');
    await e2e.admin.query('CREATE TABLE t (id INT PRIMARY KEY, payload LONGBLOB); INSERT INTO t VALUES (1, 0x01);');
    const t = taskFile(db, { sync: { dirtyData: 'block' } });
    expect((await run(t, 'full-done')).code).toBe(0);
    await e2e.admin.query(`INSERT INTO t VALUES (2, 'before'); INSERT INTO t VALUES (3, REPEAT('x', 2500000));
      INSERT INTO t VALUES (4, 'after'); UPDATE t SET payload = 'fixed' WHERE id = 3;`);
    const blocked = await run(t, 'caught-up');
    expect(blocked.code).toBe(1);
    expect(blocked.err + blocked.out).toMatch(/\.t\b/);
    expect(blocked.err + blocked.out).toMatch(/dirtyData: skip/);
    // The refused row is not there. (Rows of other buckets may be: buckets are applied in parallel and
    // each keeps its own watermark, so a later run skips what they applied.)
    const ids = async () => (await readTable(e2e.ots.client, 't')).map((x) => x.id);
    expect(await ids()).not.toContain('3');
    // Block keeps the position: the next run stops at the same change again.
    const again = await run(t, 'caught-up');
    expect(again.code).toBe(1);
    expect(again.err + again.out).toMatch(/\.t\b/);
    expect(await ids()).not.toContain('3');

    writeFileSync(t.file, readFileSync(t.file, 'utf8').replace('dirtyData: block', 'dirtyData: skip'));
    const passed = await run(t, 'caught-up');
    expect(passed.code, passed.err).toBe(0);
    expect(readFileSync(join(t.state, 'dirty-data.jsonl'), 'utf8')).toMatch(/key \(id=3\): column payload is 2500000 bytes/);
    const rows = await readTable(e2e.ots.client, 't');
    expect(rows.map((x) => [x.id, x.payload?.toString()])).toEqual([['1', '\x01'], ['2', 'before'], ['3', 'fixed'], ['4', 'after']]);
  });

  it('loses, duplicates and leaves stale nothing when killed with SIGKILL under a write workload', async () => {
    const db = await database('ots_k9');
    await e2e.admin.query(`CREATE TABLE w (id INT PRIMARY KEY, v INT, s VARCHAR(40));
      CREATE TABLE u (a INT, b VARCHAR(8), v BIGINT, PRIMARY KEY (a, b));
      INSERT INTO w SELECT seq, 0, 'init' FROM seq_1_to_2000;`);
    const t = taskFile(db, { advanced: { incremental: { batchChanges: 200 } } }, { writeMode: 'update' });
    expect((await run(t, 'full-done')).code).toBe(0);

    let writing = true;
    const writer = (async () => {
      const c = await adminConnection();
      await c.query(`USE \`${db}\``);
      for (let i = 0; writing; i++) {
        const id = 1 + ((i * 7919) % 3000);
        await c.query(`INSERT INTO w VALUES (${id}, ${i}, 'ins ${i}') ON DUPLICATE KEY UPDATE v = ${i}, s = IF(${i} % 4 = 0, NULL, 'upd ${i}');
          ${i % 3 === 0 ? `DELETE FROM w WHERE id = ${1 + ((i * 104729) % 3000)};` : ''}
          ${i % 5 === 0 ? `UPDATE w SET id = ${3001 + i} WHERE id = ${1 + ((i * 31) % 3000)};` : ''}
          INSERT INTO u VALUES (${i % 50}, 'k${i % 7}', ${i}) ON DUPLICATE KEY UPDATE v = v + ${i};
          ${i % 11 === 0 ? 'BEGIN; UPDATE w SET v = v + 1 WHERE id < 100; COMMIT;' : ''}`);
      }
      await c.end();
    })();

    // Even rounds kill at a random moment, start-up included; odd rounds once the process is writing
    // rows (its first BatchWriteRow seen), at a random moment after.
    const batchWrites = () => e2e.ots.standIn.requests.BatchWriteRow ?? 0;
    for (let round = 0; round < 4; round++) {
      const before = batchWrites();
      const child = e2e.spawn(['run', '-c', t.file, '--state', t.state], { stdio: 'ignore' });
      if (round % 2 === 1) {
        for (const deadline = Date.now() + 30_000; batchWrites() === before && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
        expect(batchWrites(), `round ${round}: fc-dts wrote nothing in 30 s`).toBeGreaterThan(before);
      }
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1500));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    writing = false;
    await writer;
    const r = await run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);

    const [w] = await e2e.admin.query<RowDataPacket[]>('SELECT id, v, s FROM w ORDER BY id');
    expect(await rows('w')).toEqual(w.map((x) => ({ id: String(x.id), v: String(x.v), ...(x.s === null ? {} : { s: x.s }) })));
    const [u] = await e2e.admin.query<RowDataPacket[]>('SELECT a, b, v FROM u ORDER BY a, CAST(b AS BINARY)');
    expect(await rows('u')).toEqual(u.map((x) => ({ a: String(x.a), b: x.b, v: String(x.v) })));
  });
});
