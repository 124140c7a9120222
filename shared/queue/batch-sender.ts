/**
 * Sends change batches to the destination's queue: the serverless binlog reader's Sink, whose
 * "apply" puts a batch durably in the queue (encoded by batch-codec.ts, cut to the message size,
 * oversized changes claim-checked) and applies nothing. The apply-changes function applies it later
 * with the destination's own sink. The reader's position moves over a change only once this has
 * returned for its batch (docs/architecture.md §3.9).
 */
import type { BinlogPosition } from '../change/position.ts';
import type { ChangeBatch } from '../change/change-event.ts';
import type { ApplyOutcome, Sink } from '../apply/sink.ts';
import { encodeBatch, type PayloadStore } from './batch-codec.ts';
import type { ChangeQueue } from './change-queue.ts';

export class ChangeBatchSender implements Sink {
  constructor(
    private readonly queue: ChangeQueue,
    private readonly task: string,
    private readonly payloads: PayloadStore,
    /** Reads the destination's applied positions: the queue itself knows none. */
    private readonly applied: (bucket: number) => Promise<BinlogPosition | null>,
  ) {}

  /** Sends the batch; the outcome counts it applied, as the reader's checkpoint needs. */
  async apply(batch: ChangeBatch): Promise<ApplyOutcome> {
    const bodies = await encodeBatch(batch, { task: this.task, payloads: this.payloads });
    await this.queue.send(bodies);
    return { status: 'applied', applied: batch.changes.length, skipped: 0, watermark: batch.changes.at(-1)?.pos ?? null, ddlFailures: [] };
  }

  watermark(bucket: number): Promise<BinlogPosition | null> {
    return this.applied(bucket);
  }

  async close(): Promise<void> {}
}
