/**
 * Parsed binlog events (events/) → the reader's SourceEvents: row changes with names and lossless
 * values, DDL statements, transaction ends with where reading may resume, each with its position.
 *
 * Positions (docs/architecture.md §3.1): { file: the binlog's sequence, offset: the start of the event
 * in its file, row }. An event inside a TRANSACTION_PAYLOAD_EVENT (compressed transaction) has end
 * position 0 in its header: it gets the payload's offset and, as `row`, a counter that runs through
 * the payload (each event takes one more than its rows), so every change of the payload has a
 * position of its own, the same at every read, and after every position before the payload.
 */
import type { CellValue } from '../change/change-event.ts';
import type { BinlogPosition, ResumePoint } from '../change/position.ts';
import { formatPosition } from '../change/position.ts';
import type { SchemaHistory } from '../schema-history/schema-history.ts';
import { checkTableMap } from '../schema-history/table-map-check.ts';
import type { TableDefinition as HistoryDefinition } from '../schema-history/table-definition.ts';
import type { BinlogDecodeError, SourceEvent } from './binlog-reader.ts';
import type { BinlogEvent, QueryEvent, RowsEvent } from './events/binlog-event.ts';
import { EventType } from './events/event-type.ts';
import type { TableDefinition } from './events/table-definition.ts';
import { hasColumnNames, imageRecord, noColumnNamesError, shapeOfDefinition, shapeOfTableMap, type RowShape } from './row-shape.ts';

/** Where an event lies: its file offset (the payload's, inside one), its `row` base, and the offset after it. */
export interface Placement {
  readonly offset: number;
  readonly row: number;
  readonly end: number;
}

export interface AssemblerOptions {
  readonly schemaHistory?: SchemaHistory;
  /** Statements are reported only when this says yes (their default database or their text names a selected one). */
  readonly wantsStatement: (database: string, sql: string) => boolean;
  readonly emit: (event: SourceEvent) => void;
  readonly decodeError: (message: string, fix: string) => BinlogDecodeError;
}

type Row = Record<string, CellValue>;

/** MariaDB's log_bin_compress events: QUERY_COMPRESSED and the six compressed row events (sql/log_event.h). */
const MARIADB_COMPRESSED = new Set<number>([165, 166, 167, 168, 169, 170, 171]);

export class SourceEventAssembler {
  private file: string | undefined;
  private fileNumber = 0;
  private txStart: ResumePoint | undefined;
  private inTransaction = false;
  private gtid: string | undefined;
  /** Per TABLE_MAP definition: the shape its rows were last given, and the history version it came from. */
  private readonly shapes = new WeakMap<TableDefinition, { readonly from: HistoryDefinition | undefined; readonly shape: RowShape }>();

  constructor(private readonly options: AssemblerOptions) {}

  /** The binlog file being read, once the server has named it. */
  get fileName(): string | undefined {
    return this.file;
  }

  /** The file the next events are in; `sequence` is its place in the position order (binlog-reader.ts). */
  enterFile(name: string, sequence: number): void {
    this.file = name;
    this.fileNumber = sequence;
  }

  heartbeat(next: number): void {
    // Sent only while the dump thread waits at the end of the binlog, so between transactions.
    if (this.inTransaction || this.file === undefined || !(next > 0)) return;
    this.options.emit({ kind: 'heartbeat', ts: Math.floor(Date.now() / 1000), next: { file: this.file, offset: next } });
  }

  accept(e: BinlogEvent, at: Placement): void {
    const file = this.file;
    if (file === undefined) throw this.options.decodeError(`binlog event ${e.kind} arrived before the server named the binlog file`, 'report this as a bug');
    const here: ResumePoint = { file, offset: at.offset };
    const ts = e.header.timestamp;
    switch (e.kind) {
      case 'mariadb_gtid':
        // Replaces BEGIN (MariaDB writes no BEGIN when the reader announces GTID capability); a
        // standalone group (a DDL) is one statement with no commit event of its own.
        this.txStart = here;
        this.inTransaction = !e.standalone;
        this.gtid = e.gtid;
        return;
      case 'gtid':
        // MySQL: the GTID event precedes BEGIN (or a DDL, or a compressed payload) and is where the transaction starts.
        this.txStart = here;
        this.inTransaction = false;
        this.gtid = e.anonymous ? undefined : e.gtid;
        return;
      case 'xid':
        this.commit(at, 0, ts);
        return;
      case 'query':
        this.query(e, at, ts);
        return;
      case 'table_map':
        // Read from a start inside a transaction, the first TABLE_MAP is the earliest safe restart point.
        this.txStart ??= here;
        return;
      case 'rows':
        this.rows(e, at, ts);
        return;
      case 'transaction_payload':
        this.payload(e.events, at);
        return;
      case 'other':
        // XA PREPARE ends the prepared transaction's binlog group; its XA COMMIT comes later as a statement.
        if (e.header.type === EventType.XA_PREPARE) this.commit(at, 0, ts);
        if (MARIADB_COMPRESSED.has(e.header.type)) {
          throw this.options.decodeError(
            `the source binlog has a MariaDB compressed event (${e.typeName}) at ${this.file}:${at.offset} (log_bin_compress=ON), which fc-dts does not read yet: skipping it would lose its changes`,
            'run SET GLOBAL log_bin_compress = OFF on the source; then, as events already written compressed cannot be read, delete the state directory and run again (a new full load)',
          );
        }
        return;
      default:
        return;
    }
  }

  private payload(events: readonly BinlogEvent[], at: Placement): void {
    let row = 0;
    for (const inner of events) {
      this.accept(inner, { offset: at.offset, row, end: at.end });
      row += 1 + (inner.kind === 'rows' ? inner.rows.length : 0);
    }
  }

  private query(e: QueryEvent, at: Placement, ts: number): void {
    const kind = classifyStatement(e.sql);
    if (kind === 'begin') {
      this.inTransaction = true;
      this.txStart ??= { file: this.file!, offset: at.offset };
    } else if (kind === 'end') {
      this.commit(at, 0, ts);
    } else if (kind === 'statement') {
      const txStart = (this.txStart ??= { file: this.file!, offset: at.offset });
      const pos = this.position(at, 0);
      // Before any later TABLE_MAP is decoded: events are taken one at a time, in binlog order.
      this.options.schemaHistory?.apply(e.sql, e.schema, pos, { noBackslashEscapes: e.noBackslashEscapes });
      if (this.options.wantsStatement(e.schema, e.sql)) {
        this.options.emit({ kind: 'query', pos, ts, database: e.schema, sql: e.sql, txStart, ...this.gtidField() });
      }
      if (!this.inTransaction) this.commit(at, 1, ts);
    }
  }

  private rows(e: RowsEvent, at: Placement, ts: number): void {
    const table = e.table;
    const pos = this.position(at, 0);
    const shape = this.shapeOf(table, pos);
    const rows = e.rows.map((pair) => {
      const before = pair.before ? imageRecord(pair.before, table, shape) : undefined;
      const after = pair.after ? imageRecord(pair.after, table, shape, before) : undefined;
      return { ...(before && { before }), ...(after && { after }) } as { before?: Row; after?: Row };
    });
    this.options.emit({
      kind: 'rows', pos, ts, database: table.database, table: table.table, op: e.op, rows,
      columns: shape.columns, columnTypes: shape.columnTypes, txStart: this.txStart ?? { file: this.file!, offset: at.offset }, ...this.gtidField(),
    });
  }

  /**
   * Names from the TABLE_MAP when it has them, else from the history's definition at the event; a
   * definition the history has is checked against the TABLE_MAP either way (count and types).
   */
  private shapeOf(table: TableDefinition, pos: BinlogPosition): RowShape {
    const history = this.options.schemaHistory;
    const def = history?.definitionAt(table.database, table.table, pos);
    const known = this.shapes.get(table);
    if (known && known.from === def) return known.shape;
    const name = `${table.database}.${table.table}`;
    if (def) checkTableMap(def, table.columns.map((c) => c.rawType), { table: name, pos });
    let shape: RowShape;
    if (hasColumnNames(table)) shape = shapeOfTableMap(table);
    else if (def) shape = shapeOfDefinition(def);
    else throw noColumnNamesError(name, history ? `the schema history has no definition of it at ${formatPosition(pos)}` : 'fc-dts keeps no schema history for this task');
    this.shapes.set(table, { from: def, shape });
    return shape;
  }

  private commit(at: Placement, row: number, ts: number): void {
    this.options.emit({ kind: 'commit', pos: this.position(at, row), ts, next: { file: this.file!, offset: at.end }, ...this.gtidField() });
    this.txStart = undefined;
    this.inTransaction = false;
    this.gtid = undefined;
  }

  private position(at: Placement, row: number): BinlogPosition {
    return { file: this.fileNumber, offset: at.offset, row: at.row + row };
  }

  private gtidField(): { gtid?: string } {
    return this.gtid === undefined ? {} : { gtid: this.gtid };
  }
}

/** BEGIN / the end of a transaction / transaction control to ignore / a statement to report. */
function classifyStatement(sql: string): 'begin' | 'end' | 'ignore' | 'statement' {
  const s = sql.trimStart().slice(0, 40).toUpperCase();
  if (s === 'BEGIN' || s.startsWith('XA START') || s.startsWith('XA BEGIN')) return 'begin';
  if (/^(SAVEPOINT|ROLLBACK\s+(WORK\s+)?TO|RELEASE\s+SAVEPOINT|XA\s+END)\b/.test(s)) return 'ignore';
  // COMMIT ends a transaction of non-transactional tables (which have no XID); ROLLBACK one that
  // changed them and was rolled back (their changes stay, and are in the row events before it).
  if (/^(COMMIT|ROLLBACK|XA\s+COMMIT|XA\s+ROLLBACK)\b/.test(s)) return 'end';
  return 'statement';
}
