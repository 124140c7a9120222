/**
 * Reads a statement from the binlog as the schema history needs it (parsed-ddl.ts). Built on the
 * repository's own tokenizer rather than node-sql-parser: see docs/schema-history.md for what that
 * library got wrong on the forms the history must read.
 */
import { Statement } from '../mysql/sql-statement.ts';
import { parseAlterActions } from './alter-table-parser.ts';
import { DdlCursor, UnreadableDdl, type QualifiedName } from './ddl-cursor.ts';
import { parseKeySpecAfterKind, parseTableBody, parseTableOptions } from './create-table-parser.ts';
import type { ParsedDdl } from './parsed-ddl.ts';

export function parseDdl(sql: string, options: { readonly noBackslashEscapes?: boolean } = {}): ParsedDdl {
  const c = new DdlCursor(new Statement(sql, options.noBackslashEscapes ?? false), options.noBackslashEscapes ?? false);
  const named: QualifiedName[] = [];
  const label = [c.word(), c.word(1)].filter((w) => w !== undefined).join(' ') || 'an empty statement';
  try {
    return parseStatement(c, named, label);
  } catch (e) {
    if (!(e instanceof UnreadableDdl)) throw e;
    return { kind: 'unreadable', label, reason: e.message, tables: named };
  }
}

function parseStatement(c: DdlCursor, named: QualifiedName[], label: string): ParsedDdl {
  const verb = c.word();
  c.p++;
  if (verb === 'CREATE') return parseCreate(c, named, label);
  if (verb === 'ALTER') return parseAlter(c, named, label);
  if (verb === 'DROP') return parseDrop(c, named, label);
  if (verb === 'RENAME' && (c.accept('TABLE') || c.accept('TABLES'))) return parseRename(c, named);
  if (verb === 'TRUNCATE') {
    c.accept('TABLE');
    return { kind: 'truncate', table: remember(named, c.tableName()) };
  }
  return { kind: 'no-table-change', label };
}

function remember(named: QualifiedName[], n: QualifiedName): QualifiedName {
  named.push(n);
  return n;
}

function parseCreate(c: DdlCursor, named: QualifiedName[], label: string): ParsedDdl {
  const orReplace = c.accept('OR', 'REPLACE');
  const temporary = c.accept('TEMPORARY');
  while (c.accept('ONLINE') || c.accept('OFFLINE'));
  const kind = c.word();
  if (kind === 'TABLE') return (c.p++, parseCreateTable(c, named, orReplace, temporary));
  if (kind === 'DATABASE' || kind === 'SCHEMA') {
    c.p++;
    const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
    const name = c.ident();
    return { kind: 'create-database', name, ifNotExists, orReplace, ...parseDatabaseOptions(c) };
  }
  const keyKind = kind === 'UNIQUE' || kind === 'FULLTEXT' || kind === 'SPATIAL' ? (c.p++, kind) : '';
  if (c.accept('INDEX')) return parseCreateIndex(c, named, keyKind, orReplace);
  return { kind: 'no-table-change', label };
}

function parseCreateTable(c: DdlCursor, named: QualifiedName[], orReplace: boolean, temporary: boolean): ParsedDdl {
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
  const table = remember(named, c.tableName());
  const head = { table, ifNotExists, orReplace, temporary };
  if (c.accept('LIKE') || (c.text() === '(' && c.word(1) === 'LIKE' && (c.p += 2))) {
    const source = remember(named, c.tableName());
    c.acceptPunct(')');
    return { kind: 'create-like', source, ...head };
  }
  const body = c.text() === '(' && c.word(1) !== 'SELECT' ? parseTableBody(c) : { columns: [], keys: [], foreignKeys: [] };
  const options = parseTableOptions(c);
  return { kind: 'create-table', ...head, ...body, ...options };
}

function parseCreateIndex(c: DdlCursor, named: QualifiedName[], keyKind: string, orReplace: boolean): ParsedDdl {
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
  const name = c.ident();
  if (c.accept('USING')) c.p++;
  c.expect('ON');
  const table = remember(named, c.tableName());
  const key = parseKeySpecAfterKind(c, { name, keyKind, ifNotExists });
  return { kind: 'create-index', table, key, orReplace };
}

function parseAlter(c: DdlCursor, named: QualifiedName[], label: string): ParsedDdl {
  while (c.accept('ONLINE') || c.accept('IGNORE'));
  if (c.accept('DATABASE') || c.accept('SCHEMA')) {
    const name = c.word() === 'DEFAULT' || c.word() === 'CHARACTER' || c.word() === 'CHARSET' || c.word() === 'COLLATE' ? null : c.ident();
    return { kind: 'alter-database', name, ...parseDatabaseOptions(c) };
  }
  if (!c.accept('TABLE')) return { kind: 'no-table-change', label };
  c.accept('IF', 'EXISTS');
  const table = remember(named, c.tableName());
  if (c.accept('WAIT')) c.p++;
  else c.accept('NOWAIT');
  return { kind: 'alter-table', table, actions: parseAlterActions(c) };
}

function parseDrop(c: DdlCursor, named: QualifiedName[], label: string): ParsedDdl {
  const temporary = c.accept('TEMPORARY');
  if (c.accept('TABLE') || c.accept('TABLES')) {
    c.accept('IF', 'EXISTS');
    const tables = [remember(named, c.tableName())];
    while (c.acceptPunct(',')) tables.push(remember(named, c.tableName()));
    return { kind: 'drop-tables', tables, temporary };
  }
  if (c.accept('DATABASE') || c.accept('SCHEMA')) {
    c.accept('IF', 'EXISTS');
    return { kind: 'drop-database', name: c.ident() };
  }
  if (c.accept('INDEX')) {
    const ifExists = c.accept('IF', 'EXISTS');
    const name = c.ident();
    c.expect('ON');
    return { kind: 'drop-index', name, ifExists, table: remember(named, c.tableName()) };
  }
  return { kind: 'no-table-change', label };
}

/** `a TO b [, c TO d ...]`, each old name optionally followed by WAIT n or NOWAIT. */
function parseRename(c: DdlCursor, named: QualifiedName[]): ParsedDdl {
  c.accept('IF', 'EXISTS');
  const pairs: Array<readonly [QualifiedName, QualifiedName]> = [];
  do {
    const from = remember(named, c.tableName());
    if (c.accept('WAIT')) c.p++;
    else c.accept('NOWAIT');
    c.expect('TO');
    pairs.push([from, remember(named, c.tableName())]);
  } while (c.acceptPunct(','));
  return { kind: 'rename-tables', pairs };
}

/** `[DEFAULT] CHARACTER SET [=] x`, `[DEFAULT] COLLATE [=] y` and options that do not matter here. */
function parseDatabaseOptions(c: DdlCursor): { charset: string | null; collation: string | null } {
  let charset: string | null = null;
  let collation: string | null = null;
  while (!c.done) {
    c.accept('DEFAULT');
    if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) (c.optionalEquals(), (charset = c.identOrString()));
    else if (c.accept('COLLATE')) (c.optionalEquals(), (collation = c.identOrString()));
    else c.p++;
  }
  return { charset, collation };
}
