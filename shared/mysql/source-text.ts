/**
 * A source value as the full load reads it (the text protocol: the server's own text, bytes for binary
 * types, TIMESTAMP in the session's UTC) turned into the change value (CellValue) the incremental path
 * carries, so a destination writes both paths' values through the same value writers (e.g. maxcompute-values.ts).
 */
import type { CellValue } from '../change/change-event.ts';
import type { ColumnInfo } from './catalog.ts';

const EXACT_INTEGERS = new Set(['bigint']);
const NUMBERS = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year', 'float', 'double', 'real']);
const BYTES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit', 'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection']);

export function sourceCell(raw: Buffer | null, column: Pick<ColumnInfo, 'dataType'>): CellValue {
  if (raw === null) return null;
  const t = column.dataType.toLowerCase();
  if (BYTES.has(t)) return { b: raw.toString('base64') };
  if (EXACT_INTEGERS.has(t) || t === 'decimal' || t === 'numeric') return { n: raw.toString('latin1') };
  if (NUMBERS.has(t)) return Number(raw.toString('latin1'));
  return raw.toString('utf8');
}

/** The SELECT expression of a column for sourceCell: a FLOAT as its double (the text protocol prints 6 digits). */
export function sourceSelect(column: Pick<ColumnInfo, 'dataType'>, quoted: string): string {
  return column.dataType.toLowerCase() === 'float' ? `(${quoted} + 0e0)` : quoted;
}
