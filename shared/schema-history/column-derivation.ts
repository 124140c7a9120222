/**
 * A column's definition from its declaration in DDL, as the server would store it: type aliases
 * resolved, default lengths and display widths filled in, the character set and collation inherited
 * from the table where the declaration names none, COLUMN_TYPE spelled as information_schema spells it.
 */
import type { ColumnSpec } from './parsed-ddl.ts';
import { charsetOfCollation, normalizeCharset, normalizeCollation, type ServerDialect } from './server-dialect.ts';
import type { ColumnDefinition } from './table-definition.ts';
import { UnreadableDdl } from './ddl-cursor.ts';

const INT_WIDTHS: Readonly<Record<string, readonly [number, number]>> = {
  tinyint: [4, 3], smallint: [6, 5], mediumint: [9, 8], int: [11, 10], bigint: [20, 20],
};
const CHARACTER_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const TEXT_SIZES = ['tinytext', 'text', 'mediumtext', 'longtext'] as const;
const BLOB_SIZES = ['tinyblob', 'blob', 'mediumblob', 'longblob'] as const;
const SIZE_LIMITS = [255, 65_535, 16_777_215, 4_294_967_295];
const TO_BINARY: Readonly<Record<string, string>> = { char: 'binary', varchar: 'varbinary', tinytext: 'tinyblob', text: 'blob', mediumtext: 'mediumblob', longtext: 'longblob' };

export interface DerivedColumn {
  readonly column: ColumnDefinition;
  /** Declared PRIMARY KEY or UNIQUE on the column itself (SERIAL is UNIQUE). */
  readonly primaryKey: boolean;
  readonly unique: boolean;
}

/** `tableCollation`: the table's default collation, which a character column declared without one takes. */
export function deriveColumn(spec: ColumnSpec, tableCollation: string | null, dialect: ServerDialect): DerivedColumn {
  const t = resolveType(spec, dialect);
  const text = CHARACTER_TYPES.has(t.type) ? characterSet(spec, t, tableCollation, dialect) : { charset: t.charset, collation: t.collation };
  const type = text.charset === 'binary' && TO_BINARY[t.type] ? TO_BINARY[t.type]! : t.type;
  const binary = type !== t.type || text.charset === null;
  const timestampNotNull = type === 'timestamp' && !dialect.explicitTimestampDefaults;
  const column: ColumnDefinition = {
    name: spec.name,
    dataType: type,
    columnType: renderType({ ...t, type }, spec, dialect),
    unsigned: t.unsigned,
    charset: binary ? null : text.charset,
    collation: binary ? null : text.collation,
    values: spec.values,
    nullable: spec.nullable ?? !(spec.primaryKey || t.notNull || timestampNotNull),
  };
  return { column, primaryKey: spec.primaryKey, unique: spec.unique || t.unique };
}

interface ResolvedType {
  readonly type: string;
  readonly args: readonly number[];
  readonly unsigned: boolean;
  readonly zerofill: boolean;
  readonly charset: string | null;
  readonly collation: string | null;
  readonly notNull: boolean;
  readonly unique: boolean;
}

function resolveType(spec: ColumnSpec, dialect: ServerDialect): ResolvedType {
  const base: ResolvedType = { type: spec.type, args: spec.args, unsigned: spec.unsigned, zerofill: spec.zerofill, charset: null, collation: null, notNull: false, unique: false };
  switch (spec.type) {
    case 'serial': return { ...base, type: 'bigint', args: [], unsigned: true, notNull: true, unique: true };
    case 'boolean': return { ...base, type: 'tinyint', args: [1] };
    case 'float': return spec.args.length === 1 ? { ...base, type: spec.args[0]! > 24 ? 'double' : 'float', args: [] } : base;
    case 'json': return dialect.flavor === 'mariadb' ? { ...base, type: 'longtext', charset: 'utf8mb4', collation: 'utf8mb4_bin' } : base;
    case 'text': return spec.args.length ? { ...base, type: sized(TEXT_SIZES, spec.args[0]! * maxLen(dialect, spec.charset ?? 'utf8mb4')), args: [] } : base;
    case 'blob': return spec.args.length ? { ...base, type: sized(BLOB_SIZES, spec.args[0]!), args: [] } : base;
    default: return base;
  }
}

function sized(sizes: readonly string[], bytes: number): string {
  return sizes[SIZE_LIMITS.findIndex((limit) => bytes <= limit)] ?? sizes[sizes.length - 1]!;
}

/** The most bytes a TEXT or BLOB type stores: 255 (TINY…), 65,535, 16 MiB − 1 (MEDIUM…), 4 GiB − 1 (LONG…); undefined for other types. */
export function lobStorageBytes(dataType: string): number | undefined {
  const i = Math.max((TEXT_SIZES as readonly string[]).indexOf(dataType), (BLOB_SIZES as readonly string[]).indexOf(dataType));
  return i < 0 ? undefined : SIZE_LIMITS[i];
}

export function maxLen(dialect: ServerDialect, charset: string): number {
  return dialect.charsets[normalizeCharset(dialect, charset)]?.maxLen ?? 4;
}

/** The character set and collation of a character column: declared, else the table's. */
function characterSet(spec: ColumnSpec, t: ResolvedType, tableCollation: string | null, dialect: ServerDialect): { charset: string; collation: string } {
  if (t.charset !== null && t.collation !== null) return { charset: t.charset, collation: t.collation };
  if (spec.collation !== null) {
    const collation = normalizeCollation(dialect, spec.collation);
    return { charset: spec.charset ? normalizeCharset(dialect, spec.charset) : (charsetOfCollation(dialect, collation) ?? unknownCollation(collation)), collation };
  }
  const charset = spec.charset !== null ? normalizeCharset(dialect, spec.charset) : tableCollation !== null ? charsetOfCollation(dialect, tableCollation) : undefined;
  if (charset === undefined) throw new UnreadableDdl(`column ${spec.name}: the table's character set is not known`);
  if (charset === 'binary') return { charset, collation: 'binary' };
  if (spec.binaryCollation) return { charset, collation: `${charset}_bin` };
  const collation = spec.charset === null && tableCollation !== null ? tableCollation : dialect.charsets[charset]?.defaultCollation;
  if (collation === undefined) throw new UnreadableDdl(`column ${spec.name}: character set ${charset} is not known to the server`);
  return { charset, collation };
}

function unknownCollation(collation: string): never {
  throw new UnreadableDdl(`collation ${collation} is not known to the server`);
}

function renderType(t: ResolvedType, spec: ColumnSpec, dialect: ServerDialect): string {
  const sign = `${t.unsigned || t.zerofill ? ' unsigned' : ''}${t.zerofill ? ' zerofill' : ''}`;
  const a = t.args;
  const widths = INT_WIDTHS[t.type];
  if (widths) {
    const width = a[0] ?? widths[t.unsigned || t.zerofill ? 1 : 0];
    const shown = dialect.displayWidths || t.zerofill || (t.type === 'tinyint' && a[0] === 1);
    return `${t.type}${shown ? `(${width})` : ''}${sign}`;
  }
  switch (t.type) {
    case 'decimal': return `decimal(${a[0] ?? 10},${a[1] ?? 0})${sign}`;
    case 'float':
    case 'double': return `${t.type}${a.length === 2 ? `(${a[0]},${a[1]})` : ''}${sign}`;
    case 'bit': return `bit(${a[0] ?? 1})`;
    case 'year': return dialect.displayWidths ? 'year(4)' : 'year';
    case 'char':
    case 'binary': return `${t.type}(${a[0] ?? 1})`;
    case 'varchar':
    case 'varbinary': return `${t.type}(${a[0] ?? 0})`;
    case 'time':
    case 'datetime':
    case 'timestamp': return a[0] ? `${t.type}(${a[0]})` : t.type;
    case 'enum':
    case 'set': return `${t.type}(${(spec.values ?? []).map((v) => `'${v.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`).join(',')})`;
    default: return t.type;
  }
}

/** A character column's type after CONVERT TO CHARACTER SET: TEXT types grow to hold as many characters in the new set. */
export function convertedType(column: ColumnDefinition, fromMaxLen: number, toMaxLen: number): Pick<ColumnDefinition, 'dataType' | 'columnType'> {
  const i = (TEXT_SIZES as readonly string[]).indexOf(column.dataType);
  if (i < 0 || toMaxLen <= fromMaxLen) return { dataType: column.dataType, columnType: column.columnType };
  const chars = Math.floor(SIZE_LIMITS[i]! / fromMaxLen);
  const type = sized(TEXT_SIZES, chars * toMaxLen);
  return { dataType: type, columnType: type };
}
