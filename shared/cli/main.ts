/**
 * The `fc-dts` command line (docs/architecture.md §5.2). Exit codes: 0 success / consistent / all prechecks passed,
 * 1 a failed precheck, a failed run or differences found, 2 bad usage or task file, 130 interrupted.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FcDtsError, isFcDtsError } from '../errors.ts';
import { loadTaskFile } from '../task/task-file.ts';
import type { Task } from '../task/task.ts';
import { runPrecheck, formatPrecheckReport } from '../precheck/precheck.ts';
import { resolveTask, runTask, type RunUntil } from '../pipeline/standalone-runner.ts';
import { mergeTable } from '../destinations/maxcompute/merge-command.ts';
import { readTaskStatus, formatTaskStatus } from '../pipeline/task-status.ts';
import { verifyTask, formatVerifyReport } from '../verify/verify.ts';
import { FileStateStore } from '../state/file-state-store.ts';
import { decodeBinlogFiles } from '../binlog/binlog-file-changes.ts';
import { formatDecodedChange } from '../binlog/decoded-change-text.ts';
import { offlineSchemaHistory } from '../binlog/offline-schema-history.ts';

const USAGE = `usage: fc-dts <command> -c task.yaml [options]

commands:
  precheck -c FILE [--json]                       check source, destination and task before anything starts
  run      -c FILE [--until full-done|caught-up] [--state DIR]
                                                  schema sync, full load, then incremental sync
                                                  (resumes where it stopped; Ctrl-C stops it)
  status   -c FILE [--json] [--state DIR]         phase, per-table progress, lag, rows/s, last error
  verify   -c FILE [--json]                       compare source and destination (counts, chunk checksums)
  merge    -c FILE --table NAME --at TIME [--into TABLE] [--json]
                                                  MaxCompute: the table as it was at TIME (epoch seconds or
                                                  ISO-8601), merged from _base and _log into a new table
  decode-binlog FILE... [--schema FILE.sql] [--json]
                                                  print every change in binlog files (mysqlbinlog -v for fc-dts)

exit codes: 0 ok, 1 failed / differences, 2 bad usage or task file, 130 interrupted`;

class UsageError extends FcDtsError {
  constructor(message: string) {
    super('USAGE', message, 'run fc-dts --help');
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean', default: false },
        until: { type: 'string' },
        state: { type: 'string' },
        schema: { type: 'string' },
        table: { type: 'string' },
        at: { type: 'string' },
        into: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return fail(new UsageError((e as Error).message), false);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    (values.help ? process.stdout : process.stderr).write(USAGE + '\n');
    return values.help ? 0 : 2;
  }
  const json = values.json ?? false;
  try {
    if (command === 'decode-binlog') return await decodeBinlog(positionals.slice(1), values.schema, json);
    if (!['precheck', 'run', 'status', 'verify', 'merge'].includes(command)) throw new UsageError(`unknown command "${command}"`);
    if (!values.config) throw new UsageError(`${command} needs the task file: fc-dts ${command} -c task.yaml`);
    const task = loadTaskFile(values.config);
    const stateDir = values.state ?? join('.fc-dts', task.name);
    switch (command) {
      case 'precheck': {
        const report = await runPrecheck(task, { ownedTables: new Set((await new FileStateStore(stateDir).getTaskState())?.ownedTables ?? []) });
        print(json ? JSON.stringify(report, null, 2) : formatPrecheckReport(report));
        return report.ok ? 0 : 1;
      }
      case 'run':
        return await run(task, stateDir, values.until);
      case 'status': {
        const status = await readTaskStatus(task, new FileStateStore(stateDir));
        print(json ? JSON.stringify(status, null, 2) : formatTaskStatus(status));
        return 0;
      }
      case 'verify': {
        const report = await verifyTask(task, json ? {} : { onTable: () => {} });
        print(json ? JSON.stringify(report, null, 2) : formatVerifyReport(report));
        return report.consistent ? 0 : 1;
      }
      case 'merge':
        return await merge(task, values, json);
    }
    return 2;
  } catch (e) {
    return fail(e, json);
  }
}

async function decodeBinlog(files: readonly string[], schema: string | undefined, json: boolean): Promise<number> {
  if (files.length === 0) throw new UsageError('decode-binlog needs at least one binlog file: fc-dts decode-binlog FILE... [--schema FILE.sql] [--json]');
  const definitions = await offlineSchemaHistory(files, schema);
  const out = new LineWriter(process.stdout);
  for await (const change of decodeBinlogFiles(files, definitions)) {
    if (!(await out.line(json ? JSON.stringify(change) : formatDecodedChange(change)))) break;
  }
  return 0;
}

/** Lines to a stream at the pace it takes them (memory stays bounded on a 1 GB binlog); false once the reader is gone (`| head`). */
class LineWriter {
  private closed = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      this.closed = true;
    });
  }

  async line(text: string): Promise<boolean> {
    if (this.closed) return false;
    // events.once removes its listeners whichever comes first (a listener per wait would pile up).
    if (!this.stream.write(text + '\n')) await once(this.stream, 'drain').catch(() => {});
    return !this.closed;
  }
}

async function run(task: Task, stateDir: string, until: string | undefined): Promise<number> {
  if (until !== undefined && until !== 'full-done' && until !== 'caught-up') {
    throw new UsageError(`--until must be full-done or caught-up (got "${until}")`);
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`\n${sig}: stopping; work in flight is not recorded as done and is redone on the next run\n`);
    controller.abort(new FcDtsError('INTERRUPTED', 'interrupted', 'run the same command again to resume'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await runTask(task, new FileStateStore(stateDir), {
      ...(until ? { until: until as RunUntil } : {}),
      signal: controller.signal,
      out: process.stderr,
      log: (line) => process.stderr.write(line + '\n'),
    });
    const f = summary.fullLoad;
    if (f) {
      print(`full load done: ${f.rows.toLocaleString('en-US')} rows in ${f.chunksLoaded} chunks this run (${f.chunks} in all, ${f.tables} tables) in ${f.seconds.toFixed(1)} s` +
        `${f.seconds > 0 ? `, ${Math.round(f.rows / f.seconds).toLocaleString('en-US')} rows/s` : ''}${f.dirtyRows ? `; ${f.dirtyRows} dirty rows recorded` : ''}` +
        `; peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
    }
    const inc = summary.incremental;
    if (inc) {
      print(`incremental: ${inc.applied.toLocaleString('en-US')} row changes applied in ${inc.seconds.toFixed(1)} s` +
        `${inc.seconds > 0 ? ` (${Math.round(inc.applied / inc.seconds).toLocaleString('en-US')} rows/s)` : ''}; resumes at ${inc.checkpoint.file}:${inc.checkpoint.offset}` +
        `${inc.ddlFailures ? `; ${inc.ddlFailures} DDL statements failed in the destination (see the log)` : ''}` +
        `; peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
    }
    if (!f && !inc) print(`task ${task.name}: phase ${summary.state.phase} (nothing left to do)`);
    return 0;
  } catch (e) {
    if (controller.signal.aborted) {
      process.stderr.write(`stopped: run "fc-dts run -c ..." again to resume (state in ${stateDir})\n`);
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function merge(task: Task, values: { table?: string | undefined; at?: string | undefined; into?: string | undefined }, json: boolean): Promise<number> {
  if (task.destination.type !== 'maxcompute') throw new UsageError(`merge works on MaxCompute destinations; task ${task.name} writes to ${task.destination.type}`);
  if (!values.table || !values.at) throw new UsageError('merge needs the table and the time: fc-dts merge -c task.yaml --table NAME --at TIME [--into TABLE]');
  const result = await mergeTable({ ...task, destination: task.destination }, await resolveTask(task), { table: values.table, at: values.at, ...(values.into ? { into: values.into } : {}) });
  print(json ? JSON.stringify(result, null, 2) : `merged ${result.table} as of ${new Date(result.at * 1000).toISOString()} into ${result.into}: ${result.rows.toLocaleString('en-US')} rows`);
  return 0;
}

function print(s: string): void {
  process.stdout.write(s + '\n');
}

/** Reports an error without a stack trace; a bug (not an FcDtsError) says so and shows the stack only with FC_DTS_DEBUG. */
function fail(e: unknown, json: boolean): number {
  const known = isFcDtsError(e);
  const code = known ? e.code : 'INTERNAL';
  const message = known ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
  const fix = known ? e.fix : 'this is a bug in fc-dts; please report it with the command you ran (set FC_DTS_DEBUG=1 for details)';
  if (json) process.stdout.write(JSON.stringify({ error: { code, message, fix } }, null, 2) + '\n');
  else process.stderr.write(`error: ${message}${fix ? `\nfix: ${fix}` : ''}\n`);
  if (!known && process.env.FC_DTS_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
  return code === 'USAGE' || code === 'TASK_FILE_INVALID' ? 2 : 1;
}
