/**
 * Reads a column definition (`name type [attributes]`) and an index's key parts from DDL. Attributes
 * that do not change what a row looks like in the binlog (DEFAULT, COMMENT, ON UPDATE, CHECK, ...)
 * are read past; a word this parser does not know stops it rather than being guessed at.
 */
import type { DdlCursor } from './ddl-cursor.ts';
import type { ColumnSpec } from './parsed-ddl.ts';
import type { KeyPart } from './table-definition.ts';

/** Type names that stand for another: `integer` → int, `real` → double, ... */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  integer: 'int', int1: 'tinyint', int2: 'smallint', int3: 'mediumint', int4: 'int', int8: 'bigint', middleint: 'mediumint',
  bool: 'boolean', dec: 'decimal', numeric: 'decimal', fixed: 'decimal', real: 'double', float4: 'float', float8: 'double',
  character: 'char', nchar: 'char', nvarchar: 'varchar', long: 'mediumtext',
};

const KNOWN_TYPES = new Set([
  'tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'boolean', 'serial', 'decimal', 'float', 'double', 'bit',
  'date', 'time', 'datetime', 'timestamp', 'year', 'char', 'varchar', 'binary', 'varbinary',
  'tinytext', 'text', 'mediumtext', 'longtext', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'enum', 'set', 'json',
  'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection',
  'inet4', 'inet6', 'uuid', 'vector',
]);

/** Words ending a column definition in ALTER TABLE (the position clause) besides `,` and `)`. */
const POSITION_WORDS = new Set(['FIRST', 'AFTER']);

type MutableSpec = { -readonly [K in keyof ColumnSpec]: ColumnSpec[K] };

export function parseColumnSpec(c: DdlCursor): ColumnSpec {
  const name = c.ident();
  // NATIONAL CHAR, NCHAR and NVARCHAR are utf8 (utf8mb3 on current servers).
  const national = c.word() === 'NATIONAL' || c.word() === 'NCHAR' || c.word() === 'NVARCHAR';
  const spec: MutableSpec = { name, ...parseType(c), charset: national ? 'utf8' : null, collation: null, binaryCollation: false, nullable: null, primaryKey: false, unique: false, unsigned: false, zerofill: false };
  while (!c.done && c.text() !== ',' && c.text() !== ')' && !POSITION_WORDS.has(c.word() ?? '')) parseAttribute(c, spec);
  if (spec.zerofill) spec.unsigned = true;
  return spec;
}

function parseType(c: DdlCursor): Pick<ColumnSpec, 'type' | 'args' | 'values'> {
  const type = typeName(c);
  if (!KNOWN_TYPES.has(type)) c.fail(`unknown data type ${type}`);
  if (c.text() !== '(') return { type, args: [], values: null };
  c.expectPunct('(');
  if (type === 'enum' || type === 'set') {
    const values = [c.string()];
    while (c.acceptPunct(',')) values.push(c.string());
    c.expectPunct(')');
    return { type, args: [], values };
  }
  const args = [c.integer()];
  while (c.acceptPunct(',')) args.push(c.integer());
  c.expectPunct(')');
  return { type, args, values: null };
}

function typeName(c: DdlCursor): string {
  if (c.accept('NATIONAL')) return typeName(c);
  if (c.accept('DOUBLE', 'PRECISION')) return 'double';
  if (c.accept('LONG', 'VARCHAR') || c.accept('LONG', 'CHAR', 'VARYING')) return 'mediumtext';
  if (c.accept('LONG', 'VARBINARY')) return 'mediumblob';
  if (c.accept('CHARACTER', 'VARYING') || c.accept('CHAR', 'VARYING')) return 'varchar';
  const w = c.word();
  if (w === undefined) c.fail('a data type expected');
  c.p++;
  const lower = w.toLowerCase();
  return TYPE_ALIASES[lower] ?? lower;
}

/** One attribute of a column definition, recorded in `spec` where it matters. */
function parseAttribute(c: DdlCursor, spec: MutableSpec): void {
  if (typeModifier(c, spec) || nullability(c, spec) || keyAttribute(c, spec)) return;
  const w = c.word();
  if (w === 'DEFAULT' || (w === 'ON' && c.word(1) === 'UPDATE')) {
    c.p += w === 'DEFAULT' ? 1 : 2;
    skipExpression(c);
  } else if (w === 'COMMENT') (c.p++, c.string());
  else if (w === 'COLUMN_FORMAT' || w === 'STORAGE' || w === 'SRID') c.p += 2;
  else if (w === 'CHECK') (c.p++, c.skipParenthesized());
  else if (w === 'CONSTRAINT') {
    c.p++;
    if (c.word() !== 'CHECK') c.ident();
  } else if (w === 'GENERATED' || w === 'AS') {
    c.accept('GENERATED', 'ALWAYS');
    c.expect('AS');
    c.skipParenthesized();
  } else if (w === 'REFERENCES') skipReferences(c);
  else if (['AUTO_INCREMENT', 'VIRTUAL', 'STORED', 'PERSISTENT', 'INVISIBLE', 'VISIBLE'].includes(w ?? '')) c.p++;
  else if (c.accept('SERIAL', 'DEFAULT', 'VALUE')) Object.assign(spec, { nullable: false, unique: true });
  else if (c.accept('COMPRESSED')) c.fail('COMPRESSED columns are not supported');
  else c.fail('an unknown column attribute');
}

function typeModifier(c: DdlCursor, spec: MutableSpec): boolean {
  if (c.accept('UNSIGNED')) spec.unsigned = true;
  else if (c.accept('SIGNED')) spec.unsigned = false;
  else if (c.accept('ZEROFILL')) spec.zerofill = true;
  else if (c.accept('BINARY')) spec.binaryCollation = true;
  else if (c.accept('ASCII')) spec.charset = 'latin1';
  else if (c.accept('UNICODE')) spec.charset = 'ucs2';
  else if (c.accept('BYTE')) spec.charset = 'binary';
  else if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET') || c.accept('CHAR', 'SET')) spec.charset = c.identOrString();
  else if (c.accept('COLLATE')) spec.collation = c.identOrString();
  else return false;
  return true;
}

function nullability(c: DdlCursor, spec: MutableSpec): boolean {
  if (c.accept('NOT', 'NULL')) spec.nullable = false;
  else if (c.accept('NULL')) spec.nullable = true;
  else return false;
  return true;
}

function keyAttribute(c: DdlCursor, spec: MutableSpec): boolean {
  if (c.accept('PRIMARY', 'KEY')) spec.primaryKey = true;
  else if (c.accept('UNIQUE')) (spec.unique = true), c.accept('KEY');
  else if (c.accept('KEY')) spec.primaryKey = true;
  else return false;
  return true;
}

/** A DEFAULT or ON UPDATE value: a literal, a function call, or a parenthesized expression. */
function skipExpression(c: DdlCursor): void {
  while (c.acceptPunct('-') || c.acceptPunct('+'));
  if (c.text() === '(') return c.skipParenthesized();
  const t = c.s.token(c.p);
  if (t === undefined) c.fail('a value expected');
  c.p++;
  if (c.text() === '(') return c.skipParenthesized();
  // 1.5 is three tokens; _utf8mb4'x', x'41' and b'01' two.
  if (c.text() === '.' && /^\d/.test(t.text)) c.p += 2;
  else if (t.kind === 'word' && c.s.token(c.p)?.kind === 'string') c.p++;
}

/** `REFERENCES t (cols) [MATCH ...] [ON DELETE|UPDATE action]...` */
export function skipReferences(c: DdlCursor): void {
  c.expect('REFERENCES');
  c.tableName();
  if (c.text() === '(') c.skipParenthesized();
  for (;;) {
    if (c.accept('MATCH')) c.p++;
    else if (c.accept('ON', 'DELETE') || c.accept('ON', 'UPDATE')) {
      if (!(c.accept('SET', 'NULL') || c.accept('SET', 'DEFAULT') || c.accept('NO', 'ACTION'))) c.p++;
    } else return;
  }
}

/** `(col [(len)] [ASC|DESC], ...)`; an expression as a key part (MySQL 8 functional index) is refused. */
export function parseKeyParts(c: DdlCursor): KeyPart[] {
  c.expectPunct('(');
  const parts: KeyPart[] = [];
  do {
    if (c.text() === '(') c.fail('functional key parts are not supported');
    const name = c.ident();
    let subPart: number | null = null;
    if (c.acceptPunct('(')) {
      subPart = c.integer();
      c.expectPunct(')');
    }
    if (!c.accept('ASC')) c.accept('DESC');
    parts.push({ name, subPart });
  } while (c.acceptPunct(','));
  c.expectPunct(')');
  return parts;
}

/** `(col, ...)` of a FOREIGN KEY. */
export function parseColumnList(c: DdlCursor): string[] {
  c.expectPunct('(');
  const names = [c.ident()];
  while (c.acceptPunct(',')) names.push(c.ident());
  c.expectPunct(')');
  return names;
}
