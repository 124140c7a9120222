/**
 * The limits MNS enforces on queues and messages (API reference: CreateQueue, SendMessage,
 * BatchSendMessage, ReceiveMessage, BatchReceiveMessage, ChangeMessageVisibility, ListQueue), in one
 * place so that the stand-in refuses what the cloud refuses.
 */
import { MnsError, outOfRange } from './mns-error.ts';

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** Queue attributes: range and default of each (CreateQueue). */
export const QUEUE_ATTRIBUTES = {
  DelaySeconds: { min: 0, max: 604_800, default: 0, unit: 'seconds' },
  MaximumMessageSize: { min: 1024, max: 65_536, default: 65_536, unit: 'bytes' },
  MessageRetentionPeriod: { min: 60, max: 604_800, default: 345_600, unit: 'seconds' },
  VisibilityTimeout: { min: 1, max: 43_200, default: 30, unit: 'seconds' },
  PollingWaitSeconds: { min: 0, max: 30, default: 0, unit: 'seconds' },
} as const;

export type NumericQueueAttribute = keyof typeof QUEUE_ATTRIBUTES;
export const NUMERIC_QUEUE_ATTRIBUTES = Object.keys(QUEUE_ATTRIBUTES) as NumericQueueAttribute[];

/** Per-message DelaySeconds (overrides the queue's). */
export const MESSAGE_DELAY: Range = { min: 0, max: 604_800 };
/** Priority 1 (consumed first) … 16; 8 when not given. */
export const MESSAGE_PRIORITY: Range & { default: number } = { min: 1, max: 16, default: 8 };
/** A message body is 1 byte up to the queue's MaximumMessageSize (at most 64 KB). */
export const MESSAGE_BODY_MIN_BYTES = 1;
/** BatchSendMessage: up to 16 messages whose bodies total at most 64 KB. */
export const BATCH_SEND_MESSAGES: Range = { min: 1, max: 16 };
export const BATCH_SEND_TOTAL_BYTES = 65_536;
/** numOfMessages of BatchReceiveMessage / BatchPeekMessage, and handles per BatchDeleteMessage. */
export const BATCH_RECEIVE_MESSAGES: Range = { min: 1, max: 16 };
export const BATCH_DELETE_HANDLES: Range = { min: 1, max: 16 };
/** Long polling: waitseconds. */
export const WAIT_SECONDS: Range = { min: 0, max: 30 };
/** ChangeMessageVisibility: visibilityTimeout. */
export const VISIBILITY_TIMEOUT: Range = { min: 1, max: 43_200 };
/** ListQueue: x-mns-ret-number. */
export const LIST_RET_NUMBER: Range & { default: number } = { min: 1, max: 1000, default: 1000 };
/** Queue names: 1-256 characters, a letter first, then letters, digits and hyphens. */
const QUEUE_NAME_MAX_LENGTH = 256;
const QUEUE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
/** A request's Date may differ from the server's clock by at most 15 minutes (TimeExpired). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export function checkQueueName(name: string): void {
  if (name.length < 1 || name.length > QUEUE_NAME_MAX_LENGTH) {
    throw new MnsError('QueueNameLengthError', `The length of queue name should between 1 and ${QUEUE_NAME_MAX_LENGTH}.`);
  }
  if (!QUEUE_NAME.test(name)) throw new MnsError('InvalidQueueName', 'The queue name you provided is not valid.');
}

/** An integer within `range`, or the service's InvalidArgument naming `element`. */
export function checkRange(element: string, value: number, range: Range, unit = ''): number {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw outOfRange(element, range.min, range.max, unit);
  }
  return value;
}
