/** The chunked full load against the real MariaDB: exact values, chunk coverage, filters, mapping, dirty data. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { adminConnection, taskDoc, uniqueName } from './helpers/mariadb.ts';
import { ALL_TYPES_COLUMNS, diffTables, insertAllTypes } from './helpers/fixtures.ts';
import { validateTask } from '../shared/task/task-file.ts';
import { readCatalog } from '../shared/mysql/catalog.ts';
import { connect } from '../shared/mysql/connection.ts';
import { allTables, resolveObjects, type TableMapping } from '../shared/task/object-mapper.ts';
import { runFullLoad } from '../shared/fullload/full-load.ts';
import { chunkCondition, integerChunks, planChunks } from '../shared/fullload/chunk-planner.ts';
import { silentProgress } from '../shared/fullload/progress.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import { qualified } from '../shared/mysql/identifier.ts';
import type { Task } from '../shared/task/task.ts';

let admin: Connection;
const src = uniqueName('fl_src');
const dst = uniqueName('fl_dst');

beforeAll(async () => {
  admin = await adminConnection();
  await admin.query(`CREATE DATABASE \`${src}\`; CREATE DATABASE \`${dst}\`; USE \`${src}\``); // USE: seq_1_to_N tables live in the current database
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS \`${src}\`; DROP DATABASE IF EXISTS \`${dst}\``);
  await admin.end();
});

function task(objects: unknown[], extra: Record<string, unknown> = {}): Task {
  return validateTask(taskDoc({ objects, ...extra }));
}

async function mappings(t: Task): Promise<TableMapping[]> {
  const c = await connect('source', t.source);
  try {
    return allTables(resolveObjects(t, await readCatalog(c, t.objects.map((o) => o.database))));
  } finally {
    await c.end();
  }
}

const stateDir = () => mkdtempSync(join(tmpdir(), 'fc-dts-state-'));

describe('full load into MySQL (real MariaDB)', () => {
  it.each([['LOAD DATA', true], ['INSERT', false]])('copies every common type exactly through %s, including limits, NULLs and a non-UTC writer time zone', async (_, loadData) => {
    const db = uniqueName('fl_types');
    await admin.query(`CREATE DATABASE \`${db}\``);
    await insertAllTypes(admin, db);
    await admin.query(`CREATE TABLE \`${dst}\`.all_types_${loadData ? 'ld' : 'ins'} LIKE \`${db}\`.all_types`);
    const t = task([{ database: db, as: dst, tables: [{ name: 'all_types', as: `all_types_${loadData ? 'ld' : 'ins'}` }] }], { advanced: { fullLoad: { chunkRows: 100, batchRows: 2, loadData } } });
    const summary = await runFullLoad(t, await mappings(t), new FileStateStore(stateDir()), { progress: silentProgress });
    expect(summary.rows).toBe(4);
    const d = await diffTables(admin, { db, table: 'all_types' }, { db: dst, table: `all_types_${loadData ? 'ld' : 'ins'}` }, ALL_TYPES_COLUMNS);
    expect(d).toEqual({ countA: 4, countB: 4, unmatched: 0 });
    // The instant of the TIMESTAMP, not its wall-clock text, is what must survive.
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT UNIX_TIMESTAMP(ts) u, HEX(b64) h, CAST(f AS DOUBLE) f FROM \`${dst}\`.all_types_${loadData ? 'ld' : 'ins'} ORDER BY id`);
    expect(rows.map((r) => r.u)).toEqual(['1.000000', '2147483647.999999', '1711819800.654321', null]);
    expect(rows[0]!.h).toBe('FFFFFFFFFFFFFFFF');
    expect(Number(rows[0]!.f)).toBe(16777216); // float32 of 16777217, not the 6-digit 16777200
    await admin.query(`DROP DATABASE \`${db}\``);
  });

  it('plans integer, string and composite keys into chunks that cover every row exactly once', async () => {
    await admin.query(`
      CREATE TABLE \`${src}\`.ints (id BIGINT UNSIGNED PRIMARY KEY, v INT);
      INSERT INTO \`${src}\`.ints SELECT seq * 7, seq FROM seq_1_to_5000;
      INSERT INTO \`${src}\`.ints VALUES (18446744073709551615, 0);
      CREATE TABLE \`${src}\`.strs (k VARCHAR(40) PRIMARY KEY, v INT) DEFAULT CHARSET utf8mb4;
      INSERT INTO \`${src}\`.strs SELECT CONCAT('key-', LPAD(seq, 6, '0'), IF(seq % 3 = 0, '😀', '')), seq FROM seq_1_to_3000;
      CREATE TABLE \`${src}\`.comp (a INT, b VARCHAR(10), c DATETIME(6), v INT, PRIMARY KEY (a, b, c));
      INSERT INTO \`${src}\`.comp SELECT seq % 5, CHAR(65 + seq % 7), TIMESTAMP('2024-01-01') + INTERVAL seq SECOND, seq FROM seq_1_to_4000;
      ANALYZE TABLE \`${src}\`.ints, \`${src}\`.strs, \`${src}\`.comp;`);
    const t = task([{ database: src, tables: ['ints', 'strs', 'comp'] }]);
    const c = await connect('source', t.source);
    try {
      for (const m of await mappings(t)) {
        const chunks = await planChunks(c, m, { chunkRows: 700 });
        expect(chunks.length).toBeGreaterThan(3);
        let covered = 0;
        for (const ch of chunks) {
          const [[r]] = await c.query<RowDataPacket[]>(`SELECT COUNT(*) n FROM ${qualified(src, m.source.name)} WHERE ${chunkCondition(m.key, ch)}`);
          covered += Number(r!.n);
        }
        const [[all]] = await c.query<RowDataPacket[]>(`SELECT COUNT(*) n FROM ${qualified(src, m.source.name)}`);
        expect(covered).toBe(Number(all!.n));
        expect(chunks.at(-1)!.upper).not.toBeNull();
      }
    } finally {
      await c.end();
    }
  });

  it('splits an integer key range arithmetically, bounded at both ends', () => {
    const chunks = integerChunks(1n, 1000n, 1000, 300);
    expect(chunks.map((c) => [c.lower, c.upper])).toEqual([[null, ['250']], [['250'], ['500']], [['500'], ['750']], [['750'], ['1000']]]);
    expect(integerChunks(5n, 5n, 10_000, 100)).toEqual([{ index: 0, lower: null, upper: ['5'] }]);
    const big = integerChunks(18446744073709551000n, 18446744073709551615n, 1000, 500);
    expect(big.at(-1)!.upper).toEqual(['18446744073709551615']);
  });

  it('applies the WHERE filter, a column subset and renames', async () => {
    await admin.query(`
      CREATE TABLE \`${src}\`.orders (id INT PRIMARY KEY, status VARCHAR(10), amount DECIMAL(10,2), note TEXT);
      INSERT INTO \`${src}\`.orders SELECT seq, ELT(1 + seq % 3, 'draft', 'paid', 'shipped'), seq * 1.25, REPEAT('n', seq % 50) FROM seq_1_to_3000;
      CREATE TABLE \`${dst}\`.orders_v2 (id INT PRIMARY KEY, status VARCHAR(10), total DECIMAL(10,2));`);
    const t = task([{ database: src, as: dst, tables: [{ name: 'orders', as: 'orders_v2', where: "status <> 'draft' AND amount >= 10", columns: { id: 'id', status: 'status', amount: 'total' } }] }],
      { advanced: { fullLoad: { chunkRows: 500, workers: 3 } } });
    await runFullLoad(t, await mappings(t), new FileStateStore(stateDir()), { progress: silentProgress });
    const [[r]] = await admin.query<RowDataPacket[]>(`SELECT
        (SELECT COUNT(*) FROM \`${src}\`.orders WHERE status <> 'draft' AND amount >= 10) expected,
        (SELECT COUNT(*) FROM \`${dst}\`.orders_v2) got,
        (SELECT COUNT(*) FROM \`${dst}\`.orders_v2 d JOIN \`${src}\`.orders s USING (id) WHERE s.status = d.status AND s.amount = d.total) same`);
    expect(Number(r!.got)).toBe(Number(r!.expected));
    expect(Number(r!.same)).toBe(Number(r!.expected));
  });

  it('does not reload chunks recorded done, and keeps rows already in the destination', async () => {
    await admin.query(`
      CREATE TABLE \`${src}\`.resume (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO \`${src}\`.resume SELECT seq, CONCAT('v', seq) FROM seq_1_to_2000;
      ANALYZE TABLE \`${src}\`.resume;
      CREATE TABLE \`${dst}\`.resume LIKE \`${src}\`.resume;`);
    const t = task([{ database: src, as: dst, tables: ['resume'] }], { advanced: { fullLoad: { chunkRows: 250 } } });
    const store = new FileStateStore(stateDir());
    const first = await runFullLoad(t, await mappings(t), store, { progress: silentProgress });
    expect(first.chunksLoaded).toBe(first.chunks);
    const second = await runFullLoad(t, await mappings(t), store, { progress: silentProgress });
    expect(second.chunksLoaded).toBe(0);
    expect(second.rows).toBe(0);
    // A row already present in the destination (conflict mode ignore-and-proceed) is kept as it is.
    await admin.query(`TRUNCATE \`${dst}\`.resume; INSERT INTO \`${dst}\`.resume VALUES (7, 'pre-existing')`);
    await runFullLoad(t, await mappings(t), new FileStateStore(stateDir()), { progress: silentProgress });
    const [[r]] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) n, (SELECT v FROM \`${dst}\`.resume WHERE id = 7) v FROM \`${dst}\`.resume`);
    expect(Number(r!.n)).toBe(2000);
    expect(r!.v).toBe('pre-existing');
  });

  it('sets rejected rows aside under dirtyData: skip and stops with the reason under block', async () => {
    await admin.query(`
      CREATE TABLE \`${src}\`.dirty (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO \`${src}\`.dirty SELECT seq, IF(seq % 100 = 0, 'much-too-long-value', 'ok') FROM seq_1_to_1000;
      CREATE TABLE \`${dst}\`.dirty (id INT PRIMARY KEY, v VARCHAR(5));`);
    const skip = task([{ database: src, as: dst, tables: ['dirty'] }], { sync: { dirtyData: 'skip' } });
    const store = new FileStateStore(stateDir());
    const r = await runFullLoad(skip, await mappings(skip), store, { progress: silentProgress });
    expect(r.rows).toBe(990);
    expect(r.dirtyRows).toBe(10);
    const dirty = await store.dirtyRecords();
    expect(dirty).toHaveLength(10);
    expect(dirty[0]!.reason).toMatch(/too long/i);
    expect(dirty[0]!.row).toMatch(/much-too-long-value/);
    // LOAD DATA LOCAL would have truncated them with a warning: none of the rejected rows is in the destination.
    const [[kept]] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) n, SUM(id % 100 = 0) bad FROM \`${dst}\`.dirty`);
    expect(Number(kept!.n)).toBe(990);
    expect(Number(kept!.bad)).toBe(0);

    await admin.query(`TRUNCATE \`${dst}\`.dirty`);
    const block = task([{ database: src, as: dst, tables: ['dirty'] }], { sync: { dirtyData: 'block' } });
    await expect(runFullLoad(block, await mappings(block), new FileStateStore(stateDir()), { progress: silentProgress }))
      .rejects.toThrow(/rejected rows of .*dirty chunk 0: Data too long for column 'v'/);
  });

  it('reports a destination table that refuses the statement itself, without hanging on the half-read source', async () => {
    await admin.query(`
      CREATE TABLE \`${src}\`.shape (id INT PRIMARY KEY, v VARCHAR(20), w INT);
      INSERT INTO \`${src}\`.shape SELECT seq, REPEAT('x', 20), seq FROM seq_1_to_20000;
      CREATE TABLE \`${dst}\`.shape (id INT PRIMARY KEY, v VARCHAR(20));`);
    const t = task([{ database: src, as: dst, tables: ['shape'] }], { advanced: { fullLoad: { workers: 1 } } });
    const fallbacks: string[] = [];
    await expect(runFullLoad(t, await mappings(t), new FileStateStore(stateDir()), { progress: silentProgress, log: (l) => fallbacks.push(l) }))
      .rejects.toThrow(/shape.*Unknown column 'w'/);
    expect(fallbacks.join('\n')).toMatch(/LOAD DATA refused \(Unknown column 'w'/);
  });

  it.each([['LOAD DATA', true], ['INSERT', false]])('loads tables and columns whose names hold backticks, quotes and backslashes through %s', async (_, loadData) => {
    const table = loadData ? 'we`ird "t" ld' : "we`ird 't' ins";
    const q = (n: string) => '`' + n.replaceAll('`', '``') + '`';
    await admin.query(`
      CREATE TABLE \`${src}\`.${q(table)} (${q('i`d')} INT PRIMARY KEY, ${q("co'l")} VARCHAR(20), ${q('b\\s')} VARBINARY(4), ${q('x"y')} BIT(3));
      INSERT INTO \`${src}\`.${q(table)} VALUES (1, 'a''b', x'5c00', b'101'), (2, NULL, NULL, NULL), (3, '\\\\t', x'09', b'0');
      CREATE TABLE \`${dst}\`.${q(table)} LIKE \`${src}\`.${q(table)};`);
    const t = task([{ database: src, as: dst, tables: [table] }], { advanced: { fullLoad: { loadData } } });
    const r = await runFullLoad(t, await mappings(t), new FileStateStore(stateDir()), { progress: silentProgress });
    expect(r.rows).toBe(3);
    expect(await diffTables(admin, { db: src, table }, { db: dst, table }, ['i`d', "co'l", 'b\\s', 'x"y'])).toEqual({ countA: 3, countB: 3, unmatched: 0 });
  });

  it('throttles rows per second', async () => {
    await admin.query(`
      CREATE TABLE \`${src}\`.slow (id INT PRIMARY KEY, v INT);
      INSERT INTO \`${src}\`.slow SELECT seq, seq FROM seq_1_to_3000;
      CREATE TABLE \`${dst}\`.slow LIKE \`${src}\`.slow;`);
    const t = task([{ database: src, as: dst, tables: ['slow'] }], { advanced: { throttle: { full: { rps: 2000 } }, fullLoad: { batchRows: 500 } } });
    const started = performance.now();
    await runFullLoad(t, await mappings(t), new FileStateStore(stateDir()), { progress: silentProgress });
    // 3,000 rows at 2,000 rows/s with a one-second burst allowance: at least half a second.
    expect(performance.now() - started).toBeGreaterThan(450);
  });
});
