/**
 * The Lindorm sink against the Lindorm stand-in (MySQL protocol, mysql2), with its watermarks in a real
 * state directory: full after-images, NULLs, deletes and key changes read back exactly; replays and early
 * batches; statements at the row and byte bounds; rows refused before sending and by the server; the
 * stand-in's faults (a connection dropped mid-UPSERT, transient errors); DDL batches; two processes
 * sharing buckets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLindormStandIn, type LindormStandIn } from '../infra/lindorm-standin/index.ts';
import { RecordedWatermarks } from '../shared/apply/recorded-watermarks.ts';
import { ApplyRejected, DDL_BUCKET } from '../shared/apply/sink.ts';
import type { ChangeBatch, DdlChange, Row, RowChange } from '../shared/change/change-event.ts';
import type { BinlogPosition } from '../shared/change/position.ts';
import type { LindormDestinationConfig } from '../shared/destinations/lindorm/config.ts';
import { LindormSessions } from '../shared/destinations/lindorm/lindorm-session.ts';
import { LindormSink } from '../shared/destinations/lindorm/lindorm-sink.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';

let standIn: LindormStandIn;
let config: LindormDestinationConfig;
let reader: Connection;
let dir: string;
let positionCounter = 1000;

const TYPES = { id: 'int', name: 'varchar(40)', price: 'decimal(10,2)', seen: 'timestamp', at: 'datetime' };

function pos(): BinlogPosition {
  return { file: 1, offset: positionCounter++, row: 0 };
}

function change(op: RowChange['op'], table: string, images: { before?: Row; after?: Row }, key: readonly string[] = ['id']): RowChange {
  return { kind: 'row', pos: pos(), ts: 0, table: { database: 'shop', table }, key, op, ...images, types: TYPES };
}

function row(id: number, name: string | null, extra: Partial<Row> = {}): Row {
  return { id, name, price: { n: '1.50' }, seen: '2026-01-02 03:04:05.678', at: '2026-01-02 03:04:05', ...extra };
}

async function openSink(options: { owner?: string; connections?: number; rows?: number; bytes?: number; store?: FileStateStore } = {}): Promise<LindormSink> {
  const store = options.store ?? new FileStateStore(join(dir, 'state'));
  const shared = options.owner ? { owner: options.owner, claimMs: 60_000 } : undefined;
  return new LindormSink({
    sessions: await LindormSessions.open(config, options.connections ?? 2),
    watermarks: new RecordedWatermarks(store, 'lindorm-apply', 'sink-test', shared),
    connections: options.connections ?? 2,
    limits: { rows: options.rows ?? 500, bytes: options.bytes ?? 4 << 20 },
  });
}

async function select(sql: string): Promise<RowDataPacket[]> {
  const [rows] = await reader.query<RowDataPacket[]>(sql);
  return rows;
}

function batch(bucket: number, prev: BinlogPosition | null, changes: readonly RowChange[] | readonly DdlChange[]): ChangeBatch {
  return { bucket, prev, changes };
}

beforeAll(async () => {
  standIn = await startLindormStandIn({ password: 'sink-pw' });
  config = { type: 'lindorm', host: standIn.host, port: standIn.port, user: standIn.user, password: 'sink-pw', database: 'default', ssl: false, timeZone: '+08:00' };
  reader = await mysql.createConnection({ host: standIn.host, port: standIn.port, user: standIn.user, password: 'sink-pw', database: 'default', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
});

afterAll(async () => {
  await reader?.end();
  await standIn?.close();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lindorm-sink-'));
  for (const t of ['items', 'pairs']) await reader.query(`DROP TABLE IF EXISTS ${t}`);
  await reader.query('CREATE TABLE items (id INTEGER, name VARCHAR, price DECIMAL(10,2), seen TIMESTAMP, at TIMESTAMP, PRIMARY KEY (id))');
  standIn.faults.clear();
  standIn.counters.reset();
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('rows', () => {
  it('writes inserts, an update that nulls a column, a delete and a key change, each exactly as the images say', async () => {
    const sink = await openSink();
    const first = [
      change('insert', 'items', { after: row(1, 'one') }),
      change('insert', 'items', { after: row(2, 'two') }),
      change('insert', 'items', { after: row(3, 'three') }),
    ];
    expect(await sink.apply(batch(0, null, first))).toMatchObject({ status: 'applied', applied: 3 });
    const second = [
      change('update', 'items', { before: row(1, 'one'), after: row(1, null, { price: null }) }),
      change('delete', 'items', { before: row(2, 'two') }),
      change('update', 'items', { before: row(3, 'three'), after: row(30, 'thirty') }),
    ];
    expect(await sink.apply(batch(0, first.at(-1)!.pos, second))).toMatchObject({ status: 'applied', applied: 3, watermark: second.at(-1)!.pos });
    expect(await select('SELECT * FROM items WHERE id >= 0')).toEqual([
      // TIMESTAMP: the UTC instant 03:04:05.678 shown in the session's +08:00; DATETIME as the wall time it was.
      { id: 1, name: null, price: null, seen: '2026-01-02 11:04:05.678', at: '2026-01-02 03:04:05.000' },
      { id: 30, name: 'thirty', price: '1.50', seen: '2026-01-02 11:04:05.678', at: '2026-01-02 03:04:05.000' },
    ]);
    await sink.close();
  });

  it('skips changes at or below the watermark and reports a batch whose predecessor is not applied as early', async () => {
    const sink = await openSink();
    const first = [change('insert', 'items', { after: row(1, 'a') }), change('insert', 'items', { after: row(2, 'b') })];
    await sink.apply(batch(0, null, first));
    await reader.query("UPSERT INTO items (id, name) VALUES (1, 'changed by hand')");
    expect(await sink.apply(batch(0, null, first))).toMatchObject({ status: 'applied', applied: 0, skipped: 2 });
    expect(await select('SELECT name FROM items WHERE id = 1')).toEqual([{ name: 'changed by hand' }]);
    const later = [change('insert', 'items', { after: row(9, 'z') })];
    expect(await sink.apply(batch(0, pos(), later))).toMatchObject({ status: 'early', applied: 0 });
    expect(await select('SELECT id FROM items WHERE id = 9')).toEqual([]);
    expect(await (await openSink()).watermark(0)).toEqual(first[1]!.pos);
    await sink.close();
  });

  it('cuts UPSERTs at the row bound and at the byte bound', async () => {
    const sink = await openSink({ rows: 2000, connections: 1 });
    const many = Array.from({ length: 4001 }, (_, i) => change('insert', 'items', { after: row(i, `n${i}`) }));
    await sink.apply(batch(0, null, many));
    expect(standIn.counters.upsertBatches).toEqual([2000, 2000, 1]);
    standIn.counters.reset();
    const wide = await openSink({ bytes: 64 * 1024, connections: 1, store: new FileStateStore(join(dir, 'wide')) });
    const big = Array.from({ length: 10 }, (_, i) => change('insert', 'items', { after: row(10_000 + i, 'x'.repeat(20_000)) }));
    await wide.apply(batch(1, null, big));
    expect(standIn.counters.upsertBatches).toEqual([3, 3, 3, 1]);
    expect((await select('SELECT COUNT(*) AS n FROM items WHERE id >= 10000'))[0]).toEqual({ n: '10' });
    await sink.close();
    await wide.close();
  });

  it('refuses a row Lindorm cannot hold before sending anything, naming its change', async () => {
    const sink = await openSink();
    const bad = change('insert', 'items', { after: row(5, 'x', { price: { n: '123456789.5' } }) });
    const error = await sink.apply(batch(0, null, [change('insert', 'items', { after: row(4, 'ok') }), bad])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyRejected);
    expect((error as ApplyRejected).pos).toEqual(bad.pos);
    expect((error as ApplyRejected).message).toMatch(/column price: .*DECIMAL\(10,2\)/);
    expect(standIn.counters.statements['upsert'] ?? 0).toBe(0);
    await sink.close();
  });

  it('finds the row at fault when Lindorm refuses a multi-row UPSERT', async () => {
    // A stand-in whose rows take 40 bytes of non-key values: the sink's own checks (2 MB) pass them all.
    const strict = await startLindormStandIn({ password: 'sink-pw', limits: { rowValueBytes: 40 } });
    try {
      const c = await mysql.createConnection({ host: strict.host, port: strict.port, user: strict.user, password: 'sink-pw', database: 'default' });
      await c.query('CREATE TABLE items (id INTEGER, name VARCHAR, price DECIMAL(10,2), seen TIMESTAMP, at TIMESTAMP, PRIMARY KEY (id))');
      await c.end();
      const sink = new LindormSink({
        sessions: await LindormSessions.open({ ...config, port: strict.port }, 1),
        watermarks: new RecordedWatermarks(new FileStateStore(join(dir, 'strict')), 'lindorm-apply', 'sink-test'),
        connections: 1,
        limits: { rows: 500, bytes: 4 << 20 },
      });
      const changes = [change('insert', 'items', { after: row(1, 'short') }), change('insert', 'items', { after: row(2, 'x'.repeat(30)) }), change('insert', 'items', { after: row(3, 'x') })];
      const error = (await sink.apply(batch(0, null, changes)).catch((e: unknown) => e)) as ApplyRejected;
      expect(error).toBeInstanceOf(ApplyRejected);
      expect(error.pos).toEqual(changes[1]!.pos);
      expect(error.serverMessage).toMatch(/non-primary-key data of a row is \d+ bytes, more than the limit of 40 bytes/);
      expect(strict.counters.upsertBatches).toEqual([1]);
      await sink.close();
    } finally {
      await strict.close();
    }
  });
});

describe('faults', () => {
  it('ends exact when the connection drops in the middle of an UPSERT and when Lindorm is busy', async () => {
    const sink = await openSink({ connections: 1 });
    standIn.faults.dropConnectionAfterRows(100);
    standIn.faults.failStatements('upsert', 2);
    standIn.faults.failStatements('delete', 1);
    const inserts = Array.from({ length: 300 }, (_, i) => change('insert', 'items', { after: row(i, `v${i}`) }));
    await sink.apply(batch(0, null, inserts));
    const deletes = Array.from({ length: 50 }, (_, i) => change('delete', 'items', { before: row(i * 2, `v${i * 2}`) }));
    await sink.apply(batch(0, inserts.at(-1)!.pos, deletes));
    expect(standIn.faults.pending).toBe(0);
    const ids = (await select('SELECT id FROM items WHERE id >= 0')).map((r) => r['id']);
    expect(ids).toEqual(Array.from({ length: 300 }, (_, i) => i).filter((i) => i >= 100 || i % 2 === 1));
    await sink.close();
  });
});

describe('DDL', () => {
  const ddl = (sql: string, tables: readonly string[]): DdlChange => ({ kind: 'ddl', pos: pos(), ts: 0, sql, database: 'shop', tables: tables.map((table) => ({ database: 'shop', table })) });

  it('creates a table, adds a column without its attributes, writes the new column, and drops the table', async () => {
    const sink = await openSink();
    const create = ddl('CREATE TABLE pairs (a INT NOT NULL, b VARCHAR(10) NOT NULL, v BIGINT UNSIGNED DEFAULT 0, PRIMARY KEY (a, b)) ENGINE=InnoDB', ['pairs']);
    const add = ddl("ALTER TABLE pairs ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT 'x' COMMENT 'c'", ['pairs']);
    expect(await sink.apply(batch(DDL_BUCKET, null, [create, add]))).toMatchObject({ status: 'applied', applied: 2, ddlFailures: [] });
    expect((await select('DESCRIBE pairs')).map((r) => [r['COLUMN_NAME'], r['TYPE'], r['IS_PRIMARY_KEY']])).toEqual([
      ['a', 'INTEGER', 'true'], ['b', 'VARCHAR', 'true'], ['v', 'DECIMAL(20,0)', 'false'], ['note', 'VARCHAR', 'false'],
    ]);
    const types = { a: 'int', b: 'varchar(10)', v: 'bigint unsigned', note: 'varchar(20)' };
    const insert: RowChange = { kind: 'row', pos: pos(), ts: 0, table: { database: 'shop', table: 'pairs' }, key: ['a', 'b'], op: 'insert', after: { a: 1, b: 'k', v: { n: '18446744073709551615' }, note: 'added' }, types };
    await sink.apply(batch(0, null, [insert]));
    expect(await select("SELECT * FROM pairs WHERE a = 1")).toEqual([{ a: 1, b: 'k', v: '18446744073709551615', note: 'added' }]);
    const drop = ddl('DROP TABLE pairs', ['pairs']);
    await sink.apply(batch(DDL_BUCKET, add.pos, [drop]));
    expect((await select("SHOW TABLES LIKE 'pairs'")).length).toBe(0);
    // Replayed from an older watermark: nothing fails (IF NOT EXISTS, a column already there, IF EXISTS).
    const again = await openSink({ store: new FileStateStore(join(dir, 'again')) });
    expect(await again.apply(batch(DDL_BUCKET, null, [create, add]))).toMatchObject({ status: 'applied', ddlFailures: [] });
    expect(await again.apply(batch(DDL_BUCKET, add.pos, [create, add, drop]))).toMatchObject({ status: 'applied', ddlFailures: [] });
    const replayed = await openSink({ store: new FileStateStore(join(dir, 'replayed')) });
    expect(await replayed.apply(batch(DDL_BUCKET, null, [create, add]))).toMatchObject({ status: 'applied', ddlFailures: [] });
    await sink.close();
    await again.close();
  });

  it('reports an ADD COLUMN Lindorm refuses as a failed DDL and goes on', async () => {
    const sink = await openSink();
    const add = ddl('ALTER TABLE items ADD COLUMN name VARCHAR(5), ADD COLUMN extra INT', ['items']);
    const outcome = await sink.apply(batch(DDL_BUCKET, null, [add]));
    expect(outcome).toMatchObject({ status: 'applied', watermark: add.pos });
    expect(outcome.ddlFailures).toEqual([{ sql: add.sql, error: expect.stringMatching(/Duplicate column name 'name'/), pos: add.pos }]);
    await sink.close();
  });
});

describe('shared buckets', () => {
  it('lets one process apply a bucket at a time, and the other once the claim is given up', async () => {
    const store = new FileStateStore(join(dir, 'shared'));
    const a = await openSink({ owner: 'instance-a', store });
    const b = await openSink({ owner: 'instance-b', store });
    const held = new RecordedWatermarks(store, 'lindorm-apply', 'sink-test', { owner: 'instance-a', claimMs: 60_000 });
    const claim = await held.claim(0);
    const changes = [change('insert', 'items', { after: row(1, 'x') })];
    expect(await b.apply(batch(0, null, changes))).toMatchObject({ status: 'early', applied: 0 });
    expect(claim).not.toBe('busy');
    await held.release(claim as Exclude<typeof claim, 'busy'>);
    expect(await b.apply(batch(0, null, changes))).toMatchObject({ status: 'applied', applied: 1 });
    expect(await a.apply(batch(0, null, changes))).toMatchObject({ status: 'applied', applied: 0, skipped: 1 });
    await a.close();
    await b.close();
  });
});
