/**
 * TablestoreStateStore against the local Tablestore stand-in through the official client: the StateStore
 * contract, documents and payloads over the 2 MB column limit, the reader lease with its fencing token,
 * watermark compare-and-set, persistence, retries of transient failures, and writes whose answer is lost.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import TableStore from 'tablestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTablestoreStandIn, type TablestoreStandIn } from '../infra/tablestore-standin/index.ts';
import type { BinlogPosition, ReaderPosition } from '../shared/change/position.ts';
import { FcDtsError } from '../shared/errors.ts';
import { failure as failureOf } from './helpers/failure.ts';
import { LeaseLost, type ReaderLease } from '../shared/state/distributed-state.ts';
import { initialTaskState, type DirtyRecord, type FullLoadPlan, type TaskState } from '../shared/state/state-store.ts';
import { TablestoreStateStore, type TablestoreStateStoreOptions } from '../shared/state/tablestore-state-store.ts';

const AK = 'state-store-test-key';
const SECRET = 'state-store-test-secret';
const TABLE = 'fc_dts_state';

function optionsFor(standIn: { endpoint: string; instance: string }, task: string, extra: Partial<TablestoreStateStoreOptions> = {}): TablestoreStateStoreOptions {
  return { endpoint: standIn.endpoint, instance: standIn.instance, accessKeyId: AK, accessKeySecret: SECRET, task, ...extra };
}

function rawClient(standIn: TablestoreStandIn): TableStore.Client {
  return new TableStore.Client({ endpoint: standIn.endpoint, instancename: standIn.instance, accessKeyId: AK, secretAccessKey: SECRET });
}

/** Item names of a task's rows starting with `prefix` (read straight from the table). */
async function itemsUnder(client: TableStore.Client, task: string, prefix: string): Promise<string[]> {
  const items: string[] = [];
  let start: TableStore.RangeKey = [{ task }, { item: prefix }];
  for (;;) {
    const page = await client.getRange({
      tableName: TABLE,
      direction: 'FORWARD',
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: [{ task }, { item: `${prefix}\uffff` }],
    });
    items.push(...page.rows.map((r) => String(r.primaryKey[1]?.value)));
    if (!page.nextStartPrimaryKey) return items;
    start = page.nextStartPrimaryKey.map((c) => ({ [c.name]: c.value }));
  }
}

const failure = (call: Promise<unknown>): Promise<FcDtsError> => failureOf(call, FcDtsError);

const pos = (file: number, offset: number, row = 0): BinlogPosition => ({ file, offset, row });

function readerPosition(offset: number): ReaderPosition {
  return { file: 'mariadb-bin.000002', offset, lastSent: { '0': pos(2, offset - 10), '7': pos(1, 999, 3) }, at: new Date(1_767_225_600_000 + offset).toISOString() };
}

function plan(tables: number, chunksPerTable: number): FullLoadPlan {
  const key = (i: number) => `'${'customer-'.repeat(3)}${i}'`;
  return {
    position: { file: 'mariadb-bin.000003', offset: 12_345, gtid: '0-1-42', flavor: 'mariadb', at: '2026-01-01T00:00:00.000Z' },
    tables: Array.from({ length: tables }, (_, t) => ({
      table: `shop.t${t}`,
      target: `copy.t${t}`,
      chunks: Array.from({ length: chunksPerTable }, (_, i) => ({ index: i, lower: i === 0 ? null : [key(i)], upper: [key(i + 1)] })),
    })),
  };
}

function dirty(n: number, row = `(${n},'x')`): DirtyRecord {
  return { table: 'shop.orders', phase: 'incremental', position: `2:${100 + n}#0`, reason: `rejected ${n}`, row, at: new Date(1_767_225_600_000 + n).toISOString() };
}

/** Runs `f` over `items` with at most `n` calls in flight. */
async function pool<T>(items: readonly T[], n: number, f: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await f(items[next++]!);
  }));
}

describe('TablestoreStateStore', () => {
  let standIn: TablestoreStandIn;
  let raw: TableStore.Client;
  const open = (task: string, extra?: Partial<TablestoreStateStoreOptions>) => TablestoreStateStore.open(optionsFor(standIn, task, extra));

  beforeAll(async () => {
    standIn = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET, port: 0 });
    raw = rawClient(standIn);
  });
  afterAll(async () => {
    await standIn.close();
  });

  it('creates the state table once, keyed by task and item, and refuses a table with another key', async () => {
    await open('t-table-a');
    await open('t-table-b');
    const described = await raw.describeTable({ tableName: TABLE });
    expect(described.tableMeta.primaryKey.map((c) => [c.name, c.type])).toEqual([
      ['task', TableStore.PrimaryKeyType.STRING],
      ['item', TableStore.PrimaryKeyType.STRING],
    ]);
    expect(described.tableOptions).toMatchObject({ timeToLive: -1, maxVersions: 1 });
    expect((await raw.listTable({})).tableNames.filter((t) => t === TABLE)).toHaveLength(1);

    await raw.createTable({
      tableMeta: { tableName: 'not_state', primaryKey: [{ name: 'id', type: 'INTEGER' }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    const refused = await failure(open('t-table-a', { table: 'not_state' }));
    expect(refused.code).toBe('STATE_INVALID');
    expect(refused.message).toContain('not_state');
    expect(refused.message).toContain('primary key (id INTEGER), not (task STRING, item STRING)');
  });

  it('keeps task state and checkpoint per task: absent, written, replaced', async () => {
    const a = await open('t-state-a');
    const b = await open('t-state-b');
    expect(await a.getTaskState()).toBeUndefined();
    expect(await a.getCheckpoint()).toBeUndefined();
    const state: TaskState = { ...initialTaskState(), phase: 'full-load', ownedTables: ['copy.orders'], schemaDone: true };
    await a.putTaskState(state);
    await a.putCheckpoint({ file: 'mariadb-bin.000001', offset: 4, at: '2026-01-01T00:00:00.000Z' });
    expect(await a.getTaskState()).toEqual(state);
    const next: TaskState = { ...state, phase: 'incremental', lastError: { code: 'LOAD_FAILED', message: 'boom', at: state.updatedAt } };
    await a.putTaskState(next);
    await a.putCheckpoint({ file: 'mariadb-bin.000002', offset: 120, at: '2026-01-02T00:00:00.000Z' });
    expect(await a.getTaskState()).toEqual(next);
    expect(await a.getCheckpoint()).toEqual({ file: 'mariadb-bin.000002', offset: 120, at: '2026-01-02T00:00:00.000Z' });
    expect(await b.getTaskState()).toBeUndefined();
    expect(await b.getCheckpoint()).toBeUndefined();
  });

  it('stores plans over 2 MB (inline in two columns, and in part rows), and replacing one deletes its old parts', async () => {
    const store = await open('t-plan');
    expect(await store.getPlan()).toBeUndefined();

    const medium = plan(30, 1000); // over one 2 MB column, under the 4 MB a row holds
    expect(JSON.stringify(medium).length).toBeGreaterThan(2_100_000);
    expect(JSON.stringify(medium).length).toBeLessThan(4_000_000);
    await store.putPlan(medium);
    expect(await store.getPlan()).toEqual(medium);
    expect(await itemsUnder(raw, 't-plan', 'part/')).toEqual([]);

    const big = plan(100, 1000);
    expect(JSON.stringify(big).length).toBeGreaterThan(8_000_001);
    await store.putPlan(big);
    expect(await store.getPlan()).toEqual(big);
    const parts = await itemsUnder(raw, 't-plan', 'part/plan/');
    expect(parts.length).toBe(Math.ceil(Buffer.byteLength(JSON.stringify(big)) / 4_000_000));

    const small = plan(1, 3);
    await store.putPlan(small);
    expect(await store.getPlan()).toEqual(small);
    expect(await itemsUnder(raw, 't-plan', 'part/')).toEqual([]);
    // Another instance of the same task reads what this one wrote.
    expect(await (await open('t-plan')).getPlan()).toEqual(small);
  });

  it('records more than 5000 finished chunks and reads them all back (GetRange paging), apart per task', async () => {
    const store = await open('t-chunks');
    const done = Array.from({ length: 5_150 }, (_, i) => ({ table: `shop.t${i % 3}`, chunk: i, rows: i * 10, bytes: i === 7 ? 2 ** 40 : i * 1000 }));
    await pool(done, 64, (d) => store.markChunkDone(d));
    await store.markChunkDone(done[7]!); // again: still one record
    const back = await store.doneChunks();
    expect(back).toHaveLength(done.length);
    const byKey = (d: { table: string; chunk: number }) => `${d.table}#${d.chunk}`;
    expect(new Map(back.map((d) => [byKey(d), d]))).toEqual(new Map(done.map((d) => [byKey(d), d])));
    expect(await (await open('t-chunks-other')).doneChunks()).toEqual([]);
  });

  it('records dirty rows (one over 4 MB) and lists them in the order recorded', async () => {
    const store = await open('t-dirty');
    expect(await store.dirtyRecords()).toEqual([]);
    const records = [dirty(1), dirty(2), dirty(3, `(3,'${'y'.repeat(5_000_000)}')`), dirty(4), dirty(5)];
    for (const r of records) await store.recordDirty(r);
    expect(await store.dirtyRecords()).toEqual(records);
    expect(await (await open('t-dirty-other')).dirtyRecords()).toEqual([]);
  });

  it('round-trips payloads of 0 bytes, 100 KB and 5 MB exactly, and detects a damaged one', async () => {
    const store = await open('t-payload');
    const payloads = new Map([
      ['t-payload/0/1:4#0', Buffer.alloc(0)],
      ['t-payload/1/1:900#2', randomBytes(100 * 1024)],
      ['t-payload/2/3:77#0', randomBytes(5 * 1024 * 1024)],
    ]);
    for (const [id, data] of payloads) await store.putPayload(id, data);
    for (const [id, data] of payloads) {
      const back = await store.getPayload(id);
      expect(back?.length).toBe(data.length);
      expect(back?.equals(data)).toBe(true);
    }
    expect(await store.getPayload('t-payload/9/9:9#9')).toBeUndefined();

    // Rewritten with other bytes (a restarted reader re-sending): the new bytes, and no stale parts.
    const replacement = randomBytes(3000);
    await store.putPayload('t-payload/2/3:77#0', replacement);
    expect((await store.getPayload('t-payload/2/3:77#0'))?.equals(replacement)).toBe(true);
    expect(await itemsUnder(raw, 't-payload', 'part/')).toEqual([]);

    const large = randomBytes(9_000_000);
    await store.putPayload('t-payload/3/4:1#0', large);
    const parts = await itemsUnder(raw, 't-payload', 'part/payload/t-payload/3/4:1#0/');
    expect(parts).toHaveLength(3);
    await raw.deleteRow({ tableName: TABLE, primaryKey: [{ task: 't-payload' }, { item: parts[1]! }], condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null) });
    const damaged = await failure(store.getPayload('t-payload/3/4:1#0'));
    expect(damaged.code).toBe('STATE_INVALID');
    expect(damaged.message).toMatch(/payload\/t-payload\/3\/4:1#0.* is damaged: a document of 9000000 bytes in 3 row\(s\) of which parts are missing/);
  });

  it('lists payloads by id prefix in id order and deletes them, parts included', async () => {
    const store = await open('t-park');
    for (const id of ['parked/t/2/1:900#0', 'parked/t/1/1:40#2', 'parked/t/1/1:40#0', 'parked/u/1/1:1#0', 'other/x']) await store.putPayload(id, Buffer.from(id));
    await store.putPayload('parked/t/3/2:1#0', randomBytes(5_000_000));
    expect(await store.payloadIds('parked/t/')).toEqual(['parked/t/1/1:40#0', 'parked/t/1/1:40#2', 'parked/t/2/1:900#0', 'parked/t/3/2:1#0']);
    expect(await store.payloadIds('parked/t/1/')).toEqual(['parked/t/1/1:40#0', 'parked/t/1/1:40#2']);
    expect(await store.payloadIds('parked/t/1/1:40#2')).toEqual(['parked/t/1/1:40#2']);
    await store.deletePayload('parked/t/1/1:40#0');
    await store.deletePayload('parked/t/3/2:1#0');
    await store.deletePayload('parked/t/never/0:0#0'); // absent: nothing to do
    expect(await store.payloadIds('parked/t/')).toEqual(['parked/t/1/1:40#2', 'parked/t/2/1:900#0']);
    expect(await store.getPayload('parked/t/3/2:1#0')).toBeUndefined();
    expect(await itemsUnder(raw, 't-park', 'part/')).toEqual([]);
    expect((await store.getPayload('other/x'))?.toString()).toBe('other/x');
  });

  it('reader lease: concurrent acquirers, one winner; fencing by token; expiry; release', async () => {
    const [s1, s2, s3] = await Promise.all([open('t-lease'), open('t-lease'), open('t-lease')]);
    const firstRace = await Promise.all([s1.acquireLease('reader-a', 800), s2.acquireLease('reader-b', 800)]);
    expect(firstRace.filter((l) => l !== undefined)).toHaveLength(1);
    const holder = firstRace.find((l) => l !== undefined)!;
    expect(holder.token).toBe(1);
    const [mine, other] = holder.owner === 'reader-a' ? ([s1, s2] as const) : ([s2, s1] as const);
    const otherOwner = holder.owner === 'reader-a' ? 'reader-b' : 'reader-a';

    // The token is stored as an INTEGER column.
    const { row } = await raw.getRow({ tableName: TABLE, primaryKey: [{ task: 't-lease' }, { item: 'lease' }] });
    const token = row.attributes?.find((a) => a.columnName === 'token')?.columnValue;
    expect(typeof token).toBe('object');
    expect(token?.toString()).toBe('1');

    expect(await other.acquireLease(otherOwner, 800)).toBeUndefined();
    await mine.putReaderPosition(holder, readerPosition(100));
    expect(await other.getReaderPosition()).toEqual(readerPosition(100));

    await sleep(Math.max(0, holder.expiresAt - Date.now() + 20));
    const successor = await other.acquireLease(otherOwner, 60_000);
    expect(successor).toMatchObject({ owner: otherOwner, token: 2 });
    await expect(mine.putReaderPosition(holder, readerPosition(200))).rejects.toBeInstanceOf(LeaseLost);
    await expect(mine.renewLease(holder, 60_000)).rejects.toThrow(/no longer current; it is now reader-.'s with token 2/);
    await expect(mine.acquireLease(holder.owner, 60_000)).resolves.toBeUndefined();
    expect(await s3.getReaderPosition()).toEqual(readerPosition(100));

    await other.putReaderPosition(successor!, readerPosition(300));
    const renewed = await other.renewLease(successor!, 120_000);
    expect(renewed.token).toBe(2);
    expect(renewed.expiresAt).toBeGreaterThan(successor!.expiresAt);
    expect(await other.acquireLease(otherOwner, 60_000)).toMatchObject({ token: 2 }); // its own: kept

    await other.releaseLease(renewed);
    const third = await s3.acquireLease('reader-c', 60_000);
    expect(third).toMatchObject({ owner: 'reader-c', token: 3 });
    await expect(other.releaseLease(renewed)).rejects.toBeInstanceOf(LeaseLost);
    await expect(other.putReaderPosition(renewed, readerPosition(400))).rejects.toBeInstanceOf(LeaseLost);
    expect(await s3.getReaderPosition()).toEqual(readerPosition(300));

    // Two readers racing for an expired lease: one takes it.
    await s3.renewLease(third!, 1);
    await sleep(20);
    const race = await Promise.all([s1.acquireLease('reader-d', 60_000), s2.acquireLease('reader-e', 60_000)]);
    expect(race.filter((l) => l !== undefined).map((l) => l!.token)).toEqual([4]);
  });

  it('advances watermarks by compare-and-set, per destination and bucket', async () => {
    const store = await open('t-watermark');
    const peer = await open('t-watermark');
    expect(await store.getWatermark('rds', 0)).toBeNull();
    expect(await store.advanceWatermark('rds', 0, null, pos(1, 100))).toBe(true);
    expect(await store.advanceWatermark('rds', 0, null, pos(1, 200))).toBe(false);
    expect(await store.getWatermark('rds', 0)).toEqual(pos(1, 100));
    expect(await store.advanceWatermark('rds', 0, pos(1, 50), pos(1, 300))).toBe(false);
    expect(await store.advanceWatermark('rds', 0, pos(1, 100), pos(1, 300, 2))).toBe(true);
    expect(await store.getWatermark('rds', 0)).toEqual(pos(1, 300, 2));
    expect(await store.getWatermark('rds', 1)).toBeNull();
    expect(await store.getWatermark('lindorm', 0)).toBeNull();

    const outcomes = await Promise.all([
      store.advanceWatermark('rds', 0, pos(1, 300, 2), pos(2, 10)),
      peer.advanceWatermark('rds', 0, pos(1, 300, 2), pos(2, 20)),
    ]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await store.getWatermark('rds', 0)).toEqual(outcomes[0] ? pos(2, 10) : pos(2, 20));

    const fresh = await Promise.all([store.advanceWatermark('rds', 5, null, pos(3, 1)), peer.advanceWatermark('rds', 5, null, pos(3, 2))]);
    expect(fresh.filter(Boolean)).toHaveLength(1);
  });

  it('reports a wrong secret as AUTH_FAILED without revealing any secret', async () => {
    const wrong = 'not-the-right-secret-value';
    const err = await failure(open('t-auth', { accessKeySecret: wrong }));
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain('OTSAuthFailed');
    expect(err.fix).toContain(AK);
    for (const text of [err.message, err.fix ?? '']) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(SECRET);
    }
  });
});

describe('TablestoreStateStore on a stand-in that stops', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tablestore-state-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps everything across a restart of the stand-in', async () => {
    const first = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET, port: 0, dir: path.join(dir, 'restart') });
    const big = plan(60, 1000);
    const payload = randomBytes(4_500_000);
    const state: TaskState = { ...initialTaskState(), phase: 'incremental' };
    let lease: ReaderLease | undefined;
    try {
      const store = await TablestoreStateStore.open(optionsFor(first, 't-persist'));
      await store.putTaskState(state);
      await store.putPlan(big);
      await store.markChunkDone({ table: 'shop.a', chunk: 0, rows: 5, bytes: 50 });
      await store.recordDirty(dirty(1));
      await store.putCheckpoint({ file: 'mariadb-bin.000004', offset: 8, at: '2026-01-01T00:00:00.000Z' });
      await store.putPayload('p/1', payload);
      lease = await store.acquireLease('reader-a', 60_000);
      await store.putReaderPosition(lease!, readerPosition(500));
      expect(await store.advanceWatermark('rds', 3, null, pos(4, 8))).toBe(true);
    } finally {
      await first.close();
    }

    const second = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET, port: 0, dir: path.join(dir, 'restart') });
    try {
      const store = await TablestoreStateStore.open(optionsFor(second, 't-persist'));
      expect(await store.getTaskState()).toEqual(state);
      expect(await store.getPlan()).toEqual(big);
      expect(await store.doneChunks()).toEqual([{ table: 'shop.a', chunk: 0, rows: 5, bytes: 50 }]);
      expect(await store.dirtyRecords()).toEqual([dirty(1)]);
      expect(await store.getCheckpoint()).toEqual({ file: 'mariadb-bin.000004', offset: 8, at: '2026-01-01T00:00:00.000Z' });
      expect((await store.getPayload('p/1'))?.equals(payload)).toBe(true);
      expect(await store.getReaderPosition()).toEqual(readerPosition(500));
      expect(await store.acquireLease('reader-b', 60_000)).toBeUndefined();
      await store.putReaderPosition(lease!, readerPosition(600));
      expect(await store.getWatermark('rds', 3)).toEqual(pos(4, 8));
    } finally {
      await second.close();
    }
  });

  it('retries writes while the service is down and completes them when it is back; gives up after retryMs', async () => {
    const stateDir = path.join(dir, 'outage');
    const first = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET, port: 0, dir: stateDir });
    const port = Number(new URL(first.endpoint).port);
    const store = await TablestoreStateStore.open(optionsFor(first, 't-outage', { retryMs: 20_000 }));
    await first.close();

    const started = Date.now();
    const state: TaskState = { ...initialTaskState(), phase: 'full-done' };
    const writes = Promise.all([
      store.markChunkDone({ table: 'shop.b', chunk: 4, rows: 1, bytes: 2 }),
      store.advanceWatermark('rds', 0, null, pos(9, 9)),
      store.putTaskState(state),
    ]);
    await sleep(600);
    const second = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET, port, dir: stateDir });
    try {
      const [, advanced] = await writes;
      expect(advanced).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      const reader = await TablestoreStateStore.open(optionsFor(second, 't-outage'));
      expect(await reader.doneChunks()).toEqual([{ table: 'shop.b', chunk: 4, rows: 1, bytes: 2 }]);
      expect(await reader.getWatermark('rds', 0)).toEqual(pos(9, 9));
      expect(await reader.getTaskState()).toEqual(state);
    } finally {
      await second.close();
    }

    const impatient = new TablestoreStateStore(optionsFor(second, 't-outage', { retryMs: 400 }));
    const t0 = Date.now();
    const down = await failure(impatient.markChunkDone({ table: 'shop.b', chunk: 5, rows: 1, bytes: 2 }));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(down.code).toBe('CONNECTION_FAILED');
    expect(down.message).toContain(`Tablestore state table ${TABLE}`);
    expect(down.message).toContain('ECONNREFUSED');
    expect(down.message).not.toContain(SECRET);
  });
});

/** A TCP proxy that forwards requests but can cut the connection when the answer to a given operation arrives. */
async function lossyProxy(target: string): Promise<{ endpoint: string; loseAnswerTo(operation: string): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const lose = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    let cutAnswer = false;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('data', (chunk: Buffer) => {
      const op = /^POST \/(\w+) /.exec(chunk.toString('latin1', 0, 64))?.[1];
      if (op && (lose.get(op) ?? 0) > 0) {
        lose.set(op, lose.get(op)! - 1);
        cutAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutAnswer) {
        client.destroy();
        upstream.destroy();
      } else client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    loseAnswerTo(operation) {
      lose.set(operation, (lose.get(operation) ?? 0) + 1);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('TablestoreStateStore when an answer is lost', () => {
  it('recognizes its own conditional write that landed before the connection broke', async () => {
    const standIn = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET, port: 0 });
    const proxy = await lossyProxy(standIn.endpoint);
    try {
      const store = await TablestoreStateStore.open({ ...optionsFor(standIn, 't-lost'), endpoint: proxy.endpoint });
      const direct = await TablestoreStateStore.open(optionsFor(standIn, 't-lost'));

      proxy.loseAnswerTo('PutRow');
      expect(await store.advanceWatermark('rds', 0, null, pos(1, 10))).toBe(true);
      proxy.loseAnswerTo('UpdateRow');
      expect(await store.advanceWatermark('rds', 0, pos(1, 10), pos(1, 20))).toBe(true);
      expect(await direct.getWatermark('rds', 0)).toEqual(pos(1, 20));
      // A real lost race is still one.
      expect(await store.advanceWatermark('rds', 0, pos(1, 10), pos(1, 30))).toBe(false);

      proxy.loseAnswerTo('PutRow');
      const lease = await store.acquireLease('reader-a', 800);
      expect(lease).toMatchObject({ owner: 'reader-a', token: 1 });
      expect(await direct.acquireLease('reader-b', 60_000)).toBeUndefined();
      await sleep(Math.max(0, lease!.expiresAt - Date.now() + 20));
      proxy.loseAnswerTo('UpdateRow');
      expect(await store.acquireLease('reader-c', 60_000)).toMatchObject({ owner: 'reader-c', token: 2 });
    } finally {
      await proxy.close();
      await standIn.close();
    }
  });
});
