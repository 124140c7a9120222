/** The pure parts of the incremental pipeline: checkpoint tracking, bucketing and batching. */
import { describe, expect, it } from 'vitest';
import { CheckpointTracker } from '../shared/incremental/checkpoint-tracker.ts';
import { Batcher, bucketOf } from '../shared/incremental/batcher.ts';
import { SyncMeter } from '../shared/incremental/sync-meter.ts';
import { ApplyDispatcher, LARGE_BATCH_BYTES } from '../shared/incremental/apply-dispatcher.ts';
import type { Sink } from '../shared/apply/sink.ts';
import { ApplyFailed } from '../shared/apply/apply-failure.ts';
import { atOrBefore, compareResumePoints } from '../shared/change/position.ts';
import type { CellValue, RowChange } from '../shared/change/change-event.ts';

const at = (offset: number) => ({ file: 'mariadb-bin.000007', offset });

function change(id: number | string, offset: number, table = 't'): RowChange {
  return { kind: 'row', pos: { file: 7, offset, row: 0 }, ts: 1_700_000_000, table: { database: 'd', table }, key: ['id'], op: 'insert', after: { id, v: 'x'.repeat(10) } };
}

describe('checkpoint tracker', () => {
  it('stays at the oldest transaction with unapplied changes, then moves past the last commit', () => {
    const t = new CheckpointTracker(at(4));
    const a = t.transaction(at(100), 1);
    a.pending += 2;
    t.commit(at(200), 1);
    const b = t.transaction(at(200), 2);
    b.pending += 1;
    t.commit(at(300), 2);
    expect(t.checkpoint).toEqual(at(100));
    t.applied(b, 1); // the later transaction completes first: the checkpoint may not skip the earlier one
    expect(t.checkpoint).toEqual(at(100));
    t.applied(a, 2);
    expect(t.checkpoint).toEqual(at(300));
    expect(t.pendingTransactions).toBe(0);
    expect(t.lastCompletedTs).toBe(2);
  });

  it('does not pass a transaction that has not been read to its commit, even with nothing pending', () => {
    const t = new CheckpointTracker(at(4));
    t.transaction(at(100), 1);
    t.idle(at(150)); // a heartbeat inside a transaction does not move the resume point
    expect(t.checkpoint).toEqual(at(100));
    t.commit(at(900), 1);
    expect(t.checkpoint).toEqual(at(900));
    t.idle(at(950));
    expect(t.readThrough).toEqual(at(950));
  });

  it('counts a transaction with nothing to apply (the source heartbeat) as completed at its commit', () => {
    const t = new CheckpointTracker(at(4));
    const a = t.transaction(at(100), 10);
    a.pending += 1;
    t.commit(at(200), 10);
    t.applied(a, 1);
    expect(t.lastCompletedTs).toBe(10);
    t.commit(at(300), 25); // a heartbeat's transaction: no changes of the task's tables
    expect(t.lastCompletedTs).toBe(25);
    expect(t.checkpoint).toEqual(at(300));
    const b = t.transaction(at(300), 30);
    b.pending += 1;
    t.commit(at(400), 30);
    t.commit(at(500), 31); // read while b is still pending: lag follows b until it settles
    expect(t.oldestPendingTs).toBe(30);
    t.applied(b, 1);
    expect(t.pendingTransactions).toBe(0);
    expect(t.lastCompletedTs).toBe(31);
  });

  it('keeps up with 200,000 transactions settled in order', () => {
    const t = new CheckpointTracker(at(4));
    const txs = Array.from({ length: 200_000 }, (_, i) => {
      const tx = t.transaction(at(10 + i * 10), i);
      tx.pending++;
      t.commit(at(20 + i * 10), i);
      return tx;
    });
    const started = performance.now();
    for (const tx of txs) t.applied(tx, 1);
    expect(t.checkpoint).toEqual(at(20 + 199_999 * 10));
    expect(performance.now() - started).toBeLessThan(2000); // linear, not quadratic
  });
});

describe('bucketing and batching', () => {
  it('sends every change of a row to the same bucket, whatever its other values', () => {
    const a = change(42, 10);
    const b = { ...change(42, 20), op: 'delete' as const, after: undefined, before: { id: 42, v: 'other' } };
    expect(bucketOf(a, 16)).toBe(bucketOf(b, 16));
    const spread = new Set(Array.from({ length: 200 }, (_, i) => bucketOf(change(i, i), 8)));
    expect(spread.size).toBe(8);
  });

  it('keeps every row in the bucket earlier versions gave it (watermarks outlive upgrades)', () => {
    // Values computed by the first implementation (FNV-1a of "db.table" + "\0" + cell text per key value).
    const table = { database: 'shop', table: 'orders' };
    const bucket = (id: CellValue, x: CellValue) =>
      bucketOf({ kind: 'row', pos: { file: 1, offset: 4, row: 0 }, ts: 0, table, key: ['id', 'x'], op: 'insert', after: { id, x } }, 8);
    expect(bucket(0, null)).toBe(4);
    expect(bucket(-7919, 'a')).toBe(2);
    expect(bucket('k2é', 'a')).toBe(5);
    expect(bucket({ n: '1152921504606846979' }, null)).toBe(1);
    expect(bucket({ b: 'BAE=' }, 'a')).toBe(7);
    expect(bucket(null, 'a')).toBe(1);
  });

  it('closes a batch at its change limit and chains prev per bucket', () => {
    const batcher = new Batcher(1, { changes: 3, bytes: 1 << 20, ms: 60_000 });
    const out = [1, 2, 3, 4, 5, 6].map((i) => batcher.add(change(i, i * 10))).filter((b) => b !== undefined);
    expect(out).toHaveLength(2);
    expect(out[0]!.prev).toBeNull();
    expect(out[0]!.changes.map((c) => c.pos.offset)).toEqual([10, 20, 30]);
    expect(out[1]!.prev).toEqual({ file: 7, offset: 30, row: 0 });
    batcher.add(change(7, 70));
    expect(batcher.pendingChanges).toBe(1);
    const [rest] = batcher.due('all');
    expect(rest!.prev).toEqual({ file: 7, offset: 60, row: 0 });
  });

  it('keeps an ordered batch (unique keys beside the key) open to the end of its source transaction, up to 8 times its limits', () => {
    const batcher = new Batcher(1, { changes: 3, bytes: 1 << 20, ms: 0 });
    const ordered = (i: number): RowChange => ({ ...change(i, i * 10), ordered: 'in-order' });
    // A swap of five changes: past the limit of 3, not closed inside the transaction, by size or by age.
    expect([1, 2, 3, 4, 5].map((i) => batcher.add(ordered(i))).filter(Boolean)).toEqual([]);
    expect(batcher.due('age')).toEqual([]);
    expect(batcher.due('idle')).toEqual([]);
    const [whole] = batcher.endTransaction();
    expect(whole!.changes.map((c) => c.pos.offset)).toEqual([10, 20, 30, 40, 50]);
    // A transaction of any size still closes batches: at 8 x 3 changes.
    const big = Array.from({ length: 30 }, (_, i) => batcher.add(ordered(i + 10))).filter((b) => b !== undefined);
    expect(big.map((b) => b.changes.length)).toEqual([24]);
    // `all` (a DDL barrier, the end of a run) closes it inside a transaction too.
    expect(batcher.due('all').map((b) => b.changes.length)).toEqual([6]);
  });

  it('closes a batch at its byte limit', () => {
    const batcher = new Batcher(1, { changes: 1000, bytes: 200, ms: 60_000 });
    const closed = [1, 2, 3].map((i) => batcher.add(change(i, i)));
    expect(closed.filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe('sync meter', () => {
  it('rates the changes applied in the last five seconds', () => {
    const meter = new SyncMeter(false);
    meter.countApplied(40);
    meter.countApplied(10);
    expect(meter.applied).toBe(50);
    expect(meter.rowsPerSecond(Date.now())).toBe(10);
    expect(meter.rowsPerSecond(Date.now() + 6000)).toBe(0);
    expect(meter.applied).toBe(50);
  });

  it('measures lag from the oldest pending change, else from the last commit only with the source heartbeat', () => {
    const now = 1_000_000_000;
    expect(new SyncMeter(false).lagSeconds({ oldestPendingTs: 999_990, lastCompletedTs: 0 }, now)).toBe(10);
    expect(new SyncMeter(false).lagSeconds({ oldestPendingTs: undefined, lastCompletedTs: 999_990 }, now)).toBe(0);
    expect(new SyncMeter(true).lagSeconds({ oldestPendingTs: undefined, lastCompletedTs: 999_998.76 }, now)).toBe(1.2);
    expect(new SyncMeter(true).lagSeconds({ oldestPendingTs: 1_000_005, lastCompletedTs: 0 }, now)).toBe(0);
  });
});

describe('resume points', () => {
  it('order by binlog file number, then offset', () => {
    const p = (file: string, offset: number) => ({ file, offset });
    expect(compareResumePoints(p('bin.000009', 900), p('bin.000010', 4))).toBeLessThan(0);
    expect(atOrBefore(p('bin.000010', 4), p('bin.000010', 4))).toBe(true);
    expect(atOrBefore(p('bin.000010', 5), p('bin.000010', 4))).toBe(false);
    expect(atOrBefore(p('bin.000010', 5), p('bin.000011', 4))).toBe(true);
  });
});

describe('apply dispatcher retries', () => {
  /** A sink whose apply fails with `error` `failures` times, then applies. */
  function failing(error: () => Error, failures: number): { sink: Sink; calls: () => number } {
    let calls = 0;
    const sink: Sink = {
      async apply(batch) {
        calls++;
        if (calls <= failures) throw error();
        return { status: 'applied', applied: batch.changes.length, skipped: 0, watermark: batch.changes.at(-1)!.pos, ddlFailures: [] };
      },
      watermark: async () => null,
      close: async () => {},
    };
    return { sink, calls: () => calls };
  }

  function dispatcherOf(sink: Sink, log: string[]): ApplyDispatcher {
    return new ApplyDispatcher({
      sink, concurrency: 1, mergeLimit: { changes: 10, bytes: 1 << 20 }, log: (l) => log.push(l), onApplied: () => {},
      onRejected: async (b) => b, isRejection: () => false, retry: { connectionMinutes: 1, otherMinutes: 1 },
    });
  }

  it('fails at once on an error no retry can cure (a stack overflow), and retries a server error', async () => {
    const log: string[] = [];
    const overflow = failing(() => new RangeError('Maximum call stack size exceeded'), 100);
    const d = dispatcherOf(overflow.sink, log);
    d.submit({ bucket: 0, prev: null, changes: [change(1, 10)] });
    const failure = await d.drain().then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplyFailed);
    expect(failure).toMatchObject({ code: 'APPLY_FAILED', bucket: 0, tables: ['d.t'] });
    expect((failure as ApplyFailed).message).toBe('applying bucket 0 (d.t, changes from 7:10#0) failed: Maximum call stack size exceeded');
    expect((failure as ApplyFailed).fix).toMatch(/bug in fc-dts.*resumes there with nothing lost/);
    expect(overflow.calls()).toBe(1);
    expect(log).toEqual([]);

    const busy = failing(() => Object.assign(new Error('Lock wait timeout exceeded'), { errno: 1205 }), 1);
    const again = dispatcherOf(busy.sink, log);
    again.submit({ bucket: 0, prev: null, changes: [change(1, 10)] });
    await again.drain();
    expect(busy.calls()).toBe(2);
    expect(log).toEqual([expect.stringMatching(/^applying bucket 0: Lock wait timeout exceeded; retrying in 0\.2 s$/)]);
  });
  it('names the bucket held by a failing batch while it is retried (tables, position, attempts, last error), and forgets it once applied', async () => {
    const log: string[] = [];
    const busy = failing(() => Object.assign(new Error('Lock wait timeout exceeded'), { errno: 1205 }), 2);
    const d = dispatcherOf(busy.sink, log);
    expect(d.retrying).toEqual([]);
    d.submit({ bucket: 5, prev: null, changes: [change(1, 10, 'orders'), change(2, 20, 'items')] });
    while (busy.calls() < 2) await new Promise((r) => setTimeout(r, 5));
    // Each failed call is noted before the next macrotask: the attempts are the calls so far.
    expect(d.retrying).toEqual([
      { bucket: 5, tables: ['d.orders', 'd.items'], position: '7:10#0', since: expect.any(String), attempts: busy.calls(), lastError: 'Lock wait timeout exceeded' },
    ]);
    await d.drain();
    expect(busy.calls()).toBe(3);
    expect(d.retrying).toEqual([]);
  });

  it('stops with the bucket named once the retry window has run out', async () => {
    const down = failing(() => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), Infinity);
    const d = new ApplyDispatcher({
      sink: down.sink, concurrency: 1, mergeLimit: { changes: 10, bytes: 1 << 20 }, log: () => {}, onApplied: () => {},
      onRejected: async (b) => b, isRejection: () => false, retry: { connectionMinutes: 0, otherMinutes: 0 },
    });
    d.submit({ bucket: 2, prev: null, changes: [change(1, 30)] });
    await expect(d.drain()).rejects.toMatchObject({ code: 'APPLY_FAILED', message: 'applying bucket 2 (d.t, changes from 7:30#0) failed: connect ECONNREFUSED 127.0.0.1:1' });
    expect(d.retrying).toEqual([]);
  });
});

describe('apply dispatcher with large batches', () => {
  it('applies one batch over LARGE_BATCH_BYTES at a time while the buckets of small changes go on, and counts it in the backlog', async () => {
    const large = (id: number, offset: number): RowChange => ({ ...change(id, offset), after: { id, v: 'x'.repeat(LARGE_BATCH_BYTES + 1) } });
    const started: number[] = [];
    const gates = new Map<number, () => void>();
    const sink: Sink = {
      async apply(batch) {
        started.push(batch.bucket);
        if (batch.bucket < 2) await new Promise<void>((open) => gates.set(batch.bucket, open));
        return { status: 'applied', applied: batch.changes.length, skipped: 0, watermark: batch.changes.at(-1)!.pos, ddlFailures: [] };
      },
      watermark: async () => null,
      close: async () => {},
    };
    const d = new ApplyDispatcher({
      sink, concurrency: 3, mergeLimit: { changes: 10, bytes: 1 << 20 }, log: () => {}, onApplied: () => {},
      onRejected: async (b) => b, isRejection: () => false, retry: { connectionMinutes: 1, otherMinutes: 1 },
    });
    d.submit({ bucket: 0, prev: null, changes: [large(1, 10)] });
    d.submit({ bucket: 1, prev: null, changes: [large(2, 20)] });
    d.submit({ bucket: 2, prev: null, changes: [change(3, 30)] });
    const tick = () => new Promise((r) => setTimeout(r, 20));
    await tick();
    expect(started).toEqual([0, 2]);
    expect(d.backlogBytes).toBeGreaterThan(2 * LARGE_BATCH_BYTES);
    gates.get(0)!();
    await tick();
    expect(started).toEqual([0, 2, 1]);
    expect(d.backlogBytes).toBeGreaterThan(LARGE_BATCH_BYTES);
    expect(d.backlogBytes).toBeLessThan(2 * LARGE_BATCH_BYTES);
    gates.get(1)!();
    await d.drain();
    expect(d.backlogBytes).toBe(0);
  });
});
