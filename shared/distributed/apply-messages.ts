/**
 * What the apply-changes function does with the queue messages one invocation brings (docs/architecture.md §3.3):
 * decode each into its batch and apply it with the destination's sink. A claim-check payload is fetched
 * only as its batch is applied, so an invocation holds one large change at a time. An early batch (its
 * predecessor in the bucket is not applied yet) is retried for a moment, then parked in the state
 * store; every invocation ends by applying the parked batches that are no longer early, so an
 * out-of-order chain resolves without queue round trips. A parked batch also goes back to the queue
 * with a delay, which guarantees it is applied whatever happens to the sweeps. Batches are applied in
 * the order of their positions, so a bucket's chain that arrives whole in one invocation needs no
 * round trip. A change the destination refuses follows the dirty-data policy: skip records it and
 * applies the rest of its batch; block fails the invocation, so the message stays queued and the task
 * stalls at that change; a message that is no change batch is treated the same way. When the
 * invocation's time runs short the remaining messages go back to the queue instead of being cut off
 * mid-way. A claim-check payload is deleted once its batch is applied; a copy of its message delivered
 * after that is known for a replay by the bucket's watermark, and dropped.
 */
import { ApplyRejected } from '../apply/sink.ts';
import { ApplyFailed } from '../apply/apply-failure.ts';
import { recordHeldBucket } from './held-buckets.ts';
import type { ApplyOutcome, Sink } from '../apply/sink.ts';
import { comparePositions, formatPosition, isAfter } from '../change/position.ts';
import { setRejectedChangeAside } from '../incremental/dirty-data.ts';
import type { ChangeBatch } from '../change/change-event.ts';
import { ClaimMissing, openMessage, UndecodableMessage, type OpenedMessage, type PayloadStore } from '../queue/batch-codec.ts';
import type { ChangeQueue } from '../queue/change-queue.ts';
import { capValue } from '../state/dirty-row.ts';
import type { StateStore } from '../state/state-store.ts';
import type { Task } from '../task/task.ts';

export interface IncomingMessage {
  readonly id: string;
  readonly body: string;
}

export interface ApplyContext {
  readonly task: Task;
  readonly sink: Sink;
  readonly queue: ChangeQueue;
  readonly store: StateStore & PayloadStore;
  /** Milliseconds this invocation has left (FC's deadline), checked between batches. */
  readonly remainingMs?: () => number;
  readonly log: (line: string) => void;
}

export interface ApplyReport {
  readonly applied: number;
  readonly skipped: number;
  /** Batches sent back to wait for their predecessors. */
  readonly early: number;
  /** Messages sent back unprocessed because the invocation's time ran short. */
  readonly deferred: number;
  readonly ddlFailures: number;
}

/** How long an early batch is retried in place before it is parked. */
const EARLY_WAIT_MS = 200;
/** How long one invocation waits in place for early batches in all. */
const EARLY_BUDGET_MS = 500;
/** Least time between two sweeps of the parked batches by one instance, unless it parked one itself. */
const SWEEP_INTERVAL_MS = 50;
let lastSweep = 0;

/** Prefix of a parked batch's copy in the queue (not base64, so no batch body starts with it). */
const PARKED_MARK = 'parked:';
/** When a parked batch's copy comes back from the queue (its liveness guarantee; normally a sweep applied it long before). */
const PARKED_FALLBACK_SECONDS = 5;
/** Below this much time left, the remaining messages are handed back rather than started. */
const TIME_MARGIN_MS = 10_000;

export async function applyMessages(messages: readonly IncomingMessage[], ctx: ApplyContext): Promise<ApplyReport> {
  const decoded = await decodeAll(messages, ctx);
  const applier = new InvocationApplier(ctx);
  for (let i = 0; i < decoded.length; i++) {
    if (ctx.remainingMs && ctx.remainingMs() < TIME_MARGIN_MS) {
      await applier.deferRest(decoded.slice(i));
      break;
    }
    await applier.apply(decoded[i]!);
  }
  // Sweeps are the fast path only (the queue copy is the guarantee): at most a few a second per instance.
  if (applier.early > 0 || Date.now() - lastSweep >= SWEEP_INTERVAL_MS) {
    lastSweep = Date.now();
    await applier.sweepParked();
  }
  return applier.report();
}

interface DecodedMessage {
  readonly message: IncomingMessage;
  /** Its envelope: the batch is loaded (a claim-check payload fetched) only as it is applied, one at a time. */
  readonly opened: OpenedMessage;
  /** The queue copy of a parked batch: whoever applies it also removes it from the park. */
  readonly parked: boolean;
}

/** This task's batches among the messages, in the order of their positions. */
async function decodeAll(messages: readonly IncomingMessage[], ctx: ApplyContext): Promise<DecodedMessage[]> {
  const decoded: DecodedMessage[] = [];
  for (const original of messages) {
    const d = await decodeOne(original, ctx);
    if (d) decoded.push(d);
  }
  return decoded.sort((a, b) => comparePositions(a.opened.first, b.opened.first));
}

async function decodeOne(original: IncomingMessage, ctx: ApplyContext): Promise<DecodedMessage | undefined> {
  const parked = original.body.startsWith(PARKED_MARK);
  const message = parked ? { ...original, body: original.body.slice(PARKED_MARK.length) } : original;
  const opened = await readOrDrop(message, ctx, () => openMessage(message.body, ctx.store, message.id));
  if (!opened) return undefined;
  if (opened.task !== ctx.task.name) {
    ctx.log(`message ${message.id} belongs to task ${opened.task}, not ${ctx.task.name}: left out`);
    return undefined;
  }
  return { message, opened, parked };
}

/**
 * What `read` (opening a message, or loading its batch) returns; undefined for a message to leave out:
 * a replay of an applied claim check, or, under skip, a message that is not a batch this task's reader
 * wrote (recorded). Under block that fails the invocation, and the message stays in the queue.
 */
async function readOrDrop<T>(message: IncomingMessage, ctx: ApplyContext, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (await isReplay(e, ctx)) {
      ctx.log(`message ${message.id} is a replay: its change is applied and its claim-check payload ${(e as ClaimMissing).claim} deleted; left out`);
      return undefined;
    }
    if (!(e instanceof UndecodableMessage) || ctx.task.sync.dirtyData === 'block') throw e;
    await ctx.store.recordDirty({ table: '(queue)', phase: 'incremental', position: `message ${message.id}`, reason: e.message, row: capValue(message.body), at: new Date().toISOString() });
    ctx.log(`dirty data skipped: ${e.message}`);
    return undefined;
  }
}

/** Applies one invocation's batches, waiting for or parking the early ones, and tallies what happened. */
class InvocationApplier {
  private applied = 0;
  private skipped = 0;
  private deferred = 0;
  private parkedEarly = 0;
  private ddlFailures = 0;
  private earlyBudget = EARLY_BUDGET_MS;

  constructor(private readonly ctx: ApplyContext) {}

  /** Batches parked because they were still early. */
  get early(): number {
    return this.parkedEarly;
  }

  async apply({ message, opened, parked }: DecodedMessage): Promise<void> {
    const batch = await readOrDrop(message, this.ctx, () => opened.load());
    if (!batch) return;
    try {
      await this.applyLoaded(message, opened, parked, batch);
    } catch (e) {
      throw await this.held(batch, e);
    }
  }

  /**
   * A batch that failed (other than a change refused under the dirty-data policy) holds its bucket:
   * recorded (held-buckets.ts), and the invocation fails with the bucket named, so the queue delivers
   * the message again.
   */
  private async held(batch: ChangeBatch, e: unknown): Promise<unknown> {
    if (e instanceof ApplyRejected) return e;
    const attempts = await recordHeldBucket(this.ctx.store, this.ctx.task.name, batch, e).catch(() => 1);
    return new ApplyFailed(batch, e, attempts);
  }

  private async applyLoaded(message: IncomingMessage, opened: OpenedMessage, parked: boolean, batch: ChangeBatch): Promise<void> {
    let outcome: ApplyOutcome | undefined = await this.applyWaiting(batch);
    if (outcome.status === 'early') {
      outcome = await this.park(message, batch);
      if (!outcome) return;
    } else if (parked) {
      await this.ctx.store.deletePayload(parkedId(this.ctx.task.name, batch));
    }
    // Not needed any more: a copy of the message delivered again is told a replay (isReplay).
    if (opened.claim !== undefined) await this.ctx.store.deletePayload(opened.claim);
    this.count(outcome);
  }

  /** Sends the messages not started back to the queue (a parked batch's copy keeps its mark). */
  async deferRest(rest: readonly DecodedMessage[]): Promise<void> {
    const bodies = rest.map((d) => (d.parked ? PARKED_MARK : '') + d.message.body);
    await this.ctx.queue.send(bodies);
    this.deferred = bodies.length;
  }

  /**
   * Applies what is parked and no longer early, in position order per bucket (so a parked chain goes
   * in one sweep): one listing per invocation, nothing more when nothing is parked.
   */
  async sweepParked(): Promise<void> {
    const { ctx } = this;
    const ids = await ctx.store.payloadIds(`parked/${ctx.task.name}/`);
    if (ids.length === 0) return;
    const parked: Array<{ id: string; opened: OpenedMessage }> = [];
    for (const id of ids) {
      const body = await ctx.store.getPayload(id);
      if (body) parked.push({ id, opened: await openMessage(body.toString('utf8'), ctx.store, `parked ${id}`) });
    }
    parked.sort((a, b) => a.opened.bucket - b.opened.bucket || comparePositions(a.opened.first, b.opened.first));
    for (const { id, opened } of parked) {
      let batch: ChangeBatch;
      try {
        batch = await opened.load();
      } catch (e) {
        if (!(await isReplay(e, ctx))) throw e;
        await ctx.store.deletePayload(id); // applied by another instance, which had yet to remove it from the park
        continue;
      }
      const outcome = await applyWithPolicy(batch, ctx);
      if (outcome.status === 'early') continue;
      await ctx.store.deletePayload(id);
      if (opened.claim !== undefined) await ctx.store.deletePayload(opened.claim);
      this.count(outcome);
    }
  }

  report(): ApplyReport {
    return { applied: this.applied, skipped: this.skipped, early: this.parkedEarly, deferred: this.deferred, ddlFailures: this.ddlFailures };
  }

  /**
   * The predecessor of an early batch is most likely being applied by another instance at this
   * moment: wait for it here a little. The invocation's budget for this is small: its other messages
   * stay invisible.
   */
  private async applyWaiting(batch: ChangeBatch): Promise<ApplyOutcome> {
    let outcome = await applyWithPolicy(batch, this.ctx);
    for (let waited = 0, delay = 10; outcome.status === 'early' && waited < EARLY_WAIT_MS && this.earlyBudget > 0; waited += delay, delay = Math.min(200, delay * 2)) {
      await new Promise((r) => setTimeout(r, delay));
      this.earlyBudget -= delay;
      outcome = await applyWithPolicy(batch, this.ctx);
    }
    return outcome;
  }

  /**
   * Parks a batch that is still early in the state store: every invocation ends by applying what is
   * parked and no longer early. Parking, then trying once more, leaves no gap with an applier that
   * commits, then sweeps. Returns the outcome when that last try applied it.
   */
  private async park(message: IncomingMessage, batch: ChangeBatch): Promise<ApplyOutcome | undefined> {
    const id = parkedId(this.ctx.task.name, batch);
    await this.ctx.store.putPayload(id, Buffer.from(message.body));
    const outcome = await applyWithPolicy(batch, this.ctx);
    if (outcome.status !== 'early') {
      await this.ctx.store.deletePayload(id);
      return outcome;
    }
    // Also back to the queue, later: the guarantee that it is applied even if no invocation runs
    // after its predecessor's (the sweeps are the fast path, not the promise).
    await this.ctx.queue.sendLater(PARKED_MARK + message.body, PARKED_FALLBACK_SECONDS);
    this.parkedEarly++;
    return undefined;
  }

  private count(outcome: ApplyOutcome): void {
    this.applied += outcome.applied;
    this.skipped += outcome.skipped;
    for (const f of outcome.ddlFailures) {
      this.ddlFailures++;
      this.ctx.log(`DDL failed in the destination (the task goes on): ${f.sql} — ${f.error}`);
    }
  }
}

/**
 * A claim check whose payload is gone because its change was applied (and the payload deleted): the
 * bucket's watermark is at or past the change. Only a watermark passes a change once it is applied,
 * so any other missing payload stays an error.
 */
async function isReplay(e: unknown, ctx: ApplyContext): Promise<boolean> {
  if (!(e instanceof ClaimMissing) || e.at === undefined) return false;
  return !isAfter(e.at, await ctx.sink.watermark(e.bucket));
}

function parkedId(task: string, batch: ChangeBatch): string {
  return `parked/${task}/${batch.bucket}/${formatPosition(batch.prev!)}`;
}

async function applyWithPolicy(batch: ChangeBatch, ctx: ApplyContext): ReturnType<Sink['apply']> {
  let current = batch;
  for (;;) {
    try {
      return await ctx.sink.apply(current);
    } catch (e) {
      if (!(e instanceof ApplyRejected)) throw e;
      current = await setRejectedChangeAside(ctx.task, ctx.store, current, e, ctx.log);
    }
  }
}
