/**
 * Which DDL a MaxCompute destination applies: ADD COLUMN, to `_base` and `_log` (beyond reference
 * 001, which takes DML only). Every other statement is recorded as not applied, with what it leaves
 * behind in the project.
 */
import type { DdlKind, DdlTranslation } from '../../incremental/ddl-translator.ts';
import { readAddColumns } from '../../mysql/alter-add-columns.ts';
import type { MaxComputeDestinationConfig } from './config.ts';
import { additionalNames, isMaxComputeName } from './maxcompute-table.ts';

const KEPT_COLUMNS = 'the _base and _log tables keep their columns (values of a column the source adds are not written, a dropped one is logged as NULL)';

const EFFECT: Partial<Record<DdlKind, string>> = {
  'create-table': 'the new table is not synchronized (select it in a task with a full load)',
  'drop-table': 'the _base and _log tables stay, with their rows',
  'truncate-table': 'the _base and _log tables keep their rows (the merge still shows them)',
  'rename-table': 'the _base and _log tables keep their names, and the renamed table is no longer synchronized',
  'create-index': 'MaxCompute tables have no indexes',
  'drop-index': 'MaxCompute tables have no indexes',
};

/** Why `t` is not applied to the project, or undefined when it is (an ADD COLUMN the tables can take). */
export function ddlRefusal(t: DdlTranslation, config: MaxComputeDestinationConfig): string | undefined {
  if (t.kind !== 'alter-table') return `MaxCompute destinations apply only ADD COLUMN: ${EFFECT[t.kind] ?? 'nothing changed in the project'}`;
  const read = readAddColumns(t.sql);
  if (!('columns' in read)) return `${read.refusal}; ${KEPT_COLUMNS}`;
  const names = additionalNames(config.additionalColumnRule, config.partitionFields);
  const reserved = new Set([...names.columns, ...names.partitions]);
  for (const c of read.columns) {
    if (!isMaxComputeName(c.name)) {
      return `ADD COLUMN ${c.name}: not a MaxCompute column name (letters, digits and "_", starting with a letter, at most 128 characters); ${KEPT_COLUMNS}`;
    }
    if (reserved.has(c.name.toLowerCase())) {
      return `ADD COLUMN ${c.name}: the name of an additional column of the _log table (additionalColumnRule: ${config.additionalColumnRule}; the rule "new" prefixes them with new_dts_sync_); ${KEPT_COLUMNS}`;
    }
  }
  return undefined;
}
