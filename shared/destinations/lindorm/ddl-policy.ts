/**
 * Which DDL a Lindorm destination applies during incremental sync: CREATE TABLE, DROP TABLE and ADD COLUMN,
 * the statements reference 004 lists ("DDL CREATE TABLE, DROP TABLE, ADD COLUMN"), as Lindorm statements
 * (lindorm-ddl.ts). Every other statement is recorded as not applied, with what it leaves in Lindorm.
 */
import type { TableRef } from '../../change/change-event.ts';
import type { DdlKind, DdlTranslation } from '../../incremental/ddl-translator.ts';
import { parseDdl } from '../../schema-history/ddl-parser.ts';
import { addColumnStatement, createTableFromSql, dropTableStatement } from './lindorm-ddl.ts';

const EFFECT: Partial<Record<DdlKind, string>> = {
  'alter-table': 'the Lindorm table keeps its columns (values of a column the source adds are not written; a dropped one keeps its old values and later rows write NULL)',
  'rename-table': 'the Lindorm table keeps its name, and changes under the new name are not synchronized',
  'truncate-table': 'the rows stay in the Lindorm table; delete them there if the copy must be emptied',
  'create-index': 'Lindorm secondary indexes are not created by fc-dts',
  'drop-index': 'Lindorm secondary indexes are not created by fc-dts: nothing to do',
};

/** The Lindorm statements replaying a source statement on `tables` (destination names), or why none do. */
export function replayedDdl(sql: string, tables: readonly TableRef[]): { readonly statements: readonly string[] } | { readonly refusal: string } {
  const parsed = parseDdl(sql);
  const first = tables[0]?.table;
  if (first === undefined) return { refusal: 'the statement names no synchronized table' };
  switch (parsed.kind) {
    case 'create-table':
    case 'create-like': {
      const ddl = createTableFromSql(first, sql);
      return 'sql' in ddl ? { statements: [ddl.sql] } : ddl;
    }
    case 'alter-table': {
      const ddl = addColumnStatement(first, sql);
      return 'sql' in ddl ? { statements: [ddl.sql] } : { refusal: `${ddl.refusal}; ${EFFECT['alter-table']}` };
    }
    case 'drop-tables':
      return { statements: tables.map((t) => dropTableStatement(t.table)) };
    default:
      return { refusal: `Lindorm destinations apply only CREATE TABLE, DROP TABLE and ADD COLUMN` };
  }
}

/** The DDL policy's refusal: why `t` is not applied, undefined when it is. */
export function lindormDdlRefusal(t: DdlTranslation): string | undefined {
  if (t.kind !== 'create-table' && t.kind !== 'alter-table' && t.kind !== 'drop-table') {
    return `Lindorm destinations apply only CREATE TABLE, DROP TABLE and ADD COLUMN: ${EFFECT[t.kind] ?? 'nothing changed in Lindorm'}`;
  }
  const replay = replayedDdl(t.sql, t.tables);
  return 'refusal' in replay ? replay.refusal : undefined;
}
