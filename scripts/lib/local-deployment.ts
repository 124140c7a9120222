/**
 * The serverless deployment's shape on one machine: the MNS and Tablestore stand-ins, the queues and
 * state table, the environment every function reads (shared/distributed/deployment.ts), and the
 * processes: the binlog reader container's entry point and FC function instances (scripts/fc-worker.ts)
 * driven by their queues. Used by `npm run distributed` and by the distributed tests, which kill
 * these processes at will.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENV } from '../../shared/distributed/deployment.ts';
import type { HttpReply } from '../../shared/distributed/fc-events.ts';
import { MnsChangeQueue } from '../../shared/queue/mns-change-queue.ts';
import { TablestoreStateStore } from '../../shared/state/tablestore-state-store.ts';
import type { TaskState } from '../../shared/state/state-store.ts';
import { loadTaskFile } from '../../shared/task/task-file.ts';
import type { Task } from '../../shared/task/task.ts';
import { newStandInKeys, startStandIns, type StandIns } from './stand-ins.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface LocalDeploymentOptions {
  readonly taskFile: string;
  /** Stand-in state, credentials and logs. */
  readonly dir: string;
  /** Extra environment for every process (the task file's ${VARS}). */
  readonly env?: NodeJS.ProcessEnv;
  /** Lines from the processes; default: discarded. */
  readonly log?: (line: string) => void;
  /** Visibility timeout of the queues (seconds): how soon a killed invocation's messages come back. Default 60. */
  readonly visibilitySeconds?: number;
}

export type Role = 'reader' | 'apply-changes' | 'load-chunk';

export class LocalDeployment {
  readonly processes = new Set<ChildProcess>();
  private constructor(
    readonly task: Task,
    readonly standIns: StandIns,
    readonly env: NodeJS.ProcessEnv,
    readonly store: TablestoreStateStore,
    readonly changeQueue: string,
    readonly chunkQueue: string,
    private readonly log: (line: string) => void,
  ) {}

  static async start(options: LocalDeploymentOptions): Promise<LocalDeployment> {
    const taskFile = resolve(options.taskFile);
    const task = loadTaskFile(taskFile, { ...process.env, ...options.env });
    mkdirSync(options.dir, { recursive: true });
    // The stand-ins keep their state in `dir`; their credentials stay with it, so a later run can resume.
    const keysFile = join(options.dir, 'credentials.json');
    const keys = existsSync(keysFile)
      ? (JSON.parse(readFileSync(keysFile, 'utf8')) as { accessKeyId: string; accessKeySecret: string; apiToken: string })
      : { ...newStandInKeys(), apiToken: randomBytes(18).toString('base64url') };
    writeFileSync(keysFile, JSON.stringify(keys), { mode: 0o600 });
    const standIns = await startStandIns({ dir: join(options.dir, 'stand-ins'), accessKeyId: keys.accessKeyId, accessKeySecret: keys.accessKeySecret });
    const changeQueue = `fcdts-${task.name.replace(/[^A-Za-z0-9-]/g, '-')}-changes`.slice(0, 120);
    const chunkQueue = `fcdts-${task.name.replace(/[^A-Za-z0-9-]/g, '-')}-chunks`.slice(0, 120);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      [ENV.taskFile]: taskFile,
      [ENV.mnsEndpoint]: standIns.mns.endpoint,
      [ENV.mnsAccountId]: standIns.mns.accountId,
      [ENV.queue]: changeQueue,
      [ENV.chunkQueue]: chunkQueue,
      [ENV.otsEndpoint]: standIns.tablestore.endpoint,
      [ENV.otsInstance]: standIns.tablestore.instance,
      [ENV.stateTable]: 'fc_dts_state',
      [ENV.accessKeyId]: keys.accessKeyId,
      [ENV.accessKeySecret]: keys.accessKeySecret,
      [ENV.apiToken]: keys.apiToken,
      DTS_HEALTH_PORT: '0',
    };
    try {
      for (const queue of [changeQueue, chunkQueue]) {
        const q = new MnsChangeQueue({ endpoint: standIns.mns.endpoint, accountId: standIns.mns.accountId, ...keys, queue, ...(options.visibilitySeconds ? { visibilitySeconds: options.visibilitySeconds } : {}) });
        await q.ensureQueue();
      }
      const store = await TablestoreStateStore.open({
        endpoint: standIns.tablestore.endpoint, instance: standIns.tablestore.instance, accessKeyId: keys.accessKeyId, accessKeySecret: keys.accessKeySecret, table: 'fc_dts_state', task: task.name,
      });
      return new LocalDeployment(task, standIns, env, store, changeQueue, chunkQueue, options.log ?? (() => {}));
    } catch (e) {
      await standIns.close();
      throw e;
    }
  }

  /** A process of the deployment: the reader container, or an instance of a queue-triggered function. */
  spawn(role: Role, extraEnv: NodeJS.ProcessEnv = {}): ChildProcess {
    const args = role === 'reader'
      ? ['--import', 'tsx', join(ROOT, 'infra/binlog-reader/main.ts')]
      : ['--import', 'tsx', join(ROOT, 'scripts/fc-worker.ts'), '--function', role, '--queue', role === 'apply-changes' ? this.changeQueue : this.chunkQueue];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...this.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.processes.add(child);
    child.on('exit', () => this.processes.delete(child));
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        const lines = (rest + d).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) this.log(`[${role} ${child.pid}] ${l}`);
      });
    }
    return child;
  }

  /** Invokes an HTTP-triggered function's real handler in a process of its own (a fresh instance), with an FC 3.0 HTTP event. */
  async invokeHttp(name: 'plan-full-load' | 'precheck' | 'status', token: string | undefined = this.env[ENV.apiToken]): Promise<HttpReply> {
    // --token=T: a random token may start with '-', which parseArgs refuses as a separate argument.
    const args = ['--import', 'tsx', join(ROOT, 'scripts/fc-invoke.ts'), '--function', name, ...(token ? [`--token=${token}`] : [])];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const lines = out.trimEnd().split('\n');
    for (const l of lines.slice(0, -1)) if (l) this.log(`[${name}] ${l}`);
    if (code !== 0) throw new Error(`${name} invocation exited with ${code}: ${err.trim() || out.trim()}`);
    return JSON.parse(lines.at(-1)!) as HttpReply;
  }

  /** The full load as the deployment runs it: plan-full-load invoked, `chunkWorkers` load-chunk instances until the task is full-done. */
  async fullLoad(chunkWorkers: number, timeoutMs: number): Promise<HttpReply> {
    const plan = await this.invokeHttp('plan-full-load');
    if (plan.statusCode !== 200) throw new Error(`plan-full-load answered ${plan.statusCode}: ${plan.body}`);
    const workers = Array.from({ length: chunkWorkers }, () => this.spawn('load-chunk'));
    try {
      await this.waitForPhase(['full-done', 'incremental'], timeoutMs);
    } finally {
      await Promise.all(workers.map((w) => stopProcess(w, 3000)));
    }
    return plan;
  }

  /**
   * Everything committed on the source so far, applied: the reader until caught up (`readerEnv` adds
   * to its environment), `applyWorkers` apply-changes instances until the change queue is empty.
   * Returns the seconds from the start to the empty queue (the instances' shutdown not counted).
   */
  async catchUp(applyWorkers: number, timeoutMs: number, readerEnv: NodeJS.ProcessEnv = {}): Promise<number> {
    const started = performance.now();
    const reader = this.spawn('reader', { ...readerEnv, DTS_UNTIL: 'caught-up' });
    const appliers = Array.from({ length: applyWorkers }, () => this.spawn('apply-changes'));
    try {
      const code = await new Promise<number | null>((r) => (reader.exitCode !== null ? r(reader.exitCode) : reader.once('exit', r)));
      if (code !== 0) throw new Error(`the binlog reader exited with ${code}`);
      await this.waitForEmptyQueue(this.changeQueue, timeoutMs);
      return (performance.now() - started) / 1000;
    } finally {
      await Promise.all(appliers.map((w) => stopProcess(w, 3000)));
    }
  }

  async taskState(): Promise<TaskState | undefined> {
    return this.store.getTaskState();
  }

  /** Waits until the task's phase is one of `phases`. */
  async waitForPhase(phases: ReadonlyArray<TaskState['phase']>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const phase = (await this.taskState())?.phase;
      if (phase && phases.includes(phase)) return;
      if (Date.now() > deadline) throw new Error(`task phase is ${phase ?? 'none'}, not ${phases.join('/')}, after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Messages still in a queue: visible, received and not deleted, or delayed. */
  async queued(queue: string): Promise<number> {
    return new MnsChangeQueue({ endpoint: this.standIns.mns.endpoint, accountId: this.standIns.mns.accountId, accessKeyId: this.standIns.accessKeyId, accessKeySecret: this.standIns.accessKeySecret, queue }).pending();
  }

  async waitForEmptyQueue(queue: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.queued(queue)) > 0) {
      if (Date.now() > deadline) throw new Error(`queue ${queue} still holds ${await this.queued(queue)} messages after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Stops every process (SIGTERM, then SIGKILL after `graceMs`) and the stand-ins. */
  async close(graceMs = 5000): Promise<void> {
    await Promise.all([...this.processes].map((p) => stopProcess(p, graceMs)));
    await this.standIns.close();
  }
}

export function stopProcess(p: ChildProcess, graceMs: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    p.kill('SIGTERM');
  });
}
