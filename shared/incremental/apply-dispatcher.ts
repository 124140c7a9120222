/**
 * Applies batches through a sink: buckets in parallel (up to `concurrency` at once), each bucket's
 * batches one after another in the order they were submitted — the standalone stand-in for the
 * queue and the apply-changes functions. An early batch (possible only when batches were cut by an
 * earlier reader) goes back to its queue; lost connections and lock conflicts are retried within the
 * task's retry windows; a change the destination rejects goes to the caller's dirty-data policy.
 */
import type { ChangeBatch } from '../change/change-event.ts';
import { isConnectionProblem } from '../mysql/connection.ts';
import type { ApplyOutcome, Sink } from '../apply/sink.ts';
import { ApplyFailed, isPermanent, retryingBucket, type RetryingBucket } from '../apply/apply-failure.ts';
import { changeBytes } from './batcher.ts';

export interface DispatcherOptions {
  readonly sink: Sink;
  readonly concurrency: number;
  readonly onApplied: (batch: ChangeBatch, outcome: ApplyOutcome) => void;
  /** A change was rejected: return the batch to retry instead (without it), or throw to stop the task. */
  readonly onRejected: (batch: ChangeBatch, error: unknown) => Promise<ChangeBatch>;
  readonly retry: { readonly connectionMinutes: number; readonly otherMinutes: number };
  readonly isRejection: (error: unknown) => boolean;
  readonly log: (line: string) => void;
  /** Batches of a bucket that queued up while it was busy are applied together, up to this many changes and bytes. */
  readonly mergeLimit: { readonly changes: number; readonly bytes: number };
}

/** A submitted batch and its size (batcher.ts changeBytes). */
interface Queued {
  readonly batch: ChangeBatch;
  readonly bytes: number;
}

/**
 * A batch over this many bytes (a row with large values) is applied only while no other such batch is:
 * with the reader's and the backlog's byte limits, this bounds memory at a small multiple of the
 * largest value, while the buckets of small changes go on beside it.
 */
export const LARGE_BATCH_BYTES = 16 << 20;

/**
 * The next batch of a bucket's queue, merged with the ones queued behind it: consecutive batches of
 * one bucket are one ordered run of changes, so small batches cut on a quiet source become one
 * destination transaction once the destination falls behind.
 */
function takeMerged(queue: Queued[], limits: { changes: number; bytes: number }): Queued {
  const first = queue.shift()!;
  if (queue.length === 0 || first.batch.changes.length >= limits.changes || first.bytes >= limits.bytes) return first;
  const changes = [...first.batch.changes];
  let bytes = first.bytes;
  while (queue.length > 0 && changes.length + queue[0]!.batch.changes.length <= limits.changes && bytes + queue[0]!.bytes <= limits.bytes) {
    const next = queue.shift()!;
    changes.push(...next.batch.changes);
    bytes += next.bytes;
  }
  return { batch: { bucket: first.batch.bucket, prev: first.batch.prev, changes }, bytes };
}

function sizeOf(batch: ChangeBatch): number {
  let n = 0;
  for (const c of batch.changes) n += c.kind === 'row' ? changeBytes(c) : c.sql.length;
  return n;
}

export class ApplyDispatcher {
  private readonly queues = new Map<number, Queued[]>();
  private readonly busy = new Set<number>();
  private running = 0;
  private queued = 0;
  private queuedBytes = 0;
  /** Bytes of the large batch being applied (LARGE_BATCH_BYTES), 0 when none is. */
  private largeRunning = 0;
  private failure: unknown;
  /** Buckets whose batch failed and is being retried, by bucket. */
  private readonly retries = new Map<number, RetryingBucket>();
  private waiters: Array<() => void> = [];

  constructor(private readonly options: DispatcherOptions) {}

  submit(batch: ChangeBatch): void {
    if (this.failure) return;
    const q = this.queues.get(batch.bucket) ?? [];
    const bytes = sizeOf(batch);
    q.push({ batch, bytes });
    this.queues.set(batch.bucket, q);
    this.queued += batch.changes.length;
    this.queuedBytes += bytes;
    this.pump();
  }

  /** Changes submitted and not yet applied. */
  get queuedChanges(): number {
    return this.queued;
  }

  /** Bytes submitted and not yet applied, those being applied included (a large batch being applied holds the reader back). */
  get backlogBytes(): number {
    return this.queuedBytes;
  }

  /** Resolves when at most `changes` and `bytes` (backlogBytes) are outstanding; rejects once the dispatcher has failed. */
  async waitBelow(changes: number, bytes = Infinity): Promise<void> {
    while (!this.failure && (this.queued > changes || this.backlogBytes > bytes)) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  drain(): Promise<void> {
    return this.waitBelow(0, 0);
  }

  get failed(): unknown {
    return this.failure;
  }

  /** The buckets held by a failing batch that is being retried, in bucket order. */
  get retrying(): RetryingBucket[] {
    return [...this.retries.values()].sort((a, b) => a.bucket - b.bucket);
  }

  private pump(): void {
    for (const [bucket, q] of this.queues) {
      if (this.running >= this.options.concurrency) return;
      if (this.busy.has(bucket) || q.length === 0) continue;
      if (this.largeRunning > 0 && q[0]!.bytes > LARGE_BATCH_BYTES) continue;
      const item = takeMerged(q, this.options.mergeLimit);
      const large = item.bytes > LARGE_BATCH_BYTES ? item.bytes : 0;
      this.largeRunning += large;
      this.busy.add(bucket);
      this.running++;
      void this.run(item).finally(() => {
        this.largeRunning -= large;
        this.busy.delete(bucket);
        this.running--;
        this.pump();
      });
    }
  }

  private async run({ batch, bytes }: Queued): Promise<void> {
    try {
      const outcome = await this.applyWithRetry(batch);
      if (outcome.status === 'early') {
        // Its predecessor has not been applied yet: back to the front of its bucket, a little later.
        await new Promise((r) => setTimeout(r, 20));
        this.queues.get(batch.bucket)!.unshift({ batch, bytes });
        return;
      }
      this.queued -= batch.changes.length;
      this.queuedBytes -= bytes;
      this.options.onApplied(batch, outcome);
    } catch (e) {
      this.failure ??= e;
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private async applyWithRetry(batch: ChangeBatch): Promise<ApplyOutcome> {
    const started = Date.now();
    let current = batch;
    for (let attempt = 1; ; attempt++) {
      try {
        // The caller counts the batch as submitted done, including changes the dirty-data policy dropped.
        const outcome = await this.options.sink.apply(current);
        this.retries.delete(batch.bucket);
        return outcome;
      } catch (e) {
        if (this.options.isRejection(e)) {
          current = await this.options.onRejected(current, e);
          continue;
        }
        const lost = isConnectionProblem(e);
        const minutes = lost ? this.options.retry.connectionMinutes : this.options.retry.otherMinutes;
        // A fault of fc-dts's own or of the data (a stack overflow, a value without a literal) fails the
        // same way every time: retrying it only holds the bucket, and the task, for the retry window.
        if (isPermanent(e) || Date.now() - started >= minutes * 60_000) {
          this.retries.delete(batch.bucket);
          throw new ApplyFailed(current, e, attempt);
        }
        const delay = Math.min(30_000, 200 * 2 ** (attempt - 1));
        this.retries.set(batch.bucket, retryingBucket(current, e, attempt, started));
        this.options.log(`applying bucket ${batch.bucket}: ${(e as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}

