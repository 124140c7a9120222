/**
 * What `fc-dts status` says of a MaxCompute destination: from the state store, the `_base` tables whose full
 * load is committed and what the buckets have committed to the `_log` tables — entries, commits, upload sessions
 * (each a file in its partition), the last commit; from the service, the partitions the `_log` tables have.
 */
import { FcDtsError } from '../../errors.ts';
import type { MaxComputeClient } from '../../maxcompute/maxcompute-client.ts';
import type { PartitionInfo } from '../../maxcompute/odps-metadata.ts';
import type { BucketRecords, FullLoadPlan, StateStore } from '../../state/state-store.ts';
import type { TaskOf } from '../destination.ts';
import { committedBaseTables } from './base-load-target.ts';
import type { MaxComputeDestinationConfig } from './config.ts';
import { LogLedger, type LogTotals } from './log-ledger.ts';
import { LOG_SUFFIX, MAXCOMPUTE_LIMITS } from './maxcompute-table.ts';
import { ownershipKey } from './schema-sync.ts';

export async function maxComputeStatus(task: TaskOf<MaxComputeDestinationConfig>, store: StateStore & BucketRecords, client: MaxComputeClient): Promise<string[]> {
  const plan = await store.getPlan();
  const lines: string[] = [];
  if (plan) {
    const committed = await committedBaseTables(store, plan);
    const empty = plan.tables.filter((t) => t.chunks.length === 0).length;
    const loaded = plan.tables.length - empty;
    lines.push(`MaxCompute _base tables: ${committed} of ${loaded} committed by the full load${empty ? ` (${empty} empty ${empty === 1 ? 'table' : 'tables'}: nothing to commit)` : ''}`);
  }
  lines.push(await logTotalsLine(task, store));
  const tables = await logTablesOf(plan, store);
  if (tables.length === 0) lines.push('MaxCompute _log partitions: unknown (no _log tables in the state yet: neither a full-load plan nor tables created by schema sync)');
  else lines.push(...(await logPartitionLines(client, tables, { secrets: [task.destination.accessKeySecret] })));
  return lines;
}

async function logTotalsLine(task: TaskOf<MaxComputeDestinationConfig>, store: StateStore & BucketRecords): Promise<string> {
  const ledger = new LogLedger(store);
  let sum: LogTotals = { entries: 0, commits: 0, sessions: 0 };
  for (let bucket = 0; bucket < task.advanced.incremental.buckets; bucket++) {
    const t = (await ledger.read(bucket)).totals;
    const last = [sum.lastCommit, t.lastCommit].filter((x): x is string => x !== undefined).sort().at(-1);
    sum = { entries: sum.entries + t.entries, commits: sum.commits + t.commits, sessions: sum.sessions + t.sessions, ...(last ? { lastCommit: last } : {}) };
  }
  return `MaxCompute _log tables: ${n(sum.entries)} entries in ${n(sum.commits)} commits, ${n(sum.sessions)} upload sessions (files)${sum.lastCommit ? `, the last at ${sum.lastCommit}` : ''}`;
}

/**
 * The task's `_log` tables: the full-load plan's targets (the tables resolved when the task began), else, for
 * a task without a full load, the `_log` tables its schema step created (recorded in the task state).
 */
async function logTablesOf(plan: FullLoadPlan | undefined, store: StateStore): Promise<string[]> {
  if (plan) return plan.tables.map((t) => t.target.slice(t.target.lastIndexOf('.') + 1) + LOG_SUFFIX);
  const owned = (await store.getTaskState())?.ownedTables ?? [];
  const prefix = ownershipKey('');
  return owned.filter((k) => k.startsWith(prefix) && k.endsWith(LOG_SUFFIX)).map((k) => k.slice(prefix.length));
}

export interface PartitionLineOptions {
  /** Partitions a table may have (MaxCompute's per-table limit by default). */
  readonly limit?: number;
  /** Partitions a listing page (the service's default when absent). */
  readonly pageSize?: number;
  /** Texts never to print (the AccessKey secret). */
  readonly secrets?: readonly string[];
}

/**
 * The partitions of the `_log` tables as the service lists them: the count and the newest, and a warning per
 * table past 80% of the per-table limit. A failed listing is reported on the line, never thrown.
 */
export async function logPartitionLines(client: MaxComputeClient, tables: readonly string[], options: PartitionLineOptions = {}): Promise<string[]> {
  const limit = options.limit ?? MAXCOMPUTE_LIMITS.partitionsPerTable;
  let listed: Listed;
  try {
    listed = await countPartitions(client, tables, options.pageSize);
  } catch (e) {
    return [`MaxCompute _log partitions: unknown (${shortReason(e, options.secrets ?? [])})`];
  }
  const { counts, newest } = listed;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const newestText = newest === undefined ? '' : `, the newest ${specText(newest.spec)}`;
  const lines = [`MaxCompute _log partitions: ${n(total)} in ${n(tables.length)} table${tables.length === 1 ? '' : 's'}${newestText}`];
  for (const [table, count] of counts) {
    if (count > limit * 0.8) {
      lines.push(
        `MaxCompute warning: ${table} has ${n(count)} partitions, past 80% of the ${n(limit)} a table may have: set fewer destination.partitionFields (e.g. drop modifytime_minute) for new tables, or archive and drop old partitions`,
      );
    }
  }
  return lines;
}

interface Listed {
  /** Partitions per table. */
  readonly counts: ReadonlyMap<string, number>;
  /** The newest partition of them all (largest values); undefined when there is none. */
  readonly newest: PartitionInfo | undefined;
}

async function countPartitions(client: MaxComputeClient, tables: readonly string[], pageSize: number | undefined): Promise<Listed> {
  const counts = new Map<string, number>();
  let newest: PartitionInfo | undefined;
  for (const table of tables) {
    let count = 0;
    for await (const p of client.listPartitions(table, pageSize === undefined ? {} : { maxItems: pageSize })) {
      count++;
      if (newest === undefined || compareSpecs(p.spec, newest.spec) > 0) newest = p;
    }
    counts.set(table, count);
  }
  return { counts, newest };
}

/** Partition values compared key by key, numbers as numbers (the values are zero-padded times). */
function compareSpecs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): number {
  for (const key of Object.keys(a)) {
    const order = (a[key] ?? '').localeCompare(b[key] ?? '', 'en', { numeric: true });
    if (order !== 0) return order;
  }
  return 0;
}

function specText(spec: Readonly<Record<string, string>>): string {
  return Object.entries(spec)
    .map(([k, v]) => `${k}=${v}`)
    .join('/');
}

function shortReason(e: unknown, secrets: readonly string[]): string {
  const text = e instanceof FcDtsError ? e.message : e instanceof Error ? e.message : String(e);
  const scrubbed = secrets.filter((s) => s !== '').reduce((t, s) => t.replaceAll(s, '***'), text.replace(/\s*\[request [^\]]*\]$/, ''));
  return scrubbed.length > 200 ? `${scrubbed.slice(0, 200)}…` : scrubbed;
}

const n = (x: number) => x.toLocaleString('en-US');
