/**
 * The row a dirty-data record keeps, bounded: a refused row may hold values of many megabytes (a
 * 64 MB LONGBLOB), and the state store keeps every record, so each long value keeps its first
 * 1 KiB and notes its full size, `…(N bytes)`. Every recordDirty caller builds its `row` here: as JSON
 * (dirtyRowJson), or from text it already has (an SQL literal row, a queue message) with capValue.
 */

/** Characters of a value kept in a dirty-data record. */
export const KEPT_CHARS = 1024;

/** `text` as kept: whole when short, else its first KEPT_CHARS characters and `…(N bytes)` (UTF-8 bytes of the whole). */
export function capValue(text: string): string {
  if (text.length <= KEPT_CHARS) return text;
  return `${text.slice(0, KEPT_CHARS)}…(${Buffer.byteLength(text, 'utf8')} bytes)`;
}

/** The record's `row` as JSON, each string value in it (a whole string too) capped. */
export function dirtyRowJson(row: unknown): string {
  return JSON.stringify(row, (_key, v: unknown) => (typeof v === 'string' ? capValue(v) : v)) ?? 'null';
}
