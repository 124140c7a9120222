/** Misbehaviour on request, for tests: a connection lost in the middle of a write, transient errors. */
import { errors } from './errors.ts';
import type { StatementKind } from './sql-ast.ts';

export interface LindormFaults {
  /**
   * The next UPSERT/INSERT with more than `rows` rows writes its first `rows` rows, then the server closes the
   * connection without answering: the client sees a lost connection with part of the batch written.
   */
  dropConnectionAfterRows(rows: number): void;
  /** The next `count` statements of `kind` are answered with the transient ServerBusyException and do nothing. */
  failStatements(kind: StatementKind, count?: number): void;
  /** Faults not used up yet. */
  readonly pending: number;
  clear(): void;
}

/** Thrown inside a statement to make the server drop the connection instead of answering. */
export class DropConnection extends Error {
  constructor() {
    super('connection dropped by an injected fault');
    this.name = 'DropConnection';
  }
}

export class FaultInjector implements LindormFaults {
  private readonly drops: number[] = [];
  private readonly failures = new Map<StatementKind, number>();
  /** The drop armed for the UPSERT being carried out. */
  private armed: number | undefined;

  dropConnectionAfterRows(rows: number): void {
    if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, not ${rows}`);
    this.drops.push(rows);
  }

  failStatements(kind: StatementKind, count = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`fault count must be a positive integer, not ${count}`);
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + count);
  }

  get pending(): number {
    let n = this.drops.length;
    for (const v of this.failures.values()) n += v;
    return n;
  }

  clear(): void {
    this.drops.length = 0;
    this.failures.clear();
    this.armed = undefined;
  }

  /** Throws the transient error if one is due for a statement of `kind` (uses it up). */
  checkStatement(kind: StatementKind): void {
    const n = this.failures.get(kind) ?? 0;
    if (n === 0) return;
    if (n === 1) this.failures.delete(kind);
    else this.failures.set(kind, n - 1);
    throw errors.transient();
  }

  /** Arms a due drop for an UPSERT of `rows` rows (one with more rows than the drop's count). */
  startUpsert(rows: number): void {
    this.armed = undefined;
    const due = this.drops[0];
    if (due !== undefined && rows > due) this.armed = this.drops.shift();
  }

  /** Before row `index` of the UPSERT being carried out: throws DropConnection where the armed drop says. */
  beforeRow(index: number): void {
    if (this.armed === index) {
      this.armed = undefined;
      throw new DropConnection();
    }
  }
}
