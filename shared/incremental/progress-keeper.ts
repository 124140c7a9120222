/**
 * The periodic side of incremental sync: on every tick it sends the batches that are due by age,
 * saves the checkpoint once it moved, publishes the status (task state and `onStatus`), and stops
 * the reader once caught up with the target position or when an apply has failed.
 */
import type { RetryingBucket } from '../apply/apply-failure.ts';
import type { ResumePoint } from '../change/position.ts';
import { LeaseLost } from '../state/distributed-state.ts';
import type { IncrementalStatus, StateStore, TaskState } from '../state/state-store.ts';
import type { BinlogEventHandler } from './binlog-event-handler.ts';
import type { IncrementalTarget } from './incremental-target.ts';
import type { SyncMeter } from './sync-meter.ts';

export interface ProgressContext {
  readonly handler: BinlogEventHandler;
  readonly meter: SyncMeter;
  readonly reader: { stop(): Promise<void> };
  readonly store: StateStore;
  readonly target: IncrementalTarget;
  /** The task state as read at the start: each tick writes it back with the current status. */
  readonly state: TaskState;
  /** Reading stops once everything up to here is applied (`until: 'caught-up'`). */
  readonly end: ResumePoint | undefined;
  readonly onStatus: ((status: IncrementalStatus) => void) | undefined;
  readonly log: (line: string) => void;
}

/** How often the held buckets recorded by the apply functions are read (serverless). */
const HELD_REFRESH_MS = 5_000;

export class ProgressKeeper {
  private state: TaskState;
  private saved = '';
  private caughtUp = false;
  private lost: LeaseLost | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private held: readonly RetryingBucket[] = [];
  private heldRead = 0;

  constructor(private readonly ctx: ProgressContext) {
    this.state = ctx.state;
  }

  /** The lease was taken by another reader during a tick. */
  get leaseLost(): LeaseLost | undefined {
    return this.lost;
  }

  start(periodMs: number): void {
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.tick()).catch((e: unknown) => this.tickFailed(e));
    }, periodMs);
  }

  /** Stops ticking and waits for a tick under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking.catch(() => {});
  }

  async tick(): Promise<void> {
    const { handler, reader } = this.ctx;
    // A failed apply ends the read loop even while the source is idle.
    if (handler.failed) return void (await reader.stop());
    handler.flush();
    const cp = handler.tracker.sourceCheckpoint;
    const key = `${cp.file}:${cp.offset}:${cp.server ?? ''}:${cp.epoch ?? 0}`;
    const status = this.status(await this.retrying());
    if (key !== this.saved) {
      await this.ctx.target.saveCheckpoint(cp, handler.sentBelow);
      this.saved = key;
    }
    this.state = { ...this.state, incremental: status, updatedAt: status.updatedAt };
    await this.ctx.store.putTaskState(this.state);
    this.ctx.onStatus?.(status);
    await this.stopIfCaughtUp();
  }

  async stopIfCaughtUp(): Promise<void> {
    const { end, handler } = this.ctx;
    if (this.caughtUp || end === undefined || !handler.caughtUpTo(end)) return;
    this.caughtUp = true;
    await this.ctx.reader.stop();
  }

  private tickFailed(e: unknown): void {
    // A reader whose lease was taken must stop at once: another one owns the task now.
    if (e instanceof LeaseLost) {
      this.lost ??= e;
      void this.ctx.reader.stop();
    } else this.ctx.log(`checkpoint: ${(e as Error).message}`);
  }

  /**
   * Held buckets: the dispatcher's own, or those the appliers recorded — read from the state store at
   * most every HELD_REFRESH_MS (a tick is every 250 ms; a listing is a billed read). A failed listing
   * keeps the last one.
   */
  private async retrying(): Promise<readonly RetryingBucket[]> {
    const { handler, target, log } = this.ctx;
    if (!target.heldBuckets) return handler.retrying;
    if (Date.now() - this.heldRead >= HELD_REFRESH_MS) {
      this.heldRead = Date.now();
      this.held = await target.heldBuckets().catch((e: unknown) => {
        log(`status: listing held buckets: ${(e as Error).message}`);
        return this.held;
      });
    }
    return this.held;
  }

  private status(retrying: readonly RetryingBucket[]): IncrementalStatus {
    const { handler, meter } = this.ctx;
    const now = Date.now();
    const skipped = handler.ddlSkipped;
    return {
      lagSeconds: meter.lagSeconds(handler.tracker, now),
      rowsPerSecond: meter.rowsPerSecond(now),
      applied: meter.applied,
      checkpoint: { ...handler.tracker.sourceCheckpoint, at: new Date(now).toISOString() },
      ddlFailures: meter.ddlFailures,
      ddlSkipped: skipped.count,
      ...(skipped.last ? { lastDdlSkipped: skipped.last } : {}),
      ...(retrying.length > 0 ? { retrying } : {}),
      updatedAt: new Date(now).toISOString(),
    };
  }
}
