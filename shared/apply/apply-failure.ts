/**
 * How an error applying a batch is classified, and how a bucket that cannot go on is named to a
 * person: a transient error is retried within the task's retry window, a permanent one stops the
 * bucket at once, and either way the status says which bucket is held, on which tables and
 * positions, by what.
 */
import type { ChangeBatch } from '../change/change-event.ts';
import { formatPosition } from '../change/position.ts';
import { FcDtsError, isFcDtsError } from '../errors.ts';

/** Errors no retry can cure: JavaScript's own (RangeError: a stack overflow; TypeError), refused data, and service errors marked not transient. */
const PERMANENT = new Set(['InvalidCellValue', 'MalformedChange', 'StatementTooLarge', 'OversizeRow', 'UnwritableChange']);

export function isPermanent(e: unknown): boolean {
  if (e instanceof RangeError || e instanceof TypeError) return true;
  // A service error that says it will fail the same way again (MaxComputeError.transient).
  if (e instanceof Error && (e as { transient?: unknown }).transient === false) return true;
  return e instanceof Error && PERMANENT.has(e.name);
}

/** A bucket whose batch failed and is being retried (IncrementalStatus.retrying). */
export interface RetryingBucket {
  readonly bucket: number;
  /** The destination tables of the batch ("db.table"). */
  readonly tables: readonly string[];
  /** Position of the batch's first change. */
  readonly position: string;
  /** When the first attempt failed. */
  readonly since: string;
  readonly attempts: number;
  readonly lastError: string;
}

/** The retry state of a failing batch's bucket: `attempts` failed so far, the first at `since` (ms). */
export function retryingBucket(batch: ChangeBatch, error: unknown, attempts: number, since: number): RetryingBucket {
  return {
    bucket: batch.bucket,
    tables: batchTables(batch),
    position: formatPosition(batch.changes[0]!.pos),
    since: new Date(since).toISOString(),
    attempts,
    lastError: errorMessage(error),
  };
}

const errorMessage = (e: unknown): string => (e as Error | undefined)?.message ?? String(e);

/** The destination tables a batch writes, "db.table", in order of first appearance. */
export function batchTables(batch: ChangeBatch): string[] {
  const names = new Set<string>();
  for (const c of batch.changes) {
    if (c.kind === 'row') names.add(`${c.table.database}.${c.table.table}`);
    else for (const t of c.tables) names.add(`${t.database}.${t.table}`);
  }
  return [...names];
}

/** "bucket 3 (shop.big, changes from binlog.000002:1234#0)" — where a failed batch stands. */
export function describeBatch(batch: ChangeBatch): string {
  const first = batch.changes[0];
  const tables = batchTables(batch);
  const shown = tables.length > 3 ? `${tables.slice(0, 3).join(', ')} and ${tables.length - 3} more` : tables.join(', ');
  return `bucket ${batch.bucket} (${shown || 'no tables'}${first ? `, changes from ${formatPosition(first.pos)}` : ''})`;
}

/**
 * A batch that could not be applied: retrying could not cure it, or the retry window ran out. The
 * checkpoint stays before the batch, so after the cause is removed a new run resumes there with
 * nothing lost.
 */
export class ApplyFailed extends FcDtsError {
  readonly bucket: number;
  readonly tables: readonly string[];

  constructor(batch: ChangeBatch, cause: unknown, attempts: number) {
    const reason = errorMessage(cause);
    const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
    super('APPLY_FAILED', `applying ${describeBatch(batch)} failed${tried}: ${reason}`, fixFor(cause), { cause });
    this.bucket = batch.bucket;
    this.tables = batchTables(batch);
  }
}

function fixFor(cause: unknown): string {
  if (isFcDtsError(cause) && cause.fix) return cause.fix;
  if (cause instanceof RangeError || cause instanceof TypeError) {
    return 'this is a bug in fc-dts; please report it with the task log (FC_DTS_DEBUG=1 shows the stack). The checkpoint is before this batch: a fixed fc-dts resumes there with nothing lost';
  }
  if (isPermanent(cause)) return 'the destination cannot take this change: fix the value in the source or the destination table, then run the task again (it resumes before this batch)';
  return 'remove the cause (the destination reachable and writable, its locks released), then run the task again: it resumes before this batch with nothing lost';
}
