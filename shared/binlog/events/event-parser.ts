/**
 * Whole events (header, body, checksum) → typed BinlogEvents. The same bytes come from a binlog file
 * (binlog-file.ts) and, after the 1-byte OK marker, from a replication stream. The parser keeps what
 * later events depend on: the FORMAT_DESCRIPTION_EVENT (post-header lengths, checksum algorithm) and
 * the TABLE_MAPs by table id.
 */
// zlib.crc32 is Node's own CRC-32 (IEEE, as MySQL's my_checksum), in Node since 20.15 / 22.2.
import { crc32 } from 'node:zlib';
import { BinlogChecksumError, BinlogFormatError, type BinlogWhere } from './binlog-errors.ts';
import type { BinlogEvent, EventPosition } from './binlog-event.ts';
import { ByteReader } from './byte-reader.ts';
import type { ValueOptions } from './column-values.ts';
import { EVENT_HEADER_LENGTH, parseEventHeader, type EventHeader } from './event-header.ts';
import { EventType, eventTypeName } from './event-type.ts';
import { CHECKSUM_LENGTH, parseFormatDescription, postHeaderLength, type FormatDescription } from './format-description.ts';
import { parseMariadbGtid, parseMysqlGtid, parsePreviousGtids } from './gtid-events.ts';
import { parseQuery } from './query-event.ts';
import { isRowsEventType, parseRows, parseRowsHeader } from './rows-event.ts';
import type { TableColumn, TableDefinition } from './table-definition.ts';
import { parseTableMap } from './table-map.ts';
import { parseTransactionPayload } from './transaction-payload.ts';

export interface ParserOptions extends ValueOptions {
  /** Names the bytes in errors: the file path, or the source server and binlog file. */
  readonly source: string;
  /** The connected server's collation id → character set (else the compiled-in list, collations.ts). */
  readonly charsetOf?: (collationId: number) => string | undefined;
  /** Row events of tables this says no to are not decoded (kind 'other'). */
  readonly wantsRowsOf?: (database: string, table: string) => boolean;
}

export class BinlogEventParser {
  private readonly options: ParserOptions;
  private fde: FormatDescription | undefined;
  private readonly tables = new Map<number, TableDefinition>();
  /** Each TABLE_MAP's body by table id: a transaction repeats its tables' maps, and equal bytes reuse the definition (and its value decoders). */
  private readonly tableMapBytes = new Map<number, Buffer>();

  constructor(options: ParserOptions) {
    this.options = options;
  }

  /** The FORMAT_DESCRIPTION_EVENT in force, once one has been parsed. */
  get formatDescription(): FormatDescription | undefined {
    return this.fde;
  }

  /** One whole event; `offset` is where it starts in its file. */
  parse(event: Buffer, offset: number): BinlogEvent {
    return this.parseAt(event, { offset }, false);
  }

  private parseAt(event: Buffer, pos: EventPosition, inner: boolean): BinlogEvent {
    const where: BinlogWhere = { source: this.options.source, offset: pos.offset };
    const header = parseEventHeader(event, where);
    if (header.eventSize !== event.length) throw new BinlogFormatError(where, `event size ${header.eventSize} but ${event.length} bytes given`);
    if (header.type === EventType.FORMAT_DESCRIPTION) return this.formatDescriptionEvent(event, header, pos, where);
    const fde = this.fde;
    if (!fde) throw new BinlogFormatError(where, `${eventTypeName(header.type)} event before any FORMAT_DESCRIPTION_EVENT`);
    // Events inside a transaction payload have no checksum of their own.
    const end = !inner && fde.checksum === 'crc32' ? verifiedEnd(event, where) : event.length;
    return this.body(new ByteReader(event, where, EVENT_HEADER_LENGTH, end), header, pos, fde);
  }

  private formatDescriptionEvent(event: Buffer, header: EventHeader, pos: EventPosition, where: BinlogWhere): BinlogEvent {
    const fde = parseFormatDescription(new ByteReader(event, where, EVENT_HEADER_LENGTH));
    if (fde.checksum === 'crc32') verifiedEnd(withoutInUseFlag(event), where);
    this.fde = fde;
    this.tables.clear(); // table ids are per file
    this.tableMapBytes.clear();
    return { kind: 'format_description', pos, header, ...fde };
  }

  private body(r: ByteReader, header: EventHeader, pos: EventPosition, fde: FormatDescription): BinlogEvent {
    const base = { pos, header };
    switch (header.type) {
      case EventType.ROTATE: {
        const position = r.safeU64('rotate position');
        return { kind: 'rotate', ...base, position, file: r.rest().toString('utf8') };
      }
      case EventType.QUERY:
        return { kind: 'query', ...base, ...parseQuery(r) };
      case EventType.XID:
        return { kind: 'xid', ...base, xid: r.u64() };
      case EventType.GTID:
      case EventType.ANONYMOUS_GTID:
        return { kind: 'gtid', ...base, ...parseMysqlGtid(r, header.type === EventType.ANONYMOUS_GTID) };
      case EventType.MARIADB_GTID:
        return { kind: 'mariadb_gtid', ...base, ...parseMariadbGtid(r, header.serverId) };
      case EventType.PREVIOUS_GTIDS:
        return { kind: 'previous_gtids', ...base, ...parsePreviousGtids(r) };
      case EventType.HEARTBEAT:
        return { kind: 'heartbeat', ...base, file: r.rest().toString('utf8') };
      case EventType.TABLE_MAP:
        return { kind: 'table_map', ...base, table: this.tableMap(r, fde, header.type) };
      case EventType.TRANSACTION_PAYLOAD:
        return this.transactionPayload(r, base);
      default:
        if (isRowsEventType(header.type)) return this.rows(r, header, base, fde);
        return { kind: 'other', ...base, typeName: eventTypeName(header.type) };
    }
  }

  private tableMap(r: ByteReader, fde: FormatDescription, type: number): TableDefinition {
    const idSize = tableIdSize(fde, type);
    const body = r._buffer.subarray(r._offset, r.end);
    const tableId = r.uint(idSize);
    const known = this.tables.get(tableId);
    if (known && this.tableMapBytes.get(tableId)?.equals(body)) return known;
    r._offset -= idSize;
    const parsed = parseTableMap(r, idSize, fde.mariadb);
    const charsetOf = this.options.charsetOf;
    const table = charsetOf ? { ...parsed, columns: parsed.columns.map((c) => withServerCharset(c, charsetOf)) } : parsed;
    this.tables.set(tableId, table);
    this.tableMapBytes.set(tableId, Buffer.from(body));
    return table;
  }

  private rows(r: ByteReader, header: EventHeader, base: { pos: EventPosition; header: EventHeader }, fde: FormatDescription): BinlogEvent {
    const rowsHeader = parseRowsHeader(r, header.type, tableIdSize(fde, header.type));
    const table = this.tables.get(rowsHeader.tableId);
    if (!table) throw new BinlogFormatError(r.where, `rows event for table id ${rowsHeader.tableId}, which no TABLE_MAP_EVENT before it defines`);
    const { op, version, partialJson, flags } = rowsHeader;
    if (this.options.wantsRowsOf && !this.options.wantsRowsOf(table.database, table.table)) return { kind: 'other', ...base, typeName: eventTypeName(header.type) };
    return { kind: 'rows', ...base, op, version, partialJson, flags, table, rows: parseRows(r, rowsHeader, table, this.options) };
  }

  /** The payload's events get this event's offset and their index (EventPosition). */
  private transactionPayload(r: ByteReader, base: { pos: EventPosition; header: EventHeader }): BinlogEvent {
    const payload = parseTransactionPayload(r);
    const events: BinlogEvent[] = [];
    for (let at = 0; at < payload.events.length; ) {
      const where = { source: r.where.source, offset: base.pos.offset };
      const header = parseEventHeader(payload.events.subarray(at, at + EVENT_HEADER_LENGTH), where);
      if (at + header.eventSize > payload.events.length) throw new BinlogFormatError(where, `event ${events.length} of the transaction payload runs past its end`);
      events.push(this.parseAt(payload.events.subarray(at, at + header.eventSize), { offset: base.pos.offset, index: events.length }, true));
      at += header.eventSize;
    }
    const { compression, uncompressedSize, payloadSize } = payload;
    return { kind: 'transaction_payload', ...base, compression, uncompressedSize, payloadSize, events };
  }
}

function withServerCharset(c: TableColumn, charsetOf: (collationId: number) => string | undefined): TableColumn {
  if (c.collationId === undefined) return c;
  const { charset: _, ...rest } = c;
  const charset = charsetOf(c.collationId);
  return charset === undefined ? rest : { ...rest, charset };
}

/**
 * Table ids are 6 bytes, or 4 when the FDE gives the type a 6-byte post-header (servers before
 * MySQL 5.1.4; libbinlogevents rows_event.cpp, Table_map_event::Table_map_event).
 */
function tableIdSize(fde: FormatDescription, type: number): number {
  return postHeaderLength(fde, type) === 6 ? 4 : 6;
}

/** LOG_EVENT_BINLOG_IN_USE_F: set in the FDE while the server writes the file, cleared when it closes it. */
const BINLOG_IN_USE = 0x1;
const FLAGS_OFFSET = 17;

/**
 * The FDE's checksum is computed without the in-use flag, which the server clears in place when it
 * closes the file (libbinlogevents/src/binlog_event.cpp, Log_event_footer::event_checksum_test).
 */
function withoutInUseFlag(event: Buffer): Buffer {
  if ((event[FLAGS_OFFSET]! & BINLOG_IN_USE) === 0) return event;
  const copy = Buffer.from(event);
  copy[FLAGS_OFFSET]! &= ~BINLOG_IN_USE;
  return copy;
}

/** Checks the event's CRC32 (over everything before it) and returns where the body ends. */
function verifiedEnd(event: Buffer, where: BinlogWhere): number {
  const end = event.length - CHECKSUM_LENGTH;
  if (end < EVENT_HEADER_LENGTH) throw new BinlogFormatError(where, 'event is too short to hold its checksum');
  const stored = event.readUInt32LE(end);
  const computed = crc32(event.subarray(0, end));
  if (stored !== computed) throw new BinlogChecksumError(where, stored, computed);
  return end;
}
