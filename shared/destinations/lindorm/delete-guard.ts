/**
 * LindormTable stamps each write with the server's clock in milliseconds, and, as in HBase, a delete
 * marker hides every cell of its row with a timestamp at or below its own. A row deleted and written
 * again within one millisecond (a source DELETE then INSERT of one key, in consecutive batches) would
 * stay deleted. The guard remembers the keys deleted in the last few milliseconds and makes an UPSERT
 * of one of them wait until the clock has moved on; fc-dts never sets timestamps itself (`_l_ts_`),
 * which DELETE cannot take.
 */

/** More than the millisecond the clock needs, for clocks that step in coarser ticks. */
const GUARD_MS = 2;

export class DeleteGuard {
  /** Key identity → when its DELETE was answered. */
  private readonly recent = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Called once the DELETEs of these keys were answered. */
  deleted(keys: Iterable<string>): void {
    const at = this.now();
    for (const key of keys) {
      this.recent.delete(key);
      this.recent.set(key, at);
    }
  }

  /** Milliseconds an UPSERT of these keys must wait (0: none was deleted within the guard). */
  waitFor(keys: Iterable<string>): number {
    const now = this.now();
    this.prune(now);
    let wait = 0;
    for (const key of keys) {
      const at = this.recent.get(key);
      if (at !== undefined) wait = Math.max(wait, at + GUARD_MS - now);
    }
    return wait;
  }

  /** The map is in deletion order: entries older than the guard are dropped from its front. */
  private prune(now: number): void {
    for (const [key, at] of this.recent) {
      if (now - at < GUARD_MS) return;
      this.recent.delete(key);
    }
  }
}
