/**
 * Tokens of Lindorm SQL (help.aliyun.com/en/lindorm/developer-reference/lexical-structure): identifiers bare
 * (`[A-Za-z0-9_]`, keywords case-insensitive) or in backticks, strings in single quotes with `''` doubling and,
 * unless SQL_MODE is NO_BACKSLASH_ESCAPES, the escapes `\0 \' \" \\ \Z \r \n` only; numbers with optional
 * fraction and exponent; `X'hex'`; `@@variables`; hints `/*+ … *\/` kept as tokens, other comments skipped.
 */
import { errors } from './errors.ts';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'hex' | 'variable' | 'hint' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Source text (for a word as written), or the decoded value of a string, quoted identifier, hint or variable. */
  readonly text: string;
  readonly bytes?: Buffer;
  readonly line: number;
  readonly column: number;
}

const ESCAPES: Readonly<Record<string, string>> = { '0': '\0', "'": "'", '"': '"', '\\': '\\', Z: '\x1a', r: '\r', n: '\n' };
const PUNCT2 = ['<=', '>=', '<>', '!='];
const PUNCT1 = '(),;=<>*.?+-';

export function tokenize(sql: string, backslashEscapes: boolean): Token[] {
  return new Lexer(sql, backslashEscapes).all();
}

class Lexer {
  /** position(): the offset counted up to, and the line and line start there. */
  private counted = 0;
  private line = 1;
  private lineStart = 0;
  private i = 0;
  private readonly tokens: Token[] = [];

  constructor(
    private readonly sql: string,
    private readonly backslashEscapes: boolean,
  ) {}

  all(): Token[] {
    for (;;) {
      this.skipSpaceAndComments();
      if (this.i >= this.sql.length) break;
      this.tokens.push(this.next());
    }
    this.tokens.push(this.token('eof', '<EOF>', this.i));
    return this.tokens;
  }

  private next(): Token {
    const c = this.sql[this.i]!;
    const start = this.i;
    if ((c === 'x' || c === 'X') && this.sql[this.i + 1] === "'") return this.hex(start);
    if (/[A-Za-z_]/.test(c)) return this.word(start);
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(this.sql[this.i + 1] ?? ''))) return this.number(start);
    if (c === '`') return this.quoted(start);
    if (c === "'") return this.token('string', this.string(), start);
    if (c === '@' && this.sql[this.i + 1] === '@') return this.variable(start);
    if (this.sql.startsWith('/*+', this.i)) return this.hint(start);
    const two = this.sql.slice(this.i, this.i + 2);
    if (PUNCT2.includes(two)) {
      this.i += 2;
      return this.token('punct', two, start);
    }
    if (PUNCT1.includes(c)) {
      this.i++;
      return this.token('punct', c, start);
    }
    throw this.error(start, c);
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      while (this.i < this.sql.length && /\s/.test(this.sql[this.i]!)) this.i++;
      if (this.sql.startsWith('--', this.i) || this.sql[this.i] === '#') {
        const end = this.sql.indexOf('\n', this.i);
        this.i = end < 0 ? this.sql.length : end + 1;
      } else if (this.sql.startsWith('/*', this.i) && !this.sql.startsWith('/*+', this.i)) {
        this.i = this.commentEnd(this.i);
      } else return;
    }
  }

  private commentEnd(start: number): number {
    const end = this.sql.indexOf('*/', start + 2);
    if (end < 0) throw this.error(start, this.sql.slice(start, start + 2));
    return end + 2;
  }

  private word(start: number): Token {
    while (this.i < this.sql.length && /[A-Za-z0-9_$]/.test(this.sql[this.i]!)) this.i++;
    return this.token('word', this.sql.slice(start, this.i), start);
  }

  private number(start: number): Token {
    const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(this.sql.slice(this.i))!;
    this.i += m[0].length;
    if (/[A-Za-z_]/.test(this.sql[this.i] ?? '')) throw this.error(start, this.sql.slice(start, this.i + 1));
    return this.token('number', m[0], start);
  }

  private quoted(start: number): Token {
    let out = '';
    this.i++;
    for (;;) {
      if (this.i >= this.sql.length) throw this.error(start, '`');
      const c = this.sql[this.i++]!;
      if (c !== '`') out += c;
      else if (this.sql[this.i] === '`') {
        out += '`';
        this.i++;
      } else break;
    }
    return this.token('quoted', out, start);
  }

  private string(): string {
    const start = this.i;
    let out = '';
    this.i++;
    for (;;) {
      if (this.i >= this.sql.length) throw this.error(start, "'");
      const c = this.sql[this.i++]!;
      if (c === "'") {
        if (this.sql[this.i] !== "'") return out;
        out += "'";
        this.i++;
      } else if (c === '\\' && this.backslashEscapes) {
        const e = ESCAPES[this.sql[this.i] ?? ''];
        if (e === undefined) throw this.error(this.i - 1, `\\${this.sql[this.i] ?? ''}`);
        out += e;
        this.i++;
      } else out += c;
    }
  }

  private hex(start: number): Token {
    this.i++;
    const body = this.string();
    if (!/^(?:[0-9A-Fa-f]{2})*$/.test(body)) throw this.error(start, `X'${body}'`);
    return { ...this.token('hex', body, start), bytes: Buffer.from(body, 'hex') };
  }

  private variable(start: number): Token {
    this.i += 2;
    while (this.i < this.sql.length && /[A-Za-z0-9_.]/.test(this.sql[this.i]!)) this.i++;
    return this.token('variable', this.sql.slice(start + 2, this.i), start);
  }

  private hint(start: number): Token {
    const end = this.commentEnd(start);
    this.i = end;
    return this.token('hint', this.sql.slice(start + 3, end - 2).trim(), start);
  }

  private token(kind: TokenKind, text: string, at: number): Token {
    const { line, column } = this.position(at);
    return { kind, text, line, column };
  }

  private error(at: number, found: string) {
    const { line, column } = this.position(at);
    return errors.parse(found, line, column);
  }

  /** Line and column of `at`, counted on from the last position asked for (tokens come in order: linear in the statement). */
  private position(at: number): { line: number; column: number } {
    if (at < this.counted) {
      this.counted = this.lineStart = 0;
      this.line = 1;
    }
    for (; this.counted < at; this.counted++) {
      if (this.sql.charCodeAt(this.counted) === 10) {
        this.line++;
        this.lineStart = this.counted + 1;
      }
    }
    return { line: this.line, column: at - this.lineStart + 1 };
  }
}
