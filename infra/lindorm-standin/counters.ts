/** What the stand-in was asked, for tests and benchmarks. */
import type { StatementKind } from './sql-ast.ts';

/** A statement's kind as parsed, or 'unparsed' for one refused before it was understood. */
export type CountedKind = StatementKind | 'unparsed';

export interface LindormCounters {
  /** Connections that passed authentication. */
  readonly connections: number;
  /** Statements answered (OK, rows or error), per kind. */
  readonly statements: Readonly<Partial<Record<CountedKind, number>>>;
  /** Statements answered with an error (refused or an injected fault), per kind. */
  readonly refused: Readonly<Partial<Record<CountedKind, number>>>;
  /** Rows written by UPSERT, deleted by DELETE, returned by SELECT. */
  readonly rows: Readonly<{ upsert: number; delete: number; select: number }>;
  /** Rows per UPSERT statement that was carried out (completely or up to a dropped connection), in order. */
  readonly upsertBatches: readonly number[];
  reset(): void;
}

export class Counters implements LindormCounters {
  connections = 0;
  statements: Partial<Record<CountedKind, number>> = {};
  refused: Partial<Record<CountedKind, number>> = {};
  rows = { upsert: 0, delete: 0, select: 0 };
  upsertBatches: number[] = [];

  answered(kind: CountedKind, failed: boolean): void {
    this.statements[kind] = (this.statements[kind] ?? 0) + 1;
    if (failed) this.refused[kind] = (this.refused[kind] ?? 0) + 1;
  }

  reset(): void {
    this.connections = 0;
    this.statements = {};
    this.refused = {};
    this.rows = { upsert: 0, delete: 0, select: 0 };
    this.upsertBatches = [];
  }
}
