/**
 * Helpers shared by the benchmarks in scripts/bench: child processes and pipes, the mysql tools'
 * environment, admin connections, waiting for InnoDB to settle, and table formatting.
 */

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import type { MariaDbServer } from '../lib/mariadb-server.ts';

/** The repository root: paths below do not depend on the current directory. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FC_DTS_BIN = join(ROOT, 'bin/fc-dts.js');
export const RESULTS_DIR = join(ROOT, '.local/bench');
/** A run starts once InnoDB has at most this many dirty pages (16 KiB each) left to write. */
export const SETTLED_DIRTY_PAGES = 200;

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

// ---------------------------------------------------------------------------------------------
// processes

/** Runs a command, capturing its output (optionally echoing its stderr to ours). Never throws on exit codes. */
export function runCommand(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; echoStderr?: boolean; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (opts.echoStderr) process.stderr.write(d);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

/** `producer | consumer`; resolves when both have exited. */
export function runPipe(
  producer: { cmd: string; args: readonly string[] },
  consumer: { cmd: string; args: readonly string[] },
  env: NodeJS.ProcessEnv,
): Promise<{ producer: CommandResult; consumer: CommandResult; seconds: number }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const p = spawn(producer.cmd, producer.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const c = spawn(consumer.cmd, consumer.args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    p.stdout.pipe(c.stdin);
    c.stdin.on('error', () => {}); // EPIPE when the consumer dies first: its exit code tells
    const done = (which: 'p' | 'c', child: ChildProcess) => {
      let stdout = '';
      let stderr = '';
      if (which === 'c') child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      return new Promise<CommandResult>((res, rej) => {
        child.once('error', rej);
        child.once('close', (code, signal) => res({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
      });
    };
    Promise.all([done('p', p), done('c', c)])
      .then(([pr, cr]) => resolvePromise({ producer: pr, consumer: cr, seconds: (performance.now() - started) / 1000 }))
      .catch(reject);
  });
}

export function failed(r: CommandResult): boolean {
  return r.code !== 0;
}

export function describeExit(r: CommandResult): string {
  return r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
}

/** The last lines of a tool's output, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
}

export async function which(cmd: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export async function toolVersion(cmd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(cmd, ['--version']);
    return stdout.trim().split('\n')[0] ?? '';
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// server

/** Environment for the mysql command-line tools: the password travels in MYSQL_PWD, never in argv. */
export function toolEnv(server: MariaDbServer): NodeJS.ProcessEnv {
  return { ...process.env, MYSQL_PWD: server.password };
}

export function clientArgs(server: MariaDbServer): string[] {
  return ['-h', server.host, '-P', String(server.port), '-u', server.user];
}

/** `multipleStatements`: for workloads that send whole transactions (BEGIN; ...; COMMIT) in one round trip. */
export async function adminConnection(server: MariaDbServer, { multipleStatements = false } = {}): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    charset: 'utf8mb4',
    multipleStatements,
  });
}

export async function scalar(conn: mysql.Connection, sql: string, params: unknown[] = []): Promise<unknown> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(sql, params);
  const first = rows[0];
  return first ? Object.values(first)[0] : undefined;
}

export async function dropDatabase(conn: mysql.Connection, db: string): Promise<void> {
  await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
}

/**
 * Waits until InnoDB has written the previous step's dirty pages (at most 120 s), so that a run does
 * not pay for the data generation or the run before it. Flushing is forced for the wait by lowering
 * innodb_max_dirty_pages_pct to 0 and raising innodb_io_capacity (both restored afterwards).
 */
export async function settle(conn: mysql.Connection): Promise<void> {
  const dirty = async (): Promise<number> =>
    Number(await scalar(conn, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'Innodb_buffer_pool_pages_dirty'"));
  const started = performance.now();
  const before = await dirty();
  if (before <= SETTLED_DIRTY_PAGES) return;
  const [saved] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT @@GLOBAL.innodb_max_dirty_pages_pct AS pct, @@GLOBAL.innodb_io_capacity AS io, @@GLOBAL.innodb_io_capacity_max AS ioMax',
  );
  const { pct, io, ioMax } = saved[0] as { pct: number; io: number; ioMax: number };
  await conn.query('SET GLOBAL innodb_io_capacity_max = 100000, innodb_io_capacity = 50000, innodb_max_dirty_pages_pct = 0');
  try {
    let now = before;
    while (now > SETTLED_DIRTY_PAGES && performance.now() - started < 120_000) {
      await new Promise((r) => setTimeout(r, 250));
      now = await dirty();
    }
    log(`settled: ${before.toLocaleString('en-US')} → ${now.toLocaleString('en-US')} dirty pages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await conn.query('SET GLOBAL innodb_max_dirty_pages_pct = ?, innodb_io_capacity = ?, innodb_io_capacity_max = ?', [pct, io, ioMax]);
  }
}

// ---------------------------------------------------------------------------------------------
// report

export function formatRatio(x: number | undefined): string {
  return x === undefined ? '' : `${x.toFixed(2)}x`;
}

export function pad(cells: readonly string[], widths: readonly number[], right: readonly boolean[]): string {
  return cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
}

/** What every benchmark report says of the machine and the server it ran on. */
export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly server: string;
  readonly loadAverageAtStart: number[];
}

export async function machineInfo(conn: mysql.Connection, loadAverageAtStart: number[]): Promise<MachineInfo> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    server: `MariaDB ${String(await scalar(conn, 'SELECT VERSION()'))}`,
    loadAverageAtStart,
  };
}
