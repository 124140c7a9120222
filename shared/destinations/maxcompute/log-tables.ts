/**
 * The `_log` tables as the sink writes them, read from MaxCompute: a record stream must follow the
 * table's own columns, which can be ahead of the source catalog the sink was opened with (a column
 * added by a DDL another applier took) or behind it (the source added a column whose DDL is not
 * applied yet, or never will be). A source column the table lacks is not written; a table column the
 * change lacks (added later, or dropped on the source) is NULL.
 *
 * ADD COLUMN statements are applied here, to `_base` and `_log` alike, idempotently (a column already
 * there is not added again), and the added columns' source types are kept in the state store
 * (BucketRecords `maxcompute-columns`): the MaxCompute type alone does not say whether a TIMESTAMP
 * came from a MySQL TIMESTAMP (an instant, in UTC) or a DATETIME (a wall time in `timeZone`).
 */
import type { RowChange, TableRef } from '../../change/change-event.ts';
import { FcDtsError } from '../../errors.ts';
import type { MaxComputeClient } from '../../maxcompute/maxcompute-client.ts';
import type { TableInfo } from '../../maxcompute/odps-metadata.ts';
import type { BucketRecords } from '../../state/state-store.ts';
import { loadColumns, type TableMapping } from '../../task/object-mapper.ts';
import type { AddedColumn } from '../../mysql/alter-add-columns.ts';
import type { LogTable } from './log-sink.ts';
import { addColumnsDdl, baseTable, logTable, type LogLayout } from './maxcompute-schema.ts';
import { additionalNames } from './maxcompute-table.ts';
import { columnWriter } from './maxcompute-values.ts';

export interface LogTablesOptions {
  readonly client: MaxComputeClient;
  readonly records: BucketRecords;
  readonly layout: LogLayout;
  readonly timeZone: string;
  /** The synchronized tables by destination `database.table`, as the source catalog had them at open. */
  readonly mappings: ReadonlyMap<string, TableMapping>;
  /** A source column's name in change images (the task's capitalization). */
  readonly imageName: (sourceColumn: string) => string;
}

/** A column the `_log` table lacks is looked for again at most this often (a DDL not applied leaves it missing for good). */
const MISSING_RECHECK_MS = 60_000;

/** Columns added by DDL as the source named and typed them, by `_log` table and column (both lower case). */
type AddedTypes = Record<string, Record<string, { readonly name: string; readonly dataType: string }>>;

const RECORD = 'maxcompute-columns';

interface Entry {
  readonly table: LogTable;
  /** Image names the table has a column for. */
  readonly known: ReadonlySet<string>;
  /** Image names it lacked, with when that was last checked. */
  readonly missing: Map<string, number>;
}

export class LogTables {
  private readonly entries = new Map<string, Promise<Entry>>();

  constructor(private readonly options: LogTablesOptions) {}

  /** The `_log` table of the change's table, read again when the change has a column not seen missing lately. */
  async of(c: RowChange): Promise<LogTable> {
    const key = `${c.table.database}.${c.table.table}`;
    let entry = await this.entry(key);
    const unseen = unknownColumns(entry, c);
    if (unseen.length > 0) {
      this.entries.delete(key);
      const fresh = await this.entry(key);
      for (const [name, at] of entry.missing) if (!fresh.known.has(name)) fresh.missing.set(name, at);
      for (const name of unseen) if (!fresh.known.has(name)) fresh.missing.set(name, Date.now());
      entry = fresh;
    }
    return entry.table;
  }

  /** Applies ADD COLUMN to `_base` and `_log` of `target` (the columns already there are skipped). */
  async addColumns(target: TableRef, columns: readonly AddedColumn[]): Promise<void> {
    const mapping = this.mapping(`${target.database}.${target.table}`);
    for (const name of [baseTable(mapping), logTable(mapping)]) {
      const info = await this.options.client.getTable(name);
      const have = new Set(info.columns.map((c) => c.name.toLowerCase()));
      const missing = columns.filter((c) => !have.has(c.name.toLowerCase()));
      if (missing.length === 0) continue;
      await this.options.client.sql.run(addColumnsDdl(name, missing));
    }
    await this.rememberTypes(logTable(mapping), columns);
    this.entries.delete(`${target.database}.${target.table}`);
  }

  private entry(key: string): Promise<Entry> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.read(this.mapping(key));
      // A failed read is not kept: the next change tries again.
      entry.catch(() => this.entries.delete(key));
      this.entries.set(key, entry);
    }
    return entry;
  }

  private async read(mapping: TableMapping): Promise<Entry> {
    const name = logTable(mapping);
    const [info, added] = await Promise.all([this.options.client.getTable(name), this.addedTypes()]);
    const table = this.describe(mapping, info, added[name.toLowerCase()] ?? {});
    return { table, known: new Set(table.sourceColumns.map((c) => c.name)), missing: new Map() };
  }

  /** The table as MaxCompute has it: the additional columns first (fc-dts created it so), then the data columns. */
  private describe(mapping: TableMapping, info: TableInfo, added: AddedTypes[string]): LogTable {
    const { layout, timeZone, imageName } = this.options;
    const names = additionalNames(layout.additionalColumnRule, layout.partitionFields);
    const leading = info.columns.slice(0, names.columns.length).map((c) => c.name.toLowerCase());
    if (leading.join() !== names.columns.join()) {
      throw new FcDtsError('LOAD_FAILED', `MaxCompute table ${info.name} does not start with the additional columns ${names.columns.join(', ')} (it has ${leading.join(', ')})`, 'the table was not created by fc-dts for this additionalColumnRule: drop or rename it and run the task again');
    }
    const source = new Map(loadColumns(mapping).map((c) => [c.target.toLowerCase(), { image: c.target, dataType: c.source.dataType }]));
    const columns = info.columns.map((c) => {
      if (!c.type) throw new FcDtsError('LOAD_FAILED', `MaxCompute table ${info.name}: column ${c.name} has type ${c.typeText}, which fc-dts does not write`, `drop the column from ${info.name}`);
      return { name: c.name, type: c.type };
    });
    const sourceColumns = info.columns.slice(names.columns.length).map((c) => {
      const lower = c.name.toLowerCase();
      const known = source.get(lower) ?? (added[lower] && { image: imageName(added[lower].name), dataType: added[lower].dataType });
      return { name: known?.image ?? imageName(c.name), write: columnWriter(c.typeText.toUpperCase(), known?.dataType, timeZone) };
    });
    return { name: info.name, columns, partitionKeys: names.partitions, sourceColumns };
  }

  private async addedTypes(): Promise<AddedTypes> {
    const record = await this.options.records.getBucketRecord(RECORD, 0);
    return record ? (JSON.parse(record.value) as AddedTypes) : {};
  }

  private async rememberTypes(table: string, columns: readonly AddedColumn[]): Promise<void> {
    for (;;) {
      const record = await this.options.records.getBucketRecord(RECORD, 0);
      const all = record ? (JSON.parse(record.value) as AddedTypes) : {};
      const types = { ...all[table.toLowerCase()] };
      for (const c of columns) types[c.name.toLowerCase()] = { name: c.name, dataType: c.dataType };
      if (await this.options.records.putBucketRecord(RECORD, 0, record?.version, JSON.stringify({ ...all, [table.toLowerCase()]: types }))) return;
    }
  }

  private mapping(key: string): TableMapping {
    const m = this.options.mappings.get(key);
    if (!m) throw new FcDtsError('LOAD_FAILED', `no MaxCompute log table for ${key}`, 'report this: the table is not in the task');
    return m;
  }
}

/** Image columns of `c` the table has no column for and that were not found missing within the last minute. */
function unknownColumns(entry: Entry, c: RowChange): string[] {
  const out: string[] = [];
  const now = Date.now();
  // Both images of an update have the same columns.
  for (const name in c.after ?? c.before) {
    if (entry.known.has(name)) continue;
    const checked = entry.missing.get(name);
    if (checked === undefined || now - checked > MISSING_RECHECK_MS) out.push(name);
  }
  return out;
}
