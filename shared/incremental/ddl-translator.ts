/**
 * Decides whether a DDL statement read from the source's binlog is applied to the destination and, if
 * so, rewrites it there: database and table names mapped as the task maps them (`as`, capitalization),
 * DEFINER clauses removed, every other byte (comments, literals, version comments) kept.
 *
 * The statement is tokenized, not parsed: each supported statement kind is recognized by its leading
 * keywords, and only the positions where that kind names a table (or view, or routine) are read. The
 * contents of executable comments (`/*!50001 ... *\/`, `/*M!100100 ... *\/`) count as statement text,
 * as they do for the server that ran them.
 */
import type { TableRef } from '../change/change-event.ts';
import { quoteIdent } from '../mysql/identifier.ts';
import { nameAt, nameList, Statement, type NameRef } from '../mysql/sql-statement.ts';
import { applyCapitalization } from '../task/object-mapper.ts';
import type { ObjectSelection, TableSelection, Task } from '../task/task.ts';
import { destinationOf } from '../destinations/registry.ts';

export type DdlKind =
  | 'create-table'
  | 'alter-table'
  | 'drop-table'
  | 'rename-table'
  | 'truncate-table'
  | 'create-index'
  | 'drop-index'
  | 'create-view'
  | 'alter-view'
  | 'drop-view'
  | 'create-function'
  | 'create-procedure'
  | 'drop-function'
  | 'drop-procedure'
  | 'other';

export interface DdlTranslation {
  readonly kind: DdlKind;
  /** Statement for the destination, object names rewritten, DEFINER removed. */
  readonly sql: string;
  /** Destination database to run it in. */
  readonly database: string;
  /** Destination tables it touches (the barrier); a view's own name counts, routines touch none. */
  readonly tables: readonly TableRef[];
  /** Source tables it touches, "db.table" (old and new names of a rename): the caller refreshes its schema knowledge of these. */
  readonly sourceTables: readonly string[];
}

export type DdlDecision =
  | { readonly apply: true; readonly translation: DdlTranslation }
  | {
      readonly apply: false;
      readonly reason: string;
      /**
       * Source tables the statement names, when it could be read: the source schema may have changed
       * even though the destination is left alone (e.g. ALTER TABLE on a column-mapped table).
       */
      readonly sourceTables?: readonly string[];
      /** The same tables as resolved names (a database or table name may itself hold a dot). */
      readonly sourceRefs?: readonly TableRef[];
      /** The statement's leading keywords ("ALTER TABLE"), when it could be read. */
      readonly label?: string;
    };

export interface TranslateOptions {
  /** The statement's sql_mode has NO_BACKSLASH_ESCAPES (a backslash in a string literal is literal). */
  readonly noBackslashEscapes?: boolean;
}

/** `defaultDatabase`: the statement's default database from the binlog query event (may be ''). */
export function translateDdl(sql: string, defaultDatabase: string, task: Task, options: TranslateOptions = {}): DdlDecision {
  const s = new Statement(sql, options.noBackslashEscapes ?? false);
  const p = parseStatement(s);
  if (p.kind === 'other') {
    return { apply: false, reason: p.unreadable ? `${p.label}: cannot read its ${p.unreadable}, so it is not applied` : `${p.label} is not a DDL statement fc-dts synchronizes` };
  }

  const names = new Names(task, defaultDatabase);
  const unqualified = [...p.tables.map((t) => t.ref), ...p.renames.flat(), ...p.objects].find((r) => r.db === null);
  if (unqualified && defaultDatabase === '') {
    return { apply: false, reason: `${p.label} names ${unqualified.name} without a database, and the statement has no default database` };
  }
  const resolved = resolveNamed(p, names);
  const { tables, renames, objects, sourceTables, sourceRefs } = resolved;
  const reject = (reason: string): DdlDecision => ({ apply: false, reason, sourceTables, sourceRefs, label: p.label });

  const policy = destinationOf(task).ddl;
  if (policy.applies === false) return reject(policy.refusal(p.kind));
  if (!task.sync.ddl) return reject('DDL synchronization is off (sync.ddl: false)');
  if (p.temporary) return reject(`${p.label}: temporary tables are not synchronized`);
  if (p.unsupported) return reject(`${p.label}: ${p.unsupported}`);

  const refusal = selectionProblem(p, resolved, names, defaultDatabase);
  if (refusal) return reject(refusal);

  const named = [...tables.map((t) => t.r), ...renames.flat(), ...objects];
  const database = names.selection(defaultDatabase) ? names.destDb(defaultDatabase) : named[0]?.destDb;
  if (database === undefined) return reject(`${p.label}: names no object`);

  // Names a rename passes through (RENAME TABLE a TO tmp, b TO a, tmp TO b) live in the same destination database.
  const destOf = (r: Resolved): TableRef => r.dest ?? { database: r.destDb!, table: applyCapitalization(r.name, task.sync.capitalization) };
  // Views keep their source names (as schema synchronization creates them); routines hold no rows.
  const views = p.kind.endsWith('-view') ? objects.map((o) => ({ database: o.destDb!, table: o.name })) : [];
  const barrier = [...tables.map((t) => destOf(t.r)), ...renames.flat().map(destOf), ...views];
  const translation: DdlTranslation = {
    kind: p.kind,
    sql: rewrite(s, p, resolved, names, destOf),
    database,
    tables: uniqueBy(barrier, (t) => `${t.database}\0${t.table}`),
    sourceTables,
  };
  const refused = policy.applies === 'some' ? policy.refusal(translation, task.destination) : undefined;
  return refused === undefined ? { apply: true, translation } : reject(refused);
}

/**
 * Why the task's selection keeps the statement from the destination; undefined when every object it
 * names is synchronized as the statement needs.
 */
function selectionProblem(p: Parsed, resolved: ResolvedNames, names: Names, defaultDatabase: string): string | undefined {
  const { tables, renames, objects } = resolved;
  for (const o of objects) {
    if (!o.sel) return `${p.label} ${o.key}: database ${o.db} is not synchronized by the task`;
    if (o.sel.tables) return `${p.label} ${o.key}: views, functions and procedures follow only whole-database selections, and the task selects tables of ${o.db} one by one`;
  }
  if ((p.kind === 'create-view' || p.kind === 'alter-view') && defaultDatabase !== '' && !names.selection(defaultDatabase)) {
    // The view's unqualified names were resolved against this database, which the destination lacks.
    return `${p.label} ${objects[0]?.key ?? ''}: its unqualified names refer to database ${defaultDatabase}, which the task does not synchronize`;
  }

  const outside = tables.filter((t) => !t.r.dest).map((t) => t.r.key);
  if (outside.length > 0) {
    const synced = tables.some((t) => t.r.dest) || renames.flat().some((r) => r.dest);
    return `${p.label} ${synced ? 'also names' : 'names'} ${unique(outside).join(', ')}, which the task does not synchronize`;
  }
  const renameProblem = checkRenames(renames);
  if (renameProblem) return `${p.label}: ${renameProblem}`;

  if (p.kind !== 'drop-table' && p.kind !== 'truncate-table' && p.kind !== 'rename-table') {
    const mapped = [...tables.map((t) => t.r), ...renames.flat()].find((r) => r.table?.columns);
    if (mapped) {
      return `${p.label} on ${mapped.key}, which the task synchronizes with a column mapping: the destination schema differs from the source's, so change it by hand`;
    }
  }

  const through = renames.flat().find((r) => !r.dest && r.destDb === undefined);
  if (through) return `${p.label}: renames through ${through.key}, in a database the task does not synchronize`;
  return undefined;
}

interface ResolvedNames {
  readonly tables: ReadonlyArray<{ readonly ref: NameRef; readonly r: Resolved }>;
  /** Parallel to Parsed.renames. */
  readonly renames: ReadonlyArray<readonly [Resolved, Resolved]>;
  /** Parallel to Parsed.objects. */
  readonly objects: readonly Resolved[];
  readonly sourceTables: string[];
  readonly sourceRefs: TableRef[];
}

function resolveNamed(p: Parsed, names: Names): ResolvedNames {
  const tables = p.tables.map((t) => ({ ...t, r: names.resolve(t.ref) }));
  const renames = p.renames.map(([a, b]) => [names.resolve(a), names.resolve(b)] as const);
  const objects = p.objects.map((o) => names.resolve(o));
  const sourceTables = unique([...tables.map((t) => t.r.key), ...renames.flat().map((r) => r.key)]);
  const sourceRefs = uniqueBy(
    [...tables.map((t) => t.r), ...renames.flat()].map((r): TableRef => ({ database: r.db, table: r.name })),
    (r) => `${r.database}\0${r.table}`,
  );
  return { tables, renames, objects, sourceTables, sourceRefs };
}

/** The statement for the destination: names mapped, DEFINER clauses removed, every other token as it was. */
function rewrite(s: Statement, p: Parsed, r: ResolvedNames, names: Names, destOf: (r: Resolved) => TableRef): string {
  const edits = new Map<number, string>();
  for (const [from, to] of p.definers) for (let i = from; i <= to; i++) edits.set(i, '');
  const rename = (ref: NameRef, resolved: Resolved, target: TableRef | null) => {
    if (ref.dbToken !== null && resolved.destDb !== undefined && resolved.destDb !== resolved.db) edits.set(ref.dbToken, quoteIdent(resolved.destDb));
    if (target && target.table !== resolved.name) edits.set(ref.nameToken, quoteIdent(target.table));
  };
  r.tables.forEach((t) => rename(t.ref, t.r, destOf(t.r)));
  p.renames.forEach(([a, b], i) => {
    rename(a, r.renames[i]![0], destOf(r.renames[i]![0]));
    rename(b, r.renames[i]![1], destOf(r.renames[i]![1]));
  });
  p.objects.forEach((o, i) => rename(o, r.objects[i]!, null));
  if (p.body !== null) rewriteQualifiedNames(s, p.body, names, edits);
  return s.tokens.map((t, i) => edits.get(i) ?? t.text).join('');
}

// ---------------------------------------------------------------------------------------------------
// Statement shapes

interface Parsed {
  kind: DdlKind;
  /** The statement's leading keywords, for messages ("ALTER TABLE"). */
  label: string;
  /** Tables it names (other than through a rename). */
  tables: Array<{ readonly ref: NameRef }>;
  /** old → new, in statement order (RENAME TABLE, ALTER TABLE ... RENAME TO). */
  renames: Array<[NameRef, NameRef]>;
  /** Views, functions and procedures it names. */
  objects: NameRef[];
  /** Significant-token position where a view's or routine's body starts (qualified names in it are mapped), else null. */
  body: number | null;
  /** Inclusive token ranges of DEFINER clauses (and the spaces after them). */
  definers: Array<[number, number]>;
  temporary: boolean;
  /** Why a recognized statement is still not applied (e.g. CREATE TABLE ... SELECT). */
  unsupported?: string;
  /** With kind 'other': the part of a recognized statement that could not be read. */
  unreadable?: string;
}

/** `DEFINER = user[@host] | CURRENT_USER[()] | CURRENT_ROLE[()]` at `p`: the token range to delete and the position after it. */
function definerAt(s: Statement, p: number): { range: [number, number]; next: number } | undefined {
  let q = p + 2;
  const spec = s.token(q);
  if (!spec) return undefined;
  let end: number;
  if (s.word(q) === 'CURRENT_USER' || s.word(q) === 'CURRENT_ROLE') {
    end = s.text(q + 1) === '(' && s.text(q + 2) === ')' ? s.flat(q + 2) : s.flat(q);
  } else if (spec.kind === 'ident' || spec.kind === 'string' || spec.kind === 'word') {
    end = s.flat(q);
    if (s.text(q + 1) === '@') {
      // A host is one quoted token or bare pieces written together: localhost, 10.0.%, db-host.example.
      let i = s.flat(q + 2);
      const first = s.tokens[i];
      if (first && (first.kind === 'ident' || first.kind === 'string')) end = i;
      else {
        while (s.tokens[i] && (s.tokens[i]!.kind === 'word' || ['.', '-', '%'].includes(s.tokens[i]!.text))) end = i++;
      }
    }
  } else return undefined;
  while (s.tokens[end + 1]?.kind === 'space') end++;
  q = s.sig.findIndex((i) => i > end);
  return { range: [s.flat(p), end], next: q < 0 ? s.length : q };
}

function parseStatement(s: Statement): Parsed {
  const verb = s.word(0);
  const out: Parsed = { kind: 'other', label: verb ?? (s.length === 0 ? 'an empty statement' : (s.text(0) ?? '')), tables: [], renames: [], objects: [], body: null, definers: [], temporary: false };
  switch (verb) {
    case 'CREATE':
    case 'ALTER':
      return parseCreateOrAlter(s, verb, out);
    case 'DROP':
      return parseDrop(s, out);
    case 'RENAME':
      return parseRename(s, out);
    case 'TRUNCATE':
      return parseTruncate(s, out);
    default:
      return out;
  }
}

/** A recognized statement whose `what` could not be read: kind 'other', with what was read so far. */
function unreadable(out: Parsed, what: string): Parsed {
  return { ...out, kind: 'other', unreadable: what };
}

function parseCreateOrAlter(s: Statement, verb: 'CREATE' | 'ALTER', out: Parsed): Parsed {
  let p = skipCreateOptions(s, out);
  if (p === undefined) return unreadable(out, 'DEFINER');
  const object = s.word(p);
  out.label = `${verb} ${object ?? s.text(p) ?? ''}`.trim();
  p++;
  if (object === 'TABLE') return parseTable(s, verb, p, out);
  if (object === 'INDEX' && verb === 'CREATE') {
    p = s.skip(p, 'IF', 'NOT', 'EXISTS');
    return indexOn(s, p + 1, out, 'create-index') ?? unreadable(out, 'ON table');
  }
  if (object === 'VIEW' || ((object === 'FUNCTION' || object === 'PROCEDURE') && verb === 'CREATE')) {
    return parseViewOrRoutine(s, verb, object, p, out);
  }
  return out;
}

/** The words between CREATE/ALTER and the object kind (OR REPLACE, TEMPORARY, DEFINER = ..., ...): the position after them, undefined on an unreadable DEFINER. */
function skipCreateOptions(s: Statement, out: Parsed): number | undefined {
  let p = 1;
  for (;;) {
    const w = s.word(p);
    if (w === 'OR' && s.word(p + 1) === 'REPLACE') p += 2;
    else if (w === 'TEMPORARY') (out.temporary = true), p++;
    else if (w === 'UNIQUE' || w === 'FULLTEXT' || w === 'SPATIAL' || w === 'ONLINE' || w === 'OFFLINE' || w === 'AGGREGATE' || w === 'IGNORE') p++;
    else if (w === 'ALGORITHM' && s.text(p + 1) === '=') p += 3;
    else if (w === 'SQL' && s.word(p + 1) === 'SECURITY') p += 3;
    else if (w === 'DEFINER' && s.text(p + 1) === '=') {
      const d = definerAt(s, p);
      if (!d) return undefined;
      out.definers.push(d.range);
      p = d.next;
    } else return p;
  }
}

/** CREATE/ALTER TABLE from the position after TABLE. */
function parseTable(s: Statement, verb: 'CREATE' | 'ALTER', p: number, out: Parsed): Parsed {
  p = verb === 'CREATE' ? s.skip(p, 'IF', 'NOT', 'EXISTS') : s.skip(p, 'IF', 'EXISTS');
  const n = nameAt(s, p);
  if (!n) return unreadable(out, 'table name');
  out.kind = verb === 'CREATE' ? 'create-table' : 'alter-table';
  out.tables.push({ ref: n.ref });
  const like = s.word(n.next) === 'LIKE' ? n.next + 1 : s.text(n.next) === '(' && s.word(n.next + 1) === 'LIKE' ? n.next + 2 : -1;
  if (like >= 0) {
    const l = nameAt(s, like);
    if (!l) return unreadable(out, 'LIKE table');
    out.tables.push({ ref: l.ref });
  } else if (!scanTableTail(s, n.next, out, n.ref)) return unreadable(out, 'table definition');
  return out;
}

/** CREATE/ALTER VIEW, CREATE FUNCTION/PROCEDURE from the position after the object kind. */
function parseViewOrRoutine(s: Statement, verb: 'CREATE' | 'ALTER', object: 'VIEW' | 'FUNCTION' | 'PROCEDURE', p: number, out: Parsed): Parsed {
  const n = nameAt(s, s.skip(p, 'IF', 'NOT', 'EXISTS'));
  if (!n) return unreadable(out, 'name');
  out.kind = `${verb.toLowerCase()}-${object.toLowerCase()}` as DdlKind;
  out.objects.push(n.ref);
  out.body = n.next;
  if (object === 'FUNCTION' && hasWord(s, n.next, 'SONAME')) out.unsupported = 'loadable (SONAME) functions are not synchronized';
  return out;
}

function parseDrop(s: Statement, out: Parsed): Parsed {
  let p = 1;
  if (s.word(p) === 'TEMPORARY') (out.temporary = true), p++;
  const object = s.word(p);
  out.label = `DROP ${object ?? ''}`.trim();
  p = s.skip(p + 1, 'IF', 'EXISTS');
  if (object === 'TABLE' || object === 'TABLES') {
    const l = nameList(s, p);
    if (!l) return unreadable(out, 'table name');
    out.kind = 'drop-table';
    out.label = 'DROP TABLE';
    out.tables.push(...l.refs.map((ref) => ({ ref })));
  } else if (object === 'INDEX') {
    return indexOn(s, p + 1, out, 'drop-index') ?? unreadable(out, 'ON table');
  } else if (object === 'VIEW' || object === 'FUNCTION' || object === 'PROCEDURE') {
    const l = nameList(s, p);
    if (!l) return unreadable(out, 'name');
    out.kind = `drop-${object.toLowerCase()}` as DdlKind;
    out.objects.push(...l.refs);
  }
  return out;
}

/** `RENAME TABLE a TO b [, c TO d ...]`, each old name optionally followed by WAIT n or NOWAIT. */
function parseRename(s: Statement, out: Parsed): Parsed {
  if (s.word(1) !== 'TABLE' && s.word(1) !== 'TABLES') return { ...out, label: `RENAME ${s.word(1) ?? ''}`.trim() };
  out.kind = 'rename-table';
  out.label = 'RENAME TABLE';
  let p = s.skip(2, 'IF', 'EXISTS');
  for (;;) {
    const a = nameAt(s, p);
    if (!a) return unreadable(out, 'table name');
    p = s.word(a.next) === 'WAIT' ? a.next + 2 : s.skip(a.next, 'NOWAIT');
    if (s.word(p) !== 'TO') return unreadable(out, 'TO');
    const b = nameAt(s, p + 1);
    if (!b) return unreadable(out, 'new table name');
    out.renames.push([a.ref, b.ref]);
    if (s.text(b.next) !== ',') return out;
    p = b.next + 1;
  }
}

function parseTruncate(s: Statement, out: Parsed): Parsed {
  const n = nameAt(s, s.skip(1, 'TABLE'));
  if (!n) return unreadable(out, 'table name');
  out.kind = 'truncate-table';
  out.label = 'TRUNCATE TABLE';
  out.tables.push({ ref: n.ref });
  return out;
}

/** `... ON table` of CREATE/DROP INDEX: the first ON from `p` is followed by the table. */
function indexOn(s: Statement, p: number, out: Parsed, kind: DdlKind): Parsed | undefined {
  while (p < s.length && s.word(p) !== 'ON') p++;
  const n = nameAt(s, p + 1);
  if (!n) return undefined;
  out.kind = kind;
  out.label = kind === 'create-index' ? 'CREATE INDEX' : 'DROP INDEX';
  out.tables.push({ ref: n.ref });
  return out;
}

function hasWord(s: Statement, from: number, word: string): boolean {
  for (let p = from; p < s.length; p++) if (s.word(p) === word) return true;
  return false;
}

/**
 * The rest of CREATE/ALTER TABLE after the table's name: tables named by REFERENCES, UNION=(...),
 * ALTER's `RENAME [TO|AS] t` and `... TABLE t` (EXCHANGE PARTITION ... WITH TABLE, CONVERT ... TABLE).
 * These words are reserved, so as bare words they are keywords. False on a name that cannot be read.
 */
function scanTableTail(s: Statement, from: number, out: Parsed, subject: NameRef): boolean {
  const alter = out.kind === 'alter-table';
  let depth = 0;
  for (let p = from; p < s.length; p++) {
    const t = s.text(p);
    const w = s.word(p);
    if (t === '(') depth++;
    else if (t === ')') depth--;
    else if (w === 'REFERENCES' || (alter && w === 'TABLE')) {
      const n = nameAt(s, p + 1);
      if (!n) return false;
      out.tables.push({ ref: n.ref });
      p = n.next - 1;
    } else if (w === 'UNION' && (s.text(p + 1) === '(' || (s.text(p + 1) === '=' && s.text(p + 2) === '('))) {
      const l = nameList(s, s.text(p + 1) === '(' ? p + 2 : p + 3);
      if (!l) return false;
      out.tables.push(...l.refs.map((ref) => ({ ref })));
      p = l.next - 1;
    } else if (!alter && (w === 'SELECT' || (depth === 0 && w === 'AS'))) {
      // A row-based binlog logs CREATE TABLE ... SELECT as a plain CREATE TABLE plus row events.
      out.unsupported = 'CREATE TABLE ... SELECT is not synchronized as a statement';
    } else if (alter && w === 'RENAME' && !['COLUMN', 'INDEX', 'KEY', 'CONSTRAINT'].includes(s.word(p + 1) ?? '')) {
      const n = nameAt(s, s.word(p + 1) === 'TO' || s.word(p + 1) === 'AS' ? p + 2 : p + 1);
      if (!n) return false;
      out.renames.push([subject, n.ref]);
      p = n.next - 1;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Names

interface Resolved {
  readonly db: string;
  readonly name: string;
  /** "db.name" */
  readonly key: string;
  readonly sel: ObjectSelection | undefined;
  /** The table's entry in a table-list selection. */
  readonly table: TableSelection | undefined;
  /** Destination database, when `db` is selected at all. */
  readonly destDb: string | undefined;
  /** Destination table, when the table is synchronized. */
  readonly dest: TableRef | undefined;
}

/** The task's name mapping, as object-mapper's resolveObjects applies it, without a catalog. */
class Names {
  constructor(
    private readonly task: Task,
    private readonly defaultDatabase: string,
  ) {}

  selection(db: string): ObjectSelection | undefined {
    return db === '' ? undefined : this.task.objects.find((o) => o.database === db);
  }

  destDb(db: string): string | undefined {
    const sel = this.selection(db);
    return sel ? (sel.as ?? applyCapitalization(sel.database, this.task.sync.capitalization)) : undefined;
  }

  resolve(ref: NameRef): Resolved {
    const db = ref.db ?? this.defaultDatabase;
    const sel = this.selection(db);
    const destDb = this.destDb(db);
    const table = sel?.tables?.find((t) => t.name === ref.name);
    const cap = this.task.sync.capitalization;
    const destTable = !sel ? undefined : !sel.tables ? applyCapitalization(ref.name, cap) : table ? (table.as ?? applyCapitalization(table.name, cap)) : undefined;
    return { db, name: ref.name, key: `${db}.${ref.name}`, sel, table, destDb, dest: destDb !== undefined && destTable !== undefined ? { database: destDb, table: destTable } : undefined };
  }
}

/**
 * The net effect of a list of renames: every table that holds synchronized data must end under a
 * synchronized name, and no synchronized name may end up holding data the destination lacks. Names
 * used only on the way (a swap through a temporary name) need not be synchronized.
 */
function checkRenames(pairs: ReadonlyArray<readonly [Resolved, Resolved]>): string | undefined {
  const holder = new Map<string, { origin: Resolved; now: Resolved }>();
  for (const [a, b] of pairs) {
    const origin = holder.get(a.key)?.origin ?? a;
    holder.delete(a.key);
    holder.set(b.key, { origin, now: b });
  }
  for (const { origin, now } of holder.values()) {
    if (origin.key === now.key) continue;
    if (origin.dest && !now.dest) {
      return `renames ${origin.key} to ${now.key}, which the task does not synchronize: the table's data stops syncing to the destination (select the whole database, or list the new name too)`;
    }
    if (!origin.dest && now.dest) {
      return `renames ${origin.key}, which the task does not synchronize, to ${now.key}: the destination has no copy of that table's data (synchronize it again with a full load)`;
    }
    if (!origin.dest && !now.dest) return `renames ${origin.key} to ${now.key}, which the task does not synchronize`;
    if (JSON.stringify(origin.table?.columns) !== JSON.stringify(now.table?.columns)) {
      return `renames ${origin.key} to ${now.key}, which the task synchronizes with a different column mapping: the destination schema would not match, so rename it by hand`;
    }
  }
  return undefined;
}

/**
 * Inside a view's or routine's body only `db`.`object`[.`column`] references are mapped, and only
 * when `db` is a database of the task: unqualified names there need a full SQL parser to tell tables
 * from columns, aliases and variables.
 */
function rewriteQualifiedNames(s: Statement, from: number, names: Names, edits: Map<number, string>): void {
  for (let p = from; p < s.length; p++) {
    if (!s.isName(p) || s.text(p + 1) !== '.' || !s.isName(p + 2) || s.text(p - 1) === '.') continue;
    const n = nameAt(s, p)!;
    const r = names.resolve(n.ref);
    if (r.destDb === undefined) continue;
    if (r.destDb !== r.db) edits.set(n.ref.dbToken!, quoteIdent(r.destDb));
    if (r.dest && r.dest.table !== r.name) edits.set(n.ref.nameToken, quoteIdent(r.dest.table));
    p += 2;
  }
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function uniqueBy<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const x of xs) if (!seen.has(key(x))) seen.set(key(x), x);
  return [...seen.values()];
}
