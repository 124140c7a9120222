/**
 * Table definitions for `fc-dts decode-binlog` where the TABLE_MAP has no names (MySQL 5.7, MINIMAL row
 * metadata, the PolarDB-X global binlog): a schema history built from the CREATE TABLE statements of
 * a schema file (`--schema FILE.sql`, for tables created before the files) and moved on by every DDL
 * statement inside the files, exactly as the history follows a live source.
 */
import { readFile } from 'node:fs/promises';
import { comparePositions, type BinlogPosition } from '../change/position.ts';
import { identValue, scanSql } from '../mysql/sql-lexer.ts';
import { DdlNotUnderstoodError, SchemaHistory } from '../schema-history/schema-history.ts';
import type { TableDefinition } from '../schema-history/table-definition.ts';
import type { ServerDialect } from '../schema-history/server-dialect.ts';
import type { TableDefinitions } from './binlog-file-changes.ts';
import type { QueryEvent } from './events/binlog-event.ts';
import { readBinlogFile } from './events/binlog-file.ts';
import { mysqlJsonToText } from './mysql-json.ts';

/** The schema file's statements hold before the first binlog file (file 0 of the history's positions). */
const SCHEMA_FILE = 0;

export async function offlineSchemaHistory(files: readonly string[], schemaFile: string | undefined): Promise<TableDefinitions> {
  const statements = schemaFile === undefined ? [] : splitStatements(await readFile(schemaFile, 'utf8'));
  const history = SchemaHistory.empty(offlineDialect(await writtenByMariadb(files)), { file: SCHEMA_FILE, offset: 0, row: 0 });
  statements.forEach((s, i) => history.apply(s.sql, s.database, { file: SCHEMA_FILE, offset: i + 1, row: 0 }));
  return new OfflineDefinitions(history);
}

/**
 * The history as decode-binlog uses it: a DDL it cannot follow makes its tables' definitions unknown
 * from there on (their rows print with positional names, `@1`…) instead of ending the decoding; a
 * file's TABLE_MAPs may carry the names anyway.
 */
class OfflineDefinitions implements TableDefinitions {
  /** Table → the position from which its definition is unknown. */
  private readonly unknownFrom = new Map<string, BinlogPosition>();

  constructor(private readonly history: SchemaHistory) {}

  ddl(event: QueryEvent, pos: BinlogPosition): void {
    try {
      this.history.apply(event.sql, event.schema, pos, { noBackslashEscapes: event.noBackslashEscapes });
    } catch (e) {
      if (!(e instanceof DdlNotUnderstoodError)) throw e;
      for (const t of e.tables) if (!this.unknownFrom.has(t)) this.unknownFrom.set(t, pos);
    }
  }

  definitionAt(database: string, table: string, pos: BinlogPosition): TableDefinition | undefined {
    const unknown = this.unknownFrom.get(`${database}.${table}`);
    if (unknown && comparePositions(pos, unknown) >= 0) return undefined;
    return this.history.definitionAt(database, table, pos);
  }
}

/** Whether MariaDB wrote the files, from the first file's format description event (its first event). */
async function writtenByMariadb(files: readonly string[]): Promise<boolean> {
  if (files[0] === undefined) return false;
  for await (const e of readBinlogFile(files[0], { jsonText: mysqlJsonToText })) return e.kind === 'format_description' && e.mariadb;
  return false;
}

/** The statements of a schema file with the database a `USE` before them made the default. */
export function splitStatements(text: string): Array<{ readonly sql: string; readonly database: string }> {
  const out: Array<{ sql: string; database: string }> = [];
  let database = '';
  let current = '';
  for (const token of scanSql(text)) {
    if (token.kind !== 'punct' || token.text !== ';') {
      current += token.text;
      continue;
    }
    const sql = current.trim();
    current = '';
    const use = /^USE\s+(`(?:[^`]|``)+`|\S+)$/i.exec(sql);
    if (use) database = use[1]!.startsWith('`') ? identValue({ kind: 'ident', text: use[1]!, start: 0 }) : use[1]!;
    else if (sql !== '') out.push({ sql, database });
  }
  if (current.trim() !== '') out.push({ sql: current.trim(), database });
  return out;
}

/**
 * The server facts a DDL leaves unsaid, for files read without their server: MySQL 8.0's defaults (or
 * MariaDB's). Only names and column order matter for decoding, and neither depends on them.
 */
export function offlineDialect(mariadb: boolean): ServerDialect {
  const utf8mb4 = mariadb ? 'utf8mb4_general_ci' : 'utf8mb4_0900_ai_ci';
  return {
    flavor: mariadb ? 'mariadb' : 'mysql',
    displayWidths: mariadb,
    utf8Name: 'utf8mb3',
    charsets: {
      utf8mb4: { defaultCollation: utf8mb4, maxLen: 4 },
      utf8mb3: { defaultCollation: 'utf8mb3_general_ci', maxLen: 3 },
      latin1: { defaultCollation: 'latin1_swedish_ci', maxLen: 1 },
      ascii: { defaultCollation: 'ascii_general_ci', maxLen: 1 },
      binary: { defaultCollation: 'binary', maxLen: 1 },
    },
    serverCollation: utf8mb4,
    lowerCaseNames: false,
    explicitTimestampDefaults: true,
  };
}
