/**
 * MySQL's binary DECIMAL (strings/decimal.c bin2decimal) as exact text: what the server prints
 * (decimal2string with no fixed precision): no leading zeros, exactly `scale` fraction digits. Row
 * images carry it for DECIMAL columns, binary JSON inside its DECIMAL opaque values.
 */

/** Bytes of the leftover digits (fewer than 9) of a DECIMAL part, strings/decimal.c dig2bytes. */
const DIGIT_BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

export interface DecimalReader {
  /** Bytes a value of this precision and scale takes. */
  readonly size: number;
  /** The value stored at `start` as text. */
  read(b: Buffer, start: number): string;
}

/**
 * DECIMAL(precision, scale): groups of 9 digits in 4 big-endian bytes, the leftover digits of each
 * part in fewer bytes, the sign in the top bit (flipped) and negatives stored ones'-complemented.
 */
export function decimalReader(precision: number, scale: number): DecimalReader {
  const intDigits = precision - scale;
  const intFull = Math.floor(intDigits / 9);
  const intLead = DIGIT_BYTES[intDigits - intFull * 9]!;
  const fracFull = Math.floor(scale / 9);
  const fracRestDigits = scale - fracFull * 9;
  const fracRest = DIGIT_BYTES[fracRestDigits]!;
  const size = intLead + intFull * 4 + fracFull * 4 + fracRest;
  const read = (b: Buffer, start: number): string => {
    const negative = (b[start]! & 0x80) === 0;
    let o = start;
    let int = '';
    if (intLead > 0) {
      int += String(decimalPart(b, start, o, intLead, negative));
      o += intLead;
    }
    for (let i = 0; i < intFull; i++, o += 4) int += pad(decimalPart(b, start, o, 4, negative), 9);
    int = int.replace(/^0+(?=\d)/, '');
    if (int === '') int = '0';
    let frac = '';
    for (let i = 0; i < fracFull; i++, o += 4) frac += pad(decimalPart(b, start, o, 4, negative), 9);
    if (fracRest > 0) frac += pad(decimalPart(b, start, o, fracRest, negative), fracRestDigits);
    return (negative ? '-' : '') + int + (scale > 0 ? '.' + frac : '');
  };
  return { size, read };
}

/**
 * A DECIMAL part of `n` bytes at `at`, big-endian, with the sign bit (top bit of the value's first
 * byte, at `start`) flipped back and a negative's complement undone.
 */
function decimalPart(b: Buffer, start: number, at: number, n: number, negative: boolean): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + (at + i === start ? b[start]! ^ 0x80 : b[at + i]!);
  return negative ? 256 ** n - 1 - v : v;
}

function pad(v: number, width: number): string {
  return String(v).padStart(width, '0');
}
