/** String comparison as utf8mb4_general_ci does it: case- and accent-insensitive, PAD SPACE. */

const foldCache = new Map<string, string>();

/** Maps one character to its collation key: accents stripped, upper-cased, always one character. */
export function foldChar(ch: string): string {
  const code = ch.codePointAt(0) as number;
  if (code < 0x80) return code >= 0x61 && code <= 0x7a ? String.fromCharCode(code - 32) : ch;
  let folded = foldCache.get(ch);
  if (folded === undefined) {
    const base = String.fromCodePoint(ch.normalize('NFD').codePointAt(0) as number);
    const upper = base.toUpperCase();
    // general_ci weighs ß as S; other characters whose upper case is longer keep their own weight.
    folded = ch === 'ß' ? 'S' : [...upper].length === 1 ? upper : base;
    if (foldCache.size < 10_000) foldCache.set(ch, folded);
  }
  return folded;
}

function foldString(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toUpperCase() : Array.from(s, foldChar).join('');
}

/** Code point order; with `padSpace` the shorter string counts as padded with spaces (PAD SPACE collations). */
export function compareCodePoints(a: string, b: string, padSpace = false): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(j) as number;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  if (!padSpace) return i < a.length ? 1 : j < b.length ? -1 : 0;
  const [rest, sign] = i < a.length ? [a.slice(i), 1] : [b.slice(j), -1];
  const first = /[^ ]/.exec(rest);
  if (first === null) return 0;
  return (first[0] < ' ' ? -1 : 1) * sign;
}

export function collate(a: string, b: string): number {
  return compareCodePoints(foldString(a), foldString(b), true);
}
