/**
 * Apply watermarks kept in the state store's bucket records, for a destination that cannot keep them
 * beside its rows under a condition (Lindorm: no transactions, no compare-and-set). Each bucket's record
 * holds its watermark and, while a batch is applied, the claim of the process applying it.
 *
 * Standalone, the runner is the only writer: the record's version is cached and each batch costs one
 * write. Shared (serverless apply-changes instances, at-least-once delivery), a batch first claims its
 * bucket by compare-and-set — refused while another live process holds it — renews the claim before each
 * write past its half-life, and moves the watermark and gives the claim up in one compare-and-set at the
 * end; if the claim was lost meanwhile that write fails, so a stalled process can never move a watermark
 * back over what the bucket's new holder applied.
 */
import type { BinlogPosition } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';
import type { BucketRecords, VersionedRecord } from '../state/state-store.ts';

export interface WatermarkRecord {
  readonly watermark: BinlogPosition | null;
  /** The process holding the bucket ('' when none). */
  readonly owner: string;
  /** When its claim runs out (ms since the epoch). */
  readonly until: number;
}

export interface Claim {
  readonly bucket: number;
  readonly watermark: BinlogPosition | null;
}

const FREE: WatermarkRecord = { watermark: null, owner: '', until: 0 };

export function parseWatermarkRecord(record: VersionedRecord | undefined): WatermarkRecord {
  return record ? (JSON.parse(record.value) as WatermarkRecord) : FREE;
}

export class RecordedWatermarks {
  /** The version of each bucket's record this process last read or wrote, and the record. */
  private readonly known = new Map<number, { version: number | undefined; record: WatermarkRecord }>();

  constructor(
    private readonly records: BucketRecords,
    /** The record name: one per destination kind (`lindorm-apply`). */
    private readonly name: string,
    private readonly taskName: string,
    /** Set when other processes apply the same buckets: this one's identity and claim length. */
    private readonly shared?: { readonly owner: string; readonly claimMs: number },
  ) {}

  /** The bucket's watermark as the store has it. */
  async read(bucket: number): Promise<BinlogPosition | null> {
    return parseWatermarkRecord(await this.records.getBucketRecord(this.name, bucket)).watermark;
  }

  /** Takes the bucket for one batch: its watermark, or 'busy' while another live process holds it. */
  async claim(bucket: number): Promise<Claim | 'busy'> {
    if (!this.shared) return { bucket, watermark: (await this.current(bucket)).record.watermark };
    const { version, record } = await this.fresh(bucket);
    if (record.owner !== '' && record.owner !== this.shared.owner && record.until > Date.now()) return 'busy';
    const taken = await this.put(bucket, version, { ...record, owner: this.shared.owner, until: Date.now() + this.shared.claimMs });
    return taken ? { bucket, watermark: record.watermark } : 'busy';
  }

  /** Before each write of a shared batch: renews a claim past its half-life; a claim lost stops the batch. */
  async renew(claim: Claim): Promise<void> {
    if (!this.shared) return;
    const known = this.known.get(claim.bucket);
    if (known && Date.now() < known.record.until - this.shared.claimMs / 2) return;
    if (!known || !(await this.put(claim.bucket, known.version, { ...known.record, until: Date.now() + this.shared.claimMs }))) throw this.lost(claim.bucket);
  }

  /** After every row of the batch is written: moves the watermark to `through` and gives the claim up. */
  async advance(claim: Claim, through: BinlogPosition): Promise<void> {
    const known = await this.current(claim.bucket);
    if (!(await this.put(claim.bucket, known.version, { watermark: through, owner: '', until: 0 }))) throw this.lost(claim.bucket);
  }

  /** Gives a shared claim up without moving the watermark (the batch failed or was early); best effort. */
  async release(claim: Claim): Promise<void> {
    if (!this.shared) return;
    const known = this.known.get(claim.bucket);
    if (known && known.record.owner === this.shared.owner) await this.put(claim.bucket, known.version, { ...known.record, owner: '', until: 0 }).catch(() => false);
  }

  private async current(bucket: number): Promise<{ version: number | undefined; record: WatermarkRecord }> {
    return this.known.get(bucket) ?? (await this.fresh(bucket));
  }

  private async fresh(bucket: number): Promise<{ version: number | undefined; record: WatermarkRecord }> {
    const stored = await this.records.getBucketRecord(this.name, bucket);
    const known = { version: stored?.version, record: parseWatermarkRecord(stored) };
    this.known.set(bucket, known);
    return known;
  }

  private async put(bucket: number, version: number | undefined, record: WatermarkRecord): Promise<boolean> {
    const written = await this.records.putBucketRecord(this.name, bucket, version, JSON.stringify(record));
    if (written) this.known.set(bucket, { version: (version ?? 0) + 1, record });
    else this.known.delete(bucket);
    return written;
  }

  private lost(bucket: number): FcDtsError {
    return new FcDtsError(
      'STATE_INVALID',
      `bucket ${bucket} of task ${this.taskName}: the bucket was taken by another process while this batch was written`,
      this.shared ? 'the batch is redelivered and applied by the instance that holds the bucket now; if this recurs, raise the claim time above the apply function timeout' : 'another fc-dts process runs this task: stop it, then run fc-dts verify',
    );
  }
}
