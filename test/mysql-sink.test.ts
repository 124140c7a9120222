/**
 * The MySQL sink against the real MariaDB, under the delivery adversity docs/architecture.md §3.3–§3.5 promises to survive:
 * a random workload over three tables is checked against an in-memory model after in-order,
 * shuffled, duplicated, re-cut and concurrent delivery, and with connections killed mid-apply.
 * Also: DDL batches, refused rows and DDL, value literals, and a throughput measurement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { adminConnection, testEndpoint, uniqueName } from './helpers/mariadb.ts';
import { InvalidBatch, MysqlSink, WATERMARK_DATABASE, WATERMARK_TABLE } from '../shared/destinations/mysql/mysql-sink.ts';
import { ApplyRejected } from '../shared/apply/sink.ts';
import { InvalidCellValue, sqlLiteral } from '../shared/destinations/mysql/mysql-literal.ts';
import { DDL_BUCKET, type ApplyOutcome } from '../shared/apply/sink.ts';
import type { CellValue, ChangeBatch, DdlChange, Row, RowChange, TableRef } from '../shared/change/change-event.ts';
import { comparePositions, type BinlogPosition } from '../shared/change/position.ts';
import type { MysqlEndpoint } from '../shared/task/task.ts';
import { qualified, quoteIdent, quoteString } from '../shared/mysql/identifier.ts';
import { seededRandom, type Rng } from '../scripts/lib/seeded-random.ts';

const B = 4;
const WATERMARKS = qualified(WATERMARK_DATABASE, WATERMARK_TABLE);

let admin: Connection;
const databases: string[] = [];
const tasks: string[] = [];
const sinks: MysqlSink[] = [];

beforeAll(async () => {
  admin = await adminConnection();
});

afterAll(async () => {
  for (const s of sinks) await s.close().catch(() => {});
  for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
  if (tasks.length > 0) await admin.query(`DELETE FROM ${WATERMARKS} WHERE task IN (${tasks.map(quoteString).join(',')})`);
  await admin.end();
});

async function openSink(connections = 4, endpoint: MysqlEndpoint = testEndpoint()): Promise<MysqlSink> {
  const task = uniqueName('sink_task');
  tasks.push(task);
  const sink = await MysqlSink.open(endpoint, task, { connections });
  sinks.push(sink);
  return sink;
}

async function newDatabase(prefix: string, ddl: (db: string) => string[]): Promise<string> {
  const db = uniqueName(prefix);
  databases.push(db);
  await admin.query(`CREATE DATABASE ${quoteIdent(db)} DEFAULT CHARSET utf8mb4`);
  for (const sql of ddl(db)) await admin.query(sql);
  return db;
}

// ---- deterministic randomness --------------------------------------------------------------------

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T,>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;

function shuffle<T>(rng: Rng, xs: T[], window = xs.length): T[] {
  for (let i = 0; i < xs.length; i++) {
    const j = i + int(rng, Math.min(window, xs.length - i));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

// ---- the workload model --------------------------------------------------------------------------

type Kind = 'int' | 'tiny' | 'key-text' | 'text' | 'decimal' | 'ubig' | 'bytes' | 'double' | 'datetime';
interface Column { readonly name: string; readonly kind: Kind; readonly sql: string; readonly max?: number }
interface TableSpec { readonly name: string; readonly key: readonly string[]; readonly columns: readonly Column[] }

const TABLES: readonly TableSpec[] = [
  {
    name: 't_int', key: ['id'], columns: [
      { name: 'id', kind: 'int', sql: 'INT NOT NULL' },
      { name: 'name', kind: 'text', sql: 'VARCHAR(50) NULL', max: 50 },
      { name: 'amount', kind: 'decimal', sql: 'DECIMAL(30,10) NULL' },
      { name: 'big', kind: 'ubig', sql: 'BIGINT UNSIGNED NULL' },
      { name: 'data', kind: 'bytes', sql: 'VARBINARY(64) NULL', max: 64 },
      { name: 'score', kind: 'double', sql: 'DOUBLE NULL' },
    ],
  },
  {
    name: 't_str', key: ['code'], columns: [
      { name: 'code', kind: 'key-text', sql: 'VARCHAR(40) COLLATE utf8mb4_bin NOT NULL' },
      { name: 'note', kind: 'text', sql: 'TEXT NULL', max: 200 },
      { name: 'flag', kind: 'tiny', sql: 'TINYINT NULL' },
      { name: 'at', kind: 'datetime', sql: 'DATETIME(6) NULL' },
      { name: 'row', kind: 'ubig', sql: 'BIGINT UNSIGNED NULL' }, // a reserved word as a column name
    ],
  },
  {
    name: 'comp `x` key', key: ['a', 'b'], columns: [ // a backtick and spaces in the table name
      { name: 'a', kind: 'int', sql: 'INT NOT NULL' },
      { name: 'b', kind: 'key-text', sql: 'VARCHAR(20) COLLATE utf8mb4_bin NOT NULL' },
      { name: 'c', kind: 'ubig', sql: 'BIGINT UNSIGNED NULL' },
      { name: 'v', kind: 'text', sql: 'VARCHAR(100) NULL', max: 100 },
      { name: 'blob', kind: 'bytes', sql: 'BLOB NULL', max: 200 },
    ],
  },
];

function workloadDdl(db: string): string[] {
  return TABLES.map((t) =>
    `CREATE TABLE ${qualified(db, t.name)} (${t.columns.map((c) => `${quoteIdent(c.name)} ${c.sql}`).join(', ')}, ` +
    `PRIMARY KEY (${t.key.map(quoteIdent).join(', ')})) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
}

const KEY_TEXTS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', "O'Brien", 'back\\slash', 'quote"d', 'ünïcødé', '😀', 'tab\tx', 'nul\0byte', 'A', 'a', 'Zz'];
const TEXT_PIECES = ['a', 'b', 'Z', ' ', "'", '"', '\\', '\0', '\n', '\r', '\t', '\x1a', 'é', '中', '😀', '%', '_'];

function keyValue(rng: Rng, c: Column): CellValue {
  if (c.kind === 'int') return c.name === 'a' ? int(rng, 6) - 2 : int(rng, 50) - 5;
  return pick(rng, c.name === 'b' ? KEY_TEXTS.slice(10) : KEY_TEXTS);
}

function randomValue(rng: Rng, c: Column): CellValue {
  if (rng() < 0.15) return null;
  switch (c.kind) {
    case 'int': return int(rng, 2 ** 31) - 2 ** 30;
    case 'tiny': return int(rng, 256) - 128;
    case 'key-text': return pick(rng, KEY_TEXTS);
    case 'text': {
      let s = '';
      for (let n = int(rng, 1 + Math.min(c.max ?? 30, 30)); n > 0; n--) s += pick(rng, TEXT_PIECES); // one code point each: VARCHAR(n) counts characters
      return s;
    }
    case 'decimal': {
      const digits = (n: number): string => Array.from({ length: n }, () => int(rng, 10)).join('');
      const whole = String(BigInt('1' + digits(int(rng, 20))) - 1n); // 0 .. 20 digits, no leading zeros
      const frac = digits(10);
      const negative = rng() < 0.5 && !(/^0+$/.test(whole) && /^0+$/.test(frac));
      return { n: `${negative ? '-' : ''}${whole}.${frac}` };
    }
    case 'ubig': {
      const r = rng();
      if (r < 0.2) return { n: '18446744073709551615' };
      if (r < 0.6) return { n: (BigInt(int(rng, 2 ** 32)) * 2n ** 32n + BigInt(int(rng, 2 ** 32))).toString() };
      return int(rng, Number.MAX_SAFE_INTEGER);
    }
    case 'bytes': {
      const bytes = Buffer.alloc(int(rng, Math.min(c.max ?? 20, 20) + 1));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng() < 0.3 ? 0 : int(rng, 256);
      return { b: bytes.toString('base64') };
    }
    case 'double': return pick(rng, [0, 0.1, 1 / 3, 1e300, -2.5e-10, 5e-324, Number.MAX_VALUE, -123456.789, (rng() - 0.5) * 1e6]);
    case 'datetime': {
      const p = (n: number, w = 2): string => String(n).padStart(w, '0');
      return `${1000 + int(rng, 9000)}-${p(1 + int(rng, 12))}-${p(1 + int(rng, 28))} ${p(int(rng, 24))}:${p(int(rng, 60))}:${p(int(rng, 60))}.${p(int(rng, 1e6), 6)}`;
    }
  }
}

function keyOf(spec: TableSpec, row: Row): string {
  return JSON.stringify(spec.key.map((k) => row[k]));
}

interface Workload {
  readonly db: string;
  /** Per bucket, the changes the reader sends it, in binlog order. */
  readonly perBucket: readonly RowChange[][];
  readonly total: number;
  /** Table name → key identity → row: the source after the last change. */
  readonly model: ReadonlyMap<string, ReadonlyMap<string, Row>>;
}

const bucketOf = (spec: TableSpec, keyId: string): number => fnv1a(`${spec.name}\0${keyId}`) % B;

/**
 * A binlog of `n` source row changes valid against the evolving model: inserts of new keys and of
 * deleted ones, updates (some moving the key), deletes. Events of 1-3 rows; halfway the binlog moves
 * to the next file, where offsets start low again. A key-moving update whose two keys hash to
 * different buckets travels as a delete in the old key's bucket and an insert in the new key's, so
 * every key's history stays in one bucket (docs/architecture.md §3.2).
 */
function generateWorkload(db: string, seed: number, n: number): Workload {
  const rng = seededRandom(seed);
  const model = new Map(TABLES.map((t) => [t.name, new Map<string, Row>()]));
  const perBucket: RowChange[][] = Array.from({ length: B }, () => []);
  let file = 1;
  let offset = 4;
  let produced = 0;
  while (produced < n) {
    offset += 50 + int(rng, 450);
    if (file === 1 && produced >= n / 2) {
      file = 2;
      offset = 4 + int(rng, 50);
    }
    for (let r = 0, rows = 1 + int(rng, 3); r < rows && produced < n; r++, produced++) {
      const pos: BinlogPosition = { file, offset, row: r };
      const spec = pick(rng, TABLES);
      const live = model.get(spec.name)!;
      const table: TableRef = { database: db, table: spec.name };
      const base = { kind: 'row' as const, pos, ts: 1_700_000_000 + produced, table, key: spec.key };
      const emit = (keyId: string, c: RowChange): void => void perBucket[bucketOf(spec, keyId)]!.push(c);
      const newRow = (keyRow: Row): Row => Object.fromEntries(spec.columns.map((c) => [c.name, c.name in keyRow ? keyRow[c.name]! : randomValue(rng, c)]));
      const keyRow: Row = Object.fromEntries(spec.key.map((k) => [k, keyValue(rng, spec.columns.find((c) => c.name === k)!)]));
      const id = keyOf(spec, keyRow);
      const existing = live.get(id);
      if (!existing) {
        const after = newRow(keyRow);
        live.set(id, after);
        emit(id, { ...base, op: 'insert', after });
        continue;
      }
      const roll = rng();
      if (roll < 0.3) {
        live.delete(id);
        emit(id, { ...base, op: 'delete', before: existing });
        continue;
      }
      if (roll < 0.5) {
        const toKey: Row = Object.fromEntries(spec.key.map((k) => [k, keyValue(rng, spec.columns.find((c) => c.name === k)!)]));
        const toId = keyOf(spec, toKey);
        if (!live.has(toId)) {
          const after: Row = { ...(rng() < 0.5 ? existing : newRow(toKey)), ...toKey };
          live.delete(id);
          live.set(toId, after);
          if (bucketOf(spec, id) === bucketOf(spec, toId)) emit(id, { ...base, op: 'update', before: existing, after });
          else {
            emit(id, { ...base, op: 'delete', before: existing });
            emit(toId, { ...base, op: 'insert', after });
          }
          continue;
        }
      }
      const changed = newRow(keyRow);
      const after: Row = Object.fromEntries(spec.columns.map((c) => [c.name, rng() < 0.5 ? changed[c.name]! : existing[c.name]!]));
      live.set(id, after);
      emit(id, { ...base, op: 'update', before: existing, after });
    }
  }
  return { db, perBucket, total: perBucket.reduce((s, b) => s + b.length, 0), model };
}

/** Cuts each bucket's changes into batches of 1..maxSize with the `prev` chain, in the order a reader would send them. */
function cut(rng: Rng, perBucket: readonly (readonly RowChange[])[], maxSize: number, firstPrev: (b: number) => BinlogPosition | null = () => null): ChangeBatch[] {
  const batches: ChangeBatch[] = [];
  perBucket.forEach((seq, bucket) => {
    let prev = firstPrev(bucket);
    for (let i = 0; i < seq.length;) {
      const changes = seq.slice(i, i + 1 + int(rng, maxSize));
      batches.push({ bucket, prev, changes });
      prev = changes[changes.length - 1]!.pos;
      i += changes.length;
    }
  });
  const lastPos = (b: ChangeBatch): BinlogPosition => b.changes[b.changes.length - 1]!.pos;
  return batches.sort((x, y) => comparePositions(lastPos(x), lastPos(y)) || x.bucket - y.bucket);
}

// ---- delivery ------------------------------------------------------------------------------------

interface Tally { applied: number; skipped: number; early: number; calls: number; errors: number }
const tally = (): Tally => ({ applied: 0, skipped: 0, early: 0, calls: 0, errors: 0 });

function count(t: Tally, o: ApplyOutcome): void {
  t.calls++;
  t.applied += o.applied;
  t.skipped += o.skipped;
  if (o.status === 'early') t.early++;
  expect(o.ddlFailures).toEqual([]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Workers pull from one queue; an early batch goes back to the end (the queue's visibility delay),
 * and so does one whose apply failed (when `requeueErrors`: the message would be redelivered).
 */
async function deliver(sink: MysqlSink, queue: ChangeBatch[], t: Tally, workers = 1, requeueErrors = false): Promise<void> {
  const limit = queue.length * 200;
  await Promise.all(Array.from({ length: workers }, async () => {
    for (let b = queue.shift(); b !== undefined; b = queue.shift()) {
      if (t.calls > limit) throw new Error('delivery does not converge');
      let o: ApplyOutcome;
      try {
        o = await sink.apply(b);
      } catch (e) {
        if (!requeueErrors) throw e;
        t.errors++;
        queue.push(b);
        continue;
      }
      count(t, o);
      if (o.status === 'early') {
        queue.push(b);
        if (workers > 1) await sleep(1);
      }
    }
  }));
}

// ---- checks --------------------------------------------------------------------------------------

/** The value as the admin connection reads it back (bytes as HEX()). */
function expected(c: Column, v: CellValue): unknown {
  if (v === null) return null;
  switch (c.kind) {
    case 'ubig': return typeof v === 'number' ? String(v) : (v as { n: string }).n;
    case 'decimal': return (v as { n: string }).n;
    case 'bytes': return Buffer.from((v as { b: string }).b, 'base64').toString('hex').toUpperCase();
    default: return v;
  }
}

/** Every row and column of the destination equals the model. */
async function expectDestinationEqualsModel(w: Workload): Promise<void> {
  for (const spec of TABLES) {
    const select = spec.columns.map((c) => (c.kind === 'bytes' ? `HEX(${quoteIdent(c.name)}) AS ${quoteIdent(c.name)}` : quoteIdent(c.name)));
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT ${select.join(', ')} FROM ${qualified(w.db, spec.name)}`);
    const actual = new Map(rows.map((r) => [JSON.stringify(spec.key.map((k) => r[k])), { ...r }]));
    const model = w.model.get(spec.name)!;
    const want = new Map([...model.values()].map((row) => {
      const e = Object.fromEntries(spec.columns.map((c) => [c.name, expected(c, row[c.name]!)]));
      return [JSON.stringify(spec.key.map((k) => e[k])), e];
    }));
    expect([...actual.keys()].sort(), `keys of ${spec.name}`).toEqual([...want.keys()].sort());
    for (const [k, row] of want) expect(actual.get(k), `${spec.name} ${k}`).toEqual(row);
  }
}

async function expectWatermarks(sink: MysqlSink, w: Workload): Promise<void> {
  for (let b = 0; b < B; b++) {
    const seq = w.perBucket[b]!;
    expect(await sink.watermark(b), `bucket ${b}`).toEqual(seq.length > 0 ? seq[seq.length - 1]!.pos : null);
  }
}

async function scenario(prefix: string, seed: number, n = 1200): Promise<{ w: Workload; sink: MysqlSink; rng: Rng }> {
  const db = await newDatabase(prefix, workloadDdl);
  return { w: generateWorkload(db, seed, n), sink: await openSink(), rng: seededRandom(seed ^ 0x5eed) };
}

// ---- tests ---------------------------------------------------------------------------------------

describe('MysqlSink: delivery adversity against a model', () => {
  it('(a) in order: every change applied once, no batch early', async () => {
    const { w, sink, rng } = await scenario('sink_a', 1);
    const t = tally();
    await deliver(sink, cut(rng, w.perBucket, 30), t);
    expect(t).toMatchObject({ applied: w.total, skipped: 0, early: 0 });
    await expectDestinationEqualsModel(w);
    await expectWatermarks(sink, w);
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT bucket FROM ${WATERMARKS} WHERE task = ? ORDER BY bucket`, [tasks[tasks.length - 1]]);
    expect(rows.map((r) => r.bucket)).toEqual([0, 1, 2, 3]);
  });

  it('(b) shuffled: early batches come back until applied', async () => {
    const { w, sink, rng } = await scenario('sink_b', 2);
    const t = tally();
    await deliver(sink, shuffle(rng, cut(rng, w.perBucket, 40)), t);
    expect(t.early).toBeGreaterThan(0);
    expect(t).toMatchObject({ applied: w.total, skipped: 0 });
    await expectDestinationEqualsModel(w);
    await expectWatermarks(sink, w);
  });

  it('(c) every batch delivered twice', async () => {
    const { w, sink, rng } = await scenario('sink_c', 3);
    const batches = cut(rng, w.perBucket, 30);
    // Each duplicate somewhere after its original (up to 10 batches later), then a little local reordering.
    const queue = batches.flatMap((b, i) => [{ b, at: i }, { b, at: i + rng() * 10 }]).sort((x, y) => x.at - y.at).map((x) => x.b);
    expect(queue.length).toBe(2 * batches.length);
    const t = tally();
    await deliver(sink, shuffle(rng, queue, 3), t);
    expect(t).toMatchObject({ applied: w.total, skipped: w.total });
    await expectDestinationEqualsModel(w);
    await expectWatermarks(sink, w);
  });

  it('(d) re-batched after a reader restart: overlapping batches with other boundaries', async () => {
    const { w, sink, rng } = await scenario('sink_d', 4);
    const all = w.perBucket.flat().sort((a, b) => comparePositions(a.pos, b.pos));
    const checkpoint = all[Math.floor(all.length * 0.4)]!.pos; // where the restarted reader reads from
    const crash = all[Math.floor(all.length * 0.6)]!.pos; // how far the first reader got batches applied
    const original = cut(rng, w.perBucket, 25);
    const t = tally();
    // The prefix: in order, every original batch that starts before the crash point (so all before the checkpoint).
    await deliver(sink, original.filter((b) => comparePositions(b.changes[0]!.pos, crash) < 0), t);
    const appliedBefore = t.applied;
    expect(appliedBefore).toBeGreaterThan(0);
    expect(appliedBefore).toBeLessThan(w.total);
    // The restarted reader re-reads from the checkpoint and cuts differently; its first batch per bucket has prev null.
    const reread = w.perBucket.map((seq) => seq.filter((c) => comparePositions(c.pos, checkpoint) >= 0));
    const rebatched = cut(rng, reread, 40);
    await deliver(sink, shuffle(rng, [...rebatched, ...rebatched.filter(() => rng() < 0.3)], 8), t);
    expect(t.applied).toBe(w.total);
    expect(t.skipped).toBeGreaterThan(0); // batches straddling the watermark were partly skipped
    await expectDestinationEqualsModel(w);
    await expectWatermarks(sink, w);
  });

  it('(e) 4 concurrent workers on a shared queue, shuffled, with duplicates', async () => {
    const { w, sink, rng } = await scenario('sink_e', 5);
    const batches = cut(rng, w.perBucket, 30);
    const queue = shuffle(rng, [...batches, ...batches], 12);
    const t = tally();
    await deliver(sink, queue, t, 4);
    expect(t).toMatchObject({ applied: w.total, skipped: w.total });
    await expectDestinationEqualsModel(w);
    await expectWatermarks(sink, w);
  });

  it('(f) connections killed mid-apply: reconnects and retries, nothing lost or doubled', async () => {
    const user = uniqueName('sinku').slice(0, 64);
    const password = 'pw-' + user;
    await admin.query(`CREATE USER ${quoteString(user)}@'%' IDENTIFIED BY ${quoteString(password)}`);
    await admin.query(`GRANT ALL PRIVILEGES ON *.* TO ${quoteString(user)}@'%'`);
    try {
      const db = await newDatabase('sink_f', workloadDdl);
      const w = generateWorkload(db, 6, 1200);
      const rng = seededRandom(66);
      const sink = await openSink(4, { ...testEndpoint(), user, password });
      const killer = await adminConnection();
      let kills = 0;
      let stop = false;
      const killing = (async () => {
        while (!stop && kills < 40) {
          await sleep(5 + int(rng, 20));
          const [ids] = await killer.query<RowDataPacket[]>('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
          for (const { id } of ids) {
            await killer.query(`KILL CONNECTION ${Number(id)}`).catch(() => {});
            kills++;
          }
        }
      })();
      const t = tally();
      try {
        await deliver(sink, shuffle(rng, [...cut(rng, w.perBucket, 30)], 6), t, 4, true);
      } finally {
        stop = true;
        await killing;
        await killer.end();
      }
      expect(kills).toBeGreaterThan(5);
      // A kill between COMMIT and its reply makes the retry see the batch as a replay, so `applied` may count less.
      expect(t.applied).toBeLessThanOrEqual(w.total);
      await expectDestinationEqualsModel(w);
      await expectWatermarks(sink, w);
    } finally {
      await admin.query(`DROP USER IF EXISTS ${quoteString(user)}@'%'`);
    }
  });
});

describe('MysqlSink: single batches', () => {
  const pos = (offset: number, row = 0): BinlogPosition => ({ file: 3, offset, row });
  const rowChange = (db: string, table: string, p: BinlogPosition, op: RowChange['op'], images: { before?: Row; after?: Row }): RowChange =>
    ({ kind: 'row', pos: p, ts: 0, table: { database: db, table }, key: ['id'], op, ...images });
  const ddl = (db: string, p: BinlogPosition, sql: string): DdlChange => ({ kind: 'ddl', pos: p, ts: 0, sql, database: db, tables: [] });

  it('a DDL batch applies once, even when delivered twice', async () => {
    const db = await newDatabase('sink_ddl', (d) => [`CREATE TABLE ${qualified(d, 't')} (id INT PRIMARY KEY)`]);
    const sink = await openSink(1);
    const batch: ChangeBatch = { bucket: DDL_BUCKET, prev: null, changes: [ddl(db, pos(100), 'ALTER TABLE t ADD COLUMN extra INT NULL')] };
    expect(await sink.apply(batch)).toEqual({ status: 'applied', applied: 1, skipped: 0, watermark: pos(100), ddlFailures: [] });
    expect(await sink.apply(batch)).toEqual({ status: 'applied', applied: 0, skipped: 1, watermark: pos(100), ddlFailures: [] });
    const [cols] = await admin.query<RowDataPacket[]>('SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, 't']);
    expect(cols.map((r) => r.c)).toEqual(['id', 'extra']);
    expect(await sink.watermark(DDL_BUCKET)).toEqual(pos(100));
    expect(await sink.watermark(0)).toBeNull(); // the DDL watermark is a bucket of its own
    // Two callers at once: the named lock lets one run it, the other sees it done.
    const next: ChangeBatch = { bucket: DDL_BUCKET, prev: pos(100), changes: [ddl(db, pos(200), 'ALTER TABLE t ADD COLUMN more INT NULL')] };
    const both = await Promise.all([sink.apply(next), sink.apply(next)]);
    expect(both.map((o) => o.applied).sort()).toEqual([0, 1]);
    expect(both.flatMap((o) => o.ddlFailures)).toEqual([]);
  });

  it('an early DDL batch is not run; a refused DDL is reported and the next one still applies', async () => {
    const db = await newDatabase('sink_ddl2', () => []);
    const sink = await openSink(1);
    const create: ChangeBatch = { bucket: DDL_BUCKET, prev: pos(10), changes: [ddl(db, pos(20), 'CREATE TABLE t2 (id INT PRIMARY KEY)')] };
    expect(await sink.apply(create)).toMatchObject({ status: 'early', applied: 0, watermark: null });
    const bad: ChangeBatch = { bucket: DDL_BUCKET, prev: null, changes: [ddl(db, pos(10), 'ALTER TABLE no_such_table ADD COLUMN x INT')] };
    const o = await sink.apply(bad);
    expect(o).toMatchObject({ status: 'applied', applied: 0, skipped: 0, watermark: pos(10) });
    expect(o.ddlFailures).toHaveLength(1);
    expect(o.ddlFailures[0]).toMatchObject({ sql: 'ALTER TABLE no_such_table ADD COLUMN x INT', pos: pos(10) });
    expect(o.ddlFailures[0]!.error).toMatch(/no_such_table.*doesn't exist/);
    expect(await sink.apply(create)).toMatchObject({ status: 'applied', applied: 1, ddlFailures: [] });
    const [t] = await admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, 't2']);
    expect(Number(t[0]!.n)).toBe(1);
    expect(await sink.apply(bad)).toMatchObject({ applied: 0, skipped: 1, ddlFailures: [] }); // a replay is not reported again
  });

  it('a refused row throws ApplyRejected naming its change; the batch rolls back and the watermark stays', async () => {
    const db = await newDatabase('sink_rej', (d) => [`CREATE TABLE ${qualified(d, 'r')} (id INT PRIMARY KEY, s VARCHAR(5))`]);
    const sink = await openSink(2);
    const c = (p: number, op: RowChange['op'], images: { before?: Row; after?: Row }): RowChange => rowChange(db, 'r', pos(p), op, images);
    await sink.apply({ bucket: 0, prev: null, changes: [c(10, 'insert', { after: { id: 1, s: 'ok' } })] });
    const batch: ChangeBatch = {
      bucket: 0, prev: pos(10), changes: [
        c(20, 'insert', { after: { id: 2, s: 'fine' } }),
        c(30, 'update', { before: { id: 1, s: 'ok' }, after: { id: 1, s: 'also' } }),
        c(40, 'insert', { after: { id: 3, s: 'far too long' } }),
        c(50, 'insert', { after: { id: 4, s: 'x' } }),
      ],
    };
    const e = await sink.apply(batch).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApplyRejected);
    const r = e as ApplyRejected;
    expect(r.pos).toEqual(pos(40));
    expect(r.table).toEqual({ database: db, table: 'r' });
    expect(r.op).toBe('insert');
    expect(r.errno).toBe(1406);
    expect(r.serverMessage).toMatch(/Data too long for column 's'/);
    expect(r.message).toContain('3:40#0');
    expect(r.code).toBe('LOAD_FAILED');
    expect(await sink.watermark(0)).toEqual(pos(10));
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT id, s FROM ${qualified(db, 'r')} ORDER BY id`);
    expect(rows.map((x) => ({ ...x }))).toEqual([{ id: 1, s: 'ok' }]);

    // A value with no SQL literal is refused the same way, naming its change.
    const nan = await sink.apply({ bucket: 1, prev: null, changes: [c(60, 'insert', { after: { id: 5, s: 'a' } }), c(70, 'insert', { after: { id: Number.NaN, s: 'b' } })] }).catch((x: unknown) => x);
    expect(nan).toBeInstanceOf(ApplyRejected);
    expect((nan as ApplyRejected).pos).toEqual(pos(70));
    expect((nan as ApplyRejected).cause).toBeInstanceOf(InvalidCellValue);
    expect(await sink.watermark(1)).toBeNull();
  });

  it('rows trading values of a secondary unique key in one batch land as the binlog says', async () => {
    const db = await newDatabase('sink_uq', (d) => [`CREATE TABLE ${qualified(d, 'u')} (id INT PRIMARY KEY, email VARCHAR(20) NOT NULL UNIQUE, n INT)`]);
    const sink = await openSink(1);
    const c = (p: number, op: RowChange['op'], images: { before?: Row; after?: Row }): RowChange => rowChange(db, 'u', pos(p), op, images);
    await sink.apply({ bucket: 0, prev: null, changes: [c(1, 'insert', { after: { id: 1, email: 'x', n: 0 } }), c(2, 'insert', { after: { id: 2, email: 'z', n: 0 } })] });
    // Row 1 gives up x, row 2 takes it, row 1 changes again. Reduced, row 2's upsert comes first and
    // collides with row 1 on email and with itself on id: refused, so the batch is redone change by change.
    const swap = await sink.apply({ bucket: 0, prev: pos(2), changes: [
      c(3, 'update', { before: { id: 1, email: 'x', n: 0 }, after: { id: 1, email: 'y', n: 0 } }),
      c(4, 'update', { before: { id: 2, email: 'z', n: 0 }, after: { id: 2, email: 'x', n: 0 } }),
      c(5, 'update', { before: { id: 1, email: 'y', n: 0 }, after: { id: 1, email: 'y', n: 1 } }),
    ] });
    expect(swap).toMatchObject({ status: 'applied', applied: 3, watermark: pos(5) });
    // A new row takes y, which row 1 gives up, and row 1 changes after that. Reduced, row 3's upsert
    // collides with row 1 only: the upsert turns row 1 into row 3, and row 1's own upsert re-creates it.
    const take = await sink.apply({ bucket: 0, prev: pos(5), changes: [
      c(6, 'update', { before: { id: 1, email: 'y', n: 1 }, after: { id: 1, email: 'w', n: 1 } }),
      c(7, 'insert', { after: { id: 3, email: 'y', n: 3 } }),
      c(8, 'update', { before: { id: 1, email: 'w', n: 1 }, after: { id: 1, email: 'w', n: 2 } }),
    ] });
    expect(take).toMatchObject({ status: 'applied', applied: 3, watermark: pos(8) });
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT id, email, n FROM ${qualified(db, 'u')} ORDER BY id`);
    expect(rows.map((x) => ({ ...x }))).toEqual([{ id: 1, email: 'w', n: 2 }, { id: 2, email: 'x', n: 0 }, { id: 3, email: 'y', n: 3 }]);
  });

  it('composite keys with NULL and large batches split into bounded statements', async () => {
    const db = await newDatabase('sink_big', (d) => [
      `CREATE TABLE ${qualified(d, 'w')} (id INT PRIMARY KEY, pad LONGTEXT)`,
      `CREATE TABLE ${qualified(d, 'n')} (a INT NULL, b INT NULL, v INT, UNIQUE KEY (a, b))`,
    ]);
    const sink = await openSink(1);
    const pad = 'p'.repeat(30_000); // 200 rows × 30 KB: several 1 MiB statements
    const changes: RowChange[] = [];
    for (let i = 0; i < 200; i++) changes.push(rowChange(db, 'w', pos(1000 + i), 'insert', { after: { id: i, pad: pad + i } }));
    for (let i = 0; i < 150; i++) changes.push(rowChange(db, 'w', pos(2000 + i), 'delete', { before: { id: i * 2, pad: pad + i } }));
    const n = (p: number, op: RowChange['op'], images: { before?: Row; after?: Row }): RowChange => ({ ...rowChange(db, 'n', pos(p), op, images), key: ['a', 'b'] });
    changes.push(
      n(3000, 'insert', { after: { a: 1, b: null, v: 1 } }),
      n(3001, 'insert', { after: { a: 2, b: 2, v: 2 } }),
      n(3002, 'insert', { after: { a: null, b: 3, v: 3 } }),
    );
    await sink.apply({ bucket: 2, prev: null, changes });
    await sink.apply({ bucket: 2, prev: pos(3002), changes: [n(3003, 'delete', { before: { a: 1, b: null, v: 1 } }), n(3004, 'delete', { before: { a: 2, b: 2, v: 2 } })] });
    const [w] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n, SUM(LENGTH(pad)) AS len, MIN(id) AS lo FROM ${qualified(db, 'w')}`);
    const left = Array.from({ length: 100 }, (_, i) => 2 * i + 1); // the even ids were deleted
    expect({ ...w[0] }).toEqual({ n: '100', len: String(left.reduce((a, id) => a + (pad + id).length, 0)), lo: 1 });
    const [nr] = await admin.query<RowDataPacket[]>(`SELECT a, b, v FROM ${qualified(db, 'n')}`);
    expect(nr.map((x) => ({ ...x }))).toEqual([{ a: null, b: 3, v: 3 }]);
  });

  it('refuses malformed batches before touching the destination', async () => {
    const sink = await openSink(1);
    const c = rowChange('x', 't', pos(5), 'insert', { after: { id: 1 } });
    await expect(sink.apply({ bucket: 0, prev: null, changes: [c, c] })).rejects.toThrow(InvalidBatch);
    await expect(sink.apply({ bucket: DDL_BUCKET, prev: null, changes: [c] })).rejects.toThrow(/row change in the DDL bucket/);
    await expect(sink.apply({ bucket: -2, prev: null, changes: [] })).rejects.toThrow(/bucket/);
    expect(await sink.apply({ bucket: 0, prev: null, changes: [] })).toMatchObject({ status: 'applied', applied: 0, watermark: null });
  });
});

describe('sqlLiteral', () => {
  it('writes every CellValue kind so the server reads it back exactly', async () => {
    const cases: Array<[CellValue, string]> = [
      [null, 'NULL'],
      [0, '0'],
      [-42, '-42'],
      [0.1, '0.1'],
      [1e300, '1e+300'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
      ['', "''"],
      ["it's \"q\" \\ \0 \n \r \t \x1a 😀", "'it\\'s \\\"q\\\" \\\\ \\0 \\n \\r \\t \\Z 😀'"],
      [{ n: '18446744073709551615' }, '18446744073709551615'],
      [{ n: '-12345678901234567890.0123456789' }, '-12345678901234567890.0123456789'],
      [{ n: '1.5e-3' }, '1.5e-3'],
      [{ b: '' }, "''"],
      [{ b: Buffer.from([0, 1, 0xff, 0]).toString('base64') }, "X'0001ff00'"],
    ];
    for (const [v, lit] of cases) expect(sqlLiteral(v)).toBe(lit);
    const [rows] = await admin.query<RowDataPacket[]>(
      `SELECT ${sqlLiteral("it's \"q\" \\ \0 \n 😀")} AS s, HEX(${sqlLiteral({ b: Buffer.from([0, 1, 0xff, 0]).toString('base64') })}) AS b, ` +
      `CAST(${sqlLiteral({ n: '18446744073709551615' })} AS CHAR) AS n, ${sqlLiteral(0.1)} + 0e0 AS d`,
    );
    expect({ ...rows[0] }).toEqual({ s: "it's \"q\" \\ \0 \n 😀", b: '0001FF00', n: '18446744073709551615', d: 0.1 });
  });

  it('writes the bytes of a 32 MiB value (a regex of 4-character groups overflowed the stack on such a value)', () => {
    const bytes = Buffer.alloc(32 * 1024 * 1024, 0xab);
    const literal = sqlLiteral({ b: bytes.toString('base64') });
    expect(literal.length).toBe(3 + 2 * bytes.length);
    expect(literal.slice(0, 8)).toBe("X'ababab");
  });

  it('refuses values without a literal', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, -Infinity, { n: '1; DROP TABLE t' }, { n: '0x10' }, { n: '' }, { b: 'not base64!' }, { b: 'AAE' }, { b: 'AA=A' }, { b: 'A===' }, { b: '====' }, { b: 'AAAA\n' }]) {
      expect(() => sqlLiteral(v as CellValue), JSON.stringify(v)).toThrow(InvalidCellValue);
    }
  });
});

// ---- throughput ----------------------------------------------------------------------------------

/**
 * Volume, not a timed assertion (rates are measured by scripts/bench/incremental.ts): applies an
 * OLTP change stream (insert:update:delete = 3:1:2, ~1 KB rows, 20 tables, batches of ~2,000 changes
 * per bucket, 4 buckets in parallel), checks the counts, and prints rows/s.
 * FC_DTS_APPLY_BENCH_CHANGES sets the size (30,000 by default, to keep the suite short).
 */
describe('MysqlSink under an OLTP stream', () => {
  it('applies every change of 20 tables in 4 parallel buckets', async () => {
    const total = Number(process.env.FC_DTS_APPLY_BENCH_CHANGES ?? 30_000);
    const tables = 20;
    const db = await newDatabase('sink_bench', (d) => Array.from({ length: tables }, (_, i) =>
      `CREATE TABLE ${qualified(d, `t${i}`)} (id BIGINT PRIMARY KEY, k INT NOT NULL, c1 VARCHAR(255), c2 VARCHAR(255), c3 VARCHAR(255), c4 VARCHAR(255), amount DECIMAL(12,2), at DATETIME(6), INDEX (k)) ENGINE=InnoDB`));
    const rng = seededRandom(2024);
    const text = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(97 + int(rng, 26))).join('');
    const pieces = Array.from({ length: 64 }, () => text(240));
    const live = Array.from({ length: tables }, () => ({ ids: [] as number[], rows: new Map<number, Row>() }));
    const perBucket: RowChange[][] = Array.from({ length: B }, () => []);
    let nextId = 1;
    const row = (id: number, i: number): Row => ({
      id, k: int(rng, 1e6), c1: `${i} ${pieces[i % 64]}`, c2: pieces[(i * 7) % 64]!, c3: pieces[(i * 13) % 64]!, c4: pieces[(i * 31) % 64]!,
      amount: { n: `${int(rng, 1e8)}.${String(int(rng, 100)).padStart(2, '0')}` }, at: '2024-05-06 07:08:09.123456',
    });
    for (let i = 0; i < total; i++) {
      const t = int(rng, tables);
      const s = live[t]!;
      const table: TableRef = { database: db, table: `t${t}` };
      const r = int(rng, 6);
      const base = { kind: 'row' as const, pos: { file: 1, offset: 4 + i * 100, row: 0 }, ts: 0, table, key: ['id'] };
      const bucket = (id: number): RowChange[] => perBucket[fnv1a(`t${t}\0${id}`) % B]!;
      if (r < 3 || s.ids.length === 0) {
        const after = row(nextId++, i);
        s.ids.push(after.id as number);
        s.rows.set(after.id as number, after);
        bucket(after.id as number).push({ ...base, op: 'insert', after });
      } else {
        const at = int(rng, s.ids.length);
        const id = s.ids[at]!;
        const before = s.rows.get(id)!;
        if (r === 3) {
          const after = { ...before, k: int(rng, 1e6), c1: `${i} ${pieces[i % 64]}` };
          s.rows.set(id, after);
          bucket(id).push({ ...base, op: 'update', before, after });
        } else {
          s.ids[at] = s.ids[s.ids.length - 1]!;
          s.ids.pop();
          s.rows.delete(id);
          bucket(id).push({ ...base, op: 'delete', before });
        }
      }
    }
    const batchesPerBucket = perBucket.map((seq) => {
      const out: ChangeBatch[] = [];
      for (let i = 0, prev: BinlogPosition | null = null; i < seq.length; i += 2000) {
        const changes = seq.slice(i, i + 2000);
        out.push({ bucket: perBucket.indexOf(seq), prev, changes });
        prev = changes[changes.length - 1]!.pos;
      }
      return out;
    });
    const bytes = perBucket.flat().reduce((n, c) => n + JSON.stringify(c.after ?? c.before).length, 0);

    const sink = await openSink(4);
    const started = performance.now();
    const applied = await Promise.all(batchesPerBucket.map(async (batches) => {
      let n = 0;
      for (const b of batches) n += (await sink.apply(b)).applied;
      return n;
    }));
    const seconds = (performance.now() - started) / 1000;
    expect(applied.reduce((a, b) => a + b, 0)).toBe(total);
    const [count] = await admin.query<RowDataPacket[]>(Array.from({ length: tables }, (_, i) => `SELECT COUNT(*) AS n FROM ${qualified(db, `t${i}`)}`).join(' UNION ALL '));
    expect(count.reduce((a, r) => a + Number(r.n), 0)).toBe(live.reduce((a, s) => a + s.ids.length, 0));
    console.log(
      `[apply throughput] ${total} row changes (${(bytes / total).toFixed(0)} B/row image, ${tables} tables, ${B} buckets × batches of 2000) ` +
      `in ${seconds.toFixed(2)} s: ${Math.round(total / seconds)} rows/s, ${(bytes / seconds / 1e6).toFixed(1)} MB/s`,
    );
  });
});
