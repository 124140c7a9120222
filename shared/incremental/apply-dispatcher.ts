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

export interface DispatcherOptions {
  readonly sink: Sink;
  readonly concurrency: number;
  readonly onApplied: (batch: ChangeBatch, outcome: ApplyOutcome) => void;
  /** A change was rejected: return the batch to retry instead (without it), or throw to stop the task. */
  readonly onRejected: (batch: ChangeBatch, error: unknown) => Promise<ChangeBatch>;
  readonly retry: { readonly connectionMinutes: number; readonly otherMinutes: number };
  readonly isRejection: (error: unknown) => boolean;
  readonly log: (line: string) => void;
  /** Batches of a bucket that queued up while it was busy are applied together, up to this many changes. */
  readonly mergeLimit: number;
}

/**
 * The next batch of a bucket's queue, merged with the ones queued behind it: consecutive batches of
 * one bucket are one ordered run of changes, so small batches cut on a quiet source become one
 * destination transaction once the destination falls behind.
 */
function takeMerged(queue: ChangeBatch[], limit: number): ChangeBatch {
  const first = queue.shift()!;
  if (queue.length === 0 || first.changes.length >= limit) return first;
  const changes = [...first.changes];
  while (queue.length > 0 && changes.length + queue[0]!.changes.length <= limit) changes.push(...queue.shift()!.changes);
  return { bucket: first.bucket, prev: first.prev, changes };
}

export class ApplyDispatcher {
  private readonly queues = new Map<number, ChangeBatch[]>();
  private readonly busy = new Set<number>();
  private running = 0;
  private queued = 0;
  private failure: unknown;
  private waiters: Array<() => void> = [];

  constructor(private readonly options: DispatcherOptions) {}

  submit(batch: ChangeBatch): void {
    if (this.failure) return;
    const q = this.queues.get(batch.bucket) ?? [];
    q.push(batch);
    this.queues.set(batch.bucket, q);
    this.queued += batch.changes.length;
    this.pump();
  }

  /** Changes submitted and not yet applied. */
  get queuedChanges(): number {
    return this.queued;
  }

  /** Resolves when at most `changes` are outstanding; rejects once the dispatcher has failed. */
  async waitBelow(changes: number): Promise<void> {
    while (!this.failure && this.queued > changes) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  drain(): Promise<void> {
    return this.waitBelow(0);
  }

  get failed(): unknown {
    return this.failure;
  }

  private pump(): void {
    for (const [bucket, q] of this.queues) {
      if (this.running >= this.options.concurrency) return;
      if (this.busy.has(bucket) || q.length === 0) continue;
      const batch = takeMerged(q, this.options.mergeLimit);
      this.busy.add(bucket);
      this.running++;
      void this.run(batch).finally(() => {
        this.busy.delete(bucket);
        this.running--;
        this.pump();
      });
    }
  }

  private async run(batch: ChangeBatch): Promise<void> {
    try {
      const outcome = await this.applyWithRetry(batch);
      if (outcome.status === 'early') {
        // Its predecessor has not been applied yet: back to the front of its bucket, a little later.
        await new Promise((r) => setTimeout(r, 20));
        this.queues.get(batch.bucket)!.unshift(batch);
        return;
      }
      this.queued -= batch.changes.length;
      this.options.onApplied(batch, outcome);
    } catch (e) {
      this.failure ??= e;
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private async applyWithRetry(batch: ChangeBatch): Promise<ApplyOutcome> {
    const started = Date.now();
    let current = batch;
    for (let attempt = 0; ; attempt++) {
      try {
        // The caller counts the batch as submitted done, including changes the dirty-data policy dropped.
        return await this.options.sink.apply(current);
      } catch (e) {
        if (this.options.isRejection(e)) {
          current = await this.options.onRejected(current, e);
          continue;
        }
        // A fault of fc-dts's own or of the data (a stack overflow, a value without a literal) fails the
        // same way every time: retrying it only holds the bucket, and the task, for the retry window.
        if (isPermanent(e)) throw e;
        const lost = isConnectionProblem(e);
        const minutes = lost ? this.options.retry.connectionMinutes : this.options.retry.otherMinutes;
        if (Date.now() - started >= minutes * 60_000) throw e;
        const delay = Math.min(30_000, 200 * 2 ** attempt);
        this.options.log(`applying bucket ${batch.bucket}: ${(e as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}

/** Errors no retry can cure: JavaScript's own (RangeError: a stack overflow; TypeError) and refused data. */
const PERMANENT = new Set(['InvalidCellValue', 'MalformedChange', 'StatementTooLarge', 'OversizeRow', 'UnwritableChange']);

export function isPermanent(e: unknown): boolean {
  return e instanceof RangeError || e instanceof TypeError || (e instanceof Error && PERMANENT.has(e.name));
}
