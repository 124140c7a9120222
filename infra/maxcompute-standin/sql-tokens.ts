/**
 * A tokenizer for MaxCompute SQL, enough to split a script into statements, recognise the statements the
 * stand-in runs itself (DDL, SET, SHOW, DESC) and rewrite the rest for DuckDB token by token: no regular
 * expression ever runs over raw SQL text, so a keyword inside a string literal or a comment is never touched.
 *
 * MaxCompute lexis (SQL reference, "Constants" and "Identifiers"): identifiers may be quoted with backticks;
 * string literals use single or double quotes and backslash escapes (\n, \t, \', \", \\, \0, octal \ooo);
 * comments are `-- …` and `/* … *\/`.
 */
import { McError } from './errors.ts';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol' | 'space';

export interface Token {
  readonly kind: TokenKind;
  /** The text as written. */
  readonly text: string;
  /** word: lower-cased text; quoted: the identifier inside the backticks; string: the decoded value. */
  readonly value: string;
  /** Offset in the script. */
  readonly at: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;
/** Two-character operators, longest first. */
const OPERATORS = ['<=>', '<>', '!=', '<=', '>=', '==', '||', '::'];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, start: number, value: string) => tokens.push({ kind, text: sql.slice(start, i), value, at: start });
  while (i < sql.length) {
    const start = i;
    const c = sql[i]!;
    if (/\s/.test(c)) {
      while (i < sql.length && /\s/.test(sql[i]!)) i++;
      push('space', start, ' ');
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      push('space', start, ' ');
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw parseError(sql, start, 'unterminated comment');
      i = end + 2;
      push('space', start, ' ');
    } else if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) throw parseError(sql, start, 'unterminated quoted identifier');
      i = end + 1;
      push('quoted', start, sql.slice(start + 1, end));
    } else if (c === "'" || c === '"') {
      const value = readString(sql, i);
      i = value.end;
      push('string', start, value.text);
    } else if (DIGIT.test(c) || (c === '.' && DIGIT.test(sql[i + 1] ?? ''))) {
      while (i < sql.length && /[0-9.]/.test(sql[i]!)) i++;
      if (/[eE]/.test(sql[i] ?? '') && /[-+0-9]/.test(sql[i + 1] ?? '')) {
        i += 2;
        while (i < sql.length && DIGIT.test(sql[i]!)) i++;
      }
      // Typed numeric suffixes: 1L (bigint), 1S (smallint), 1Y (tinyint), 1BD (decimal).
      if (/^(BD|bd|[LlSsYy])(?![A-Za-z0-9_])/.test(sql.slice(i, i + 3))) i += /^(BD|bd)/.test(sql.slice(i, i + 2)) ? 2 : 1;
      push('number', start, sql.slice(start, i));
    } else if (WORD_START.test(c)) {
      while (i < sql.length && WORD_PART.test(sql[i]!)) i++;
      push('word', start, sql.slice(start, i).toLowerCase());
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i));
      i += op ? op.length : 1;
      push('symbol', start, sql.slice(start, i));
    }
  }
  return tokens;
}

/** A string literal at `start`, backslash escapes decoded; `end` is the offset after the closing quote. */
function readString(sql: string, start: number): { text: string; end: number } {
  const quote = sql[start]!;
  let out = '';
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === quote) {
      // Two quotes in a row stand for one, as in standard SQL.
      if (sql[i + 1] === quote) {
        out += quote;
        i += 2;
        continue;
      }
      return { text: out, end: i + 1 };
    }
    if (c === '\\' && i + 1 < sql.length) {
      const n = sql[i + 1]!;
      const octal = /^[0-7]{3}/.exec(sql.slice(i + 1, i + 4));
      if (octal) {
        out += String.fromCharCode(parseInt(octal[0], 8));
        i += 4;
        continue;
      }
      out += ESCAPES[n] ?? n;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  throw parseError(sql, start, 'unterminated string literal');
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0', Z: '\x1a' };

/** ODPS-0130161, the service's parse error, with [line,column] of `at` (1-based), as the service reports it. */
export function parseError(sql: string, at: number, detail: string): McError {
  const before = sql.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return McError.sql('ODPS-0130161', `[${line},${column}] Parse exception - ${detail}`);
}

/** The statements of a script, split at top-level semicolons; whitespace-only statements dropped. */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'symbol' && t.text === ';') {
      statements.push(current);
      current = [];
    } else current.push(t);
  }
  statements.push(current);
  return statements.filter((s) => s.some((t) => t.kind !== 'space'));
}

/** A cursor over a statement's tokens that skips whitespace. */
export class TokenCursor {
  private i = 0;
  private readonly tokens: readonly Token[];

  constructor(
    tokens: readonly Token[],
    private readonly sql: string,
  ) {
    this.tokens = tokens.filter((t) => t.kind !== 'space');
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  next(): Token {
    const t = this.tokens[this.i];
    if (!t) throw parseError(this.sql, this.sql.length, 'unexpected end of statement');
    this.i++;
    return t;
  }

  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }

  /** True (and consumed) when the next tokens are the words `words`. */
  accept(...words: string[]): boolean {
    for (const [k, w] of words.entries()) {
      const t = this.peek(k);
      if (!t || !isWord(t, w)) return false;
    }
    this.i += words.length;
    return true;
  }

  expect(...words: string[]): void {
    if (!this.accept(...words)) this.fail(`expected ${words.join(' ').toUpperCase()}`);
  }

  acceptSymbol(symbol: string): boolean {
    const t = this.peek();
    if (t?.kind === 'symbol' && t.text === symbol) {
      this.i++;
      return true;
    }
    return false;
  }

  expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) this.fail(`expected '${symbol}'`);
  }

  /** An identifier (word or backtick-quoted), as written but for the quotes. */
  identifier(what = 'identifier'): string {
    const t = this.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) this.fail(`expected ${what}`);
    this.i++;
    return t.kind === 'quoted' ? t.value : t.text;
  }

  /** A table name, `project.table` allowed (the project part is returned apart). */
  tableName(): { project: string | undefined; name: string } {
    const first = this.identifier('table name');
    if (this.acceptSymbol('.')) return { project: first, name: this.identifier('table name') };
    return { project: undefined, name: first };
  }

  stringLiteral(what = 'string literal'): string {
    const t = this.peek();
    if (t?.kind !== 'string') this.fail(`expected ${what}`);
    this.i++;
    return t.value;
  }

  /** The tokens from here to the end, whitespace included as it was. */
  rest(all: readonly Token[]): Token[] {
    const t = this.peek();
    return t ? all.slice(all.indexOf(t)) : [];
  }

  fail(detail: string): never {
    const t = this.peek();
    throw parseError(this.sql, t?.at ?? this.sql.length, `${detail}${t ? ` near '${t.text}'` : ' at end of statement'}`);
  }
}

export function isWord(t: Token | undefined, word: string): boolean {
  return t?.kind === 'word' && t.value === word;
}
