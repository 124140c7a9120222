/**
 * What `fc-dts status` says of a Lindorm destination: the endpoint and namespace (never the password); from
 * Lindorm, how many of the task's tables (the full-load plan's targets) exist in the namespace, and which are
 * missing; from the state store, each bucket's apply watermark (its `lindorm-apply` record, read only) and
 * whether an applier holds the bucket. A Lindorm that cannot be reached within a few seconds is a line saying
 * why, never an exception.
 */
import { DDL_BUCKET } from '../../apply/sink.ts';
import { formatPosition, type BinlogPosition } from '../../change/position.ts';
import type { BucketRecords, StateStore } from '../../state/state-store.ts';
import type { TaskOf } from '../destination.ts';
import type { LindormDestinationConfig } from './config.ts';
import { tableNames } from './lindorm-catalog.ts';
import { LindormSessions, lindormMessage } from './lindorm-session.ts';

/** The bucket records the Lindorm sink keeps its apply watermark and bucket claim in. */
export const LINDORM_APPLY_RECORD = 'lindorm-apply';
/** How long status waits for Lindorm (the session's own connect timeout is 10 s, its retries a few more). */
const STATUS_DEADLINE_MS = 6_000;
const MISSING_LISTED = 5;

interface ApplyRecord {
  readonly watermark: BinlogPosition | null;
  readonly owner: string;
  /** Epoch ms the owner's claim on the bucket lasts until. */
  readonly until: number;
}

export async function lindormStatusLines(task: TaskOf<LindormDestinationConfig>, store: StateStore): Promise<string[]> {
  const d = task.destination;
  return [
    `Lindorm: namespace ${d.database} at ${d.host}:${d.port}, user ${d.user}${d.ssl ? ', TLS' : ''}, session time zone ${d.timeZone}`,
    await tablesLine(d, store),
    ...(await applyLines(task.advanced.incremental.buckets, store, Date.now())),
  ];
}

async function tablesLine(config: LindormDestinationConfig, store: StateStore): Promise<string> {
  const plan = await store.getPlan();
  let present: Set<string>;
  try {
    present = new Set(await withDeadline(namespaceTables(config), STATUS_DEADLINE_MS));
  } catch (e) {
    return `Lindorm: unknown (${scrubbed(e, config.password)})`;
  }
  if (!plan) return `Lindorm tables: ${present.size} in namespace ${config.database} (the task's tables are known here once the full load has planned them)`;
  // A plan's target is "db.table"; a Lindorm table is named by its table part alone, in the one namespace.
  const wanted = plan.tables.map((t) => t.target.slice(t.target.indexOf('.') + 1));
  const missing = wanted.filter((name) => !present.has(name));
  const more = missing.length > MISSING_LISTED ? ` and ${missing.length - MISSING_LISTED} more` : '';
  const listed = missing.length > 0 ? `; missing: ${missing.slice(0, MISSING_LISTED).join(', ')}${more}` : '';
  return `Lindorm tables: ${wanted.length - missing.length} of the task's ${wanted.length} exist in namespace ${config.database}${listed}`;
}

async function namespaceTables(config: LindormDestinationConfig): Promise<string[]> {
  const sessions = await LindormSessions.open(config);
  try {
    return await tableNames(sessions);
  } finally {
    await sessions.close();
  }
}

/** `work`, or a rejection once `ms` have passed (the work goes on, and closes what it opened, unwatched). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function scrubbed(e: unknown, password: string): string {
  const text = lindormMessage(e);
  return password === '' ? text : text.replaceAll(password, '***');
}

/** One line per bucket with a `lindorm-apply` record (DDL's first), or one saying there is none. */
async function applyLines(buckets: number, store: StateStore, now: number): Promise<string[]> {
  const records = store as StateStore & Partial<BucketRecords>;
  if (typeof records.getBucketRecord !== 'function') return ['Lindorm apply watermarks: unknown (this state store keeps no bucket records)'];
  const lines: string[] = [];
  for (let bucket = DDL_BUCKET; bucket < buckets; bucket++) {
    const record = await records.getBucketRecord(LINDORM_APPLY_RECORD, bucket);
    if (record) lines.push(`Lindorm ${bucket === DDL_BUCKET ? 'DDL' : `bucket ${bucket}`}: ${bucketText(record.value, now)}`);
  }
  return lines.length > 0 ? lines : [`Lindorm apply watermarks: none recorded yet in the ${buckets} buckets`];
}

function bucketText(value: string, now: number): string {
  const record = applyRecord(value);
  if (typeof record === 'string') return `unreadable ${LINDORM_APPLY_RECORD} record (${record})`;
  const applied = record.watermark ? `applied up to ${formatPosition(record.watermark)}` : 'nothing applied yet';
  const until = new Date(record.until).toISOString();
  if (record.owner === '') return `${applied}, not claimed`;
  return `${applied}, ${record.until > now ? `claimed by ${record.owner} until ${until}` : `not claimed (${record.owner}'s claim ended ${until})`}`;
}

/** The record, or what is wrong with it. */
function applyRecord(value: string): ApplyRecord | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    return (e as Error).message;
  }
  const r = parsed as Partial<Record<keyof ApplyRecord, unknown>> | null;
  if (typeof r !== 'object' || r === null || typeof r.owner !== 'string' || typeof r.until !== 'number') return 'no owner and until';
  if (r.watermark !== null && !isPosition(r.watermark)) return 'watermark is not a position';
  return { watermark: r.watermark, owner: r.owner, until: r.until };
}

function isPosition(v: unknown): v is BinlogPosition {
  const p = v as Partial<Record<keyof BinlogPosition, unknown>> | null;
  return typeof p === 'object' && p !== null && [p.file, p.offset, p.row].every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0);
}
