/** LIKE matching: collation-folded for text, bytewise for binary strings. */
import { foldChar } from './filter-collation.ts';
import { toBytes, toText, type Val } from './filter-values.ts';

type LikeElement = { readonly k: 'any' } | { readonly k: 'one' } | { readonly k: 'char'; readonly c: string };

function compileLike(pattern: string, escape: string, fold: boolean): LikeElement[] {
  const chars = Array.from(pattern);
  const out: LikeElement[] = [];
  for (let i = 0; i < chars.length; i++) {
    let c = chars[i] as string;
    if (c === escape && i + 1 < chars.length) {
      c = chars[++i] as string;
      out.push({ k: 'char', c: fold ? foldChar(c) : c });
    } else if (c === '%') {
      if (out[out.length - 1]?.k !== 'any') out.push({ k: 'any' });
    } else if (c === '_') {
      out.push({ k: 'one' });
    } else {
      out.push({ k: 'char', c: fold ? foldChar(c) : c });
    }
  }
  return out;
}

/** Wildcard match with backtracking to the last % only: O(text × pattern), never exponential. */
function likeMatch(text: readonly string[], pattern: readonly LikeElement[]): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let starText = 0;
  while (t < text.length) {
    const e = pattern[p];
    if (e !== undefined && (e.k === 'one' || (e.k === 'char' && e.c === text[t]))) {
      t++;
      p++;
    } else if (e?.k === 'any') {
      star = p++;
      starText = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (pattern[p]?.k === 'any') p++;
  return p === pattern.length;
}

export function like(value: Val, pattern: Val, escape: string): boolean | null {
  if (value === null || pattern === null) return null;
  if (value.t === 'bin' || pattern.t === 'bin') {
    // Binary strings match bytewise and case-sensitively; latin1 maps each byte to one character.
    const text = Array.from(toBytes(value).toString('latin1'));
    return likeMatch(text, compileLike(toBytes(pattern).toString('latin1'), escape, false));
  }
  return likeMatch(Array.from(toText(value), foldChar), compileLike(toText(pattern), escape, true));
}
