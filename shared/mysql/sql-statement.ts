/**
 * A SQL statement as significant tokens: executable comments (`/*!50001 ... *\/`, `/*M!100100 ... *\/`)
 * opened up, as the server that ran the statement reads them, and names (`db`.`name`) read at a position.
 */
import { identValue, scanSql, type SqlToken } from './sql-lexer.ts';

/** The statement's tokens, executable comments opened up, and a cursor over the significant ones. */
export class Statement {
  readonly tokens: SqlToken[] = [];
  /** Indexes into `tokens` of everything but spaces and comments. */
  readonly sig: number[] = [];

  constructor(sql: string, noBackslashEscapes: boolean) {
    for (const t of scanSql(sql, noBackslashEscapes)) {
      const open = t.kind === 'comment' && t.text.length >= 5 && t.text.endsWith('*/') ? /^\/\*M?!\d*/.exec(t.text) : null;
      if (!open) {
        this.tokens.push(t);
        continue;
      }
      // The wrapper stays a comment token; what is inside is read (and rewritten) like any statement text.
      this.tokens.push({ kind: 'comment', text: open[0], start: t.start });
      const innerStart = t.start + open[0].length;
      for (const u of scanSql(t.text.slice(open[0].length, -2), noBackslashEscapes)) this.tokens.push({ ...u, start: u.start + innerStart });
      this.tokens.push({ kind: 'comment', text: '*/', start: t.start + t.text.length - 2 });
    }
    this.tokens.forEach((t, i) => {
      if (t.kind !== 'space' && t.kind !== 'comment') this.sig.push(i);
    });
  }

  get length(): number {
    return this.sig.length;
  }

  token(p: number): SqlToken | undefined {
    const i = this.sig[p];
    return i === undefined ? undefined : this.tokens[i];
  }

  /** Index in `tokens` of significant token `p`. */
  flat(p: number): number {
    return this.sig[p] ?? this.tokens.length;
  }

  text(p: number): string | undefined {
    return this.token(p)?.text;
  }

  /** The keyword at `p`, upper-cased; undefined for anything but a bare word. */
  word(p: number): string | undefined {
    const t = this.token(p);
    return t?.kind === 'word' ? t.text.toUpperCase() : undefined;
  }

  isName(p: number): boolean {
    const t = this.token(p);
    return t !== undefined && (t.kind === 'ident' || (t.kind === 'word' && !/^\d+$/.test(t.text)));
  }

  /** `p` moved past `words` when they all follow at `p`, else `p`. */
  skip(p: number, ...words: string[]): number {
    return words.every((w, k) => this.word(p + k) === w) ? p + words.length : p;
  }
}

/** A name as written: `db`.`name` or `name`, with the tokens that spell it. */
export interface NameRef {
  readonly db: string | null;
  readonly name: string;
  readonly dbToken: number | null;
  readonly nameToken: number;
}

export function nameAt(s: Statement, p: number): { ref: NameRef; next: number } | undefined {
  if (!s.isName(p)) return undefined;
  const value = (q: number) => identValue(s.token(q)!);
  if (s.text(p + 1) === '.' && s.isName(p + 2)) {
    return { ref: { db: value(p), name: value(p + 2), dbToken: s.flat(p), nameToken: s.flat(p + 2) }, next: p + 3 };
  }
  return { ref: { db: null, name: value(p), dbToken: null, nameToken: s.flat(p) }, next: p + 1 };
}

/** `name [, name ...]` from `p`; the names and the position after the list. */
export function nameList(s: Statement, p: number): { refs: NameRef[]; next: number } | undefined {
  const refs: NameRef[] = [];
  for (;;) {
    const n = nameAt(s, p);
    if (!n) return undefined;
    refs.push(n.ref);
    p = n.next;
    if (s.text(p) !== ',') return { refs, next: p };
    p++;
  }
}
