/** The first difference between two definitions of a table, in words; undefined when they agree. */
import type { ColumnDefinition, KeyDefinition, TableDefinition } from './table-definition.ts';

const COLUMN_FIELDS = ['name', 'dataType', 'columnType', 'unsigned', 'charset', 'collation', 'values', 'nullable'] as const;

export function definitionDifference(before: TableDefinition, after: TableDefinition): string | undefined {
  const columns = columnsDifference(before.columns, after.columns);
  if (columns) return columns;
  const keys = keysDifference(before.keys, after.keys);
  if (keys) return keys;
  if (before.collation !== after.collation) return `default collation ${before.collation} became ${after.collation}`;
  return undefined;
}

function columnsDifference(a: readonly ColumnDefinition[], b: readonly ColumnDefinition[]): string | undefined {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    for (const f of COLUMN_FIELDS) {
      const x = JSON.stringify(a[i]![f]);
      const y = JSON.stringify(b[i]![f]);
      if (x !== y) return `column ${i + 1} (${a[i]!.name}): ${f} ${x} became ${y}`;
    }
  }
  if (a.length !== b.length) return `${a.length} columns became ${b.length}`;
  return undefined;
}

function keysDifference(a: readonly KeyDefinition[], b: readonly KeyDefinition[]): string | undefined {
  const show = (k: KeyDefinition) => `${k.unique ? 'unique ' : ''}${k.fulltext ? 'fulltext ' : ''}key ${k.name} (${k.columns.map((c) => c.name + (c.subPart === null ? '' : `(${c.subPart})`)).join(', ')})`;
  const x = a.map(show);
  const y = b.map(show);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `${x[i] ?? 'no key'} became ${y[i] ?? 'no key'} (key ${i + 1})`;
  }
  return undefined;
}
