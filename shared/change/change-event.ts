/**
 * Changes as they travel from the binlog reader to a sink, after filtering and mapping: destination
 * names, values encoded losslessly and self-describing, so a sink needs no schema to write them and
 * the encoding survives JSON (queue messages) unchanged.
 */
import type { BinlogPosition } from './position.ts';

/**
 * A column value:
 * - `null`;
 * - a JS number: integers within ±2^53 and DOUBLE/FLOAT values (a FLOAT arrives as the exact double of
 *   its float32, which the destination rounds back to the same float32);
 * - `{ n: "..." }`: an exact number as text — DECIMAL, integers beyond ±2^53, BIGINT UNSIGNED;
 * - a string: text, and DATE/TIME/DATETIME/TIMESTAMP as the server prints them (TIMESTAMP in UTC,
 *   fractions kept), ENUM/SET values, JSON text;
 * - `{ b: "base64" }`: bytes — BINARY/VARBINARY/BLOB, BIT (big-endian), geometry.
 */
export type CellValue = null | number | string | { readonly n: string } | { readonly b: string };

/** Column name (destination spelling) → value, in column order. */
export type Row = Readonly<Record<string, CellValue>>;

export type RowOperation = 'insert' | 'update' | 'delete';

export interface TableRef {
  readonly database: string;
  readonly table: string;
}

export interface RowChange {
  readonly kind: 'row';
  readonly pos: BinlogPosition;
  /** Source commit time of the event, in seconds since the epoch (for lag). */
  readonly ts: number;
  /** Destination table. */
  readonly table: TableRef;
  /** Destination names of the columns that identify a row. */
  readonly key: readonly string[];
  readonly op: RowOperation;
  /** Full before-image (update, delete). */
  readonly before?: Row;
  /** Full after-image (insert, update). */
  readonly after?: Row;
  /**
   * The image columns' types as the binlog event describes them (destination names →
   * INFORMATION_SCHEMA-style COLUMN_TYPE without display widths: `int`, `varchar(20)`, `bigint
   * unsigned`), i.e. the schema in force when the row was written. Set for destinations that type
   * every value themselves (Tablestore); MySQL destinations hold the schema.
   */
  readonly types?: ColumnTypes;
  /**
   * The table has unique keys beside `key` in a destination that enforces them: its changes share one
   * bucket and apply in binlog order, each touching only the row its key names (docs/architecture.md
   * §3.13). `catch-up`: the change is before the full load's end, where the destination may hold rows
   * ahead of it; a row colliding on a unique key is one of those and is replaced.
   */
  readonly ordered?: 'in-order' | 'catch-up';
}

/** Column name → COLUMN_TYPE as of a binlog event (RowChange.types). */
export type ColumnTypes = Readonly<Record<string, string>>;

export interface DdlChange {
  readonly kind: 'ddl';
  readonly pos: BinlogPosition;
  readonly ts: number;
  /** The statement rewritten for the destination (object renames applied). */
  readonly sql: string;
  /** Destination database the statement runs in (its unqualified names refer to it). */
  readonly database: string;
  /** The tables it touches, destination names: the barrier covers them. */
  readonly tables: readonly TableRef[];
}

export type Change = RowChange | DdlChange;

/**
 * What a sink applies in one step: the changes of one bucket in binlog order, and the position of the
 * last change the reader sent to that bucket before this batch (null: none since the reader started
 * from a checkpoint at which the bucket had nothing pending).
 */
export interface ChangeBatch {
  readonly bucket: number;
  readonly prev: BinlogPosition | null;
  readonly changes: readonly Change[];
  /**
   * The position the batch covers up to, when changes at its end were dropped (a change skipped by
   * the dirty-data policy): the watermark still moves there, or the bucket's next batch would wait
   * for it forever. Absent: the last change's position.
   */
  readonly through?: BinlogPosition;
}

export function isBytes(v: CellValue): v is { readonly b: string } {
  return typeof v === 'object' && v !== null && 'b' in v;
}

/**
 * A value of at least this many characters (of text, or of base64) is large: before images leave it out
 * where no destination reads it, and the MySQL sink sends its row as parameters rather than SQL text
 * (docs/architecture.md §3.14).
 */
export const LARGE_VALUE_CHARS = 64 * 1024;

export function isLargeValue(v: CellValue): boolean {
  return typeof v === 'string' ? v.length >= LARGE_VALUE_CHARS : v !== null && typeof v === 'object' && 'b' in v && v.b.length >= LARGE_VALUE_CHARS;
}

export function isExactNumber(v: CellValue): v is { readonly n: string } {
  return typeof v === 'object' && v !== null && 'n' in v;
}
