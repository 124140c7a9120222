/**
 * Turns decoded binlog row events into the destination's row changes: only selected tables, only the
 * task's DML types, WHERE filters with the product's semantics, renamed tables and columns, column
 * subsets, generated columns left to the destination.
 *
 * Filter semantics (reference product): the filter is evaluated on the row images. An UPDATE whose
 * before-image passes and after-image does not moves the row out of the filter and becomes a DELETE;
 * the opposite moves it in and becomes an INSERT. The operations filter applies to the source
 * statement's type (not syncing deletes ignores source DELETEs, not rows leaving a filter).
 */
import type { CellValue, ColumnTypes, Row, RowChange, TableRef } from '../change/change-event.ts';
import { comparePositions, type BinlogPosition } from '../change/position.ts';
import { isBytes, isExactNumber, isLargeValue } from '../change/change-event.ts';
import type { SourceEvent } from '../binlog/binlog-reader.ts';
import { evaluateWhere, type WhereFilter } from '../filter/where-filter.ts';
import { hasOtherUniqueKeys, type TableInfo } from '../mysql/catalog.ts';
import { applyCapitalization, type DatabaseMapping, type TableMapping } from '../task/object-mapper.ts';
import type { Capitalization, Operation, Task } from '../task/task.ts';
import { destinationOf } from '../destinations/registry.ts';

/** What the mapper reads of a decoded row event (the column list and types: for destinations that type values). */
export type RowsEvent = Pick<Extract<SourceEvent, { kind: 'rows' }>, 'pos' | 'ts' | 'database' | 'table' | 'op' | 'rows'> &
  Partial<Pick<Extract<SourceEvent, { kind: 'rows' }>, 'columns' | 'columnTypes'>>;

interface TableRoute {
  readonly target: TableRef;
  readonly operations: ReadonlySet<Operation>;
  readonly where: WhereFilter | undefined;
  /** Source column name → destination name; undefined: every column, named by the capitalization policy. */
  readonly columns: ReadonlyMap<string, string> | undefined;
  /** Generated columns (lower-case names: MySQL column names are case-insensitive), left to the destination. */
  readonly generated: ReadonlySet<string>;
  /** Destination names of the key columns. */
  readonly key: readonly string[];
  /** Changes apply in binlog order, by key only: the table has other unique keys the destination enforces. */
  readonly ordered: boolean;
  /** The last event column types seen and their projection (destination names): reused while the table's definition is unchanged. */
  typesOf?: { readonly columnTypes: readonly string[]; readonly types: ColumnTypes };
}

export class ChangeMapper {
  private readonly routes = new Map<string, TableRoute>();
  /** Source database → destination database, for whole-database selections. */
  private readonly wholeDatabases = new Map<string, string>();
  /** Changes carry their event's column types (the destination gives each value its type itself). */
  private readonly typed: boolean;
  private readonly uniqueKeysEnforced: boolean;
  /** The destination logs before images whole (Destination.logsBeforeImages). */
  private readonly wholeBefore: boolean;

  /** `catchUpEnd`: the full load's end (FullLoadPlan.end) as a position; ordered changes before it are `catch-up`. */
  constructor(private readonly task: Task, dbs: readonly DatabaseMapping[], private readonly catchUpEnd?: BinlogPosition) {
    this.typed = destinationOf(task).typedChanges;
    this.uniqueKeysEnforced = destinationOf(task).enforcesUniqueKeys;
    this.wholeBefore = destinationOf(task).logsBeforeImages === true;
    for (const d of dbs) {
      if (d.whole) this.wholeDatabases.set(d.source.name, d.target);
      for (const t of d.tables) this.addTable(t);
    }
  }

  private get capitalization(): Capitalization {
    return this.task.sync.capitalization;
  }

  /** How changes of `database.table` are synchronized; undefined when they are not. */
  route(database: string, table: string): TableRoute | undefined {
    return this.routes.get(`${database}.${table}`);
  }

  /** The destination table of a source table: its route's, or by the whole-database rules for a table not yet known. */
  targetOf(database: string, table: string): TableRef | undefined {
    const known = this.route(database, table);
    if (known) return known.target;
    const db = this.wholeDatabases.get(database);
    return db === undefined ? undefined : { database: db, table: applyCapitalization(table, this.capitalization) };
  }

  /** Learns how a table is mapped, from the task and the source catalog. */
  addTable(t: TableMapping): void {
    const explicit = t.columns.length !== t.source.columns.length || t.columns.some((c) => c.target !== applyCapitalization(c.source.name, this.capitalization));
    this.routes.set(`${t.source.database}.${t.source.name}`, {
      target: t.target,
      operations: t.operations,
      where: t.where,
      // Without an explicit selection every column follows, also ones added by a later DDL.
      columns: explicit ? new Map(t.columns.map((c) => [c.source.name, c.target])) : undefined,
      generated: new Set(t.columns.filter((c) => c.source.generated).map((c) => c.source.name.toLowerCase())),
      key: t.key.map((k) => t.columns.find((c) => c.source.name === k)?.target ?? applyCapitalization(k, this.capitalization)),
      ordered: this.uniqueKeysEnforced && hasOtherUniqueKeys(t.source.indexes, t.key),
    });
  }

  /**
   * Relearns a table after a DDL from its destination copy, which the DDL has just changed: the
   * destination holds the schema as of this point in the binlog, while the source may be far ahead
   * (the table renamed or dropped since). Filters and column selections of the task are kept.
   */
  learnFromDestination(database: string, table: string, target: TableRef, info: TableInfo): void {
    const known = this.route(database, table);
    const selected = this.task.objects.find((o) => o.database === database)?.tables?.find((t) => t.name === table);
    this.routes.set(`${database}.${table}`, {
      target,
      operations: known?.operations ?? new Set(selected?.operations ?? this.task.sync.operations),
      where: known?.where,
      columns: known?.columns,
      generated: new Set(info.columns.filter((c) => c.generated).map((c) => c.name.toLowerCase())),
      key: info.keyColumns,
      ordered: this.uniqueKeysEnforced && hasOtherUniqueKeys(info.indexes, info.keyColumns),
    });
  }

  forgetTable(database: string, table: string): void {
    this.routes.delete(`${database}.${table}`);
  }

  map(e: RowsEvent): RowChange[] {
    const route = this.route(e.database, e.table);
    if (!route || !route.operations.has(e.op)) return [];
    const out: RowChange[] = [];
    const { op, rows } = e;
    const types = this.typed ? this.eventTypes(route, e) : undefined;
    const ordered = !route.ordered ? undefined : this.catchUpEnd && comparePositions(e.pos, this.catchUpEnd) < 0 ? 'catch-up' : 'in-order';
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      // Row index doubled: the insert half of a key change takes the odd position after its delete,
      // so both halves stay distinct (and ordered) even when a batch boundary falls between them.
      const row = (e.pos.row + i) * 2;
      const after = op === 'delete' ? undefined : this.passing(route, r.after);
      const passing = op === 'insert' ? undefined : this.passing(route, r.before);
      const before = this.wholeBefore ? passing : leanBefore(passing, after, route.key);
      if (before && after) {
        // A key change is a delete of the old row and an insert of the new one: the two keys may
        // hash to different buckets, and each half must be ordered with its own row's changes.
        if (keyChanged(route.key, before, after)) {
          out.push(change(e, route, row, 'delete', before, undefined, types, ordered), change(e, route, row + 1, 'insert', undefined, after, types, ordered));
        } else {
          out.push(change(e, route, row, 'update', before, after, types, ordered));
        }
      } else if (before) out.push(change(e, route, row, 'delete', before, undefined, types, ordered));
      else if (after) out.push(change(e, route, row, 'insert', undefined, after, types, ordered));
    }
    return out;
  }

  /** The event's column types under destination names, as project() names the columns; one object per table definition. */
  private eventTypes(route: TableRoute, e: RowsEvent): ColumnTypes | undefined {
    const { columns, columnTypes } = e;
    if (!columns || !columnTypes) return undefined;
    if (route.typesOf?.columnTypes === columnTypes) return route.typesOf.types;
    const types: Record<string, string> = {};
    for (let i = 0; i < columns.length; i++) {
      const type = columnTypes[i];
      if (!type) continue;
      const target = this.targetName(route, columns[i]!);
      if (target !== undefined) types[target] = type;
    }
    route.typesOf = { columnTypes, types };
    return types;
  }

  /** The image projected for the destination when it passes the table's filter; undefined otherwise. */
  private passing(route: TableRoute, img: Record<string, CellValue> | undefined): Row | undefined {
    if (img === undefined || (route.where && evaluateWhere(route.where, filterRow(img)) !== true)) return undefined;
    return this.project(route, img);
  }

  private project(route: TableRoute, img: Record<string, CellValue>): Row {
    // The common case (every column, names unchanged, nothing generated) keeps the decoded image.
    if (!route.columns && route.generated.size === 0 && (this.capitalization === 'default' || this.capitalization === 'source')) return img;
    const out: Record<string, CellValue> = {};
    for (const [name, value] of Object.entries(img)) {
      const target = this.targetName(route, name);
      if (target !== undefined) out[target] = value;
    }
    return out;
  }

  /** A source column's destination name; undefined when it is not written (generated, or left out by the column map). */
  private targetName(route: TableRoute, name: string): string | undefined {
    if (route.generated.has(name.toLowerCase())) return undefined;
    return route.columns ? route.columns.get(name) : applyCapitalization(name, this.capitalization);
  }
}

/** One object shape for every change (before/after present, possibly undefined): the hot path stays monomorphic. */
function change(e: RowsEvent, route: TableRoute, row: number, op: RowChange['op'], before: Row | undefined, after: Row | undefined, types: ColumnTypes | undefined, ordered: RowChange['ordered']): RowChange {
  return { kind: 'row', pos: { file: e.pos.file, offset: e.pos.offset, row }, ts: e.ts, table: route.target, key: route.key, op, before, after, types, ordered };
}

/** Row values as the filter evaluator takes them: exact numbers as text, bytes as Buffers. */
function filterRow(img: Record<string, CellValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(img)) {
    out[k] = isExactNumber(v) ? v.n : isBytes(v) ? Buffer.from(v.b, 'base64') : v;
  }
  return out;
}

/**
 * The before image without its large non-key values: destinations read a before image only for its key
 * and for which columns an update changed. A large value the update left as it was becomes the after
 * image's own (one copy in memory and in queue messages, and still equal); one it changed is left out,
 * which reads as changed. Filters have been evaluated on the whole image before this.
 */
function leanBefore(before: Row | undefined, after: Row | undefined, key: readonly string[]): Row | undefined {
  if (before === undefined) return undefined;
  let out: Record<string, CellValue> | undefined;
  for (const name in before) {
    const v = before[name]!;
    if (!isLargeValue(v) || key.includes(name)) continue;
    out ??= { ...before };
    const now = after?.[name];
    if (now !== undefined && sameCell(v, now)) out[name] = now;
    else delete out[name];
  }
  return out ?? before;
}

function keyChanged(key: readonly string[], before: Row, after: Row): boolean {
  for (let i = 0; i < key.length; i++) if (!sameCell(before[key[i]!] ?? null, after[key[i]!] ?? null)) return true;
  return false;
}

function sameCell(a: CellValue, b: CellValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return 'n' in a ? 'n' in b && a.n === b.n : 'b' in b && a.b === b.b;
}
