/**
 * The MNS queue model: queues with their attributes, and messages that are delayed, active
 * (receivable) or inactive (received, invisible until their visibility timeout ends), as the MNS
 * product documentation describes them ("Queue model", ReceiveMessage, ChangeMessageVisibility).
 *
 * - At-least-once: a received message comes back when its visibility timeout ends, with
 *   DequeueCount one higher, until it is deleted by its current receipt handle.
 * - A receipt handle is valid only while its message is invisible and only until the next receive
 *   or visibility change of that message; a stale one gives MessageNotExist, one that is not a
 *   receipt handle at all gives ReceiptHandleError (DeleteMessage docs; "message not exist" FAQ).
 * - Order is by priority (1 first), then roughly by enqueue time; MNS promises no order at all.
 * - A message lives at most the queue's MessageRetentionPeriod from when it was sent.
 * - With a directory every change goes to the journal before it is acknowledged, receives and
 *   visibility changes included, so messages, dequeue counts and receipt handles survive a restart.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Journal } from './journal.ts';
import {
  BATCH_DELETE_HANDLES,
  BATCH_RECEIVE_MESSAGES,
  BATCH_SEND_MESSAGES,
  BATCH_SEND_TOTAL_BYTES,
  LIST_RET_NUMBER,
  MESSAGE_BODY_MIN_BYTES,
  MESSAGE_DELAY,
  MESSAGE_PRIORITY,
  NUMERIC_QUEUE_ATTRIBUTES,
  QUEUE_ATTRIBUTES,
  VISIBILITY_TIMEOUT,
  WAIT_SECONDS,
  checkQueueName,
  checkRange,
  type NumericQueueAttribute,
} from './limits.ts';
import { MnsError, messageNotExist, outOfRange, queueNotExist, receiptHandleError } from './mns-error.ts';

/** Queue attributes under their MNS names. */
export type QueueAttributes = { readonly [K in NumericQueueAttribute]: number } & { readonly LoggingEnabled: boolean };

export interface QueueInfo {
  readonly name: string;
  readonly attributes: QueueAttributes;
  /** Milliseconds since the epoch. */
  readonly createTime: number;
  readonly lastModifyTime: number;
  readonly activeMessages: number;
  readonly inactiveMessages: number;
  readonly delayMessages: number;
}

export interface MessageToSend {
  readonly body: string;
  readonly delaySeconds?: number;
  readonly priority?: number;
}

export interface SentMessage {
  readonly messageId: string;
  readonly bodyMd5: string;
  /** Only for a delayed message: it can be deleted or made visible earlier with this handle. */
  readonly receiptHandle?: string;
}

/** A message as PeekMessage shows it. */
export interface MessageView {
  readonly messageId: string;
  readonly body: string;
  readonly bodyMd5: string;
  /** Times in milliseconds since the epoch; firstDequeueTime is 0 before the first receive. */
  readonly enqueueTime: number;
  readonly firstDequeueTime: number;
  readonly dequeueCount: number;
  readonly priority: number;
}

/** A message as ReceiveMessage hands it out. */
export interface ReceivedMessage extends MessageView {
  readonly receiptHandle: string;
  readonly nextVisibleTime: number;
}

export interface DeleteFailure {
  readonly receiptHandle: string;
  readonly error: MnsError;
}

export interface QueueList {
  readonly queues: readonly QueueInfo[];
  /** Where the next page starts, when there is one. */
  readonly nextMarker?: string;
}

interface StoredMessage {
  readonly id: string;
  readonly seq: number;
  readonly body: string;
  readonly bodyMd5: string;
  readonly priority: number;
  readonly enqueueTime: number;
  /** When the message is (again) receivable. */
  visibleAt: number;
  dequeueCount: number;
  firstDequeueTime: number;
  /** The one valid receipt handle, valid while now < visibleAt. */
  handle: string | null;
}

/** What a receive or a visibility change sets on a message. */
interface Lease {
  readonly visibleAt: number;
  readonly dequeueCount: number;
  readonly firstDequeueTime: number;
  readonly handle: string;
}

type JournalRecord =
  | { t: 'queue'; name: string; attributes: QueueAttributes; createTime: number; lastModifyTime: number }
  | { t: 'dropQueue'; name: string }
  | { t: 'message'; queue: string; message: StoredMessage }
  | { t: 'lease'; queue: string; id: string; lease: Lease }
  | { t: 'ack'; queue: string; id: string };

class Queue {
  attributes: QueueAttributes;
  lastModifyTime: number;
  /** One map per priority (index 0 = priority 1), each in enqueue order. */
  readonly byPriority: Map<string, StoredMessage>[] = Array.from({ length: MESSAGE_PRIORITY.max }, () => new Map());
  readonly byHandle = new Map<string, StoredMessage>();
  /** Long polls waiting on this queue. */
  readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    attributes: QueueAttributes,
    readonly createTime: number,
  ) {
    this.attributes = attributes;
    this.lastModifyTime = createTime;
  }

  *messages(): Iterable<StoredMessage> {
    for (const bucket of this.byPriority) yield* bucket.values();
  }

  find(id: string): StoredMessage | undefined {
    for (const bucket of this.byPriority) {
      const m = bucket.get(id);
      if (m) return m;
    }
    return undefined;
  }

  add(m: StoredMessage): void {
    this.bucket(m).set(m.id, m);
    if (m.handle !== null) this.byHandle.set(m.handle, m);
  }

  remove(m: StoredMessage): void {
    this.bucket(m).delete(m.id);
    if (m.handle !== null) this.byHandle.delete(m.handle);
  }

  lease(m: StoredMessage, lease: Lease): void {
    if (m.handle !== null) this.byHandle.delete(m.handle);
    Object.assign(m, lease);
    if (m.handle !== null) this.byHandle.set(m.handle, m);
  }

  /**
   * Drops messages past the retention period. Each bucket is in enqueue order, so the expired
   * ones are at its head.
   */
  purgeExpired(now: number): void {
    const oldest = now - this.attributes.MessageRetentionPeriod * 1000;
    for (const bucket of this.byPriority) {
      for (const m of bucket.values()) {
        if (m.enqueueTime > oldest) break;
        this.remove(m);
      }
    }
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private bucket(m: StoredMessage): Map<string, StoredMessage> {
    const b = this.byPriority[m.priority - 1];
    if (!b) throw new Error(`priority ${m.priority} out of range`);
    return b;
  }
}

const HANDLE = /^1-[A-Za-z0-9_-]{24}$/;

export class QueueStore {
  private readonly queues = new Map<string, Queue>();
  private seq = 0;
  private closed = false;
  private readonly journal: Journal<JournalRecord> | undefined;
  /** Distinguishes message ids of this store from those of another instance. */
  private readonly idPrefix = randomBytes(8).toString('hex').toUpperCase();

  /** A store in memory, or persisted to `dir` (replayed and compacted now). */
  constructor(dir?: string) {
    this.journal = dir === undefined ? undefined : Journal.open<JournalRecord>(dir, (records) => this.replay(records));
  }

  // ── queues ──────────────────────────────────────────────────────────────────────────────

  /** `created`, or `unchanged` when the queue exists with the same attributes (else QueueAlreadyExist). */
  createQueue(name: string, given: Partial<QueueAttributes>): 'created' | 'unchanged' {
    checkQueueName(name);
    const attributes = completeAttributes(given, defaultAttributes());
    const existing = this.queues.get(name);
    if (existing) {
      if (sameAttributes(existing.attributes, attributes)) return 'unchanged';
      throw new MnsError('QueueAlreadyExist', 'The queue you want to create is already exist.');
    }
    const q = new Queue(name, attributes, Date.now());
    this.write([queueRecord(q)]);
    this.queues.set(name, q);
    return 'created';
  }

  setQueueAttributes(name: string, given: Partial<QueueAttributes>): void {
    const q = this.queue(name);
    const attributes = completeAttributes(given, q.attributes);
    const lastModifyTime = Date.now();
    this.write([{ ...queueRecord(q), attributes, lastModifyTime }]);
    q.attributes = attributes;
    q.lastModifyTime = lastModifyTime;
    q.wake(); // a waiting long poll re-reads the queue
  }

  deleteQueue(name: string): void {
    const q = this.queue(name);
    this.write([{ t: 'dropQueue', name }]);
    this.queues.delete(name);
    q.wake();
  }

  getQueue(name: string): QueueInfo {
    return this.info(this.queue(name), Date.now());
  }

  listQueues(prefix = '', marker = '', limit: number = LIST_RET_NUMBER.default): QueueList {
    checkRange('x-mns-ret-number', limit, LIST_RET_NUMBER);
    const names = [...this.queues.keys()].filter((n) => n.startsWith(prefix) && n >= marker).sort();
    const now = Date.now();
    const page = names.slice(0, limit).map((n) => this.info(this.queue(n), now));
    const next = names[limit];
    return next === undefined ? { queues: page } : { queues: page, nextMarker: next };
  }

  // ── messages ────────────────────────────────────────────────────────────────────────────

  send(name: string, messages: readonly MessageToSend[], batch: boolean): SentMessage[] {
    const q = this.queue(name);
    if (batch) {
      checkRange('Message count', messages.length, BATCH_SEND_MESSAGES);
      const total = messages.reduce((sum, m) => sum + Buffer.byteLength(m.body, 'utf8'), 0);
      if (total > BATCH_SEND_TOTAL_BYTES) throw outOfRange('total MessageBody size', 1, BATCH_SEND_TOTAL_BYTES, 'bytes');
    }
    // All are checked before any is enqueued: an invalid batch is refused as a whole.
    for (const m of messages) {
      const bytes = Buffer.byteLength(m.body, 'utf8');
      if (bytes < MESSAGE_BODY_MIN_BYTES || bytes > q.attributes.MaximumMessageSize) {
        throw outOfRange('MessageBody', MESSAGE_BODY_MIN_BYTES, q.attributes.MaximumMessageSize, 'bytes');
      }
      if (m.delaySeconds !== undefined) checkRange('DelaySeconds', m.delaySeconds, MESSAGE_DELAY, 'seconds');
      if (m.priority !== undefined) checkRange('Priority', m.priority, MESSAGE_PRIORITY);
    }
    const now = Date.now();
    const stored = messages.map((m): StoredMessage => {
      const delay = m.delaySeconds ?? q.attributes.DelaySeconds;
      const seq = ++this.seq;
      return {
        id: `${this.idPrefix}-1-${now.toString(16).toUpperCase()}-${seq.toString(16).toUpperCase().padStart(9, '0')}`,
        seq,
        body: m.body,
        bodyMd5: createHash('md5').update(m.body, 'utf8').digest('hex').toUpperCase(),
        priority: m.priority ?? MESSAGE_PRIORITY.default,
        enqueueTime: now,
        visibleAt: now + delay * 1000,
        dequeueCount: 0,
        firstDequeueTime: 0,
        handle: delay > 0 ? newHandle() : null,
      };
    });
    this.write(stored.map((message) => ({ t: 'message', queue: name, message })));
    for (const m of stored) q.add(m);
    q.wake();
    return stored.map((m) => ({
      messageId: m.id,
      bodyMd5: m.bodyMd5,
      ...(m.handle === null ? {} : { receiptHandle: m.handle }),
    }));
  }

  /**
   * Up to `count` receivable messages, made invisible for the queue's VisibilityTimeout. When
   * none is receivable, waits up to `waitSeconds` (the queue's PollingWaitSeconds when not given)
   * for one to be sent or to become visible; an empty result means none came.
   */
  async receive(name: string, count: number, waitSeconds: number | undefined, signal?: AbortSignal): Promise<ReceivedMessage[]> {
    checkRange('numOfMessages', count, BATCH_RECEIVE_MESSAGES);
    if (waitSeconds !== undefined) checkRange('waitseconds', waitSeconds, WAIT_SECONDS, 'seconds');
    const wait = waitSeconds ?? this.queue(name).attributes.PollingWaitSeconds;
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const q = this.queue(name);
      if (this.closed || signal?.aborted) return [];
      const now = Date.now();
      const taken = this.take(q, count, now);
      if (taken.length > 0 || now >= deadline) return taken;
      await waitForChange(q, Math.min(deadline, nextVisibleAt(q, now)) - now, signal);
    }
  }

  /** Up to `count` receivable messages, left as they are. */
  peek(name: string, count: number): MessageView[] {
    checkRange('numOfMessages', count, BATCH_RECEIVE_MESSAGES);
    const q = this.queue(name);
    const now = Date.now();
    q.purgeExpired(now);
    const out: MessageView[] = [];
    for (const m of q.messages()) {
      if (out.length >= count) break;
      if (m.visibleAt <= now) out.push(view(m));
    }
    return out;
  }

  deleteMessage(name: string, receiptHandle: string): void {
    const q = this.queue(name);
    const m = this.holder(q, receiptHandle, Date.now());
    this.write([{ t: 'ack', queue: name, id: m.id }]);
    q.remove(m);
  }

  /** Deletes what it can; the handles it could not use come back with their errors. */
  deleteMessages(name: string, receiptHandles: readonly string[]): DeleteFailure[] {
    checkRange('ReceiptHandle count', receiptHandles.length, BATCH_DELETE_HANDLES);
    const q = this.queue(name);
    const now = Date.now();
    const failures: DeleteFailure[] = [];
    const doomed = new Set<StoredMessage>();
    for (const h of receiptHandles) {
      try {
        const m = this.holder(q, h, now);
        if (doomed.has(m)) throw messageNotExist(); // the same handle twice: deleted by the first
        doomed.add(m);
      } catch (e) {
        if (!(e instanceof MnsError)) throw e;
        failures.push({ receiptHandle: h, error: e });
      }
    }
    this.write([...doomed].map((m) => ({ t: 'ack', queue: name, id: m.id })));
    for (const m of doomed) q.remove(m);
    return failures;
  }

  /** Makes the message invisible for `seconds` from now; the old handle is void, the new one returned. */
  changeVisibility(name: string, receiptHandle: string, seconds: number): { receiptHandle: string; nextVisibleTime: number } {
    checkRange('VisibilityTimeout', seconds, VISIBILITY_TIMEOUT, 'seconds');
    const q = this.queue(name);
    const now = Date.now();
    const m = this.holder(q, receiptHandle, now);
    const handle = newHandle();
    const lease: Lease = { visibleAt: now + seconds * 1000, dequeueCount: m.dequeueCount, firstDequeueTime: m.firstDequeueTime, handle };
    this.write([{ t: 'lease', queue: name, id: m.id, lease }]);
    q.lease(m, lease);
    q.wake(); // the message may now become visible sooner than a waiting long poll expects
    return { receiptHandle: handle, nextVisibleTime: lease.visibleAt };
  }

  /** Ends long polls (they return empty) and closes the journal. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.queues.values()) q.wake();
    this.journal?.close();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  private queue(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw queueNotExist();
    return q;
  }

  private info(q: Queue, now: number): QueueInfo {
    q.purgeExpired(now);
    let active = 0;
    let inactive = 0;
    let delayed = 0;
    for (const m of q.messages()) {
      if (m.visibleAt <= now) active++;
      else if (m.dequeueCount > 0) inactive++;
      else delayed++;
    }
    return {
      name: q.name,
      attributes: q.attributes,
      createTime: q.createTime,
      lastModifyTime: q.lastModifyTime,
      activeMessages: active,
      inactiveMessages: inactive,
      delayMessages: delayed,
    };
  }

  private take(q: Queue, count: number, now: number): ReceivedMessage[] {
    q.purgeExpired(now);
    const chosen: StoredMessage[] = [];
    for (const m of q.messages()) {
      if (chosen.length >= count) break;
      if (m.visibleAt <= now) chosen.push(m);
    }
    if (chosen.length === 0) return [];
    const visibleAt = now + q.attributes.VisibilityTimeout * 1000;
    const leases = chosen.map((m): [StoredMessage, Lease] => [
      m,
      { visibleAt, dequeueCount: m.dequeueCount + 1, firstDequeueTime: m.firstDequeueTime || now, handle: newHandle() },
    ]);
    this.write(leases.map(([m, lease]) => ({ t: 'lease', queue: q.name, id: m.id, lease })));
    return leases.map(([m, lease]) => {
      q.lease(m, lease);
      return { ...view(m), receiptHandle: lease.handle, nextVisibleTime: visibleAt };
    });
  }

  /** The message `handle` currently holds, or the error MNS gives for it. */
  private holder(q: Queue, handle: string, now: number): StoredMessage {
    if (!HANDLE.test(handle)) throw receiptHandleError();
    q.purgeExpired(now);
    const m = q.byHandle.get(handle);
    if (!m || m.visibleAt <= now) throw messageNotExist();
    return m;
  }

  private write(records: JournalRecord[]): void {
    this.journal?.append(records);
  }

  /** Rebuilds the state from the journal's records; returns the records of that state. */
  private replay(records: JournalRecord[]): JournalRecord[] {
    for (const r of records) {
      switch (r.t) {
        case 'queue': {
          const q = this.queues.get(r.name);
          if (q) {
            q.attributes = r.attributes;
            q.lastModifyTime = r.lastModifyTime;
          } else {
            const created = new Queue(r.name, r.attributes, r.createTime);
            created.lastModifyTime = r.lastModifyTime;
            this.queues.set(r.name, created);
          }
          break;
        }
        case 'dropQueue':
          this.queues.delete(r.name);
          break;
        case 'message':
          this.queues.get(r.queue)?.add({ ...r.message });
          this.seq = Math.max(this.seq, r.message.seq);
          break;
        case 'lease': {
          const q = this.queues.get(r.queue);
          const m = q?.find(r.id);
          if (q && m) q.lease(m, r.lease);
          break;
        }
        case 'ack': {
          const q = this.queues.get(r.queue);
          const m = q?.find(r.id);
          if (q && m) q.remove(m);
          break;
        }
      }
    }
    const now = Date.now();
    const live: JournalRecord[] = [];
    for (const q of this.queues.values()) {
      q.purgeExpired(now);
      live.push(queueRecord(q));
      for (const m of q.messages()) live.push({ t: 'message', queue: q.name, message: m });
    }
    return live;
  }
}

function queueRecord(q: Queue): JournalRecord & { t: 'queue' } {
  return { t: 'queue', name: q.name, attributes: q.attributes, createTime: q.createTime, lastModifyTime: q.lastModifyTime };
}

function defaultAttributes(): QueueAttributes {
  const numeric = Object.fromEntries(NUMERIC_QUEUE_ATTRIBUTES.map((k) => [k, QUEUE_ATTRIBUTES[k].default]));
  return { ...(numeric as Record<NumericQueueAttribute, number>), LoggingEnabled: false };
}

function completeAttributes(given: Partial<QueueAttributes>, base: QueueAttributes): QueueAttributes {
  for (const k of NUMERIC_QUEUE_ATTRIBUTES) {
    const v = given[k];
    if (v !== undefined) checkRange(k, v, QUEUE_ATTRIBUTES[k], QUEUE_ATTRIBUTES[k].unit);
  }
  return { ...base, ...definedOnly(given) };
}

function definedOnly(given: Partial<QueueAttributes>): Partial<QueueAttributes> {
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
}

function sameAttributes(a: QueueAttributes, b: QueueAttributes): boolean {
  return NUMERIC_QUEUE_ATTRIBUTES.every((k) => a[k] === b[k]) && a.LoggingEnabled === b.LoggingEnabled;
}

function view(m: StoredMessage): MessageView {
  return {
    messageId: m.id,
    body: m.body,
    bodyMd5: m.bodyMd5,
    enqueueTime: m.enqueueTime,
    firstDequeueTime: m.firstDequeueTime,
    dequeueCount: m.dequeueCount,
    priority: m.priority,
  };
}

/** Receipt handles are URL-safe: the npm client puts them into the query string unescaped. */
function newHandle(): string {
  return `1-${randomBytes(18).toString('base64url')}`;
}

/** When the next invisible message becomes receivable (Infinity when none will). */
function nextVisibleAt(q: Queue, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const m of q.messages()) if (m.visibleAt > now && m.visibleAt < next) next = m.visibleAt;
  return next;
}

function waitForChange(q: Queue, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      q.waiters.delete(done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(1, ms));
    q.waiters.add(done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
