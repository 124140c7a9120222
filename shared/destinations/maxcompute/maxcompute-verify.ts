/**
 * `fc-dts verify` for a MaxCompute destination: each selected table's merge of `_base` and `_log` as of
 * now (merge-sql.ts, plus a margin so changes applied a moment ago count) is compared with the source
 * row by row, by key and by value.
 *
 * The merge runs once per table, into a scratch table `<table>_fc_dts_verify` (LIFECYCLE 1, dropped
 * afterwards) with a row number in key order, partitioned by page (row number div page size, a dynamic
 * partition insert); each page is then read through a Tunnel download of its partition and put in
 * row-number order, the next page read while the current one is compared. So the merge runs once, and
 * each row is read once, with no SQL instance per page: SQL pages (at most 10,000 rows, MaxCompute's
 * result cap) would each scan the whole scratch table. A table estimated at more than 5,000 pages gets
 * larger pages, keeping the partitions one INSERT makes in the thousands.
 *
 * The source is streamed in the destination's key order: MaxCompute orders STRING and BINARY bytewise
 * and numbers and times by value, so string key columns are ordered on the source by the bytes of their
 * utf8mb4 text (`CAST(CAST(c AS CHAR) AS BINARY)`, as tablestore-verify.ts does), the others by the
 * column. Both sides' order is checked as rows arrive: a server that sorts otherwise makes the table's
 * comparison fail instead of reporting wrong differences.
 *
 * Values are compared in one canonical form: the source row goes through the load's own path
 * (source-text.ts `sourceCell`, maxcompute-values.ts `valueWriter`) to the MaxCompute value, and the
 * page's values come from the Tunnel as MaxCompute values; both are then printed the same way (DECIMAL
 * without trailing fraction zeros, FLOAT rounded to float32, times as epoch milliseconds or seconds and
 * nanoseconds). A recheck reads the merge through SQL text instead (DATETIME and TIMESTAMP text in
 * `destination.timeZone`, which the query sets as `odps.sql.timezone`; BINARY read as TO_BASE64 text),
 * where a STRING whose text is `\N` reads back as NULL (the SQL result's NULL token).
 *
 * Every differing key is counted; `maxKeys` of them are listed and, when rechecks are asked for,
 * compared again (`rechecks` times, `recheckMs` apart) while any still differs: the source rows by key,
 * and the merge as of the new now restricted to those keys (one SQL instance per round, which scans
 * `_base` and the log's partitions again), so a change in flight through incremental sync does not
 * count. Keys with a FLOAT, DOUBLE, DATETIME or TIMESTAMP column are listed without a recheck.
 */
import type { Connection } from 'mysql2/promise';
import { isFcDtsError } from '../../errors.ts';
import { renderWhereSql } from '../../filter/where-filter.ts';
import type { MaxComputeClient } from '../../maxcompute/maxcompute-client.ts';
import { tunnelColumns } from '../../maxcompute/tunnel-client.ts';
import type { MaxComputeValue } from '../../maxcompute/maxcompute-types.ts';
import { connect, connectionError, isConnectionLost } from '../../mysql/connection.ts';
import { qualified, quoteIdent, quoteString } from '../../mysql/identifier.ts';
import { loadColumns, type ColumnMapping, type TableMapping } from '../../task/object-mapper.ts';
import type { Task } from '../../task/task.ts';
import { readSourceTables } from '../../verify/source-tables.ts';
import { compareByKey, compareKeys, isVerifyFatal, patientSource, sourceRowsInKeyOrder, type KeyPart, type Page } from '../../verify/key-merge.ts';
import { verifyTables, type TableVerification, type VerifyOptions, type VerifyReport, type VerifySettings } from '../../verify/verify-report.ts';
import type { MaxComputeDestinationConfig } from './config.ts';
import { baseTable, logTable } from './maxcompute-schema.ts';
import { isMaxComputeName, maxComputeType, MAXCOMPUTE_LIMITS } from './maxcompute-table.ts';
import { maxComputeValue, valueWriter } from './maxcompute-values.ts';
import { quoteName } from './merge-sql.ts';
import { prepareMerge, type PreparedMerge } from './staged-merge.ts';
import { sourceCell, sourceSelect } from '../../mysql/source-text.ts';

/** Changes committed up to this long after the verify starts are merged (clock skew, events in flight). */
export const MERGE_MARGIN_S = 60;
export const SCRATCH_SUFFIX = '_fc_dts_verify';
const ROW = 'fc_dts_verify_row';
const PAGE = 'fc_dts_verify_page';
/** Pages a table is cut into at most, as estimated from the source's row count. */
const MAX_PAGES = 5_000;

export async function verifyMaxComputeTask(
  task: Task,
  destination: MaxComputeDestinationConfig,
  client: MaxComputeClient,
  settings: VerifySettings,
  options: Pick<VerifyOptions, 'concurrency' | 'onTable'> = {},
): Promise<VerifyReport> {
  const tables = await readSourceTables(task);
  return verifyTables(task.name, tables, (t) => verifyTable(task, destination, client, t, settings), options);
}

/** One compared column: its MaxCompute type and how both sides' values become the canonical text. */
interface Column {
  readonly mapping: ColumnMapping;
  /** MaxCompute type text, e.g. `DECIMAL(12,2)`. */
  readonly type: string;
  /** The type without parameters. */
  readonly kind: string;
  readonly write: ReturnType<typeof valueWriter>;
}

interface Row {
  readonly key: readonly KeyPart[] | undefined;
  readonly label: string;
  /** Canonical values in column order (null: NULL). */
  readonly values: ReadonlyArray<string | null>;
}

interface Plan {
  readonly mapping: TableMapping;
  readonly columns: readonly Column[];
  readonly keyAt: readonly number[];
  readonly labelHead: string;
  readonly sourceSql: string;
  readonly base: string;
  readonly log: string;
  readonly scratch: string;
  readonly zone: string;
  readonly layout: Pick<MaxComputeDestinationConfig, 'additionalColumnRule' | 'partitionFields'>;
  /** The select list of merged rows read back as text (BINARY as TO_BASE64). */
  readonly readBack: string;
}

async function verifyTable(task: Task, destination: MaxComputeDestinationConfig, client: MaxComputeClient, t: TableMapping, settings: VerifySettings): Promise<TableVerification> {
  const base = { table: `${t.source.database}.${t.source.name}`, target: `${destination.project}.${baseTable(t)} + ${logTable(t)}` };
  const empty = { ...base, sourceRows: 0, destinationRows: 0, chunks: 0, differingChunks: [], differences: [] };
  if (t.key.length === 0) {
    return { ...empty, error: `${base.table} has no primary key: its _base and _log tables cannot be merged into rows by key (set primaryKey for the table)` };
  }
  let plan: Plan;
  try {
    plan = planTable(t, destination);
  } catch (e) {
    return { ...empty, error: (e as Error).message };
  }
  if (!isMaxComputeName(plan.scratch)) return { ...empty, error: `the scratch table name ${plan.scratch} is not a valid MaxCompute name (at most ${MAXCOMPUTE_LIMITS.nameBytes} bytes)` };
  try {
    for (const name of [plan.base, plan.log]) {
      if (!(await client.findTable(name))) return { ...empty, error: `MaxCompute table ${name} does not exist in project ${destination.project}` };
    }
  } catch (e) {
    if (isVerifyFatal(e)) throw e;
    return { ...empty, error: `cannot compare: ${(e as Error).message}` };
  }

  let conn: Connection | undefined;
  let failed = false;
  try {
    const pageRows = pageSize(plan, settings.pageRows);
    const rows = await materialize(plan, client, pageRows);
    conn = await connect('source', task.source);
    await patientSource(conn);
    return await compareTable(plan, conn, client, rows, pageRows, settings, base);
  } catch (e) {
    failed = true;
    if (isVerifyFatal(e)) throw e;
    if (!isFcDtsError(e) && isConnectionLost(e)) throw connectionError('source', task.source, e);
    return { ...empty, error: `cannot compare: ${(e as Error).message ?? String(e)}` };
  } finally {
    if (conn) {
      if (failed) conn.destroy();
      else await conn.end().catch(() => conn!.destroy());
    }
    await client.sql.run(`DROP TABLE IF EXISTS ${quoteName(plan.scratch)}`).catch(() => {}); // LIFECYCLE 1 removes it otherwise
  }
}

function planTable(t: TableMapping, destination: MaxComputeDestinationConfig): Plan {
  const mapped = loadColumns(t);
  const columns: Column[] = mapped.map((c) => {
    const type = maxComputeType(c.source).type;
    return { mapping: c, type, kind: type.replace(/\(.*$/, ''), write: valueWriter(c.source, destination.timeZone) };
  });
  const keyAt = t.key.map((k) => {
    const i = mapped.findIndex((c) => c.source.name.toLowerCase() === k.toLowerCase());
    if (i < 0) throw new Error(`primary-key column ${k} of ${t.source.database}.${t.source.name} is not loaded`);
    return i;
  });
  const order = keyAt.map((i) => sourceOrder(columns[i]!));
  const filter = t.where ? renderWhereSql(t.where) : undefined;
  const select = mapped.map((c) => sourceSelect(c.source, quoteIdent(c.source.name))).join(', ');
  return {
    mapping: t,
    columns,
    keyAt,
    labelHead: `(${keyAt.map((i) => mapped[i]!.source.name).join(',')})=`,
    sourceSql: `SELECT ${select} FROM ${qualified(t.source.database, t.source.name)}${filter ? ` WHERE (${filter})` : ''} ORDER BY ${order.join(', ')}`,
    base: baseTable(t),
    log: logTable(t),
    scratch: t.target.table + SCRATCH_SUFFIX,
    zone: destination.timeZone,
    layout: destination,
    readBack: columns.map((c) => (c.kind === 'BINARY' ? `TO_BASE64(${quoteName(c.mapping.target)})` : quoteName(c.mapping.target))).join(', '),
  };
}

/** The source ORDER BY term sorting a key column as MaxCompute sorts its MaxCompute type. */
function sourceOrder(c: Column): string {
  const quoted = quoteIdent(c.mapping.source.name);
  return c.kind === 'STRING' ? `CAST(CAST(${quoted} AS CHAR) AS BINARY)` : quoted;
}

/** Runs the merge as of now (plus the margin) into the scratch table, numbered in key order and partitioned by page; returns its row count. */
async function materialize(plan: Plan, client: MaxComputeClient, pageRows: number): Promise<number> {
  const names = plan.columns.map((c) => c.mapping.target);
  const settings = sqlSettings(plan);
  const prepared = await mergeNow(plan, client, settings);
  try {
    return await numberIntoPages(plan, client, prepared.select, names, pageRows, settings);
  } finally {
    await prepared.cleanup();
  }
}

async function numberIntoPages(plan: Plan, client: MaxComputeClient, merge: string, names: readonly string[], pageRows: number, settings: Record<string, string>): Promise<number> {
  const scratch = quoteName(plan.scratch);
  const definitions = [`${ROW} BIGINT`, ...plan.columns.map((c) => `${quoteName(c.mapping.target)} ${c.type}`)];
  const order = plan.keyAt.map((i) => `m.${quoteName(names[i]!)}`).join(', ');
  await client.sql.run(`DROP TABLE IF EXISTS ${scratch}`, { settings });
  await client.sql.run(`CREATE TABLE ${scratch} (${definitions.join(', ')}) PARTITIONED BY (${PAGE} STRING) LIFECYCLE 1`, { settings });
  const numbered = `SELECT ROW_NUMBER() OVER (ORDER BY ${order}) AS ${ROW}, ${names.map((n) => `m.${quoteName(n)}`).join(', ')} FROM (\n${merge}\n) m`;
  const page = `CAST(FLOOR((r.${ROW} - 1) / ${pageRows}) AS STRING) AS ${PAGE}`;
  await client.sql.run(`INSERT OVERWRITE TABLE ${scratch} PARTITION (${PAGE}) SELECT r.${ROW}, ${names.map((n) => `r.${quoteName(n)}`).join(', ')}, ${page} FROM (${numbered}) r`, { settings });
  const count = await client.sql.query(`SELECT COUNT(*) FROM ${scratch}`, { settings: { ...settings, 'odps.sql.allow.fullscan': 'true' } });
  return Number(count.rows[0]?.[0] ?? 0);
}

/** Rows a page holds: the asked size, or more where the source's estimate would make over MAX_PAGES pages. */
function pageSize(plan: Plan, asked: number): number {
  return Math.max(asked, Math.ceil(plan.mapping.source.estimatedRows / MAX_PAGES));
}

/**
 * Flags of every verify statement: MaxCompute 2.0 types (TIMESTAMP, DECIMAL(p,s), the narrow integers)
 * whatever the project's default, and DATETIME/TIMESTAMP text in the zone the values are read in.
 */
function sqlSettings(plan: Plan): Record<string, string> {
  return { 'odps.sql.type.system.odps2': 'true', 'odps.sql.timezone': plan.zone };
}

/** The merge as of now plus the margin, folded through a stage table past 10,000 log partitions (staged-merge.ts). */
function mergeNow(plan: Plan, client: MaxComputeClient, settings: Record<string, string>): Promise<PreparedMerge> {
  const names = plan.columns.map((c) => c.mapping.target);
  const spec = {
    base: plan.base,
    log: plan.log,
    columns: names,
    key: plan.keyAt.map((i) => names[i]!),
    at: Math.floor(Date.now() / 1000) + MERGE_MARGIN_S,
    rule: plan.layout.additionalColumnRule,
    partitionFields: plan.layout.partitionFields,
  };
  return prepareMerge(client, spec, { stage: `${plan.scratch}_stage`, settings });
}

/** A MaxCompute value in the canonical text both sides are compared in. */
function canonical(c: Column, v: MaxComputeValue): string | null {
  if (v === null) return null;
  if (v instanceof Uint8Array) return c.kind === 'STRING' ? Buffer.from(v).toString('utf8') : Buffer.from(v).toString('base64');
  switch (c.kind) {
    case 'FLOAT':
      return String(Math.fround(Number(v)));
    case 'DOUBLE':
      return String(Number(v));
    case 'DECIMAL':
      return decimalText(String(v));
    case 'DATETIME':
      return String(v);
    case 'TIMESTAMP': {
      const t = v as { seconds: number; nanos: number };
      return `${t.seconds}.${String(t.nanos).padStart(9, '0')}`;
    }
    default:
      return String(v);
  }
}

/** Exact decimal text without a plus sign, leading zeros or trailing fraction zeros; -0 is 0. */
function decimalText(s: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s.trim());
  if (!m) return s;
  const int = m[2]!.replace(/^0+(?=\d)/, '') || '0';
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const abs = frac ? `${int}.${frac}` : int;
  return m[1] === '-' && abs !== '0' ? `-${abs}` : abs;
}

/** A key column's canonical value in MaxCompute's order. */
function keyPart(c: Column, v: string): KeyPart {
  switch (c.kind) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
    case 'DATETIME':
      return BigInt(v);
    case 'FLOAT':
    case 'DOUBLE':
      return Number(v);
    case 'DECIMAL': {
      const scale = Number(/,\s*(\d+)\)/.exec(c.type)?.[1] ?? 0);
      const [int, frac = ''] = v.replace('-', '').split('.');
      const n = BigInt(int! + frac.padEnd(scale, '0'));
      return v.startsWith('-') ? -n : n;
    }
    case 'TIMESTAMP': {
      const [s, n] = v.split('.');
      return BigInt(s!) * 1_000_000_000n + BigInt(n!);
    }
    case 'BINARY':
      return Buffer.from(v, 'base64');
    default:
      return Buffer.from(v, 'utf8');
  }
}

/** A key value as an SQL literal in labels. */
function keyLiteral(c: Column, v: string | null): string {
  if (v === null) return 'NULL';
  if (c.kind === 'BINARY') {
    const hex = Buffer.from(v, 'base64').toString('hex');
    return hex ? `X'${hex}'` : "''";
  }
  return /^(TINYINT|SMALLINT|INT|BIGINT|FLOAT|DOUBLE|DECIMAL)$/.test(c.kind) ? v : quoteString(v);
}

function makeRow(plan: Plan, values: Array<string | null>, text: ReadonlyArray<string | null>): Row {
  let key: KeyPart[] | undefined = [];
  const literals: string[] = [];
  for (const i of plan.keyAt) {
    const c = plan.columns[i]!;
    const v = values[i]!;
    literals.push(keyLiteral(c, c.kind === 'BINARY' || v === null || v.startsWith('unwritable:') ? v : (text[i] ?? v)));
    if (v === null || v.startsWith('unwritable:')) key = undefined;
    else key?.push(keyPart(c, v));
  }
  return { key, label: `${plan.labelHead}(${literals.join(',')})`, values };
}

/** The source row as the load writes it, in canonical form. */
function expectedRow(plan: Plan, raw: ReadonlyArray<Buffer | null>): Row {
  const values = plan.columns.map((c, i) => {
    try {
      return canonical(c, c.write(sourceCell(raw[i] ?? null, c.mapping.source)));
    } catch (e) {
      return `unwritable:${(e as Error).message}`;
    }
  });
  return makeRow(plan, values, raw.map((b, i) => (b === null ? null : plan.columns[i]!.kind === 'BINARY' ? b.toString('base64') : b.toString('utf8'))));
}

/** A merged row from a page's Tunnel values (after the row number), in canonical form. */
function downloadedRow(plan: Plan, values: readonly MaxComputeValue[]): Row {
  const canonicalValues = plan.columns.map((c, i) => canonical(c, values[i + 1] ?? null));
  return makeRow(plan, canonicalValues, canonicalValues);
}

/** A merged row from SQL text (a recheck), in canonical form. */
function actualRow(plan: Plan, text: ReadonlyArray<string | null>): Row {
  const values = plan.columns.map((c, i) => {
    const s = text[i] ?? null;
    if (s === null) return null;
    switch (c.kind) {
      case 'BINARY':
        return s;
      case 'DATETIME':
      case 'TIMESTAMP':
        try {
          return canonical(c, maxComputeValue(s, c.kind, plan.zone));
        } catch {
          return `unreadable:${s}`;
        }
      default:
        return canonical(c, s);
    }
  });
  return makeRow(plan, values, text);
}

/** Streams the source rows in MaxCompute's key order, checking that order as they come. */
function sourceRows(plan: Plan, conn: Connection): AsyncGenerator<Row> {
  const t = plan.mapping.source;
  return sourceRowsInKeyOrder(conn, plan.sourceSql, (raw) => expectedRow(plan, raw), `source rows of ${t.database}.${t.name}`, 'MaxCompute');
}

/** The scratch table a page (partition) at a time through the Tunnel, each in row-number order, the next page read while the current one is compared. */
async function* destinationPages(plan: Plan, client: MaxComputeClient, total: number, pageRows: number): AsyncGenerator<Page<Row>> {
  const read = async (page: number): Promise<Row[]> => {
    const target = { table: plan.scratch, partition: { [PAGE]: String(page) } };
    const session = await client.tunnel.createDownload(target);
    const numbered: MaxComputeValue[][] = [];
    for await (const r of client.tunnel.readRows(target, session.downloadId, tunnelColumns(session.columns, plan.scratch), 0, session.recordCount)) numbered.push(r);
    numbered.sort((a, b) => Number(a[0]) - Number(b[0]));
    return numbered.map((r) => downloadedRow(plan, r));
  };
  const pages = Math.ceil(total / pageRows);
  let prev: Row | undefined;
  let pending = pages > 0 ? read(0) : undefined;
  for (let page = 0; pending; page++) {
    const rows = await pending;
    pending = page + 1 < pages ? read(page + 1) : undefined;
    pending?.catch(() => {}); // awaited on the next turn; not unhandled if the merge stops first
    for (const row of rows) {
      if (prev && compareKeys(prev.key!, row.key!) >= 0) {
        throw new Error(`merged rows of ${plan.base} and ${plan.log} did not come back in key order (${prev.label} before ${row.label})`);
      }
      prev = row;
    }
    const next = pending ? (await pending)[0] : undefined;
    yield { rows, end: next?.key };
  }
}

function compareTable(plan: Plan, conn: Connection, client: MaxComputeClient, total: number, pageRows: number, settings: VerifySettings, base: { table: string; target: string }): Promise<TableVerification> {
  const recheckable = plan.keyAt.every((i) => RECHECKED.has(plan.columns[i]!.kind));
  return compareByKey<Row>(
    {
      source: sourceRows(plan, conn),
      // No merged rows: one empty page holds every source row.
      pages: total > 0 ? destinationPages(plan, client, total, pageRows) : [{ rows: [], end: undefined }],
      differing: (expected, actual) => differingColumns(plan, expected, actual),
      recheckable: () => recheckable,
      reread: async (rows) => {
        const [expected, actual] = await Promise.all([readSourceRows(plan, conn, rows), readMergedRows(plan, client, rows)]);
        return { expected, actual };
      },
    },
    settings,
    base,
  );
}

/** Source names of the columns whose values differ. */
function differingColumns(plan: Plan, expected: Row, actual: Row): string[] {
  return plan.columns.filter((_, i) => expected.values[i] !== actual.values[i]).map((c) => c.mapping.source.name);
}
/** Key column kinds a recheck can name exactly on both sides. */
const RECHECKED = new Set(['TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'DECIMAL', 'STRING', 'BINARY', 'DATE']);

/** `(k1 = v1 AND k2 = v2) OR …` for `rows`, each key value written by `literal`. */
function keyPredicate(plan: Plan, rows: readonly Row[], literal: (c: Column, v: string) => string): string {
  return rows.map((r) => `(${plan.keyAt.map((i) => literal(plan.columns[i]!, r.values[i]!)).join(' AND ')})`).join(' OR ');
}

/** The source rows with these keys now (filter applied), in canonical form. */
async function readSourceRows(plan: Plan, conn: Connection, rows: readonly Row[]): Promise<Row[]> {
  const where = keyPredicate(plan, rows, (c, v) => {
    const quoted = quoteIdent(c.mapping.source.name);
    if (c.kind === 'BINARY') return `${quoted} = ${v === '' ? "''" : `X'${Buffer.from(v, 'base64').toString('hex')}'`}`;
    // Numbers (BIT too) as exact numeric literals; a string would compare as a double.
    return `${quoted} = ${/^(TINYINT|SMALLINT|INT|BIGINT|DECIMAL)$/.test(c.kind) ? v : quoteString(v)}`;
  });
  const sql = plan.sourceSql.replace(/ ORDER BY .*$/s, '');
  const [found] = (await conn.query({ sql: `${sql}${/ WHERE \(/.test(sql) ? ' AND' : ' WHERE'} (${where})`, rowsAsArray: true, typeCast: false })) as unknown as [Array<Array<Buffer | null>>];
  // Collations may match other spellings ('A' = 'a'); the keys compared are exact.
  return found.map((r) => expectedRow(plan, r)).filter((r) => r.key);
}

/** The merge as of now, restricted to these keys. */
async function readMergedRows(plan: Plan, client: MaxComputeClient, rows: readonly Row[]): Promise<Row[]> {
  const where = keyPredicate(plan, rows, (c, v) => {
    const quoted = `m.${quoteName(c.mapping.target)}`;
    switch (c.kind) {
      case 'BINARY':
        return `TO_BASE64(${quoted}) = ${stringLiteral(v)}`;
      case 'DECIMAL':
        return `${quoted} = CAST(${stringLiteral(v)} AS ${c.type})`;
      case 'DATE':
        return `${quoted} = CAST(${stringLiteral(v)} AS DATE)`;
      case 'STRING':
        return `${quoted} = ${stringLiteral(v)}`;
      default:
        return `${quoted} = ${v}`;
    }
  });
  const settings = sqlSettings(plan);
  const prepared = await mergeNow(plan, client, settings);
  try {
    const sql = `SELECT ${plan.readBack} FROM (\n${prepared.select}\n) m WHERE ${where} LIMIT ${MAXCOMPUTE_LIMITS.resultRows}`;
    const result = await client.sql.query(sql, { settings });
    return result.rows.map((r) => actualRow(plan, r));
  } finally {
    await prepared.cleanup();
  }
}

/** A MaxCompute string literal (backslash escapes). */
const stringLiteral = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
