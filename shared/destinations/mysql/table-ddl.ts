/**
 * The DDL that re-creates a source table in the destination under its mapped names: `CREATE TABLE`
 * for the selected columns and the indexes over them, and, separately, `ALTER TABLE ... ADD CONSTRAINT
 * ... FOREIGN KEY` for keys whose referenced table is also synchronized (run once every table exists).
 * Pure: it reads only the catalog and the mapping.
 */
import type { ColumnInfo, IndexInfo } from '../../mysql/catalog.ts';
import { qualified, quoteIdent, quoteString } from '../../mysql/identifier.ts';
import { identValue, scanSql } from '../../mysql/sql-lexer.ts';
import type { TableMapping } from '../../task/object-mapper.ts';

/** The server family: it decides how information_schema spells defaults and which DDL is accepted. */
export type ServerFlavor = 'mariadb' | 'mysql';

export interface CheckConstraint {
  readonly name: string;
  /** The condition as information_schema prints it (column names in backticks). */
  readonly clause: string;
  /** The column of a column-level check (MariaDB writes those inline, e.g. JSON's `json_valid`), else null. */
  readonly column: string | null;
  readonly enforced: boolean;
}

export interface DdlContext {
  readonly sourceFlavor: ServerFlavor;
  readonly destinationFlavor: ServerFlavor;
  /** The table's CHECK constraints (the catalog does not read them). */
  readonly checks?: readonly CheckConstraint[];
}

export interface TableDdl {
  readonly sql: string;
  /** Source names of the columns the statement creates. */
  readonly columns: ReadonlySet<string>;
  readonly warnings: readonly string[];
}

export interface ForeignKeyDdl {
  /** Destination "db.table.constraint". */
  readonly label: string;
  readonly database: string;
  readonly table: string;
  readonly name: string;
  readonly sql: string;
}

const BLOB_LIKE = /^(tiny|medium|long)?(blob|text)$|^json$|^geometry|^(multi)?(point|linestring|polygon)$|^geometrycollection$/;
const NUMERIC = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'float', 'double', 'real', 'year']);
const NOW = /^(current_timestamp|now|localtime|localtimestamp)(\(\d*\))?$/i;

export function createTableStatement(t: TableMapping, ctx: DdlContext): TableDdl {
  const warnings: string[] = [];
  const label = `${t.source.database}.${t.source.name}`;
  const rename = new Map(t.columns.map((c) => [c.source.name.toLowerCase(), c.target]));
  const rewrite = (expr: string) => renameColumnsInExpression(ctx.sourceFlavor === 'mysql' ? unescapeMysqlExpression(expr) : expr, rename);

  const lines: string[] = [];
  const emitted = new Set<string>();
  const columnChecks = new Map<string, CheckConstraint[]>();
  for (const ck of ctx.checks ?? []) {
    if (ck.column === null) continue;
    const list = columnChecks.get(ck.column.toLowerCase()) ?? [];
    list.push(ck);
    columnChecks.set(ck.column.toLowerCase(), list);
  }

  for (const { source: col, target } of t.columns) {
    let generated: string | null = null;
    if (col.generated) {
      const r = rewrite(col.generationExpression ?? '');
      if (r.missing.length > 0) {
        warnings.push(`${label}: generated column ${col.name} is left out: its expression uses column(s) ${r.missing.join(', ')}, which are not synchronized`);
        continue;
      }
      generated = r.sql;
    }
    let def = `${quoteIdent(target)} ${columnDefinition(col, generated, ctx)}`;
    for (const ck of columnChecks.get(col.name.toLowerCase()) ?? []) {
      const r = rewrite(ck.clause);
      if (r.missing.length > 0) warnings.push(`${label}: CHECK on ${col.name} is left out: it uses column(s) ${r.missing.join(', ')}, which are not synchronized`);
      else def += ` CHECK (${r.sql})`;
    }
    lines.push(def);
    emitted.add(col.name.toLowerCase());
  }

  const pk = t.source.indexes.find((i) => i.name === 'PRIMARY');
  for (const idx of pk ? [pk, ...t.source.indexes.filter((i) => i !== pk)] : t.source.indexes) {
    const missing = idx.columns.filter((c) => !emitted.has(c.name.toLowerCase())).map((c) => c.name);
    if (missing.length > 0) {
      warnings.push(`${label}: index ${idx.name} is left out: its column(s) ${missing.join(', ')} are not synchronized`);
      continue;
    }
    lines.push(indexDefinition(idx, rename));
  }

  for (const ck of ctx.checks ?? []) {
    if (ck.column !== null) continue;
    const r = rewrite(ck.clause);
    if (r.missing.length > 0) {
      warnings.push(`${label}: CHECK constraint ${ck.name} is left out: it uses column(s) ${r.missing.join(', ')}, which are not synchronized`);
      continue;
    }
    lines.push(`CONSTRAINT ${quoteIdent(ck.name)} CHECK (${r.sql})${ck.enforced ? '' : ' NOT ENFORCED'}`);
  }

  const options: string[] = [];
  if (t.source.engine) options.push(`ENGINE=${sqlWord(t.source.engine)}`);
  if (t.source.collation) options.push(`DEFAULT CHARSET=${sqlWord(charsetOf(t.source.collation))} COLLATE=${sqlWord(t.source.collation)}`);
  if (t.source.comment !== '') options.push(`COMMENT=${quoteString(t.source.comment)}`);

  const sql = `CREATE TABLE ${qualified(t.target.database, t.target.table)} (\n  ${lines.join(',\n  ')}\n)${options.length ? ' ' + options.join(' ') : ''}`;
  return { sql, columns: emitted, warnings };
}

function columnDefinition(col: ColumnInfo, generated: string | null, ctx: DdlContext): string {
  const parts = [col.columnType];
  if (col.charset !== null) parts.push(`CHARACTER SET ${sqlWord(col.charset)}`);
  if (col.collation !== null) parts.push(`COLLATE ${sqlWord(col.collation)}`);
  const extra = col.extra;
  if (generated !== null) {
    parts.push(`GENERATED ALWAYS AS (${generated}) ${/\b(STORED|PERSISTENT)\b/i.test(extra) ? 'STORED' : 'VIRTUAL'}`);
    // MariaDB takes no NULL/NOT NULL on a generated column; MySQL does.
    if (ctx.destinationFlavor === 'mysql' && !col.nullable) parts.push('NOT NULL');
  } else {
    parts.push(col.nullable ? 'NULL' : 'NOT NULL');
    const d = defaultClause(col, ctx);
    if (d !== null) parts.push(`DEFAULT ${d}`);
    const onUpdate = /\bon update\s+([a-z_]+(?:\(\d*\))?)/i.exec(extra);
    if (onUpdate) parts.push(`ON UPDATE ${onUpdate[1]!}`);
    if (/\bauto_increment\b/i.test(extra)) parts.push('AUTO_INCREMENT');
  }
  if (col.invisible) parts.push('INVISIBLE');
  if (col.comment !== '') parts.push(`COMMENT ${quoteString(col.comment)}`);
  return parts.join(' ');
}

/**
 * The DEFAULT expression, or null for none. MariaDB (10.2.7+) prints defaults as SQL (`'abc'`, `NULL`,
 * `current_timestamp(6)`, `(1 + 2)`), which is what its own SHOW CREATE TABLE writes back; MySQL prints
 * the raw value, with `DEFAULT_GENERATED` in EXTRA when it is an expression.
 */
export function defaultClause(col: ColumnInfo, ctx: Pick<DdlContext, 'sourceFlavor' | 'destinationFlavor'>): string | null {
  const v = col.defaultValue;
  const blobLike = BLOB_LIKE.test(col.dataType);
  if (ctx.sourceFlavor === 'mariadb') {
    if (v === null) return null;
    if (v === 'NULL' || ctx.destinationFlavor === 'mariadb') return v;
    return forMysql(v, blobLike);
  }
  // MySQL source: null means no default, or DEFAULT NULL on a nullable column (implicit either way).
  if (v === null) return null;
  if (/\bDEFAULT_GENERATED\b/i.test(col.extra)) {
    const expr = unescapeMysqlExpression(v);
    return NOW.test(expr) ? expr : `(${expr})`;
  }
  let literal: string;
  if (NUMERIC.has(col.dataType) && /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v)) literal = v;
  else if (col.dataType === 'bit') literal = bitLiteral(v);
  else literal = quoteString(v);
  return blobLike ? `(${literal})` : literal;
}

/** A MariaDB default expression in a form MySQL 8 accepts: expressions and BLOB/TEXT/JSON literals in parentheses. */
function forMysql(v: string, blobLike: boolean): string {
  if (NOW.test(v)) return v;
  const literal = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v) || /^[bx]'[0-9a-f]*'$/i.test(v) || /^'(?:[^'\\]|''|\\.)*'$/s.test(v);
  return literal && !blobLike ? v : `(${v})`;
}

/** MySQL prints a BIT default as `b'101'` (8.0) or as the raw bytes (5.7). */
function bitLiteral(v: string): string {
  if (/^b'[01]*'$/i.test(v)) return v;
  let bits = '';
  for (const ch of v) bits += ch.charCodeAt(0).toString(2).padStart(8, '0');
  return `b'${bits.replace(/^0+(?=.)/, '') || '0'}'`;
}

/** MySQL 8 prints quotes inside expression defaults and generation expressions escaped (`_utf8mb4\'x\'`). */
function unescapeMysqlExpression(expr: string): string {
  return expr.replaceAll("\\'", "'");
}

/** A character set, collation or engine name from the catalog, checked to be a bare word before it enters SQL. */
export function sqlWord(v: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(v)) throw new Error(`unexpected name in the catalog: ${JSON.stringify(v)}`);
  return v;
}

function charsetOf(collation: string): string {
  const i = collation.indexOf('_');
  return i < 0 ? collation : collation.slice(0, i);
}

function indexDefinition(idx: IndexInfo, rename: ReadonlyMap<string, string>): string {
  const cols = idx.columns
    .map((c) => `${quoteIdent(rename.get(c.name.toLowerCase()) ?? c.name)}${c.subPart !== null ? `(${c.subPart})` : ''}${c.descending ? ' DESC' : ''}`)
    .join(',');
  const comment = idx.comment !== '' ? ` COMMENT ${quoteString(idx.comment)}` : '';
  if (idx.name === 'PRIMARY') return `PRIMARY KEY (${cols})${comment}`;
  const kind = idx.kind.toUpperCase();
  const head = kind === 'FULLTEXT' ? 'FULLTEXT KEY' : kind === 'SPATIAL' ? 'SPATIAL KEY' : idx.unique ? 'UNIQUE KEY' : 'KEY';
  // BTREE is every engine's default; naming it would make the destination's SHOW CREATE TABLE differ.
  const using = kind === 'HASH' || kind === 'RTREE' ? ` USING ${kind}` : '';
  return `${head} ${quoteIdent(idx.name)} (${cols})${using}${comment}`;
}

/**
 * `ALTER TABLE ... ADD CONSTRAINT` for each foreign key of `t` whose referenced table is among `tables`
 * (both sides under their destination names); keys to tables outside the task are skipped with a warning.
 */
export function foreignKeyStatements(t: TableMapping, tables: readonly TableMapping[]): { statements: ForeignKeyDdl[]; warnings: string[] } {
  const statements: ForeignKeyDdl[] = [];
  const warnings: string[] = [];
  const label = `${t.source.database}.${t.source.name}`;
  const own = columnTargets(t);
  for (const fk of t.source.foreignKeys) {
    const ref = tables.find((x) => x.source.database === fk.refDatabase && x.source.name === fk.refTable);
    const what = `${label}: foreign key ${fk.name} (to ${fk.refDatabase}.${fk.refTable})`;
    if (!ref) {
      warnings.push(`${what} is not created: the referenced table is not synchronized by this task`);
      continue;
    }
    const refCols = columnTargets(ref);
    const cols = fk.columns.map((c) => own.get(c.toLowerCase()));
    const refs = fk.refColumns.map((c) => refCols.get(c.toLowerCase()));
    if (cols.some((c) => c === undefined) || refs.some((c) => c === undefined)) {
      warnings.push(`${what} is not created: some of its columns are not synchronized`);
      continue;
    }
    let sql = `ALTER TABLE ${qualified(t.target.database, t.target.table)} ADD CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${cols.map((c) => quoteIdent(c!)).join(',')}) REFERENCES ${qualified(ref.target.database, ref.target.table)} (${refs.map((c) => quoteIdent(c!)).join(',')})`;
    // RESTRICT is the default; spelling it out would show up in the destination's SHOW CREATE TABLE.
    if (fk.onDelete !== '' && fk.onDelete !== 'RESTRICT') sql += ` ON DELETE ${rule(fk.onDelete)}`;
    if (fk.onUpdate !== '' && fk.onUpdate !== 'RESTRICT') sql += ` ON UPDATE ${rule(fk.onUpdate)}`;
    statements.push({ label: `${t.target.database}.${t.target.table}.${fk.name}`, database: t.target.database, table: t.target.table, name: fk.name, sql });
  }
  return { statements, warnings };
}

function rule(r: string): string {
  const u = r.toUpperCase();
  if (!['CASCADE', 'SET NULL', 'NO ACTION', 'RESTRICT', 'SET DEFAULT'].includes(u)) throw new Error(`unknown foreign key rule ${JSON.stringify(r)}`);
  return u;
}

function columnTargets(t: TableMapping): Map<string, string> {
  return new Map(t.columns.map((c) => [c.source.name.toLowerCase(), c.target]));
}

/**
 * Renames the backquoted column references of a server-printed expression (generation expression,
 * CHECK clause); both MariaDB and MySQL quote every column reference there. `missing` lists the
 * referenced columns that have no destination name.
 */
export function renameColumnsInExpression(expr: string, rename: ReadonlyMap<string, string>): { sql: string; missing: string[] } {
  const missing: string[] = [];
  let sql = '';
  for (const tok of scanSql(expr)) {
    if (tok.kind !== 'ident') {
      sql += tok.text;
      continue;
    }
    const name = identValue(tok);
    const target = rename.get(name.toLowerCase());
    if (target === undefined) {
      if (!missing.includes(name)) missing.push(name);
      sql += tok.text;
    } else {
      sql += quoteIdent(target);
    }
  }
  return { sql, missing };
}
