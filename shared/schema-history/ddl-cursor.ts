/**
 * A cursor over a statement's significant tokens for the schema history's DDL parser. A statement it
 * cannot read throws UnreadableDdl, which the parser turns into an explicit "not understood" outcome.
 */
import { identValue } from '../mysql/sql-lexer.ts';
import { nameAt, type Statement } from '../mysql/sql-statement.ts';

export class UnreadableDdl extends Error {}

export interface QualifiedName {
  readonly db: string | null;
  readonly name: string;
}

export class DdlCursor {
  p = 0;
  constructor(
    readonly s: Statement,
    private readonly noBackslashEscapes = false,
  ) {}

  get done(): boolean {
    return this.p >= this.s.length;
  }

  word(offset = 0): string | undefined {
    return this.s.word(this.p + offset);
  }

  text(offset = 0): string | undefined {
    return this.s.text(this.p + offset);
  }

  /** Moves past `words` when they all follow; false (not moving) otherwise. */
  accept(...words: string[]): boolean {
    const q = this.s.skip(this.p, ...words);
    if (q === this.p) return false;
    this.p = q;
    return true;
  }

  acceptPunct(c: string): boolean {
    if (this.text() !== c || this.s.token(this.p)?.kind !== 'punct') return false;
    this.p++;
    return true;
  }

  expect(...words: string[]): void {
    if (!this.accept(...words)) this.fail(`${words.join(' ')} expected`);
  }

  expectPunct(c: string): void {
    if (!this.acceptPunct(c)) this.fail(`'${c}' expected`);
  }

  fail(what: string): never {
    const at = this.done ? 'the end' : `'${this.text()}'`;
    throw new UnreadableDdl(`${what} at ${at}`);
  }

  /** An identifier (bare or backquoted). */
  ident(): string {
    if (!this.s.isName(this.p)) this.fail('a name expected');
    return identValue(this.s.token(this.p++)!);
  }

  /** An identifier or a quoted string (charset and collation names may be either). */
  identOrString(): string {
    const t = this.s.token(this.p);
    if (t?.kind === 'string') {
      this.p++;
      return stringValue(t.text, this.noBackslashEscapes);
    }
    return this.ident();
  }

  tableName(): QualifiedName {
    const n = nameAt(this.s, this.p);
    if (!n) this.fail('a table name expected');
    this.p = n.next;
    return { db: n.ref.db, name: n.ref.name };
  }

  string(): string {
    const t = this.s.token(this.p);
    if (t?.kind !== 'string') this.fail('a string expected');
    this.p++;
    return stringValue(t.text, this.noBackslashEscapes);
  }

  /** A non-negative integer. */
  integer(): number {
    const w = this.text();
    if (w === undefined || !/^\d+$/.test(w)) this.fail('a number expected');
    this.p++;
    return Number(w);
  }

  /** From an opening parenthesis to past its match. */
  skipParenthesized(): void {
    this.expectPunct('(');
    for (let depth = 1; depth > 0; this.p++) {
      if (this.done) this.fail("')' expected");
      const t = this.s.token(this.p)!;
      if (t.kind !== 'punct') continue;
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
    }
  }

  /** To the next `,` or `)` outside parentheses (not moving past it), or the end. */
  skipToListEnd(): void {
    while (!this.done && this.text() !== ',' && this.text() !== ')') {
      if (this.text() === '(') this.skipParenthesized();
      else this.p++;
    }
  }

  /** `=` where a table option may have one. */
  optionalEquals(): void {
    this.acceptPunct('=');
  }
}

/** The value of a quoted string token: quotes removed, doubled quotes and backslash escapes resolved. */
export function stringValue(text: string, noBackslashEscapes = false): string {
  const q = text[0]!;
  const body = text.slice(1, -1);
  if (noBackslashEscapes) return body.replaceAll(q + q, q);
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', '0': '\0', Z: '\x1a' };
  return body.replace(new RegExp(`\\\\(.)|${q}${q}`, 'gs'), (m, c: string | undefined) => (c === undefined ? q : (escapes[c] ?? c)));
}
