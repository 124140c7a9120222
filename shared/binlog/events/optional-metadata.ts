/**
 * The optional metadata at the end of a TABLE_MAP_EVENT: type-length-value fields
 * (enum Optional_metadata_field_type in MySQL libbinlogevents/include/rows_event.h). Which columns a
 * field lists ("numeric", "character", ENUM/SET, geometry) follows go-mysql replication/row_event.go
 * (IsNumericColumn, IsCharacterColumn: GEOMETRY counts as character on MariaDB only); MySQL 9 lists
 * VECTOR columns (binary) among the character columns, as rmc--vector.binlog's DEFAULT_CHARSET shows.
 */
import { ColumnType } from '../column-type.ts';
import { BinlogFormatError } from './binlog-errors.ts';
import type { ByteReader } from './byte-reader.ts';
import { charsetOfCollation } from './collations.ts';
import { VECTOR_TYPE, type PrimaryKeyPart, type TableColumn } from './table-definition.ts';

const Field = {
  SIGNEDNESS: 1,
  DEFAULT_CHARSET: 2,
  COLUMN_CHARSET: 3,
  COLUMN_NAME: 4,
  SET_STR_VALUE: 5,
  ENUM_STR_VALUE: 6,
  GEOMETRY_TYPE: 7,
  SIMPLE_PRIMARY_KEY: 8,
  PRIMARY_KEY_WITH_PREFIX: 9,
  ENUM_AND_SET_DEFAULT_CHARSET: 10,
  ENUM_AND_SET_COLUMN_CHARSET: 11,
  COLUMN_VISIBILITY: 12,
  VECTOR_DIMENSIONALITY: 13,
} as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface OptionalMetadata {
  readonly columns: readonly TableColumn[];
  readonly primaryKey?: readonly PrimaryKeyPart[];
  readonly unknown: readonly number[];
}

export function readOptionalMetadata(r: ByteReader, columns: readonly TableColumn[], mariadb: boolean): OptionalMetadata {
  const out: Mutable<TableColumn>[] = columns.map((c) => ({ ...c }));
  const kinds = columnKinds(columns, mariadb);
  const unknown: number[] = [];
  let primaryKey: PrimaryKeyPart[] | undefined;
  while (r.remaining > 0) {
    const type = r.u8();
    const pk = readField(type, r.sub(r.packed()), out, kinds);
    if (pk === 'unknown') unknown.push(type);
    else if (pk) primaryKey = pk;
  }
  return { columns: out, ...(primaryKey && { primaryKey }), unknown };
}

interface ColumnKinds {
  readonly numeric: readonly number[];
  readonly character: readonly number[];
  readonly enumSet: readonly number[];
  readonly enums: readonly number[];
  readonly sets: readonly number[];
  readonly geometry: readonly number[];
  readonly vector: readonly number[];
}

const NUMERIC = new Set<number>([
  ColumnType.TINY, ColumnType.SHORT, ColumnType.INT24, ColumnType.LONG, ColumnType.LONGLONG, ColumnType.DECIMAL,
  ColumnType.NEWDECIMAL, ColumnType.FLOAT, ColumnType.DOUBLE, ColumnType.YEAR,
]);
const CHARACTER = new Set<number>([ColumnType.STRING, ColumnType.VAR_STRING, ColumnType.VARCHAR, ColumnType.BLOB]);

function columnKinds(columns: readonly TableColumn[], mariadb: boolean): ColumnKinds {
  const where = (f: (t: number) => boolean): number[] => columns.filter((c) => f(c.type)).map((c) => c.index);
  return {
    numeric: where((t) => NUMERIC.has(t)),
    character: where((t) => CHARACTER.has(t) || t === VECTOR_TYPE || (mariadb && t === ColumnType.GEOMETRY)),
    enumSet: where((t) => t === ColumnType.ENUM || t === ColumnType.SET),
    enums: where((t) => t === ColumnType.ENUM),
    sets: where((t) => t === ColumnType.SET),
    geometry: where((t) => t === ColumnType.GEOMETRY),
    vector: where((t) => t === VECTOR_TYPE),
  };
}

/** Applies one field to the columns; returns the primary key for the key fields, 'unknown' for a field type not known. */
function readField(type: number, v: ByteReader, cols: Mutable<TableColumn>[], k: ColumnKinds): PrimaryKeyPart[] | 'unknown' | undefined {
  switch (type) {
    case Field.SIGNEDNESS: {
      // Bitmaps of the optional metadata are most-significant bit first (unlike the row bitmaps).
      const bits = v.rest();
      k.numeric.forEach((c, i) => (cols[c]!.unsigned = msbBit(bits, i)));
      return undefined;
    }
    case Field.COLUMN_VISIBILITY: {
      const bits = v.rest();
      cols.forEach((c, i) => (c.visible = msbBit(bits, i)));
      return undefined;
    }
    case Field.DEFAULT_CHARSET:
    case Field.ENUM_AND_SET_DEFAULT_CHARSET:
      setCollations(cols, type === Field.DEFAULT_CHARSET ? k.character : k.enumSet, defaultCharsets(v, type === Field.DEFAULT_CHARSET ? k.character : k.enumSet));
      return undefined;
    case Field.COLUMN_CHARSET:
    case Field.ENUM_AND_SET_COLUMN_CHARSET: {
      const list = type === Field.COLUMN_CHARSET ? k.character : k.enumSet;
      setCollations(cols, list, list.map(() => v.packed()));
      return undefined;
    }
    case Field.COLUMN_NAME:
      for (const c of cols) c.name = v.packedBytes().toString('utf8');
      return undefined;
    case Field.SET_STR_VALUE:
    case Field.ENUM_STR_VALUE:
      for (const c of type === Field.SET_STR_VALUE ? k.sets : k.enums) {
        const values = Array.from({ length: v.packed() }, () => v.packedBytes());
        strValues(cols[c]!, values, type === Field.SET_STR_VALUE);
      }
      return undefined;
    case Field.GEOMETRY_TYPE:
      for (const c of k.geometry) cols[c]!.geometryType = v.packed();
      return undefined;
    case Field.VECTOR_DIMENSIONALITY:
      for (const c of k.vector) cols[c]!.dimensions = v.packed();
      return undefined;
    case Field.SIMPLE_PRIMARY_KEY:
    case Field.PRIMARY_KEY_WITH_PREFIX:
      return primaryKeyParts(v, type === Field.PRIMARY_KEY_WITH_PREFIX, cols.length);
    default:
      return 'unknown';
  }
}

/** DEFAULT_CHARSET: the most common collation, then (index among the listed columns, collation) for the others. */
function defaultCharsets(v: ByteReader, list: readonly number[]): number[] {
  const collations = list.map(() => 0);
  collations.fill(v.packed());
  while (v.remaining > 0) {
    const i = v.packed();
    const id = v.packed();
    if (i >= list.length) throw new BinlogFormatError(v.where, `charset metadata names column ${i} of ${list.length}`);
    collations[i] = id;
  }
  return collations;
}

function msbBit(bits: Buffer, i: number): boolean {
  return ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0;
}

function setCollations(cols: Mutable<TableColumn>[], list: readonly number[], ids: readonly number[]): void {
  list.forEach((c, i) => {
    const col = cols[c]!;
    col.collationId = ids[i]!;
    const charset = charsetOfCollation(ids[i]!);
    if (charset) col.charset = charset;
    else delete col.charset;
  });
}

/** ENUM/SET value strings are bytes in the column's charset; read here as UTF-8 (ASCII in every test file). */
function strValues(col: Mutable<TableColumn>, values: readonly Buffer[], set: boolean): void {
  const text = values.map((b) => b.toString(col.charset === 'latin1' ? 'latin1' : 'utf8'));
  if (set) col.setValues = text;
  else col.enumValues = text;
}

function primaryKeyParts(v: ByteReader, withPrefix: boolean, columnCount: number): PrimaryKeyPart[] {
  const parts: PrimaryKeyPart[] = [];
  while (v.remaining > 0) {
    const column = v.packed();
    if (column >= columnCount) throw new BinlogFormatError(v.where, `primary key metadata names column ${column} of ${columnCount}`);
    parts.push({ column, prefix: withPrefix ? v.packed() : 0 });
  }
  return parts;
}
