/**
 * The precheck's view of the destination tables that already exist in the namespace: with schema or full
 * synchronization under precheck-and-report, one the task did not create is a name conflict; one it writes
 * into (its own from an earlier run, or under ignore-and-proceed) must be compatible (lindorm-table-check.ts).
 * Without schema synchronization nothing creates a missing table: the fix gives its CREATE TABLE.
 */
import { listNames, plural, type Verdict } from '../../precheck/source-checks.ts';
import { tableLabel, type TableMapping } from '../../task/object-mapper.ts';
import type { Task } from '../../task/task.ts';
import type { DefinedTable } from './lindorm-catalog.ts';
import { createTableStatement } from './lindorm-ddl.ts';
import { lindormOwnershipKey } from './lindorm-schema.ts';
import { checkLindormTable } from './lindorm-table-check.ts';
import { lindormTable } from './lindorm-table.ts';

interface Findings {
  readonly conflicts: TableMapping[];
  readonly incompatible: string[];
  readonly missing: TableMapping[];
  readonly warnings: string[];
  readonly owned: string[];
  readonly kept: string[];
}

function findings(task: Pick<Task, 'sync'>, tables: readonly TableMapping[], existing: ReadonlyMap<string, DefinedTable>, ownedTables: ReadonlySet<string>): Findings {
  const schema = task.sync.types.has('schema');
  const checked = schema || task.sync.types.has('full');
  const f: Findings = { conflicts: [], incompatible: [], missing: [], warnings: [], owned: [], kept: [] };
  for (const t of tables) {
    const name = t.target.table;
    const defined = existing.get(name);
    const read = lindormTable(t);
    if (!defined) {
      if (!schema) f.missing.push(t);
      continue;
    }
    const ours = ownedTables.has(lindormOwnershipKey(name));
    if (!ours && checked && task.sync.conflictMode === 'precheck-and-report') {
      f.conflicts.push(t);
      continue;
    }
    if (!('table' in read)) continue; // lindorm-tables reports it
    const check = checkLindormTable(read.table, defined);
    f.incompatible.push(...check.problems);
    f.warnings.push(...check.warnings);
    if (check.problems.length === 0) (ours ? f.owned : f.kept).push(name);
  }
  return f;
}

function problemsOf(f: Findings, namespace: string): Verdict | undefined {
  const problems: string[] = [];
  const fixes: string[] = [];
  const objects: string[] = [];
  if (f.conflicts.length > 0) {
    const n = f.conflicts.length;
    problems.push(`${plural(n, 'table')} already exist${n === 1 ? 's' : ''} in namespace ${namespace} and ${n === 1 ? 'was' : 'were'} not created by this task: ${listNames(f.conflicts.map((t) => `${t.target.table} (for ${tableLabel(t)})`))} (conflictMode precheck-and-report)`);
    fixes.push(`map them to other names with tables[].as, drop them from the namespace if nothing needs them, or set sync.conflictMode: ignore-and-proceed to write into them (they must then be compatible)`);
    objects.push(...f.conflicts.map((t) => t.target.table));
  }
  if (f.incompatible.length > 0) {
    problems.push(`existing tables the task cannot write into: ${listNames(f.incompatible, 6)}`);
    fixes.push('change the Lindorm tables to match (or drop them so schema synchronization creates them), or write to other tables with tables[].as');
  }
  if (f.missing.length > 0) {
    const n = f.missing.length;
    problems.push(`${plural(n, 'table')} do${n === 1 ? 'es' : ''} not exist in namespace ${namespace} and sync.types has no schema, so nothing creates ${n === 1 ? 'it' : 'them'}: ${listNames(f.missing.map((t) => `${t.target.table} (for ${tableLabel(t)})`))}`);
    const statements = f.missing.map((t) => createTableStatement(t)).map((d) => ('sql' in d ? d.sql : d.refusal));
    fixes.push(`add schema to sync.types, or create ${n === 1 ? 'it' : 'them'} in namespace ${namespace}: ${listNames(statements, 5)}`);
    objects.push(...f.missing.map((t) => t.target.table));
  }
  if (problems.length === 0) return undefined;
  return { status: 'failed', reason: problems.join('; '), fix: fixes.join('; '), objects };
}

export function existingLindormTablesVerdict(task: Pick<Task, 'sync'>, namespace: string, tables: readonly TableMapping[], existing: ReadonlyMap<string, DefinedTable>, ownedTables: ReadonlySet<string>): Verdict {
  const f = findings(task, tables, existing, ownedTables);
  const failed = problemsOf(f, namespace);
  if (failed) return failed;
  const notes: string[] = [];
  if (f.owned.length > 0) notes.push(`${plural(f.owned.length, 'table')} created by an earlier run of this task: ${listNames(f.owned)}`);
  if (f.kept.length > 0) notes.push(`${plural(f.kept.length, 'existing table')} compatible and written into: ${listNames(f.kept)}`);
  if (f.warnings.length > 0) {
    return { status: 'warning', reason: [...notes, `but: ${listNames(f.warnings, 6)}`].join('; '), fix: 'rows with such values cannot be written (sync.dirtyData decides); widen the Lindorm columns if they occur' };
  }
  if (notes.length === 0) return { status: 'passed', reason: `none of the ${plural(tables.length, 'destination table')} exists yet in namespace ${namespace}` };
  const created = tables.length - f.owned.length - f.kept.length;
  return { status: 'passed', reason: notes.join('; ') + (created > 0 ? `; ${created} more to be created` : '') };
}
