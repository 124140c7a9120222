/**
 * Buckets held by a batch the apply-changes function could not apply (serverless). The failed
 * invocation leaves the message in the queue, which delivers it again: that is the retry. So that the
 * status can say which bucket is stuck on what, each failure also writes a record to the state store
 * (one per bucket, overwritten by the next failure); the reader, which publishes the status, lists the
 * records and drops those its bucket's watermark has passed.
 */
import { isPermanent, retryingBucket, type RetryingBucket } from '../apply/apply-failure.ts';
import type { ChangeBatch } from '../change/change-event.ts';
import { comparePositions, isAfter, type BinlogPosition } from '../change/position.ts';
import type { PayloadStore } from '../queue/batch-codec.ts';

interface HeldRecord extends RetryingBucket {
  /** The batch's first position, for the comparison with the watermark. */
  readonly pos: BinlogPosition;
  /** The error is one no retry can cure: the bucket stays held until fc-dts or the data is fixed. */
  readonly permanent: boolean;
}

const prefix = (task: string) => `held/${task}/`;

/** Records (or counts one more) failure of `batch`; returns the number of failed attempts so far. */
export async function recordHeldBucket(store: PayloadStore, task: string, batch: ChangeBatch, error: unknown): Promise<number> {
  const id = `${prefix(task)}${batch.bucket}`;
  const pos = batch.changes[0]!.pos;
  const previous = parse(await store.getPayload(id));
  const same = previous !== undefined && comparePositions(previous.pos, pos) === 0;
  const since = same ? Date.parse(previous.since) : Date.now();
  const record: HeldRecord = { ...retryingBucket(batch, error, same ? previous.attempts + 1 : 1, since), pos, permanent: isPermanent(error) };
  await store.putPayload(id, Buffer.from(JSON.stringify(record)));
  return record.attempts;
}

/**
 * The buckets still held: a record whose bucket's watermark has reached its batch is removed (the
 * batch was applied since). One listing; a watermark read per record only.
 */
export async function heldBuckets(store: PayloadStore, task: string, watermark: (bucket: number) => Promise<BinlogPosition | null>): Promise<RetryingBucket[]> {
  const held: RetryingBucket[] = [];
  for (const id of await store.payloadIds(prefix(task))) {
    const record = parse(await store.getPayload(id));
    if (record === undefined) continue;
    const wm = await watermark(record.bucket);
    if (wm !== null && !isAfter(record.pos, wm)) {
      await store.deletePayload(id);
      continue;
    }
    const { pos: _pos, permanent, ...shown } = record;
    held.push(permanent ? { ...shown, lastError: `${shown.lastError} (not transient: it fails the same way until the cause is fixed)` } : shown);
  }
  return held.sort((a, b) => a.bucket - b.bucket);
}

function parse(data: Buffer | undefined): HeldRecord | undefined {
  return data === undefined ? undefined : (JSON.parse(data.toString('utf8')) as HeldRecord);
}
