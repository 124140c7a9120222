/**
 * The MNS queue operations on the wire: each reads its request (URI parameters, headers, XML body)
 * the way the API reference describes it, calls the queue store, and writes the documented status
 * and XML. Query parameter names are matched case-insensitively because the SDKs disagree on their
 * case (the npm client sends `receiptHandle=`, the Go SDK `ReceiptHandle=`; both work against MNS).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { MnsError } from './mns-error.ts';
import { NUMERIC_QUEUE_ATTRIBUTES } from './limits.ts';
import { childNamed, childrenNamed, node, parseXml, renderDocument, type XmlElement, type XmlNode } from './mns-xml.ts';
import type { MessageToSend, MessageView, QueueAttributes, QueueInfo, QueueStore, ReceivedMessage } from './queue-store.ts';

export interface MnsRequest {
  readonly method: string;
  /** Query parameters by lower-case name, values decoded. */
  readonly query: ReadonlyMap<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Aborted when the client goes away (ends a long poll). */
  readonly signal: AbortSignal;
}

export interface MnsReply {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

type MutableAttributes = { -readonly [K in keyof QueueAttributes]?: QueueAttributes[K] };

export class QueueOperations {
  constructor(
    private readonly store: QueueStore,
    /** The endpoint clients use (for QueueURL and Location). */
    private readonly endpoint: () => string,
  ) {}

  /** PUT /queues/{name}: CreateQueue, or SetQueueAttributes with ?metaoverride=true. */
  putQueue(request: MnsRequest, name: string): MnsReply {
    const attributes = queueAttributesIn(request.body);
    if (request.query.get('metaoverride') === 'true') {
      this.store.setQueueAttributes(name, attributes);
      return { status: 204 };
    }
    const outcome = this.store.createQueue(name, attributes);
    return outcome === 'created' ? { status: 201, headers: { Location: this.queueUrl(name) } } : { status: 204 };
  }

  deleteQueue(name: string): MnsReply {
    this.store.deleteQueue(name);
    return { status: 204 };
  }

  getQueueAttributes(name: string): MnsReply {
    return xml(200, 'Queue', queueNodes(this.store.getQueue(name)));
  }

  /** GET /queues with x-mns-prefix, x-mns-marker, x-mns-ret-number and x-mns-with-meta headers. */
  listQueue(request: MnsRequest): MnsReply {
    const h = (name: string): string | undefined => {
      const v = request.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    };
    const retNumber = h('x-mns-ret-number');
    const list = this.store.listQueues(h('x-mns-prefix'), h('x-mns-marker'), retNumber === undefined ? undefined : integer(retNumber));
    const withMeta = h('x-mns-with-meta')?.toLowerCase() === 'true';
    const nodes: XmlNode[] = list.queues.map((q) =>
      node('Queue', [node('QueueURL', this.queueUrl(q.name)), ...(withMeta ? queueNodes(q) : [])]),
    );
    if (list.nextMarker !== undefined) nodes.push(node('NextMarker', list.nextMarker));
    return xml(200, 'Queues', nodes);
  }

  /** POST /queues/{name}/messages: SendMessage (<Message>) or BatchSendMessage (<Messages>). */
  sendMessage(request: MnsRequest, name: string): MnsReply {
    const root = parseXml(request.body);
    if (root.name === 'Message') {
      const [sent] = this.store.send(name, [messageIn(root)], false);
      if (!sent) throw new Error('send returned nothing');
      return xml(201, 'Message', sentNodes(sent));
    }
    if (root.name === 'Messages') {
      const sent = this.store.send(name, childrenNamed(root, 'Message').map(messageIn), true);
      return xml(201, 'Messages', sent.map((s) => node('Message', sentNodes(s))));
    }
    throw schemaError(root.name);
  }

  /**
   * GET /queues/{name}/messages: ReceiveMessage, BatchReceiveMessage (numOfMessages), PeekMessage
   * and BatchPeekMessage (peekonly=true). Nothing to hand out is 404 MessageNotExist.
   */
  async getMessages(request: MnsRequest, name: string): Promise<MnsReply> {
    const count = request.query.get('numofmessages');
    const batch = count !== undefined;
    const n = batch ? integer(count) : 1;
    let messages: readonly (MessageView | ReceivedMessage)[];
    if (request.query.get('peekonly') === 'true') {
      messages = this.store.peek(name, n);
    } else {
      const wait = request.query.get('waitseconds');
      messages = await this.store.receive(name, n, wait === undefined ? undefined : integer(wait), request.signal);
    }
    if (messages.length === 0) throw new MnsError('MessageNotExist', 'Message not exist.');
    const first = messages[0];
    if (!batch && first) return xml(200, 'Message', messageNodes(first));
    return xml(200, 'Messages', messages.map((m) => node('Message', messageNodes(m))));
  }

  /** DELETE /queues/{name}/messages: DeleteMessage (?ReceiptHandle=) or BatchDeleteMessage (<ReceiptHandles>). */
  deleteMessages(request: MnsRequest, name: string): MnsReply {
    const handle = request.query.get('receipthandle');
    if (handle !== undefined) {
      if (handle === '') throw missingReceiptHandle();
      this.store.deleteMessage(name, handle);
      return { status: 204 };
    }
    if (request.body.trim() === '') throw missingReceiptHandle();
    const root = parseXml(request.body);
    if (root.name !== 'ReceiptHandles') throw schemaError(root.name);
    const failures = this.store.deleteMessages(name, childrenNamed(root, 'ReceiptHandle').map((e) => e.text));
    if (failures.length === 0) return { status: 204 };
    // Partial failure (BatchDeleteMessage docs): 404 with one <Error> per handle that failed.
    return xml(404, 'Errors', failures.map((f) => node('Error', [
      node('ErrorCode', f.error.code),
      node('ErrorMessage', f.error.message),
      node('ReceiptHandle', f.receiptHandle),
    ])));
  }

  /** PUT /queues/{name}/messages?receiptHandle=&visibilityTimeout=: ChangeMessageVisibility. */
  changeMessageVisibility(request: MnsRequest, name: string): MnsReply {
    const handle = request.query.get('receipthandle');
    if (handle === undefined || handle === '') throw missingReceiptHandle();
    const timeout = request.query.get('visibilitytimeout');
    if (timeout === undefined || timeout === '') {
      throw new MnsError('MissingVisibilityTimeout', 'VisibilityTimeout is required.');
    }
    const changed = this.store.changeVisibility(name, handle, integer(timeout));
    return xml(200, 'ChangeVisibility', [
      node('ReceiptHandle', changed.receiptHandle),
      node('NextVisibleTime', changed.nextVisibleTime),
    ]);
  }

  private queueUrl(name: string): string {
    return `${this.endpoint()}/queues/${name}`;
  }
}

function xml(status: number, root: string, children: readonly XmlNode[]): MnsReply {
  return { status, body: renderDocument(root, children) };
}

/** A decimal integer, or NaN (which the store's range checks turn into InvalidArgument). */
function integer(text: string): number {
  return /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

function schemaError(element: string): MnsError {
  return new MnsError(
    'InvalidArgument',
    `The XML you provided did not validate against our published schema, cause by ${element} Element.`,
  );
}

const missingReceiptHandle = (): MnsError => new MnsError('MissingReceiptHandle', 'ReceiptHandle is required.');

function queueAttributesIn(body: string): Partial<QueueAttributes> {
  if (body.trim() === '') return {};
  const root = parseXml(body);
  if (root.name !== 'Queue') throw schemaError(root.name);
  const out: MutableAttributes = {};
  for (const k of NUMERIC_QUEUE_ATTRIBUTES) {
    const e = childNamed(root, k);
    if (e) out[k] = integer(simpleText(e));
  }
  const logging = childNamed(root, 'LoggingEnabled');
  if (logging) {
    const v = simpleText(logging).trim().toLowerCase();
    if (v !== 'true' && v !== 'false') throw new MnsError('InvalidArgument', 'The value of LoggingEnabled should be True or False.');
    out.LoggingEnabled = v === 'true';
  }
  return out;
}

function messageIn(e: XmlElement): MessageToSend {
  const body = childNamed(e, 'MessageBody');
  if (!body) throw schemaError('MessageBody');
  const delay = childNamed(e, 'DelaySeconds');
  const priority = childNamed(e, 'Priority');
  return {
    body: simpleText(body),
    ...(delay ? { delaySeconds: integer(simpleText(delay)) } : {}),
    ...(priority ? { priority: integer(simpleText(priority)) } : {}),
  };
}

/** The text of an element that must not contain elements (a MessageBody with markup in it, say). */
function simpleText(e: XmlElement): string {
  if (e.children.length > 0) throw schemaError(e.name);
  return e.text;
}

function sentNodes(s: { messageId: string; bodyMd5: string; receiptHandle?: string }): XmlNode[] {
  const nodes = [node('MessageId', s.messageId), node('MessageBodyMD5', s.bodyMd5)];
  if (s.receiptHandle !== undefined) nodes.push(node('ReceiptHandle', s.receiptHandle));
  return nodes;
}

function messageNodes(m: MessageView | ReceivedMessage): XmlNode[] {
  const received = 'receiptHandle' in m;
  return [
    node('MessageId', m.messageId),
    ...(received ? [node('ReceiptHandle', m.receiptHandle)] : []),
    node('MessageBodyMD5', m.bodyMd5),
    node('MessageBody', m.body),
    node('EnqueueTime', m.enqueueTime),
    ...(received ? [node('NextVisibleTime', m.nextVisibleTime)] : []),
    node('FirstDequeueTime', m.firstDequeueTime),
    node('DequeueCount', m.dequeueCount),
    node('Priority', m.priority),
  ];
}

/** GetQueueAttributes fields; CreateTime and LastModifyTime are in seconds there. */
function queueNodes(q: QueueInfo): XmlNode[] {
  const a = q.attributes;
  return [
    node('QueueName', q.name),
    node('CreateTime', Math.floor(q.createTime / 1000)),
    node('LastModifyTime', Math.floor(q.lastModifyTime / 1000)),
    ...NUMERIC_QUEUE_ATTRIBUTES.map((k) => node(k, a[k])),
    node('ActiveMessages', q.activeMessages),
    node('InactiveMessages', q.inactiveMessages),
    node('DelayMessages', q.delayMessages),
    node('LoggingEnabled', a.LoggingEnabled),
  ];
}
