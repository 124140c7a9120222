/**
 * Schema synchronization into Lindorm: one table per source table in the task's namespace, created with
 * `createTableStatement`; an existing one is kept when this task created it in an earlier run, or under
 * ignore-and-proceed, and only when it is compatible (lindorm-table-check.ts).
 */
import type { TableMapping } from '../../task/object-mapper.ts';
import type { SchemaSyncOptions, SchemaSyncReport } from '../destination.ts';
import type { LindormDestinationConfig } from './config.ts';
import { describeTable } from './lindorm-catalog.ts';
import { createTableStatement } from './lindorm-ddl.ts';
import { lindormMessage, LindormSessions } from './lindorm-session.ts';
import { checkLindormTable } from './lindorm-table-check.ts';
import { lindormTable } from './lindorm-table.ts';

/** What names a Lindorm table in the task state's `ownedTables` (one namespace a task, names case-sensitive). */
export function lindormOwnershipKey(table: string): string {
  return `lindorm:${table}`;
}

interface Outcome {
  readonly outcome: 'created' | 'kept';
  readonly warnings: readonly string[];
}

export async function syncLindormSchema(config: LindormDestinationConfig, tables: readonly TableMapping[], options: SchemaSyncOptions): Promise<SchemaSyncReport> {
  const report = { created: [] as string[], kept: [] as string[], warnings: [] as string[], failed: [] as Array<{ object: string; error: string }> };
  const sessions = await LindormSessions.open(config);
  try {
    for (const t of tables) {
      const object = `${config.database}.${t.target.table}`;
      try {
        const done = await syncTable(sessions, t, options);
        (done.outcome === 'created' ? report.created : report.kept).push(object);
        report.warnings.push(...done.warnings);
        options.log?.(`  ${done.outcome} Lindorm table ${object}`);
      } catch (e) {
        report.failed.push({ object, error: lindormMessage(e) });
        options.log?.(`  failed Lindorm table ${object}: ${lindormMessage(e)}`);
      }
    }
  } finally {
    await sessions.close();
  }
  return report;
}

async function syncTable(sessions: LindormSessions, t: TableMapping, options: SchemaSyncOptions): Promise<Outcome> {
  const read = lindormTable(t);
  if ('refusals' in read) throw new Error(`Lindorm cannot hold table ${t.target.table}: ${read.refusals.join('; ')}`);
  const name = read.table.name;
  const existing = await describeTable(sessions, name);
  if (!existing) {
    const ddl = createTableStatement(t);
    if ('refusal' in ddl) throw new Error(ddl.refusal);
    await options.onCreating?.(lindormOwnershipKey(name));
    await sessions.query(ddl.sql);
    return { outcome: 'created', warnings: read.warnings.map((w) => `Lindorm table ${name}: ${w}`) };
  }
  const owned = options.ownedTables.has(lindormOwnershipKey(name));
  if (!owned && options.conflictMode === 'precheck-and-report') {
    throw new Error(`Lindorm table ${name} already exists in namespace ${sessions.config.database} and was not created by this task (conflictMode precheck-and-report)`);
  }
  const check = checkLindormTable(read.table, existing);
  if (check.problems.length > 0) throw new Error(check.problems.join('; '));
  return { outcome: 'kept', warnings: [...read.warnings.map((w) => `Lindorm table ${name}: ${w}`), ...check.warnings] };
}
