/** The parts of CREATE TABLE the schema history reads: its element list, index definitions and table options. */
import { keysOfColumn } from './column-keys.ts';
import { parseColumnList, parseColumnSpec, parseKeyParts, skipReferences } from './column-spec-parser.ts';
import type { DdlCursor } from './ddl-cursor.ts';
import type { ColumnSpec, CreateTable, KeySpec } from './parsed-ddl.ts';
import { PRIMARY } from './table-definition.ts';

interface TableBody {
  columns: ColumnSpec[];
  keys: KeySpec[];
  foreignKeys: Array<{ name: string | null; columns: string[] }>;
}

/** `( element [, element ...] )` */
export function parseTableBody(c: DdlCursor): TableBody {
  const body: TableBody = { columns: [], keys: [], foreignKeys: [] };
  c.expectPunct('(');
  do parseElement(c, body);
  while (c.acceptPunct(','));
  c.expectPunct(')');
  return body;
}

function parseElement(c: DdlCursor, body: TableBody): void {
  const constraint = parseIndexDefinition(c);
  if (constraint === undefined) {
    const column = parseColumnSpec(c);
    body.columns.push(column);
    // Keys declared on a column take their place among the table's keys where the column stands.
    body.keys.push(...keysOfColumn(column.name, { primaryKey: column.primaryKey, unique: column.unique || column.type === 'serial' }));
  }
  else if (constraint.key) body.keys.push(constraint.key);
  else if (constraint.foreignKey) body.foreignKeys.push(constraint.foreignKey);
}

export interface IndexDefinition {
  readonly key?: KeySpec;
  readonly foreignKey?: { name: string | null; columns: string[] };
}

/**
 * An index, key or constraint definition at the cursor (as in CREATE TABLE or after ALTER TABLE ... ADD);
 * undefined, not moving, when the cursor is at a column definition.
 */
export function parseIndexDefinition(c: DdlCursor): IndexDefinition | undefined {
  const start = c.p;
  let symbol: string | null = null;
  if (c.accept('CONSTRAINT')) {
    if (!['PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK'].includes(c.word() ?? '')) symbol = c.ident();
  }
  if (c.accept('PRIMARY', 'KEY')) return { key: parseKeySpecAfterKind(c, { name: PRIMARY, keyKind: 'PRIMARY', ifNotExists: false }) };
  const keyKind = c.accept('UNIQUE') ? 'UNIQUE' : c.accept('FULLTEXT') ? 'FULLTEXT' : c.accept('SPATIAL') ? 'SPATIAL' : '';
  if (keyKind !== '' || c.word() === 'INDEX' || c.word() === 'KEY') {
    if (!c.accept('INDEX')) c.accept('KEY');
    const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
    const name = c.text() === '(' || c.word() === 'USING' ? symbol : c.ident();
    return { key: parseKeySpecAfterKind(c, { name, keyKind, ifNotExists }) };
  }
  if (c.accept('FOREIGN', 'KEY')) {
    c.accept('IF', 'NOT', 'EXISTS');
    const name = c.text() === '(' ? symbol : c.ident();
    const columns = parseColumnList(c);
    skipReferences(c);
    return { foreignKey: { name, columns } };
  }
  if (c.accept('CHECK')) {
    c.skipParenthesized();
    c.skipToListEnd();
    return {};
  }
  if (c.word() === 'PERIOD') c.fail('PERIOD FOR (system-versioned and application-time tables) is not supported');
  c.p = start;
  return undefined;
}

/** From after the index kind and name: `[USING x] (parts) [options]`. */
export function parseKeySpecAfterKind(c: DdlCursor, head: { name: string | null; keyKind: string; ifNotExists: boolean }): KeySpec {
  if (c.accept('USING')) c.p++;
  const columns = parseKeyParts(c);
  c.skipToListEnd();
  const primary = head.keyKind === 'PRIMARY';
  return { name: primary ? PRIMARY : head.name, primary, unique: primary || head.keyKind === 'UNIQUE', fulltext: head.keyKind === 'FULLTEXT', columns, ifNotExists: head.ifNotExists };
}

/** Table options after the element list, up to a PARTITION clause or a SELECT. */
export function parseTableOptions(c: DdlCursor): Pick<CreateTable, 'charset' | 'collation' | 'select'> {
  let charset: string | null = null;
  let collation: string | null = null;
  while (!c.done) {
    if ((c.word() === 'WITH' && c.word(1) === 'SYSTEM') || (c.word() === 'SYSTEM' && c.word(1) === 'VERSIONING')) c.fail('system-versioned tables are not supported');
    if (c.word() === 'SELECT' || c.word() === 'WITH' || (c.text() === '(' && c.word(1) === 'SELECT')) return { charset, collation, select: true };
    if (c.word() === 'PARTITION') return { charset, collation, select: selectFollows(c) };
    if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) (c.optionalEquals(), (charset = c.identOrString()));
    else if (c.accept('COLLATE')) (c.optionalEquals(), (collation = c.identOrString()));
    else if (c.text() === '(') c.skipParenthesized();
    else c.p++;
  }
  return { charset, collation, select: false };
}

function selectFollows(c: DdlCursor): boolean {
  for (; !c.done; c.p++) if (c.word() === 'SELECT') return true;
  return false;
}
