/**
 * The largest value a MySQL column can hold, as the bytes of its text (UTF-8) or binary form: what a
 * destination with a per-value size limit (Tablestore's 2 MiB, MaxCompute's 8 MB a cell) checks ahead.
 */
import type { ColumnInfo } from './catalog.ts';
import { lobStorageBytes } from '../schema-history/column-derivation.ts';

const BINARY = /^(binary|varbinary|tinyblob|blob|mediumblob|longblob)$/;

/** UTF-8 bytes one character of this character set can take: 4 for utf8mb4 (and sets reaching beyond the BMP), 1 for ascii, else 3. */
function utf8BytesPerChar(charset: string | null): number {
  if (charset === null || /^(ascii|binary)$/.test(charset)) return 1;
  return /^(utf8mb4|utf16|utf32|gb18030)/.test(charset) ? 4 : 3;
}

/** Bytes of the column's largest value as text (UTF-8) or bytes; undefined when the type gives no bound fc-dts knows. */
export function maxValueBytes(c: Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset'>): number | undefined {
  const type = c.dataType.toLowerCase();
  const lob = lobStorageBytes(type === 'json' ? 'longtext' : type);
  // TEXT limits are storage bytes: a character of a non-UTF-8 set takes up to 3 bytes as UTF-8.
  if (lob !== undefined) return BINARY.test(type) || c.charset === null || /^(utf8|ascii|binary)/.test(c.charset) ? lob : lob * 3;
  const sized = /^(var)?(char|binary)\((\d+)\)/i.exec(c.columnType);
  if (sized) return Number(sized[3]) * (sized[2]!.toLowerCase() === 'binary' ? 1 : utf8BytesPerChar(c.charset));
  if (type === 'bit') return Math.ceil(Number(/\((\d+)\)/.exec(c.columnType)?.[1] ?? 1) / 8);
  // The spatial types are stored like LONGBLOB.
  if (/^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection)$/.test(type)) return lobStorageBytes('longblob');
  // ENUM and SET values are made of the listed members, so never longer than the definition.
  if (type === 'enum' || type === 'set') return Buffer.byteLength(c.columnType, 'utf8');
  // Numbers and temporals print in at most 67 characters (DECIMAL(65) with sign and point).
  return /^(tiny|small|medium|big)?int|^year|^decimal|^numeric|^date|^time|^float|^double|^real/.test(type) ? 67 : undefined;
}
