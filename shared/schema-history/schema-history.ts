/**
 * The definitions of the tracked tables through the binlog: each table's versions keyed by the binlog
 * position from which they hold. Row events are decoded with the version at their position, never
 * with today's definition (TABLE_MAP events of MySQL 5.7, MINIMAL row metadata and the PolarDB-X global
 * binlog carry no column names). Seeded from the catalog at the snapshot, moved on by every DDL
 * statement (ddl-effects.ts), pruned behind the oldest checkpoint, stored as JSON in the StateStore.
 */
import { comparePositions, formatPosition, type BinlogPosition } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';
import type { DatabaseInfo } from '../mysql/catalog.ts';
import { ddlEffect, type DdlEffect, type SchemaState, type TrackedDatabases } from './ddl-effects.ts';
import type { ServerDialect } from './server-dialect.ts';
import { definitionFromCatalog, tableKey, type TableDefinition } from './table-definition.ts';

export interface TableVersion {
  /** The version holds for events at this position and after (until the next version). */
  readonly from: BinlogPosition;
  /** null: the table does not exist from `from` on. */
  readonly definition: TableDefinition | null;
}

export interface SerializedHistory {
  readonly format: 1;
  readonly dialect: ServerDialect;
  /** The databases followed; `every` for a history that follows all (offline decoding). */
  readonly tracked: readonly string[] | 'every';
  /** The position of the last DDL statement applied: statements at or before it are already in. */
  readonly appliedThrough: BinlogPosition;
  readonly databases: ReadonlyArray<{ readonly name: string; readonly collation: string }>;
  readonly tables: ReadonlyArray<{ readonly database: string; readonly table: string; readonly versions: readonly TableVersion[] }>;
}

/** A DDL statement on a tracked table that the history cannot follow: incremental sync stops here. */
export class DdlNotUnderstoodError extends FcDtsError {
  constructor(
    readonly pos: BinlogPosition,
    readonly tables: readonly string[],
    reason: string,
  ) {
    super(
      'DDL_NOT_UNDERSTOOD',
      `binlog position ${formatPosition(pos)}: cannot derive the new definition of ${tables.join(', ') || 'the table'} from the DDL statement there (${reason}), so its later rows cannot be decoded`,
      'restart the task\'s full load (its snapshot reads the definitions afresh), and report the statement to the fc-dts maintainers',
    );
  }
}

const EVERY_DATABASE: TrackedDatabases = { has: () => true };

export class SchemaHistory {
  private readonly versions = new Map<string, TableVersion[]>();
  private readonly databases = new Map<string, string>();
  private appliedThrough: BinlogPosition;
  private changes = 0;

  /** `undefined`: every database. */
  private constructor(
    readonly dialect: ServerDialect,
    private readonly trackedNames: ReadonlySet<string> | undefined,
    start: BinlogPosition,
  ) {
    this.appliedThrough = start;
  }

  get tracked(): TrackedDatabases {
    return this.trackedNames ?? EVERY_DATABASE;
  }

  /** The definitions read from the catalog at the snapshot, holding from `at`. */
  static seed(catalog: ReadonlyMap<string, DatabaseInfo>, tracked: readonly string[], dialect: ServerDialect, at: BinlogPosition): SchemaHistory {
    const h = new SchemaHistory(dialect, new Set(tracked), at);
    for (const db of catalog.values()) {
      if (!h.tracked.has(db.name)) continue;
      h.databases.set(db.name, db.collation);
      for (const t of db.tables) h.versions.set(tableKey(db.name, t.name), [{ from: at, definition: definitionFromCatalog(t) }]);
    }
    return h;
  }

  /** No definitions yet, following every database from `at`: the history of binlog files read without their server. */
  static empty(dialect: ServerDialect, at: BinlogPosition): SchemaHistory {
    return new SchemaHistory(dialect, undefined, at);
  }

  static fromJSON(s: SerializedHistory): SchemaHistory {
    if (s.format !== 1) throw new FcDtsError('STATE_INVALID', `schema history format ${String(s.format)} is not one this fc-dts reads`, 'restart the task\'s full load with this version of fc-dts');
    const h = new SchemaHistory(s.dialect, s.tracked === 'every' ? undefined : new Set(s.tracked), s.appliedThrough);
    for (const d of s.databases) h.databases.set(d.name, d.collation);
    for (const t of s.tables) h.versions.set(tableKey(t.database, t.table), [...t.versions]);
    return h;
  }

  toJSON(): SerializedHistory {
    const tables = [...this.versions.entries()].map(([key, versions]) => {
      const [database, table] = key.split('\0') as [string, string];
      return { database, table, versions };
    });
    const databases = [...this.databases.entries()].map(([name, collation]) => ({ name, collation }));
    return { format: 1, dialect: this.dialect, tracked: this.trackedNames ? [...this.trackedNames] : 'every', appliedThrough: this.appliedThrough, databases, tables };
  }

  /** Counts the changes since this object was made (versions added or pruned): what a saved copy may lack. */
  get revision(): number {
    return this.changes;
  }

  /** The position of the last DDL statement applied (the seeding position before any). */
  get position(): BinlogPosition {
    return this.appliedThrough;
  }

  /** Each table's first version: at the snapshot, the definitions read from the catalog. */
  firstDefinitions(): TableDefinition[] {
    const out: TableDefinition[] = [];
    for (const versions of this.versions.values()) if (versions[0]?.definition) out.push(versions[0].definition);
    return out;
  }

  /** The table's definition for an event at `pos`; undefined when it did not exist then (or is not tracked). */
  definitionAt(database: string, table: string, pos: BinlogPosition): TableDefinition | undefined {
    const versions = this.versions.get(tableKey(database, table)) ?? [];
    return latestAtOrBefore(versions, pos)?.definition ?? undefined;
  }

  /** The versions of a table, oldest first. */
  versionsOf(database: string, table: string): readonly TableVersion[] {
    return this.versions.get(tableKey(database, table)) ?? [];
  }

  /**
   * Applies the DDL statement at `pos`. A statement at or before the last one applied (read again
   * after a restart) is already in and changes nothing. Throws DdlNotUnderstoodError on a statement
   * on a tracked table whose effect cannot be derived.
   */
  apply(sql: string, defaultDatabase: string, pos: BinlogPosition, options: { readonly noBackslashEscapes?: boolean } = {}): DdlEffect {
    if (comparePositions(pos, this.appliedThrough) <= 0) return { kind: 'unchanged', reason: 'already applied' };
    const effect = ddlEffect(this.latestState(), sql, defaultDatabase, options);
    if (effect.kind === 'unknown') throw new DdlNotUnderstoodError(pos, effect.tables, effect.reason);
    if (effect.kind === 'changed') {
      for (const c of effect.tables) this.addVersion(tableKey(c.database, c.table), { from: pos, definition: c.definition });
      for (const d of effect.databases) {
        if (d.collation === null) this.databases.delete(d.name);
        else this.databases.set(d.name, d.collation);
      }
    }
    this.appliedThrough = pos;
    this.changes++;
    return effect;
  }

  /**
   * Drops the versions no reader will need again: those superseded at or before `oldestNeeded` (the
   * oldest checkpoint), keeping for each table the version that holds at it; a table gone by then is
   * forgotten.
   */
  prune(oldestNeeded: BinlogPosition): void {
    for (const [key, versions] of this.versions) {
      const holding = latestAtOrBefore(versions, oldestNeeded);
      const kept = versions.filter((v) => v === holding || comparePositions(v.from, oldestNeeded) > 0);
      if (kept.length === versions.length && !(kept.length === 1 && kept[0]!.definition === null)) continue;
      if (kept.length === 0 || (kept.length === 1 && kept[0]!.definition === null)) this.versions.delete(key);
      else this.versions.set(key, kept);
      this.changes++;
    }
  }

  private addVersion(key: string, v: TableVersion): void {
    const list = this.versions.get(key);
    if (list) list.push(v);
    else this.versions.set(key, [v]);
  }

  private latestState(): SchemaState {
    const tables = new Map<string, TableDefinition>();
    for (const [key, versions] of this.versions) {
      const def = versions[versions.length - 1]!.definition;
      if (def) tables.set(key, def);
    }
    return { dialect: this.dialect, tracked: this.tracked, databases: this.databases, tables };
  }
}

function latestAtOrBefore(versions: readonly TableVersion[], pos: BinlogPosition): TableVersion | undefined {
  let found: TableVersion | undefined;
  for (const v of versions) if (comparePositions(v.from, pos) <= 0) found = v;
  return found;
}
