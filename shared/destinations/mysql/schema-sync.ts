/**
 * Schema synchronization: creates the destination databases and tables of a task, then its foreign
 * keys, then (for whole-database selections) views, procedures, functions and triggers. Synchronized
 * triggers are wrapped so they stay quiet for fc-dts's own writes: the source trigger's effects
 * already arrive as rows through the load and the binlog.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { FcDtsError } from '../../errors.ts';
import { APPLY_SESSION_VARIABLE } from '../../mysql/connection.ts';
import { qualified, quoteIdent } from '../../mysql/identifier.ts';
import { identValue, scanSql, type SqlToken } from '../../mysql/sql-lexer.ts';
import type { DatabaseMapping, TableMapping } from '../../task/object-mapper.ts';
import type { SchemaSyncOptions, SchemaSyncReport } from '../destination.ts';
import { createTableStatement, foreignKeyStatements, sqlWord, type CheckConstraint, type ServerFlavor } from './table-ddl.ts';

export type { SchemaSyncOptions, SchemaSyncReport } from '../destination.ts';

type Row = RowDataPacket & Record<string, unknown>;

interface Report {
  created: string[];
  kept: string[];
  warnings: string[];
  failed: Array<{ object: string; error: string }>;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
const ownerKey = (t: TableMapping): string => `${t.target.database}.${t.target.table}`.toLowerCase();
const label = (t: TableMapping): string => `${t.target.database}.${t.target.table}`;

export async function syncSchema(source: Connection, destination: Connection, dbs: readonly DatabaseMapping[], options: SchemaSyncOptions): Promise<SchemaSyncReport> {
  const log = options.log ?? (() => {});
  const report: Report = { created: [], kept: [], warnings: [], failed: [] };
  const sourceFlavor = await flavorOf(source);
  const destinationFlavor = await flavorOf(destination);
  const tables = dbs.flatMap((d) => d.tables);

  // Every conflict is found before anything is created, so a refused task leaves the destination untouched.
  const existing = await existingTables(destination, [...new Set(dbs.map((d) => d.target))]);
  const exists = (t: TableMapping) => existing(t.target.database, t.target.table);
  const conflicts = tables.filter((t) => exists(t) && !options.ownedTables.has(ownerKey(t)));
  if (conflicts.length > 0 && options.conflictMode === 'precheck-and-report') {
    const names = conflicts.map((t) => `${label(t)} (for ${t.source.database}.${t.source.name})`);
    throw new FcDtsError(
      'NAME_CONFLICT',
      `destination already has table${names.length > 1 ? 's' : ''} ${names.join(', ')}`,
      'drop or rename the destination table, map the source table to another name with "as", or set sync.conflictMode: ignore-and-proceed to keep and write into it',
    );
  }

  for (const d of dbs) {
    try {
      await destination.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(d.target)} CHARACTER SET ${sqlWord(d.source.charset)} COLLATE ${sqlWord(d.source.collation)}`);
    } catch (e) {
      throw new FcDtsError(
        'SCHEMA_SYNC_FAILED',
        `cannot create destination database ${d.target} (for ${d.source.name}): ${serverMessage(e)}`,
        'grant the destination account CREATE on the database, or create it yourself',
        { cause: e },
      );
    }
  }

  const checks = await readChecks(source, sourceFlavor, [...new Set(tables.map((t) => t.source.database))]);
  const createdNow = new Set<string>();
  for (const t of tables) {
    if (exists(t)) {
      report.kept.push(label(t));
      if (options.ownedTables.has(ownerKey(t))) log(`table ${label(t)}: created by an earlier run of this task, reused`);
      else report.warnings.push(`table ${label(t)} already exists in the destination and is kept as it is (conflictMode ignore-and-proceed): its schema is not checked against ${t.source.database}.${t.source.name}`);
      continue;
    }
    const ddl = createTableStatement(t, {
      sourceFlavor,
      destinationFlavor,
      checks: checks.get(`${t.source.database}\0${t.source.name}`) ?? [],
    });
    report.warnings.push(...ddl.warnings);
    await options.onCreating?.(ownerKey(t));
    try {
      await destination.query(ddl.sql);
    } catch (e) {
      log(`failed statement: ${ddl.sql}`);
      throw new FcDtsError(
        'SCHEMA_SYNC_FAILED',
        `cannot create destination table ${label(t)} (for ${t.source.database}.${t.source.name}): ${serverMessage(e)}`,
        'make the destination accept the table (character set, collation, engine and column types of the source must exist there), or create it yourself and run with sync.conflictMode: ignore-and-proceed',
        { cause: e },
      );
    }
    createdNow.add(ownerKey(t));
    report.created.push(label(t));
    log(`created table ${label(t)}`);
  }

  await syncForeignKeys(destination, tables, (t) => createdNow.has(ownerKey(t)) || options.ownedTables.has(ownerKey(t)), report, log);

  const names = new NameMap(dbs);
  for (const d of dbs.filter((x) => x.whole)) {
    await syncViews(source, destination, d, names, report, log);
    await syncRoutines(source, destination, d, names, destinationFlavor, report, log);
    await syncTriggers(source, destination, d, names, destinationFlavor, report, log);
  }
  return report;
}

async function flavorOf(conn: Connection): Promise<ServerFlavor> {
  const [rows] = await conn.query<Row[]>('SELECT VERSION() AS v');
  return /mariadb/i.test(text(rows[0]?.v)) ? 'mariadb' : 'mysql';
}

/** Whether a table or view exists in the destination, comparing names the way the server does. */
async function existingTables(conn: Connection, databases: readonly string[]): Promise<(db: string, table: string) => boolean> {
  const [[mode]] = await conn.query<Row[]>('SELECT @@lower_case_table_names AS m');
  const fold = Number(mode?.m ?? 0) !== 0;
  if (databases.length === 0) return () => false;
  const key = (db: string, t: string) => (fold ? `${db}\0${t}`.toLowerCase() : `${db}\0${t}`);
  const [rows] = await conn.query<Row[]>('SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)', [databases]);
  const set = new Set(rows.map((r) => key(text(r.db), text(r.t))));
  return (db, t) => set.has(key(db, t));
}

/** CHECK constraints per "db\0table" (the catalog does not read them; JSON columns on MariaDB carry one). */
async function readChecks(conn: Connection, flavor: ServerFlavor, databases: readonly string[]): Promise<Map<string, CheckConstraint[]>> {
  const out = new Map<string, CheckConstraint[]>();
  if (databases.length === 0) return out;
  let rows: Row[];
  try {
    if (flavor === 'mariadb') {
      [rows] = await conn.query<Row[]>(
        'SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS t, CONSTRAINT_NAME AS n, LEVEL AS l, CHECK_CLAUSE AS c FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN (?) ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME',
        [databases],
      );
    } else {
      [rows] = await conn.query<Row[]>(
        `SELECT tc.TABLE_SCHEMA AS db, tc.TABLE_NAME AS t, cc.CONSTRAINT_NAME AS n, 'Table' AS l, cc.CHECK_CLAUSE AS c, tc.ENFORCED AS e
         FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc
           ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
         WHERE tc.CONSTRAINT_TYPE = 'CHECK' AND tc.TABLE_SCHEMA IN (?) ORDER BY tc.TABLE_SCHEMA, tc.TABLE_NAME, cc.CONSTRAINT_NAME`,
        [databases],
      );
    }
  } catch {
    return out; // servers without CHECK constraints (MySQL 5.7, MariaDB before 10.5.10 has no LEVEL)
  }
  for (const r of rows) {
    const k = `${text(r.db)}\0${text(r.t)}`;
    const list = out.get(k) ?? [];
    list.push({ name: text(r.n), clause: text(r.c), column: text(r.l) === 'Column' ? text(r.n) : null, enforced: text(r.e) !== 'NO' });
    out.set(k, list);
  }
  return out;
}

async function syncForeignKeys(dest: Connection, tables: readonly TableMapping[], ours: (t: TableMapping) => boolean, report: Report, log: (l: string) => void): Promise<void> {
  const mine = tables.filter(ours);
  const pending = mine.map((t) => foreignKeyStatements(t, tables));
  for (const p of pending) report.warnings.push(...p.warnings);
  const statements = pending.flatMap((p) => p.statements);
  if (statements.length === 0) return;
  const [rows] = await dest.query<Row[]>(
    'SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS t, CONSTRAINT_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN (?)',
    [[...new Set(statements.map((s) => s.database))]],
  );
  const have = new Set(rows.map((r) => `${text(r.db)}\0${text(r.t)}\0${text(r.n)}`.toLowerCase()));
  for (const fk of statements) {
    if (have.has(`${fk.database}\0${fk.table}\0${fk.name}`.toLowerCase())) continue;
    try {
      await dest.query(fk.sql);
      report.created.push(`foreign key ${fk.label}`);
      log(`created foreign key ${fk.label}`);
    } catch (e) {
      report.failed.push({ object: `foreign key ${fk.label}`, error: serverMessage(e) });
      log(`foreign key ${fk.label} failed: ${serverMessage(e)}`);
    }
  }
}

// ---- views, routines, triggers (whole-database selections only)

/** Source → destination names of every database and table of the task, for rewriting qualified names. */
class NameMap {
  private readonly dbs = new Map<string, { target: string; tables: Map<string, TableMapping>; objects: Set<string> }>();

  constructor(mappings: readonly DatabaseMapping[]) {
    for (const d of mappings) {
      const s = d.source;
      this.dbs.set(s.name, {
        target: d.target,
        tables: new Map(d.tables.map((t) => [t.source.name, t])),
        objects: new Set([...s.tables.map((t) => t.name), ...s.views, ...s.routines.map((r) => r.name)]),
      });
    }
  }

  table(db: string, table: string): TableMapping | undefined {
    return this.dbs.get(db)?.tables.get(table);
  }

  /**
   * Rewrites `db`.`object` and `db`.`table`.`column` references to databases of the task. A two-part
   * name is only taken for db.object when `object` exists there (it may also be table.column).
   */
  rewrite(tokens: readonly SqlToken[]): string {
    let out = '';
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      const db = isName(t) ? this.dbs.get(identValue(t)) : undefined;
      const obj = tokens[i + 2];
      if (db && tokens[i + 1]?.text === '.' && obj && isName(obj) && db.objects.has(identValue(obj))) {
        const tm = db.tables.get(identValue(obj));
        out += `${quoteIdent(db.target)}.${quoteIdent(tm ? tm.target.table : identValue(obj))}`;
        i += 2;
        const col = tokens[i + 2];
        if (tm && tokens[i + 1]?.text === '.' && col && isName(col)) {
          const c = tm.columns.find((x) => x.source.name.toLowerCase() === identValue(col).toLowerCase());
          out += `.${quoteIdent(c ? c.target : identValue(col))}`;
          i += 2;
        }
        continue;
      }
      out += t.text;
    }
    return out;
  }
}

function isName(t: SqlToken): boolean {
  return t.kind === 'ident' || (t.kind === 'word' && !/^\d/.test(t.text));
}

const DEFINER = /\bDEFINER\s*=\s*(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'|[\w.%$-]+)(?:\s*@\s*(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'|[\w.%:$-]+))?\s*|\bDEFINER\s*=\s*CURRENT_USER(?:\(\))?\s*/i;

interface Parsed {
  /** Statement text up to the object keyword, DEFINER removed, starting with "CREATE". */
  readonly head: string;
  readonly tokens: SqlToken[];
  /** Index in `tokens` just after the object's (possibly qualified) name. */
  readonly afterName: number;
}

/** Splits `CREATE ... <KEYWORD> [IF NOT EXISTS] name ...` (as SHOW CREATE prints it) around the name. */
function parseCreate(sql: string, keyword: string, noBackslashEscapes: boolean): Parsed {
  const tokens = scanSql(sql, noBackslashEscapes);
  let i = tokens.findIndex((t) => t.kind === 'word' && t.text.toUpperCase() === keyword);
  if (i < 0) throw new Error(`not a CREATE ${keyword} statement`);
  const headText = sql.slice(0, tokens[i]!.start).replace(DEFINER, '').replace(/^\s*CREATE\s+(OR\s+REPLACE\s+)?/i, '');
  i++;
  const significant = () => {
    while (i < tokens.length && (tokens[i]!.kind === 'space' || tokens[i]!.kind === 'comment')) i++;
  };
  significant();
  if (tokens[i]?.text.toUpperCase() === 'IF') {
    for (const w of ['IF', 'NOT', 'EXISTS']) {
      significant();
      if (tokens[i]?.text.toUpperCase() !== w) throw new Error('malformed IF NOT EXISTS');
      i++;
    }
    significant();
  }
  if (!tokens[i] || !isName(tokens[i]!)) throw new Error(`no ${keyword.toLowerCase()} name`);
  i++;
  if (tokens[i]?.text === '.' && tokens[i + 1] && isName(tokens[i + 1]!)) i += 2;
  return { head: `CREATE ${headText}${keyword}`, tokens, afterName: i };
}

async function showCreate(conn: Connection, sql: string, column: string): Promise<{ text: string; sqlMode: string | null }> {
  const [rows] = await conn.query<Row[]>(sql);
  const r = rows[0];
  const v = r?.[column];
  if (v === null || v === undefined) throw new Error(`${sql} returned no definition (the source account may lack the privilege to read it)`);
  return { text: text(v), sqlMode: r?.sql_mode === undefined ? null : text(r.sql_mode) };
}

async function syncViews(src: Connection, dest: Connection, d: DatabaseMapping, names: NameMap, report: Report, log: (l: string) => void): Promise<void> {
  let pending: Array<{ name: string; sql: string }> = [];
  for (const v of d.source.views) {
    const object = `view ${d.target}.${v}`;
    try {
      const def = await showCreate(src, `SHOW CREATE VIEW ${qualified(d.source.name, v)}`, 'Create View');
      const p = parseCreate(def.text, 'VIEW', false);
      const body = names.rewrite(p.tokens.slice(p.afterName));
      pending.push({ name: v, sql: `${p.head.replace(/^CREATE /, 'CREATE OR REPLACE ')} ${qualified(d.target, v)}${body}` });
    } catch (e) {
      report.failed.push({ object, error: serverMessage(e) });
    }
  }
  // A view over a view needs the inner one first: retry the failures while a round makes progress.
  while (pending.length > 0) {
    const failures: Array<{ name: string; sql: string; error: string }> = [];
    for (const v of pending) {
      try {
        await dest.query(v.sql);
        report.created.push(`view ${d.target}.${v.name}`);
        log(`created view ${d.target}.${v.name}`);
      } catch (e) {
        failures.push({ ...v, error: serverMessage(e) });
      }
    }
    if (failures.length === pending.length) {
      for (const f of failures) {
        report.failed.push({ object: `view ${d.target}.${f.name}`, error: f.error });
        log(`view ${d.target}.${f.name} failed: ${f.error}`);
      }
      break;
    }
    pending = failures;
  }
}

async function syncRoutines(src: Connection, dest: Connection, d: DatabaseMapping, names: NameMap, flavor: ServerFlavor, report: Report, log: (l: string) => void): Promise<void> {
  for (const r of d.source.routines) {
    await replaceStoredObject(dest, flavor, `${r.type.toLowerCase()} ${d.target}.${r.name}`, report, log, async () => {
      const def = await showCreate(src, `SHOW CREATE ${r.type} ${qualified(d.source.name, r.name)}`, r.type === 'FUNCTION' ? 'Create Function' : 'Create Procedure');
      const p = parseCreate(def.text, r.type, noBackslashEscapes(def.sqlMode));
      const target = qualified(d.target, r.name);
      return { keyword: r.type, target, sql: `${p.head} ${target}${names.rewrite(p.tokens.slice(p.afterName))}`, sqlMode: def.sqlMode };
    });
  }
}

async function syncTriggers(src: Connection, dest: Connection, d: DatabaseMapping, names: NameMap, flavor: ServerFlavor, report: Report, log: (l: string) => void): Promise<void> {
  if (d.source.triggers.length === 0) return;
  // Created in the source's firing order, so each lands last in its (table, timing, event) group as there.
  const [order] = await src.query<Row[]>(
    `SELECT TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
     ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`,
    [d.source.name],
  );
  for (const row of order) {
    const name = text(row.n);
    await replaceStoredObject(dest, flavor, `trigger ${d.target}.${name}`, report, log, async () => {
      const table = names.table(d.source.name, text(row.t));
      if (!table) throw new Error(`its table ${d.source.name}.${text(row.t)} is not synchronized`);
      const def = await showCreate(src, `SHOW CREATE TRIGGER ${qualified(d.source.name, name)}`, 'SQL Original Statement');
      const target = qualified(d.target, name);
      return { keyword: 'TRIGGER', target, sql: triggerStatement(def.text, target, table, names, noBackslashEscapes(def.sqlMode)), sqlMode: def.sqlMode };
    });
  }
}

interface StoredObjectDefinition {
  readonly keyword: 'FUNCTION' | 'PROCEDURE' | 'TRIGGER';
  readonly target: string;
  /** `CREATE ...` (without OR REPLACE). */
  readonly sql: string;
  readonly sqlMode: string | null;
}

/**
 * Creates (or replaces) the routine or trigger `define` returns, under its sql_mode, and reports it as `object`.
 * MariaDB has CREATE OR REPLACE for these; MySQL does not, so there it is dropped first.
 */
async function replaceStoredObject(
  dest: Connection,
  flavor: ServerFlavor,
  object: string,
  report: Report,
  log: (l: string) => void,
  define: () => Promise<StoredObjectDefinition>,
): Promise<void> {
  try {
    const def = await define();
    await withSqlMode(dest, def.sqlMode, async () => {
      if (flavor === 'mariadb') await dest.query(def.sql.replace(/^CREATE /, 'CREATE OR REPLACE '));
      else {
        await dest.query(`DROP ${def.keyword} IF EXISTS ${def.target}`);
        await dest.query(def.sql);
      }
    });
    report.created.push(object);
    log(`created ${object}`);
  } catch (e) {
    report.failed.push({ object, error: serverMessage(e) });
    log(`${object} failed: ${serverMessage(e)}`);
  }
}

/**
 * `CREATE TRIGGER <target> <timing> <event> ON <table> FOR EACH ROW IF @fc_dts_apply IS NULL THEN <body>; END IF`.
 * A FOLLOWS/PRECEDES clause is dropped: triggers are created in firing order instead.
 */
function triggerStatement(original: string, target: string, table: TableMapping, names: NameMap, noBackslash: boolean): string {
  const p = parseCreate(original, 'TRIGGER', noBackslash);
  const { tokens } = p;
  const words: number[] = [];
  for (let i = p.afterName; i < tokens.length; i++) if (tokens[i]!.kind !== 'space' && tokens[i]!.kind !== 'comment') words.push(i);
  const w = (k: number) => tokens[words[k]!]?.text.toUpperCase();
  // <timing> <event> ON <table> [. <table>] FOR EACH ROW [FOLLOWS|PRECEDES name [. name]] <body>
  if (w(2) !== 'ON') throw new Error('cannot find ON <table> in the trigger definition');
  const timingEvent = tokens.slice(p.afterName, words[2]!).map((t) => t.text).join('');
  let k = 4;
  if (tokens[words[k]!]?.text === '.') k += 2;
  if (w(k) !== 'FOR' || w(k + 1) !== 'EACH' || w(k + 2) !== 'ROW') throw new Error('cannot find FOR EACH ROW in the trigger definition');
  k += 3;
  if (w(k) === 'FOLLOWS' || w(k) === 'PRECEDES') {
    k += 2;
    if (tokens[words[k]!]?.text === '.') k += 2;
  }
  const bodyStart = words[k];
  if (bodyStart === undefined) throw new Error('the trigger has no body');
  let end = tokens.length;
  while (end > bodyStart && (tokens[end - 1]!.kind === 'space' || tokens[end - 1]!.kind === 'comment' || tokens[end - 1]!.text === ';')) end--;
  const body = names.rewrite(tokens.slice(bodyStart, end));
  return `${p.head} ${target}${timingEvent}ON ${qualified(table.target.database, table.target.table)} FOR EACH ROW IF ${APPLY_SESSION_VARIABLE} IS NULL THEN ${body}; END IF`;
}

function noBackslashEscapes(sqlMode: string | null): boolean {
  return sqlMode !== null && /\bNO_BACKSLASH_ESCAPES\b/i.test(sqlMode);
}

/** Runs `fn` with the session sql_mode the object was defined under (routines and triggers keep it). */
async function withSqlMode(conn: Connection, mode: string | null, fn: () => Promise<void>): Promise<void> {
  if (mode === null) return fn();
  const [[row]] = await conn.query<Row[]>('SELECT @@SESSION.sql_mode AS m');
  const previous = text(row?.m);
  try {
    await conn.query('SET SESSION sql_mode = ?', [mode]);
  } catch {
    // A mode the destination does not know (e.g. MySQL 8 dropped NO_AUTO_CREATE_USER): keep the session's.
    return fn();
  }
  try {
    await fn();
  } finally {
    await conn.query('SET SESSION sql_mode = ?', [previous]);
  }
}

function serverMessage(e: unknown): string {
  const err = e as { sqlMessage?: string; message?: string };
  return err.sqlMessage ?? err.message ?? String(e);
}
