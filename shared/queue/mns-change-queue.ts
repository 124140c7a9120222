/**
 * ChangeQueue on Alibaba Cloud MNS through the official client `@alicloud/mns` (docs/protocols.md §1):
 * batch sends of at most 16 messages and 64 KB, long-poll batch receives, deletes, delayed sends.
 * The client retries nothing and reports every service error as `MNS<Code>Error`: transient failures
 * (throttling, 5xx, lost connections) are retried here with backoff for a bounded time.
 */
import MNSClient from '@alicloud/mns';
import { FcDtsError } from '../errors.ts';
import { MNS_MESSAGE_BYTES } from './batch-codec.ts';
import type { ChangeQueue, QueuedMessage } from './change-queue.ts';

export interface MnsQueueOptions {
  readonly endpoint: string;
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
  readonly queue: string;
  /** How long a transient failure is retried before it is reported; default 60 s. */
  readonly retryMs?: number;
  /** Visibility timeout of a queue this adapter creates: how long a received, undeleted message stays hidden. Default 60 s. */
  readonly visibilitySeconds?: number;
}

const MAX_BATCH_MESSAGES = 16;
const LOW_PRIORITY = 16;
/** The client's socket idles out at connectTimeout, which must outlast the longest long poll (30 s). */
const CONNECT_TIMEOUT_MS = 35_000;
const TRANSIENT = /^MNS(ServiceUnavailable|InternalError|InternalServerError|TimeExpired|QpsLimitExceeded|Throttling)\w*Error$/;
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

export class MnsChangeQueue implements ChangeQueue {
  private readonly client: MNSClient;

  constructor(private readonly options: MnsQueueOptions) {
    this.client = new MNSClient(options.accountId, {
      endpoint: options.endpoint,
      accessKeyId: options.accessKeyId,
      accessKeySecret: options.accessKeySecret,
      ...(options.securityToken ? { securityToken: options.securityToken } : {}),
      connectTimeout: CONNECT_TIMEOUT_MS,
      readTimeout: CONNECT_TIMEOUT_MS + 5_000,
    });
  }

  /** Creates the queue when it is missing (an existing one with other attributes is left as it is). */
  async ensureQueue(): Promise<void> {
    try {
      await this.retrying('create queue', () => this.client.createQueue(this.options.queue, { VisibilityTimeout: this.options.visibilitySeconds ?? 60, MaximumMessageSize: MNS_MESSAGE_BYTES }));
    } catch (e) {
      if ((e as Error).name !== 'MNSQueueAlreadyExistError') throw e;
    }
  }

  async send(bodies: readonly string[]): Promise<void> {
    for (const group of sendGroups(bodies)) {
      await this.retrying('send', () => this.client.batchSendMessage(this.options.queue, group.map((MessageBody) => ({ MessageBody }))));
    }
  }

  async sendLater(body: string, delaySeconds: number): Promise<void> {
    const delay = Math.min(604_800, Math.max(0, Math.ceil(delaySeconds)));
    // MNS priorities run from 1 (first) to 16 (last); messages are sent with the default, 8.
    await this.retrying('send', () => this.client.sendMessage(this.options.queue, { MessageBody: body, DelaySeconds: delay, Priority: LOW_PRIORITY }));
  }

  async receive(max: number, waitSeconds: number): Promise<QueuedMessage[]> {
    const n = Math.min(MAX_BATCH_MESSAGES, Math.max(1, max));
    // The client drops waitseconds=0 (then the queue's PollingWaitSeconds applies): 1 s is the shortest real wait.
    const wait = Math.min(30, Math.max(1, Math.round(waitSeconds)));
    try {
      const r = await this.retrying('receive', () => this.client.batchReceiveMessage(this.options.queue, n, wait));
      return (r.body ?? []).map((m) => ({ id: m.MessageId, body: m.MessageBody, receiptHandle: m.ReceiptHandle, dequeueCount: Number(m.DequeueCount) }));
    } catch (e) {
      if ((e as Error).name === 'MNSMessageNotExistError') return [];
      throw e;
    }
  }

  async delete(receiptHandle: string): Promise<void> {
    try {
      await this.retrying('delete', () => this.client.deleteMessage(this.options.queue, receiptHandle));
    } catch (e) {
      // The handle expired (the message became visible again, and may be applied again: harmless).
      if ((e as Error).name !== 'MNSMessageNotExistError') throw e;
    }
  }

  async pending(): Promise<number> {
    // The client returns every attribute as text (docs/protocols.md §1.3).
    const a = (await this.retrying('read attributes of', () => this.client.getQueueAttributes(this.options.queue))).body;
    return Number(a.ActiveMessages) + Number(a.InactiveMessages) + Number(a.DelayMessages);
  }

  private async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const limit = this.options.retryMs ?? 60_000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        const err = e as Error & { code?: string };
        const transient = TRANSIENT.test(err.name) || NETWORK.has(err.code ?? '') || err.name === 'RequestTimeoutError' || err.name === 'ConnectionTimeoutError';
        if (!transient) throw this.named(what, e);
        if (Date.now() - started >= limit) throw this.named(what, e);
        await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** attempt) * (0.5 + Math.random())));
      }
    }
  }

  private named(what: string, e: unknown): Error {
    const err = e as Error;
    // Expected outcomes the callers handle keep their client error.
    if (err.name === 'MNSMessageNotExistError' || err.name === 'MNSQueueAlreadyExistError') return err;
    return new FcDtsError(
      err.name === 'MNSQueueNotExistError' ? 'OBJECT_NOT_FOUND' : 'CONNECTION_FAILED',
      `MNS queue ${this.options.queue} at ${this.options.endpoint}: ${what} failed (${err.name}: ${err.message.split('\n')[0]})`,
      err.name === 'MNSQueueNotExistError' ? 'deploy the queues (s deploy) or let fc-dts create it' : 'check the MNS endpoint, account id and credentials, and that the queue service is reachable',
      { cause: e },
    );
  }
}

/** Runs of at most 16 bodies and 64 KB together (MNS BatchSendMessage limits). */
export function sendGroups(bodies: readonly string[]): string[][] {
  const out: string[][] = [];
  let group: string[] = [];
  let bytes = 0;
  for (const b of bodies) {
    const size = Buffer.byteLength(b);
    if (group.length > 0 && (group.length === MAX_BATCH_MESSAGES || bytes + size > MNS_MESSAGE_BYTES)) {
      out.push(group);
      group = [];
      bytes = 0;
    }
    group.push(b);
    bytes += size;
  }
  if (group.length > 0) out.push(group);
  return out;
}
