/**
 * A synchronized table as Lindorm holds it: its name, every loaded column with its Lindorm type, and
 * its primary key (the source key or the task's `primaryKey` override) — or why Lindorm cannot hold it.
 */
import type { ColumnInfo } from '../../mysql/catalog.ts';
import { loadColumns, type TableMapping } from '../../task/object-mapper.ts';
import type { LiteralColumn } from './lindorm-literals.ts';
import { isLindormColumnName, isLindormTableName, LINDORM_LIMITS } from './lindorm-limits.ts';
import { keyVerdict, lindormType, maxLindormBytes, type KeyColumnSpec } from './lindorm-types.ts';

export interface LindormColumn extends LiteralColumn {
  readonly source: ColumnInfo;
  readonly key: boolean;
}

export interface LindormTable {
  readonly name: string;
  /** Loaded columns in source order, key columns included. */
  readonly columns: readonly LindormColumn[];
  /** The key columns, in key order. */
  readonly key: readonly LindormColumn[];
}

export type LindormTableReading =
  | { readonly table: LindormTable; readonly warnings: readonly string[] }
  | { readonly refusals: readonly string[]; readonly warnings: readonly string[] };

export function lindormTable(t: TableMapping): LindormTableReading {
  const refusals: string[] = [];
  if (!isLindormTableName(t.target.table)) refusals.push(`table name "${t.target.table}" is not a Lindorm table name (1–255 letters, digits, "_", "-" or ".", not starting with "-" or ".")`);
  const keyNames = new Set(t.key.map((k) => k.toLowerCase()));
  const columns: LindormColumn[] = [];
  for (const c of loadColumns(t)) {
    const mapped = lindormType(c.source);
    if (!isLindormColumnName(c.target)) refusals.push(`column name "${c.target}" is over Lindorm's ${LINDORM_LIMITS.nameLength} bytes`);
    if ('refusal' in mapped) refusals.push(`column ${c.target} ${mapped.refusal} (leave the column out with tables[].columns)`);
    else columns.push({ name: c.target, type: mapped.type, instant: c.source.dataType.toLowerCase() === 'timestamp', source: c.source, key: keyNames.has(c.source.name.toLowerCase()) });
  }
  const bySource = new Map(columns.map((c) => [c.source.name.toLowerCase(), c]));
  const key = t.key.map((k) => bySource.get(k.toLowerCase())).filter((c): c is LindormColumn => c !== undefined);
  const specs = key.map((c): KeyColumnSpec => ({ name: c.name, type: c.type, maxBytes: maxLindormBytes(c.type, c.source), nullable: c.source.nullable }));
  const verdict = keyVerdict(specs, columns.length - key.length);
  refusals.push(...verdict.refusals);
  if (refusals.length > 0) return { refusals, warnings: verdict.warnings };
  return { table: { name: t.target.table, columns, key }, warnings: verdict.warnings };
}

/** Reference 004: a task renaming tables or columns may select at most 1,000 tables. */
export function renamedTablesProblem(tables: readonly TableMapping[]): string | undefined {
  const renames = tables.some((t) => t.renamed || t.columns.some((c) => c.target !== c.source.name));
  const limit = LINDORM_LIMITS.renamedTaskTables;
  if (!renames || tables.length <= limit) return undefined;
  return `${tables.length} tables with renamed tables or columns, but a Lindorm task that renames objects selects at most ${limit} tables (reference 004): split the task, or select whole databases`;
}
