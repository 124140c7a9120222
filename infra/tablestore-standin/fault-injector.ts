/** Misbehaviour on request, for tests: rows or whole requests answered with the service's errors, answers held back. */
import { serviceError, type OtsError, type OtsErrorCode } from './errors.ts';

/** Misbehaviour on request. Faults are used up in order, first come first served. */
export interface StandInFaults {
  /**
   * The next `count` rows of `table` in BatchWriteRow requests are not written and get `code` in the
   * response's per-row results (the request itself answers 200), as the service does for a busy partition.
   */
  failRows(table: string, count: number, code: OtsErrorCode, message?: string): void;
  /** The next `count` requests of `operation` are refused as a whole with `code` (its HTTP status), doing nothing. */
  failRequests(operation: string, count: number, code: OtsErrorCode, message?: string): void;
  /** Requests of `operation` are done at once but answered `ms` later (0: at once again). */
  delay(operation: string, ms: number): void;
  /** Faults not used up yet, rows and requests together. */
  readonly pending: number;
  /** Forgets every fault and delay. */
  clear(): void;
}

interface Fault {
  remaining: number;
  readonly error: () => OtsError;
}

export class FaultInjector implements StandInFaults {
  private readonly rowFaults = new Map<string, Fault[]>();
  private readonly requestFaults = new Map<string, Fault[]>();
  private readonly delays = new Map<string, number>();

  failRows(table: string, count: number, code: OtsErrorCode, message?: string): void {
    addFault(this.rowFaults, table, count, code, message);
  }

  failRequests(operation: string, count: number, code: OtsErrorCode, message?: string): void {
    addFault(this.requestFaults, operation, count, code, message);
  }

  delay(operation: string, ms: number): void {
    if (ms > 0) this.delays.set(operation, ms);
    else this.delays.delete(operation);
  }

  get pending(): number {
    let n = 0;
    for (const queues of [this.rowFaults, this.requestFaults]) for (const queue of queues.values()) for (const f of queue) n += f.remaining;
    return n;
  }

  clear(): void {
    this.rowFaults.clear();
    this.requestFaults.clear();
    this.delays.clear();
  }

  /** The error to answer the next row of `table` in a BatchWriteRow with, if one is due; uses it up. */
  rowFault(table: string): OtsError | undefined {
    return takeFault(this.rowFaults.get(table));
  }

  /** The error to refuse the next request of `operation` with, if one is due; uses it up. */
  requestFault(operation: string): OtsError | undefined {
    return takeFault(this.requestFaults.get(operation));
  }

  /** How long answers to `operation` are held back, in milliseconds. */
  delayOf(operation: string): number {
    return this.delays.get(operation) ?? 0;
  }
}

function addFault(queues: Map<string, Fault[]>, key: string, count: number, code: OtsErrorCode, message: string | undefined): void {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`fault count must be a positive integer, not ${count}`);
  let queue = queues.get(key);
  if (!queue) queues.set(key, (queue = []));
  queue.push({ remaining: count, error: () => serviceError(code, message) });
}

function takeFault(queue: Fault[] | undefined): OtsError | undefined {
  const fault = queue?.[0];
  if (!fault) return undefined;
  if (--fault.remaining <= 0) queue.shift();
  return fault.error();
}
