/**
 * Precheck items about a Tablestore destination (references 000 and 003, "Destination database
 * limitations"): the endpoint and credentials, the tables per instance, Tablestore's naming rules, the
 * primary keys the tables get, columns whose values can exceed Tablestore's size limits, and tables that
 * already exist under the names the task writes.
 *
 * Names, keys and value sizes need only the resolved objects; the table limit and the existing tables also need the
 * instance, and are left out when it cannot be reached (as the MySQL items are).
 */
import { connect as netConnect } from 'node:net';
import type TableStore from 'tablestore';
import { isFcDtsError } from '../../errors.ts';
import { retryTransient, type OtsFailure } from '../../tablestore/tablestore-errors.ts';
import { describeKey, formatKeySchema, openTablestoreClient, type KeySchemaColumn } from '../../tablestore/tablestore-client.ts';
import { ownershipKey } from './tablestore-schema.ts';
import { WATERMARK_TABLE } from './tablestore-sink.ts';
import { isTablestoreName, tablestoreTable, TABLESTORE_LIMITS, type KeyColumn } from './tablestore-table.ts';
import { COLUMN_VALUE_LIMIT, maxValueBytes, ROW_SIZE_LIMIT } from './tablestore-limits.ts';
import { loadColumns, tableLabel, type ColumnMapping, type DatabaseMapping, type TableMapping } from '../../task/object-mapper.ts';
import type { DirtyDataPolicy, Task } from '../../task/task.ts';
import type { TablestoreDestinationConfig } from './config.ts';
import type { CheckResult } from '../../precheck/check-result.ts';
import type { DestinationCheckContext } from '../destination.ts';
import { guarded, listNames, plural, toItem, type ItemMeta, type Verdict } from '../../precheck/source-checks.ts';

export const TABLESTORE_ITEMS = {
  connectivity: { id: 'destination-connectivity', name: 'Destination connectivity and credentials', side: 'destination' },
  tableLimit: { id: 'tablestore-table-limit', name: 'Tables per Tablestore instance', side: 'destination' },
  names: { id: 'tablestore-names', name: 'Tablestore table and column names', side: 'destination' },
  primaryKeys: { id: 'tablestore-primary-keys', name: 'Tablestore primary keys', side: 'destination' },
  valueSizes: { id: 'tablestore-value-sizes', name: 'Column values Tablestore can store', side: 'destination' },
  existingTables: { id: 'tablestore-existing-tables', name: 'Existing Tablestore tables', side: 'destination' },
} as const satisfies Record<string, ItemMeta>;

/** How long the precheck waits for a TCP connection to the endpoint, and retries transient service answers. */
const PROBE_TIMEOUT_MS = 5_000;
const RETRY_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Connectivity and credentials

export interface OpenedTablestore {
  readonly item: CheckResult;
  /** Present when ListTable answered: the client, and the tables the instance holds. */
  readonly instance?: { readonly client: TableStore.Client; readonly tables: ReadonlySet<string> };
}

type Probe = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly host: string; readonly port: number; readonly message: string };

/**
 * A plain TCP connection to the endpoint first: the SDK retries ListTable on network errors twenty
 * times (about 40 s for a closed port), which a precheck should not sit through.
 */
async function probeEndpoint(endpoint: string): Promise<Probe> {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const done = (p: Probe) => {
      socket.destroy();
      resolve(p);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done({ ok: false, code: 'ETIMEDOUT', host, port, message: `no answer within ${PROBE_TIMEOUT_MS / 1000} s` }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, code: e.code ?? '', host, port, message: e.message }));
  });
}

const ENDPOINT_FIX =
  'check destination.endpoint: the instance endpoint the Tablestore console lists (https://<instance>.<region>.ots.aliyuncs.com, or its VPC endpoint when fc-dts runs in that VPC), and that the network between fc-dts and it is open';

export function unreachableVerdict(d: Pick<TablestoreDestinationConfig, 'endpoint'>, p: Exclude<Probe, { ok: true }>): Verdict {
  const at = `Tablestore endpoint ${d.endpoint} (destination.endpoint)`;
  switch (p.code) {
    case 'ECONNREFUSED':
      return { status: 'failed', reason: `${at}: connection refused (nothing listens on ${p.host}:${p.port})`, fix: ENDPOINT_FIX };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { status: 'failed', reason: `${at}: host name "${p.host}" does not resolve`, fix: ENDPOINT_FIX };
    case 'ETIMEDOUT':
      return { status: 'failed', reason: `${at}: connection to ${p.host}:${p.port} timed out (${p.message})`, fix: `${ENDPOINT_FIX} (a firewall, or the instance's network settings, may drop the connection)` };
    default:
      return { status: 'failed', reason: `${at}: cannot connect to ${p.host}:${p.port} (${[p.code, p.message].filter(Boolean).join(' ')})`, fix: ENDPOINT_FIX };
  }
}

/** What a refused ListTable means for the task file. The secret itself is never part of a message. */
export function listTableFailureVerdict(d: Pick<TablestoreDestinationConfig, 'endpoint' | 'instance' | 'accessKeyId' | 'securityToken'>, f: OtsFailure): Verdict {
  const at = `Tablestore instance "${d.instance}" at ${d.endpoint}`;
  if (f.name === 'OTSAuthFailed') {
    return {
      status: 'failed',
      reason: `${at} refused the credentials of AccessKey ID ${d.accessKeyId}: ${f.description}`,
      fix: `check destination.accessKeyId and destination.accessKeySecret${d.securityToken ? ' and destination.securityToken (STS credentials expire)' : ''}: they must be an AccessKey pair of the account that owns the instance; and check destination.instance (the instance name, as the endpoint's first label)`,
    };
  }
  if (f.name !== undefined && /Permission|Denied|Forbidden/i.test(f.name)) {
    return {
      status: 'failed',
      reason: `${at}: AccessKey ID ${d.accessKeyId} may not list the instance's tables: ${f.description}`,
      fix: `grant the RAM user of destination.accessKeyId the Tablestore actions fc-dts uses on instance "${d.instance}" (ots:ListTable, ots:DescribeTable, ots:CreateTable, ots:GetRange, ots:GetRow, ots:PutRow, ots:UpdateRow, ots:BatchWriteRow)`,
    };
  }
  if (f.network) {
    return { status: 'failed', reason: `${at} did not answer ListTable: ${f.description}`, fix: `${ENDPOINT_FIX} (an http:// endpoint for an https:// service, or the reverse, fails this way)` };
  }
  if (f.name === undefined && f.status !== undefined) {
    return {
      status: 'failed',
      reason: `${d.endpoint} answered ListTable with ${f.description}, which is not a Tablestore answer`,
      fix: `${ENDPOINT_FIX}; destination.endpoint is the instance endpoint itself, without a path`,
    };
  }
  return { status: 'failed', reason: `${at}: ListTable failed: ${f.description}`, fix: 'check destination.endpoint and destination.instance against the Tablestore console, and the message' };
}

/** Item: connects to the endpoint and lists the instance's tables with the task's credentials. */
export async function openTablestore(d: TablestoreDestinationConfig): Promise<OpenedTablestore> {
  const meta = TABLESTORE_ITEMS.connectivity;
  let probe: Probe;
  try {
    probe = await probeEndpoint(d.endpoint);
  } catch (e) {
    return { item: toItem(meta, { status: 'failed', reason: `destination.endpoint "${d.endpoint}" cannot be used: ${(e as Error).message}`, fix: ENDPOINT_FIX }) };
  }
  if (!probe.ok) return { item: toItem(meta, unreachableVerdict(d, probe)) };
  const client = openTablestoreClient(d);
  const listed = await retryTransient(() => client.listTable({}), { budgetMs: RETRY_MS });
  if (!listed.ok) return { item: toItem(meta, listTableFailureVerdict(d, listed.failure)) };
  const tables = new Set(listed.value.tableNames);
  return {
    item: toItem(meta, {
      status: 'passed',
      reason: `ListTable answered for instance "${d.instance}" at ${d.endpoint} with AccessKey ID ${d.accessKeyId} (${plural(tables.size, 'table')} in the instance)`,
    }),
    instance: { client, tables },
  };
}

// ---------------------------------------------------------------------------------------------
// Naming and keys (no I/O)

const quoted = (s: string) => JSON.stringify(s);

/** Whether the table has an entry of its own under `tables` (else its entry is the whole database). */
const listed = (t: TableMapping) => t.origin.includes('.tables[');
const LIST_NOTE = ' (where the whole database was selected, a tables list selects only the tables listed: list the others too)';

/** A table setting as written in the task file: in the table's own entry, or in a new entry under the database's `tables`. */
function setting(t: TableMapping, key: string, value: string): string {
  return listed(t) ? `${t.origin}.${key}: ${value}` : `{ name: ${quoted(t.source.name)}, ${key}: ${value} } in ${t.origin}.tables`;
}

/** A name Tablestore accepts, close to `name`. */
export function tablestoreNameFor(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, TABLESTORE_LIMITS.nameLength);
  return s === '' ? '_' : /^[0-9]/.test(s) ? `_${s}`.slice(0, TABLESTORE_LIMITS.nameLength) : s;
}

/** Destination table and column names against Tablestore's rules; also the table fc-dts keeps for itself. */
export function tablestoreNamesVerdict(tables: readonly TableMapping[]): Verdict {
  const offenders: string[] = [];
  const objects: string[] = [];
  const fixes: string[] = [];
  let columnsFix = false;
  let listNote = false;
  for (const t of tables) {
    const name = t.target.table;
    const columns = t.columns.filter((c) => !isTablestoreName(c.target));
    const badTable = !isTablestoreName(name) || name === WATERMARK_TABLE;
    if (!badTable && columns.length === 0) continue;
    listNote ||= !listed(t);
    if (!isTablestoreName(name)) {
      offenders.push(`table ${quoted(name)} (for ${tableLabel(t)})`);
      objects.push(name);
      fixes.push(setting(t, 'as', tablestoreNameFor(name)));
    } else if (name === WATERMARK_TABLE) {
      offenders.push(`table ${name} (for ${tableLabel(t)}), the table fc-dts keeps its incremental watermarks in`);
      objects.push(name);
      fixes.push(setting(t, 'as', `${name}_data`));
    }
    if (columns.length > 0) {
      offenders.push(...columns.map((c) => `column ${quoted(c.target)} of table ${name} (${tableLabel(t)}.${c.source.name})`));
      objects.push(...columns.map((c) => `${name}.${c.target}`));
      const renames = columns.map((c) => `${quoted(c.source.name)}: ${tablestoreNameFor(c.target)}`).join(', ');
      fixes.push(setting(t, 'columns', `{ ${renames}, ... }`));
      columnsFix = true;
    }
  }
  if (offenders.length === 0) {
    const columns = tables.reduce((n, t) => n + t.columns.length, 0);
    return { status: 'passed', reason: `the ${plural(tables.length, 'table name')} and ${plural(columns, 'column name')} are letters, digits and _, start with a letter or _, and have at most 255 characters` };
  }
  const notes = (columnsFix ? ' (columns selects as well as renames: list every column to keep)' : '') + (listNote ? LIST_NOTE : '');
  return {
    status: 'failed',
    reason: `${plural(offenders.length, 'name')} Tablestore cannot take (names are letters, digits and _ only, start with a letter or _, 1–255 characters): ${listNames(offenders, 6)}`,
    fix: `rename them in the task file: ${listNames(fixes, 4)}${notes}`,
    objects,
  };
}

const KIND_TYPE: Partial<Record<string, string>> = { float: 'DOUBLE', double: 'DOUBLE', boolean: 'BOOLEAN' };

/** The key the table gets in Tablestore; undefined when Tablestore cannot take it (tablestoreKeysVerdict says why). */
export function plannedKey(t: TableMapping): KeySchemaColumn[] | undefined {
  const key = tablestoreTable(t).primaryKey;
  if (key.length === 0 || key.length > TABLESTORE_LIMITS.primaryKeyColumns) return undefined;
  const out: KeySchemaColumn[] = [];
  for (const k of key) {
    if (!k.type) return undefined;
    out.push({ name: k.name, type: k.type });
  }
  return out;
}

/** Whether the key came from the task's primaryKey rather than the source table's key. */
function isOverride(t: TableMapping): boolean {
  const source = t.source.keyColumns.map((c) => c.toLowerCase());
  return t.key.length !== source.length || t.key.some((k, i) => k.toLowerCase() !== source[i]);
}

/** 1–4 key columns of INTEGER, STRING or BINARY; nullable and possibly longer-than-1 KB key columns warn. */
export function tablestoreKeysVerdict(tables: readonly TableMapping[]): Verdict {
  const failed: string[] = [];
  const warned: string[] = [];
  const objects: string[] = [];
  const fixes: string[] = [];
  let listNote = false;
  const limit = TABLESTORE_LIMITS.primaryKeyColumns;
  for (const t of tables) {
    const name = t.target.table;
    const key = tablestoreTable(t).primaryKey;
    const from = isOverride(t) ? `${t.origin}.primaryKey` : 'the source key';
    const column = (target: string) => t.columns.find((c) => c.target === target)!.source;
    const where = (k: KeyColumn) => `${name}.${k.name} (${column(k.name).columnType})`;
    const fixCount = fixes.length;
    if (key.length === 0) {
      failed.push(`table ${name} (${tableLabel(t)}) has no primary key (and no NOT NULL unique key)`);
      objects.push(name);
      fixes.push(`add a primary key to ${tableLabel(t)} on the source (ALTER TABLE ... ADD PRIMARY KEY (...)) or set ${setting(t, 'primaryKey', '[<columns that identify a row>]')}`);
    }
    // Only a source key gets here: a primaryKey override over the limit is refused by the task-file validator (checkTablestoreObjects).
    if (key.length > limit) {
      failed.push(`table ${name} (${tableLabel(t)}) has ${key.length} primary-key columns from the source key (${key.map((k) => k.name).join(', ')}); Tablestore keys have 1–${limit}`);
      objects.push(name);
      fixes.push(`set ${setting(t, 'primaryKey', `[<at most ${limit} columns that still identify a row>]`)} (the first is the partition key: one with many distinct values)`);
    }
    const untyped = key.filter((k) => !k.type);
    if (untyped.length > 0) {
      failed.push(...untyped.map((k) => `key column ${where(k)} holds ${KIND_TYPE[k.kind] ?? k.kind.toUpperCase()} values, which Tablestore keys cannot (INTEGER, STRING or BINARY only)`));
      objects.push(...untyped.map((k) => `${name}.${k.name}`));
      fixes.push(`choose key columns of integer, decimal, character or binary types for ${name}: ${setting(t, 'primaryKey', '[...]')}`);
    }
    const nullable = key.filter((k) => k.type && k.nullable);
    if (nullable.length > 0) {
      const which = nullable.map(where).join(', ');
      warned.push(`key column${nullable.length === 1 ? '' : 's'} ${which} from ${from} can be NULL on the source: rows with NULL there cannot be written to Tablestore (sync.dirtyData decides: skip records them, block stops)`);
      objects.push(...nullable.map((k) => `${name}.${k.name}`));
      const sources = nullable.map((k) => `${tableLabel(t)}.${column(k.name).name}`).join(', ');
      fixes.push(`make ${sources} NOT NULL on the source, or choose NOT NULL key columns: ${setting(t, 'primaryKey', '[...]')}`);
    }
    const long = key.filter((k) => k.type && k.type !== 'INTEGER' && (k.maxBytes === undefined || k.maxBytes > TABLESTORE_LIMITS.primaryKeyValueBytes));
    if (long.length > 0) {
      warned.push(...long.map((k) => `${k.type} key column ${where(k)} can hold ${k.maxBytes === undefined ? 'values of any length' : `values up to ${k.maxBytes} bytes`}, and Tablestore refuses key values over 1 KB`));
      objects.push(...long.map((k) => `${name}.${k.name}`));
      fixes.push(`keep the values of ${long.map((k) => `${name}.${k.name}`).join(', ')} within 1024 bytes, or choose shorter key columns: ${setting(t, 'primaryKey', '[...]')}`);
    }
    if (fixes.length > fixCount) listNote ||= !listed(t);
  }
  if (failed.length === 0 && warned.length === 0) {
    return { status: 'passed', reason: `every one of the ${plural(tables.length, 'table')} has 1–${limit} primary-key columns of INTEGER, STRING or BINARY, NOT NULL and within 1 KB` };
  }
  const reason = failed.length > 0 ? listNames(failed, 6) + (warned.length > 0 ? `; also: ${listNames(warned, 3)}` : '') : listNames(warned, 6);
  return { status: failed.length > 0 ? 'failed' : 'warning', reason, fix: listNames(fixes, 4) + (listNote ? LIST_NOTE : ''), objects };
}

// ---------------------------------------------------------------------------------------------
// Value and row sizes (no I/O)

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const bytesLabel = (n: number) => `${n.toLocaleString('en-US')} bytes`;

/** A size as reasons print it: `65,535 bytes`, `16 MiB` (for 16 MiB − 1), `4 GiB`. */
export function sizeLabel(n: number): string {
  if (n < MiB) return bytesLabel(n);
  const [unit, name] = n < GiB ? [MiB, 'MiB'] : [GiB, 'GiB'];
  return `${Number((n / unit).toFixed(1))} ${name}`;
}

interface ColumnSize {
  readonly column: ColumnMapping;
  readonly bytes: number;
}

interface TableSizes {
  readonly table: TableMapping;
  /** Attribute columns that can hold a value over COLUMN_VALUE_LIMIT. */
  readonly over: readonly ColumnSize[];
  /** The largest row: column names and largest values, as Tablestore sizes a row. */
  readonly row: number;
  readonly largest: ColumnSize | undefined;
}

/**
 * The largest value of each column a load writes, and of the row. A key value counts at most 1 KB (a
 * longer one is refused as a key, which tablestore-primary-keys warns about); a column of a type with no
 * known bound counts 0.
 */
function tableSizes(t: TableMapping): TableSizes {
  const key = new Set(t.key.map((k) => k.toLowerCase()));
  const sizes = loadColumns(t).map((column): ColumnSize => {
    const max = maxValueBytes(column.source);
    const isKey = key.has(column.source.name.toLowerCase());
    return { column, bytes: isKey ? Math.min(max ?? Infinity, TABLESTORE_LIMITS.primaryKeyValueBytes) : (max ?? 0) };
  });
  const row = sizes.reduce((n, s) => n + Buffer.byteLength(s.column.target, 'utf8') + s.bytes, 0);
  const largest = sizes.reduce<ColumnSize | undefined>((a, s) => (a && a.bytes >= s.bytes ? a : s), undefined);
  return { table: t, over: sizes.filter((s) => s.bytes > COLUMN_VALUE_LIMIT), row, largest };
}

const holds = (t: TableMapping, s: ColumnSize) => `${tableLabel(t)}.${s.column.source.name} ${s.column.source.columnType.toUpperCase()} holds up to ${sizeLabel(s.bytes)}`;

/** What happens to a row over a limit under the task's dirty-data policy, and the ways around it. */
function valueSizesFix(first: TableMapping, dirtyData: DirtyDataPolicy, listNote: boolean): string {
  const happens =
    dirtyData === 'skip'
      ? 'a row with a larger value is not written: sync.dirtyData: skip records it in the dirty-data log with a reason naming table, key, column and size'
      : 'a row with a larger value stops the task (sync.dirtyData: block) with an error naming table, key, column and size; sync.dirtyData: skip records such rows and goes on';
  const columns = setting(first, 'columns', '{ <the columns to keep> }');
  return `${happens}. If such values occur: leave the columns out with the table's column selection, e.g. ${columns} (columns selects as well as renames: list every column to keep)${listNote ? LIST_NOTE : ''}; or keep large values elsewhere (e.g. OSS) and synchronize a reference to them; or synchronize these tables to a MySQL destination`;
}

/** Columns whose values can exceed Tablestore's 2 MiB per value, and tables whose rows can exceed 4 MiB though each column fits. */
export function valueSizesVerdict(tables: readonly TableMapping[], dirtyData: DirtyDataPolicy): Verdict {
  const sized = tables.map(tableSizes);
  const columns = sized.flatMap((s) => s.over.map((c) => ({ t: s.table, c })));
  const rows = sized.filter((s) => s.over.length === 0 && s.row > ROW_SIZE_LIMIT);
  if (columns.length === 0 && rows.length === 0) {
    return { status: 'passed', reason: `no column of the ${plural(tables.length, 'table')} can hold a value over Tablestore's ${sizeLabel(COLUMN_VALUE_LIMIT)} per value, and no row can exceed its ${sizeLabel(ROW_SIZE_LIMIT)} per row` };
  }
  const problems: string[] = [];
  if (columns.length > 0) {
    const packet = columns.some(({ c }) => c.bytes > GiB) ? " (in practice a value is at most the source's max_allowed_packet, 1 GiB or less)" : '';
    problems.push(`${plural(columns.length, 'column')} can hold values over Tablestore's ${sizeLabel(COLUMN_VALUE_LIMIT)} per value: ${listNames(columns.map(({ t, c }) => holds(t, c)), 5)}${packet}`);
  }
  if (rows.length > 0) {
    const text = (s: TableSizes) => `${tableLabel(s.table)} rows hold up to ${bytesLabel(s.row)} (${plural(loadColumns(s.table).length, 'column')}${s.largest ? `, the largest ${holds(s.table, s.largest)}` : ''})`;
    problems.push(`${plural(rows.length, 'table')} whose rows can exceed Tablestore's ${sizeLabel(ROW_SIZE_LIMIT)} per row, though each column fits: ${listNames(rows.map(text), 5)}`);
  }
  const affected = sized.filter((s) => s.over.length > 0 || rows.includes(s)).map((s) => s.table);
  return {
    status: 'warning',
    reason: problems.join('; '),
    fix: valueSizesFix(affected[0]!, dirtyData, affected.some((t) => !listed(t))),
    objects: [...columns.map(({ t, c }) => `${t.target.table}.${c.column.target}`), ...rows.map((s) => s.table.target.table)],
  };
}

// ---------------------------------------------------------------------------------------------
// The instance: table limit and existing tables

/** Existing tables ∪ the task's tables ∪ the watermark table, against destination.maxTables. */
export function instanceTableLimitVerdict(existing: ReadonlySet<string>, targets: readonly string[], maxTables: number): Verdict {
  const added = [...new Set([...targets, WATERMARK_TABLE])].filter((n) => !existing.has(n));
  const total = existing.size + added.length;
  const parts = `${plural(existing.size, 'table')} in the instance already and ${added.length} more for this task${added.includes(WATERMARK_TABLE) ? ` (${WATERMARK_TABLE} included)` : ''}`;
  if (total <= maxTables) {
    return { status: 'passed', reason: `${total} of the ${maxTables} tables the instance may hold (destination.maxTables): ${parts}` };
  }
  return {
    status: 'failed',
    reason: `the instance would hold ${total} tables, more than destination.maxTables (${maxTables}): ${parts}: ${listNames(added)}`,
    fix: `ask Tablestore support to raise the instance's table limit (64 by default) and set destination.maxTables to the new limit, delete tables the instance no longer needs, or split the objects over tasks writing to different Tablestore instances`,
    objects: added,
  };
}

/**
 * Tables the task writes that already exist. With schema or full synchronization under
 * precheck-and-report, one the task did not create is a conflict; one it writes into (its own from an
 * earlier run, ignore-and-proceed, incremental only) must have the planned primary key. Without schema
 * synchronization nothing creates a missing table.
 */
export function existingTablesVerdict(
  task: Task,
  tables: readonly TableMapping[],
  existing: ReadonlyMap<string, readonly KeySchemaColumn[]>,
  ownedTables: ReadonlySet<string>,
): Verdict {
  const schema = task.sync.types.has('schema');
  const checked = schema || task.sync.types.has('full');
  const conflicts: TableMapping[] = [];
  const mismatched: Array<{ readonly name: string; readonly text: string }> = [];
  const missing: Array<{ readonly name: string; readonly text: string }> = [];
  const owned: string[] = [];
  const kept: string[] = [];
  for (const t of tables) {
    const name = t.target.table;
    const key = existing.get(name);
    const planned = plannedKey(t);
    if (!key) {
      if (!schema) missing.push({ name, text: `${name} (for ${tableLabel(t)}${planned ? `, primary key ${formatKeySchema(planned)}` : ''})` });
      continue;
    }
    const ours = ownedTables.has(ownershipKey(name));
    if (!ours && checked && task.sync.conflictMode === 'precheck-and-report') {
      conflicts.push(t);
      continue;
    }
    if (planned && formatKeySchema(key) !== formatKeySchema(planned)) {
      mismatched.push({ name, text: `${name} has primary key (${formatKeySchema(key)}), not (${formatKeySchema(planned)}) as planned for ${tableLabel(t)}` });
      continue;
    }
    (ours ? owned : kept).push(name);
  }

  const problems: string[] = [];
  const fixes: string[] = [];
  const objects: string[] = [];
  if (conflicts.length > 0) {
    const names = conflicts.map((t) => t.target.table);
    problems.push(`${plural(names.length, 'table')} already exist${names.length === 1 ? 's' : ''} in the instance and ${names.length === 1 ? 'was' : 'were'} not created by this task: ${listNames(conflicts.map((t) => `${t.target.table} (for ${tableLabel(t)})`))} (conflictMode precheck-and-report)`);
    const first = conflicts[0]!;
    fixes.push(`map them to other names with tables[].as (e.g. ${setting(first, 'as', `${first.target.table}_2`)}), delete them from the instance if nothing needs them, or set sync.conflictMode: ignore-and-proceed to write into them (the full load then keeps their rows whose keys match source rows, and incremental changes overwrite them)`);
    objects.push(...names);
  }
  if (mismatched.length > 0) {
    problems.push(`${plural(mismatched.length, 'existing table')} with another primary key (rows could not be addressed): ${listNames(mismatched.map((m) => m.text), 5)}`);
    fixes.push('write to another table with tables[].as, set tables[].primaryKey to the existing key, or delete the existing table so schema synchronization creates it');
    objects.push(...mismatched.map((m) => m.name));
  }
  if (missing.length > 0) {
    problems.push(`${plural(missing.length, 'table')} do${missing.length === 1 ? 'es' : ''} not exist and sync.types has no schema, so nothing creates ${missing.length === 1 ? 'it' : 'them'}: ${listNames(missing.map((m) => m.text), 5)}`);
    fixes.push('add schema to sync.types, or create the tables in the instance with the primary keys shown');
    objects.push(...missing.map((m) => m.name));
  }
  if (problems.length > 0) return { status: 'failed', reason: problems.join('; '), fix: fixes.join('; '), objects };

  const notes: string[] = [];
  if (owned.length > 0) notes.push(`${plural(owned.length, 'table')} created by an earlier run of this task: ${listNames(owned)}`);
  if (kept.length > 0) {
    const how = checked ? ' (conflictMode ignore-and-proceed: the full load keeps their rows whose keys match source rows, incremental changes overwrite them)' : '';
    notes.push(`${plural(kept.length, 'table')} already exist${kept.length === 1 ? 's' : ''} with the planned primary key and will be written into${how}: ${listNames(kept)}`);
  }
  if (notes.length === 0) return { status: 'passed', reason: `none of the ${plural(tables.length, 'destination table')} exists yet` };
  const created = tables.length - owned.length - kept.length;
  return { status: 'passed', reason: notes.join('; ') + (created > 0 ? `; ${created} more to be created` : '') };
}

/** A Tablestore call that failed inside an item: what the service said, and the fix it suggests. */
function otsErrorVerdict(e: unknown): Verdict {
  if (isFcDtsError(e)) return { status: 'failed', reason: `could not be checked: ${e.message}`, ...(e.fix !== undefined ? { fix: e.fix } : {}) };
  return { status: 'failed', reason: `could not be checked: ${(e as Error).message ?? String(e)}`, fix: 'run the precheck again; if it keeps failing, check destination.endpoint and the instance in the Tablestore console' };
}

/** The items after connectivity. */
export async function tablestoreChecks(task: Task, d: TablestoreDestinationConfig, opened: OpenedTablestore, context: DestinationCheckContext): Promise<CheckResult[]> {
  const mapping = context.mapping;
  if (!mapping) return [];
  const tables = mapping.flatMap((m) => m.tables);
  const instance = opened.instance;
  const items: CheckResult[] = [];
  if (instance) {
    items.push(toItem(TABLESTORE_ITEMS.tableLimit, instanceTableLimitVerdict(instance.tables, tables.map((t) => t.target.table), d.maxTables)));
  }
  items.push(toItem(TABLESTORE_ITEMS.names, tablestoreNamesVerdict(tables)));
  items.push(toItem(TABLESTORE_ITEMS.primaryKeys, tablestoreKeysVerdict(tables)));
  items.push(toItem(TABLESTORE_ITEMS.valueSizes, valueSizesVerdict(tables, task.sync.dirtyData)));
  if (instance) {
    items.push(
      await guarded(
        TABLESTORE_ITEMS.existingTables,
        async () => {
          const keys = new Map<string, KeySchemaColumn[]>();
          for (const t of tables) {
            const name = t.target.table;
            if (!instance.tables.has(name) || keys.has(name)) continue;
            const key = await describeKey(instance.client, name, RETRY_MS);
            if (key) keys.set(name, key);
          }
          return existingTablesVerdict(task, tables, keys, context.ownedTables);
        },
        otsErrorVerdict,
      ),
    );
  }
  return items;
}
