/**
 * The ranges of the first key column a Lindorm verify reads a table in: the source's chunks (chunk-planner.ts,
 * planned over the first key column alone), each as a condition over the source and the same range in Lindorm
 * SQL, and a tail beyond the last chunk (rows inserted since, or extra in Lindorm). A range of the first key
 * column is a key range scan in Lindorm, which needs no filtering hint.
 *
 * A range selects the same rows on both sides only where the source orders the column as Lindorm does and the
 * bound is written exactly: integers, DECIMAL, DATE, and TIME/DATETIME/TIMESTAMP of at most millisecond
 * precision (Lindorm keeps milliseconds). Text (collation order, not Lindorm's bytes), FLOAT/DOUBLE (bounds that
 * would not be written exactly) and binary first key columns, and bounds Lindorm cannot hold, make the whole
 * table one range.
 */
import type { Connection } from 'mysql2/promise';
import type { CellValue } from '../../change/change-event.ts';
import { chunkCondition, planChunks, type Chunk } from '../../fullload/chunk-planner.ts';
import { quoteIdent } from '../../mysql/identifier.ts';
import type { TableMapping } from '../../task/object-mapper.ts';
import { lindormLiteral, LindormValueError, quoteName, type LiteralSession } from './lindorm-literals.ts';
import type { LindormColumn } from './lindorm-table.ts';

export interface KeyRange {
  /** The source condition; undefined: every row. */
  readonly source: string | undefined;
  /** The same rows in Lindorm SQL; undefined: every row. */
  readonly lindorm: string | undefined;
}

export const WHOLE_TABLE: KeyRange = { source: undefined, lindorm: undefined };

const EXACT_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'DECIMAL', 'DATE']);
const TIME_TYPES = new Set(['TIME', 'TIMESTAMP']);

/** Whether ranges of `column` select the same rows on both sides. */
function rangeable(column: LindormColumn): boolean {
  if (EXACT_TYPES.has(column.type.name)) return true;
  const fraction = Number(/\((\d+)\)/.exec(column.source.columnType)?.[1] ?? 0);
  return TIME_TYPES.has(column.type.name) && fraction <= 3;
}

/** The ranges of `first` (the first key column) in key order, the tail last. */
export async function planKeyRanges(conn: Connection, t: TableMapping, first: LindormColumn, session: LiteralSession, chunkRows: number): Promise<KeyRange[]> {
  if (!rangeable(first)) return [WHOLE_TABLE];
  const chunks = await planChunks(conn, { ...t, key: [first.source.name] }, { chunkRows });
  if (chunks.length === 0) return [WHOLE_TABLE];
  let uppers: string[];
  try {
    uppers = chunks.map((c) => boundLiteral(c.upper[0]!, first, session));
  } catch (e) {
    if (e instanceof LindormValueError) return [WHOLE_TABLE];
    throw e;
  }
  return [...chunks.map((c, i) => chunkRange(c, first, uppers[i - 1], uppers[i]!)), tailRange(chunks.at(-1)!, first, uppers.at(-1)!)];
}

function chunkRange(c: Chunk, first: LindormColumn, lower: string | undefined, upper: string): KeyRange {
  const k = quoteName(first.name);
  return {
    source: chunkCondition([first.source.name], c),
    lindorm: lower === undefined ? `${k} <= ${upper}` : `${k} > ${lower} AND ${k} <= ${upper}`,
  };
}

/** Beyond the last chunk; on the source also a NULL first key column (a nullable key override), which Lindorm cannot hold. */
function tailRange(last: Chunk, first: LindormColumn, upper: string): KeyRange {
  const k = quoteIdent(first.source.name);
  return { source: `(NOT (${chunkCondition([first.source.name], { lower: null, upper: last.upper })}) OR ${k} IS NULL)`, lindorm: `${quoteName(first.name)} > ${upper}` };
}

/** A chunk bound (a source SQL literal: digits, or quoted temporal text) as a Lindorm literal of the column. */
function boundLiteral(bound: string, column: LindormColumn, session: LiteralSession): string {
  const cell: CellValue = bound.startsWith("'") ? bound.slice(1, -1) : { n: bound };
  const sql = lindormLiteral(cell, column, session).sql;
  if (sql === 'NULL') throw new LindormValueError(column, bound, 'no Lindorm value');
  return sql;
}
