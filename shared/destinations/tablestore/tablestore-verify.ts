/**
 * `fc-dts verify` for a Tablestore destination: every selected table's source rows are merge-joined,
 * row by row, with the destination table read in GetRange pages, and each row is compared with the
 * row the full load would have written for it (tablestore-values.ts `fromText`, the same conversion).
 *
 * Both sides are read in Tablestore's primary-key order, so memory stays bounded (one streamed source
 * result, two destination pages) whatever the table size. Tablestore orders INTEGER keys as signed
 * numbers and STRING/BINARY keys bytewise (STRING by its UTF-8 bytes), column by column; the source
 * query orders each key column the same way: integer kinds by the column, string and exact kinds
 * (text, temporals, DECIMAL, BIGINT UNSIGNED) by the bytes of their utf8mb4 text — so "10" sorts
 * before "9" for a BIGINT UNSIGNED key, as in Tablestore — and binary kinds by the column's bytes.
 * The order each source row arrives in is checked against Tablestore's: a server that sorts otherwise
 * makes the table's comparison fail instead of reporting wrong differences.
 *
 * Only the selected columns are compared, by destination name; NULL is an absent column. The WHERE
 * filter applies to the source side: destination rows it excludes are extra. The "chunks" of the
 * report are the destination's GetRange pages (page i runs from its first key to the next page's).
 * Every differing key is counted; `maxKeys` of them are listed and, when rechecks are asked for,
 * re-read on both sides (`rechecks` times, `recheckMs` apart) while they still differ, so a change in
 * flight through incremental sync does not count.
 */
import type { Connection } from 'mysql2/promise';
import TableStore from 'tablestore';
import { qualified, quoteIdent, quoteString } from '../../mysql/identifier.ts';
import { renderWhereSql } from '../../filter/where-filter.ts';
import { retryTransient } from '../../tablestore/tablestore-errors.ts';
import type { TableMapping } from '../../task/object-mapper.ts';
import { readSourceTables } from '../../verify/source-tables.ts';
import type { Task } from '../../task/task.ts';
import type { TablestoreDestinationConfig } from './config.ts';
import { compareByKey, compareKeys, isVerifyFatal, onSourceConnection, sourceRowsInKeyOrder, type KeyPart, type Page } from '../../verify/key-merge.ts';
import { verifyTables, type TableVerification, type VerifyOptions, type VerifyReport, type VerifySettings } from '../../verify/verify-report.ts';
import { describeKey, formatKeySchema, openTablestoreClient, tablestoreFailure, type KeySchemaColumn } from '../../tablestore/tablestore-client.ts';
import { WATERMARK_TABLE } from './tablestore-sink.ts';
import { isTablestoreName, TABLESTORE_LIMITS, tablestoreTable, type TablestoreTable } from './tablestore-table.ts';
import { comparable, fromText, sourceExpression, type TablestoreValue, type ValueKind } from './tablestore-values.ts';

const { Direction, INF_MIN, INF_MAX } = TableStore;

export async function verifyTablestoreTask(
  task: Task,
  destination: TablestoreDestinationConfig,
  settings: VerifySettings,
  options: Pick<VerifyOptions, 'concurrency' | 'onTable'> = {},
): Promise<VerifyReport> {
  const tables = await readSourceTables(task);
  const client = openTablestoreClient(destination);
  return verifyTables(task.name, tables, (t) => verifyTable(task, destination, client, t, settings), options);
}

function keyPart(v: TablestoreValue): KeyPart {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'object') return BigInt(v.toString());
  throw new Error(`a ${typeof v} value cannot be a primary-key value`);
}

/** One row as the comparison sees it, from either side. */
interface Row {
  /** undefined: a source row no Tablestore row can stand for (NULL or oversized key value). */
  readonly key: readonly KeyPart[] | undefined;
  /** The primary key as Tablestore takes it (GetRow), when `key` is defined. */
  readonly primaryKey: TableStore.PrimaryKey | undefined;
  readonly label: string;
  /** Compared attribute columns present in the row: destination name → `comparable` form. */
  readonly attributes: ReadonlyMap<string, string>;
}

/** What one table's comparison needs to know, worked out once. */
interface Plan {
  readonly mapping: TableMapping;
  readonly table: TablestoreTable;
  /** Index in `table.columns` of each primary-key column, in key order. */
  readonly keyAt: readonly number[];
  readonly attributeAt: readonly number[];
  /** Destination name → source name of the compared attribute columns. */
  readonly sourceName: ReadonlyMap<string, string>;
  /** GetRange/GetRow columnsToGet: key and compared columns (undefined: too many to name, read all). */
  readonly columnsToGet: string[] | undefined;
  /** The source select list, in `table.columns` order. */
  readonly columnsSql: string;
  readonly from: string;
  readonly filter: string | undefined;
  /** ORDER BY terms sorting the source rows in Tablestore's key order. */
  readonly orderBy: string;
  /** Source `(k1,k2)=` prefix of key labels. */
  readonly labelHead: string;
}

async function verifyTable(
  task: Task,
  destination: TablestoreDestinationConfig,
  client: TableStore.Client,
  t: TableMapping,
  settings: VerifySettings,
): Promise<TableVerification> {
  const table = tablestoreTable(t);
  const base = { table: `${t.source.database}.${t.source.name}`, target: `${destination.instance}.${table.name}` };
  const empty = { ...base, sourceRows: 0, destinationRows: 0, chunks: 0, differingChunks: [], differences: [] };
  const problem = mappingProblem(t, table);
  if (problem) return { ...empty, error: problem };

  const expectedKey: KeySchemaColumn[] = table.primaryKey.map((k) => ({ name: k.name, type: k.type! }));
  let existing: KeySchemaColumn[] | undefined;
  try {
    existing = await describeKey(client, table.name, settings.retryMs);
  } catch (e) {
    if (isVerifyFatal(e)) throw e;
    return { ...empty, error: `cannot compare: ${(e as Error).message}` };
  }
  if (!existing) return { ...empty, error: `Tablestore table ${table.name} does not exist in instance ${destination.instance}` };
  if (formatKeySchema(existing) !== formatKeySchema(expectedKey)) {
    return { ...empty, error: `Tablestore table ${table.name} has primary key (${formatKeySchema(existing)}), not (${formatKeySchema(expectedKey)}) as the task maps it` };
  }

  const plan = planTable(t, table);
  return onSourceConnection(task.source, empty, (conn) => compareTable(plan, conn, client, settings, base));
}

/** Why the mapping cannot have a Tablestore copy to compare with, if it cannot. */
function mappingProblem(t: TableMapping, table: TablestoreTable): string | undefined {
  if (table.name === WATERMARK_TABLE) return `${WATERMARK_TABLE} is fc-dts's own table in the instance (incremental sync watermarks); map the table to another name with "as"`;
  if (!isTablestoreName(table.name)) return `${JSON.stringify(table.name)} is not a valid Tablestore table name (letters, digits and _, not starting with a digit)`;
  if (table.primaryKey.length === 0) return `${t.source.database}.${t.source.name} has no primary key, and Tablestore rows are identified by one (set primaryKey for the table)`;
  const bad = table.primaryKey.find((k) => !k.type);
  if (bad) return `primary-key column ${bad.name} is a ${bad.kind} value, which Tablestore keys cannot hold (INTEGER, STRING or BINARY only)`;
  return undefined;
}

function planTable(t: TableMapping, table: TablestoreTable): Plan {
  const cols = table.columns;
  const keyAt = table.primaryKey.map((k) => cols.findIndex((c) => c.name === k.name));
  const keys = new Set(keyAt);
  const attributeAt = cols.map((_, i) => i).filter((i) => !keys.has(i));
  const names = [...table.primaryKey.map((k) => k.name), ...attributeAt.map((i) => cols[i]!.name)];
  const order = keyAt.map((i) => keyOrderExpression(cols[i]!.kind, quoteIdent(cols[i]!.source)));
  const filter = t.where ? renderWhereSql(t.where) : undefined;
  const from = qualified(t.source.database, t.source.name);
  return {
    mapping: t,
    table,
    keyAt,
    attributeAt,
    sourceName: new Map(attributeAt.map((i) => [cols[i]!.name, cols[i]!.source])),
    columnsToGet: names.length <= 1024 ? names : undefined,
    columnsSql: cols.map((c) => sourceExpression(c.kind, quoteIdent(c.source))).join(', '),
    from,
    filter,
    orderBy: order.join(', '),
    labelHead: `(${keyAt.map((i) => cols[i]!.source).join(',')})=`,
  };
}

/**
 * The ORDER BY term that sorts a key column as Tablestore sorts its values. The text of string and
 * exact kinds is what the text protocol sends (utf8mb4, the session's time zone), as bytes.
 */
function keyOrderExpression(kind: ValueKind, quoted: string): string {
  switch (kind) {
    case 'integer':
    case 'binary':
      return quoted;
    default:
      return `CAST(CAST(${quoted} AS CHAR) AS BINARY)`;
  }
}

/** A key value as an SQL literal in labels, as the MySQL comparison prints keys. */
function keyLiteral(kind: ValueKind, v: TablestoreValue | null): string {
  if (v === null) return 'NULL';
  if (Buffer.isBuffer(v)) return v.length === 0 ? "''" : `X'${v.toString('hex')}'`;
  if (typeof v === 'string') return kind === 'exact' ? v : quoteString(v);
  return String(v.toString());
}

/** The source row as the full load would write it. */
function expectedRow(plan: Plan, values: ReadonlyArray<Buffer | null>): Row {
  const cols = plan.table.columns;
  const keyValues: Array<TablestoreValue | null> = [];
  let unaddressable = false;
  for (const i of plan.keyAt) {
    const c = cols[i]!;
    let v: TablestoreValue | null;
    try {
      v = fromText(c.name, c.kind, values[i] ?? null);
    } catch {
      v = null;
    }
    keyValues.push(v);
    // The full load refuses such rows: no Tablestore row can have them.
    if (v === null || ((typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : 0) > TABLESTORE_LIMITS.primaryKeyValueBytes)) unaddressable = true;
  }
  const attributes = new Map<string, string>();
  for (const i of plan.attributeAt) {
    const c = cols[i]!;
    try {
      const v = fromText(c.name, c.kind, values[i] ?? null);
      if (v !== null) attributes.set(c.name, comparable(v));
    } catch (e) {
      attributes.set(c.name, `unrepresentable:${(e as Error).message}`);
    }
  }
  const label = `${plan.labelHead}(${plan.keyAt.map((i, j) => keyLiteral(cols[i]!.kind, keyValues[j]!)).join(',')})`;
  if (unaddressable) return { key: undefined, primaryKey: undefined, label, attributes };
  const present = keyValues as TablestoreValue[];
  return {
    key: present.map(keyPart),
    primaryKey: plan.table.primaryKey.map((k, j) => ({ [k.name]: present[j] as TableStore.PrimaryKeyValue })),
    label,
    attributes,
  };
}

/** A destination row read back (GetRange or GetRow). */
function actualRow(plan: Plan, r: { primaryKey: TableStore.PrimaryKeyColumn[]; attributes?: TableStore.AttributeColumn[] }): Row {
  const values = plan.table.primaryKey.map((k) => r.primaryKey.find((c) => c.name === k.name)?.value);
  if (values.some((v) => v === undefined)) throw new Error(`Tablestore returned a row of ${plan.table.name} without all its primary-key columns`);
  const present = values as TableStore.PrimaryKeyValue[];
  const attributes = new Map<string, string>();
  for (const a of r.attributes ?? []) if (plan.sourceName.has(a.columnName)) attributes.set(a.columnName, comparable(a.columnValue));
  return {
    key: present.map(keyPart),
    primaryKey: plan.table.primaryKey.map((k, j) => ({ [k.name]: present[j]! })),
    label: `${plan.labelHead}(${plan.table.primaryKey.map((k, j) => keyLiteral(k.kind, present[j]!)).join(',')})`,
    attributes,
  };
}

/** Source names of the compared columns whose values differ (absent = NULL). */
function differingColumns(plan: Plan, expected: Row, actual: Row): string[] {
  const out: string[] = [];
  for (const [name, source] of plan.sourceName) if (expected.attributes.get(name) !== actual.attributes.get(name)) out.push(source);
  return out;
}

/** Streams the source rows in Tablestore's key order, checking that order as they come. */
function sourceRows(plan: Plan, conn: Connection): AsyncGenerator<Row> {
  const t = plan.mapping.source;
  const sql = `SELECT ${plan.columnsSql} FROM ${plan.from}${plan.filter ? ` WHERE (${plan.filter})` : ''} ORDER BY ${plan.orderBy}`;
  return sourceRowsInKeyOrder(conn, sql, (raw) => expectedRow(plan, raw), `source rows of ${t.database}.${t.name}`, 'Tablestore');
}

/** The destination table in GetRange pages, the next page read while the current one is compared. */
async function* destinationPages(plan: Plan, client: TableStore.Client, retryMs: number): AsyncGenerator<Page<Row>> {
  const names = plan.table.primaryKey.map((k) => k.name);
  const end: TableStore.RangeKey = names.map((n) => ({ [n]: INF_MAX }));
  const read = async (start: TableStore.RangeKey): Promise<TableStore.GetRangeResult> => {
    const outcome = await retryTransient(
      () =>
        client.getRange({
          tableName: plan.table.name,
          direction: Direction.FORWARD,
          inclusiveStartPrimaryKey: start,
          exclusiveEndPrimaryKey: end,
          limit: TABLESTORE_LIMITS.rangeRows,
          maxVersions: 1,
          ...(plan.columnsToGet ? { columnsToGet: plan.columnsToGet } : {}),
        }),
      { budgetMs: retryMs },
    );
    if (!outcome.ok) throw tablestoreFailure(`read table ${plan.table.name}`, outcome);
    return outcome.value;
  };
  let pending = read(names.map((n) => ({ [n]: INF_MIN })));
  for (;;) {
    const page = await pending;
    const next = page.nextStartPrimaryKey;
    if (next) {
      pending = read(next.map((c) => ({ [c.name]: c.value })));
      pending.catch(() => {}); // awaited on the next turn; not unhandled if the merge stops first
    }
    yield { rows: page.rows.map((r) => actualRow(plan, r)), end: next ? actualRow(plan, { primaryKey: next }).key : undefined };
    if (!next) return;
  }
}

function compareTable(
  plan: Plan,
  conn: Connection,
  client: TableStore.Client,
  settings: VerifySettings,
  base: { table: string; target: string },
): Promise<TableVerification> {
  return compareByKey<Row>(
    {
      source: sourceRows(plan, conn),
      pages: destinationPages(plan, client, settings.retryMs),
      differing: (expected, actual) => differingColumns(plan, expected, actual),
      recheckable: (row) => row.primaryKey !== undefined,
      reread: async (rows) => {
        const expected: Row[] = [];
        const actual: Row[] = [];
        for (const row of rows) {
          const [e, a] = await Promise.all([readSourceRow(plan, conn, row.primaryKey!), readDestinationRow(plan, client, row.primaryKey!, settings.retryMs)]);
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

/** The source row with this Tablestore key now (filter applied), as the full load would write it. */
async function readSourceRow(plan: Plan, conn: Connection, primaryKey: TableStore.PrimaryKey): Promise<Row | undefined> {
  const cols = plan.table.columns;
  const wanted = plan.table.primaryKey.map((k, j) => keyPart(primaryKey[j]![k.name] as TablestoreValue));
  const equal = plan.keyAt.map((i, j) => {
    const c = cols[i]!;
    const source = plan.mapping.source.columns.find((x) => x.name === c.source);
    return `${quoteIdent(c.source)} = ${conditionLiteral(c.kind, source?.dataType === 'bit', primaryKey[j]![c.name] as TablestoreValue)}`;
  });
  const sql = `SELECT ${plan.columnsSql} FROM ${plan.from} WHERE ${equal.join(' AND ')}${plan.filter ? ` AND (${plan.filter})` : ''}`;
  const [rows] = (await conn.query({ sql, rowsAsArray: true, typeCast: false })) as unknown as [Array<Array<Buffer | null>>];
  // Collations may match other spellings ('A' = 'a'); Tablestore keys are exact.
  return rows.map((r) => expectedRow(plan, r)).find((r) => r.key && compareKeys(r.key, wanted) === 0);
}

/** A key value as the literal the source column compares equal with. */
function conditionLiteral(kind: ValueKind, bit: boolean, v: TablestoreValue): string {
  if (Buffer.isBuffer(v)) {
    // BIT(n) compares as a number; a hex literal would compare as a string.
    if (bit) return v.length === 0 ? '0' : BigInt(`0x${v.toString('hex')}`).toString();
    return v.length === 0 ? "''" : `X'${v.toString('hex')}'`;
  }
  // DECIMAL and BIGINT UNSIGNED: an exact numeric literal (a string would compare as a double).
  if (typeof v === 'string') return kind === 'exact' && /^-?\d+(\.\d+)?$/.test(v) ? v : quoteString(v);
  return String(v.toString());
}

async function readDestinationRow(plan: Plan, client: TableStore.Client, primaryKey: TableStore.PrimaryKey, retryMs: number): Promise<Row | undefined> {
  const outcome = await retryTransient(
    () => client.getRow({ tableName: plan.table.name, primaryKey, maxVersions: 1, ...(plan.columnsToGet ? { columnsToGet: plan.columnsToGet } : {}) }),
    { budgetMs: retryMs },
  );
  if (!outcome.ok) throw tablestoreFailure(`read a row of table ${plan.table.name}`, outcome);
  const row = outcome.value.row;
  return row.primaryKey && row.primaryKey.length > 0 ? actualRow(plan, { primaryKey: row.primaryKey, attributes: row.attributes ?? [] }) : undefined;
}
