/**
 * What an `ALTER TABLE` read from the binlog adds, for destinations that take ADD COLUMN and nothing
 * else (MaxCompute appends it to `_base` and `_log`; Lindorm replays it with the attributes stripped):
 * the columns it adds, with their types as the catalog would show them (`decimal(12,2)`, `int
 * unsigned`), or why it is not applied. Index changes and ALGORITHM/LOCK options pass; anything else
 * refuses the whole statement, so a column is never added while the rest of its statement is silently
 * dropped.
 *
 * The statement is tokenized, not parsed (shared/mysql/sql-statement.ts): column definitions are read
 * only as far as name, data type and the attributes that change the mapping.
 */
import { identValue } from './sql-lexer.ts';
import { nameAt, Statement } from './sql-statement.ts';

export interface AddedColumn {
  readonly name: string;
  /** Lower-case base type, synonyms resolved: `int`, `decimal`, `varchar`. */
  readonly dataType: string;
  /** The type as information_schema's COLUMN_TYPE shows it: `decimal(12,2)`, `bigint unsigned`. */
  readonly columnType: string;
}

export type AddColumnsReading = { readonly columns: readonly AddedColumn[] } | { readonly refusal: string };

/** The refusal of a statement that adds no column (only index changes and options); MaxCompute's wording. */
export const NO_COLUMN_ADDED = 'it adds no column (MaxCompute tables have no indexes; only ADD COLUMN is applied)';

/** Specs that change indexes, which MaxCompute tables do not have. */
const INDEX_WORDS = new Set(['INDEX', 'KEY', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'VECTOR']);
/** ADD of something other than a column. */
const NOT_A_COLUMN = new Set([...INDEX_WORDS, 'CONSTRAINT', 'PRIMARY', 'FOREIGN', 'PARTITION', 'CHECK', 'PERIOD', 'SYSTEM']);

/** Type synonyms MySQL and MariaDB accept, as the catalog names them. */
const SYNONYMS: Record<string, string> = {
  INTEGER: 'int', INT1: 'tinyint', INT2: 'smallint', INT3: 'mediumint', INT4: 'int', INT8: 'bigint', MIDDLEINT: 'mediumint',
  DEC: 'decimal', FIXED: 'decimal', NUMERIC: 'decimal', REAL: 'double', FLOAT4: 'float', FLOAT8: 'double',
  CHARACTER: 'char', NCHAR: 'char', NVARCHAR: 'varchar', LONG: 'mediumtext',
};

/** The columns `sql` adds, or why a destination taking only ADD COLUMN does not apply it. */
export function readAddColumns(sql: string): AddColumnsReading {
  const s = new Statement(sql, false);
  let p = 1;
  while (s.word(p) === 'ONLINE' || s.word(p) === 'IGNORE') p++;
  if (s.word(0) !== 'ALTER' || s.word(p) !== 'TABLE') return { refusal: 'not an ALTER TABLE statement' };
  const table = nameAt(s, s.skip(p + 1, 'IF', 'EXISTS'));
  if (!table) return { refusal: 'cannot read the table name' };
  p = s.word(table.next) === 'WAIT' ? table.next + 2 : s.skip(table.next, 'NOWAIT');
  const columns: AddedColumn[] = [];
  for (const spec of topLevelSpecs(s, p)) {
    const read = readSpec(s, spec.from, spec.to);
    if (typeof read === 'string') return { refusal: read };
    columns.push(...read);
  }
  if (columns.length === 0) return { refusal: NO_COLUMN_ADDED };
  return { columns };
}

/** The comma-separated specs after the table name, as [from, to) ranges of significant tokens. */
function topLevelSpecs(s: Statement, from: number): Array<{ from: number; to: number }> {
  const specs: Array<{ from: number; to: number }> = [];
  let depth = 0;
  let start = from;
  for (let p = from; p <= s.length; p++) {
    const t = s.text(p);
    if (t === '(') depth++;
    else if (t === ')') depth--;
    else if ((t === ',' && depth === 0) || t === ';' || p === s.length) {
      if (p > start) specs.push({ from: start, to: p });
      if (t === ';') break;
      start = p + 1;
    }
  }
  return specs;
}

/** One spec: the columns it adds, none for one that changes nothing MaxCompute has, or the refusal. */
function readSpec(s: Statement, from: number, to: number): AddedColumn[] | string {
  const verb = s.word(from);
  const words = specWords(s, from, to);
  if (verb === 'ALGORITHM' || verb === 'LOCK') return [];
  if ((verb === 'DROP' || verb === 'ALTER' || verb === 'RENAME') && INDEX_WORDS.has(s.word(from + 1) ?? '')) return [];
  if (verb !== 'ADD') return `${words} is not applied: only ADD COLUMN is`;
  let p = s.skip(from + 1, 'COLUMN');
  p = s.skip(p, 'IF', 'NOT', 'EXISTS');
  const next = s.word(p);
  if (next && NOT_A_COLUMN.has(next)) return INDEX_WORDS.has(next) ? [] : `${words} is not applied: only ADD COLUMN is`;
  if (s.text(p) !== '(') return readColumn(s, p, to);
  // ADD [COLUMN] (c1 def, c2 def, ...)
  const columns: AddedColumn[] = [];
  let depth = 0;
  let start = p + 1;
  for (let q = p + 1; q < to; q++) {
    const t = s.text(q);
    if (t === '(') depth++;
    else if (t === ')' && depth > 0) depth--;
    else if ((t === ',' && depth === 0) || (t === ')' && depth === 0)) {
      const column = readColumn(s, start, q);
      if (typeof column === 'string') return column;
      columns.push(...column);
      start = q + 1;
    }
  }
  return columns;
}

/** `name type [attributes] [FIRST | AFTER c]` between `from` and `to`. */
function readColumn(s: Statement, from: number, to: number): AddedColumn[] | string {
  if (!s.isName(from)) return `ADD COLUMN: cannot read the column name at "${s.text(from) ?? 'the end'}"`;
  const name = identValue(s.token(from)!);
  let p = from + 1;
  let word = s.word(p);
  if (!word) return `ADD COLUMN ${name}: cannot read its type`;
  let dataType: string;
  let extra = '';
  if (word === 'NATIONAL') word = s.word(++p) ?? '';
  if ((word === 'CHARACTER' || word === 'CHAR') && s.word(p + 1) === 'VARYING') (dataType = 'varchar'), p++;
  else if (word === 'DOUBLE' && s.word(p + 1) === 'PRECISION') (dataType = 'double'), p++;
  else if (word === 'LONG' && (s.word(p + 1) === 'VARBINARY' || s.word(p + 1) === 'VARCHAR')) (dataType = s.word(++p) === 'VARBINARY' ? 'mediumblob' : 'mediumtext');
  else if (word === 'BOOL' || word === 'BOOLEAN') (dataType = 'tinyint'), (extra = '(1)');
  else if (word === 'SERIAL') return `ADD COLUMN ${name} SERIAL is not applied: it adds a unique key with an auto-increment value`;
  else dataType = SYNONYMS[word] ?? word.toLowerCase();
  p++;
  if (s.text(p) === '(') {
    const close = closingParen(s, p, to);
    extra = sourceText(s, p, close).toLowerCase();
    p = close + 1;
  }
  const attributes = specWords(s, p, to).toUpperCase().split(/\s+/);
  if (attributes.includes('AS') || attributes.includes('GENERATED')) return `ADD COLUMN ${name} is not applied: a generated column's values are computed by the source`;
  const unsigned = attributes.includes('UNSIGNED') || attributes.includes('ZEROFILL');
  return [{ name, dataType, columnType: `${dataType}${extra}${unsigned ? ' unsigned' : ''}` }];
}

function closingParen(s: Statement, open: number, to: number): number {
  let depth = 0;
  for (let p = open; p < to; p++) {
    if (s.text(p) === '(') depth++;
    else if (s.text(p) === ')' && --depth === 0) return p;
  }
  return to - 1;
}

/** The significant tokens `from`…`to` (inclusive) as written, joined without spaces. */
function sourceText(s: Statement, from: number, to: number): string {
  let out = '';
  for (let p = from; p <= to; p++) out += s.text(p) ?? '';
  return out;
}

/** The spec's tokens as text, for messages (long ones cut). */
function specWords(s: Statement, from: number, to: number): string {
  const parts: string[] = [];
  for (let p = from; p < to; p++) parts.push(s.text(p) ?? '');
  const text = parts.join(' ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
