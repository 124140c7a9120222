/**
 * The changes in binlog files, decoded offline with the event parser (events/): each row change and
 * each DDL statement with its position, GTID, table and values as a MySQL client prints them. What
 * `fc-dts decode-binlog` prints. Column names come from the TABLE_MAP (binlog_row_metadata=FULL), else
 * from a schema source (the schema history), else they are positional (`@1`, `@2`, as mysqlbinlog -v).
 */
import { basename } from 'node:path';
import type { BinlogPosition } from '../change/position.ts';
import type { BinlogEvent, EventPosition, QueryEvent, RowImage, RowsEvent } from './events/binlog-event.ts';
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

/** Where column names come from when the TABLE_MAP has none. */
export interface ColumnNameSource {
  /** A DDL statement read at `pos`: later names follow it. */
  ddl(event: QueryEvent, pos: BinlogPosition): void;
  /** The table's column names as of `pos`; undefined when unknown. */
  names(database: string, table: string, pos: BinlogPosition): readonly string[] | undefined;
}

/** Statements that are transaction control, not changes. */
const CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|XA\s)/i;

export async function* decodeBinlogFiles(paths: readonly string[], names?: ColumnNameSource): AsyncGenerator<DecodedChange> {
  for (const [n, path] of paths.entries()) {
    const file = new FileDecoder(basename(path), n + 1, names);
    for await (const event of readBinlogFile(path, { jsonText: mysqlJsonToText })) yield* file.changes(event);
  }
}

class FileDecoder {
  private gtid: string | null = null;

  constructor(
    private readonly name: string,
    /** The file's place in the argument list: the `file` of schema-history positions. */
    private readonly number: number,
    private readonly names: ColumnNameSource | undefined,
  ) {}

  *changes(event: BinlogEvent): Generator<DecodedChange> {
    switch (event.kind) {
      case 'gtid':
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
    this.names?.ddl(event, this.position(event.pos));
    return { pos: this.label(event.pos), gtid: this.gtid, db: event.schema, table: null, op: 'ddl', before: null, after: null, sql: event.sql };
  }

  private *rows(event: RowsEvent): Generator<DecodedChange> {
    const { database, table } = event.table;
    const names = this.columnNames(event, this.position(event.pos));
    for (const [row, pair] of event.rows.entries()) {
      yield {
        pos: `${this.label(event.pos)}#${row}`,
        gtid: this.gtid,
        db: database,
        table,
        op: event.op,
        before: pair.before ? image(event, pair.before, names) : null,
        after: pair.after ? image(event, pair.after, names) : null,
        sql: null,
      };
    }
  }

  private columnNames(event: RowsEvent, pos: BinlogPosition): readonly string[] {
    const { columns, database, table } = event.table;
    if (columns.every((c) => c.name !== undefined)) return columns.map((c) => c.name!);
    const known = this.names?.names(database, table, pos);
    return known && known.length === columns.length ? known : columns.map((c) => `@${c.index + 1}`);
  }

  private label(pos: EventPosition): string {
    return `${this.name}:${pos.offset}${pos.index === undefined ? '' : `.${pos.index}`}`;
  }

  /** The event's place for the schema history: inside a compressed transaction events share the payload's offset and are told apart by their index. */
  private position(pos: EventPosition): BinlogPosition {
    return { file: this.number, offset: pos.offset, row: pos.index ?? 0 };
  }
}

function image(event: RowsEvent, img: RowImage, names: readonly string[]): Record<string, string | null> {
  // No prototype: a column may be named __proto__.
  const out = Object.create(null) as Record<string, string | null>;
  for (const i of img.present) {
    const value = img.values[i];
    const column = event.table.columns[i]!;
    if (value !== undefined) out[names[i]!] = clientText(value, column.type, `@${i + 1}`);
  }
  return out;
}
