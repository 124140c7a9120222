/**
 * The row-by-row comparison of the keyed destinations (Tablestore, MaxCompute): the source rows and the
 * destination's pages, both in the destination's key order, merge-joined by key; rows missing, extra or
 * different (with the columns) counted per page, `maxKeys` listed, and the listed ones compared again
 * (`rechecks` times, `recheckMs` apart) while they still differ. Each destination module says how its
 * rows are read, keyed and compared.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import { isFcDtsError } from '../errors.ts';
import { connect, connectionError, isConnectionLost } from '../mysql/connection.ts';
import type { MysqlEndpoint } from '../task/task.ts';
import { streamingConnection } from '../fullload/chunk-query.ts';
import type { ChunkDifference, KeyDifference, TableVerification, VerifySettings } from './verify-report.ts';

/** A key column's value in the destination's order: numbers by value, strings and bytes bytewise. */
export type KeyPart = bigint | number | Buffer;

export function compareKeys(a: readonly KeyPart[], b: readonly KeyPart[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const c = Buffer.isBuffer(x) || Buffer.isBuffer(y) ? Buffer.compare(x as Buffer, y as Buffer) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

export interface KeyedRow {
  /** undefined: a source row no destination row can stand for (e.g. a NULL key value). */
  readonly key: readonly KeyPart[] | undefined;
  /** The key for people, e.g. `(a,b)=(1,'x')`. */
  readonly label: string;
}

/** Source rows buffered ahead of the merge. */
const SOURCE_HIGH_WATER_MARK = 512;
/**
 * The source waits, its result half sent, while a destination page is read (retries included); the
 * server's default net_write_timeout (60 s) would drop the connection under a slow destination.
 */
const SOURCE_WRITE_TIMEOUT_S = 600;

/** Lets the source connection wait for the destination while a streamed result is half sent. */
export async function patientSource(conn: Connection): Promise<void> {
  await conn.query(`SET SESSION net_write_timeout = ${SOURCE_WRITE_TIMEOUT_S}`).catch(() => {});
}

/** Failures that stop the whole verify: a server that cannot be reached or refuses the credentials. */
export function isVerifyFatal(e: unknown): boolean {
  return isFcDtsError(e) && (e.code === 'CONNECTION_FAILED' || e.code === 'AUTH_FAILED');
}

/**
 * Runs one table's comparison on a patient source connection of its own. A failure that is not fatal
 * (isVerifyFatal) becomes the table's error on `empty`; a lost source connection is the source's FcDtsError.
 */
export async function onSourceConnection(source: MysqlEndpoint, empty: TableVerification, compare: (conn: Connection) => Promise<TableVerification>): Promise<TableVerification> {
  const conn = await connect('source', source);
  let failed = false;
  try {
    await patientSource(conn);
    return await compare(conn);
  } catch (e) {
    failed = true;
    if (isVerifyFatal(e)) throw e;
    if (!isFcDtsError(e) && isConnectionLost(e)) throw connectionError('source', source, e);
    return { ...empty, error: `cannot compare: ${(e as Error).message ?? String(e)}` };
  } finally {
    if (failed) conn.destroy();
    else await conn.end().catch(() => conn.destroy());
  }
}

/** The rows of `sql` (which sorts them in the destination's key order), each made a row by `toRow`, order checked (inKeyOrder). */
export async function* sourceRowsInKeyOrder<R extends KeyedRow>(conn: Connection, sql: string, toRow: (raw: ReadonlyArray<Buffer | null>) => R, what: string, order: string): AsyncGenerator<R> {
  const stream = streamingConnection(conn).query({ sql, rowsAsArray: true, typeCast: false }).stream({ highWaterMark: SOURCE_HIGH_WATER_MARK });
  async function* rows(): AsyncGenerator<R> {
    for await (const raw of stream as AsyncIterable<Array<Buffer | null>>) yield toRow(raw);
  }
  try {
    yield* inKeyOrder(rows(), what, order);
  } finally {
    stream.destroy();
  }
}

/**
 * `rows` passed through, each keyed one checked to come after the one before: a source that sorts
 * otherwise than the destination (or a key that is not unique there) fails the table's comparison
 * instead of reporting wrong differences. `what` names the rows and `order` the destination.
 */
async function* inKeyOrder<R extends KeyedRow>(rows: AsyncIterable<R>, what: string, order: string): AsyncGenerator<R> {
  let prev: R | undefined;
  for await (const row of rows) {
    if (row.key) {
      if (prev && compareKeys(prev.key!, row.key) >= 0) {
        throw new Error(
          compareKeys(prev.key!, row.key) === 0
            ? `${what} ${prev.label} and ${row.label} have the same ${order} key (is the primaryKey override unique?)`
            : `${what} did not arrive in ${order}'s key order (${prev.label} before ${row.label})`,
        );
      }
      prev = row;
    }
    yield row;
  }
}

export interface Page<R> {
  readonly rows: readonly R[];
  /** The next page's first key (exclusive end of this page's range); undefined for the last page. */
  readonly end: readonly KeyPart[] | undefined;
}

interface PageCount {
  readonly chunk: number;
  sourceRows: number;
  destinationRows: number;
  /** Differing keys in the page, listed or not. */
  differences: number;
}

interface Found<R> {
  kind: KeyDifference['kind'];
  columns: string[] | undefined;
  readonly row: R;
  readonly page: PageCount;
  inSource: boolean;
  inDestination: boolean;
}

export interface KeyMergeSides<R extends KeyedRow> {
  /** The source rows in key order (inKeyOrder). */
  readonly source: AsyncGenerator<R>;
  /** The destination's pages in key order. */
  readonly pages: AsyncIterable<Page<R>> | Iterable<Page<R>>;
  /** Source names of the columns whose values differ between the expected and the actual row. */
  readonly differing: (expected: R, actual: R) => string[];
  /** Whether a listed row can be read again by key. */
  readonly recheckable: (row: R) => boolean;
  /** The rows with these keys now, on each side (rows of other keys are ignored). */
  readonly reread: (rows: readonly R[]) => Promise<{ expected: readonly R[]; actual: readonly R[] }>;
}

/** Compares one table; `base` names it in the result. */
export async function compareByKey<R extends KeyedRow>(sides: KeyMergeSides<R>, settings: VerifySettings, base: { table: string; target: string }): Promise<TableVerification> {
  const pages: PageCount[] = [];
  const listed: Found<R>[] = [];
  let differingKeys = 0;
  const record = (page: PageCount, kind: Found<R>['kind'], row: R, columns?: string[]): void => {
    page.differences++;
    differingKeys++;
    if (listed.length < settings.maxKeys) listed.push({ kind, columns, row, page, inSource: kind !== 'extra', inDestination: kind !== 'missing' });
  };

  const source = sides.source;
  try {
    let s = (await source.next()).value as R | undefined;
    for await (const { rows, end } of sides.pages) {
      const page: PageCount = { chunk: pages.length, sourceRows: 0, destinationRows: rows.length, differences: 0 };
      pages.push(page);
      let i = 0;
      while (s && (!s.key || !end || compareKeys(s.key, end) < 0)) {
        page.sourceRows++;
        if (!s.key) {
          record(page, 'missing', s);
        } else {
          while (i < rows.length && compareKeys(rows[i]!.key!, s.key) < 0) record(page, 'extra', rows[i++]!);
          if (i < rows.length && compareKeys(rows[i]!.key!, s.key) === 0) {
            const columns = sides.differing(s, rows[i++]!);
            if (columns.length > 0) record(page, 'different', s, columns);
          } else {
            record(page, 'missing', s);
          }
        }
        s = (await source.next()).value as R | undefined;
      }
      while (i < rows.length) record(page, 'extra', rows[i++]!);
    }
  } finally {
    await source.return(undefined);
  }

  const unlisted = differingKeys - listed.length;
  const still = await recheck(sides, settings, listed);
  differingKeys -= listed.length - still.length;

  const differingChunks: ChunkDifference[] = pages.filter((p) => p.differences > 0).map((p) => ({ chunk: p.chunk, sourceRows: p.sourceRows, destinationRows: p.destinationRows }));
  return {
    ...base,
    sourceRows: pages.reduce((n, p) => n + p.sourceRows, 0),
    destinationRows: pages.reduce((n, p) => n + p.destinationRows, 0),
    chunks: pages.length,
    differingChunks,
    differences: still.map((f) => ({ key: f.row.label, kind: f.kind, ...(f.columns ? { columns: f.columns } : {}) })),
    ...(unlisted > 0 ? { differencesTruncated: true } : {}),
    differingKeys,
  };
}

/**
 * Re-reads the listed differences on both sides, `recheckMs` apart, up to `rechecks` times while any
 * still differs; returns those that still do. Their pages' counts follow what the re-reads found.
 */
async function recheck<R extends KeyedRow>(sides: KeyMergeSides<R>, settings: VerifySettings, listed: Found<R>[]): Promise<Found<R>[]> {
  let open = listed.filter((f) => f.row.key && sides.recheckable(f.row));
  const resolved = new Set<Found<R>>();
  const find = (rows: readonly R[], key: readonly KeyPart[]) => rows.find((r) => r.key && compareKeys(r.key, key) === 0);
  for (let round = 0; round < settings.rechecks && open.length > 0; round++) {
    await sleep(settings.recheckMs);
    const now = await sides.reread(open.map((f) => f.row));
    for (const f of open) {
      const expected = find(now.expected, f.row.key!);
      const actual = find(now.actual, f.row.key!);
      f.page.sourceRows += Number(expected !== undefined) - Number(f.inSource);
      f.page.destinationRows += Number(actual !== undefined) - Number(f.inDestination);
      f.inSource = expected !== undefined;
      f.inDestination = actual !== undefined;
      const columns = expected && actual ? sides.differing(expected, actual) : undefined;
      if ((!expected && !actual) || columns?.length === 0) {
        resolved.add(f); // equal now, or deleted on the source and applied since
        f.page.differences--;
      } else {
        f.kind = !actual ? 'missing' : !expected ? 'extra' : 'different';
        f.columns = f.kind === 'different' ? columns : undefined;
      }
    }
    open = open.filter((f) => !resolved.has(f));
  }
  return listed.filter((f) => !resolved.has(f));
}
