/**
 * The binlog reader of the serverless pipeline (docs/architecture.md §1.2, §3.9): the same incremental loop as the
 * standalone runner (incremental-sync.ts), but its batches go to the destination's queue and its
 * position to the state table. One reader per task: it holds the task's lease and renews it; its
 * position is written only under the lease (fenced by the lease's token), so a reader whose lease
 * was taken stops without moving it. A DDL waits until the destination has applied everything sent
 * before it, and the reader goes on only once the DDL itself is applied.
 */
import { resumePointOf, type BinlogPosition, type SourceCheckpoint } from '../change/position.ts';
import { openSink } from '../apply/open-sink.ts';
import { runIncremental, type IncrementalSummary } from '../incremental/incremental-sync.ts';
import { waitForWatermarks } from '../incremental/incremental-target.ts';
import { heldBuckets } from './held-buckets.ts';
import type { ChangeQueue } from '../queue/change-queue.ts';
import { ChangeBatchSender } from '../queue/batch-sender.ts';
import { LeaseLost, type DistributedStateStore, type ReaderLease } from '../state/distributed-state.ts';
import type { IncrementalStatus } from '../state/state-store.ts';
import type { DatabaseMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';

export interface QueueReaderOptions {
  /** Names this reader in the lease (host and process). */
  readonly owner: string;
  /** Lease lifetime; renewed at a third of it. Default 30 s. */
  readonly leaseMs?: number;
  readonly until?: 'caught-up';
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
  readonly onStatus?: (status: IncrementalStatus) => void;
  /** Called once the lease is held (tests, health endpoint). */
  readonly onLease?: (lease: ReaderLease) => void;
}

const DEFAULT_LEASE_MS = 30_000;

export async function runQueueReader(
  task: Task, dbs: readonly DatabaseMapping[], store: DistributedStateStore, queue: ChangeQueue, options: QueueReaderOptions,
): Promise<IncrementalSummary> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  let lease = await waitForLease(store, options.owner, leaseMs, options);
  options.onLease?.(lease);
  options.log(`reader lease held by ${lease.owner} (token ${lease.token})`);

  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort);
  let renewing = Promise.resolve();
  const renewal = setInterval(() => {
    renewing = renewing
      .then(async () => {
        lease = await store.renewLease(lease, leaseMs);
      })
      .catch((e: unknown) => {
        if (e instanceof LeaseLost) stop.abort(e);
        else options.log(`lease renewal: ${(e as Error).message}`);
      });
  }, Math.max(1000, Math.floor(leaseMs / 3)));

  // The destination is read only for its watermarks: the DDL barrier waits on them.
  const destination = await openSink(task, dbs, { connections: 1, store });
  try {
    const saved = await store.getReaderPosition();
    const lastSent = new Map<number, BinlogPosition>(Object.entries(saved?.lastSent ?? {}).map(([b, p]) => [Number(b), p]));
    const start: SourceCheckpoint | undefined = saved ? { ...resumePointOf(saved), ...sourceOf(saved) } : undefined;
    return await runIncremental(task, dbs, store, {
      ...(options.until ? { until: options.until } : {}),
      signal: stop.signal,
      log: options.log,
      ...(options.onStatus ? { onStatus: options.onStatus } : {}),
      target: {
        sink: new ChangeBatchSender(queue, task.name, store, (bucket) => destination.watermark(bucket)),
        ...(start ? { start } : {}),
        lastSent,
        saveCheckpoint: (cp, sent) =>
          store.putReaderPosition(lease, { ...cp, lastSent: Object.fromEntries(sent), at: new Date().toISOString() }),
        appliedThrough: (positions) => waitForWatermarks(destination, positions, stop.signal),
        heldBuckets: () => heldBuckets(store, task.name, (bucket) => destination.watermark(bucket)),
      },
    });
  } catch (e) {
    if (stop.signal.reason instanceof LeaseLost) throw stop.signal.reason;
    // A successor with the same replica server id cuts this reader's binlog connection when it
    // starts reading: a failure may mean the lease is gone. Said so, it is not retried as an outage.
    await renewing;
    try {
      lease = await store.renewLease(lease, leaseMs);
    } catch (l) {
      if (l instanceof LeaseLost) {
        stop.abort(l);
        throw l;
      }
    }
    throw e;
  } finally {
    clearInterval(renewal);
    options.signal?.removeEventListener('abort', onAbort);
    await renewing;
    await destination.close().catch(() => {});
    if (!(stop.signal.reason instanceof LeaseLost)) await store.releaseLease(lease).catch(() => {});
  }
}

/** Takes the lease, waiting while another reader holds it (it may be a replaced container still shutting down). */
async function waitForLease(store: DistributedStateStore, owner: string, leaseMs: number, options: QueueReaderOptions): Promise<ReaderLease> {
  let told = false;
  for (;;) {
    const lease = await store.acquireLease(owner, leaseMs);
    if (lease) return lease;
    if (!told) options.log('another reader holds the task lease; waiting for it to be released or to expire');
    told = true;
    if (options.signal?.aborted) throw options.signal.reason;
    await new Promise((r) => setTimeout(r, Math.min(5000, leaseMs / 3)));
  }
}

/** The server and GTID set a saved reader position names (absent in positions saved before they were kept). */
function sourceOf(p: SourceCheckpoint): Omit<SourceCheckpoint, 'file' | 'offset'> {
  return { ...(p.server && { server: p.server }), ...(p.epoch !== undefined && { epoch: p.epoch }), ...(p.gtidExecuted !== undefined && { gtidExecuted: p.gtidExecuted }) };
}
