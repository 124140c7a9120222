/** Running `fc-dts` (bin/fc-dts.js) as a child process from a test, and the task files it reads. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const FC_DTS_BIN = join(import.meta.dirname, '..', '..', 'bin', 'fc-dts.js');

export interface TaskFiles {
  readonly file: string;
  readonly state: string;
}

/** Writes `doc` as task.yaml in a new directory under `parent`; the state directory goes beside it. */
export function writeTaskFile(parent: string, doc: Record<string, unknown>): TaskFiles {
  const dir = mkdtempSync(join(parent, 't-'));
  const file = join(dir, 'task.yaml');
  writeFileSync(file, stringify(doc));
  return { file, state: join(dir, 'state') };
}

export interface FcDtsResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export interface FcDtsChildren {
  /** Starts `fc-dts ARGS`, tracked until it exits. */
  spawn(args: readonly string[], options?: SpawnOptions): ChildProcess;
  /**
   * Runs `fc-dts ARGS` to its exit, collecting stdout and stderr. Async: a stand-in the process talks to
   * may answer from this process, so the event loop must keep running.
   */
  fcDts(args: readonly string[]): Promise<FcDtsResult>;
  /** `fc-dts run -c FILE --until UNTIL --state DIR`. */
  run(t: TaskFiles, until: 'full-done' | 'caught-up'): Promise<FcDtsResult>;
  /** SIGKILL to every tracked process still running. */
  killAll(): void;
}

/**
 * fc-dts child processes of a test file. Call killAll() in afterEach: a test that fails or times out
 * must not leave an fc-dts process writing behind it.
 */
export function fcDtsChildren(): FcDtsChildren {
  const children = new Set<ChildProcess>();
  const tracked = (args: readonly string[], options: SpawnOptions = {}): ChildProcess => {
    const child = spawn(process.execPath, [FC_DTS_BIN, ...args], options);
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const fcDts = (args: readonly string[]): Promise<FcDtsResult> => {
    const child = tracked(args);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? -1, out, err })));
  };
  return {
    spawn: tracked,
    fcDts,
    run: (t, until) => fcDts(['run', '-c', t.file, '--until', until, '--state', t.state]),
    killAll() {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}
