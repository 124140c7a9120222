/**
 * Which chunks of the full-load plan are done, as the state store records them. A chunk recorded
 * more than once (loaded again by a second invocation) counts once, with its first record's rows.
 */
import type { ChunkDone, FullLoadPlan, PlannedTable, StateStore } from '../state/state-store.ts';

export class ChunkLedger {
  /** Per table label: chunk index → rows loaded. */
  private readonly tables = new Map<string, Map<number, number>>();

  constructor(done: readonly ChunkDone[]) {
    for (const d of done) {
      const chunks = this.tables.get(d.table) ?? new Map<number, number>();
      if (!chunks.has(d.chunk)) chunks.set(d.chunk, d.rows);
      this.tables.set(d.table, chunks);
    }
  }

  static async load(store: StateStore): Promise<ChunkLedger> {
    return new ChunkLedger(await store.doneChunks());
  }

  isDone(table: string, chunk: number): boolean {
    return this.tables.get(table)?.has(chunk) ?? false;
  }

  /** The chunk indexes of a planned table still to load. */
  remaining(table: PlannedTable): number[] {
    return table.chunks.filter((c) => !this.isDone(table.table, c.index)).map((c) => c.index);
  }

  allDone(plan: FullLoadPlan): boolean {
    return plan.tables.every((t) => this.remaining(t).length === 0);
  }

  /** Chunks of `table` recorded done. */
  chunksDone(table: string): number {
    return this.tables.get(table)?.size ?? 0;
  }

  /** Rows the done chunks of `table` loaded. */
  rows(table: string): number {
    let rows = 0;
    for (const r of this.tables.get(table)?.values() ?? []) rows += r;
    return rows;
  }
}
