/**
 * TABLE_MAP_EVENT: table id, names, column types, per-column metadata, nullability, and the optional
 * metadata of binlog_row_metadata (MINIMAL: signedness, charsets, geometry types; FULL adds names,
 * ENUM/SET values, primary key, visibility). Layout: MySQL libbinlogevents/src/rows_event.cpp
 * (Table_map_event), sql/log_event.cc (Table_map_log_event::save_field_metadata); go-mysql
 * replication/row_event.go; rust_mysql_common src/binlog/events/table_map_event.rs.
 */
import { ColumnType } from '../column-type.ts';
import { BinlogFormatError } from './binlog-errors.ts';
import type { ByteReader } from './byte-reader.ts';
import { readOptionalMetadata } from './optional-metadata.ts';
import { VECTOR_TYPE, type ColumnMetadata, type TableColumn, type TableDefinition } from './table-definition.ts';

/** MYSQL_TYPE_TYPED_ARRAY (MySQL include/field_types.h): only in replicated multi-valued index data. */
const TYPED_ARRAY_TYPE = 244;

/** `tableIdSize` is 6, or 4 when the FDE gives TABLE_MAP a 6-byte post-header (servers before 5.1.4). */
export function parseTableMap(r: ByteReader, tableIdSize: number, mariadb: boolean): TableDefinition {
  const tableId = r.uint(tableIdSize);
  const flags = r.u16();
  const database = r.bytes(r.u8()).toString('utf8');
  r.take(1);
  const table = r.bytes(r.u8()).toString('utf8');
  r.take(1);
  const count = r.packed();
  const rawTypes = [...r.bytes(count)];
  const metaBytes = r.packedBytes();
  const nullBits = r.bytes((count + 7) >> 3);
  const columns = readColumnMetadata(rawTypes, metaBytes, nullBits, r);
  const optional = readOptionalMetadata(r, columns, mariadb);
  return { tableId, database, table, flags, columns: optional.columns, ...(optional.primaryKey && { primaryKey: optional.primaryKey }), unknownMetadata: optional.unknown };
}

function readColumnMetadata(rawTypes: readonly number[], meta: Buffer, nullBits: Buffer, r: ByteReader): TableColumn[] {
  let at = 0;
  return rawTypes.map((rawType, index) => {
    const { metadata, type, size } = columnMetadata(rawType, meta, at, r);
    at += size;
    if (at > meta.length) throw new BinlogFormatError(r.where, `column metadata is shorter than its ${rawTypes.length} column types`);
    const nullable = (nullBits[index >> 3]! & (1 << (index & 7))) !== 0;
    return { index, type, rawType, metadata, nullable };
  });
}

interface ParsedMetadata {
  readonly metadata: ColumnMetadata;
  readonly type: number;
  readonly size: number;
}

/** The metadata bytes of one column type (Field_*::do_save_field_metadata in MySQL sql/field.cc). */
function columnMetadata(rawType: number, m: Buffer, at: number, r: ByteReader): ParsedMetadata {
  const one = (): number => m[at] ?? 0;
  switch (rawType) {
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
      return { metadata: { size: one() }, type: rawType, size: 1 };
    case ColumnType.TIMESTAMP2:
    case ColumnType.DATETIME2:
    case ColumnType.TIME2:
      return { metadata: { decimals: one() }, type: rawType, size: 1 };
    case ColumnType.BLOB:
    case ColumnType.GEOMETRY:
    case ColumnType.JSON:
    case ColumnType.BLOB_COMPRESSED:
    case VECTOR_TYPE:
      return { metadata: { length_size: one() }, type: rawType, size: 1 };
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
    case ColumnType.VARCHAR_COMPRESSED:
      return { metadata: { max_length: m.readUInt16LE(at) }, type: rawType, size: 2 };
    case ColumnType.NEWDECIMAL:
      return { metadata: { precision: m[at]!, decimals: m[at + 1]! }, type: rawType, size: 2 };
    case ColumnType.BIT:
      return { metadata: { bits: m[at + 1]! * 8 + m[at]! }, type: rawType, size: 2 };
    case ColumnType.STRING:
    case ColumnType.ENUM:
    case ColumnType.SET:
      return stringMetadata(m[at]!, m[at + 1]!);
    case TYPED_ARRAY_TYPE:
      throw new BinlogFormatError(r.where, 'typed-array columns (multi-valued index) are not supported');
    default:
      return { metadata: {}, type: rawType, size: 0 };
  }
}

/**
 * CHAR, ENUM and SET travel as STRING with two bytes: the real type and the length. A CHAR longer
 * than 255 bytes keeps the length's top bits in the real-type byte, inverted (MySQL bug #37426;
 * sql/field.cc Field_string::do_save_field_metadata, go-mysql row_event.go decodeValue).
 */
function stringMetadata(b0: number, b1: number): ParsedMetadata {
  if ((b0 & 0x30) !== 0x30) {
    return { metadata: { max_length: b1 | (((b0 & 0x30) ^ 0x30) << 4) }, type: b0 | 0x30, size: 2 };
  }
  if (b0 === ColumnType.ENUM || b0 === ColumnType.SET) return { metadata: { size: b1 }, type: b0, size: 2 };
  return { metadata: { max_length: b1 }, type: b0, size: 2 };
}
