/**
 * Precheck items about a Lindorm destination (reference 004, "Precautions"): the endpoint and account, the
 * namespace, the rights the DDL fc-dts runs needs, the tables Lindorm can hold, the tables that exist
 * already, and how empty VARBINARY values arrive. Apply watermarks live in fc-dts's state store, so plain
 * synchronization needs READ and WRITE only.
 *
 * The table items need only the resolved objects; the namespace, rights and existing tables also need the
 * instance, and are left out when it cannot be reached (as the MySQL items are).
 */
import mysql from 'mysql2/promise';
import { isFcDtsError } from '../../errors.ts';
import type { CheckResult } from '../../precheck/check-result.ts';
import { guarded, listNames, plural, toItem, type ItemMeta, type Verdict } from '../../precheck/source-checks.ts';
import { allTables, tableLabel, type TableMapping } from '../../task/object-mapper.ts';
import type { DestinationCheckContext, DestinationPrecheck, TaskOf } from '../destination.ts';
import type { LindormDestinationConfig } from './config.ts';
import { describeTable, tableNames, type DefinedTable } from './lindorm-catalog.ts';
import { existingLindormTablesVerdict } from './lindorm-existing-tables.ts';
import { ddlRightsVerdict } from './lindorm-rights.ts';
import { lindormConnectionError, lindormMessage, lindormPoolOptions, LindormSessions } from './lindorm-session.ts';
import { lindormTable, renamedTablesProblem } from './lindorm-table.ts';

type LindormTask = TaskOf<LindormDestinationConfig>;

export const LINDORM_ITEMS = {
  connectivity: { id: 'destination-connectivity', name: 'Destination connectivity and credentials', side: 'destination' },
  namespace: { id: 'lindorm-namespace', name: 'Lindorm namespace', side: 'destination' },
  rights: { id: 'lindorm-rights', name: 'Lindorm account rights for DDL', side: 'destination' },
  tables: { id: 'lindorm-tables', name: 'Tables Lindorm can hold', side: 'destination' },
  existingTables: { id: 'lindorm-existing-tables', name: 'Existing Lindorm tables', side: 'destination' },
  emptyVarbinary: { id: 'lindorm-empty-varbinary', name: 'Empty VARBINARY values', side: 'destination' },
} as const satisfies Record<string, ItemMeta>;

function failedWith(e: unknown): Verdict {
  const err = isFcDtsError(e) ? e : undefined;
  return { status: 'failed', reason: err?.message ?? lindormMessage(e), ...(err?.fix !== undefined ? { fix: err.fix } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Connectivity, namespace

/** Logs in without a namespace, so a wrong account and an unknown namespace are told apart. */
async function loginVerdict(d: LindormDestinationConfig): Promise<Verdict> {
  const { database: _namespace, ...options } = lindormPoolOptions(d, 1);
  const pool = mysql.createPool(options);
  try {
    (await pool.getConnection()).release();
  } catch (e) {
    return failedWith(lindormConnectionError(d, e));
  } finally {
    await pool.end().catch(() => {});
  }
  return { status: 'passed', reason: `logged in to Lindorm ${d.host}:${d.port} as "${d.user}"` };
}

type Namespace = { readonly sessions: LindormSessions; readonly item: CheckResult } | { readonly sessions?: undefined; readonly item: CheckResult };

/** Item: sessions in destination.database; an unknown namespace says how to create it. */
async function openNamespace(d: LindormDestinationConfig): Promise<Namespace> {
  try {
    const sessions = await LindormSessions.open(d);
    return { sessions, item: toItem(LINDORM_ITEMS.namespace, { status: 'passed', reason: `namespace ${d.database} exists and the account works in it` }) };
  } catch (e) {
    return { item: toItem(LINDORM_ITEMS.namespace, { ...failedWith(e), objects: [d.database] }) };
  }
}

// ---------------------------------------------------------------------------------------------
// Rights

/** What makes fc-dts run DDL, in words; undefined when it runs none. */
function ddlReason(task: LindormTask): string | undefined {
  const why = [task.sync.types.has('schema') ? 'schema synchronization (schema in sync.types)' : '', task.sync.ddl ? 'DDL replay (sync.ddl)' : ''].filter(Boolean);
  return why.length > 0 ? why.join(' and ') : undefined;
}

async function rightsItem(task: LindormTask, sessions: LindormSessions): Promise<CheckResult> {
  const why = ddlReason(task);
  if (!why) {
    return toItem(LINDORM_ITEMS.rights, { status: 'passed', reason: 'fc-dts runs no DDL here (schema is not in sync.types, sync.ddl is false): READ and WRITE on the namespace suffice, and the tables must exist' });
  }
  return guarded(LINDORM_ITEMS.rights, () => ddlRightsVerdict(sessions, why), failedWith);
}

// ---------------------------------------------------------------------------------------------
// Tables (no I/O)

/** Refusals and warnings of lindormTable for every table, and the renamed-tables limit. */
export function lindormTablesVerdict(tables: readonly TableMapping[]): Verdict {
  const refused: string[] = [];
  const warned: string[] = [];
  const objects: string[] = [];
  for (const t of tables) {
    const read = lindormTable(t);
    const at = `table ${t.target.table} (for ${tableLabel(t)})`;
    if ('refusals' in read) {
      refused.push(`${at}: ${read.refusals.join('; ')}`);
      objects.push(t.target.table);
    }
    warned.push(...read.warnings.map((w) => `${at}: ${w}`));
  }
  const renamed = renamedTablesProblem(tables);
  if (renamed) refused.push(renamed);
  if (refused.length > 0) {
    return {
      status: 'failed',
      reason: `${plural(refused.length, 'problem')} Lindorm cannot take: ${listNames(refused, 10)}${warned.length > 0 ? `; also: ${listNames(warned, 3)}` : ''}`,
      fix: 'leave columns without a Lindorm type out with tables[].columns, name a key with tables[].primaryKey (at most 5 columns, a VARBINARY one last, and at least one column outside it), rename with tables[].as, or leave the tables out of the task',
      objects,
    };
  }
  if (warned.length > 0) {
    return { status: 'warning', reason: listNames(warned, 6), fix: 'rows whose key is NULL or over 2 KB cannot be written (sync.dirtyData decides: skip records them, block stops); choose NOT NULL, shorter key columns with tables[].primaryKey if such rows occur' };
  }
  return { status: 'passed', reason: `every one of the ${plural(tables.length, 'table')} has Lindorm types for its columns, a key Lindorm takes and a name it accepts` };
}

/** The note of reference 004: an empty VARBINARY value is stored as NULL. */
export function emptyVarbinaryVerdict(tables: readonly TableMapping[]): Verdict {
  const columns = tables.flatMap((t) => {
    const read = lindormTable(t);
    return 'table' in read ? read.table.columns.filter((c) => c.type.name === 'VARBINARY').map((c) => `${t.target.table}.${c.name}`) : [];
  });
  if (columns.length === 0) return { status: 'passed', reason: 'no synchronized column is VARBINARY in Lindorm' };
  return {
    status: 'warning',
    reason: `empty values of ${plural(columns.length, 'VARBINARY column')} arrive in Lindorm as NULL (reference 004: "Empty strings of the VARBINARY type are treated as null values in DTS and the Lindorm instance"): ${listNames(columns)}`,
    fix: 'nothing to change in the task; readers of these columns in Lindorm must take NULL for an empty value',
    objects: columns,
  };
}

// ---------------------------------------------------------------------------------------------
// Existing tables, and the whole precheck

async function existingTablesItem(task: LindormTask, sessions: LindormSessions, tables: readonly TableMapping[], owned: ReadonlySet<string>): Promise<CheckResult> {
  return guarded(
    LINDORM_ITEMS.existingTables,
    async () => {
      const present = new Set(await tableNames(sessions));
      const existing = new Map<string, DefinedTable>();
      for (const name of new Set(tables.map((t) => t.target.table))) {
        const defined = present.has(name) ? await describeTable(sessions, name) : undefined;
        if (defined) existing.set(name, defined);
      }
      return existingLindormTablesVerdict(task, task.destination.database, tables, existing, owned);
    },
    failedWith,
  );
}

async function lindormChecks(task: LindormTask, sessions: LindormSessions | undefined, context: DestinationCheckContext): Promise<CheckResult[]> {
  const items: CheckResult[] = [];
  if (sessions) items.push(await rightsItem(task, sessions));
  if (!context.mapping) return items;
  const tables = allTables(context.mapping);
  items.push(toItem(LINDORM_ITEMS.tables, lindormTablesVerdict(tables)));
  if (sessions) items.push(await existingTablesItem(task, sessions, tables, context.ownedTables));
  items.push(toItem(LINDORM_ITEMS.emptyVarbinary, emptyVarbinaryVerdict(tables)));
  return items;
}

/** The destination side of a precheck: logged in (or not) when opened; the namespace item leads the checks. */
export async function openLindormPrecheck(task: LindormTask): Promise<DestinationPrecheck> {
  const login = await loginVerdict(task.destination);
  const connectivity = toItem(LINDORM_ITEMS.connectivity, login);
  const namespace = login.status === 'passed' ? await openNamespace(task.destination) : undefined;
  return {
    connectivity,
    checks: async (context) => [...(namespace ? [namespace.item] : []), ...(await lindormChecks(task, namespace?.sessions, context))],
    close: async () => namespace?.sessions?.close(),
  };
}
