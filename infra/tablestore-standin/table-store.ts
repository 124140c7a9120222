/**
 * The instance's tables and rows, and what a write does to them: existence and column conditions,
 * PutRow replacing a row, UpdateRow merging cells, DeleteRow removing it. Rows are kept sorted by primary key;
 * each cell keeps one version, the newest by timestamp (what a read with max_versions=1 returns). Every change
 * is handed to the journal before it is visible, so a restart replays it.
 */
import { matches, type ColumnFilter } from './column-filter.ts';
import { conditionCheckFail, invalidPrimaryKey, OtsError, parameterInvalid, tableAlreadyExist, tableNotExist } from './errors.ts';
import { checkColumnName, LIMITS } from './limits.ts';
import {
  compareKeys,
  variantTypeName,
  type BoundValue,
  type Cell,
  type PrimaryKeySchemaColumn,
  type PrimaryKeyValue,
  type Row,
  type Value,
} from './model.ts';
import type { WireCell, WirePrimaryKeyColumn, WireValue } from './plain-buffer.ts';

export interface TableOptions {
  readonly timeToLive: number;
  readonly maxVersions: number;
  readonly deviationCellVersionInSec: number;
  readonly allowUpdate: boolean;
}

export interface ReservedThroughput {
  readonly read: number;
  readonly write: number;
  /** Seconds since the epoch. */
  readonly lastIncreaseTime: number;
  readonly lastDecreaseTime?: number;
}

export interface TableDefinition {
  readonly name: string;
  readonly primaryKey: readonly PrimaryKeySchemaColumn[];
  readonly definedColumns: ReadonlyArray<{ readonly name: string; readonly type: number }>;
  readonly options: TableOptions;
  readonly throughput: ReservedThroughput;
}

export type RowExistence = 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST';

export interface WriteCondition {
  readonly rowExistence: RowExistence;
  readonly columnFilter?: ColumnFilter;
}

/** A write as the request states it, its primary key not yet matched against the table's schema. */
export interface RowChange {
  readonly kind: 'put' | 'update' | 'delete';
  readonly primaryKey: readonly WirePrimaryKeyColumn[];
  readonly cells: readonly WireCell[];
}

/** Where the store records each change; the journal in persistent mode, nothing in memory mode. */
export interface ChangeLog {
  createTable(table: TableDefinition): void;
  updateTable(table: TableDefinition): void;
  deleteTable(name: string): void;
  putRow(table: string, row: Row): void;
  deleteRow(table: string, key: readonly PrimaryKeyValue[]): void;
}

export class Table {
  private readonly rows: Row[];

  constructor(
    public definition: TableDefinition,
    rows: Row[] = [],
  ) {
    this.rows = rows.sort((a, b) => compareKeys(a.primaryKey, b.primaryKey));
  }

  get name(): string {
    return this.definition.name;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  /** Matches a point key against the schema: same columns, in order, of the same types. */
  resolveKey(key: readonly WirePrimaryKeyColumn[]): PrimaryKeyValue[] {
    return this.matchSchema(key, false) as PrimaryKeyValue[];
  }

  /** Matches a range bound against the schema; its columns may also be INF_MIN or INF_MAX. */
  resolveBound(key: readonly WirePrimaryKeyColumn[]): BoundValue[] {
    return this.matchSchema(key, true);
  }

  private matchSchema(key: readonly WirePrimaryKeyColumn[], infinities: boolean): BoundValue[] {
    const schema = this.definition.primaryKey;
    if (key.length !== schema.length) {
      throw invalidPrimaryKey(`Validate PK size fail. Input: ${key.length}, Meta: ${schema.length}.`);
    }
    return key.map((column, i) => {
      const meta = schema[i]!;
      if (column.name !== meta.name) {
        throw invalidPrimaryKey(`Validate PK name fail. Input: ${column.name}, Meta: ${meta.name}.`);
      }
      const value = column.value;
      if (infinities && (value.type === 'INF_MIN' || value.type === 'INF_MAX')) return value;
      if (value.type === 'AUTO_INCREMENT') throw parameterInvalid('AUTO_INCREMENT primary key must be integer.');
      if (value.type !== meta.type) {
        throw invalidPrimaryKey(
          `Validate PK type fail. Input: ${wireTypeName(value)}, Meta: ${variantTypeName(meta.type)}.`,
        );
      }
      return value as PrimaryKeyValue;
    });
  }

  get(key: readonly PrimaryKeyValue[]): Row | undefined {
    const index = this.lowerBound(key);
    const row = this.rows[index];
    return row && compareKeys(row.primaryKey, key) === 0 ? row : undefined;
  }

  /** Rows from `start` (inclusive) towards `end` (exclusive), ascending or descending. */
  *scan(start: readonly BoundValue[], end: readonly BoundValue[], backward: boolean): Generator<Row> {
    if (!backward) {
      for (let i = this.lowerBound(start); i < this.rows.length; i++) {
        const row = this.rows[i]!;
        if (compareKeys(row.primaryKey, end) >= 0) return;
        yield row;
      }
    } else {
      for (let i = this.upperBound(start) - 1; i >= 0; i--) {
        const row = this.rows[i]!;
        if (compareKeys(row.primaryKey, end) <= 0) return;
        yield row;
      }
    }
  }

  /** Changes rows without recording anything: for the store (which records first) and journal replay. */
  set(row: Row): void {
    const index = this.lowerBound(row.primaryKey);
    const existing = this.rows[index];
    if (existing && compareKeys(existing.primaryKey, row.primaryKey) === 0) this.rows[index] = row;
    else this.rows.splice(index, 0, row);
  }

  /** Changes rows without recording anything: for the store (which records first) and journal replay. */
  remove(key: readonly PrimaryKeyValue[]): void {
    const index = this.lowerBound(key);
    const existing = this.rows[index];
    if (existing && compareKeys(existing.primaryKey, key) === 0) this.rows.splice(index, 1);
  }

  allRows(): readonly Row[] {
    return this.rows;
  }

  /** Index of the first row whose key is >= `key`. */
  private lowerBound(key: readonly BoundValue[]): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.rows[mid]!.primaryKey, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first row whose key is > `key`. */
  private upperBound(key: readonly BoundValue[]): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.rows[mid]!.primaryKey, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface WriteResult {
  /** The row after the write; undefined after a delete. */
  readonly row: Row | undefined;
  readonly primaryKey: readonly PrimaryKeyValue[];
}

export class WideColumnStore {
  private readonly tables = new Map<string, Table>();

  constructor(
    private readonly log: ChangeLog,
    private readonly maxTables: number,
    tables: Iterable<Table> = [],
  ) {
    for (const table of tables) this.tables.set(table.name, table);
  }

  tableNames(): string[] {
    return [...this.tables.keys()].sort();
  }

  allTables(): Table[] {
    return [...this.tables.values()];
  }

  table(name: string): Table {
    const table = this.tables.get(name);
    if (!table) throw tableNotExist();
    return table;
  }

  createTable(definition: TableDefinition): void {
    if (this.tables.has(definition.name)) throw tableAlreadyExist();
    if (this.tables.size >= this.maxTables) {
      // Wording from the Java SDK's RestrictedItemTest, which asserts it against the service.
      throw new OtsError('OTSQuotaExhausted', `Number of tables exceeds the quota:${this.maxTables}.`);
    }
    this.log.createTable(definition);
    this.tables.set(definition.name, new Table(definition));
  }

  updateTable(
    name: string,
    change: { options?: Partial<TableOptions>; throughput?: { read?: number; write?: number } },
  ): TableDefinition {
    const table = this.table(name);
    const before = table.definition;
    let throughput = before.throughput;
    if (change.throughput) {
      const read = change.throughput.read ?? throughput.read;
      const write = change.throughput.write ?? throughput.write;
      const now = Math.floor(Date.now() / 1000);
      const increased = read > throughput.read || write > throughput.write;
      const decreased = read < throughput.read || write < throughput.write;
      throughput = {
        read,
        write,
        lastIncreaseTime: increased ? now : throughput.lastIncreaseTime,
        lastDecreaseTime: decreased ? now : throughput.lastDecreaseTime,
      };
    }
    const definition: TableDefinition = {
      ...before,
      options: { ...before.options, ...stripUndefined(change.options ?? {}) },
      throughput,
    };
    this.log.updateTable(definition);
    table.definition = definition;
    return definition;
  }

  deleteTable(name: string): void {
    this.table(name);
    this.log.deleteTable(name);
    this.tables.delete(name);
  }

  /**
   * Applies one write after checking its condition. Throws OtsError (OTSInvalidPK, OTSConditionCheckFail, ...)
   * without changing anything when the write is refused.
   */
  write(table: Table, change: RowChange, condition: WriteCondition, now = Date.now()): WriteResult {
    const key = table.resolveKey(change.primaryKey);
    const current = table.get(key);
    if (condition.rowExistence === 'EXPECT_EXIST' && !current) throw conditionCheckFail();
    if (condition.rowExistence === 'EXPECT_NOT_EXIST' && current) throw conditionCheckFail();
    if (condition.columnFilter && !matches(condition.columnFilter, current?.cells)) throw conditionCheckFail();

    if (change.kind === 'delete') {
      if (current) {
        this.log.deleteRow(table.name, key);
        table.remove(key);
      }
      return { row: undefined, primaryKey: key };
    }
    const cells = change.kind === 'put' ? new Map<string, Cell>() : new Map(current?.cells ?? []);
    for (const cell of change.cells) applyCell(cells, cell, now);
    const row: Row = { primaryKey: key, cells };
    this.log.putRow(table.name, row);
    table.set(row);
    return { row, primaryKey: key };
  }
}

function applyCell(cells: Map<string, Cell>, cell: WireCell, now: number): void {
  const existing = cells.get(cell.name);
  switch (cell.operation) {
    case 'PUT': {
      const timestamp = cell.timestamp ?? now;
      // One version per cell: an older version than the one kept would never be read with max_versions=1.
      if (!existing || existing.timestamp <= timestamp) cells.set(cell.name, { value: cell.value!, timestamp });
      return;
    }
    case 'DELETE_ONE_VERSION':
      if (existing && existing.timestamp === cell.timestamp) cells.delete(cell.name);
      return;
    case 'DELETE_ALL_VERSIONS':
      cells.delete(cell.name);
      return;
    case 'INCREMENT': {
      const delta = (cell.value as Extract<Value, { type: 'INTEGER' }>).value;
      if (existing && existing.value.type !== 'INTEGER') {
        // The service's wording for this case is not documented.
        throw parameterInvalid(`Column ${cell.name} to increment is not of type INTEGER.`);
      }
      const base = existing ? (existing.value.value as bigint) : 0n;
      const value: Value = { type: 'INTEGER', value: BigInt.asIntN(64, base + delta) };
      cells.set(cell.name, { value, timestamp: cell.timestamp ?? now });
      return;
    }
  }
}

/** Checks a table definition the way CreateTable does (product docs "Error codes", Java SDK function tests). */
export function checkTableDefinition(definition: TableDefinition): void {
  const pkCount = definition.primaryKey.length;
  if (pkCount < 1 || pkCount > LIMITS.primaryKeyColumns) {
    throw parameterInvalid(`The number of primary key columns must be in range: [1, ${LIMITS.primaryKeyColumns}].`);
  }
  const names = new Set<string>();
  for (const column of definition.primaryKey) {
    checkColumnName(column.name);
    if (names.has(column.name)) throw parameterInvalid(`Duplicated primary key name: '${column.name}'.`);
    names.add(column.name);
  }
  if (definition.definedColumns.length > LIMITS.definedColumns) {
    throw parameterInvalid(`The number of defined columns must be in range: [0, ${LIMITS.definedColumns}].`);
  }
  checkTableOptions(definition.options);
}

export function checkTableOptions(options: Partial<TableOptions>): void {
  if (options.timeToLive !== undefined && (options.timeToLive === 0 || options.timeToLive < -1)) {
    throw parameterInvalid('TimeToLive cannot be 0 or less than -1.');
  }
  if (options.maxVersions !== undefined && options.maxVersions <= 0) {
    throw parameterInvalid('The maximum versions cannot be less than or equal to 0.');
  }
}

function wireTypeName(value: WireValue): string {
  return value.type === 'INF_MIN' || value.type === 'INF_MAX' || value.type === 'AUTO_INCREMENT'
    ? `VT_${value.type}`
    : variantTypeName(value.type);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
