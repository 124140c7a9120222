/**
 * `fc-dts verify` for a Lindorm destination: each selected table's source rows are merge-joined by key with
 * the Lindorm table (key-merge.ts), and each row is compared column by column with the row the sink would
 * have written for it (lindorm-verify-values.ts: both sides as the sink's literals).
 *
 * Both sides are read in Lindorm's key order, range by range of the first key column (lindorm-key-ranges.ts):
 * the source by a streamed query per range, ordering text key columns by their bytes as Lindorm does, and
 * Lindorm in pages (lindorm-key-pages.ts). Memory holds one source row buffer and two Lindorm pages, whatever
 * the table size. The order each side's rows arrive in is checked: a server sorting otherwise makes the
 * table's comparison fail instead of reporting wrong differences.
 *
 * The report's chunks are the Lindorm pages (a page spans from its first key to the next page's). Every
 * differing key is counted; `maxKeys` are listed and, with rechecks, read again by key on both sides while
 * they still differ (keys of integer, DECIMAL, text, DATE and VARBINARY columns; others are listed as found).
 */
import type { Connection } from 'mysql2/promise';
import type { CellValue } from '../../change/change-event.ts';
import { renderWhereSql } from '../../filter/where-filter.ts';
import { qualified, quoteIdent, quoteString } from '../../mysql/identifier.ts';
import { sourceCell, sourceSelect } from '../../mysql/source-text.ts';
import type { TableMapping } from '../../task/object-mapper.ts';
import { compareByKey, compareKeys, isVerifyFatal, onSourceConnection, sourceRowsInKeyOrder, type KeyPart, type Page } from '../../verify/key-merge.ts';
import { readSourceTables } from '../../verify/source-tables.ts';
import { verifyTables, type TableVerification, type VerifyOptions, type VerifyReport, type VerifySettings } from '../../verify/verify-report.ts';
import type { TaskOf } from '../destination.ts';
import type { LindormDestinationConfig } from './config.ts';
import { describeTable, type DefinedTable } from './lindorm-catalog.ts';
import { keyPages, type LindormRecord, type PagedTable } from './lindorm-key-pages.ts';
import { planKeyRanges, type KeyRange } from './lindorm-key-ranges.ts';
import { LINDORM_LIMITS } from './lindorm-limits.ts';
import { LindormValueError, lindormLiteral, quoteName, type LiteralSession } from './lindorm-literals.ts';
import { LindormSessions } from './lindorm-session.ts';
import { lindormTable, type LindormColumn, type LindormTable } from './lindorm-table.ts';
import { comparedValue, keyPart, shownCell, shownColumn, type ComparedValue } from './lindorm-verify-values.ts';

export async function verifyLindormTask(task: TaskOf<LindormDestinationConfig>, settings: VerifySettings, options: VerifyOptions): Promise<VerifyReport> {
  const tables = await readSourceTables(task);
  return verifyLindormTables(task, tables, settings, options);
}

/** Compares `tables` (the task's tables as resolved from the source) with their Lindorm tables. */
export async function verifyLindormTables(task: TaskOf<LindormDestinationConfig>, tables: readonly TableMapping[], settings: VerifySettings, options: VerifyOptions): Promise<VerifyReport> {
  const sessions = await LindormSessions.open(task.destination, Math.max(1, options.concurrency ?? 2));
  try {
    return await verifyTables(task.name, tables, (t) => verifyTable(task, sessions, t, settings), options);
  } finally {
    await sessions.close();
  }
}

interface Row {
  /** undefined: a source row no Lindorm row can stand for (NULL, unwritable or over-long key). */
  readonly key: readonly KeyPart[] | undefined;
  readonly label: string;
  /** Compared values in column order (null: NULL). */
  readonly values: ReadonlyArray<string | null>;
  /** The key columns' values, for reading the row again. */
  readonly keyCells: readonly CellValue[];
}

interface Plan {
  readonly mapping: TableMapping;
  readonly table: LindormTable;
  /** Index in `table.columns` of each key column, in key order. */
  readonly keyAt: readonly number[];
  readonly session: LiteralSession;
  readonly labelHead: string;
  readonly sourceColumns: string;
  readonly from: string;
  readonly filter: string | undefined;
  readonly sourceOrder: string;
  readonly paged: PagedTable;
}

async function verifyTable(task: TaskOf<LindormDestinationConfig>, sessions: LindormSessions, t: TableMapping, settings: VerifySettings): Promise<TableVerification> {
  const base = { table: `${t.source.database}.${t.source.name}`, target: `${task.destination.database}.${t.target.table}` };
  const empty = { ...base, sourceRows: 0, destinationRows: 0, chunks: 0, differingChunks: [], differences: [] };
  const reading = lindormTable(t);
  if ('refusals' in reading) return { ...empty, error: `Lindorm cannot hold this table: ${reading.refusals.join('; ')}` };
  let defined: DefinedTable | undefined;
  try {
    defined = await describeTable(sessions, reading.table.name);
  } catch (e) {
    if (isVerifyFatal(e)) throw e;
    return { ...empty, error: `cannot compare: ${(e as Error).message}` };
  }
  const problem = shapeProblem(reading.table, defined, base.target);
  if (problem) return { ...empty, error: problem };

  const plan = planTable(t, reading.table, sessions.literals, settings.pageRows);
  return onSourceConnection(task.source, empty, async (conn) => {
    const ranges = await planKeyRanges(conn, t, plan.table.columns[plan.keyAt[0]!]!, plan.session, settings.chunkRows);
    return compareTable(plan, conn, sessions, ranges, settings, base);
  });
}

/** Why the Lindorm table cannot be compared as the task maps it, if it cannot. */
function shapeProblem(table: LindormTable, defined: DefinedTable | undefined, target: string): string | undefined {
  if (!defined) return `Lindorm table ${target} does not exist (names are case-sensitive)`;
  const key = table.key.map((c) => c.name);
  if (defined.key.join('\0') !== key.join('\0')) return `Lindorm table ${target} has primary key (${defined.key.join(', ')}), not (${key.join(', ')}) as the task maps it`;
  const names = new Set(defined.columns.map((c) => c.name));
  const missing = table.columns.filter((c) => !names.has(c.name)).map((c) => c.name);
  return missing.length > 0 ? `Lindorm table ${target} has no column ${missing.join(', ')}` : undefined;
}

function planTable(t: TableMapping, table: LindormTable, session: LiteralSession, pageRows: number): Plan {
  const keyAt = table.key.map((k) => table.columns.indexOf(k));
  const filter = t.where ? renderWhereSql(t.where) : undefined;
  return {
    mapping: t,
    table,
    keyAt,
    session,
    labelHead: `(${table.key.map((c) => c.source.name).join(',')})=`,
    sourceColumns: table.columns.map((c) => sourceSelect(c.source, quoteIdent(c.source.name))).join(', '),
    from: qualified(t.source.database, t.source.name),
    filter,
    sourceOrder: table.key.map(sourceOrderTerm).join(', '),
    paged: { name: table.name, columns: table.columns.map((c) => c.name), key: table.key.map((c) => c.name), limit: pageRows },
  };
}

/** Orders a key column on the source as Lindorm orders it: text by its UTF-8 bytes, everything else by value. */
function sourceOrderTerm(c: LindormColumn): string {
  const quoted = quoteIdent(c.source.name);
  return c.type.name === 'VARCHAR' || c.type.name === 'CHAR' ? `CAST(CAST(${quoted} AS CHAR) AS BINARY)` : quoted;
}

/** A row from the values of its columns (`cell` of each), each compared as `column(c)` renders it; `fails` labels a value that cannot be. */
function makeRow(plan: Plan, cell: (i: number) => CellValue, column: (c: LindormColumn) => LindormColumn, fails: string): Row {
  const cells = plan.table.columns.map((_, i) => cell(i));
  const compared = plan.table.columns.map((c, i) => comparedOrWhy(cells[i]!, column(c), plan.session));
  const values = compared.map((v) => (typeof v === 'string' ? `${fails}: ${v}` : v.text));
  const keyValues = plan.keyAt.map((i) => compared[i]!);
  const keyBytes = keyValues.reduce((n, v) => n + (typeof v === 'string' ? 0 : v.bytes), 0);
  // The sink refuses a row whose key Lindorm cannot hold: no Lindorm row can have it.
  const addressable = keyValues.every((v) => typeof v !== 'string' && v.text !== null) && keyBytes <= LINDORM_LIMITS.primaryKeyBytes;
  const key = addressable ? plan.keyAt.map((i) => keyPart(plan.table.columns[i]!, cells[i]!, values[i]!)) : undefined;
  const label = `${plan.labelHead}(${plan.keyAt.map((i) => values[i] ?? 'NULL').join(',')})`;
  return { key, label, values, keyCells: plan.keyAt.map((i) => cells[i]!) };
}

/** The compared value, or why the column cannot hold it. */
function comparedOrWhy(v: CellValue, column: LindormColumn, session: LiteralSession): ComparedValue | string {
  try {
    return comparedValue(v, column, session);
  } catch (e) {
    if (e instanceof LindormValueError) return e.message;
    throw e;
  }
}

/** The source row as the sink would write it. */
function expectedRow(plan: Plan, raw: ReadonlyArray<Buffer | null>): Row {
  return makeRow(plan, (i) => sourceCell(raw[i] ?? null, plan.table.columns[i]!.source), (c) => c, 'unwritable');
}

/** A row as Lindorm shows it. */
function shownRow(plan: Plan, record: LindormRecord): Row {
  return makeRow(plan, (i) => shownCell(record[plan.table.columns[i]!.name]), shownColumn, 'unreadable');
}

/** Source names of the columns whose values differ. */
function differingColumns(plan: Plan, expected: Row, actual: Row): string[] {
  return plan.table.columns.filter((_, i) => expected.values[i] !== actual.values[i]).map((c) => c.source.name);
}

/** The source rows in Lindorm's key order, range by range, the order checked as they come. */
async function* sourceRows(plan: Plan, conn: Connection, ranges: readonly KeyRange[]): AsyncGenerator<Row> {
  const t = plan.mapping.source;
  for (const range of ranges) {
    const where = [range.source, plan.filter].filter((c): c is string => c !== undefined).map((c) => `(${c})`);
    const sql = `SELECT ${plan.sourceColumns} FROM ${plan.from}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${plan.sourceOrder}`;
    yield* sourceRowsInKeyOrder(conn, sql, (raw) => expectedRow(plan, raw), `source rows of ${t.database}.${t.name}`, 'Lindorm');
  }
}

/** The Lindorm rows range by range in pages, each checked to follow the one before. */
async function* lindormRows(plan: Plan, sessions: LindormSessions, ranges: readonly KeyRange[]): AsyncGenerator<Row[]> {
  const read = async (sql: string): Promise<LindormRecord[]> => {
    try {
      return await sessions.query(sql);
    } catch (e) {
      // Named, and not taken for a lost source connection.
      throw new Error(`Lindorm table ${plan.table.name}: ${(e as Error).message}`, { cause: e });
    }
  };
  const keyLiterals = (r: LindormRecord) => plan.table.key.map((c) => lindormLiteral(shownCell(r[c.name]), shownColumn(c), plan.session).sql);
  let prev: Row | undefined;
  for (const range of ranges) {
    for await (const records of keyPages(read, plan.paged, range.lindorm, keyLiterals)) {
      const rows = records.map((r) => shownRow(plan, r));
      for (const row of rows) {
        if (!row.key) throw new Error(`Lindorm table ${plan.table.name} returned a row whose key cannot be read back: ${row.label}`);
        if (prev && compareKeys(prev.key!, row.key) >= 0) throw new Error(`Lindorm table ${plan.table.name} did not return its rows in key order (${prev.label} before ${row.label})`);
        prev = row;
      }
      yield rows;
    }
  }
}

/** Pages as the merge takes them: each with the next one's first key as its end, read before it is handed on. */
async function* withEnds(pages: AsyncGenerator<Row[]>): AsyncGenerator<Page<Row>> {
  let current = await pages.next();
  if (current.done) {
    yield { rows: [], end: undefined }; // no Lindorm rows: one empty page holds every source row
    return;
  }
  try {
    for (;;) {
      const next = await pages.next();
      yield { rows: current.value, end: next.done ? undefined : next.value[0]!.key };
      if (next.done) return;
      current = next;
    }
  } finally {
    await pages.return(undefined);
  }
}

function compareTable(plan: Plan, conn: Connection, sessions: LindormSessions, ranges: readonly KeyRange[], settings: VerifySettings, base: { table: string; target: string }): Promise<TableVerification> {
  const recheckable = plan.table.key.every((c) => RECHECKED.has(c.type.name));
  return compareByKey<Row>(
    {
      source: sourceRows(plan, conn, ranges),
      pages: withEnds(lindormRows(plan, sessions, ranges)),
      differing: (expected, actual) => differingColumns(plan, expected, actual),
      recheckable: (row) => recheckable && row.key !== undefined,
      reread: async (rows) => {
        const expected: Row[] = [];
        const actual: Row[] = [];
        for (const row of rows) {
          const [e, a] = await Promise.all([readSourceRow(plan, conn, row), readLindormRow(plan, sessions, row)]);
          if (e) expected.push(e);
          if (a) actual.push(a);
        }
        return { expected, actual };
      },
    },
    settings,
    base,
  );
}

/** Key types whose values name the same row on both sides exactly. */
const RECHECKED = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'DECIMAL', 'VARCHAR', 'CHAR', 'DATE', 'VARBINARY']);

/** The source row with this key now (filter applied), as the sink would write it. */
async function readSourceRow(plan: Plan, conn: Connection, row: Row): Promise<Row | undefined> {
  const equal = plan.table.key.map((c, j) => `${quoteIdent(c.source.name)} = ${sourceKeyLiteral(c, row.keyCells[j]!, row.values[plan.keyAt[j]!]!)}`);
  const sql = `SELECT ${plan.sourceColumns} FROM ${plan.from} WHERE ${equal.join(' AND ')}${plan.filter ? ` AND (${plan.filter})` : ''}`;
  const [found] = (await conn.query({ sql, rowsAsArray: true, typeCast: false })) as unknown as [Array<Array<Buffer | null>>];
  // Collations may match other spellings ('A' = 'a'); Lindorm keys are exact.
  return found.map((r) => expectedRow(plan, r)).find((r) => r.key && compareKeys(r.key, row.key!) === 0);
}

/**
 * A key value (of a RECHECKED type) as the literal the source column compares equal with: its compared text
 * (exact numbers, DATE and X'…' are literals there too), text quoted as MySQL quotes it.
 */
function sourceKeyLiteral(c: LindormColumn, v: CellValue, text: string): string {
  return c.type.name === 'VARCHAR' || c.type.name === 'CHAR' ? quoteString(typeof v === 'string' ? v : String(v)) : text;
}

async function readLindormRow(plan: Plan, sessions: LindormSessions, row: Row): Promise<Row | undefined> {
  const equal = plan.table.key.map((c, j) => `${quoteName(c.name)} = ${row.values[plan.keyAt[j]!]!}`);
  const records = await sessions.query(`SELECT ${plan.paged.columns.map(quoteName).join(', ')} FROM ${quoteName(plan.table.name)} WHERE ${equal.join(' AND ')}`);
  return records.map((r) => shownRow(plan, r)).find((r) => r.key && compareKeys(r.key, row.key!) === 0);
}
