/**
 * A fixed number of workers taking the items of a list in order, each the next one when it has
 * finished its last. The first failure, or an abort, stops every worker before its next item; the
 * pool rejects with it once all have closed.
 */

export interface PoolWorker<T> {
  run(item: T): Promise<void>;
  /** Must not reject. */
  close(): Promise<void>;
}

export class WorkerPool<T> {
  private next = 0;
  private stop: unknown;

  constructor(
    private readonly items: readonly T[],
    private readonly signal?: AbortSignal,
  ) {}

  /** `onAbort` cuts off the items in flight when the signal fires. */
  async run(size: number, newWorker: () => PoolWorker<T>, onAbort: () => void): Promise<void> {
    const abort = () => {
      this.stop ??= this.signal?.reason;
      onAbort();
    };
    this.signal?.addEventListener('abort', abort);
    try {
      await Promise.all(Array.from({ length: size }, () => this.work(newWorker())));
    } finally {
      this.signal?.removeEventListener('abort', abort);
    }
    if (this.stop !== undefined) throw this.stop;
  }

  private async work(worker: PoolWorker<T>): Promise<void> {
    try {
      while (this.stop === undefined && this.next < this.items.length) {
        if (this.signal?.aborted) throw this.signal.reason;
        await worker.run(this.items[this.next++]!);
      }
    } catch (e) {
      this.stop ??= e;
    } finally {
      await worker.close();
    }
  }
}
