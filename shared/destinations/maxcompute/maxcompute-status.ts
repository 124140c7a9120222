/**
 * What `fc-dts status` says of a MaxCompute destination, from the state store alone (no call to the
 * service): the `_base` tables whose full load is committed, and what the buckets have committed to the
 * `_log` tables — entries, commits, upload sessions (each a file in its partition), the last commit.
 */
import type { BucketRecords, StateStore } from '../../state/state-store.ts';
import type { TaskOf } from '../destination.ts';
import { committedBaseTables } from './base-load-target.ts';
import type { MaxComputeDestinationConfig } from './config.ts';
import { LogLedger, type LogTotals } from './log-ledger.ts';

export async function maxComputeStatus(task: TaskOf<MaxComputeDestinationConfig>, store: StateStore & BucketRecords): Promise<string[]> {
  const plan = await store.getPlan();
  const lines: string[] = [];
  if (plan) {
    const committed = await committedBaseTables(store, plan.tables.length);
    lines.push(`MaxCompute _base tables: ${committed} of ${plan.tables.length} committed by the full load`);
  }
  const ledger = new LogLedger(store);
  let sum: LogTotals = { entries: 0, commits: 0, sessions: 0 };
  for (let bucket = 0; bucket < task.advanced.incremental.buckets; bucket++) {
    const t = (await ledger.read(bucket)).totals;
    const last = [sum.lastCommit, t.lastCommit].filter((x): x is string => x !== undefined).sort().at(-1);
    sum = { entries: sum.entries + t.entries, commits: sum.commits + t.commits, sessions: sum.sessions + t.sessions, ...(last ? { lastCommit: last } : {}) };
  }
  const n = (x: number) => x.toLocaleString('en-US');
  lines.push(`MaxCompute _log tables: ${n(sum.entries)} entries in ${n(sum.commits)} commits, ${n(sum.sessions)} upload sessions (files)${sum.lastCommit ? `, the last at ${sum.lastCommit}` : ''}`);
  return lines;
}
