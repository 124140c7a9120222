/**
 * WRITE/UPDATE/DELETE_ROWS (v1: 23–25, v2: 30–32) and PARTIAL_UPDATE_ROWS (39): the row images of one
 * table. Layout: MySQL libbinlogevents/src/rows_event.cpp (Rows_event), sql/log_event.cc
 * (Rows_log_event::print_verbose_one_row); partial JSON: WL#2955, go-mysql row_event.go decodeImage.
 */
import type { ByteReader } from './byte-reader.ts';
import { BinlogFormatError } from './binlog-errors.ts';
import type { JsonDiffValue, RowImage, RowPair, RowsOperation } from './binlog-event.ts';
import { ColumnType } from '../column-type.ts';
import { columnDecoder, type ColumnDecoder, type ValueOptions } from './column-values.ts';
import { EventType } from './event-type.ts';
import { parseJsonDiffs } from './json-diff.ts';
import type { TableDefinition } from './table-definition.ts';
import type { CellValue } from '../../change/change-event.ts';

export interface RowsHeader {
  readonly tableId: number;
  readonly flags: number;
  readonly op: RowsOperation;
  readonly version: 1 | 2;
  readonly partialJson: boolean;
}

const OPS: ReadonlyMap<number, readonly [RowsOperation, 1 | 2]> = new Map([
  [EventType.WRITE_ROWS_V1, ['insert', 1]],
  [EventType.UPDATE_ROWS_V1, ['update', 1]],
  [EventType.DELETE_ROWS_V1, ['delete', 1]],
  [EventType.WRITE_ROWS, ['insert', 2]],
  [EventType.UPDATE_ROWS, ['update', 2]],
  [EventType.DELETE_ROWS, ['delete', 2]],
  [EventType.PARTIAL_UPDATE_ROWS, ['update', 2]],
]);

export function isRowsEventType(type: number): boolean {
  return OPS.has(type);
}

/** Reads the fixed part; v2's extra row info (NDB data, partition ids) is skipped by its length. */
export function parseRowsHeader(r: ByteReader, type: number, tableIdSize: number): RowsHeader {
  const [op, version] = OPS.get(type)!;
  const tableId = r.uint(tableIdSize);
  const flags = r.u16();
  if (version === 2) {
    const extraLength = r.u16(); // counts its own 2 bytes
    if (extraLength < 2) throw new BinlogFormatError(r.where, `rows event extra-data length ${extraLength} is below 2`);
    r.take(extraLength - 2);
  }
  return { tableId, flags, op, version, partialJson: type === EventType.PARTIAL_UPDATE_ROWS };
}

/** The rows after the header, decoded with the table's TABLE_MAP. */
export function parseRows(r: ByteReader, header: RowsHeader, table: TableDefinition, options: ValueOptions): RowPair[] {
  const count = r.packed();
  if (count !== table.columns.length) {
    throw new BinlogFormatError(r.where, `rows event has ${count} columns, its TABLE_MAP (${table.database}.${table.table}, id ${table.tableId}) ${table.columns.length}`);
  }
  const first = presentColumns(r.bytes((count + 7) >> 3), count);
  const second = header.op === 'update' ? presentColumns(r.bytes((count + 7) >> 3), count) : undefined;
  const decoders = decodersOf(table, options);
  const rows: RowPair[] = [];
  while (r.remaining > 0) {
    const image = readImage(r, table, decoders, first, options, false);
    if (header.op === 'insert') rows.push({ after: image });
    else if (header.op === 'delete') rows.push({ before: image });
    else rows.push({ before: image, after: readImage(r, table, decoders, second!, options, header.partialJson) });
  }
  return rows;
}

function presentColumns(bitmap: Buffer, count: number): number[] {
  const present: number[] = [];
  for (let i = 0; i < count; i++) if (bitmap[i >> 3]! & (1 << (i & 7))) present.push(i);
  return present;
}

const cache = new WeakMap<TableDefinition, { readonly options: ValueOptions; readonly decoders: readonly ColumnDecoder[] }>();

function decodersOf(table: TableDefinition, options: ValueOptions): readonly ColumnDecoder[] {
  const known = cache.get(table);
  if (known?.options === options) return known.decoders;
  const decoders = table.columns.map((c) => columnDecoder(c, options));
  cache.set(table, { options, decoders });
  return decoders;
}

/** binlog_row_value_options bit PARTIAL_JSON_UPDATES (libbinlogevents/include/rows_event.h). */
const PARTIAL_JSON_UPDATES = 1;

/**
 * One image. The after image of a PARTIAL_UPDATE_ROWS event starts with the value options and, when
 * they say partial JSON, a bitmap with one bit per JSON column of the table (present or not).
 */
function readImage(r: ByteReader, table: TableDefinition, decoders: readonly ColumnDecoder[], present: readonly number[], options: ValueOptions, shared: boolean): RowImage {
  const partialJson = shared ? readPartialJsonColumns(r, table) : undefined;
  const nullsAt = r.take((present.length + 7) >> 3);
  const buffer = r._buffer;
  // A plain loop without closures: this runs for every column of every row the reader passes on.
  const values: Array<CellValue | JsonDiffValue | undefined> = new Array(table.columns.length).fill(undefined);
  for (let bit = 0; bit < present.length; bit++) {
    const column = present[bit]!;
    if (buffer[nullsAt + (bit >> 3)]! & (1 << (bit & 7))) values[column] = null;
    else if (partialJson?.has(column)) values[column] = { jsonDiffs: parseJsonDiffs(r.sub(r.uint(table.columns[column]!.metadata.length_size ?? 4)), options.jsonText) };
    else values[column] = decoders[column]!(r);
  }
  if (r._offset > r.end) throw new BinlogFormatError(r.where, `a row image of ${table.database}.${table.table} runs past the event`);
  return { values, present, partial: present.length < table.columns.length };
}

function readPartialJsonColumns(r: ByteReader, table: TableDefinition): Set<number> {
  const partial = new Set<number>();
  if ((r.packed() & PARTIAL_JSON_UPDATES) === 0) return partial;
  const json = table.columns.filter((c) => c.type === ColumnType.JSON).map((c) => c.index);
  const bits = r.bytes((json.length + 7) >> 3);
  json.forEach((column, i) => {
    if (bits[i >> 3]! & (1 << (i & 7))) partial.add(column);
  });
  return partial;
}
