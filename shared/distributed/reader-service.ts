/**
 * The binlog reader container's work (infra/binlog-reader): wait until the full load is done (the
 * hand-off, docs/architecture.md §3.7), then read the binlog into the queue for as long as it runs, holding the
 * task's lease (queue-reader.ts). Lost connections restart reading from the saved position with
 * backoff; losing the lease ends the service (another reader owns the task).
 */
import { isConnectionProblem } from '../mysql/connection.ts';
import { resolveTask } from '../pipeline/standalone-runner.ts';
import { LeaseLost, type ReaderLease } from '../state/distributed-state.ts';
import type { IncrementalStatus } from '../state/state-store.ts';
import { runQueueReader } from './queue-reader.ts';
import type { Runtime } from './runtime.ts';

export interface ReaderServiceOptions {
  readonly owner: string;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  readonly leaseMs?: number;
  readonly until?: 'caught-up';
  readonly onLease?: (lease: ReaderLease) => void;
  readonly onStatus?: (status: IncrementalStatus) => void;
}

export async function runReaderService(rt: Runtime, options: ReaderServiceOptions): Promise<void> {
  const { task, store } = rt;
  await waitForFullLoad(rt, options);
  const dbs = await resolveTask(task);
  const state = (await store.getTaskState())!;
  if (state.phase !== 'incremental') await store.putTaskState({ ...state, phase: 'incremental', updatedAt: new Date().toISOString() });
  for (let attempt = 0; ; attempt++) {
    try {
      const summary = await runQueueReader(task, dbs, store, rt.queue, {
        owner: options.owner,
        signal: options.signal,
        log: options.log,
        ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
        ...(options.until ? { until: options.until } : {}),
        ...(options.onLease ? { onLease: options.onLease } : {}),
        ...(options.onStatus ? { onStatus: options.onStatus } : {}),
      });
      options.log(`reader stopped: ${summary.applied} row changes sent in ${summary.seconds.toFixed(1)} s; position ${summary.checkpoint.file}:${summary.checkpoint.offset}`);
      return;
    } catch (e) {
      if (options.signal.aborted || e instanceof LeaseLost || !isConnectionProblem(e)) throw e;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
      options.log(`reader: ${(e as Error).message}; resuming from the saved position in ${delay / 1000} s`);
      await sleep(delay, options.signal);
    }
  }
}

async function waitForFullLoad(rt: Runtime, options: ReaderServiceOptions): Promise<void> {
  let told = false;
  for (;;) {
    const phase = (await rt.store.getTaskState())?.phase;
    if (phase === 'full-done' || phase === 'incremental') return;
    if (!told) options.log(`waiting for the full load to finish (phase ${phase ?? 'not started'}) before reading the binlog`);
    told = true;
    await sleep(2000, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
