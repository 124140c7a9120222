/**
 * What the apply-changes function does with the queue messages one invocation brings (DESIGN §3):
 * decode each into its batch, apply it with the destination's sink, and retry an early batch (its
 * predecessor in the bucket is not applied yet) for a moment before sending it back to the queue
 * with a delay. Batches are applied in
 * the order of their positions, so a bucket's chain that arrives whole in one invocation needs no
 * round trip. A change the destination refuses follows the dirty-data policy: skip records it and
 * applies the rest of its batch; block fails the invocation, so the message stays queued and the task
 * stalls at that change; a message that is no change batch is treated the same way. When the
 * invocation's time runs short the remaining messages go back to the queue instead of being cut off
 * mid-way.
 */
import { ApplyRejected } from '../apply/mysql-sink.ts';
import type { Sink } from '../apply/sink.ts';
import { comparePositions, formatPosition } from '../change/position.ts';
import type { ChangeBatch } from '../change/change-event.ts';
import { decodeMessage, UndecodableMessage, type PayloadStore } from '../queue/batch-codec.ts';
import type { ChangeQueue } from '../queue/change-queue.ts';
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

/** How long an early batch is retried in place before it goes back to the queue. */
const EARLY_WAIT_MS = 500;
/** How long one invocation waits in place for early batches in all. */
const EARLY_BUDGET_MS = 1000;
/**
 * An early batch sent back is visible again at once, but at low priority: behind the backlog, which
 * is where its predecessor is when there is one (and the in-place wait paces it when there is not).
 */
const EARLY_DELAY_SECONDS = 0;
/** Below this much time left, the remaining messages are handed back rather than started. */
const TIME_MARGIN_MS = 10_000;

export async function applyMessages(messages: readonly IncomingMessage[], ctx: ApplyContext): Promise<ApplyReport> {
  const decoded: Array<{ message: IncomingMessage; batch: ChangeBatch }> = [];
  for (const message of messages) {
    let decodedMessage: Awaited<ReturnType<typeof decodeMessage>>;
    try {
      decodedMessage = await decodeMessage(message.body, ctx.store, message.id);
    } catch (e) {
      // Not a batch this task's reader wrote: under skip it is recorded and dropped, under block the
      // invocation fails and the message stays in the queue.
      if (!(e instanceof UndecodableMessage) || ctx.task.sync.dirtyData === 'block') throw e;
      await ctx.store.recordDirty({ table: '(queue)', phase: 'incremental', position: `message ${message.id}`, reason: e.message, row: message.body.slice(0, 200), at: new Date().toISOString() });
      ctx.log(`dirty data skipped: ${e.message}`);
      continue;
    }
    const { task, batch } = decodedMessage;
    if (task !== ctx.task.name) {
      ctx.log(`message ${message.id} belongs to task ${task}, not ${ctx.task.name}: left out`);
      continue;
    }
    decoded.push({ message, batch });
  }
  decoded.sort((a, b) => comparePositions(a.batch.changes[0]!.pos, b.batch.changes[0]!.pos));

  let applied = 0;
  let skipped = 0;
  let early = 0;
  let deferred = 0;
  let ddlFailures = 0;
  let earlyBudget = EARLY_BUDGET_MS;
  for (let i = 0; i < decoded.length; i++) {
    const { message, batch } = decoded[i]!;
    if (ctx.remainingMs && ctx.remainingMs() < TIME_MARGIN_MS) {
      const rest = decoded.slice(i).map((d) => d.message.body);
      await ctx.queue.send(rest);
      deferred = rest.length;
      break;
    }
    let outcome = await applyWithPolicy(batch, ctx);
    // The predecessor is most likely being applied by another instance at this moment: wait for it
    // here a little, rather than a queue round trip of a second or more per link of the chain. The
    // invocation's budget for this is small: its other messages stay invisible meanwhile.
    for (let waited = 0, delay = 10; outcome.status === 'early' && waited < EARLY_WAIT_MS && earlyBudget > 0; waited += delay, delay = Math.min(200, delay * 2)) {
      await new Promise((r) => setTimeout(r, delay));
      earlyBudget -= delay;
      outcome = await applyWithPolicy(batch, ctx);
    }
    if (outcome.status === 'early') {
      await ctx.queue.sendLater(message.body, EARLY_DELAY_SECONDS);
      early++;
      continue;
    }
    applied += outcome.applied;
    skipped += outcome.skipped;
    for (const f of outcome.ddlFailures) {
      ddlFailures++;
      ctx.log(`DDL failed in the destination (the task goes on): ${f.sql} — ${f.error}`);
    }
  }
  return { applied, skipped, early, deferred, ddlFailures };
}

async function applyWithPolicy(batch: ChangeBatch, ctx: ApplyContext): ReturnType<Sink['apply']> {
  let current = batch;
  for (;;) {
    try {
      return await ctx.sink.apply(current);
    } catch (e) {
      if (!(e instanceof ApplyRejected) || ctx.task.sync.dirtyData === 'block') throw e;
      const bad = current.changes.find((c) => comparePositions(c.pos, e.pos) === 0);
      if (!bad) throw e;
      await ctx.store.recordDirty({
        table: `${e.table.database}.${e.table.table}`,
        phase: 'incremental',
        position: formatPosition(e.pos),
        reason: e.serverMessage,
        row: JSON.stringify(bad.kind === 'row' ? (bad.after ?? bad.before) : bad.sql),
        at: new Date().toISOString(),
      });
      ctx.log(`dirty data skipped: ${e.op} of ${e.table.database}.${e.table.table} at ${formatPosition(e.pos)}: ${e.serverMessage}`);
      current = { ...current, changes: current.changes.filter((c) => c !== bad), through: current.through ?? current.changes.at(-1)!.pos };
    }
  }
}
