/**
 * The precheck: every condition a task needs of its source and destination, each reported as
 * passed / warning / failed with a one-line reason and the fix. It reads; it never writes.
 * Problems with the databases are items, never exceptions (the CLI maps a failed item to exit 1).
 */
import type { Connection } from 'mysql2/promise';
import { destinationOf } from '../destinations/registry.ts';
import { isFcDtsError } from '../errors.ts';
import { readCatalog } from '../mysql/catalog.ts';
import { resolveObjects, type DatabaseMapping } from '../task/object-mapper.ts';
import { taskSecrets } from '../task/task-file.ts';
import type { Task } from '../task/task.ts';
import type { CheckResult, CheckStatus } from './check-result.ts';
import { openEndpoint } from './connectivity.ts';
import { plural, sourceObjectChecks, sourceServerChecks, toItem, type ItemMeta } from './source-checks.ts';

export type { CheckResult, CheckStatus } from './check-result.ts';

export interface PrecheckReport {
  readonly task: string;
  /** No item failed (warnings allowed). */
  readonly ok: boolean;
  readonly items: readonly CheckResult[];
}

export interface PrecheckOptions {
  /**
   * Destination tables fc-dts created itself in an earlier run of this task; they are not name conflicts.
   * MySQL: "db.table" lower-case; Tablestore: `tablestore:<name>` (ownershipKey).
   */
  readonly ownedTables?: ReadonlySet<string>;
}

const OBJECTS: ItemMeta = { id: 'task-objects', name: 'Selected objects', side: 'task' };

async function resolve(conn: Connection, task: Task, privilegesFailed: boolean): Promise<{ item: CheckResult; mapping?: DatabaseMapping[] }> {
  try {
    const catalog = await readCatalog(conn, task.objects.map((o) => o.database));
    const mapping = resolveObjects(task, catalog);
    const tables = mapping.reduce((n, d) => n + d.tables.length, 0);
    return { item: toItem(OBJECTS, { status: 'passed', reason: `${plural(tables, 'table')} in ${plural(mapping.length, 'database')}` }), mapping };
  } catch (e) {
    if (isFcDtsError(e)) {
      // An account without SELECT on a database does not see it in information_schema either.
      const hint = privilegesFailed && e.code === 'OBJECT_NOT_FOUND' ? ' (or the source account is not allowed to see it: see Source account privileges)' : '';
      return { item: toItem(OBJECTS, { status: 'failed', reason: e.message + hint, ...(e.fix !== undefined ? { fix: e.fix } : {}) }) };
    }
    const err = e as { sqlMessage?: string; message?: string };
    return {
      item: toItem(OBJECTS, {
        status: 'failed',
        reason: `could not read the selected objects: ${err.sqlMessage ?? err.message ?? String(e)}`,
        fix: 'make sure the source account can read information_schema, then run the precheck again',
      }),
    };
  }
}

/** Passwords and keys never appear in a report, whatever a server or driver put into a message. */
function redactor(task: Task): (s: string) => string {
  const secrets = taskSecrets(task);
  return (s) => secrets.reduce((out, p) => out.replaceAll(p, '***'), s);
}

export async function runPrecheck(task: Task, options: PrecheckOptions = {}): Promise<PrecheckReport> {
  const items: CheckResult[] = [];
  const [source, destination] = await Promise.all([openEndpoint('source', task.source), destinationOf(task).openPrecheck(task)]);
  try {
    items.push(source.item);
    let mapping: DatabaseMapping[] | undefined;
    if (source.conn) {
      const server = await sourceServerChecks(source.conn, task);
      items.push(...server);
      const privilegesFailed = server.some((i) => i.id === 'source-privileges' && i.status === 'failed');
      const resolved = await resolve(source.conn, task, privilegesFailed);
      items.push(resolved.item);
      mapping = resolved.mapping;
      if (mapping) items.push(...sourceObjectChecks(task, mapping, destinationOf(task).enforcesUniqueKeys));
    }
    items.push(destination.connectivity);
    items.push(
      ...(await destination.checks({
        ...(mapping ? { mapping } : {}),
        ...(source.conn ? { source: source.conn } : {}),
        ownedTables: options.ownedTables ?? new Set(),
      })),
    );
  } finally {
    await Promise.all([source.conn?.end().catch(() => {}), destination.close()]);
  }
  const redact = redactor(task);
  const clean = items.map((i) => ({
    ...i,
    reason: redact(i.reason),
    ...(i.fix !== undefined ? { fix: redact(i.fix) } : {}),
    ...(i.objects !== undefined ? { objects: i.objects.map(redact) } : {}),
  }));
  return { task: task.name, ok: clean.every((i) => i.status !== 'failed'), items: clean };
}

const MARK: Record<CheckStatus, string> = { passed: '✓ pass', warning: '! warn', failed: '✗ FAIL' };
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');

/** One line per item (status mark, name, reason), an indented fix under warnings and failures, and a summary. */
export function formatPrecheckReport(report: PrecheckReport): string {
  const lines = [`Precheck of task ${report.task}:`];
  for (const i of report.items) {
    lines.push(`  ${MARK[i.status]}  ${i.name}: ${oneLine(i.reason)}`);
    if (i.status !== 'passed' && i.fix) lines.push(`          fix: ${oneLine(i.fix)}`);
  }
  const count = (s: CheckStatus) => report.items.filter((i) => i.status === s).length;
  const outcome = !report.ok
    ? 'the task cannot start until the failed items are fixed'
    : count('warning') > 0
      ? 'the task can start; review the warnings'
      : 'the task can start';
  lines.push(`${count('passed')} passed, ${plural(count('warning'), 'warning')}, ${count('failed')} failed: ${outcome}.`);
  return lines.join('\n');
}
