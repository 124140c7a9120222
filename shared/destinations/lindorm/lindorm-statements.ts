/**
 * The statements that write rows to a Lindorm table: multi-row `UPSERT INTO t (cols) VALUES (…),(…)`
 * of full rows (Lindorm's UPSERT, and INSERT its synonym, replace a row with the same key and never fail
 * on it: doc-detail/216804), and one `DELETE … WHERE k1 = … AND k2 = …` a key (the DELETE page: without
 * batch delete, enabled only by support, the WHERE must give every key column with `=`).
 *
 * Every row is checked before it joins a statement: a value its column cannot hold, a NULL key, a key
 * over 2 KB or non-key values over 2 MB (Quotas and limits) make it a refused row, reported with its
 * reason and not sent, so one bad row cannot fail the rows sent with it.
 */
import type { Row } from '../../change/change-event.ts';
import { LindormValueError, lindormLiteral, quoteName, type Literal, type LiteralColumn, type LiteralSession } from './lindorm-literals.ts';
import { DEFAULT_STATEMENT_LIMITS, LINDORM_LIMITS } from './lindorm-limits.ts';

/** The columns a statement writes; `key` marks the primary-key columns. */
export interface StatementTable {
  readonly name: string;
  readonly columns: ReadonlyArray<LiteralColumn & { readonly key: boolean }>;
}

/** Rows and SQL bytes (UTF-8) of one UPSERT at most. */
export interface StatementLimits {
  readonly rows: number;
  readonly bytes: number;
}

export interface RefusedRow {
  /** Index of the row in the rows given. */
  readonly index: number;
  readonly reason: string;
}

export interface Statements {
  readonly statements: readonly string[];
  readonly refused: readonly RefusedRow[];
}

/** Limits within Lindorm's 2,000 rows and 64 MB a write; unset ones take the defaults (500 rows, 4 MiB). */
export function statementLimits(given: Partial<StatementLimits> = {}): StatementLimits {
  const rows = given.rows ?? DEFAULT_STATEMENT_LIMITS.rows;
  const bytes = given.bytes ?? DEFAULT_STATEMENT_LIMITS.bytes;
  if (!Number.isInteger(rows) || rows < 1 || rows > LINDORM_LIMITS.writeRows) throw new RangeError(`rows a statement: ${rows} is not within 1..${LINDORM_LIMITS.writeRows} (Lindorm's rows a write)`);
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > LINDORM_LIMITS.writeBytes) throw new RangeError(`bytes a statement: ${bytes} is not within 1..${LINDORM_LIMITS.writeBytes} (Lindorm's 64 MB a write)`);
  return { rows, bytes };
}

/**
 * UPSERTs of `rows` (full rows; a column absent from a row is written NULL), cut at `limits.rows` rows
 * and, before a row would take a statement over `limits.bytes`, there. A row longer than the byte
 * bound alone goes in a statement of its own (a row that passes the checks is far below 64 MB).
 */
export function upsertStatements(table: StatementTable, rows: readonly Row[], session: LiteralSession, limits: StatementLimits = statementLimits()): Statements {
  const head = `UPSERT INTO ${quoteName(table.name)} (${table.columns.map((c) => quoteName(c.name)).join(', ')}) VALUES `;
  const headBytes = Buffer.byteLength(head, 'utf8');
  const statements: string[] = [];
  const refused: RefusedRow[] = [];
  let tuples: string[] = [];
  let bytes = headBytes;
  const flush = () => {
    if (tuples.length > 0) statements.push(head + tuples.join(','));
    tuples = [];
    bytes = headBytes;
  };
  for (const [index, row] of rows.entries()) {
    const checked = checkedRow(table, row, session);
    if ('reason' in checked) {
      refused.push({ index, reason: checked.reason });
      continue;
    }
    const tuple = `(${checked.literals.map((l) => l.sql).join(', ')})`;
    const size = Buffer.byteLength(tuple, 'utf8');
    if (tuples.length === limits.rows || (tuples.length > 0 && bytes + 1 + size > limits.bytes)) flush();
    bytes += size + (tuples.length > 0 ? 1 : 0);
    tuples.push(tuple);
  }
  flush();
  return { statements, refused };
}

/** One DELETE a key (`keys` hold at least the key columns), by every key column with `=`. */
export function deleteStatements(table: StatementTable, keys: readonly Row[], session: LiteralSession): Statements {
  const keyColumns = table.columns.filter((c) => c.key);
  const statements: string[] = [];
  const refused: RefusedRow[] = [];
  for (const [index, row] of keys.entries()) {
    const checked = checkedKey(table.name, keyColumns, row, session);
    if ('reason' in checked) refused.push({ index, reason: checked.reason });
    else statements.push(`DELETE FROM ${quoteName(table.name)} WHERE ${keyColumns.map((c, i) => `${quoteName(c.name)} = ${checked.literals[i]!.sql}`).join(' AND ')}`);
  }
  return { statements, refused };
}

type Checked = { readonly literals: readonly Literal[] } | { readonly reason: string };

/** The row's literals in column order, or why it is refused. */
function checkedRow(table: StatementTable, row: Row, session: LiteralSession): Checked {
  const key = checkedKey(table.name, table.columns.filter((c) => c.key), row, session);
  if ('reason' in key) return key;
  const label = `${table.name} key ${keyLabel(table.columns.filter((c) => c.key), key.literals)}`;
  const literals: Literal[] = [];
  let nonKey = 0;
  for (const c of table.columns) {
    const literal = rendered(c, row, session);
    if ('reason' in literal) return { reason: `${label}: ${literal.reason}` };
    if (!c.key) nonKey += literal.bytes;
    literals.push(literal);
  }
  if (nonKey > LINDORM_LIMITS.nonKeyBytes) return { reason: `${label}: non-key values of ${nonKey} bytes, over Lindorm's ${LINDORM_LIMITS.nonKeyBytes} bytes (2 MB) a row` };
  return { literals };
}

function checkedKey(tableName: string, keyColumns: StatementTable['columns'], row: Row, session: LiteralSession): Checked {
  const literals: Literal[] = [];
  for (const c of keyColumns) {
    const literal = rendered(c, row, session);
    if ('reason' in literal) return { reason: `${tableName}: ${literal.reason}` };
    if (literal.sql === 'NULL') {
      const why = c.type.name === 'VARBINARY' && row[c.name] != null ? 'an empty VARBINARY, which Lindorm takes as NULL' : 'NULL';
      return { reason: `${tableName}: key column ${c.name} is ${why}, and a Lindorm key cannot be` };
    }
    literals.push(literal);
  }
  const bytes = literals.reduce((sum, l) => sum + l.bytes, 0);
  if (bytes > LINDORM_LIMITS.primaryKeyBytes) {
    return { reason: `${tableName} key ${keyLabel(keyColumns, literals)}: key values of ${bytes} bytes, over Lindorm's ${LINDORM_LIMITS.primaryKeyBytes} bytes (2 KB) a row's key` };
  }
  return { literals };
}

function rendered(c: LiteralColumn, row: Row, session: LiteralSession): Literal | { readonly reason: string } {
  try {
    return lindormLiteral(row[c.name] ?? null, c, session);
  } catch (e) {
    if (e instanceof LindormValueError) return { reason: e.message };
    throw e;
  }
}

/** `(id=7, name='x')`, each value cut at 40 characters. */
function keyLabel(keyColumns: StatementTable['columns'], literals: readonly Literal[]): string {
  const cut = (s: string) => (s.length > 40 ? `${s.slice(0, 37)}...` : s);
  return `(${keyColumns.map((c, i) => `${c.name}=${cut(literals[i]!.sql)}`).join(', ')})`;
}
