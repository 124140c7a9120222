/** The sink of the task's destination kind (sink.ts is the port; one adapter per kind). */
import { MysqlSink } from '../destinations/mysql/mysql-sink.ts';
import type { Sink } from './sink.ts';
import { TablestoreSink } from '../destinations/tablestore/tablestore-sink.ts';
import { tablestoreTable } from '../destinations/tablestore/tablestore-table.ts';
import { allTables, type DatabaseMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';

/**
 * How long an apply-changes instance holds a Tablestore bucket per claim: renewed before every write
 * request past its half-life, so a batch may take longer, while a killed instance blocks its bucket
 * for at most this long.
 */
export const APPLY_CLAIM_MS = 60_000;

export interface OpenSinkOptions {
  /** Destination connections (MySQL): buckets applied in parallel. */
  readonly connections: number;
  /** Other processes apply the same buckets (the serverless apply-changes instances): this one's identity. */
  readonly sharedAs?: string;
}

export function openSink(task: Task, dbs: readonly DatabaseMapping[], options: OpenSinkOptions): Promise<Sink> {
  const d = task.destination;
  if (d.type === 'mysql') return MysqlSink.open(d, task.name, { connections: options.connections });
  return TablestoreSink.open(d, {
    taskName: task.name,
    tables: allTables(dbs).map(tablestoreTable),
    retryMs: task.advanced.retry.otherMinutes * 60_000,
    ...(options.sharedAs ? { shared: { owner: options.sharedAs, claimMs: APPLY_CLAIM_MS } } : {}),
  });
}
