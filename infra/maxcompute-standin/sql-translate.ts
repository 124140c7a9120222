/**
 * MaxCompute query text → DuckDB query text, token by token (sql-tokens.ts):
 * - `identifier` (backticks) → "identifier";
 * - string literals in single or double quotes with backslash escapes → standard '…' literals ('' for ');
 * - typed numbers 1L / 1S / 1Y / 1.5BD → plain numbers;
 * - type names in CAST(… AS type): STRING → VARCHAR, DATETIME → TIMESTAMP_MS, BINARY → BLOB;
 * - FLOOR(x) and CEIL(x) → BIGINT results, as MaxCompute's (macros in database.ts);
 * - `==` → `=`;
 * - `project.table` of the served project → `table`.
 * Everything else (window functions included) passes through to DuckDB unchanged.
 */
import { ident, literal } from './database.ts';
import { isWord, type Token } from './sql-tokens.ts';

/** MaxCompute functions whose DuckDB namesakes answer in another type. */
const FUNCTIONS: Readonly<Record<string, string>> = { floor: '__mc_floor', ceil: '__mc_ceil', ceiling: '__mc_ceil' };

const CAST_TYPES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  datetime: 'TIMESTAMP_MS',
  binary: 'BLOB',
  timestamp: 'TIMESTAMP',
  timestamp_ntz: 'TIMESTAMP',
};

export function toDuckDb(tokens: readonly Token[], project: string): string {
  const out: string[] = [];
  const solid = tokens.filter((t) => t.kind !== 'space');
  let prevSolid: Token | undefined;
  let skip = 0;
  for (const t of tokens) {
    if (skip > 0 && t.kind !== 'space') {
      skip--;
      continue;
    }
    if (skip > 0) continue;
    const at = solid.indexOf(t);
    const next = at >= 0 ? solid[at + 1] : undefined;
    out.push(translate(t, prevSolid, next, project, () => (skip = 1)));
    if (t.kind !== 'space') prevSolid = t;
  }
  return out.join('');
}

function translate(t: Token, prev: Token | undefined, next: Token | undefined, project: string, skipNext: () => void): string {
  switch (t.kind) {
    case 'space':
      return ' ';
    case 'quoted':
      return ident(t.value);
    case 'string':
      return literal(t.value);
    case 'number':
      return t.text.replace(/(BD|bd|[LlSsYy])$/, '');
    case 'symbol':
      return t.text === '==' ? '=' : t.text;
    case 'word': {
      // `project.table` → `table`: drop the project and the dot.
      if (t.value === project.toLowerCase() && next?.kind === 'symbol' && next.text === '.') {
        skipNext();
        return '';
      }
      const castType = CAST_TYPES[t.value];
      if (castType && isWord(prev, 'as')) return castType;
      const fn = FUNCTIONS[t.value];
      if (fn && next?.kind === 'symbol' && next.text === '(') return fn;
      return t.text;
    }
  }
}

/** Names of the tables read by a query: what follows FROM or JOIN (comma lists included), lower case. */
export function referencedTables(tokens: readonly Token[], project: string): string[] {
  const solid = tokens.filter((t) => t.kind !== 'space');
  const names: string[] = [];
  for (let i = 0; i < solid.length; i++) {
    if (!isWord(solid[i], 'from') && !isWord(solid[i], 'join')) continue;
    let j = i + 1;
    for (;;) {
      const ref = tableAt(solid, j, project);
      if (!ref) break;
      names.push(ref.name);
      j = ref.end;
      // An alias, then maybe a comma and another table.
      if (isWord(solid[j], 'as')) j++;
      if (solid[j]?.kind === 'word' && !KEYWORDS_AFTER_TABLE.has(solid[j]!.value)) j++;
      if (solid[j]?.kind === 'symbol' && solid[j]!.text === ',') j++;
      else break;
    }
  }
  return names;
}

const KEYWORDS_AFTER_TABLE = new Set(['where', 'group', 'order', 'limit', 'join', 'left', 'right', 'full', 'inner', 'cross', 'on', 'union', 'having', 'window', 'distribute', 'sort', 'cluster', 'lateral']);

function tableAt(solid: readonly Token[], i: number, project: string): { name: string; end: number } | undefined {
  const name = (t: Token | undefined) => (t?.kind === 'word' ? t.value : t?.kind === 'quoted' ? t.value.toLowerCase() : undefined);
  const first = name(solid[i]);
  if (first === undefined) return undefined;
  const dot = solid[i + 1];
  if (dot?.kind === 'symbol' && dot.text === '.' && name(solid[i + 2]) !== undefined) {
    return first === project.toLowerCase() ? { name: name(solid[i + 2])!, end: i + 3 } : undefined;
  }
  return { name: first, end: i + 1 };
}
