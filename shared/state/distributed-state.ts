/**
 * What the serverless pipeline keeps beyond the StateStore port (docs/architecture.md §2.3, §3.9): the binlog reader's
 * lease with its fencing token and its position, claim-check payloads of oversized changes, and
 * per-bucket apply watermarks for destinations that cannot hold their own (MySQL destinations keep
 * theirs in the destination, in the same transaction as the rows).
 */
import type { BinlogPosition, ReaderPosition } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';
import type { PayloadStore } from '../queue/batch-codec.ts';
import type { StateStore } from './state-store.ts';

/** One reader per task: whoever holds the lease. `token` grows with every new holder (fencing). */
export interface ReaderLease {
  readonly owner: string;
  readonly token: number;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** The lease was taken by another reader (or expired and was): this reader must stop without writing. */
export class LeaseLost extends FcDtsError {
  constructor(task: string, detail: string) {
    super('STATE_INVALID', `task ${task}: this binlog reader no longer holds the reader lease (${detail})`, 'nothing to do: another reader took over the task; this one stops');
  }
}

export interface DistributedStateStore extends StateStore, PayloadStore {
  /** Takes the lease when it is free, expired or already `owner`'s; undefined while another reader holds it. */
  acquireLease(owner: string, ttlMs: number): Promise<ReaderLease | undefined>;
  /** Extends a held lease; throws LeaseLost when its token is no longer the current one. */
  renewLease(lease: ReaderLease, ttlMs: number): Promise<ReaderLease>;
  /** Gives the lease up (at a clean stop), so the next reader need not wait for it to expire. */
  releaseLease(lease: ReaderLease): Promise<void>;
  getReaderPosition(): Promise<ReaderPosition | undefined>;
  /** Written only while `lease` is the current one (conditional on its token); throws LeaseLost otherwise. */
  putReaderPosition(lease: ReaderLease, position: ReaderPosition): Promise<void>;
  /** The last position applied in a bucket of a destination, null when none. */
  getWatermark(destination: string, bucket: number): Promise<BinlogPosition | null>;
  /** Compare-and-set: moves the watermark from `from` to `to`; false when it was not at `from` (another applier moved it). */
  advanceWatermark(destination: string, bucket: number, from: BinlogPosition | null, to: BinlogPosition): Promise<boolean>;
}
