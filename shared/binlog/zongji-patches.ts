/**
 * What fc-dts changes in the pinned @vlasky/zongji (0.9.0): one bug fix and three hooks. Neither class
 * is exported by the package, hence the paths into it; a version without these internals is refused.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ZongJi from '@vlasky/zongji';
import type { ColumnInfo, ColumnSchema, TableMapEntry, TableMapEvent } from '@vlasky/zongji';
import type { CellValue } from '../change/change-event.ts';
import { FcDtsError } from '../errors.ts';
import { ColumnType } from './cell-encoder.ts';
import type { PacketCursor, RowDecoder } from './row-decoder.ts';

let patched: Promise<void> | undefined;

/** Applies the patches once per process. */
export function patchZongji(): Promise<void> {
  // The geometry fix wraps _readOptionalMetadata first; the reuse hook wraps that, so a reused
  // TableMap skips both and a parsed one gets the fix.
  // The history hook wraps the reuse hook: a table decoded with the history is never reused by bytes.
  return (patched ??= patchGeometryCharset()
    .then(() => Promise.all([patchTableMapReuse(), patchRowDecoding(), loadValueReader(), patchFetchTableInfo()]))
    .then(() => patchHistoryDefinitions()));
}

/**
 * Bug fix. zongji 0.9.0: on MariaDB a GEOMETRY column has an entry (binary, 63) in the TableMap's
 * column-charset list (MariaDB's Field_geom::binlog_type_info carries a charset; MySQL's list has
 * only string and BLOB columns), but zongji lists only string/BLOB columns there, so every text
 * column after a geometry column got the charset of the column before it: utf8 text came out as
 * bytes, latin1 as utf8. Make zongji count GEOMETRY as a BLOB while it reads that metadata on MariaDB
 * (lib/binlog_event.js TableMap._readOptionalMetadata / _effectiveColumnType); the column itself is
 * still typed GEOMETRY.
 */
async function patchGeometryCharset(): Promise<void> {
  interface TableMapProto {
    _effectiveColumnType(this: TableMapProto, index: number): number;
    _readOptionalMetadata(this: TableMapProto, parser: unknown, zongji: { isMariaDb?: boolean } | undefined): void;
    __fcDtsGeometryIsText?: boolean;
  }
  const events = (await importZongjiLib('binlog_event.js')) as { TableMap?: { prototype: TableMapProto } };
  const proto = events.TableMap?.prototype;
  if (!proto || typeof proto._effectiveColumnType !== 'function' || typeof proto._readOptionalMetadata !== 'function') {
    throw missingInternals('TableMap');
  }
  const effective = proto._effectiveColumnType;
  const readOptional = proto._readOptionalMetadata;
  proto._effectiveColumnType = function (index) {
    const type = effective.call(this, index);
    return this.__fcDtsGeometryIsText && type === ColumnType.GEOMETRY ? ColumnType.BLOB : type;
  };
  proto._readOptionalMetadata = function (parser, zongji) {
    this.__fcDtsGeometryIsText = zongji?.isMariaDb === true;
    try {
      readOptional.call(this, parser, zongji);
    } finally {
      this.__fcDtsGeometryIsText = false;
    }
  };
}

/**
 * Speed. Every transaction repeats the TableMap of each table it touches, and zongji parses each one
 * in full (per-column and optional metadata: names, charsets, ENUM values) and rebuilds the table's
 * column schemas and column list (lib/binlog_event.js, index.js binlogHandler): a tenth of the
 * reader's CPU on two-statement transactions. A TableMap whose metadata bytes equal the previous one
 * of the same table id, schema, table and column types describes the same columns: its parsed
 * fields, column schemas and column list are taken over instead. Any DDL changes the bytes.
 */
async function patchTableMapReuse(): Promise<void> {
  interface Parsed {
    readonly schema: string;
    readonly table: string;
    readonly columnTypes: readonly number[];
    readonly raw: Buffer;
    readonly fields: Readonly<Record<string, unknown>>;
    /** After updateColumnInfo: the entry's schemas and columns, and the event's adjusted types and metadata. */
    entry?: { columnSchemas: unknown; columns: unknown; columnTypes: number[]; columnsMetadata: unknown };
  }
  interface TableMapThis {
    tableId: number;
    schemaName: string;
    tableName: string;
    columnTypes: number[];
    columnsMetadata: unknown;
    tableMap: Record<number, { columnSchemas?: unknown; columns?: unknown }>;
    __fcDtsMetaStart?: number;
    __fcDtsParsed?: Parsed;
    __fcDtsReused?: Parsed;
    [field: string]: unknown;
  }
  interface TableMapProto {
    _readColumnMetadata(this: TableMapThis, parser: PacketCursor): void;
    _readOptionalMetadata(this: TableMapThis, parser: PacketCursor & { _packetEnd: number }, zongji: { useChecksum?: boolean } | undefined): void;
    buildColumnSchemas(this: TableMapThis): unknown;
    updateColumnInfo(this: TableMapThis): void;
  }
  const events = (await importZongjiLib('binlog_event.js')) as { TableMap?: { prototype: TableMapProto } };
  const proto = events.TableMap?.prototype;
  if (!proto || [proto._readColumnMetadata, proto._readOptionalMetadata, proto.buildColumnSchemas, proto.updateColumnInfo].some((f) => typeof f !== 'function')) {
    throw missingInternals('TableMap');
  }
  /** The fields _readOptionalMetadata sets. */
  const FIELDS = ['columnNames', 'signedness', 'primaryKey', 'columnVisibility', 'geometryTypes', '_columnCharsetIds', '_enumSetValues'];
  const last = new WeakMap<object, Map<number, Parsed>>();
  const { _readColumnMetadata: readColumn, _readOptionalMetadata: readOptional, buildColumnSchemas: build, updateColumnInfo: update } = proto;

  proto._readColumnMetadata = function (parser) {
    this.__fcDtsMetaStart = parser._offset;
    readColumn.call(this, parser);
  };
  proto._readOptionalMetadata = function (parser, zongji) {
    const end = parser._packetEnd - (zongji?.useChecksum ? 4 : 0);
    const raw = parser._buffer.subarray(this.__fcDtsMetaStart ?? parser._offset, end);
    let tables = last.get(this.tableMap);
    if (!tables) last.set(this.tableMap, (tables = new Map()));
    const known = tables.get(this.tableId);
    if (known?.entry && known.schema === this.schemaName && known.table === this.tableName && sameNumbers(known.columnTypes, this.columnTypes) && known.raw.equals(raw)) {
      for (const f of FIELDS) this[f] = known.fields[f];
      parser._offset = end;
      this.__fcDtsReused = known;
      return;
    }
    const columnTypes = [...this.columnTypes];
    readOptional.call(this, parser, zongji);
    const parsed: Parsed = { schema: this.schemaName, table: this.tableName, columnTypes, raw: Buffer.from(raw), fields: Object.fromEntries(FIELDS.map((f) => [f, this[f]])) };
    tables.set(this.tableId, parsed);
    this.__fcDtsParsed = parsed;
  };
  proto.buildColumnSchemas = function () {
    return this.__fcDtsReused?.entry ? this.__fcDtsReused.entry.columnSchemas : build.call(this);
  };
  proto.updateColumnInfo = function () {
    const reused = this.__fcDtsReused?.entry;
    const entry = this.tableMap[this.tableId];
    if (reused && entry) {
      entry.columns = reused.columns;
      this.columnTypes = reused.columnTypes;
      this.columnsMetadata = reused.columnsMetadata;
      return;
    }
    update.call(this);
    if (this.__fcDtsParsed && entry) {
      this.__fcDtsParsed.entry = { columnSchemas: entry.columnSchemas, columns: entry.columns, columnTypes: this.columnTypes, columnsMetadata: this.columnsMetadata };
    }
  };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row decoders per zongji instance and table id: set by the reader at each TableMap, used while zongji parses the rows. */
const decoders = new WeakMap<object, Map<number, RowDecoder>>();

export function rowDecodersOf(z: ZongJi): Map<number, RowDecoder> {
  let m = decoders.get(z);
  if (!m) decoders.set(z, (m = new Map()));
  return m;
}

/**
 * Hook. Row events are parsed inside zongji's packet handler (lib/rows_event.js, one `_fetchOneRow`
 * per row); with a RowDecoder registered for the table the row images come out as CellValue rows
 * directly (row-decoder.ts), and zongji's own readRow is left for tables without one.
 */
async function patchRowDecoding(): Promise<void> {
  interface RowsProto {
    _fetchOneRow(this: RowsEventInternals, parser: PacketCursor): unknown;
  }
  interface RowsEventInternals {
    readonly _zongji: object;
    readonly tableId: number;
    readonly columns_present_bitmap: Buffer;
    readonly columns_present_bitmap2?: Buffer;
  }
  const rows = (await importZongjiLib('rows_event.js')) as { WriteRows?: { prototype: RowsProto }; UpdateRows?: { prototype: RowsProto } };
  const base = rows.WriteRows && (Object.getPrototypeOf(rows.WriteRows.prototype) as RowsProto);
  const update = rows.UpdateRows?.prototype;
  if (!base || !update || typeof base._fetchOneRow !== 'function' || !Object.hasOwn(update, '_fetchOneRow')) throw missingInternals('RowsEvent');
  const single = base._fetchOneRow;
  const pair = update._fetchOneRow;
  const decoderOf = (e: RowsEventInternals): RowDecoder | undefined => decoders.get(e._zongji)?.get(e.tableId);
  base._fetchOneRow = function (parser) {
    const d = decoderOf(this);
    return d ? d(parser, this.columns_present_bitmap) : single.call(this, parser);
  };
  update._fetchOneRow = function (parser) {
    const d = decoderOf(this);
    return d ? { before: d(parser, this.columns_present_bitmap), after: d(parser, this.columns_present_bitmap2!) } : pair.call(this, parser);
  };
}

/**
 * Where a TABLE_MAP without column names gets its columns: the INFORMATION_SCHEMA.COLUMNS-shaped rows of
 * the table's definition at the event (from the schema history), or the error that stops the reader.
 */
export type DefinitionSource = (e: TableMapEvent) => ColumnSchema[] | FcDtsError;

/** Per zongji instance (keyed by its tableMap object, which every TableMap event holds). */
const definitionSources = new WeakMap<object, DefinitionSource>();

export function setDefinitionSource(z: ZongJi, source: DefinitionSource): void {
  definitionSources.set(z.tableMap, source);
}

interface HistoryTableMap {
  readonly tableMap: object;
  readonly columnCount: number;
  __fcDtsHistory?: ColumnSchema[] | FcDtsError;
  __fcDtsReused?: unknown;
  __fcDtsParsed?: unknown;
}

/** The error the definition source gave for this TABLE_MAP, if any. */
export function definitionErrorOf(e: TableMapEvent): FcDtsError | undefined {
  const h = (e as unknown as HistoryTableMap).__fcDtsHistory;
  return h instanceof FcDtsError ? h : undefined;
}

/**
 * Hook. zongji decodes a TABLE_MAP without column names with the table's definition read from
 * INFORMATION_SCHEMA.COLUMNS now, which misnames the columns of rows written before a DDL. With a
 * definition source set, such a TABLE_MAP is treated as self-describing (index.js binlogHandler), its
 * column schemas come from the source, synchronously, and the INFORMATION_SCHEMA path is never taken
 * (not even for MariaDB's ambiguous temporal codes: the definition's COLUMN_TYPE carries the precision).
 */
async function patchHistoryDefinitions(): Promise<void> {
  interface TableMapProto {
    hasSelfDescribingMetadata(this: HistoryTableMap): boolean;
    hasAmbiguousTemporalColumns(this: HistoryTableMap): boolean;
    buildColumnSchemas(this: HistoryTableMap): unknown;
  }
  const events = (await importZongjiLib('binlog_event.js')) as { TableMap?: { prototype: TableMapProto } };
  const proto = events.TableMap?.prototype;
  if (!proto || [proto.hasSelfDescribingMetadata, proto.hasAmbiguousTemporalColumns, proto.buildColumnSchemas].some((f) => typeof f !== 'function')) {
    throw missingInternals('TableMap');
  }
  const { hasSelfDescribingMetadata: selfDescribing, hasAmbiguousTemporalColumns: ambiguous, buildColumnSchemas: build } = proto;
  proto.hasSelfDescribingMetadata = function () {
    if (this.__fcDtsHistory !== undefined) return true;
    if (selfDescribing.call(this)) return true;
    const source = definitionSources.get(this.tableMap);
    if (!source) return false;
    this.__fcDtsHistory = source(this as unknown as TableMapEvent);
    this.__fcDtsReused = undefined;
    this.__fcDtsParsed = undefined;
    return true;
  };
  proto.hasAmbiguousTemporalColumns = function () {
    return this.__fcDtsHistory === undefined && ambiguous.call(this);
  };
  proto.buildColumnSchemas = function () {
    const h = this.__fcDtsHistory;
    if (h === undefined) return build.call(this);
    // On an error, placeholders keep zongji consistent until the reader reports the error.
    if (h instanceof FcDtsError) return Array.from({ length: this.columnCount }, (_, i) => columnSchema(`@${i + 1}`));
    return h.map((c) => ({ ...c }));
  };
}

function columnSchema(name: string): ColumnSchema {
  return { COLUMN_NAME: name, COLLATION_NAME: null, CHARACTER_SET_NAME: null, COLUMN_COMMENT: '', COLUMN_TYPE: '' };
}

/** Guard. A zongji with a definition source never reads INFORMATION_SCHEMA; if it ever tried, it fails instead. */
function patchFetchTableInfo(): void {
  interface ZongJiProto {
    _fetchTableInfo(this: ZongJiThis, e: TableMapEvent, next: () => void): void;
  }
  interface ZongJiThis {
    readonly tableMap: object;
    emit(event: 'error', e: Error): boolean;
  }
  const proto = (ZongJi as unknown as { prototype?: ZongJiProto }).prototype;
  if (!proto || typeof proto._fetchTableInfo !== 'function') throw missingInternals('ZongJi._fetchTableInfo');
  const fetch = proto._fetchTableInfo;
  proto._fetchTableInfo = function (e, next) {
    if (!definitionSources.has(this.tableMap)) return fetch.call(this, e, next);
    this.emit('error', new FcDtsError('BINLOG_DECODE_FAILED', `zongji was about to read today's definition of ${e.schemaName}.${e.tableName} from INFORMATION_SCHEMA instead of the schema history`, 'report this as a bug'));
  };
}

type ReadMysqlValue = (parser: PacketCursor, column: ColumnInfo, schema: ColumnSchema | undefined, table: TableMapEntry, zongji: ZongJi) => unknown;
let readMysqlValue: ReadMysqlValue | undefined;

async function loadValueReader(): Promise<void> {
  const common = (await importZongjiLib('common.js')) as { readMysqlValue?: ReadMysqlValue };
  if (typeof common.readMysqlValue !== 'function') throw missingInternals('readMysqlValue');
  readMysqlValue = common.readMysqlValue;
}

/** zongji's decoder of one value (lib/common.js readMysqlValue), for the types row-decoder.ts leaves to it. */
export function zongjiValueReader(): ReadMysqlValue {
  if (!readMysqlValue) throw new Error('patchZongji() must complete before zongji values are read');
  return readMysqlValue;
}

function importZongjiLib(file: string): Promise<unknown> {
  const indexPath = createRequire(import.meta.url).resolve('@vlasky/zongji');
  return import(pathToFileURL(join(dirname(indexPath), 'lib', file)).href);
}

function missingInternals(what: string): FcDtsError {
  return new FcDtsError('ENVIRONMENT', `this @vlasky/zongji version does not have the ${what} internals fc-dts relies on`, 'install the @vlasky/zongji version package.json pins');
}

