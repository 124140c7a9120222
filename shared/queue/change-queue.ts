/**
 * The ChangeQueue port (docs/architecture.md §1.2, §2.2): the binlog reader sends encoded change batches
 * (batch-codec.ts) to one queue per destination; apply workers receive them. Delivery is at least
 * once and unordered (MNS guarantees no more); the batches' positions and `prev` make that safe.
 */
export interface QueuedMessage {
  readonly id: string;
  readonly body: string;
  /** Deletes (acknowledges) the message. */
  readonly receiptHandle: string;
  /** 1 on first delivery. */
  readonly dequeueCount: number;
}

export interface ChangeQueue {
  /** Durable in the queue when it resolves: only then may the reader move its position past them. */
  send(bodies: readonly string[]): Promise<void>;
  /**
   * Sends a body back to wait: visible after `delaySeconds`, and handed out after the messages of
   * normal priority (an early batch goes behind the backlog, where its predecessor most likely is).
   */
  sendLater(body: string, delaySeconds: number): Promise<void>;
  /** Up to `max` messages, waiting up to `waitSeconds` for the first; [] when none came. */
  receive(max: number, waitSeconds: number): Promise<QueuedMessage[]>;
  delete(receiptHandle: string): Promise<void>;
  /** Messages in the queue: waiting, being applied (received, not deleted) or delayed. */
  pending(): Promise<number>;
}
