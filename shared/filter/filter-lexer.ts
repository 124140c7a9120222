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
  return new Lexer(src).run();
}

/** Comments, statement separators, variables, placeholders, assignment and bit operators, refused where they start. */
function refuseUnsupported(src: string, start: number): void {
  const c = src[start] as string;
  const next = src[start + 1];
  if (c === '#' || (c === '-' && next === '-') || (c === '/' && next === '*')) {
    throw rejected(start, `comments are not allowed (found ${JSON.stringify(c + (c === '#' ? '' : next))})`);
  }
  if (c === ';') throw rejected(start, '";" ends a statement; a filter is a single expression');
  if (c === '@') throw rejected(start, 'variables (@name, @@name) are not allowed');
  if (c === '?') throw rejected(start, 'placeholders (?) are not allowed');
  if (c === ':' && next === '=') throw rejected(start, 'assignment (:=) is not allowed');
  const twoChars = src.slice(start, start + 2);
  if (twoChars === '<<' || twoChars === '>>' || ('|&^~'.includes(c) && twoChars !== '||' && twoChars !== '&&')) {
    throw rejected(start, `bit operators (${twoChars === '<<' || twoChars === '>>' ? twoChars : c}) are not supported`);
  }
}

/** A cursor over the filter text; each read method starts at a token's first character and leaves `i` past it. */
class Lexer {
  private i = 0;
  private readonly tokens: Token[] = [];

  constructor(private readonly src: string) {}

  run(): Token[] {
    while (this.i < this.src.length) this.readToken();
    this.tokens.push({ kind: 'end', value: '', pos: this.src.length, end: this.src.length });
    return this.tokens;
  }

  private readToken(): void {
    const start = this.i;
    const c = this.src[start] as string;
    const next = this.src[start + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      this.i++;
      return;
    }
    refuseUnsupported(this.src, start);
    if (c === "'" || c === '"') this.push('string', this.quoted(c, 'string', true), start);
    else if (c === '`') this.quotedIdentifier();
    else if ((c === 'x' || c === 'X') && next === "'") this.quotedHex();
    else if ((c >= '0' && c <= '9') || (c === '.' && next !== undefined && next >= '0' && next <= '9')) this.number();
    else this.wordOrOperator();
  }

  private push(kind: TokenKind, value: string, start: number): void {
    this.tokens.push({ kind, value, pos: start, end: this.i });
  }

  private sticky(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.i;
    return re.exec(this.src);
  }

  /** Reads from the opening `quote` past the closing one; a doubled quote is one, backslash escapes only if `escapes`. */
  private quoted(quote: string, what: string, escapes: boolean): string {
    const { src } = this;
    const start = this.i;
    let value = '';
    this.i++;
    for (;;) {
      const ch = src[this.i];
      if (ch === undefined) throw unterminated(start, what, quote);
      if (ch === quote) {
        if (src[this.i + 1] === quote) {
          value += quote;
          this.i += 2;
          continue;
        }
        this.i++;
        return value;
      }
      if (escapes && ch === '\\') {
        const esc = src[this.i + 1];
        if (esc === undefined) throw unterminated(start, what, quote);
        value += STRING_ESCAPES[esc] ?? esc;
        this.i += 2;
        continue;
      }
      value += ch;
      this.i++;
    }
  }

  private quotedIdentifier(): void {
    const start = this.i;
    const name = this.quoted('`', 'identifier', false);
    if (name === '') throw syntaxError(this.src, start, this.i, 'a column name (`` is empty)');
    this.push('quoted', name, start);
  }

  /** X'...' */
  private quotedHex(): void {
    const start = this.i;
    const m = this.sticky(HEX_QUOTED_RE);
    if (!m) throw syntaxError(this.src, start, start + 2, "hex digits and a closing ' in X'...'");
    const digits = m[1] as string;
    this.i += m[0].length;
    if (digits.length % 2 !== 0) throw rejected(start, `X'${digits}' needs an even number of hex digits`);
    this.push('hex', digits.toUpperCase(), start);
  }

  /** A decimal or exponent number, or 0x... (a hex token). */
  private number(): void {
    const { src } = this;
    const start = this.i;
    const hex = src[start] === '0' && src[start + 1] === 'x' ? this.sticky(HEX_0X_RE) : null;
    const m = hex ?? this.sticky(NUMBER_RE);
    if (!m) throw syntaxError(src, start, start + 1, 'a number');
    this.i += m[0].length;
    if (IDENT_CHAR_RE.test(src.slice(this.i, this.i + 2))) {
      throw syntaxError(src, this.i, this.i + 1, 'an operator after the number (backquote identifiers that start with a digit)');
    }
    if (hex) {
      const digits = m[0].slice(2).toUpperCase();
      this.push('hex', digits.length % 2 ? `0${digits}` : digits, start);
    } else {
      this.push('number', m[0], start);
    }
  }

  private wordOrOperator(): void {
    const start = this.i;
    const word = this.sticky(WORD_RE);
    if (word) {
      this.i += word[0].length;
      this.push('word', word[0], start);
      return;
    }
    const op = OPERATORS.find((o) => this.src.startsWith(o, start));
    if (op === undefined) throw syntaxError(this.src, start, start + 1, 'an expression or operator');
    this.i += op.length;
    this.push('op', op, start);
  }
}
