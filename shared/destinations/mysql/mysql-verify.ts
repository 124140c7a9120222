/**
 * `fc-dts verify`: compares every selected table of the source with its copy in the destination,
 * chunk by chunk (row count and content digest computed on each server), and for a chunk that
 * differs lists the keys that are missing, extra or different by merge-joining both sides' per-row
 * digests in key order.
 *
 * Only the selected columns are compared, matched through the mapping's renames; the table's WHERE
 * filter applies to the source side. Chunks are planned over the source key; their bounds are
 * literals, so the same condition over the destination's key column names selects the same rows
 * there. Rows beyond the last chunk (inserted after planning, or extra in the destination) and
 * rows with a NULL key fall in one more range, the tail.
 */
import type { Connection as CallbackConnection } from 'mysql2';
import type { Connection, FieldPacket } from 'mysql2/promise';
import { isFcDtsError } from '../../errors.ts';
import { readCatalog, type ColumnInfo, type DatabaseInfo, type TableInfo } from '../../mysql/catalog.ts';
import { connect, connectionError, isConnectionLost, type Role } from '../../mysql/connection.ts';
import { qualified, quoteIdent } from '../../mysql/identifier.ts';
import { literalEncoders, type LiteralEncoder, type RawValue } from '../../mysql/sql-literal.ts';
import { renderWhereSql } from '../../filter/where-filter.ts';
import { chunkCondition, planChunks } from '../../fullload/chunk-planner.ts';
import { allTables, loadColumns, resolveObjects, type TableMapping } from '../../task/object-mapper.ts';
import type { MysqlEndpoint, Task } from '../../task/task.ts';
import type { MysqlDestinationConfig } from './config.ts';
import type { TaskOf } from '../destination.ts';
import { chunkChecksumSql, keyComparator, rowDigestsSql, type ChecksumSide, type KeyComparator } from './row-checksum.ts';
import { verifyTables, type ChunkDifference, type KeyDifference, type TableVerification, type VerifyOptions, type VerifyReport, type VerifySettings } from '../../verify/verify-report.ts';


type Settings = VerifySettings;

/** Compares every selected table chunk by chunk; throws (FcDtsError) only when a server cannot be reached. */
export async function verifyMysqlTask(task: TaskOf<MysqlDestinationConfig>, settings: Settings, options: VerifyOptions): Promise<VerifyReport> {
  const destination = task.destination;
  const { tables, catalog } = await readSchemas(task, destination);
  return verifyTables(task.name, tables, (t) => verifyTable(task, destination, t, catalog, settings), options);
}

async function readSchemas(task: Task, endpoint: MysqlDestinationConfig): Promise<{ tables: TableMapping[]; catalog: Map<string, DatabaseInfo> }> {
  const src = await connect('source', task.source);
  try {
    const dst = await connect('destination', endpoint);
    try {
      const source = await onSide('source', task.source, readCatalog(src, task.objects.map((o) => o.database)));
      const tables = allTables(resolveObjects(task, source));
      const targets = [...new Set(tables.map((t) => t.target.database))];
      const catalog = await onSide('destination', endpoint, readCatalog(dst, targets));
      return { tables, catalog };
    } finally {
      await close(dst);
    }
  } finally {
    await close(src);
  }
}

async function close(conn: Connection, failed = false): Promise<void> {
  if (failed) conn.destroy();
  else await conn.end().catch(() => conn.destroy());
}

/** A lost connection becomes the endpoint's FcDtsError; any other failure is left as it is. */
function sideError(role: Role, ep: MysqlEndpoint, e: unknown): unknown {
  return !isFcDtsError(e) && isConnectionLost(e) ? connectionError(role, ep, e) : e;
}

async function onSide<T>(role: Role, ep: MysqlEndpoint, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw sideError(role, ep, e);
  }
}

/** One side of one table's comparison, on a connection of its own. */
interface Side extends ChecksumSide {
  readonly role: Role;
  readonly endpoint: MysqlEndpoint;
  readonly conn: Connection;
}

/** A key range compared as a unit, with its condition over each side's key column names. */
interface Segment {
  readonly index: number;
  readonly source: string;
  readonly destination: string;
}

type Prepared =
  | { readonly error: string }
  | { readonly source: TableInfo; readonly target: TableInfo; readonly sourceColumns: ColumnInfo[]; readonly targetColumns: ColumnInfo[]; readonly sourceKey: ColumnInfo[]; readonly targetKey: ColumnInfo[] };

/** Matches the mapping's columns (and key) to the destination table's, or says what is missing. */
function prepare(t: TableMapping, destination: ReadonlyMap<string, DatabaseInfo>): Prepared {
  const { database, table } = t.target;
  const db = destination.get(database);
  if (!db) return { error: `destination database ${database} does not exist` };
  const target = db.tables.find((x) => x.name === table) ?? db.tables.find((x) => x.name.toLowerCase() === table.toLowerCase());
  if (!target) return { error: `destination table ${database}.${table} does not exist` };
  const column = (name: string): ColumnInfo | undefined => target.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());

  const compared = loadColumns(t);
  const missing = compared.filter((c) => !column(c.target));
  if (missing.length > 0) {
    const names = missing.map((c) => (c.target === c.source.name ? c.target : `${c.target} (source ${c.source.name})`));
    return { error: `destination table ${database}.${table} has no column ${names.join(', ')}` };
  }
  const sourceKey: ColumnInfo[] = [];
  const targetKey: ColumnInfo[] = [];
  for (const k of t.key) {
    const m = t.columns.find((c) => c.source.name === k);
    const dst = m && column(m.target);
    if (!m || !dst) return { error: `destination table ${database}.${table} has no column for key column ${k}` };
    sourceKey.push(m.source);
    targetKey.push(dst);
  }
  return {
    source: t.source,
    target,
    sourceColumns: compared.map((c) => c.source),
    targetColumns: compared.map((c) => column(c.target)!),
    sourceKey,
    targetKey,
  };
}

async function verifyTable(task: Task, endpoint: MysqlDestinationConfig, t: TableMapping, destination: ReadonlyMap<string, DatabaseInfo>, settings: Settings): Promise<TableVerification> {
  const base = { table: `${t.source.database}.${t.source.name}`, target: `${t.target.database}.${t.target.table}` };
  const empty = { ...base, sourceRows: 0, destinationRows: 0, chunks: 0, differingChunks: [], differences: [] };
  const p = prepare(t, destination);
  if ('error' in p) return { ...empty, error: p.error };

  const srcConn = await connect('source', task.source);
  let dstConn: Connection;
  try {
    dstConn = await connect('destination', endpoint);
  } catch (e) {
    await close(srcConn);
    throw e;
  }
  const src: Side = { role: 'source', endpoint: task.source, conn: srcConn, table: qualified(p.source.database, p.source.name), columns: p.sourceColumns, key: p.sourceKey };
  const dst: Side = { role: 'destination', endpoint, conn: dstConn, table: qualified(p.target.database, p.target.name), columns: p.targetColumns, key: p.targetKey };
  let failed = false;
  try {
    return await compareTable(t, src, dst, settings, base);
  } catch (e) {
    failed = true;
    if (isFcDtsError(e)) throw e;
    return { ...empty, error: `cannot compare: ${(e as Error).message ?? String(e)}` };
  } finally {
    await close(srcConn, failed);
    await close(dstConn, failed);
  }
}

async function compareTable(
  t: TableMapping,
  src: Side,
  dst: Side,
  settings: Settings,
  base: { table: string; target: string },
): Promise<TableVerification> {
  const { segments, chunks } = await planSegments(t, src, dst, settings);
  const filter = t.where ? ` AND (${renderWhereSql(t.where)})` : '';
  const cmp = keyComparator(src.key);
  const keyNames = t.key;

  let sourceRows = 0;
  let destinationRows = 0;
  const differingChunks: ChunkDifference[] = [];
  const differences: KeyDifference[] = [];
  let truncated = false;
  for (const seg of segments) {
    const srcCond = `(${seg.source})${filter}`;
    const dstCond = `(${seg.destination})`;
    let [a, b] = await Promise.all([checksum(src, srcCond), checksum(dst, dstCond)]);
    for (let i = 0; i < settings.rechecks && !(a.rows === b.rows && a.digest === b.digest); i++) {
      await new Promise((r) => setTimeout(r, settings.recheckMs));
      [a, b] = await Promise.all([checksum(src, srcCond), checksum(dst, dstCond)]);
    }
    sourceRows += a.rows;
    destinationRows += b.rows;
    if (a.rows === b.rows && a.digest === b.digest) continue;
    differingChunks.push({ chunk: seg.index, sourceRows: a.rows, destinationRows: b.rows });
    if (keyNames.length === 0) continue;
    if (differences.length >= settings.maxKeys) {
      truncated = true;
      continue;
    }
    const more = await diffKeys(src, dst, srcCond, dstCond, cmp, keyNames, settings.maxKeys - differences.length, differences);
    truncated ||= more;
  }
  return {
    ...base,
    sourceRows,
    destinationRows,
    chunks,
    differingChunks,
    differences,
    ...(truncated ? { differencesTruncated: true } : {}),
  };
}

async function planSegments(t: TableMapping, src: Side, dst: Side, settings: Settings): Promise<{ segments: Segment[]; chunks: number }> {
  if (t.key.length === 0) return { segments: [{ index: 0, source: '1=1', destination: '1=1' }], chunks: 1 };
  const plan = await onSide(src.role, src.endpoint, planChunks(src.conn, t, { chunkRows: settings.chunkRows }));
  const srcNames = src.key.map((c) => c.name);
  const dstNames = dst.key.map((c) => c.name);
  const segments: Segment[] = plan.map((c) => ({ index: c.index, source: chunkCondition(srcNames, c), destination: chunkCondition(dstNames, c) }));
  const last = plan[plan.length - 1];
  const tail = (names: readonly string[]): string => {
    const nullKey = names.map((n) => `${quoteIdent(n)} IS NULL`).join(' OR ');
    return last ? `NOT (${chunkCondition(names, { lower: null, upper: last.upper })}) OR ${nullKey}` : '1=1';
  };
  segments.push({ index: plan.length, source: tail(srcNames), destination: tail(dstNames) });
  return { segments, chunks: plan.length };
}

async function checksum(side: Side, condition: string): Promise<{ rows: number; digest: string }> {
  const [rows] = (await onSide(side.role, side.endpoint, side.conn.query({ sql: chunkChecksumSql(side, condition), rowsAsArray: true, typeCast: false }))) as unknown as [RawValue[][]];
  const [count, h1, h2] = rows[0] ?? [];
  const text = (v: RawValue | undefined): string => (v ? v.toString('latin1') : '');
  return { rows: Number(text(count) || 0), digest: `${text(h1)}/${text(h2)}` };
}

interface DigestRow {
  readonly key: RawValue[];
  readonly literals: string[];
  readonly digest: string;
}

/** Streams `rowDigestsSql` with backpressure; breaking out of the loop discards the rest of the result. */
async function* digestRows(side: Side, condition: string): AsyncGenerator<DigestRow> {
  // The promise wrapper cannot stream; the callback connection underneath can.
  const raw = (side.conn as unknown as { connection: CallbackConnection }).connection;
  const n = side.key.length;
  let enc: LiteralEncoder[] = [];
  const stream = raw.query({ sql: rowDigestsSql(side, condition), rowsAsArray: true, typeCast: false }).stream({ highWaterMark: 512 });
  stream.on('fields', (fields: FieldPacket[]) => {
    enc = literalEncoders(fields.slice(0, n));
  });
  try {
    for await (const row of stream as AsyncIterable<RawValue[]>) {
      const key = row.slice(0, n);
      yield { key, literals: key.map((v, i) => enc[i]!(v)), digest: row[n]?.toString('latin1') ?? '' };
    }
  } catch (e) {
    throw sideError(side.role, side.endpoint, e);
  } finally {
    stream.destroy();
  }
}

/**
 * Merge-joins both sides' (key, digest) streams of one range, appending up to `limit` differences
 * to `out`. Returns whether more differed than the limit let it append.
 */
async function diffKeys(
  src: Side,
  dst: Side,
  srcCond: string,
  dstCond: string,
  cmp: KeyComparator,
  keyNames: readonly string[],
  limit: number,
  out: KeyDifference[],
): Promise<boolean> {
  const label = (r: DigestRow): string => `(${keyNames.join(',')})=(${r.literals.join(',')})`;
  const ordered = (side: Side, it: AsyncGenerator<DigestRow>): (() => Promise<DigestRow | undefined>) => {
    let prev: DigestRow | undefined;
    return async () => {
      const r = await it.next();
      if (r.done) return undefined;
      // The merge is only sound if each side arrives in the order the comparator assumes.
      if (prev && cmp(prev.key, r.value.key) > 0) {
        throw new Error(`${side.role} rows of ${side.table} are not in the expected key order (${label(prev)} before ${label(r.value)}); the key columns' types differ between source and destination?`);
      }
      prev = r.value;
      return r.value;
    };
  };
  const srcRows = digestRows(src, srcCond);
  const dstRows = digestRows(dst, dstCond);
  const nextSrc = ordered(src, srcRows);
  const nextDst = ordered(dst, dstRows);
  let room = limit;
  const add = (r: DigestRow, kind: KeyDifference['kind']): boolean => {
    if (room === 0) return false;
    out.push({ key: label(r), kind });
    room--;
    return true;
  };
  try {
    let [s, d] = await Promise.all([nextSrc(), nextDst()]);
    while (s || d) {
      const c = !s ? 1 : !d ? -1 : cmp(s.key, d.key);
      if (c < 0) {
        if (!add(s!, 'missing')) return true;
        s = await nextSrc();
      } else if (c > 0) {
        if (!add(d!, 'extra')) return true;
        d = await nextDst();
      } else {
        if (s!.digest !== d!.digest && !add(s!, 'different')) return true;
        [s, d] = await Promise.all([nextSrc(), nextDst()]);
      }
    }
    return false;
  } finally {
    await Promise.allSettled([srcRows.return(undefined), dstRows.return(undefined)]);
  }
}
