/** What one full-load run loads: the planned tables the task still selects, and their chunks not yet done. */
import type { FullLoadPlan, PlannedTable } from '../state/state-store.ts';
import { tableLabel, type TableMapping } from '../task/object-mapper.ts';
import type { Chunk } from './chunk-planner.ts';
import type { ChunkLedger } from './chunk-ledger.ts';
import type { TableProgress } from './progress.ts';

export interface ChunkWorkItem {
  readonly table: TableMapping;
  readonly chunk: Chunk;
}

export interface ChunkId {
  readonly table: string;
  readonly chunk: number;
}

interface SelectedTable {
  readonly planned: PlannedTable;
  readonly mapping: TableMapping;
}

export class ChunkWorkList {
  /** The plan's tables in plan order, less those the task no longer selects. */
  readonly tables: readonly SelectedTable[];
  /** In plan order; only the chunks in `only` when it is given. */
  readonly items: readonly ChunkWorkItem[];

  constructor(
    plan: FullLoadPlan,
    mappings: readonly TableMapping[],
    private readonly ledger: ChunkLedger,
    only?: readonly ChunkId[],
  ) {
    const byLabel = new Map(mappings.map((t) => [tableLabel(t), t]));
    this.tables = plan.tables.flatMap((planned) => {
      const mapping = byLabel.get(planned.table);
      return mapping ? [{ planned, mapping }] : [];
    });
    const wanted = (table: string, chunk: number) => !only || only.some((o) => o.table === table && o.chunk === chunk);
    this.items = this.tables.flatMap(({ planned, mapping }) =>
      planned.chunks.filter((c) => !ledger.isDone(planned.table, c.index) && wanted(planned.table, c.index)).map((chunk) => ({ table: mapping, chunk })),
    );
  }

  /** Chunks of the selected tables, done or not. */
  get chunks(): number {
    return this.tables.reduce((n, t) => n + t.planned.chunks.length, 0);
  }

  /** Where each selected table stands before this run loads anything. */
  progress(): TableProgress[] {
    return this.tables.map(({ planned, mapping }) => ({
      table: planned.table,
      target: planned.target,
      chunksTotal: planned.chunks.length,
      chunksDone: planned.chunks.length - this.ledger.remaining(planned).length,
      rows: this.ledger.rows(planned.table),
      estimatedRows: mapping.source.estimatedRows,
    }));
  }
}
