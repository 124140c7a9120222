/**
 * Serverless: a batch the apply-changes function cannot apply holds its bucket, and the status says so.
 * applyMessages with the TablestoreStateStore on the Tablestore stand-in (through the official client);
 * the sink is a stand-in that fails as told, so that the failure is the test's to choose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTablestoreStandIn, type TablestoreStandIn } from '../infra/tablestore-standin/index.ts';
import { ApplyFailed } from '../shared/apply/apply-failure.ts';
import type { ApplyOutcome, Sink } from '../shared/apply/sink.ts';
import type { ChangeBatch, RowChange } from '../shared/change/change-event.ts';
import { comparePositions, type BinlogPosition } from '../shared/change/position.ts';
import { applyMessages } from '../shared/distributed/apply-messages.ts';
import { heldBuckets } from '../shared/distributed/held-buckets.ts';
import { formatTaskStatus } from '../shared/pipeline/task-status.ts';
import { encodeBatch } from '../shared/queue/batch-codec.ts';
import type { ChangeQueue } from '../shared/queue/change-queue.ts';
import { TablestoreStateStore } from '../shared/state/tablestore-state-store.ts';
import { validateTask } from '../shared/task/task-file.ts';
import { taskDoc } from './helpers/mariadb.ts';

const AK = 'held-buckets-test-key';
const SECRET = 'held-buckets-test-secret';

/** A sink that throws `failWith` while it is set, and otherwise applies by moving the bucket's watermark. */
class ScriptedSink implements Sink {
  failWith: (() => Error) | undefined;
  private readonly watermarks = new Map<number, BinlogPosition>();

  async apply(batch: ChangeBatch): Promise<ApplyOutcome> {
    if (this.failWith) throw this.failWith();
    const last = batch.changes.at(-1)!.pos;
    const wm = this.watermarks.get(batch.bucket);
    if (!wm || comparePositions(last, wm) > 0) this.watermarks.set(batch.bucket, last);
    return { status: 'applied', applied: batch.changes.length, skipped: 0, watermark: last, ddlFailures: [] };
  }

  async watermark(bucket: number): Promise<BinlogPosition | null> {
    return this.watermarks.get(bucket) ?? null;
  }

  async close(): Promise<void> {}
}

/** The queue is not used on these paths (no early batch, no time running short): any call is a failure. */
const unusedQueue: ChangeQueue = {
  send: () => Promise.reject(new Error('queue.send called')),
  sendLater: () => Promise.reject(new Error('queue.sendLater called')),
  receive: () => Promise.reject(new Error('queue.receive called')),
  delete: () => Promise.reject(new Error('queue.delete called')),
  pending: () => Promise.reject(new Error('queue.pending called')),
};

function change(id: number, offset: number): RowChange {
  return { kind: 'row', pos: { file: 3, offset, row: 0 }, ts: 1_700_000_000, table: { database: 'shop', table: 'orders' }, key: ['id'], op: 'insert', after: { id } };
}

describe('apply-changes with a batch that fails (Tablestore state store on the stand-in)', () => {
  let standIn: TablestoreStandIn;
  let store: TablestoreStateStore;
  const task = validateTask(taskDoc({ name: 'held', objects: [{ database: 'shop' }] }));

  beforeAll(async () => {
    standIn = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET, port: 0 });
    store = await TablestoreStateStore.open({ endpoint: standIn.endpoint, instance: standIn.instance, accessKeyId: AK, accessKeySecret: SECRET, task: task.name });
  });
  afterAll(async () => {
    await standIn.close();
  });

  it('records the bucket as held on every failed delivery, names it in the status, and drops it once its watermark passes the batch', async () => {
    const sink = new ScriptedSink();
    const ctx = { task, sink, queue: unusedQueue, store, log: () => {} };
    const [body] = await encodeBatch({ bucket: 4, prev: null, changes: [change(1, 100), change(2, 200)] }, { task: task.name, payloads: store });
    const message = { id: 'm-1', body: body! };

    sink.failWith = () => new RangeError('Maximum call stack size exceeded');
    const first = await applyMessages([message], ctx).then(() => undefined, (e: unknown) => e);
    expect(first).toBeInstanceOf(ApplyFailed);
    expect((first as ApplyFailed).message).toBe('applying bucket 4 (shop.orders, changes from 3:100#0) failed: Maximum call stack size exceeded');
    const second = await applyMessages([message], ctx).then(() => undefined, (e: unknown) => e);
    expect((second as ApplyFailed).message).toBe('applying bucket 4 (shop.orders, changes from 3:100#0) failed after 2 attempts: Maximum call stack size exceeded');

    const held = await heldBuckets(store, task.name, (b) => sink.watermark(b));
    expect(held).toEqual([
      { bucket: 4, tables: ['shop.orders'], position: '3:100#0', since: expect.any(String), attempts: 2, lastError: 'Maximum call stack size exceeded (not transient: it fails the same way until the cause is fixed)' },
    ]);
    const status = formatTaskStatus({
      task: task.name, phase: 'incremental', destination: 'd', schemaDone: true, tables: [], dirtyRows: 0,
      incremental: { lagSeconds: 1, rowsPerSecond: 0, applied: 0, checkpoint: { file: 'binlog.000003', offset: 4, at: held[0]!.since }, ddlFailures: 0, retrying: held, updatedAt: held[0]!.since },
    });
    expect(status).toContain(`bucket 4 held: shop.orders from 3:100#0, failing since ${held[0]!.since} (2 attempts, retrying): Maximum call stack size exceeded (not transient`);

    // The next delivery succeeds: the record stays until the reader sees the watermark past it, then goes.
    sink.failWith = undefined;
    await applyMessages([message], ctx);
    expect(await heldBuckets(store, task.name, (b) => sink.watermark(b))).toEqual([]);
    expect(await store.payloadIds(`held/${task.name}/`)).toEqual([]);
  });

  it('counts the attempts again from one when a later batch of the bucket fails', async () => {
    const sink = new ScriptedSink();
    const ctx = { task, sink, queue: unusedQueue, store, log: () => {} };
    sink.failWith = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    const [a] = await encodeBatch({ bucket: 7, prev: null, changes: [change(1, 300)] }, { task: task.name, payloads: store });
    const [b] = await encodeBatch({ bucket: 7, prev: { file: 3, offset: 300, row: 0 }, changes: [change(2, 400)] }, { task: task.name, payloads: store });
    await expect(applyMessages([{ id: 'a', body: a! }], ctx)).rejects.toThrow(/^applying bucket 7 .*3:300#0\) failed: connect ECONNREFUSED/);
    await expect(applyMessages([{ id: 'b', body: b! }], ctx)).rejects.toThrow(/^applying bucket 7 .*3:400#0\) failed: connect ECONNREFUSED/);
    const [held] = await heldBuckets(store, task.name, (bucket) => sink.watermark(bucket));
    expect(held).toMatchObject({ bucket: 7, position: '3:400#0', attempts: 1, lastError: 'connect ECONNREFUSED 127.0.0.1:3306' });
  });
});
