/**
 * Change batches as queue messages (docs/architecture.md §3.11). A message body is base64 of deflated JSON:
 * base64 because the MNS client does not XML-escape bodies (docs/protocols.md §1.3), deflate because row
 * images repeat their table and column names. Every body fits the queue's message size: a batch too
 * large for one message is cut into consecutive batches chained by `prev` (the sink applies a later
 * part only after the earlier one, so the cut is invisible), and a single change too large alone is
 * stored in the state store, the message carrying its claim check.
 *
 * Column types (RowChange.types, Tablestore destinations) are one object per table definition: a
 * message carries each once, in `types`, and its changes refer to them by index, so the changes of a
 * table share one object again after decoding (the sink caches per object) and the types do not
 * crowd rows out of a message.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Change, ChangeBatch, ColumnTypes } from '../change/change-event.ts';
import { formatPosition, type BinlogPosition } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';

/** MNS's largest message body (docs/protocols.md §1.3). */
export const MNS_MESSAGE_BYTES = 65_536;

/** Where the payloads of claim checks live (the state store in production). */
export interface PayloadStore {
  putPayload(id: string, data: Buffer): Promise<void>;
  getPayload(id: string): Promise<Buffer | undefined>;
  /** Removes a payload (absent already: nothing to do). */
  deletePayload(id: string): Promise<void>;
  /** Ids of the payloads whose id starts with `prefix`, in id order. */
  payloadIds(prefix: string): Promise<string[]>;
}

/** A message that is not a change batch fc-dts wrote: named by its queue message id where known. */
export class UndecodableMessage extends FcDtsError {
  constructor(what: string, problem: string, options?: { cause?: unknown }) {
    super('STATE_INVALID', `queue message ${what} is not an fc-dts change batch: ${problem}`, 'remove the message from the queue; only the binlog reader of this task may send to it', options);
  }
}

interface Envelope {
  readonly v: 1;
  readonly task: string;
  readonly bucket: number;
  readonly prev: BinlogPosition | null;
  readonly changes?: readonly Change[];
  readonly through?: BinlogPosition;
  /** Instead of `changes`: the id of the payload holding them. */
  readonly claim?: string;
  /** The column types its changes refer to by index (`"types": 0`). */
  readonly types?: readonly ColumnTypes[];
}

const VERSION = 1;
/** Changes are first grouped by their JSON size: about this many raw bytes per message before compression. */
const RAW_BYTES_PER_MESSAGE = 4;

export interface EncodeOptions {
  readonly task: string;
  readonly maxBytes?: number;
  readonly payloads: PayloadStore;
}

/** The message bodies of one batch, in order; claim-check payloads are stored before this returns. */
export async function encodeBatch(batch: ChangeBatch, options: EncodeOptions): Promise<string[]> {
  const max = options.maxBytes ?? MNS_MESSAGE_BYTES;
  const out: string[] = [];
  const types: ColumnTypes[] = [];
  const typeIndex = new Map<ColumnTypes, number>();
  const pieces = batch.changes.map((c) => {
    if (c.kind !== 'row' || c.types === undefined) return JSON.stringify(c);
    let i = typeIndex.get(c.types);
    if (i === undefined) typeIndex.set(c.types, (i = types.push(c.types) - 1));
    return JSON.stringify({ ...c, types: i });
  });
  let prev = batch.prev;
  for (const [from, to] of groups(pieces, max * RAW_BYTES_PER_MESSAGE)) {
    prev = await emit(from, to, prev);
  }
  return out;

  /** The envelope's head; the last part carries the batch's `through`. */
  function headOf(prevPos: BinlogPosition | null, to: number): Envelope {
    const head: Envelope = { v: VERSION, task: options.task, bucket: batch.bucket, prev: prevPos, ...(types.length > 0 ? { types } : {}) };
    return to === pieces.length && batch.through !== undefined ? { ...head, through: batch.through } : head;
  }

  /** Encodes changes [from, to) as one body, or halves them until each half fits; returns the last position sent. */
  async function emit(from: number, to: number, prevPos: BinlogPosition | null): Promise<BinlogPosition | null> {
    const head = headOf(prevPos, to);
    const body = pack(`${JSON.stringify(head).slice(0, -1)},"changes":[${pieces.slice(from, to).join(',')}]}`);
    const last = batch.changes[to - 1]!.pos;
    if (body.length <= max) {
      out.push(body);
      return last;
    }
    if (to - from > 1) {
      const mid = from + ((to - from) >> 1);
      return emit(mid, to, await emit(from, mid, prevPos));
    }
    // One change alone is too large: its payload goes to the state store, under an id its position
    // makes unique, so a reader that sends it again after a restart overwrites the same payload.
    const claim = `${options.task}/${batch.bucket}/${formatPosition(last)}`;
    // The payload holds the change as it is, its types inline.
    await options.payloads.putPayload(claim, deflateRawSync(Buffer.from(JSON.stringify(batch.changes[from])), { level: 1 }));
    const ticket = pack(JSON.stringify({ ...head, claim }));
    if (ticket.length > max) throw new RangeError(`a claim-check message is ${ticket.length} bytes, over the queue's ${max}`);
    out.push(ticket);
    return last;
  }
}

/** The batch a message body carries (its claim-check payload fetched). `what` names the message in errors. */
export async function decodeMessage(body: string, payloads: PayloadStore, what = ''): Promise<{ task: string; batch: ChangeBatch }> {
  let env: Envelope;
  try {
    env = JSON.parse(inflateRawSync(Buffer.from(body, 'base64')).toString('utf8')) as Envelope;
  } catch (e) {
    throw new UndecodableMessage(what, 'its body is not base64 of deflated JSON', { cause: e });
  }
  if (typeof env !== 'object' || env === null || env.v !== VERSION) throw new UndecodableMessage(what, `unknown format version ${JSON.stringify((env as { v?: unknown } | null)?.v)}`);
  if (typeof env.task !== 'string' || !Number.isInteger(env.bucket)) throw new UndecodableMessage(what, 'no task or bucket');
  let changes = env.changes;
  if (env.claim !== undefined) {
    const data = await payloads.getPayload(env.claim);
    if (!data) throw new UndecodableMessage(what, `its claim-check payload ${env.claim} is not in the state store`);
    changes = [JSON.parse(inflateRawSync(data).toString('utf8')) as Change];
  }
  if (!Array.isArray(changes) || changes.length === 0) throw new UndecodableMessage(what, 'no changes');
  for (const c of changes) {
    if (typeof c !== 'object' || c === null || (c.kind !== 'row' && c.kind !== 'ddl') || typeof c.pos !== 'object' || c.pos === null) {
      throw new UndecodableMessage(what, 'a change without kind or position');
    }
    if (c.kind === 'row' && typeof c.types === 'number') {
      const types = env.types?.[c.types];
      if (typeof types !== 'object' || types === null) throw new UndecodableMessage(what, `a change refers to column types ${c.types}, which the message does not hold`);
      (c as { types?: ColumnTypes }).types = types;
    }
  }
  return { task: env.task, batch: { bucket: env.bucket, prev: env.prev ?? null, changes, ...(env.through ? { through: env.through } : {}) } };
}

function pack(json: string): string {
  return deflateRawSync(Buffer.from(json), { level: 1 }).toString('base64');
}

/** Consecutive index ranges whose pieces add up to about `bytes` (a piece larger than that is alone). */
function groups(pieces: readonly string[], bytes: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  let size = 0;
  for (let i = 0; i < pieces.length; i++) {
    if (i > from && size + pieces[i]!.length > bytes) {
      out.push([from, i]);
      from = i;
      size = 0;
    }
    size += pieces[i]!.length;
  }
  if (pieces.length > 0) out.push([from, pieces.length]);
  return out;
}
