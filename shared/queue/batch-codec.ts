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

/**
 * A claim check whose payload is gone: the apply function deletes a payload once its change is applied,
 * so a message delivered again after that finds none. `at` (the change's position; absent in messages
 * of older versions) tells the caller whether the bucket's watermark has passed it, i.e. a replay.
 */
export class ClaimMissing extends UndecodableMessage {
  constructor(what: string, readonly claim: string, readonly bucket: number, readonly at: BinlogPosition | undefined) {
    super(what, `its claim-check payload ${claim} is not in the state store`);
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
  /** With `claim`: the position of the change it holds (to tell a replay once the payload is deleted). */
  readonly at?: BinlogPosition;
  /** The column types its changes refer to by index (`"types": 0`). */
  readonly types?: readonly ColumnTypes[];
}

const VERSION = 1;
/** Changes are first grouped by their JSON size: about this many raw bytes per message before compression. */
const RAW_BYTES_PER_MESSAGE = 4;
/**
 * A single change whose JSON is over this many times the message size goes straight to a claim check.
 * Row images rarely deflate that well; one that would (a long run of one byte) still arrives intact,
 * at the cost of a state-store round trip. Deflate's own limit (~1000:1) makes this a trade-off only.
 */
const CLAIM_RATIO = 16;

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
    const last = batch.changes[to - 1]!.pos;
    // A piece far over the message size goes to the state store without first packing it into a body
    // only to find that too large: for a 64 MB value that is seconds of deflate and a second copy.
    // groups() keeps such a piece alone, so no multi-change body is ever built around it.
    if (to - from > 1 || pieces[from]!.length <= max * CLAIM_RATIO) {
      const body = pack(`${JSON.stringify(head).slice(0, -1)},"changes":[${pieces.slice(from, to).join(',')}]}`);
      if (body.length <= max) {
        out.push(body);
        return last;
      }
      if (to - from > 1) {
        const mid = from + ((to - from) >> 1);
        return emit(mid, to, await emit(from, mid, prevPos));
      }
    }
    // One change alone is too large: its payload goes to the state store, under an id its position
    // makes unique, so a reader that sends it again after a restart overwrites the same payload.
    const claim = `${options.task}/${batch.bucket}/${formatPosition(last)}`;
    // The payload is the change's piece as it is (its types by index, into the ticket's `types`).
    await options.payloads.putPayload(claim, deflateRawSync(pieces[from]!, { level: 1 }));
    const ticket = pack(JSON.stringify({ ...head, claim, at: last }));
    if (ticket.length > max) throw new RangeError(`a claim-check message is ${ticket.length} bytes, over the queue's ${max}`);
    out.push(ticket);
    return last;
  }
}

/**
 * A message opened: its envelope read, its claim-check payload (if any) not fetched yet, so that a
 * caller holding many messages holds one large change at a time. `first` is the position of its first
 * change (what callers order batches by); `load()` fetches the payload and checks the changes.
 */
export interface OpenedMessage {
  readonly task: string;
  readonly bucket: number;
  readonly first: BinlogPosition;
  /** The id of its claim-check payload, for deleting it once the batch is applied. */
  readonly claim: string | undefined;
  load(): Promise<ChangeBatch>;
}

/** Reads a message body's envelope (UndecodableMessage when it is not one). `what` names the message in errors. */
export async function openMessage(body: string, payloads: PayloadStore, what = ''): Promise<OpenedMessage> {
  let env: Envelope;
  try {
    env = JSON.parse(inflateRawSync(Buffer.from(body, 'base64')).toString('utf8')) as Envelope;
  } catch (e) {
    throw new UndecodableMessage(what, 'its body is not base64 of deflated JSON', { cause: e });
  }
  if (typeof env !== 'object' || env === null || env.v !== VERSION) throw new UndecodableMessage(what, `unknown format version ${JSON.stringify((env as { v?: unknown } | null)?.v)}`);
  if (typeof env.task !== 'string' || !Number.isInteger(env.bucket)) throw new UndecodableMessage(what, 'no task or bucket');
  const { claim, task, bucket } = env;
  const at = isPosition(env.at) ? env.at : undefined;
  const load = async (): Promise<ChangeBatch> => {
    let changes = env.changes;
    if (claim !== undefined) {
      changes = [parsePayload(await payloads.getPayload(claim), () => new ClaimMissing(what, claim, bucket, at))];
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
    return { bucket, prev: env.prev ?? null, changes, ...(env.through ? { through: env.through } : {}) };
  };
  if (claim !== undefined && at !== undefined) return { task, bucket, first: at, claim, load };
  // Inline changes (or a claim check of an older version, without `at`): checked now, `load` returns them.
  const batch = await load();
  return { task, bucket, first: batch.changes[0]!.pos, claim, load: async () => batch };
}

/** The batch a message body carries, its claim-check payload fetched. `what` names the message in errors. */
export async function decodeMessage(body: string, payloads: PayloadStore, what = ''): Promise<{ task: string; batch: ChangeBatch }> {
  const opened = await openMessage(body, payloads, what);
  return { task: opened.task, batch: await opened.load() };
}

/**
 * The change a claim-check payload holds. Neither the payload nor its inflated bytes are referenced
 * while JSON.parse runs: only the text and the change it makes are (a 64 MB value is ~90 MB of each).
 */
function parsePayload(data: Buffer | undefined, missing: () => Error): Change {
  if (!data) throw missing();
  const text = inflateRawSync(data).toString('utf8');
  data = undefined;
  return JSON.parse(text) as Change;
}

function isPosition(p: unknown): p is BinlogPosition {
  const { file, offset, row } = (p ?? {}) as Partial<BinlogPosition>;
  return Number.isInteger(file) && Number.isInteger(offset) && Number.isInteger(row);
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
