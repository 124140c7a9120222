/**
 * Function Compute 3.0 trigger events and context (docs/protocols.md §3.1–§3.3): the MNS queue trigger's
 * CloudEvents array, the HTTP trigger's event and reply, and the parts of the context fc-dts reads.
 */
import { FcDtsError } from '../errors.ts';
import type { FcCredentials } from './deployment.ts';
import type { IncomingMessage } from './apply-messages.ts';

export interface FcContext {
  readonly requestId: string;
  readonly credentials?: FcCredentials;
  readonly function?: { readonly name?: string; readonly timeout?: number; readonly memory?: number };
  readonly region?: string;
  readonly accountId?: string;
}

/** One CloudEvent of the MNS trigger (EventBridge): the message is in `data`. */
export interface MnsCloudEvent {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly data: { readonly requestId?: string; readonly messageId: string; readonly messageBody: string };
}

/** The messages an MNS-triggered invocation carries; the event arrives as a Buffer of the JSON array. */
export function parseMnsTriggerEvent(event: unknown): IncomingMessage[] {
  const text = Buffer.isBuffer(event) ? event.toString('utf8') : typeof event === 'string' ? event : JSON.stringify(event);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new FcDtsError('USAGE', 'the apply-changes event is not JSON', 'trigger the function with the MNS queue trigger (a CloudEvents array)', { cause: e });
  }
  const events = Array.isArray(parsed) ? parsed : [parsed];
  return events.map((e: unknown, i) => {
    const data = (e as Partial<MnsCloudEvent> | null)?.data;
    if (!data || typeof data.messageBody !== 'string' || typeof data.messageId !== 'string') {
      throw new FcDtsError('USAGE', `event ${i} of the apply-changes invocation has no data.messageId / data.messageBody`, 'trigger the function with the MNS queue trigger (a CloudEvents array)');
    }
    return { id: data.messageId, body: data.messageBody };
  });
}

/** The CloudEvents array the MNS trigger delivers for these messages (what the local runner invokes handlers with). */
export function mnsTriggerEvent(queue: string, region: string, messages: ReadonlyArray<{ id: string; body: string }>): Buffer {
  const events: MnsCloudEvent[] = messages.map((m) => ({
    id: m.id,
    source: `acs:mns:${region}:queues/${queue}`,
    type: 'mns:Queue:SendMessage',
    data: { requestId: m.id, messageId: m.id, messageBody: m.body },
  }));
  return Buffer.from(JSON.stringify(events));
}

/** FC 3.0 HTTP trigger event (event handler form). */
export interface HttpEvent {
  readonly version?: string;
  readonly rawPath?: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly queryParameters?: Readonly<Record<string, string | undefined>>;
  readonly requestContext?: { readonly http?: { readonly method?: string; readonly path?: string }; readonly requestId?: string };
}

export interface HttpReply {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly isBase64Encoded: false;
  readonly body: string;
}

export function parseHttpEvent(event: unknown): HttpEvent {
  const text = Buffer.isBuffer(event) ? event.toString('utf8') : typeof event === 'string' ? event : undefined;
  try {
    return (text === undefined ? event : JSON.parse(text)) as HttpEvent;
  } catch (e) {
    throw new FcDtsError('USAGE', 'the HTTP event is not JSON', 'invoke the function through its HTTP trigger', { cause: e });
  }
}

export function jsonReply(statusCode: number, body: unknown): HttpReply {
  return { statusCode, headers: { 'content-type': 'application/json' }, isBase64Encoded: false, body: JSON.stringify(body) };
}
