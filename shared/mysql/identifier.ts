/** Quoting for MySQL identifiers and literals: the only way a name or value enters SQL text. */

/** `name` as a backquoted identifier (a backtick inside is doubled). */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error(`identifier contains NUL: ${JSON.stringify(name)}`);
  return '`' + name.replaceAll('`', '``') + '`';
}

export function qualified(database: string, table: string): string {
  return `${quoteIdent(database)}.${quoteIdent(table)}`;
}

/** A string literal safe under any sql_mode we set (we never enable NO_BACKSLASH_ESCAPES). */
export function quoteString(s: string): string {
  // Most values need no escaping: testing first skips the replace's allocations.
  return NEEDS_ESCAPE.test(s) ? "'" + s.replace(ESCAPED, escapeChar) + "'" : "'" + s + "'";
}

const NEEDS_ESCAPE = /[\0\n\r\b\t\x1a'"\\]/;
const ESCAPED = /[\0\n\r\b\t\x1a'"\\]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '\0': return '\\0';
    case '\n': return '\\n';
    case '\r': return '\\r';
    case '\b': return '\\b';
    case '\t': return '\\t';
    case '\x1a': return '\\Z';
    default: return '\\' + c;
  }
}
