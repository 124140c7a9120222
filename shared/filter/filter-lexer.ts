/** Tokens of a filter, and the rejection a parse failure raises (positioned in the filter text). */

const SYNTAX_FIX =
  "correct objects[].tables[].where: it is a MySQL WHERE condition on the source table, e.g. status <> 'draft' AND amount >= 10.5";

/** A parse failure; `tail` is the message after the quoted filter text. */
export class Rejection extends Error {
  constructor(
    readonly tail: string,
    readonly fix: string,
  ) {
    super(tail);
  }
}

type TokenKind = 'number' | 'string' | 'hex' | 'word' | 'quoted' | 'op' | 'end';
export interface Token {
  readonly kind: TokenKind;
  /** number: text as written; string: decoded value; hex: digits; word: as written; quoted: identifier; op: operator. */
  readonly value: string;
  readonly pos: number;
  readonly end: number;
}

const NUMBER_RE = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const HEX_0X_RE = /0x[0-9a-fA-F]+/y;
const HEX_QUOTED_RE = /[xX]'([0-9a-fA-F]*)'/y;
const WORD_RE = /[\p{L}\p{N}_$]+/uy;
const IDENT_CHAR_RE = /^[\p{L}\p{N}_$]/u;
const OPERATORS = ['<=>', '<=', '>=', '<>', '!=', '||', '&&', '=', '<', '>', '!', '+', '-', '*', '/', '%', '(', ')', ',', '.'];
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  "'": "'",
  '"': '"',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  '\\': '\\',
  // MySQL keeps the backslash for these so that LIKE patterns still see an escaped % or _.
  '%': '\\%',
  _: '\\_',
};

export function syntaxError(src: string, pos: number, end: number, expected: string): Rejection {
  return new Rejection(`does not parse: expected ${expected} at position ${pos} (${found(src, pos, end)})`, SYNTAX_FIX);
}

function unterminated(pos: number, what: string, quote: string): Rejection {
  return new Rejection(`does not parse: the ${what} at position ${pos} has no closing ${quote}`, SYNTAX_FIX);
}

export function rejected(pos: number, detail: string, fix: string = SYNTAX_FIX): Rejection {
  return new Rejection(`is rejected at position ${pos}: ${detail}`, fix);
}

function found(src: string, pos: number, end: number): string {
  if (pos >= src.length) return 'end of filter';
  const text = src.slice(pos, Math.max(end, pos + 1));
  return `found ${JSON.stringify(text.length > 30 ? `${text.slice(0, 30)}…` : text)}`;
}

export function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const sticky = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = i;
    return re.exec(src);
  };
  const followedByIdentChar = (end: number): boolean => IDENT_CHAR_RE.test(src.slice(end, end + 2));
  /** Reads from the opening `quote` past the closing one; a doubled quote is one, backslash escapes only if `escapes`. */
  const quoted = (quote: string, what: string, escapes: boolean): string => {
    const start = i;
    let value = '';
    i++;
    for (;;) {
      const ch = src[i];
      if (ch === undefined) throw unterminated(start, what, quote);
      if (ch === quote) {
        if (src[i + 1] === quote) {
          value += quote;
          i += 2;
          continue;
        }
        i++;
        return value;
      }
      if (escapes && ch === '\\') {
        const esc = src[i + 1];
        if (esc === undefined) throw unterminated(start, what, quote);
        value += STRING_ESCAPES[esc] ?? esc;
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
  };

  while (i < src.length) {
    const c = src[i] as string;
    const next = src[i + 1];
    const start = i;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' || (c === '-' && next === '-') || (c === '/' && next === '*')) {
      throw rejected(start, `comments are not allowed (found ${JSON.stringify(c + (c === '#' ? '' : next))})`);
    }
    if (c === ';') throw rejected(start, '";" ends a statement; a filter is a single expression');
    if (c === '@') throw rejected(start, 'variables (@name, @@name) are not allowed');
    if (c === '?') throw rejected(start, 'placeholders (?) are not allowed');
    if (c === ':' && next === '=') throw rejected(start, 'assignment (:=) is not allowed');
    const twoChars = src.slice(i, i + 2);
    if (twoChars === '<<' || twoChars === '>>' || ('|&^~'.includes(c) && twoChars !== '||' && twoChars !== '&&')) {
      throw rejected(start, `bit operators (${twoChars === '<<' || twoChars === '>>' ? twoChars : c}) are not supported`);
    }

    if (c === "'" || c === '"') {
      const value = quoted(c, 'string', true);
      tokens.push({ kind: 'string', value, pos: start, end: i });
      continue;
    }

    if (c === '`') {
      const name = quoted('`', 'identifier', false);
      if (name === '') throw syntaxError(src, start, i, 'a column name (`` is empty)');
      tokens.push({ kind: 'quoted', value: name, pos: start, end: i });
      continue;
    }

    if ((c === 'x' || c === 'X') && next === "'") {
      const m = sticky(HEX_QUOTED_RE);
      if (!m) throw syntaxError(src, start, start + 2, "hex digits and a closing ' in X'...'");
      const digits = m[1] as string;
      i += m[0].length;
      if (digits.length % 2 !== 0) throw rejected(start, `X'${digits}' needs an even number of hex digits`);
      tokens.push({ kind: 'hex', value: digits.toUpperCase(), pos: start, end: i });
      continue;
    }

    if (c >= '0' && c <= '9' || (c === '.' && next !== undefined && next >= '0' && next <= '9')) {
      const hex = c === '0' && next === 'x' ? sticky(HEX_0X_RE) : null;
      const m = hex ?? sticky(NUMBER_RE);
      if (!m) throw syntaxError(src, start, start + 1, 'a number');
      i += m[0].length;
      if (followedByIdentChar(i)) {
        throw syntaxError(src, i, i + 1, 'an operator after the number (backquote identifiers that start with a digit)');
      }
      if (hex) {
        const digits = m[0].slice(2).toUpperCase();
        tokens.push({ kind: 'hex', value: digits.length % 2 ? `0${digits}` : digits, pos: start, end: i });
      } else {
        tokens.push({ kind: 'number', value: m[0], pos: start, end: i });
      }
      continue;
    }

    const word = sticky(WORD_RE);
    if (word) {
      i += word[0].length;
      tokens.push({ kind: 'word', value: word[0], pos: start, end: i });
      continue;
    }

    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw syntaxError(src, start, start + 1, 'an expression or operator');
    i += op.length;
    tokens.push({ kind: 'op', value: op, pos: start, end: i });
  }
  tokens.push({ kind: 'end', value: '', pos: src.length, end: src.length });
  return tokens;
}
