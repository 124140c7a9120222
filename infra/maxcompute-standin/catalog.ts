/**
 * The project's tables as MaxCompute sees them: columns with MaxCompute types, partition keys, partitions,
 * lifecycle and times; names case-folded to lower case as the service does. Every change is written to the
 * bookkeeping tables of the same DuckDB database inside the caller's transaction, so a table's definition,
 * its partitions and its rows always commit together. The data lives in a DuckDB table of the same name,
 * the partition keys as trailing VARCHAR columns.
 */
import type { TableColumn } from '../../shared/maxcompute/odps-metadata.ts';
import { McError } from './errors.ts';
import { checkColumnCount, checkName, LIMITS, partitionLimitError } from './limits.ts';
import { ident, literal, type Database } from './database.ts';

/**
 * A column as the catalog keeps it: what the client reads from the table XML (shared/maxcompute/odps-metadata.ts)
 * but the parsed type; `typeText` is the MaxCompute type in lower case (bigint, decimal(38,18), datetime, …).
 */
export type ColumnDef = Omit<TableColumn, 'type'>;

export interface TableDef {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly partitionKeys: readonly ColumnDef[];
  readonly comment: string;
  readonly lifecycle: number;
  /** Epoch milliseconds. */
  readonly createTime: number;
  readonly lastDdlTime: number;
  readonly lastModifiedTime: number;
}

/** One partition: values in partition-key order. */
export type PartitionValues = readonly string[];

/** A partition as the catalog keeps it: its `k1=v1/k2=v2` key, values, and when it was added (epoch ms). */
export interface PartitionEntry {
  readonly key: string;
  readonly values: PartitionValues;
  readonly created: number;
}

export class Catalog {
  private readonly tables = new Map<string, TableDef>();
  private readonly partitions = new Map<string, Map<string, PartitionEntry>>();

  private constructor(
    private readonly db: Database,
    readonly project: string,
    private readonly maxPartitions: number,
  ) {}

  static async load(db: Database, project: string, maxPartitions: number): Promise<Catalog> {
    const catalog = new Catalog(db, project, maxPartitions);
    for (const [name, definition] of await db.rows('SELECT name, definition FROM __mc_tables')) {
      catalog.tables.set(String(name), JSON.parse(String(definition)) as TableDef);
      catalog.partitions.set(String(name), new Map());
    }
    for (const [tbl, spec, created] of await db.rows('SELECT tbl, spec, created FROM __mc_partitions ORDER BY created, spec')) {
      const key = String(spec);
      catalog.partitions.get(String(tbl))?.set(key, { key, values: parseSpecKey(key), created: Number(created) });
    }
    return catalog;
  }

  get(name: string): TableDef | undefined {
    return this.tables.get(name.toLowerCase());
  }

  require(name: string): TableDef {
    const table = this.get(name);
    if (!table) throw McError.sql('ODPS-0130131', `[0,0] Table not found - table ${this.project}.${name.toLowerCase()} cannot be resolved`);
    return table;
  }

  names(): string[] {
    return [...this.tables.keys()].sort();
  }

  partitionsOf(table: string): PartitionValues[] {
    return this.partitionEntries(table).map((p) => p.values);
  }

  /** The table's partitions in the order they were added. */
  partitionEntries(table: string): PartitionEntry[] {
    return [...(this.partitions.get(table.toLowerCase())?.values() ?? [])];
  }

  hasPartition(table: TableDef, values: PartitionValues): boolean {
    return this.partitions.get(table.name)?.has(specKey(table, values)) ?? false;
  }

  /** Creates the table (catalog and DuckDB). Call inside a transaction. */
  async create(def: TableDef): Promise<void> {
    checkName('table', def.name);
    const all = [...def.columns, ...def.partitionKeys];
    checkColumnCount(def.name, all.length);
    const seen = new Set<string>();
    for (const c of all) {
      if (seen.has(c.name)) throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - duplicate column name '${c.name}' in table ${def.name}`);
      seen.add(c.name);
    }
    if (def.partitionKeys.length > LIMITS.partitionLevels) {
      throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - too many partition levels: ${def.partitionKeys.length}, at most ${LIMITS.partitionLevels}`);
    }
    const columns = [...def.columns.map((c) => `${ident(c.name)} ${duckType(c.typeText)}`), ...def.partitionKeys.map((c) => `${ident(c.name)} VARCHAR`)];
    await this.db.run(`CREATE TABLE ${ident(def.name)} (${columns.join(', ')})`);
    await this.save(def);
    this.partitions.set(def.name, new Map());
  }

  async addColumns(table: TableDef, columns: readonly ColumnDef[]): Promise<void> {
    const next: TableDef = { ...table, columns: [...table.columns, ...columns], lastDdlTime: Date.now(), lastModifiedTime: Date.now() };
    checkColumnCount(table.name, next.columns.length + next.partitionKeys.length);
    const names = new Set([...table.columns, ...table.partitionKeys].map((c) => c.name));
    for (const c of columns) {
      if (names.has(c.name)) throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - column ${c.name} already exists in table ${table.name}`);
      names.add(c.name);
    }
    // DuckDB appends at the end; the data columns must stay ahead of the partition columns, so the
    // partitioned table is rebuilt with the new columns before its partition columns.
    if (table.partitionKeys.length === 0) {
      for (const c of columns) await this.db.run(`ALTER TABLE ${ident(table.name)} ADD COLUMN ${ident(c.name)} ${duckType(c.typeText)}`);
    } else {
      const tmp = `__mc_rebuild_${table.name}`;
      const select = [...table.columns.map((c) => ident(c.name)), ...columns.map((c) => `CAST(NULL AS ${duckType(c.typeText)}) AS ${ident(c.name)}`), ...table.partitionKeys.map((c) => ident(c.name))];
      await this.db.run(`CREATE TABLE ${ident(tmp)} AS SELECT ${select.join(', ')} FROM ${ident(table.name)}`);
      await this.db.run(`DROP TABLE ${ident(table.name)}`);
      await this.db.run(`ALTER TABLE ${ident(tmp)} RENAME TO ${ident(table.name)}`);
    }
    await this.save(next);
  }

  async drop(table: TableDef): Promise<void> {
    await this.db.run(`DROP TABLE ${ident(table.name)}`);
    await this.db.run('DELETE FROM __mc_tables WHERE name = $1', [table.name]);
    await this.db.run('DELETE FROM __mc_partitions WHERE tbl = $1', [table.name]);
    this.tables.delete(table.name);
    this.partitions.delete(table.name);
  }

  /** Adds the partitions not there yet (checking the per-table limit first); returns how many were new. */
  async addPartitions(table: TableDef, list: readonly PartitionValues[]): Promise<number> {
    const existing = this.partitions.get(table.name)!;
    const now = Date.now();
    const fresh = new Map<string, PartitionEntry>();
    for (const values of list) {
      const key = specKey(table, values);
      if (!existing.has(key)) fresh.set(key, { key, values, created: now });
    }
    if (fresh.size === 0) return 0;
    if (existing.size + fresh.size > this.maxPartitions) throw partitionLimitError(this.project, table.name, this.maxPartitions);
    for (const key of fresh.keys()) await this.db.run('INSERT INTO __mc_partitions VALUES ($1, $2, $3)', [table.name, key, now]);
    for (const [key, entry] of fresh) existing.set(key, entry);
    await this.touch(table);
    return fresh.size;
  }

  async dropPartition(table: TableDef, values: PartitionValues): Promise<void> {
    const key = specKey(table, values);
    await this.db.run(`DELETE FROM ${ident(table.name)} WHERE ${partitionPredicate(table, values)}`);
    await this.db.run('DELETE FROM __mc_partitions WHERE tbl = $1 AND spec = $2', [table.name, key]);
    this.partitions.get(table.name)?.delete(key);
  }

  /** Marks the table's data as modified now. */
  async touch(table: TableDef): Promise<void> {
    await this.save({ ...this.require(table.name), lastModifiedTime: Date.now() });
  }

  /**
   * Undoes in memory what a rolled-back transaction did: reloads the catalog from the database. Call after
   * ROLLBACK of a transaction that changed the catalog.
   */
  async reload(): Promise<void> {
    const fresh = await Catalog.load(this.db, this.project, this.maxPartitions);
    this.tables.clear();
    this.partitions.clear();
    for (const [k, v] of fresh.tables) this.tables.set(k, v);
    for (const [k, v] of fresh.partitions) this.partitions.set(k, v);
  }

  private async save(def: TableDef): Promise<void> {
    await this.db.run('DELETE FROM __mc_tables WHERE name = $1', [def.name]);
    await this.db.run('INSERT INTO __mc_tables VALUES ($1, $2)', [def.name, JSON.stringify(def)]);
    this.tables.set(def.name, def);
  }
}

/** `k1=v1/k2=v2`, the form SHOW PARTITIONS prints. */
export function specKey(table: TableDef, values: PartitionValues): string {
  return table.partitionKeys.map((k, i) => `${k.name}=${values[i]}`).join('/');
}

function parseSpecKey(key: string): PartitionValues {
  return key.split('/').map((part) => part.slice(part.indexOf('=') + 1));
}

/** A DuckDB predicate selecting one partition's rows. */
export function partitionPredicate(table: TableDef, values: PartitionValues): string {
  return table.partitionKeys.map((k, i) => `${ident(k.name)} = ${literal(values[i]!)}`).join(' AND ');
}

/**
 * Orders `pairs` (name → value, names as given) by the table's partition keys; every key must be there
 * exactly once unless `partial`, then missing ones are undefined (dynamic partitions).
 */
export function partitionValues(table: TableDef, pairs: ReadonlyArray<readonly [string, string | undefined]>, onError: (detail: string) => McError): Array<string | undefined> {
  if (table.partitionKeys.length === 0) throw onError(`table ${table.name} is not partitioned`);
  const byName = new Map<string, string | undefined>();
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    if (!table.partitionKeys.some((k) => k.name === key)) throw onError(`${name} is not a partition key of ${table.name}`);
    if (byName.has(key)) throw onError(`partition key ${name} given twice`);
    if (value !== undefined) checkPartitionValue(value, onError);
    byName.set(key, value);
  }
  if (byName.size !== table.partitionKeys.length) {
    throw onError(`the partition spec must name every partition key of ${table.name}: ${table.partitionKeys.map((k) => k.name).join(', ')}`);
  }
  return table.partitionKeys.map((k) => byName.get(k.name));
}

/** `k1=v1,k2=v2` (values may be quoted, as PyODPS writes them: `ds='1'`) → values in key order. */
export function parsePartitionSpec(table: TableDef, spec: string, onError: (detail: string) => McError): PartitionValues {
  const pairs = spec.split(',').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) throw onError(spec);
    return [part.slice(0, eq).trim(), part.slice(eq + 1).trim().replace(/^'(.*)'$|^"(.*)"$/, '$1$2')] as const;
  });
  return partitionValues(table, pairs, onError) as string[];
}

function checkPartitionValue(value: string, onError: (detail: string) => McError): void {
  if (value === '' || /[/=\n\r\t,]/.test(value) || Buffer.byteLength(value) > 255) throw onError(`invalid partition value '${value}'`);
}

const DUCK_TYPES: Readonly<Record<string, string>> = {
  tinyint: 'TINYINT',
  smallint: 'SMALLINT',
  int: 'INTEGER',
  bigint: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  datetime: 'TIMESTAMP_MS',
  date: 'DATE',
  // Microseconds: DuckDB's TIMESTAMP_NS ends in 2262, MaxCompute's TIMESTAMP in 9999 (docs: infra/README.md).
  timestamp: 'TIMESTAMP',
  timestamp_ntz: 'TIMESTAMP',
  binary: 'BLOB',
};

/** The DuckDB type storing a MaxCompute type (normalised by `normaliseType`). */
export function duckType(type: string): string {
  const simple = DUCK_TYPES[type];
  if (simple) return simple;
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  if (/^(var)?char\(\d+\)$/.test(type)) return 'VARCHAR';
  throw unsupportedType(type);
}

/**
 * A MaxCompute type as written in DDL → its canonical lower-case name (`decimal` alone is decimal(38,18),
 * `integer` is int). Complex types (array, map, struct) and json are refused: the stand-in does not store them.
 */
export function normaliseType(name: string, args: readonly number[]): string {
  const t = name.toLowerCase();
  if (t === 'decimal') {
    const [p = 38, s = p === 38 && args.length === 0 ? 18 : 0] = args;
    if (p < 1 || p > 38 || s < 0 || s > p) throw McError.sql('ODPS-0130161', `[0,0] Parse exception - invalid decimal precision or scale (${p},${s})`);
    return `decimal(${p},${s})`;
  }
  if (t === 'varchar' || t === 'char') {
    const [n] = args;
    if (n === undefined || n < 1 || n > (t === 'char' ? 255 : 65535)) throw McError.sql('ODPS-0130161', `[0,0] Parse exception - invalid length for ${t}`);
    return `${t}(${n})`;
  }
  const canonical = t === 'integer' ? 'int' : t;
  if (args.length > 0 || !(canonical in DUCK_TYPES)) throw unsupportedType(t);
  return canonical;
}

function unsupportedType(type: string): McError {
  return McError.sql('ODPS-0130161', `[0,0] Parse exception - type ${type} is not supported by the local MaxCompute stand-in`);
}
