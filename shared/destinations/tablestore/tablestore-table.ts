/**
 * A synchronized table as Tablestore sees it: its name, its primary key (the source key or the task's
 * `primaryKey` override; at most four columns, the first the partition key) and the value kind of
 * every column, plus Tablestore's naming rule.
 */
import type { TableMapping } from '../../task/object-mapper.ts';
import { loadColumns } from '../../task/object-mapper.ts';
import { primaryKeyType, valueKind, type PrimaryKeyType, type ValueKind } from './tablestore-values.ts';
import { maxValueBytes } from './tablestore-limits.ts';

/** Tablestore limits (product docs "General limits"; docs/protocols.md §2.3). */
export const TABLESTORE_LIMITS = {
  primaryKeyColumns: 4,
  nameLength: 255,
  primaryKeyValueBytes: 1024,
  batchWriteRows: 200,
  batchWriteBytes: 4 * 1024 * 1024,
  rangeRows: 5000,
} as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Letters, digits and `_`, starting with a letter or `_`, 1–255 characters. */
export function isTablestoreName(name: string): boolean {
  return name.length >= 1 && name.length <= TABLESTORE_LIMITS.nameLength && NAME.test(name);
}

export interface KeyColumn {
  /** Destination name. */
  readonly name: string;
  readonly kind: ValueKind;
  /** undefined: the kind cannot be a key (DOUBLE, BOOLEAN); the precheck fails on it. */
  readonly type: PrimaryKeyType | undefined;
  /** Longest value in bytes the source column can hold (STRING/BINARY keys are limited to 1 KB); undefined if unbounded or unknown. */
  readonly maxBytes: number | undefined;
  readonly nullable: boolean;
}

export interface TablestoreTable {
  readonly name: string;
  readonly primaryKey: readonly KeyColumn[];
  /** Destination column name → kind, key columns included. */
  readonly kinds: ReadonlyMap<string, ValueKind>;
  /** Columns a full load reads and writes (source name, destination name, kind), key columns included. */
  readonly columns: ReadonlyArray<{ readonly source: string; readonly name: string; readonly kind: ValueKind }>;
}

export function tablestoreTable(t: TableMapping): TablestoreTable {
  const bySource = new Map(t.columns.map((c) => [c.source.name.toLowerCase(), c]));
  const primaryKey = t.key.map((k): KeyColumn => {
    const c = bySource.get(k.toLowerCase())!;
    const kind = valueKind(c.source);
    return { name: c.target, kind, type: primaryKeyType(kind), maxBytes: maxValueBytes(c.source), nullable: c.source.nullable };
  });
  const columns = loadColumns(t).map((c) => ({ source: c.source.name, name: c.target, kind: valueKind(c.source) }));
  return { name: t.target.table, primaryKey, kinds: new Map(columns.map((c) => [c.name, c.kind])), columns };
}
