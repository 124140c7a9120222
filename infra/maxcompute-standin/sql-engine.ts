/**
 * Runs a MaxCompute SQL script on DuckDB. DDL, SET, SHOW, DESC and the INSERT framing are interpreted by
 * the stand-in over tokens (sql-tokens.ts); queries (SELECT/WITH, INSERT bodies) are rewritten token by token
 * for DuckDB (sql-translate.ts) and run there. Limits checked here: the full-scan rule, partitions per table,
 * the statement size and the result row cap.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import {
  duckType,
  normaliseType,
  partitionPredicate,
  partitionValues,
  specKey,
  type Catalog,
  type ColumnDef,
  type PartitionValues,
  type TableDef,
} from './catalog.ts';
import { ident, literal, type Database } from './database.ts';
import { McError } from './errors.ts';
import { checkName, fullScanError, LIMITS } from './limits.ts';
import { checkPartitionsRead } from './partition-reads.ts';
import { formatValue } from './sql-result.ts';
import { isWord, splitStatements, tokenize, TokenCursor, type Token } from './sql-tokens.ts';
import { referencedTables, toDuckDb } from './sql-translate.ts';

export type SqlResult =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'rows';
      readonly columns: readonly string[];
      /** MaxCompute type names of the columns (the ResultDescriptor's Schema). */
      readonly types: readonly string[];
      readonly rows: ReadonlyArray<readonly string[]>;
      readonly truncated: boolean;
    };

export interface SqlContext {
  readonly db: Database;
  readonly catalog: Catalog;
  readonly owner: string;
  readonly timeZone: string;
  readonly resultRows: number;
  /** Partitions one query may read of a table (partition-reads.ts). */
  readonly partitionsPerQuery: number;
}

/** Runs `script` (statements separated by `;`) with `settings`; the result is the last statement's. */
export async function runScript(ctx: SqlContext, script: string, settings: Readonly<Record<string, string>>): Promise<SqlResult> {
  if (Buffer.byteLength(script) > LIMITS.statementBytes) {
    throw McError.sql('ODPS-0130161', `[0,0] Parse exception - the SQL statement is longer than ${LIMITS.statementBytes} bytes`);
  }
  const tokens = tokenize(script);
  const session: Record<string, string> = { ...settings };
  let result: SqlResult = { kind: 'text', text: 'OK' };
  for (const statement of splitStatements(tokens)) {
    result = await runStatement(ctx, script, statement, session);
  }
  return result;
}

async function runStatement(ctx: SqlContext, sql: string, tokens: Token[], session: Record<string, string>): Promise<SqlResult> {
  const c = new TokenCursor(tokens, sql);
  if (c.accept('set')) {
    const body = tokens.slice(tokens.indexOf(c.next())).map((t) => t.text).join('');
    const eq = body.indexOf('=');
    if (eq < 0) c.fail('expected key=value');
    session[body.slice(0, eq).trim().toLowerCase()] = body.slice(eq + 1).trim();
    return { kind: 'text', text: 'OK' };
  }
  if (c.accept('create', 'table')) return changeCatalog(ctx, () => createTable(ctx, c));
  if (c.accept('drop', 'table')) return changeCatalog(ctx, () => dropTable(ctx, c));
  if (c.accept('alter', 'table')) return changeCatalog(ctx, () => alterTable(ctx, c));
  if (c.accept('insert')) return changeCatalog(ctx, () => insert(ctx, c, tokens, sql, session));
  if (c.accept('show', 'tables')) return text(ctx.catalog.names().map((n) => `${ctx.owner}:${n}`));
  if (c.accept('show', 'partitions')) return showPartitions(ctx, c);
  if (c.accept('desc') || c.accept('describe')) return describe(ctx, c);
  const first = c.peek();
  if (isWord(first, 'select') || isWord(first, 'with') || (first?.kind === 'symbol' && first.text === '(')) return select(ctx, tokens, sql, session);
  return c.fail('statement not supported by the local MaxCompute stand-in');
}

function text(lines: readonly string[]): SqlResult {
  return { kind: 'text', text: lines.map((l) => `${l}\n`).join('') };
}

/** Runs `work` in a transaction; on failure the catalog is reloaded so memory matches the rolled-back database. */
async function changeCatalog(ctx: SqlContext, work: () => Promise<SqlResult>): Promise<SqlResult> {
  try {
    return await ctx.db.transaction(work);
  } catch (e) {
    await ctx.catalog.reload();
    throw e;
  }
}

// ---------- DDL ----------

async function createTable(ctx: SqlContext, c: TokenCursor): Promise<SqlResult> {
  const ifNotExists = c.accept('if', 'not', 'exists');
  const name = tableName(ctx, c);
  if (c.accept('like') || c.accept('as')) c.fail('CREATE TABLE … LIKE/AS is not supported by the local MaxCompute stand-in');
  const columns = columnDefs(c);
  let comment = '';
  let partitionKeys: ColumnDef[] = [];
  let lifecycle = -1;
  while (!c.atEnd()) {
    if (c.accept('comment')) comment = c.stringLiteral();
    else if (c.accept('partitioned', 'by')) partitionKeys = columnDefs(c);
    else if (c.accept('lifecycle')) lifecycle = positiveInteger(c);
    else if (c.accept('stored', 'as') || c.accept('tblproperties')) c.fail('storage clauses are not supported by the local MaxCompute stand-in');
    else c.fail('unexpected token');
  }
  if (ctx.catalog.get(name)) {
    if (ifNotExists) return { kind: 'text', text: 'OK' };
    throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - Table or view already exists - ${ctx.catalog.project}.${name}`);
  }
  for (const k of partitionKeys) checkName('partition column', k.name);
  const now = Date.now();
  await ctx.catalog.create({ name, columns, partitionKeys, comment, lifecycle, createTime: now, lastDdlTime: now, lastModifiedTime: now });
  return { kind: 'text', text: 'OK' };
}

async function dropTable(ctx: SqlContext, c: TokenCursor): Promise<SqlResult> {
  const ifExists = c.accept('if', 'exists');
  const name = tableName(ctx, c);
  endOfStatement(c);
  const table = ctx.catalog.get(name);
  if (!table) {
    if (ifExists) return { kind: 'text', text: 'OK' };
    ctx.catalog.require(name);
  } else await ctx.catalog.drop(table);
  return { kind: 'text', text: 'OK' };
}

async function alterTable(ctx: SqlContext, c: TokenCursor): Promise<SqlResult> {
  const table = ctx.catalog.require(tableName(ctx, c));
  if (c.accept('add', 'columns')) {
    const columns = columnDefs(c);
    endOfStatement(c);
    await ctx.catalog.addColumns(table, columns);
  } else if (c.accept('add')) {
    const ifNotExists = c.accept('if', 'not', 'exists');
    const specs = partitionList(c, table);
    if (!ifNotExists) {
      for (const values of specs) {
        if (ctx.catalog.hasPartition(table, values)) {
          throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - Partition already exists - ${specKey(table, values)}`);
        }
      }
    }
    await ctx.catalog.addPartitions(table, specs);
  } else if (c.accept('drop')) {
    const ifExists = c.accept('if', 'exists');
    for (const values of partitionList(c, table)) {
      if (ctx.catalog.hasPartition(table, values)) await ctx.catalog.dropPartition(table, values);
      else if (!ifExists) throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - Partition not found - ${specKey(table, values)}`);
    }
  } else c.fail('only ADD COLUMNS, ADD PARTITION and DROP PARTITION are supported by the local MaxCompute stand-in');
  return { kind: 'text', text: 'OK' };
}

/** `PARTITION (k='v', …) [, ] PARTITION (…)` with every key given. */
function partitionList(c: TokenCursor, table: TableDef): PartitionValues[] {
  const list: PartitionValues[] = [];
  do {
    c.expect('partition');
    list.push(partitionSpec(c, table, false) as string[]);
    c.acceptSymbol(',');
  } while (isWord(c.peek(), 'partition'));
  endOfStatement(c);
  return list;
}

/** `(k='v', k2=1, k3)`: static values, or (when `dynamic`) keys without a value. */
function partitionSpec(c: TokenCursor, table: TableDef, dynamic: boolean): Array<string | undefined> {
  c.expectSymbol('(');
  const pairs: Array<[string, string | undefined]> = [];
  do {
    const key = c.identifier('partition key');
    let value: string | undefined;
    if (c.acceptSymbol('=')) {
      const t = c.next();
      if (t.kind !== 'string' && t.kind !== 'number') c.fail('expected a partition value');
      value = t.kind === 'string' ? t.value : t.text;
    } else if (!dynamic) c.fail("expected '=' and a partition value");
    pairs.push([key, value]);
  } while (c.acceptSymbol(','));
  c.expectSymbol(')');
  return partitionValues(table, pairs, (detail) => McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - invalid partition spec: ${detail}`));
}

function columnDefs(c: TokenCursor): ColumnDef[] {
  c.expectSymbol('(');
  const columns: ColumnDef[] = [];
  do {
    const name = checkName('column', c.identifier('column name'));
    const type = columnType(c);
    let nullable = true;
    let comment = '';
    for (;;) {
      if (c.accept('not', 'null')) nullable = false;
      else if (c.accept('null')) nullable = true;
      else if (c.accept('comment')) comment = c.stringLiteral();
      else break;
    }
    columns.push({ name, typeText: type, comment, nullable });
  } while (c.acceptSymbol(','));
  c.expectSymbol(')');
  return columns;
}

function columnType(c: TokenCursor): string {
  const name = c.identifier('column type');
  if (c.acceptSymbol('<')) c.fail(`complex type ${name.toUpperCase()} is not supported by the local MaxCompute stand-in`);
  const args: number[] = [];
  if (c.acceptSymbol('(')) {
    do args.push(positiveInteger(c));
    while (c.acceptSymbol(','));
    c.expectSymbol(')');
  }
  return normaliseType(name, args);
}

function positiveInteger(c: TokenCursor): number {
  const t = c.next();
  if (t.kind !== 'number' || !/^\d+$/.test(t.text)) c.fail('expected a number');
  return Number(t.text);
}

function tableName(ctx: SqlContext, c: TokenCursor): string {
  const { project, name } = c.tableName();
  if (project !== undefined && project.toLowerCase() !== ctx.catalog.project.toLowerCase()) {
    throw McError.sql('ODPS-0130131', `[0,0] Table not found - project ${project} is not served by the local MaxCompute stand-in`);
  }
  return name.toLowerCase();
}

function endOfStatement(c: TokenCursor): void {
  if (!c.atEnd()) c.fail('unexpected token');
}

// ---------- SHOW / DESC ----------

function showPartitions(ctx: SqlContext, c: TokenCursor): SqlResult {
  const table = ctx.catalog.require(tableName(ctx, c));
  endOfStatement(c);
  if (table.partitionKeys.length === 0) {
    throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - Table ${ctx.catalog.project}.${table.name} is not a partitioned table`);
  }
  return text(ctx.catalog.partitionsOf(table.name).map((values) => specKey(table, values)));
}

function describe(ctx: SqlContext, c: TokenCursor): SqlResult {
  const table = ctx.catalog.require(tableName(ctx, c));
  endOfStatement(c);
  const rule = `+${'-'.repeat(84)}+`;
  const line = (s: string) => `| ${s.padEnd(82)} |`;
  const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  const field = (col: ColumnDef) => line(`${col.name.padEnd(20)} | ${col.typeText.padEnd(16)} | ${col.comment}`);
  const lines = [
    rule,
    line(`Owner: ${ctx.owner} | Project: ${ctx.catalog.project}`),
    line(`TableComment: ${table.comment}`),
    rule,
    line(`CreateTime:               ${time(table.createTime)}`),
    line(`LastDDLTime:              ${time(table.lastDdlTime)}`),
    line(`LastModifiedTime:         ${time(table.lastModifiedTime)}`),
    ...(table.lifecycle > 0 ? [line(`Lifecycle:                ${table.lifecycle}`)] : []),
    rule,
    line('InternalTable: YES'),
    rule,
    line('Native Columns:'),
    rule,
    line(`${'Field'.padEnd(20)} | ${'Type'.padEnd(16)} | Comment`),
    rule,
    ...table.columns.map(field),
    rule,
  ];
  if (table.partitionKeys.length > 0) lines.push(line('Partition Columns:'), rule, ...table.partitionKeys.map(field), rule);
  return text(lines);
}

// ---------- queries ----------

/** Refuses a read of a partitioned table that names none of its partition keys in a predicate, unless allowed. */
function checkFullScan(ctx: SqlContext, tokens: readonly Token[], session: Readonly<Record<string, string>>): void {
  if ((session['odps.sql.allow.fullscan'] ?? '').toLowerCase() === 'true') return;
  const refs = referencedTables(tokens, ctx.catalog.project);
  const predicateWords = wordsInPredicates(tokens);
  for (const name of refs) {
    const table = ctx.catalog.get(name);
    if (!table || table.partitionKeys.length === 0) continue;
    if (!table.partitionKeys.some((k) => predicateWords.has(k.name))) throw fullScanError(ctx.catalog.project, table.name);
  }
}

/** Identifiers that appear after a WHERE or ON (partition predicates can only be there). */
function wordsInPredicates(tokens: readonly Token[]): Set<string> {
  const words = new Set<string>();
  let inPredicate = false;
  for (const t of tokens) {
    if (isWord(t, 'where') || isWord(t, 'on')) inPredicate = true;
    else if (inPredicate && (t.kind === 'word' || t.kind === 'quoted')) words.add(t.kind === 'quoted' ? t.value.toLowerCase() : t.value);
  }
  return words;
}

/**
 * ORDER BY needs a LIMIT in the same (sub)query unless `odps.sql.validate.orderby.limit=false`; an ORDER BY
 * inside OVER (…) is a window's and needs none.
 */
function checkOrderByLimit(tokens: readonly Token[], sql: string, session: Readonly<Record<string, string>>): void {
  if ((session['odps.sql.validate.orderby.limit'] ?? '').toLowerCase() === 'false') return;
  const solid = tokens.filter((t) => t.kind !== 'space');
  const frames: Array<{ window: boolean; orderBy: Token | undefined }> = [{ window: false, orderBy: undefined }];
  const fail = (t: Token): never => {
    const before = sql.slice(0, t.at);
    const position = `[${before.split('\n').length},${t.at - before.lastIndexOf('\n')}]`;
    throw McError.sql('ODPS-0130071', `${position} Semantic analysis exception - ORDER BY must be used with a LIMIT clause, please set odps.sql.validate.orderby.limit=false to use it.`);
  };
  solid.forEach((t, i) => {
    const frame = frames[frames.length - 1]!;
    if (t.kind === 'symbol' && t.text === '(') frames.push({ window: isWord(solid[i - 1], 'over'), orderBy: undefined });
    else if (t.kind === 'symbol' && t.text === ')') {
      if (frame.orderBy && frames.length > 1) fail(frame.orderBy);
      if (frames.length > 1) frames.pop();
    } else if (isWord(t, 'order') && isWord(solid[i + 1], 'by') && !frame.window) frame.orderBy = t;
    else if (isWord(t, 'limit')) frame.orderBy = undefined;
  });
  if (frames[0]!.orderBy) fail(frames[0]!.orderBy);
}

async function select(ctx: SqlContext, tokens: readonly Token[], sql: string, session: Readonly<Record<string, string>>): Promise<SqlResult> {
  checkFullScan(ctx, tokens, session);
  await checkPartitionsRead(tokens, ctx.catalog, ctx.db, ctx.partitionsPerQuery);
  checkOrderByLimit(tokens, sql, session);
  const query = toDuckDb(tokens, ctx.catalog.project);
  const reader = await duck(() => ctx.db.connection.streamAndReadUntil(query, ctx.resultRows + 1));
  // An expression without an alias is named `_c<position>` by MaxCompute; DuckDB names it by its text.
  const columns = reader.columnNames().map((name, i) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `_c${i}`));
  const duckTypes = reader.columnTypes().map((t) => String(t));
  const floating = duckTypes.map((t) => t === 'FLOAT' || t === 'DOUBLE');
  const all = reader.getRows() as DuckDBValue[][];
  const truncated = all.length > ctx.resultRows;
  const rows = all.slice(0, ctx.resultRows).map((row) => row.map((v, i) => formatValue(v, floating[i] ?? false)));
  return { kind: 'rows', columns, types: duckTypes.map(maxComputeTypeOf), rows, truncated };
}

async function insert(ctx: SqlContext, c: TokenCursor, tokens: readonly Token[], sql: string, session: Readonly<Record<string, string>>): Promise<SqlResult> {
  const overwrite = c.accept('overwrite');
  if (!overwrite) c.expect('into');
  if (!c.accept('table') && overwrite) c.fail('expected TABLE');
  const table = ctx.catalog.require(tableName(ctx, c));
  let spec: Array<string | undefined> | undefined;
  if (c.accept('partition')) spec = partitionSpec(c, table, true);
  else if (table.partitionKeys.length > 0) {
    throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - inserting into partitioned table ${table.name} needs a PARTITION clause`);
  }
  const next = c.peek();
  if (next?.kind === 'symbol' && next.text === '(' && !isWord(c.peek(1), 'select') && !isWord(c.peek(1), 'with')) {
    c.fail('an INSERT column list is not supported by the local MaxCompute stand-in');
  }
  const body = c.rest(tokens);
  if (body.length === 0) c.fail('expected SELECT or VALUES');
  checkFullScan(ctx, body, session);
  await checkPartitionsRead(body, ctx.catalog, ctx.db, ctx.partitionsPerQuery);
  checkOrderByLimit(body, sql, session);
  await duck(() => ctx.db.run(`CREATE OR REPLACE TEMP TABLE __mc_stage AS SELECT * FROM (${toDuckDb(body, ctx.catalog.project)})`));
  const result = await insertStaged(ctx, table, spec, overwrite);
  // On failure the transaction's rollback removes the staging table (and a DuckDB error has aborted it anyway).
  await ctx.db.run('DROP TABLE __mc_stage');
  return result;
}

async function insertStaged(ctx: SqlContext, table: TableDef, spec: Array<string | undefined> | undefined, overwrite: boolean): Promise<SqlResult> {
  const stageColumns = (await ctx.db.rows("SELECT column_name FROM duckdb_columns() WHERE table_name = '__mc_stage' ORDER BY column_index")).map((r) => String(r[0]));
  const dynamicKeys = spec ? table.partitionKeys.filter((_, i) => spec[i] === undefined) : [];
  const expected = table.columns.length + dynamicKeys.length;
  if (stageColumns.length !== expected) {
    throw McError.sql(
      'ODPS-0130071',
      `[0,0] Semantic analysis exception - column count mismatch: table ${table.name} expects ${expected} columns${dynamicKeys.length ? ' (data columns and dynamic partition keys)' : ''}, the query gives ${stageColumns.length}`,
    );
  }
  const dataSelect = table.columns.map((col, i) => `CAST(${ident(stageColumns[i]!)} AS ${duckTypeOf(col)})`);
  const partitionSelect = table.partitionKeys.map((k, i) => {
    const value = spec?.[i];
    if (value !== undefined) return literal(value);
    const at = table.columns.length + dynamicKeys.indexOf(k);
    return `CAST(${ident(stageColumns[at]!)} AS VARCHAR)`;
  });
  let partitions: PartitionValues[] = [];
  if (spec) {
    if (dynamicKeys.length === 0) partitions = [spec as string[]];
    else {
      const rows = await ctx.db.rows(`SELECT DISTINCT ${partitionSelect.join(', ')} FROM __mc_stage`);
      partitions = rows.map((r) => r.map((v) => (v === null ? '' : String(v))));
      for (const values of partitions) {
        partitionValues(
          table,
          table.partitionKeys.map((k, i) => [k.name, values[i]!] as const),
          (detail) => McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - invalid dynamic partition value: ${detail}`),
        );
      }
    }
    await ctx.catalog.addPartitions(table, partitions);
  }
  if (overwrite) {
    if (!spec) await ctx.db.run(`DELETE FROM ${ident(table.name)}`);
    else for (const values of partitions) await ctx.db.run(`DELETE FROM ${ident(table.name)} WHERE ${partitionPredicate(table, values)}`);
  }
  await duck(() => ctx.db.run(`INSERT INTO ${ident(table.name)} SELECT ${[...dataSelect, ...partitionSelect].join(', ')} FROM __mc_stage`));
  await ctx.catalog.touch(table);
  return { kind: 'text', text: 'OK' };
}

const MAXCOMPUTE_TYPES: Readonly<Record<string, string>> = {
  TINYINT: 'tinyint',
  SMALLINT: 'smallint',
  INTEGER: 'int',
  BIGINT: 'bigint',
  HUGEINT: 'bigint',
  FLOAT: 'float',
  DOUBLE: 'double',
  VARCHAR: 'string',
  BOOLEAN: 'boolean',
  TIMESTAMP_MS: 'datetime',
  TIMESTAMP: 'timestamp',
  DATE: 'date',
  TIMESTAMP_NS: 'timestamp',
  BLOB: 'binary',
};

/** The MaxCompute type a DuckDB result column stands for (string for anything else). */
function maxComputeTypeOf(duckType: string): string {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(duckType);
  return decimal ? `decimal(${decimal[1]},${decimal[2]})` : (MAXCOMPUTE_TYPES[duckType] ?? 'string');
}

function duckTypeOf(col: ColumnDef): string {
  return duckType(col.typeText);
}

/** Runs DuckDB work; its errors become the service's SQL errors (semantic analysis, or parse for syntax errors). */
async function duck<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof McError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (/^Parser Error/i.test(message)) throw McError.sql('ODPS-0130161', `[0,0] Parse exception - ${message}`);
    const table = /^Catalog Error: Table with name (\S+) does not exist/.exec(message);
    if (table) throw McError.sql('ODPS-0130131', `[0,0] Table not found - table ${table[1]} cannot be resolved`);
    throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - ${message}`);
  }
}
