/**
 * What a function instance (or the reader container) builds once and reuses across invocations: the
 * task from its file, the state store, the queues and the destination's sink. Function Compute keeps
 * instances warm, so connections outlive a single invocation; a failed build is not cached.
 */
import { randomUUID } from 'node:crypto';
import { openSink } from '../apply/open-sink.ts';
import { resolveTask } from '../pipeline/standalone-runner.ts';
import type { Sink } from '../apply/sink.ts';
import { MnsChangeQueue } from '../queue/mns-change-queue.ts';
import type { DistributedStateStore } from '../state/distributed-state.ts';
import { TablestoreStateStore } from '../state/tablestore-state-store.ts';
import { parseTaskText } from '../task/task-file.ts';
import type { Task } from '../task/task.ts';
import { readDeployment, type Deployment, type FcCredentials } from './deployment.ts';

export interface Runtime {
  readonly deployment: Deployment;
  readonly task: Task;
  readonly store: DistributedStateStore;
  /** The destination's change queue. */
  readonly queue: MnsChangeQueue;
  /** load-chunk work. */
  readonly chunkQueue: MnsChangeQueue;
  /** The destination's sink, opened on first use. */
  sink(): Promise<Sink>;
}

let cached: Promise<Runtime> | undefined;

export function runtime(credentials?: FcCredentials, env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  cached ??= build(credentials, env).catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

async function build(credentials: FcCredentials | undefined, env: NodeJS.ProcessEnv): Promise<Runtime> {
  const deployment = readDeployment(env, credentials);
  const task = parseTaskText(deployment.taskText, deployment.taskSource, env);
  const { mns, tablestore, credentials: keys } = deployment;
  const store = await TablestoreStateStore.open({ ...tablestore, ...keys, task: task.name });
  const queueOf = (queue: string) => new MnsChangeQueue({ endpoint: mns.endpoint, accountId: mns.accountId, ...keys, queue });
  let sink: Promise<Sink> | undefined;
  return {
    deployment,
    task,
    store,
    queue: queueOf(mns.queue),
    chunkQueue: queueOf(mns.chunkQueue),
    sink: () =>
      (sink ??= resolveTask(task).then((dbs) => openSink(task, dbs, { connections: 1, sharedAs: randomUUID(), store })).catch((e: unknown) => {
        sink = undefined;
        throw e;
      })),
  };
}
