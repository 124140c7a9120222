/**
 * Resolves the task's `objects` against the source catalog: which tables and columns are synchronized,
 * under which destination names (renames and the capitalization policy), with which key and filter.
 */
import { FcDtsError } from '../errors.ts';
import type { ColumnInfo, DatabaseInfo, TableInfo } from '../mysql/catalog.ts';
import { parseWhereFilter, type WhereFilter } from '../filter/where-filter.ts';
import type { Capitalization, Operation, Task } from './task.ts';
import { destinationOf } from '../destinations/registry.ts';

export interface ColumnMapping {
  readonly source: ColumnInfo;
  readonly target: string;
}

export interface TableMapping {
  readonly source: TableInfo;
  readonly target: { readonly database: string; readonly table: string };
  /** Selected columns in source order, generated ones included (schema needs them; loads skip them). */
  readonly columns: readonly ColumnMapping[];
  /** Source names of the key that identifies a row (PRIMARY KEY or a NOT NULL UNIQUE key); empty if none. */
  readonly key: readonly string[];
  readonly where?: WhereFilter;
  readonly operations: ReadonlySet<Operation>;
  /** The task file path of this table's entry, for messages, e.g. `objects[0].tables[2]`. */
  readonly origin: string;
  /** Whether the name was renamed by the task (counts toward the renamed-table limit). */
  readonly renamed: boolean;
}

export interface DatabaseMapping {
  readonly source: DatabaseInfo;
  readonly target: string;
  /** The whole database is selected: views, triggers and routines follow, and new tables are picked up. */
  readonly whole: boolean;
  readonly tables: readonly TableMapping[];
}

export function applyCapitalization(name: string, policy: Capitalization): string {
  if (policy === 'lower') return name.toLowerCase();
  if (policy === 'upper') return name.toUpperCase();
  return name;
}

/** Columns a load writes: every selected column except generated ones (the destination computes those). */
export function loadColumns(t: TableMapping): ColumnMapping[] {
  return t.columns.filter((c) => !c.source.generated);
}

export function resolveObjects(task: Task, catalog: ReadonlyMap<string, DatabaseInfo>): DatabaseMapping[] {
  const cap = task.sync.capitalization;
  const targets = new Map<string, string>();
  return task.objects.map((sel, i) => {
    const origin = `objects[${i}]`;
    const db = catalog.get(sel.database);
    if (!db) {
      throw new FcDtsError('OBJECT_NOT_FOUND', `${origin}.database: database "${sel.database}" does not exist on the source`, 'correct the name (names are case-sensitive) or create the database');
    }
    const targetDb = sel.as ?? applyCapitalization(sel.database, cap);
    const entries = sel.tables
      ? sel.tables.map((t, j) => {
          const info = db.tables.find((x) => x.name === t.name);
          if (!info) {
            const view = db.views.includes(t.name) ? ' (it is a view; select the whole database to synchronize views)' : '';
            throw new FcDtsError('OBJECT_NOT_FOUND', `${origin}.tables[${j}].name: table "${sel.database}.${t.name}" does not exist on the source${view}`, 'correct the table name (case-sensitive)');
          }
          return { info, sel: t, origin: `${origin}.tables[${j}]` };
        })
      : db.tables.map((info) => ({ info, sel: undefined, origin }));
    const tables = entries.map(({ info, sel: t, origin: o }): TableMapping => {
      const byName = new Map(info.columns.map((c) => [c.name.toLowerCase(), c]));
      /** The source column `name` (case-insensitive); `at` and `fix` describe the setting that names one that does not exist. */
      const sourceColumn = (name: string, at: string, fix: string): ColumnInfo => {
        const col = byName.get(name.toLowerCase());
        if (!col) {
          throw new FcDtsError('OBJECT_NOT_FOUND', `${at}: column "${name}" does not exist in ${info.database}.${info.name} (columns: ${info.columns.map((c) => c.name).join(', ')})`, fix);
        }
        return col;
      };
      let columns: ColumnMapping[];
      if (t?.columns) {
        const picked = t.columns.map(([src, dst]) => ({ source: sourceColumn(src, `${o}.columns`, 'correct the column name'), target: dst }));
        columns = picked.sort((a, b) => a.source.ordinal - b.source.ordinal);
      } else {
        columns = info.columns.map((c) => ({ source: c, target: applyCapitalization(c.name, cap) }));
      }
      t?.primaryKey?.forEach((k, n) => sourceColumn(k, `${o}.primaryKey[${n}]`, `correct the name in ${o}.primaryKey: it takes source column names`));
      const key = t?.primaryKey ?? info.keyColumns;
      // The source key, which the selection may leave out. A primaryKey override names only selected
      // columns: the task-file validator (checkPrimaryKey) refuses any other, and every Task comes from it.
      const selected = new Set(columns.map((c) => c.source.name.toLowerCase()));
      const missing = t?.primaryKey ? [] : info.keyColumns.filter((k) => !selected.has(k.toLowerCase()));
      if (missing.length > 0) {
        throw new FcDtsError('OBJECT_NOT_FOUND', `${o}.columns: leaves out key column(s) ${missing.join(', ')} of ${info.database}.${info.name}`, 'add the primary-key columns to the column selection: rows are identified by them');
      }
      const where = t?.where !== undefined ? parseWhereFilter(t.where, `${info.database}.${info.name}`, info.columns.map((c) => c.name)) : undefined;
      const table = t?.as ?? applyCapitalization(info.name, cap);
      const full = destinationOf(task).tableIdentity({ database: targetDb, table });
      const clash = targets.get(full);
      if (clash) {
        throw new FcDtsError('NAME_CONFLICT', `${o}: ${info.database}.${info.name} and ${clash} both map to destination table ${targetDb}.${table}`, 'rename one of them with "as"');
      }
      targets.set(full, `${info.database}.${info.name}`);
      return {
        source: info,
        target: { database: targetDb, table },
        columns,
        key: key.map((k) => byName.get(k.toLowerCase())?.name ?? k),
        ...(where ? { where } : {}),
        operations: new Set(t?.operations ?? task.sync.operations),
        origin: o,
        renamed: t?.as !== undefined || (t?.columns?.some(([a, b]) => a !== b) ?? false) || sel.as !== undefined,
      };
    });
    return { source: db, target: targetDb, whole: sel.tables === undefined, tables };
  });
}

export function allTables(dbs: readonly DatabaseMapping[]): TableMapping[] {
  return dbs.flatMap((d) => d.tables);
}

export function tableLabel(t: TableMapping): string {
  return `${t.source.database}.${t.source.name}`;
}
