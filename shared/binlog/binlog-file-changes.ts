/**
 * The changes in binlog files, decoded offline with the event parser (events/): each row change and
 * each DDL statement with its position, GTID, table and values as a MySQL client prints them. What
 * `fc-dts decode-binlog` prints. Column names come from the TABLE_MAP (binlog_row_metadata=FULL), else
 * from a schema source (the schema history), else they are positional (`@1`, `@2`, as mysqlbinlog -v).
 */
import { basename } from 'node:path';
import type { BinlogPosition } from '../change/position.ts';
import type { CellValue } from '../change/change-event.ts';
import { checkTableMap } from '../schema-history/table-map-check.ts';
import type { ColumnDefinition, TableDefinition as SchemaTableDefinition } from '../schema-history/table-definition.ts';
import { withDefinition } from './definition-values.ts';
import type { BinlogEvent, EventPosition, JsonDiffValue, QueryEvent, RowImage, RowsEvent } from './events/binlog-event.ts';
import { readBinlogFile } from './events/binlog-file.ts';
import { clientText } from './client-text.ts';
import { mysqlJsonToText } from './mysql-json.ts';

export interface DecodedChange {
  /** `file:offset`, `.index` for an event inside a compressed transaction, `#row` for a row of a row event. */
  readonly pos: string;
  readonly gtid: string | null;
  readonly db: string;
  readonly table: string | null;
  readonly op: 'insert' | 'update' | 'delete' | 'ddl';
  readonly before: Readonly<Record<string, string | null>> | null;
  readonly after: Readonly<Record<string, string | null>> | null;
  readonly sql: string | null;
}

/** Table definitions where the TABLE_MAP lacks names (the schema history). */
export interface TableDefinitions {
  /** A DDL statement read at `pos`: later definitions follow it. */
  ddl(event: QueryEvent, pos: BinlogPosition): void;
  /** The table's definition as of `pos`; undefined when unknown. */
  definitionAt(database: string, table: string, pos: BinlogPosition): SchemaTableDefinition | undefined;
}

/** Statements that are transaction control, not changes. */
const CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|XA\s)/i;

export async function* decodeBinlogFiles(paths: readonly string[], definitions?: TableDefinitions): AsyncGenerator<DecodedChange> {
  for (const [n, path] of paths.entries()) {
    const file = new FileDecoder(basename(path), n + 1, definitions);
    for await (const event of readBinlogFile(path, { jsonText: mysqlJsonToText })) yield* file.changes(event);
  }
}

class FileDecoder {
  private gtid: string | null = null;

  constructor(
    private readonly name: string,
    /** The file's place in the argument list: the `file` of schema-history positions. */
    private readonly number: number,
    private readonly definitions: TableDefinitions | undefined,
  ) {}

  *changes(event: BinlogEvent): Generator<DecodedChange> {
    switch (event.kind) {
      case 'gtid':
        this.gtid = event.anonymous ? null : event.gtid;
        return;
      case 'mariadb_gtid':
        this.gtid = event.gtid;
        return;
      case 'query':
        if (!CONTROL.test(event.sql)) yield this.ddl(event);
        return;
      case 'rows':
        yield* this.rows(event);
        return;
      case 'transaction_payload':
        for (const inner of event.events) yield* this.changes(inner);
        return;
    }
  }

  private ddl(event: QueryEvent): DecodedChange {
    this.definitions?.ddl(event, this.position(event.pos));
    return { pos: this.label(event.pos), gtid: this.gtid, db: event.schema, table: null, op: 'ddl', before: null, after: null, sql: event.sql };
  }

  private *rows(event: RowsEvent): Generator<DecodedChange> {
    const { database, table } = event.table;
    const columns = this.columnsOf(event, this.position(event.pos));
    for (const [row, pair] of event.rows.entries()) {
      yield {
        pos: `${this.label(event.pos)}#${row}`,
        gtid: this.gtid,
        db: database,
        table,
        op: event.op,
        before: pair.before ? image(event, pair.before, columns) : null,
        after: pair.after ? image(event, pair.after, columns) : null,
        sql: null,
      };
    }
  }

  /** The TABLE_MAP's names; else the history's definition (which also completes the values); else positions. */
  private columnsOf(event: RowsEvent, pos: BinlogPosition): readonly ImageColumn[] {
    const { columns, database, table } = event.table;
    if (columns.every((c) => c.name !== undefined)) return columns.map((c) => ({ name: c.name! }));
    const known = this.definitions?.definitionAt(database, table, pos);
    if (!known) return columns.map((c) => ({ name: `@${c.index + 1}` }));
    checkTableMap(known, columns.map((c) => c.rawType), { table: `${database}.${table}`, pos });
    return known.columns.map((c) => ({ name: c.name, definition: c }));
  }

  private label(pos: EventPosition): string {
    return `${this.name}:${pos.offset}${pos.index === undefined ? '' : `.${pos.index}`}`;
  }

  /** The event's place for the schema history: inside a compressed transaction events share the payload's offset and are told apart by their index. */
  private position(pos: EventPosition): BinlogPosition {
    return { file: this.number, offset: pos.offset, row: pos.index ?? 0 };
  }
}

interface ImageColumn {
  readonly name: string;
  readonly definition?: ColumnDefinition;
}

function image(event: RowsEvent, img: RowImage, columns: readonly ImageColumn[]): Record<string, string | null> {
  // No prototype: a column may be named __proto__.
  const out = Object.create(null) as Record<string, string | null>;
  for (const i of img.present) {
    const value = img.values[i];
    if (value === undefined) continue;
    const column = event.table.columns[i]!;
    const { name, definition } = columns[i]!;
    const completed = definition && !isJsonDiff(value) ? withDefinition(value, column, definition) : value;
    out[name] = clientText(completed, column.type, `@${i + 1}`);
  }
  return out;
}

const isJsonDiff = (v: CellValue | JsonDiffValue): v is JsonDiffValue => v !== null && typeof v === 'object' && 'jsonDiffs' in v;
