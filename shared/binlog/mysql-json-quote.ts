/**
 * A JSON string as MySQL quotes it (sql-common/json_dom.cc double_quote / escape_character): `"` and
 * `\` backslashed, \b \t \n \f \r by letter, the other control characters below 0x20 as \u00xx
 * (lower-case hex); everything else, `/`, DEL and non-ASCII included, as it is.
 */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\]/;
const ESCAPED = /[\u0000-\u001f"\\]/g;
const BY_LETTER: Readonly<Record<string, string>> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', '"': '\\"', '\\': '\\\\' };

export function mysqlJsonQuote(text: string): string {
  return '"' + (NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, escapeCharacter) : text) + '"';
}

function escapeCharacter(c: string): string {
  return BY_LETTER[c] ?? '\\u00' + c.charCodeAt(0).toString(16).padStart(2, '0');
}
