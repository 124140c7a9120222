/** The typed events the parser yields (event-parser.ts). */
import type { CellValue } from '../../change/change-event.ts';
import type { EventHeader } from './event-header.ts';
import type { FormatDescription } from './format-description.ts';
import type { MariadbGtidBody, MysqlGtidBody, PreviousGtidsBody } from './gtid-events.ts';
import type { JsonDiff } from './json-diff.ts';
import type { QueryBody } from './query-event.ts';
import type { TableDefinition } from './table-definition.ts';

/**
 * Where an event is. `offset` is the start of the event in its file (for a replication stream: the
 * header's end position minus the event size). Events inside a TRANSACTION_PAYLOAD_EVENT carry end
 * position 0 in their headers; they get the payload event's offset and `index`, their place in the
 * payload (0, 1, …). Events are totally ordered by (offset, index), an event without index before
 * index 0: compareEventPositions.
 */
export interface EventPosition {
  readonly offset: number;
  readonly index?: number;
}

export function compareEventPositions(a: EventPosition, b: EventPosition): number {
  return a.offset - b.offset || (a.index ?? -1) - (b.index ?? -1);
}

interface Base {
  readonly pos: EventPosition;
  readonly header: EventHeader;
}

export interface FormatDescriptionEvent extends Base, FormatDescription {
  readonly kind: 'format_description';
}

export interface RotateEvent extends Base {
  readonly kind: 'rotate';
  readonly file: string;
  readonly position: number;
}

export interface QueryEvent extends Base, QueryBody {
  readonly kind: 'query';
}

export interface XidEvent extends Base {
  readonly kind: 'xid';
  readonly xid: bigint;
}

export interface GtidEvent extends Base, MysqlGtidBody {
  readonly kind: 'gtid';
}

export interface MariadbGtidEvent extends Base, MariadbGtidBody {
  readonly kind: 'mariadb_gtid';
}

export interface PreviousGtidsEvent extends Base, PreviousGtidsBody {
  readonly kind: 'previous_gtids';
}

export interface HeartbeatEvent extends Base {
  readonly kind: 'heartbeat';
  /** The binlog file the source is at. */
  readonly file: string;
}

export interface TableMapEvent extends Base {
  readonly kind: 'table_map';
  readonly table: TableDefinition;
}

/** A JSON column of a PARTIAL_UPDATE_ROWS_EVENT's after image given as changes to its before value. */
export interface JsonDiffValue {
  readonly jsonDiffs: readonly JsonDiff[];
}

/**
 * One row image: `values[i]` is column i's value, `undefined` where the image does not have the
 * column (binlog_row_image MINIMAL/NOBLOB: see `present`).
 */
export interface RowImage {
  readonly values: ReadonlyArray<CellValue | JsonDiffValue | undefined>;
  /** Indexes of the columns the image has. */
  readonly present: readonly number[];
  /** The image lacks some of the table's columns. */
  readonly partial: boolean;
}

export interface RowPair {
  readonly before?: RowImage;
  readonly after?: RowImage;
}

export type RowsOperation = 'insert' | 'update' | 'delete';

export interface RowsEvent extends Base {
  readonly kind: 'rows';
  readonly op: RowsOperation;
  /** 1: types 23–25; 2: types 30–32 and PARTIAL_UPDATE_ROWS (39). */
  readonly version: 1 | 2;
  /** A PARTIAL_UPDATE_ROWS_EVENT (binlog_row_value_options=PARTIAL_JSON). */
  readonly partialJson: boolean;
  readonly flags: number;
  readonly table: TableDefinition;
  readonly rows: readonly RowPair[];
}

export interface TransactionPayloadEvent extends Base {
  readonly kind: 'transaction_payload';
  readonly compression: 'zstd' | 'none';
  readonly uncompressedSize: number;
  readonly payloadSize: number;
  /** The events of the transaction, in order (pos: this event's offset and their index). */
  readonly events: readonly BinlogEvent[];
}

/** An event this parser does not interpret (Aurora padding, INTVAR, ROWS_QUERY, …), skipped by its size. */
export interface OtherEvent extends Base {
  readonly kind: 'other';
  readonly typeName: string;
}

export type BinlogEvent =
  | FormatDescriptionEvent
  | RotateEvent
  | QueryEvent
  | XidEvent
  | GtidEvent
  | MariadbGtidEvent
  | PreviousGtidsEvent
  | HeartbeatEvent
  | TableMapEvent
  | RowsEvent
  | TransactionPayloadEvent
  | OtherEvent;
