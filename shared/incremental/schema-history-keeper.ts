/**
 * The schema history of a task through its life: seeded from the catalog at the full load's snapshot
 * position (or where incremental-only sync first starts), checked against the catalog once the full
 * load is done, loaded by the reader, and saved with the checkpoint.
 */
import type { Connection } from 'mysql2/promise';
import { binlogSequence, type BinlogPosition, type ResumePoint, type SourceIdentity } from '../change/position.ts';
import { readCatalog } from '../mysql/catalog.ts';
import { connect } from '../mysql/connection.ts';
import { SchemaHistory } from '../schema-history/schema-history.ts';
import { readServerDialect } from '../schema-history/server-dialect.ts';
import { checkSnapshotUnchanged } from '../schema-history/snapshot-check.ts';
import type { StateStore } from '../state/state-store.ts';
import type { Task } from '../task/task.ts';
import type { IncrementalTarget } from './incremental-target.ts';

/** The history's position for a resume point (of epoch `p.epoch`): events of the transaction starting there come after it. */
export function historyPosition(p: ResumePoint & SourceIdentity): BinlogPosition {
  return { file: binlogSequence(p.file, p.epoch ?? 0), offset: p.offset, row: 0 };
}

function trackedDatabases(task: Task): string[] {
  return [...new Set(task.objects.map((o) => o.database))];
}

/** Reads the tracked databases' definitions and the server's dialect now, as holding from `at`, and stores them. */
export async function seedSchemaHistory(conn: Connection, task: Task, at: ResumePoint, store: StateStore): Promise<void> {
  const tracked = trackedDatabases(task);
  const history = SchemaHistory.seed(await readCatalog(conn, tracked), tracked, await readServerDialect(conn), historyPosition(at));
  await store.putSchemaHistory(history.toJSON());
}

export async function loadSchemaHistory(store: StateStore): Promise<SchemaHistory | undefined> {
  const saved = await store.getSchemaHistory();
  return saved && SchemaHistory.fromJSON(saved);
}

/**
 * DDL during the full load is not supported: once it is done, the tables must still be as the snapshot
 * recorded them (throws SchemaChangedDuringLoadError). Checked only while the history has seen no DDL
 * since the snapshot at `snapshot`.
 */
export async function checkSnapshotStillHolds(task: Task, store: StateStore, snapshot: ResumePoint): Promise<void> {
  const history = await loadSchemaHistory(store);
  if (!history) return;
  const at = historyPosition(snapshot);
  const p = history.position;
  if (p.file !== at.file || p.offset !== at.offset || p.row !== at.row) return;
  const conn = await connect('source', task.source);
  try {
    checkSnapshotUnchanged(history.firstDefinitions(), await readCatalog(conn, trackedDatabases(task)));
  } finally {
    await conn.end().catch(() => {});
  }
}

/**
 * The target with the history saved before each checkpoint (when it changed): a checkpoint is never
 * ahead of the saved history. Versions are pruned only behind the checkpoint already saved, since a
 * crash before the new checkpoint is saved restarts from the old one.
 */
export function savingHistory(target: IncrementalTarget, history: SchemaHistory, store: StateStore, start: ResumePoint & SourceIdentity): IncrementalTarget {
  let saved = history.revision;
  let durable: ResumePoint & SourceIdentity = start;
  return {
    ...target,
    saveCheckpoint: async (checkpoint, lastSent) => {
      history.prune(historyPosition(durable));
      if (history.revision !== saved) {
        const revision = history.revision;
        await store.putSchemaHistory(history.toJSON());
        saved = revision;
      }
      await target.saveCheckpoint(checkpoint, lastSent);
      durable = checkpoint;
    },
  };
}
