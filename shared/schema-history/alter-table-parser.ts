/**
 * The actions of ALTER TABLE, comma-separated. Those that change columns, keys or the default
 * character set become AlterActions; the table options, partition and tablespace operations and
 * ALGORITHM/LOCK clauses that change none of these are read past by name. Any other action stops the
 * parser: an action it does not know might change the columns.
 */
import { parseColumnSpec } from './column-spec-parser.ts';
import { parseIndexDefinition } from './create-table-parser.ts';
import type { DdlCursor } from './ddl-cursor.ts';
import type { AlterAction, ColumnPosition } from './parsed-ddl.ts';
import { PRIMARY } from './table-definition.ts';

/** Actions whose every form leaves columns and keys as they are. */
const NO_EFFECT = new Set([
  'ENGINE', 'AUTO_INCREMENT', 'AVG_ROW_LENGTH', 'CHECKSUM', 'TABLE_CHECKSUM', 'COMMENT', 'COMPRESSION', 'CONNECTION', 'DATA', 'INDEX',
  'DELAY_KEY_WRITE', 'ENCRYPTED', 'ENCRYPTION', 'ENCRYPTION_KEY_ID', 'IETF_QUOTES', 'INSERT_METHOD', 'KEY_BLOCK_SIZE', 'MAX_ROWS',
  'MIN_ROWS', 'PACK_KEYS', 'PAGE_CHECKSUM', 'PAGE_COMPRESSED', 'PAGE_COMPRESSION_LEVEL', 'PASSWORD', 'ROW_FORMAT', 'STATS_AUTO_RECALC',
  'STATS_PERSISTENT', 'STATS_SAMPLE_PAGES', 'TABLESPACE', 'TRANSACTIONAL', 'UNION', 'ALGORITHM', 'LOCK', 'FORCE', 'ORDER', 'DISCARD',
  'IMPORT', 'ENABLE', 'DISABLE', 'WITH', 'WITHOUT', 'ANALYZE', 'CHECK', 'OPTIMIZE', 'REBUILD', 'REPAIR', 'COALESCE', 'REORGANIZE',
  'EXCHANGE', 'TRUNCATE', 'REMOVE', 'SECONDARY_ENGINE', 'SECONDARY_ENGINE_ATTRIBUTE', 'ENGINE_ATTRIBUTE', 'AUTOEXTEND_SIZE',
  'SECONDARY_LOAD', 'SECONDARY_UNLOAD', 'UPGRADE',
]);
const CHARSET_WORDS = new Set(['DEFAULT', 'CHARACTER', 'CHARSET', 'COLLATE']);

export function parseAlterActions(c: DdlCursor): AlterAction[] {
  const actions: AlterAction[] = [];
  if (c.done) return actions;
  do {
    if (c.word() === 'PARTITION') return actions; // PARTITION BY ... runs to the end and changes no column
    actions.push(...parseAction(c));
  } while (c.acceptPunct(','));
  if (c.word() === 'PARTITION') return actions;
  if (!c.done) c.fail("',' or the end of the statement expected");
  return actions;
}

function parseAction(c: DdlCursor): AlterAction[] {
  const w = c.word();
  c.p++;
  switch (w) {
    case 'ADD': return parseAdd(c);
    case 'DROP': return parseDrop(c);
    case 'CHANGE': return [parseChange(c)];
    case 'MODIFY': return [parseModify(c)];
    case 'ALTER': return parseAlterColumnOrIndex(c);
    case 'RENAME': return [parseRename(c)];
    case 'CONVERT': return [parseConvert(c)];
  }
  c.p--;
  if (w !== undefined && (NO_EFFECT.has(w) || CHARSET_WORDS.has(w))) return parseTableOptions(c);
  return c.fail('an ALTER TABLE action this parser does not know');
}

function parseAdd(c: DdlCursor): AlterAction[] {
  if (c.accept('PARTITION')) return (c.skipToListEnd(), []);
  if (c.word() === 'PERIOD' || (c.word() === 'SYSTEM' && c.word(1) === 'VERSIONING')) c.fail('system versioning and periods are not supported');
  const index = c.word() === 'COLUMN' ? undefined : parseIndexDefinition(c);
  if (index?.key) return [{ kind: 'add-key', key: index.key }];
  if (index?.foreignKey) return [{ kind: 'add-foreign-key', ...index.foreignKey }];
  if (index) return [];
  c.accept('COLUMN');
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
  if (!c.acceptPunct('(')) return [{ kind: 'add-column', column: parseColumnSpec(c), position: parsePosition(c), ifNotExists }];
  const added: AlterAction[] = [];
  do added.push({ kind: 'add-column', column: parseColumnSpec(c), position: null, ifNotExists });
  while (c.acceptPunct(','));
  c.expectPunct(')');
  return added;
}

function parseDrop(c: DdlCursor): AlterAction[] {
  if (c.accept('PRIMARY', 'KEY')) return [{ kind: 'drop-key', name: PRIMARY, ifExists: false }];
  if (c.accept('INDEX') || c.accept('KEY')) {
    const ifExists = c.accept('IF', 'EXISTS');
    return [{ kind: 'drop-key', name: c.ident(), ifExists }];
  }
  if (c.accept('FOREIGN', 'KEY') || c.accept('CHECK')) return (c.accept('IF', 'EXISTS'), c.ident(), []);
  if (c.accept('CONSTRAINT')) {
    c.accept('IF', 'EXISTS');
    return [{ kind: 'drop-constraint', name: c.ident() }];
  }
  if (c.accept('PARTITION')) return (c.skipToListEnd(), []);
  if (c.word() === 'SYSTEM' || c.word() === 'PERIOD') c.fail('system versioning and periods are not supported');
  c.accept('COLUMN');
  const ifExists = c.accept('IF', 'EXISTS');
  const name = c.ident();
  if (!c.accept('RESTRICT')) c.accept('CASCADE');
  return [{ kind: 'drop-column', name, ifExists }];
}

function parseChange(c: DdlCursor): AlterAction {
  c.accept('COLUMN');
  const ifExists = c.accept('IF', 'EXISTS');
  const from = c.ident();
  return { kind: 'change-column', from, column: parseColumnSpec(c), position: parsePosition(c), ifExists };
}

function parseModify(c: DdlCursor): AlterAction {
  c.accept('COLUMN');
  const ifExists = c.accept('IF', 'EXISTS');
  const column = parseColumnSpec(c);
  return { kind: 'change-column', from: column.name, column, position: parsePosition(c), ifExists };
}

/** ALTER [COLUMN] c SET DEFAULT / DROP DEFAULT / SET [IN]VISIBLE, ALTER INDEX i [IN]VISIBLE, ALTER CHECK ...: none changes a row's shape. */
function parseAlterColumnOrIndex(c: DdlCursor): AlterAction[] {
  c.skipToListEnd();
  return [];
}

function parseRename(c: DdlCursor): AlterAction {
  if (c.accept('COLUMN')) {
    const from = c.ident();
    c.expect('TO');
    return { kind: 'rename-column', from, to: c.ident() };
  }
  if (c.accept('INDEX') || c.accept('KEY')) {
    const from = c.ident();
    c.expect('TO');
    return { kind: 'rename-key', from, to: c.ident() };
  }
  if (!c.accept('TO')) c.accept('AS');
  return { kind: 'rename-table', to: c.tableName() };
}

function parseConvert(c: DdlCursor): AlterAction {
  c.expect('TO');
  if (!(c.accept('CHARACTER', 'SET') || c.accept('CHARSET'))) c.fail('CHARACTER SET expected');
  const charset = c.identOrString();
  const collation = c.accept('COLLATE') ? c.identOrString() : null;
  return { kind: 'convert-charset', charset, collation };
}

/**
 * Table options up to the next comma (`ENGINE=InnoDB DEFAULT CHARSET=latin1 COMMENT 'x'`): a default
 * character set or collation among them becomes an action, the others change nothing here.
 */
function parseTableOptions(c: DdlCursor): AlterAction[] {
  let charset: string | null = null;
  let collation: string | null = null;
  while (!c.done && c.text() !== ',') {
    if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) (c.optionalEquals(), (charset = c.identOrString()));
    else if (c.accept('COLLATE')) (c.optionalEquals(), (collation = c.identOrString()));
    else if (c.text() === '(') c.skipParenthesized();
    else c.p++;
  }
  return charset === null && collation === null ? [] : [{ kind: 'default-charset', charset, collation }];
}

function parsePosition(c: DdlCursor): ColumnPosition {
  if (c.accept('FIRST')) return { first: true };
  if (c.accept('AFTER')) return { after: c.ident() };
  return null;
}
