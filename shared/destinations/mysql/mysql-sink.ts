/**
 * The MySQL sink: applies change batches to a MySQL-family destination exactly once (docs/architecture.md §3.5).
 *
 * Each bucket's watermark lives in the destination (`fc_dts`.`apply_watermarks`) and is written in
 * the same transaction as the rows: a batch either lands whole with its watermark or not at all, so
 * redelivery, re-cut batches and concurrent callers are all safe. The watermark row is locked first
 * (SELECT ... FOR UPDATE), which serializes callers of one bucket; different buckets run in parallel
 * on a small pool of connections.
 *
 * A batch is reduced to its final action per row (batch-reducer.ts) and written with one DELETE and
 * one multi-row upsert per table (chunked). When the destination refuses one of those statements, the
 * batch is retried change by change in binlog order: that either succeeds (the refusal came from the
 * reduction, e.g. a secondary unique key whose values rows swapped) or names the exact change refused.
 */
import { createHash } from 'node:crypto';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { isLargeValue, type CellValue, type ChangeBatch, type DdlChange, type Row, type RowChange, type TableRef } from '../../change/change-event.ts';
import { comparePositions, formatPosition, isAfter, type BinlogPosition } from '../../change/position.ts';
import { FcDtsError, TaskFileError } from '../../errors.ts';
import { connect, isConnectionLost, isConnectionProblem } from '../../mysql/connection.ts';
import { qualified, quoteIdent, quoteString } from '../../mysql/identifier.ts';
import type { MysqlEndpoint } from '../../task/task.ts';
import { MalformedChange, reduceRowChanges, type TableActions } from './batch-reducer.ts';
import { orderedRuns } from './ordered-runs.ts';
import { InvalidCellValue, sqlLiteral, sqlParam, type SqlParam } from './mysql-literal.ts';
import { ApplyRejected, DDL_BUCKET, type ApplyOutcome, type DdlFailure, type Sink } from '../../apply/sink.ts';

export const WATERMARK_DATABASE = 'fc_dts';
export const WATERMARK_TABLE = 'apply_watermarks';
const WATERMARKS = qualified(WATERMARK_DATABASE, WATERMARK_TABLE);
export const MYSQL_LIMITS = {
  /** The task name keys the watermarks: VARCHAR(190) in utf8mb4 is the longest key prefix every InnoDB row format indexes (767 bytes). */
  taskNameCharacters: 190,
  /** Statements stay at or below this size (and below the server's max_allowed_packet). */
  statementBytes: 1 << 20,
} as const;
const MAX_TASK_NAME = MYSQL_LIMITS.taskNameCharacters;
const MAX_STATEMENT_BYTES = MYSQL_LIMITS.statementBytes;
const MAX_ATTEMPTS = 6;
const DDL_LOCK_SECONDS = 60;

const ER_LOCK_WAIT_TIMEOUT = 1205;
const ER_LOCK_DEADLOCK = 1213;

/** A batch that breaks the ChangeBatch contract (a bug in whoever built it). */
export class InvalidBatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBatch';
  }
}

/** One statement alone is larger than the server accepts: sending it would only get the connection dropped. */
class StatementTooLarge extends Error {
  /** `largest`: the row's largest value, where the statement carries it as a parameter. */
  constructor(bytes: number, limit: number, largest?: { column: string; bytes: number }) {
    const value = largest ? `column ${largest.column} holds ${largest.bytes} bytes; ` : '';
    super(`${value}a single row makes a ${bytes}-byte statement, over the destination's max_allowed_packet (${limit})`);
    this.name = 'StatementTooLarge';
  }
}

/** Internal: a reduced statement was refused; the batch is redone change by change. */
class ReducedBatchRefused extends Error {
  constructor(cause: unknown) {
    super('reduced batch refused', { cause });
  }
}

interface MysqlErrorLike { errno?: number; sqlMessage?: string; message?: string }

function transient(e: unknown): boolean {
  const errno = (e as MysqlErrorLike).errno;
  return errno === ER_LOCK_WAIT_TIMEOUT || errno === ER_LOCK_DEADLOCK || isConnectionProblem(e);
}

/** The destination refused this statement for what it writes (not for the session or locks). */
function refused(e: unknown): boolean {
  if (e instanceof InvalidCellValue || e instanceof StatementTooLarge || e instanceof MalformedChange) return true;
  return typeof (e as MysqlErrorLike).errno === 'number' && !transient(e);
}

function message(e: unknown): string {
  const err = e as MysqlErrorLike;
  return err.sqlMessage ?? err.message ?? String(e);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Exponential backoff with jitter, so that deadlocked transactions do not meet again. */
function backoff(attempt: number): number {
  return Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random());
}

export interface MysqlSinkOptions {
  /** Connections (and so buckets applied in parallel); default 4. */
  readonly connections?: number;
}

export class MysqlSink implements Sink {
  /** Buckets whose watermark row is known to exist: skips the INSERT IGNORE. */
  private readonly knownBuckets = new Set<number>();

  private constructor(
    private readonly endpoint: MysqlEndpoint,
    private readonly taskName: string,
    private readonly pool: ConnectionPool,
    private readonly maxStatementBytes: number,
    private readonly maxPacket: number,
  ) {}

  static async open(endpoint: MysqlEndpoint, taskName: string, options: MysqlSinkOptions = {}): Promise<MysqlSink> {
    if (taskName.length === 0 || [...taskName].length > MAX_TASK_NAME) {
      throw new TaskFileError('name', `must be 1 to ${MAX_TASK_NAME} characters (it keys the apply watermarks in the destination)`, 'shorten the task name');
    }
    const size = options.connections ?? 4;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`connections must be a positive integer, got ${size}`);

    const first = await connect('destination', endpoint, { multipleStatements: true });
    let settings: { maxPacket: number; readCommitted: boolean };
    try {
      await first.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(WATERMARK_DATABASE)}`);
      await first.query(
        `CREATE TABLE IF NOT EXISTS ${WATERMARKS} (` +
          `${quoteIdent('task')} VARCHAR(${MAX_TASK_NAME}) NOT NULL, ${quoteIdent('bucket')} INT NOT NULL, ` +
          `${quoteIdent('file')} INT UNSIGNED NULL, ${quoteIdent('offset')} BIGINT UNSIGNED NULL, ${quoteIdent('row')} INT UNSIGNED NULL, ` +
          `${quoteIdent('updated_at')} DATETIME(6) NOT NULL, PRIMARY KEY (${quoteIdent('task')}, ${quoteIdent('bucket')})` +
          `) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      );
      const [rows] = await first.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS p, @@log_bin AS lb, @@binlog_format AS bf');
      const r = rows[0]!;
      // READ COMMITTED takes no gap locks, so buckets writing neighbouring keys rarely block each other;
      // InnoDB refuses it under statement-based binlogging, where REPEATABLE READ stays.
      settings = { maxPacket: Number(r.p), readCommitted: Number(r.lb) === 0 || String(r.bf).toUpperCase() !== 'STATEMENT' };
    } catch (e) {
      first.destroy();
      throw setupError(endpoint, e);
    }
    const prepare = async (c: Connection): Promise<Connection> => {
      if (settings.readCommitted) await c.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
      return c;
    };
    try {
      await prepare(first);
    } catch (e) {
      first.destroy();
      throw e;
    }
    const pool = new ConnectionPool(async () => {
      const c = await connect('destination', endpoint, { multipleStatements: true });
      try {
        return await prepare(c);
      } catch (e) {
        c.destroy();
        throw e;
      }
    }, size, first);
    // Room under max_allowed_packet for the packet header and the statement's fixed parts.
    const limit = Math.max(64 * 1024, settings.maxPacket - 1024);
    return new MysqlSink(endpoint, taskName, pool, Math.min(MAX_STATEMENT_BYTES, limit), limit);
  }

  async apply(batch: ChangeBatch): Promise<ApplyOutcome> {
    validateBatch(batch);
    return batch.bucket === DDL_BUCKET ? this.applyDdl(batch) : this.applyRows(batch);
  }

  async watermark(bucket: number): Promise<BinlogPosition | null> {
    return this.withConnection((c) => this.readWatermark(c, bucket));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  // ---- row batches --------------------------------------------------------------------------------

  private async applyRows(batch: ChangeBatch): Promise<ApplyOutcome> {
    const changes = batch.changes as readonly RowChange[];
    let oneByOne = false;
    for (;;) {
      try {
        return await this.inTransaction((c) => this.applyRowsOnce(c, batch, changes, oneByOne));
      } catch (e) {
        if (!(e instanceof ReducedBatchRefused)) throw e;
        oneByOne = true; // the transaction rolled back: redo it, now change by change
      }
    }
  }

  private async applyRowsOnce(c: Connection, batch: ChangeBatch, changes: readonly RowChange[], oneByOne: boolean): Promise<ApplyOutcome> {
    const wm = await this.lockWatermark(c, batch.bucket);
    if (batch.prev !== null && isAfter(batch.prev, wm)) return early(wm);
    const pending = changes.filter((ch) => isAfter(ch.pos, wm));
    const skipped = changes.length - pending.length;
    const through = batch.through ?? changes.at(-1)?.pos;
    if (through === undefined || !isAfter(through, wm)) return { status: 'applied', applied: 0, skipped, watermark: wm, ddlFailures: [] };

    if (oneByOne) await this.writeOneByOne(c, pending);
    else if (pending.length > 0) await this.writeReduced(c, pending);

    await this.setWatermark(c, batch.bucket, through);
    return { status: 'applied', applied: pending.length, skipped, watermark: through, ddlFailures: [] };
  }

  private async writeReduced(c: Connection, pending: readonly RowChange[]): Promise<void> {
    try {
      await this.send(c, this.rowStatements(pending));
    } catch (e) {
      if (refused(e)) throw new ReducedBatchRefused(e);
      throw e;
    }
  }

  /** Each change as its own statements, in binlog order: slower, but a refusal names its change. */
  private async writeOneByOne(c: Connection, pending: readonly RowChange[]): Promise<void> {
    for (const change of pending) {
      try {
        await this.send(c, this.rowStatements([change]));
      } catch (e) {
        if (refused(e)) throw new ApplyRejected(change, e);
        throw e;
      }
    }
  }

  /**
   * Tables with unique keys beside their key (`ordered` changes) in binlog order, by key only
   * (ordered-runs.ts); the others reduced to one action per row (batch-reducer.ts). Tables never
   * constrain each other, so the two groups go one after the other.
   */
  private rowStatements(changes: readonly RowChange[]): Statement[] {
    let ordered = 0;
    for (const ch of changes) if (ch.ordered) ordered++;
    if (ordered === 0) return this.statements(reduceRowChanges(changes));
    const runs = orderedRuns(changes.filter((ch) => ch.ordered));
    const runStatements = runs.flatMap((r) => {
      const target = qualified(r.table.database, r.table.table);
      const inserts = insertStatements(target, r.inserts, this.maxStatementBytes, this.maxPacket, r.replace ? 'REPLACE' : 'INSERT');
      return [...deleteStatements(target, r.key, r.deletes, this.maxStatementBytes, this.maxPacket), ...inserts];
    });
    return ordered === changes.length ? runStatements : [...runStatements, ...this.statements(reduceRowChanges(changes.filter((ch) => !ch.ordered)))];
  }

  private statements(actions: readonly TableActions[]): Statement[] {
    return actions.flatMap((t) => {
      const target = qualified(t.table.database, t.table.table);
      return [
        ...deleteStatements(target, t.key, t.deletes, this.maxStatementBytes, this.maxPacket),
        ...upsertStatements(target, t.upserts, this.maxStatementBytes, this.maxPacket),
      ];
    });
  }

  /**
   * Statements in order, several to a round trip (multi-statement packets of bounded size); the server
   * stops at the first error. A row with large values goes alone, its values as parameters.
   */
  private async send(c: Connection, statements: readonly Statement[]): Promise<void> {
    let texts: string[] = [];
    const flush = async (): Promise<void> => {
      for (const packet of chunked('', ';', '', texts, this.maxStatementBytes, this.maxPacket)) await c.query(packet);
      texts = [];
    };
    for (const s of statements) {
      if (typeof s === 'string') {
        texts.push(s);
        continue;
      }
      await flush();
      await executeLargeRow(c, s, this.maxPacket);
    }
    await flush();
  }

  // ---- DDL batches --------------------------------------------------------------------------------

  /**
   * DDL commits implicitly, so it cannot share a transaction with its watermark. A named lock keeps
   * two callers from running the same statement; a crash between the statement and the watermark
   * update runs it again on redelivery, where the destination most likely refuses it (reported in
   * ddlFailures). A fresh connection per batch: `USE` cannot be undone on a session.
   */
  private async applyDdl(batch: ChangeBatch): Promise<ApplyOutcome> {
    const lockName = quoteString(`fc_dts_ddl_${createHash('sha1').update(this.taskName).digest('hex')}`);
    for (let attempt = 1; ; attempt++) {
      let c: Connection | undefined;
      try {
        c = await connect('destination', this.endpoint);
        const [got] = await c.query<RowDataPacket[]>(`SELECT GET_LOCK(${lockName}, ${DDL_LOCK_SECONDS}) AS got`);
        if (Number(got[0]!.got) !== 1) {
          throw new FcDtsError('LOAD_FAILED', `task ${this.taskName}: another caller has held the DDL apply lock for over ${DDL_LOCK_SECONDS} s`, 'redeliver the DDL batch later');
        }
        return await this.applyDdlLocked(c, batch);
      } catch (e) {
        if (!transient(e) || attempt >= MAX_ATTEMPTS) throw e;
        await sleep(backoff(attempt));
      } finally {
        await c?.end().catch(() => c?.destroy()); // ends the session, and with it the named lock
      }
    }
  }

  private async applyDdlLocked(c: Connection, batch: ChangeBatch): Promise<ApplyOutcome> {
    await this.insertWatermarkRow(c, DDL_BUCKET);
    let wm = await this.readWatermark(c, DDL_BUCKET);
    if (batch.prev !== null && isAfter(batch.prev, wm)) return early(wm);
    const failures: DdlFailure[] = [];
    let applied = 0;
    let skipped = 0;
    for (const ddl of batch.changes as readonly DdlChange[]) {
      if (!isAfter(ddl.pos, wm)) {
        skipped++;
        continue;
      }
      try {
        if (ddl.database !== '') await c.query(`USE ${quoteIdent(ddl.database)}`);
        await c.query(ddl.sql);
        applied++;
      } catch (e) {
        if (transient(e)) throw e; // redone on a new connection: the watermark has not moved
        failures.push({ sql: ddl.sql, error: message(e), pos: ddl.pos });
      }
      await this.setWatermark(c, DDL_BUCKET, ddl.pos);
      wm = ddl.pos;
    }
    return { status: 'applied', applied, skipped, watermark: wm, ddlFailures: failures };
  }

  // ---- watermarks ---------------------------------------------------------------------------------

  private where(bucket: number): string {
    return `${quoteIdent('task')} = ${quoteString(this.taskName)} AND ${quoteIdent('bucket')} = ${bucket}`;
  }

  private async readWatermark(c: Connection, bucket: number): Promise<BinlogPosition | null> {
    return (await this.selectWatermark(c, bucket, '')) ?? null;
  }

  /** The bucket's watermark; undefined when it has no row yet. */
  private async selectWatermark(c: Connection, bucket: number, lock: '' | ' FOR UPDATE'): Promise<BinlogPosition | null | undefined> {
    const [rows] = await c.query<RowDataPacket[]>(
      `SELECT ${quoteIdent('file')} AS f, ${quoteIdent('offset')} AS o, ${quoteIdent('row')} AS r FROM ${WATERMARKS} WHERE ${this.where(bucket)}${lock}`,
    );
    const r = rows[0];
    if (r === undefined) return undefined;
    return r.f === null ? null : { file: Number(r.f), offset: Number(r.o), row: Number(r.r) };
  }

  private async insertWatermarkRow(c: Connection, bucket: number): Promise<void> {
    await c.query(
      `INSERT IGNORE INTO ${WATERMARKS} (${['task', 'bucket', 'updated_at'].map(quoteIdent).join(', ')}) ` +
        `VALUES (${quoteString(this.taskName)}, ${bucket}, UTC_TIMESTAMP(6))`,
    );
  }

  /** Locks the bucket's watermark row for this transaction (creating it, null, the first time) and reads it. */
  private async lockWatermark(c: Connection, bucket: number): Promise<BinlogPosition | null> {
    if (!this.knownBuckets.has(bucket)) await this.insertWatermarkRow(c, bucket);
    let wm = await this.selectWatermark(c, bucket, ' FOR UPDATE');
    if (wm === undefined) {
      // Not there after all (deleted by hand, or the transaction that created it rolled back).
      await this.insertWatermarkRow(c, bucket);
      wm = await this.selectWatermark(c, bucket, ' FOR UPDATE');
      if (wm === undefined) throw new Error(`${WATERMARK_DATABASE}.${WATERMARK_TABLE}: no row for task ${this.taskName} bucket ${bucket} after inserting it`);
    }
    this.knownBuckets.add(bucket);
    return wm;
  }

  private async setWatermark(c: Connection, bucket: number, p: BinlogPosition): Promise<void> {
    await c.query(
      `UPDATE ${WATERMARKS} SET ${quoteIdent('file')} = ${p.file}, ${quoteIdent('offset')} = ${p.offset}, ${quoteIdent('row')} = ${p.row}, ` +
        `${quoteIdent('updated_at')} = UTC_TIMESTAMP(6) WHERE ${this.where(bucket)}`,
    );
  }

  // ---- connections and retries --------------------------------------------------------------------

  /** Runs `body` on a pooled connection, retrying lock timeouts, deadlocks and lost connections. */
  private async withConnection<T>(body: (c: Connection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let c: Connection | undefined;
      let healthy = true;
      try {
        c = await this.pool.acquire();
        return await body(c);
      } catch (e) {
        healthy = !isConnectionLost(e);
        if (!transient(e) || attempt >= MAX_ATTEMPTS) throw e;
        await sleep(backoff(attempt));
      } finally {
        if (c) {
          if (healthy) this.pool.release(c);
          else this.pool.discard(c);
        }
      }
    }
  }

  /**
   * One transaction around `body`: committed when it returns (an early or replayed batch has written
   * nothing, and committing keeps a watermark row it created), rolled back when it throws. Retried
   * whole on transient errors: the watermark read inside makes a retry of a committed batch a no-op.
   */
  private async inTransaction(body: (c: Connection) => Promise<ApplyOutcome>): Promise<ApplyOutcome> {
    return this.withConnection(async (c) => {
      await c.query('START TRANSACTION');
      let outcome: ApplyOutcome;
      try {
        outcome = await body(c);
      } catch (e) {
        if (!isConnectionLost(e)) {
          try {
            await c.query('ROLLBACK');
          } catch (rollbackError) {
            throw isConnectionLost(rollbackError) ? rollbackError : e;
          }
        }
        throw e;
      }
      await c.query('COMMIT');
      return outcome;
    });
  }
}

function early(wm: BinlogPosition | null): ApplyOutcome {
  return { status: 'early', applied: 0, skipped: 0, watermark: wm, ddlFailures: [] };
}

function setupError(ep: MysqlEndpoint, e: unknown): FcDtsError {
  const errno = (e as MysqlErrorLike).errno;
  const denied = errno === 1044 || errno === 1142 || errno === 1227;
  return new FcDtsError(
    denied ? 'PRIVILEGE_MISSING' : isConnectionLost(e) ? 'CONNECTION_FAILED' : 'STATE_INVALID',
    `destination ${ep.host}:${ep.port}: cannot set up ${WATERMARK_DATABASE}.${WATERMARK_TABLE}, where the apply watermarks live (${message(e)})`,
    `grant "${ep.user}" CREATE, SELECT, INSERT and UPDATE on ${WATERMARK_DATABASE}.* on the destination`,
    { cause: e },
  );
}

function isPosition(p: BinlogPosition): boolean {
  return isCount(p.file, 0xffffffff) && isCount(p.offset, Number.MAX_SAFE_INTEGER) && isCount(p.row, 0xffffffff);
}

function isCount(n: number, max: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n <= max;
}

function validateBatch(batch: ChangeBatch): void {
  const ddl = batch.bucket === DDL_BUCKET;
  if (!ddl && !(Number.isInteger(batch.bucket) && batch.bucket >= 0 && batch.bucket <= 0x7fffffff)) {
    throw new InvalidBatch(`bucket must be a non-negative integer or DDL_BUCKET, got ${batch.bucket}`);
  }
  if (batch.prev !== null && !isPosition(batch.prev)) throw new InvalidBatch(`prev: not a binlog position: ${JSON.stringify(batch.prev)}`);
  let last: BinlogPosition | null = null;
  for (const c of batch.changes) {
    if ((c.kind === 'ddl') !== ddl) throw new InvalidBatch(`a ${c.kind} change in ${ddl ? 'the DDL bucket' : `row bucket ${batch.bucket}`}`);
    if (!isPosition(c.pos)) throw new InvalidBatch(`change: not a binlog position: ${JSON.stringify(c.pos)}`);
    if (last !== null && comparePositions(c.pos, last) <= 0) {
      throw new InvalidBatch(`bucket ${batch.bucket}: positions out of order (${formatPosition(c.pos)} after ${formatPosition(last)})`);
    }
    last = c.pos;
  }
  if (batch.through !== undefined) {
    if (!isPosition(batch.through)) throw new InvalidBatch(`through: not a binlog position: ${JSON.stringify(batch.through)}`);
    if (last !== null && comparePositions(batch.through, last) < 0) throw new InvalidBatch(`bucket ${batch.bucket}: through ${formatPosition(batch.through)} is before its last change ${formatPosition(last)}`);
  }
}

// ---- statements -----------------------------------------------------------------------------------

/**
 * Groups rendered pieces into statements `head + pieces.join(sep) + tail` of at most `maxBytes`
 * A single piece that is larger gets a statement of its own, up to `maxPacket`.
 */
function* chunked(
  head: string, sep: string, tail: string, pieces: Iterable<string>, maxBytes: number, maxPacket: number,
): Generator<string> {
  const fixed = Buffer.byteLength(head) + Buffer.byteLength(tail);
  const sepBytes = Buffer.byteLength(sep);
  let batch: string[] = [];
  let bytes = fixed;
  for (const p of pieces) {
    const size = Buffer.byteLength(p);
    if (batch.length > 0 && bytes + sepBytes + size > maxBytes) {
      yield head + batch.join(sep) + tail;
      batch = [];
      bytes = fixed;
    }
    if (batch.length === 0 && fixed + size > maxPacket) throw new StatementTooLarge(fixed + size, maxPacket);
    bytes += (batch.length > 0 ? sepBytes : 0) + size;
    batch.push(p);
  }
  if (batch.length > 0) yield head + batch.join(sep) + tail;
}

/**
 * One `DELETE ... WHERE a = .. AND b = ..` per key (NULL as IS NULL), sent several to a round trip.
 * Not one `WHERE k IN (...)`: on a small table (or one whose statistics still say it is) the optimizer
 * reads an IN list by scanning the table, and a scanning DELETE waits on every row other buckets'
 * transactions hold, so buckets applied in parallel deadlock. A lookup by key locks only its row.
 */
export function deleteStatements(
  target: string, key: readonly string[], keys: ReadonlyArray<readonly CellValue[]>, maxBytes = MAX_STATEMENT_BYTES, maxPacket = maxBytes,
): string[] {
  const cols = key.map(quoteIdent);
  return keys.map((k) => {
    const sql = `DELETE FROM ${target} WHERE ${k.map((v, i) => (v === null ? `${cols[i]} IS NULL` : `${cols[i]} = ${sqlLiteral(v)}`)).join(' AND ')}`;
    const bytes = Buffer.byteLength(sql);
    if (bytes > maxPacket) throw new StatementTooLarge(bytes, maxPacket);
    return sql;
  });
}

/**
 * `INSERT ... VALUES (...),(...) ON DUPLICATE KEY UPDATE c = VALUES(c), ...` for runs of rows with the
 * same columns, in row order. Every column is updated, key columns too: when a row collides on a
 * secondary unique key with a row the batch rewrites later, the colliding row becomes this one
 * and is then rewritten by its own upsert (a collision this cannot resolve fails, and the batch is
 * redone change by change).
 */
export function upsertStatements(target: string, rows: readonly Row[], maxBytes = MAX_STATEMENT_BYTES, maxPacket = maxBytes): Statement[] {
  return valuesStatements(target, rows, (quoted) => ` ON DUPLICATE KEY UPDATE ${quoted.map((q) => `${q} = VALUES(${q})`).join(', ')}`, maxBytes, maxPacket);
}

/**
 * Plain `INSERT ... VALUES (...),(...)` for runs of rows with the same columns, in row order: a collision
 * on any key fails. `REPLACE` deletes the colliding rows first (only for the catch-up window, ordered-runs.ts).
 */
export function insertStatements(target: string, rows: readonly Row[], maxBytes = MAX_STATEMENT_BYTES, maxPacket = maxBytes, verb: 'INSERT' | 'REPLACE' = 'INSERT'): Statement[] {
  return valuesStatements(target, rows, () => '', maxBytes, maxPacket, verb);
}

function valuesStatements(target: string, rows: readonly Row[], tailOf: (quoted: readonly string[]) => string, maxBytes: number, maxPacket: number, verb: 'INSERT' | 'REPLACE' = 'INSERT'): Statement[] {
  const out: Statement[] = [];
  let i = 0;
  while (i < rows.length) {
    const cols = Object.keys(rows[i]!);
    let j = i + 1;
    while (j < rows.length && hasColumns(rows[j]!, cols)) j++;
    const quoted = cols.map(quoteIdent);
    const head = `${verb} INTO ${target} (${quoted.join(',')}) VALUES `;
    const tail = tailOf(quoted);
    let tuples: string[] = [];
    for (let r = i; r < j; r++) {
      const row = rows[r]!;
      if (!hasLargeValue(row)) {
        tuples.push(tuple(row, cols));
        continue;
      }
      out.push(...chunked(head, ',', tail, tuples, maxBytes, maxPacket));
      tuples = [];
      out.push({ sql: `${head}(${cols.map(() => '?').join(',')})${tail}`, columns: cols, params: cols.map((c) => sqlParam(row[c]!)) });
    }
    out.push(...chunked(head, ',', tail, tuples, maxBytes, maxPacket));
    i = j;
  }
  return out;
}

/**
 * A statement: SQL text, or a row with large values as a prepared statement whose values travel as
 * parameters in the binary protocol. As text, a value is escaped or hex-encoded into a string that
 * V8 then flattens (as two-byte characters if any character needs them) and mysql2 encodes again:
 * several copies of the value, each larger than it.
 */
export type Statement = string | { readonly sql: string; readonly columns: readonly string[]; readonly params: readonly SqlParam[] };

function hasLargeValue(row: Row): boolean {
  for (const k in row) if (isLargeValue(row[k]!)) return true;
  return false;
}

/** Runs a prepared row statement; mysql2 keeps the statement prepared per connection (one per table and column list). */
async function executeLargeRow(c: Connection, s: Exclude<Statement, string>, maxPacket: number): Promise<void> {
  let bytes = s.sql.length;
  let largest = { column: '', bytes: -1 };
  s.params.forEach((p, i) => {
    const size = p === null || typeof p === 'number' ? 8 : typeof p === 'string' ? Buffer.byteLength(p) : p.length;
    bytes += size + 9; // with its length prefix and type
    if (size > largest.bytes) largest = { column: s.columns[i]!, bytes: size };
  });
  if (bytes > maxPacket) throw new StatementTooLarge(bytes, maxPacket, largest);
  await c.execute(s.sql, s.params as SqlParam[]);
}

/** `row` has exactly `cols`, in that order. */
function hasColumns(row: Row, cols: readonly string[]): boolean {
  let n = 0;
  for (const k in row) if (k !== cols[n++]) return false;
  return n === cols.length;
}

function tuple(row: Row, cols: readonly string[]): string {
  let text = '(';
  for (let c = 0; c < cols.length; c++) text += (c === 0 ? '' : ',') + sqlLiteral(row[cols[c]!]!);
  return text + ')';
}

// ---- pool -----------------------------------------------------------------------------------------

/** At most `size` connections; each carries one transaction at a time. Broken ones are discarded and replaced on demand. */
class ConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly waiters: Array<{ resolve: (c: Connection | null) => void; reject: (e: Error) => void }> = [];
  private open: number;
  private closed = false;

  constructor(private readonly create: () => Promise<Connection>, private readonly size: number, first: Connection) {
    this.idle.push(first);
    this.open = 1;
  }

  async acquire(): Promise<Connection> {
    if (this.closed) throw new Error('the sink is closed');
    const c = this.idle.pop();
    if (c) return c;
    if (this.open < this.size) return this.openOne();
    // null: a slot freed up (a connection was discarded), open a new one
    const handed = await new Promise<Connection | null>((resolve, reject) => this.waiters.push({ resolve, reject }));
    return handed ?? this.openOne();
  }

  release(c: Connection): void {
    if (this.closed) {
      this.discard(c);
      return;
    }
    const w = this.waiters.shift();
    if (w) w.resolve(c);
    else this.idle.push(c);
  }

  discard(c: Connection): void {
    c.destroy();
    this.open--;
    this.waiters.shift()?.resolve(null);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('the sink is closed'));
    await Promise.all(this.idle.splice(0).map(async (c) => {
      this.open--;
      await c.end().catch(() => c.destroy());
    }));
  }

  private async openOne(): Promise<Connection> {
    this.open++;
    try {
      return await this.create();
    } catch (e) {
      this.open--;
      this.waiters.shift()?.resolve(null);
      throw e;
    }
  }
}
