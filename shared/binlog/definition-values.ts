/**
 * Values of a TABLE_MAP without optional metadata (MySQL 5.7, MINIMAL row metadata), completed with
 * the table's definition from the schema history: the parser could not know a column's signedness,
 * character set or ENUM/SET members, so it gave integers as signed, text as bytes and ENUM/SET as
 * their index or bitmask. Values the TABLE_MAP already described are returned as they are.
 */
import type { CellValue } from '../change/change-event.ts';
import type { ColumnDefinition } from '../schema-history/table-definition.ts';
import { ColumnType } from './column-type.ts';
import type { TableColumn } from './events/table-definition.ts';
import { textDecoding } from './events/text-decoding.ts';

const INTEGER_BITS: Readonly<Record<number, number>> = {
  [ColumnType.TINY]: 8,
  [ColumnType.SHORT]: 16,
  [ColumnType.INT24]: 24,
  [ColumnType.LONG]: 32,
  [ColumnType.LONGLONG]: 64,
};

export function withDefinition(value: CellValue, column: TableColumn, def: ColumnDefinition): CellValue {
  if (value === null) return null;
  if (column.unsigned === undefined && def.unsigned && INTEGER_BITS[column.type] !== undefined) return unsignedOf(value, INTEGER_BITS[column.type]!);
  if (column.charset === undefined && typeof value === 'object' && 'b' in value) return textOf(value, def);
  if (column.type === ColumnType.ENUM && column.enumValues === undefined && typeof value === 'number' && def.values) return value === 0 ? '' : (def.values[value - 1] ?? value);
  if (column.type === ColumnType.SET && column.setValues === undefined && def.values) return setOf(value, def.values);
  return value;
}

/** A two's-complement reading of an unsigned column: add 2^bits back. */
function unsignedOf(value: CellValue, bits: number): CellValue {
  if (typeof value === 'number') return value >= 0 ? value : bits <= 32 ? value + 2 ** bits : { n: (BigInt(value) + (1n << BigInt(bits))).toString() };
  if (value !== null && typeof value === 'object' && 'n' in value && value.n.startsWith('-')) return { n: (BigInt(value.n) + (1n << BigInt(bits))).toString() };
  return value;
}

function textOf(value: { readonly b: string }, def: ColumnDefinition): CellValue {
  const decode = def.charset === null ? undefined : textDecoding(def.charset);
  if (!decode) return value;
  const bytes = Buffer.from(value.b, 'base64');
  return decode(bytes, 0, bytes.length);
}

function setOf(value: CellValue, members: readonly string[]): CellValue {
  const mask = typeof value === 'number' ? BigInt(value) : value !== null && typeof value === 'object' && 'n' in value ? BigInt(value.n) : undefined;
  if (mask === undefined) return value;
  return members.filter((_, i) => (mask >> BigInt(i)) & 1n).join(',');
}
