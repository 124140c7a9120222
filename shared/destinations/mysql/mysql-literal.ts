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
    if (typeof v.b !== 'string' || !isBase64(v.b)) throw new InvalidCellValue(`bytes that are not base64: ${JSON.stringify(v.b).slice(0, 80)}`);
    return v.b.length === 0 ? "''" : `X'${Buffer.from(v.b, 'base64').toString('hex')}'`;
  }
  throw new InvalidCellValue(`not a cell value: ${JSON.stringify(v)}`);
}
