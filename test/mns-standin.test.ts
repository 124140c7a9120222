/**
 * The MNS stand-in driven through the official npm client `@alicloud/mns` (no mocks): the queue
 * model's semantics (visibility, redelivery, delay, long polling), its limits and error codes as
 * the client reports them, signature checks, and persistence across a restart.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNSClient from '@alicloud/mns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMnsStandIn, type MnsStandIn } from '../infra/mns-standin/index.ts';
import { contentMd5, sign, stringToSign } from '../infra/mns-standin/signature.ts';

const KEY = { accessKeyId: 'LTAI-test-key', accessKeySecret: 'test-secret' };

function clientFor(standIn: MnsStandIn, options: Partial<MNSClient.ClientOptions> = {}): MNSClient {
  return new MNSClient(standIn.accountId, { endpoint: standIn.endpoint, ...KEY, ...options });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('MNS stand-in', () => {
  let standIn: MnsStandIn;
  let mns: MNSClient;

  beforeAll(async () => {
    standIn = await startMnsStandIn(KEY);
    mns = clientFor(standIn);
  });

  afterAll(async () => {
    await standIn.close();
  });

  it('creates a queue, sends, receives and deletes a message', async () => {
    const created = await mns.createQueue('basic', { VisibilityTimeout: 30 });
    expect(created.code).toBe(201);
    expect(created.headers.location).toBe(`${standIn.endpoint}/queues/basic`);
    expect((await mns.createQueue('basic', { VisibilityTimeout: 30 })).code).toBe(204);
    await expect(mns.createQueue('basic', { VisibilityTimeout: 60 })).rejects.toMatchObject({ name: 'MNSQueueAlreadyExistError' });

    const body = Buffer.from('{"bucket":3,"events":[]}').toString('base64');
    const sent = await mns.sendMessage('basic', { MessageBody: body });
    expect(sent.code).toBe(201);
    // MessageBodyMD5 is the upper-case hex MD5 of the body as sent.
    expect(sent.body.MessageBodyMD5).toBe(createHash('md5').update(body).digest('hex').toUpperCase());
    expect((await mns.getQueueAttributes('basic')).body).toMatchObject({ QueueName: 'basic', ActiveMessages: '1', InactiveMessages: '0', VisibilityTimeout: '30' });

    const peeked = await mns.peekMessage('basic');
    expect(peeked.body).toMatchObject({ MessageId: sent.body.MessageId, MessageBody: body, DequeueCount: '0' });
    expect(peeked.body).not.toHaveProperty('ReceiptHandle');

    const got = await mns.receiveMessage('basic');
    expect(got.code).toBe(200);
    expect(got.body).toMatchObject({ MessageId: sent.body.MessageId, MessageBody: body, MessageBodyMD5: sent.body.MessageBodyMD5, DequeueCount: '1', Priority: '8' });
    const enqueued = Number(got.body.EnqueueTime);
    expect(Number(got.body.FirstDequeueTime)).toBeGreaterThanOrEqual(enqueued);
    expect(Number(got.body.NextVisibleTime) - Number(got.body.FirstDequeueTime)).toBe(30_000);
    expect((await mns.getQueueAttributes('basic')).body).toMatchObject({ ActiveMessages: '0', InactiveMessages: '1' });
    await expect(mns.receiveMessage('basic')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });

    expect((await mns.deleteMessage('basic', got.body.ReceiptHandle)).code).toBe(204);
    await expect(mns.deleteMessage('basic', got.body.ReceiptHandle)).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    expect((await mns.getQueueAttributes('basic')).body).toMatchObject({ ActiveMessages: '0', InactiveMessages: '0', DelayMessages: '0' });
  });

  it('batch-sends 16 messages and refuses a 17th or more than 64 KB in all', async () => {
    await mns.createQueue('batch');
    const messages = Array.from({ length: 16 }, (_, i) => ({ MessageBody: `m${i}`, Priority: 1 + (i % 16) }));
    const sent = await mns.batchSendMessage('batch', messages);
    expect(sent.code).toBe(201);
    expect(new Set(sent.body.map((m) => m.MessageId)).size).toBe(16);

    await expect(mns.batchSendMessage('batch', [...messages, { MessageBody: 'm16', Priority: 8 }])).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
    const halfAndMore = 'x'.repeat(32_769);
    await expect(mns.batchSendMessage('batch', [{ MessageBody: halfAndMore }, { MessageBody: halfAndMore }])).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
    expect((await mns.getQueueAttributes('batch')).body.ActiveMessages).toBe('16'); // nothing of the refused batches

    expect((await mns.batchPeekMessage('batch', 16)).body).toHaveLength(16);
    await expect(mns.batchReceiveMessage('batch', 17)).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
    const got = await mns.batchReceiveMessage('batch', 16);
    expect(got.body.map((m) => m.MessageBody).sort()).toEqual(messages.map((m) => m.MessageBody).sort());
    expect(got.body[0]?.Priority).toBe('1'); // priority 1 is handed out first

    const deleted = await mns.batchDeleteMessage('batch', got.body.map((m) => m.ReceiptHandle));
    expect(deleted.code).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await mns.getQueueAttributes('batch')).body).toMatchObject({ ActiveMessages: '0', InactiveMessages: '0' });
  });

  it('accepts a 65,536-byte body and refuses 65,537 bytes', async () => {
    await mns.createQueue('large');
    const max = 'A'.repeat(65_536);
    await mns.sendMessage('large', { MessageBody: max });
    await expect(mns.sendMessage('large', { MessageBody: `${max}A` })).rejects.toMatchObject({
      name: 'MNSInvalidArgumentError',
      message: expect.stringContaining('failed with 400'),
    });
    expect((await mns.receiveMessage('large')).body.MessageBody).toBe(max);

    // The queue's MaximumMessageSize is the limit when lower.
    await mns.createQueue('small', { MaximumMessageSize: 1024 });
    await mns.sendMessage('small', { MessageBody: 'B'.repeat(1024) });
    await expect(mns.sendMessage('small', { MessageBody: 'B'.repeat(1025) })).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
  });

  it('redelivers a message after its visibility timeout with DequeueCount 2', async () => {
    await mns.createQueue('redelivery', { VisibilityTimeout: 1 });
    const sent = await mns.sendMessage('redelivery', { MessageBody: 'again' });
    const first = await mns.receiveMessage('redelivery');
    await expect(mns.receiveMessage('redelivery')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });

    await sleep(1100);
    const second = await mns.receiveMessage('redelivery');
    expect(second.body).toMatchObject({ MessageId: sent.body.MessageId, DequeueCount: '2', FirstDequeueTime: first.body.FirstDequeueTime });
    expect(second.body.ReceiptHandle).not.toBe(first.body.ReceiptHandle);
    // The first receive's handle died with its visibility timeout.
    await expect(mns.deleteMessage('redelivery', first.body.ReceiptHandle)).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    expect((await mns.deleteMessage('redelivery', second.body.ReceiptHandle)).code).toBe(204);
  });

  it('ChangeMessageVisibility returns a new receipt handle and voids the old one', async () => {
    await mns.createQueue('visibility', { VisibilityTimeout: 60 });
    await mns.sendMessage('visibility', { MessageBody: 'v' });
    const got = await mns.receiveMessage('visibility');

    await expect(mns.changeMessageVisibility('visibility', got.body.ReceiptHandle, 0)).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
    await expect(mns.changeMessageVisibility('visibility', got.body.ReceiptHandle, 43_201)).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
    const before = Date.now();
    const changed = await mns.changeMessageVisibility('visibility', got.body.ReceiptHandle, 1);
    expect(changed.code).toBe(200);
    expect(changed.body.ReceiptHandle).not.toBe(got.body.ReceiptHandle);
    expect(Number(changed.body.NextVisibleTime)).toBeGreaterThanOrEqual(before + 1000);
    expect(Number(changed.body.NextVisibleTime)).toBeLessThan(Date.now() + 1000 + 50);
    await expect(mns.deleteMessage('visibility', got.body.ReceiptHandle)).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    await expect(mns.changeMessageVisibility('visibility', got.body.ReceiptHandle, 5)).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });

    // Visible again after one second instead of sixty.
    const again = await mns.receiveMessage('visibility', 3);
    expect(Date.now() - before).toBeGreaterThanOrEqual(950);
    expect(again.body.DequeueCount).toBe('2');
    expect((await mns.deleteMessage('visibility', again.body.ReceiptHandle)).code).toBe(204);
  });

  it('keeps a delayed message invisible until its delay ends', async () => {
    await mns.createQueue('delayed');
    const start = Date.now();
    const sent = await mns.sendMessage('delayed', { MessageBody: 'later', DelaySeconds: 1 });
    expect(sent.body.ReceiptHandle).toBeDefined();
    expect((await mns.getQueueAttributes('delayed')).body).toMatchObject({ ActiveMessages: '0', DelayMessages: '1' });
    await expect(mns.receiveMessage('delayed')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    await expect(mns.peekMessage('delayed')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });

    const got = await mns.receiveMessage('delayed', 5);
    const waited = Date.now() - start;
    expect(got.body.MessageId).toBe(sent.body.MessageId);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(2500);
  });

  it('long polling returns as soon as a message is sent, or empty when the wait ends', async () => {
    await mns.createQueue('longpoll');
    const start = Date.now();
    const polling = mns.batchReceiveMessage('longpoll', 4, 5);
    await sleep(300);
    await mns.sendMessage('longpoll', { MessageBody: 'wake up' });
    const got = await polling;
    const waited = Date.now() - start;
    expect(got.body.map((m) => m.MessageBody)).toEqual(['wake up']);
    expect(waited).toBeGreaterThanOrEqual(280);
    expect(waited).toBeLessThan(1500);

    const emptyStart = Date.now();
    await expect(mns.receiveMessage('longpoll', 1)).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    expect(Date.now() - emptyStart).toBeGreaterThanOrEqual(950);
    await expect(mns.receiveMessage('longpoll', 31)).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
  });

  it('refuses a wrong secret or an unknown AccessKey id, and accepts an STS token', async () => {
    await mns.createQueue('auth');
    await expect(clientFor(standIn, { accessKeySecret: 'not-the-secret' }).getQueueAttributes('auth')).rejects.toMatchObject({
      name: 'MNSSignatureDoesNotMatchError',
      message: expect.stringContaining('failed with 403'),
    });
    await expect(clientFor(standIn, { accessKeyId: 'LTAI-other' }).sendMessage('auth', { MessageBody: 'x' })).rejects.toMatchObject({
      name: 'MNSInvalidAccessKeyIdError',
    });
    expect((await mns.getQueueAttributes('auth')).body.ActiveMessages).toBe('0');
    const sts = clientFor(standIn, { securityToken: 'sts-token' });
    expect((await sts.sendMessage('auth', { MessageBody: 'x' })).code).toBe(201);
  });

  it('reports errors with the codes MNS uses', async () => {
    await expect(mns.sendMessage('missing', { MessageBody: 'x' })).rejects.toMatchObject({ name: 'MNSQueueNotExistError', message: expect.stringContaining('failed with 404') });
    await expect(mns.createQueue('bad_name')).rejects.toMatchObject({ name: 'MNSInvalidQueueNameError' });
    await expect(mns.createQueue('q', { VisibilityTimeout: 43_201 })).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });

    await mns.createQueue('errors');
    // The client does not escape bodies: markup in one is malformed XML to the service.
    await expect(mns.sendMessage('errors', { MessageBody: 'a < b & c' })).rejects.toMatchObject({ name: 'MNSMalformedXMLError' });
    await expect(mns.sendMessage('errors', { MessageBody: 'x', DelaySeconds: 604_801 })).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
    await expect(mns.sendMessage('errors', { MessageBody: 'x', Priority: 17 })).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
    await expect(mns.deleteMessage('errors', 'not-a-receipt-handle')).rejects.toMatchObject({ name: 'MNSReceiptHandleErrorError', message: expect.stringContaining('failed with 400') });

    // A partly failed batch delete is no exception to the client: it returns the failures.
    await mns.sendMessage('errors', { MessageBody: 'ok' });
    const got = await mns.receiveMessage('errors');
    const partial = await mns.batchDeleteMessage('errors', [got.body.ReceiptHandle, 'not-a-receipt-handle']);
    expect(partial.code).toBe(404);
    expect(partial.body).toEqual([{ ErrorCode: 'ReceiptHandleError', ErrorMessage: 'The receipt handle you provide is not valid.', ReceiptHandle: 'not-a-receipt-handle' }]);
    expect((await mns.getQueueAttributes('errors')).body).toMatchObject({ ActiveMessages: '0', InactiveMessages: '0' });

    expect((await mns.deleteQueue('errors')).code).toBe(204);
    await expect(mns.getQueueAttributes('errors')).rejects.toMatchObject({ name: 'MNSQueueNotExistError' });
  });

  it('lists queues by prefix and changes queue attributes', async () => {
    await mns.createQueue('list-a');
    await mns.createQueue('list-b');
    // The client sends the prefix only when a limit is given.
    const listed = await mns.listQueue(undefined, 1000, 'list-');
    expect(listed.body?.map((q) => q.QueueURL)).toEqual([`${standIn.endpoint}/queues/list-a`, `${standIn.endpoint}/queues/list-b`]);
    expect((await mns.listQueue(undefined, 1000, 'nothing-')).body).toBeUndefined();

    expect((await mns.setQueueAttributes('list-a', { VisibilityTimeout: 5, PollingWaitSeconds: 1 })).code).toBe(204);
    expect((await mns.getQueueAttributes('list-a')).body).toMatchObject({ VisibilityTimeout: '5', PollingWaitSeconds: '1', MaximumMessageSize: '65536' });
    // receiveMessage leaves waitseconds out when 0, so the queue's PollingWaitSeconds applies.
    const start = Date.now();
    await expect(mns.receiveMessage('list-a', 0)).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
  });
});

describe('MNS stand-in, requests the npm client cannot make', () => {
  let standIn: MnsStandIn;

  beforeAll(async () => {
    standIn = await startMnsStandIn(KEY);
    await clientFor(standIn).createQueue('raw');
  });

  afterAll(async () => {
    await standIn.close();
  });

  /** A request signed as the SDKs sign, with the parts under test overridable. */
  async function signedRequest(method: string, target: string, body: string, over: { date?: Date; md5?: string; version?: string | null } = {}) {
    const headers: Record<string, string> = {
      date: (over.date ?? new Date()).toUTCString(),
      'x-mns-version': over.version === undefined ? '2015-06-06' : (over.version ?? ''),
    };
    if (over.version === null) delete headers['x-mns-version'];
    if (method !== 'GET') {
      headers['content-type'] = 'text/xml';
      headers['content-md5'] = over.md5 ?? contentMd5(Buffer.from(body));
    }
    headers.authorization = `MNS ${KEY.accessKeyId}:${sign(KEY.accessKeySecret, stringToSign({ method, target, headers }))}`;
    const res = await fetch(`${standIn.endpoint}${target}`, { method, headers, ...(method === 'GET' ? {} : { body }) });
    return { status: res.status, requestId: res.headers.get('x-mns-request-id'), text: await res.text() };
  }

  const message = (text: string): string => `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>${text}</MessageBody></Message>`;

  it('checks the Date, x-mns-version and Content-MD5 headers', async () => {
    const ok = await signedRequest('POST', '/queues/raw/messages', message('fine'));
    expect(ok.status).toBe(201);
    expect(ok.requestId).toMatch(/^[0-9A-F]{24}$/);

    const stale = await signedRequest('POST', '/queues/raw/messages', message('stale'), { date: new Date(Date.now() - 16 * 60_000) });
    expect(stale.status).toBe(408);
    expect(stale.text).toContain('<Code>TimeExpired</Code>');
    expect(stale.text).toContain(`<RequestId>${stale.requestId}</RequestId>`);

    const tampered = await signedRequest('POST', '/queues/raw/messages', message('body'), { md5: contentMd5(Buffer.from(message('other'))) });
    expect(tampered.status).toBe(400);
    expect(tampered.text).toContain('<Code>InvalidDegist</Code>');

    const versionless = await signedRequest('GET', '/queues/raw', '', { version: null });
    expect(versionless.status).toBe(400);
    expect(versionless.text).toContain('<Code>MissingVersionHeader</Code>');
  });

  it('decodes escaped bodies and escaped receipt handles, and takes parameter names in any case', async () => {
    expect((await signedRequest('POST', '/queues/raw/messages', message('a &lt; b &amp; c'))).status).toBe(201);
    const received = await signedRequest('GET', '/queues/raw/messages?numOfMessages=16', '');
    expect(received.text).toContain('<MessageBody>a &lt; b &amp; c</MessageBody>');
    const handles = [...received.text.matchAll(/<ReceiptHandle>([^<]+)<\/ReceiptHandle>/g)].map((m) => m[1] ?? '');
    expect(handles).toHaveLength(2);

    // The Go SDK's spelling: capitalized names, query-escaped handle.
    const changed = await signedRequest('PUT', `/queues/raw/messages?ReceiptHandle=${encodeURIComponent(handles[0] ?? '')}&VisibilityTimeout=10`, '');
    expect(changed.status).toBe(200);
    expect(changed.text).toMatch(/<ChangeVisibility xmlns="http:\/\/mns.aliyuncs.com\/doc\/v1\/"><ReceiptHandle>[^<]+<\/ReceiptHandle><NextVisibleTime>\d+<\/NextVisibleTime><\/ChangeVisibility>/);
    expect((await signedRequest('DELETE', `/queues/raw/messages?ReceiptHandle=${handles[1]}`, '')).status).toBe(204);
  });
});

describe('MNS stand-in with a directory', () => {
  it('keeps queues, messages and receipt handles across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mns-standin-'));
    try {
      let standIn = await startMnsStandIn({ ...KEY, dir });
      let mns = clientFor(standIn);
      await mns.createQueue('durable', { VisibilityTimeout: 60 });
      await mns.batchSendMessage('durable', [{ MessageBody: 'one' }, { MessageBody: 'two' }, { MessageBody: 'three' }]);
      const [first, second] = (await mns.batchReceiveMessage('durable', 2)).body;
      if (!first || !second) throw new Error('expected two messages');
      await mns.deleteMessage('durable', first.ReceiptHandle);
      await standIn.close();

      standIn = await startMnsStandIn({ ...KEY, dir });
      mns = clientFor(standIn);
      expect((await mns.getQueueAttributes('durable')).body).toMatchObject({ VisibilityTimeout: '60', ActiveMessages: '1', InactiveMessages: '1' });
      // Compacted on start: the queue and the two live messages.
      expect(readFileSync(join(dir, 'mns-journal.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);

      const rest = await mns.receiveMessage('durable');
      expect(rest.body.MessageBody).not.toBe(first.MessageBody);
      expect(rest.body.MessageBody).not.toBe(second.MessageBody);
      // The in-flight message kept its receipt handle and dequeue count.
      expect((await mns.deleteMessage('durable', second.ReceiptHandle)).code).toBe(204);
      expect((await mns.deleteMessage('durable', rest.body.ReceiptHandle)).code).toBe(204);
      await standIn.close();

      standIn = await startMnsStandIn({ ...KEY, dir });
      mns = clientFor(standIn);
      expect((await mns.getQueueAttributes('durable')).body).toMatchObject({ ActiveMessages: '0', InactiveMessages: '0' });
      await standIn.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
