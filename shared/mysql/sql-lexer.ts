/** A minimal SQL lexer: enough to tell names from strings and comments when rewriting server-printed SQL. */

export type SqlTokenKind = 'space' | 'comment' | 'string' | 'ident' | 'word' | 'punct';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  readonly text: string;
  readonly start: number;
}

/** Splits SQL into tokens whose texts concatenate back to `sql`. `ident` is a backquoted name; `word` a bare one (or a number). */
export function scanSql(sql: string, noBackslashEscapes = false): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const push = (kind: SqlTokenKind, end: number) => {
    out.push({ kind, text: sql.slice(i, end), start: i });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1] ?? '';
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /\s/.test(sql[j]!)) j++;
      push('space', j);
    } else if (c === '#' || (c === '-' && next === '-' && /^[\s]?$/.test(sql[i + 2] ?? ''))) {
      const j = sql.indexOf('\n', i);
      push('comment', j < 0 ? sql.length : j);
    } else if (c === '/' && next === '*') {
      const j = sql.indexOf('*/', i + 2);
      push('comment', j < 0 ? sql.length : j + 2);
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length) {
        const d = sql[j]!;
        if (d === '\\' && c !== '`' && !noBackslashEscapes) j += 2;
        else if (d === c && sql[j + 1] === c) j += 2;
        else if (d === c) break;
        else j++;
      }
      push(c === '`' ? 'ident' : 'string', Math.min(j + 1, sql.length));
    } else if (/[\w$\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\w$\u0080-\uffff]/.test(sql[j]!)) j++;
      push('word', j);
    } else {
      push('punct', i + 1);
    }
  }
  return out;
}

/** The name a `word` or backquoted `ident` token stands for. */
export function identValue(tok: SqlToken): string {
  return tok.kind === 'ident' ? tok.text.slice(1, -1).replaceAll('``', '`') : tok.text;
}
