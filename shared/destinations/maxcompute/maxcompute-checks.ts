/**
 * Precheck items about a MaxCompute destination (reference 001; docs/maxcompute.md): the endpoint,
 * AccessKey and project; the `_base`/`_log` names and column counts; clashes with the additional
 * columns; tables that already exist; and how fast minute partitions reach the 60,000 a table may have.
 * A table without a primary key fails the source's own item (its log could not be merged either).
 */
import { isFcDtsError } from '../../errors.ts';
import type { MaxComputeClient } from '../../maxcompute/maxcompute-client.ts';
import type { CheckResult } from '../../precheck/check-result.ts';
import { guarded, listNames, plural, toItem, type ItemMeta, type Verdict } from '../../precheck/source-checks.ts';
import { allTables, loadColumns, tableLabel, type TableMapping } from '../../task/object-mapper.ts';
import type { DestinationCheckContext } from '../destination.ts';
import type { MaxComputeDestinationConfig } from './config.ts';
import { baseTable, logTable } from './maxcompute-schema.ts';
import { ADDITIONAL_COLUMNS, additionalNames, isMaxComputeName, MAXCOMPUTE_LIMITS, maxComputeType, partitionsPerDay } from './maxcompute-table.ts';
import { ownershipKey } from './schema-sync.ts';
// The largest value of a MySQL column in UTF-8 bytes: how MaxCompute sizes a STRING too.
import { maxValueBytes } from '../../mysql/value-size.ts';

export const MAXCOMPUTE_ITEMS = {
  connectivity: { id: 'destination-connectivity', name: 'Destination connectivity and credentials', side: 'destination' },
  names: { id: 'maxcompute-names', name: 'MaxCompute table names', side: 'destination' },
  columns: { id: 'maxcompute-columns', name: 'MaxCompute columns', side: 'destination' },
  types: { id: 'maxcompute-types', name: 'Values MaxCompute keeps in another form', side: 'destination' },
  sizes: { id: 'maxcompute-value-sizes', name: 'Column values MaxCompute can store', side: 'destination' },
  partitions: { id: 'maxcompute-partitions', name: 'Incremental table partitions', side: 'destination' },
  existing: { id: 'maxcompute-existing-tables', name: 'Existing MaxCompute tables', side: 'destination' },
} as const satisfies Record<string, ItemMeta>;

/** GET the project: the cheapest call that proves endpoint, AccessKey and project. */
export async function connectivityItem(client: MaxComputeClient, d: MaxComputeDestinationConfig): Promise<CheckResult> {
  return guarded(
    MAXCOMPUTE_ITEMS.connectivity,
    async () => {
      await client.projectInfo();
      return { status: 'passed', reason: `project ${d.project} at ${d.endpoint} answered with AccessKey ID ${d.accessKeyId}` };
    },
    (e) => ({ status: 'failed', reason: (e as Error).message, fix: isFcDtsError(e) && e.fix ? e.fix : 'check destination.endpoint, destination.project and the AccessKey pair' }),
  );
}

export function namesVerdict(tables: readonly TableMapping[]): Verdict {
  const bad = tables.flatMap((t) => [baseTable(t), logTable(t)]).filter((n) => !isMaxComputeName(n));
  const seen = new Map<string, string>();
  const clashes: string[] = [];
  for (const t of tables) {
    const key = t.target.table.toLowerCase();
    const other = seen.get(key);
    if (other) clashes.push(`${other} and ${tableLabel(t)} both become ${key}_base/_log`);
    seen.set(key, tableLabel(t));
  }
  if (bad.length === 0 && clashes.length === 0) return { status: 'passed', reason: `${plural(tables.length * 2, 'table name')} follow MaxCompute's rules` };
  const problems = [
    ...(bad.length > 0 ? [`${listNames(bad, 5)}: not a MaxCompute table name (letters, digits and "_", starting with a letter, at most 128 characters with the suffix)`] : []),
    ...(clashes.length > 0 ? [`${listNames(clashes, 5)} (a project has one namespace, names are case-insensitive)`] : []),
  ];
  return { status: 'failed', reason: problems.join('; '), fix: 'give the tables other names with tables[].as in the task file', objects: bad };
}

export function columnsVerdict(tables: readonly TableMapping[], d: MaxComputeDestinationConfig): Verdict {
  const names = additionalNames(d.additionalColumnRule, d.partitionFields);
  const reserved = new Set([...names.columns, ...names.partitions]);
  const clashes = tables.flatMap((t) => loadColumns(t).filter((c) => reserved.has(c.target.toLowerCase())).map((c) => `${tableLabel(t)}.${c.target}`));
  const wide = tables.filter((t) => loadColumns(t).length + ADDITIONAL_COLUMNS.length + names.partitions.length > MAXCOMPUTE_LIMITS.columns).map(tableLabel);
  const badNames = tables.flatMap((t) => loadColumns(t).filter((c) => !isMaxComputeName(c.target)).map((c) => `${tableLabel(t)}.${c.target}`));
  if (clashes.length + wide.length + badNames.length === 0) return { status: 'passed', reason: 'no column clashes with the additional columns, and every table is within 1,200 columns' };
  const problems = [
    ...(clashes.length > 0 ? [`${listNames(clashes, 5)} clash with the additional columns of the ${d.additionalColumnRule} rule`] : []),
    ...(wide.length > 0 ? [`${listNames(wide, 5)} would have more than ${MAXCOMPUTE_LIMITS.columns} columns in _log`] : []),
    ...(badNames.length > 0 ? [`${listNames(badNames, 5)}: not a MaxCompute column name`] : []),
  ];
  const fix = clashes.length > 0 && d.additionalColumnRule === 'previous' ? 'set destination.additionalColumnRule: new (the additional columns get the prefix new_dts_sync_), or rename the columns with tables[].columns' : 'rename or leave out columns with tables[].columns';
  return { status: 'failed', reason: problems.join('; '), fix, objects: [...clashes, ...wide, ...badNames] };
}

/** Columns whose values MaxCompute holds exactly but in another type (a DECIMAL over 38 digits as text, TIME as text, BIT as a number). */
export function typesVerdict(tables: readonly TableMapping[]): Verdict {
  const changed = tables.flatMap((t) =>
    loadColumns(t).flatMap((c) => {
      const { type, note } = maxComputeType(c.source);
      return note ? [`${tableLabel(t)}.${c.target} ${c.source.columnType.toUpperCase()} → ${type} (${note})`] : [];
    }),
  );
  if (changed.length === 0) return { status: 'passed', reason: 'every column keeps its kind of type in MaxCompute' };
  return {
    status: 'warning',
    reason: `${plural(changed.length, 'column')} keep their values exactly in another type: ${listNames(changed, 5)}`,
    fix: 'nothing to do unless queries over the _base and _log tables expect the source type: cast there, or change the source column',
    objects: changed,
  };
}

/** Columns that can hold a value over MaxCompute's 8 MB a cell: such a row follows sync.dirtyData. */
export function sizesVerdict(tables: readonly TableMapping[], dirtyData: string): Verdict {
  const over = tables.flatMap((t) =>
    loadColumns(t)
      .filter((c) => (maxValueBytes(c.source) ?? 0) > MAXCOMPUTE_LIMITS.cellBytes)
      .map((c) => `${tableLabel(t)}.${c.target} ${c.source.columnType.toUpperCase()}`),
  );
  if (over.length === 0) return { status: 'passed', reason: "no column can hold a value over MaxCompute's 8 MB a cell" };
  const happens = dirtyData === 'skip' ? 'a row with a larger value is recorded in the dirty-data log and left out (sync.dirtyData: skip)' : 'a row with a larger value stops the task (sync.dirtyData: block), naming the table, column and size';
  return {
    status: 'warning',
    reason: `${plural(over.length, 'column')} can hold values over MaxCompute's 8 MB a cell: ${listNames(over, 5)}`,
    fix: `${happens}; leave such columns out with the table's column selection, or keep large values elsewhere and synchronize a reference`,
    objects: over,
  };
}

export function partitionsVerdict(d: MaxComputeDestinationConfig): Verdict {
  const perDay = partitionsPerDay(d.partitionFields);
  const days = Math.floor(MAXCOMPUTE_LIMITS.partitionsPerTable / perDay);
  const rate = perDay > 1 ? `up to ${perDay.toLocaleString('en-US')} partitions a day` : `one partition a ${perDay === 1 ? 'day' : perDay * 30 >= 1 ? 'month' : 'year'}`;
  const reason = `${d.partitionFields.join(', ')}: ${rate} per _log table`;
  if (days >= 365) return { status: 'passed', reason: `${reason}; the 60,000 a table may have last ${Math.floor(days / 365).toLocaleString('en-US')} years` };
  return {
    status: 'warning',
    reason: `${reason}: a busy table reaches MaxCompute's 60,000 partitions in ${days} days, and a query may read at most 10,000, so after ${Math.floor(MAXCOMPUTE_LIMITS.partitionsPerQuery / perDay)} days fc-dts merge and verify fold the log in windows of 10,000 partitions, one more SQL job each`,
    fix: 'leave out modifytime_minute from destination.partitionFields, or drop old _log partitions after merging them into a new base (ALTER TABLE … DROP PARTITION)',
  };
}

async function existingItem(client: MaxComputeClient, tables: readonly TableMapping[], d: MaxComputeDestinationConfig, owned: ReadonlySet<string>, conflictMode: string): Promise<CheckResult> {
  return guarded(MAXCOMPUTE_ITEMS.existing, async () => {
    const names = tables.flatMap((t) => [baseTable(t), logTable(t)]);
    const found: string[] = [];
    for (const n of names) if (!owned.has(ownershipKey(n)) && (await client.findTable(n))) found.push(n);
    if (found.length === 0) return { status: 'passed', reason: `none of the ${plural(names.length, 'table')} exists in project ${d.project} yet` };
    if (conflictMode === 'ignore-and-proceed') {
      return { status: 'warning', reason: `${listNames(found, 5)} already exist in project ${d.project}: rows are added to them as they are (sync.conflictMode: ignore-and-proceed)`, objects: found };
    }
    return { status: 'failed', reason: `${listNames(found, 5)} already exist in project ${d.project} and were not created by this task`, fix: 'drop or rename them in MaxCompute, give the tables other names with tables[].as, or set sync.conflictMode: ignore-and-proceed to write into them', objects: found };
  });
}

export async function maxComputeChecks(client: MaxComputeClient, d: MaxComputeDestinationConfig, sync: { readonly conflictMode: string; readonly dirtyData: string }, reachable: boolean, context: DestinationCheckContext): Promise<CheckResult[]> {
  const { conflictMode, dirtyData } = sync;
  if (!context.mapping) return [toItem(MAXCOMPUTE_ITEMS.partitions, partitionsVerdict(d))];
  const tables = allTables(context.mapping);
  const items = [
    toItem(MAXCOMPUTE_ITEMS.names, namesVerdict(tables)),
    toItem(MAXCOMPUTE_ITEMS.columns, columnsVerdict(tables, d)),
    toItem(MAXCOMPUTE_ITEMS.types, typesVerdict(tables)),
    toItem(MAXCOMPUTE_ITEMS.sizes, sizesVerdict(tables, dirtyData)),
    toItem(MAXCOMPUTE_ITEMS.partitions, partitionsVerdict(d)),
  ];
  if (reachable) items.push(await existingItem(client, tables, d, context.ownedTables, conflictMode));
  return items;
}
