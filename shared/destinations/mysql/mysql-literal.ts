/**
 * CellValue → MySQL literal: the change encoding (change-event.ts) written back as SQL text,
 * losslessly — exact numbers stay text, bytes go as hex, strings through quoteString.
 */
import { isBytes, isExactNumber, type CellValue } from '../../change/change-event.ts';
import { quoteString } from '../../mysql/identifier.ts';

/** A value that has no SQL literal (NaN, a malformed exact number or base64): a bug upstream or bad input. */
export class InvalidCellValue extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCellValue';
  }
}

const EXACT_NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
/**
 * Standard, padded base64 (what Buffer#toString('base64') writes): Buffer.from would skip bad characters
 * silently. A length that is a multiple of 4 and this character class say the same as a regex of
 * 4-character groups, which V8 runs recursively: on a value of some megabytes it overflowed the stack.
 */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64_CHARS.test(text);
}

/** A value as a statement parameter (binary protocol): what sqlLiteral writes as text, in its own bytes. */
export type SqlParam = null | number | string | Buffer;

export function sqlParam(v: CellValue): SqlParam {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InvalidCellValue(`${v} has no SQL literal`);
    return v;
  }
  if (isExactNumber(v)) {
    // As text, which the server converts to the column's type exactly (a double would round it).
    if (typeof v.n !== 'string' || !EXACT_NUMBER.test(v.n)) throw new InvalidCellValue(`not an exact number: ${JSON.stringify(v.n)}`);
    return v.n;
  }
  if (isBytes(v)) return Buffer.from(checkedBase64(v.b), 'base64');
  throw new InvalidCellValue(`not a cell value: ${JSON.stringify(v)}`);
}

function checkedBase64(b: unknown): string {
  if (typeof b !== 'string' || !isBase64(b)) throw new InvalidCellValue(`bytes that are not base64: ${JSON.stringify(b).slice(0, 80)}`);
  return b;
}

export function sqlLiteral(v: CellValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InvalidCellValue(`${v} has no SQL literal`);
    return String(v); // the shortest text that reads back as the same double
  }
  if (typeof v === 'string') return quoteString(v);
  if (isExactNumber(v)) {
    if (typeof v.n !== 'string' || !EXACT_NUMBER.test(v.n)) throw new InvalidCellValue(`not an exact number: ${JSON.stringify(v.n)}`);
    return v.n;
  }
  if (isBytes(v)) {
    const b = checkedBase64(v.b);
    return b.length === 0 ? "''" : `X'${Buffer.from(b, 'base64').toString('hex')}'`;
  }
  throw new InvalidCellValue(`not a cell value: ${JSON.stringify(v)}`);
}
