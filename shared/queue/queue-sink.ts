/**
 * The Sink of the binlog reader in the serverless shape: "applying" a batch means putting it durably
 * in the destination's queue (encoded by batch-codec.ts, cut to the message size, oversized changes
 * claim-checked). The apply-changes function then applies it with the destination's own sink. The
 * reader's position moves over a change only once this has returned for its batch (DESIGN §3).
 */
import type { BinlogPosition } from '../change/position.ts';
import type { ChangeBatch } from '../change/change-event.ts';
import type { ApplyOutcome, Sink } from '../apply/sink.ts';
import { encodeBatch, type PayloadStore } from './batch-codec.ts';
import type { ChangeQueue } from './change-queue.ts';

export class QueueSink implements Sink {
  constructor(
    private readonly queue: ChangeQueue,
    private readonly task: string,
    private readonly payloads: PayloadStore,
    /** Reads the destination's applied positions: the queue itself knows none. */
    private readonly applied: (bucket: number) => Promise<BinlogPosition | null>,
  ) {}

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
