/**
 * How much incremental sync has applied, how fast, and how far behind the source it is: the numbers
 * of `fc-dts status` that are measured rather than read off the checkpoint.
 */
import type { CheckpointTracker } from './checkpoint-tracker.ts';

/** The rate is the changes applied over this last stretch of time. */
const RATE_WINDOW_MS = 5000;

export class SyncMeter {
  private appliedChanges = 0;
  private failedDdl = 0;
  /** [time (ms), changes] of each apply inside the rate window. */
  private readonly recent: Array<[number, number]> = [];

  /** `heartbeat`: the source heartbeat runs (the source then commits every second). */
  constructor(private readonly heartbeat: boolean) {}

  get applied(): number {
    return this.appliedChanges;
  }

  get ddlFailures(): number {
    return this.failedDdl;
  }

  countApplied(changes: number): void {
    this.appliedChanges += changes;
    this.recent.push([Date.now(), changes]);
  }

  countDdlFailure(): void {
    this.failedDdl++;
  }

  rowsPerSecond(now: number): number {
    while (this.recent.length > 0 && now - this.recent[0]![0] > RATE_WINDOW_MS) this.recent.shift();
    const changes = this.recent.reduce((n, [, c]) => n + c, 0);
    return Math.round(changes / (RATE_WINDOW_MS / 1000));
  }

  /** Seconds, to a tenth. */
  lagSeconds(tracker: Pick<CheckpointTracker, 'oldestPendingTs' | 'lastCompletedTs'>, now: number): number {
    const oldest = tracker.oldestPendingTs;
    // Pending work: lag is the age of its oldest change. None: with the heartbeat the source writes
    // every second, so the last applied commit's age is the lag; without it, nothing is behind.
    const lag = oldest !== undefined ? now / 1000 - oldest : this.heartbeat ? Math.max(0, now / 1000 - tracker.lastCompletedTs) : 0;
    return Math.max(0, Math.round(lag * 10) / 10);
  }
}
