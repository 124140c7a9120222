/**
 * Runs write statements on Lindorm sessions, several at a time: after a batch is reduced to one action
 * per row its statements touch distinct keys, so their order does not matter. A statement Lindorm
 * refuses (not a transient failure, which lindorm-session.ts retries) is returned to the caller with
 * its index; the ones in flight finish, no new one starts.
 */
import { isLindormTransient, type LindormSessions } from './lindorm-session.ts';

export interface WriterStats {
  /** Statements sent (each one round trip). */
  statements: number;
}

export interface StatementRefusal {
  readonly index: number;
  readonly error: unknown;
}

export class LindormWriter {
  readonly stats: WriterStats = { statements: 0 };

  constructor(
    private readonly sessions: LindormSessions,
    private readonly concurrency: number,
  ) {}

  /**
   * Runs every statement (`beforeEach` first: a claim renewal), at most `concurrency` at once; the first
   * refused one is returned, undefined when all succeeded. Transient failures past the retries throw.
   */
  async run(statements: readonly string[], beforeEach?: () => Promise<void>): Promise<StatementRefusal | undefined> {
    let next = 0;
    let refusal: StatementRefusal | undefined;
    const lane = async (): Promise<void> => {
      while (refusal === undefined && next < statements.length) {
        const index = next++;
        await beforeEach?.();
        try {
          await this.sessions.run((c) => c.query(statements[index]!));
          this.stats.statements++;
        } catch (e) {
          if (isLindormTransient(e)) throw e;
          refusal ??= { index, error: e };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, statements.length) }, lane));
    return refusal;
  }
}
