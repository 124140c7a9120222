/** Misbehaviour on request, for tests: answers lost after the work was done, transient failures, expiry now. */
import { McError, tunnelErrors } from './errors.ts';

export interface MaxComputeFaults {
  /**
   * The next `count` upload commits are carried out (the data is visible, the session CLOSED) but never
   * answered: the connection is closed, as when the network drops the response.
   */
  loseCommitResponse(count?: number): void;
  /** The next `count` writes of block `blockId` (in any session) are answered 500 InternalServerError and store nothing. */
  failBlock(blockId: number, count?: number): void;
  /** The next `count` requests of `operation` (a key of `requests`) are answered 503 ServiceUnavailable, doing nothing. */
  failRequests(operation: string, count?: number): void;
  /** The upload session expires now: its blocks can no longer be written or committed, reload reports EXPIRED. */
  expireSession(uploadId: string): Promise<void>;
  /**
   * The session is forgotten, committed or not, as the service may once its 24 h are over: reload
   * answers 404 NoSuchUpload, so only the table itself tells whether its rows were committed.
   */
  purgeSession(uploadId: string): Promise<void>;
  /**
   * SQL instances submitted from now on stay Running (task Running) until the returned function is called:
   * a test can then see the state a slow job is in without relying on timing.
   */
  holdSql(): () => void;
  /** Faults not used up yet. */
  readonly pending: number;
  /** Forgets every fault not used up and releases held SQL. */
  clear(): void;
}

export class FaultInjector implements MaxComputeFaults {
  private lostCommits = 0;
  private readonly blockFaults = new Map<number, number>();
  private readonly requestFaults = new Map<string, number>();
  private gate: Promise<void> = Promise.resolve();
  private readonly releases: Array<() => void> = [];

  constructor(private readonly sessions: { expire(uploadId: string): Promise<void>; purge(uploadId: string): Promise<void> }) {}

  loseCommitResponse(count = 1): void {
    this.lostCommits += positive(count);
  }

  failBlock(blockId: number, count = 1): void {
    this.blockFaults.set(blockId, (this.blockFaults.get(blockId) ?? 0) + positive(count));
  }

  failRequests(operation: string, count = 1): void {
    this.requestFaults.set(operation, (this.requestFaults.get(operation) ?? 0) + positive(count));
  }

  expireSession(uploadId: string): Promise<void> {
    return this.sessions.expire(uploadId);
  }

  purgeSession(uploadId: string): Promise<void> {
    return this.sessions.purge(uploadId);
  }

  holdSql(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.releases.push(release);
    const before = this.gate;
    this.gate = Promise.all([before, held]).then(() => undefined);
    return release;
  }

  /** Resolves when SQL submitted now may run. */
  sqlGate(): Promise<void> {
    return this.gate;
  }

  get pending(): number {
    let n = this.lostCommits;
    for (const v of this.blockFaults.values()) n += v;
    for (const v of this.requestFaults.values()) n += v;
    return n;
  }

  clear(): void {
    this.lostCommits = 0;
    this.blockFaults.clear();
    this.requestFaults.clear();
    for (const release of this.releases.splice(0)) release();
    this.gate = Promise.resolve();
  }

  /** Throws the injected refusal for a request of `operation`, if one is due (uses it up). */
  checkRequest(operation: string): void {
    if (take(this.requestFaults, operation)) throw new McError('ServiceUnavailable', 'Service is temporarily unavailable, Please try again later.', 503);
  }

  /** Throws the injected failure for a write of `blockId`, if one is due (uses it up). */
  checkBlock(blockId: number): void {
    if (take(this.blockFaults, blockId)) throw tunnelErrors.internal();
  }

  /** True when this commit's answer is to be lost (uses the fault up). */
  takeLostCommit(): boolean {
    if (this.lostCommits === 0) return false;
    this.lostCommits--;
    return true;
  }
}

function take<K>(faults: Map<K, number>, key: K): boolean {
  const n = faults.get(key) ?? 0;
  if (n === 0) return false;
  if (n === 1) faults.delete(key);
  else faults.set(key, n - 1);
  return true;
}

function positive(count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`fault count must be a positive integer, not ${count}`);
  return count;
}
