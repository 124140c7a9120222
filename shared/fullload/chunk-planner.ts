/**
 * Splits a table into key ranges ("chunks") that load independently and in parallel.
 *
 * A chunk is (lower, upper]: key > lower AND key <= upper, with bounds kept as SQL literals so a plan
 * survives a restart as plain JSON. Every chunk is bounded, the last one too (by the largest key at
 * planning time): rows inserted later beyond it arrive through the binlog, which is read from a
 * position recorded before planning.
 */
import type { Connection, FieldPacket } from 'mysql2/promise';
import { quoteIdent, qualified } from '../mysql/identifier.ts';
import { literalEncoders, selectExpr, type RawValue } from '../mysql/sql-literal.ts';
import type { TableMapping } from '../task/object-mapper.ts';

export interface Chunk {
  readonly index: number;
  /** Exclusive lower bound (key literals), null for the first chunk. */
  readonly lower: readonly string[] | null;
  /** Inclusive upper bound (key literals). */
  readonly upper: readonly string[];
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** `key > lower AND key <= upper` over the table's key columns, expanded so the range optimizer uses the index. */
export function chunkCondition(keyColumns: readonly string[], chunk: Pick<Chunk, 'lower' | 'upper'>): string {
  const parts: string[] = [];
  if (chunk.lower) parts.push(compare(keyColumns, chunk.lower, '>'));
  parts.push(compare(keyColumns, chunk.upper, '<='));
  return parts.map((p) => `(${p})`).join(' AND ');
}

/** Lexicographic tuple comparison `(c1..cn) op (v1..vn)` as an OR of prefix-equal terms. */
function compare(cols: readonly string[], vals: readonly string[], op: '>' | '<='): string {
  const strict = op === '>' ? '>' : '<';
  const terms: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const eq = cols.slice(0, i).map((c, j) => `${quoteIdent(c)} = ${vals[j]}`);
    const last = i === cols.length - 1 ? op : strict;
    terms.push([...eq, `${quoteIdent(cols[i]!)} ${last} ${vals[i]}`].join(' AND '));
  }
  return terms.length === 1 ? terms[0]! : terms.map((t) => `(${t})`).join(' OR ');
}

export function keyOrder(keyColumns: readonly string[], desc = false): string {
  return keyColumns.map((c) => `${quoteIdent(c)}${desc ? ' DESC' : ''}`).join(', ');
}

export interface PlanOptions {
  readonly chunkRows: number;
  /** Awaited before every query sent to the source (source QPS throttling). */
  readonly beforeQuery?: () => Promise<void>;
}

export async function planChunks(conn: Connection, table: TableMapping, options: PlanOptions): Promise<Chunk[]> {
  const t = table.source;
  const keyCols = table.key;
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  const select = keyCols.map((k) => selectExpr(byName.get(k)!)).join(', ');
  const from = qualified(t.database, t.name);
  const fetchKey = async (sql: string): Promise<string[] | undefined> => {
    await options.beforeQuery?.();
    const [rows, fields] = (await conn.query({ sql, rowsAsArray: true, typeCast: false })) as unknown as [RawValue[][], FieldPacket[]];
    const row = rows[0];
    if (!row) return undefined;
    const enc = literalEncoders(fields);
    return row.map((v, i) => enc[i]!(v));
  };

  const max = await fetchKey(`SELECT ${select} FROM ${from} ORDER BY ${keyOrder(keyCols, true)} LIMIT 1`);
  if (!max) return [];

  const keyCol = byName.get(keyCols[0]!)!;
  if (keyCols.length === 1 && INTEGER_TYPES.has(keyCol.dataType) && t.estimatedRows > 0) {
    const min = await fetchKey(`SELECT ${select} FROM ${from} ORDER BY ${keyOrder(keyCols)} LIMIT 1`);
    return integerChunks(BigInt(min![0]!), BigInt(max[0]!), t.estimatedRows, options.chunkRows);
  }

  // Keyset walk: each boundary is the chunkRows-th key after the previous one. The OFFSET is bounded
  // by one chunk, so planning reads the key index once in total, never the whole table per chunk.
  const chunks: Chunk[] = [];
  let lower: string[] | null = null;
  for (;;) {
    const where: string = lower ? `WHERE ${compare(keyCols, lower, '>')}` : '';
    const next = await fetchKey(`SELECT ${select} FROM ${from} ${where} ORDER BY ${keyOrder(keyCols)} LIMIT 1 OFFSET ${options.chunkRows - 1}`);
    if (!next || sameKey(next, max)) {
      chunks.push({ index: chunks.length, lower, upper: max });
      return chunks;
    }
    chunks.push({ index: chunks.length, lower, upper: next });
    lower = next;
  }
}

function sameKey(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Equal-width ranges over [min, max] for an integer key: no scan at all; sparse keys give smaller chunks. */
export function integerChunks(min: bigint, max: bigint, estimatedRows: number, chunkRows: number): Chunk[] {
  const count = BigInt(Math.max(1, Math.ceil(estimatedRows / chunkRows)));
  const span = max - min + 1n;
  const n = count > span ? span : count;
  const step = (span + n - 1n) / n;
  const chunks: Chunk[] = [];
  let lower: bigint | null = null;
  for (let i = 0n; i < n; i++) {
    const upper: bigint = i === n - 1n ? max : min - 1n + step * (i + 1n);
    if (upper > max) break;
    chunks.push({ index: chunks.length, lower: lower === null ? null : [String(lower)], upper: [String(upper)] });
    if (upper === max) break;
    lower = upper;
  }
  return chunks;
}
