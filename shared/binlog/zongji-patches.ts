/**
 * What fc-dts changes in the pinned @vlasky/zongji (0.9.0): one bug fix and one hook. Neither class
 * is exported by the package, hence the paths into it; a version without these internals is refused.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type ZongJi from '@vlasky/zongji';
import type { ColumnInfo, ColumnSchema, TableMapEntry } from '@vlasky/zongji';
import type { CellValue } from '../change/change-event.ts';
import { FcDtsError } from '../errors.ts';
import { ColumnType } from './cell-encoder.ts';
import type { PacketCursor, RowDecoder } from './row-decoder.ts';

let patched: Promise<void> | undefined;

/** Applies both patches once per process. */
export function patchZongji(): Promise<void> {
  return (patched ??= Promise.all([patchGeometryCharset(), patchRowDecoding(), loadValueReader()]).then(() => undefined));
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

