/**
 * npm run bench:maxcompute -- [--rows N] [--changes N] [--log-rows N]
 *
 * MaxCompute destination vs MySQL destination, on the same data in the same run: one private MariaDB
 * (the source, and the MySQL destination in a fresh database) and the in-process MaxCompute stand-in.
 * fc-dts runs as a child process. Measured: full-load rows/s into each, catch-up rows/s of the same
 * binlog range into each with the CPU per change, the stand-in requests and commits per 1,000 changes,
 * and the merge of a `_log` table of `--log-rows` entries. See scripts/bench/README.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startMaxComputeStandIn, type MaxComputeStandIn } from '../../infra/maxcompute-standin/index.ts';
import { mergeSelect } from '../../shared/destinations/maxcompute/merge-sql.ts';
import { MaxComputeClient } from '../../shared/maxcompute/maxcompute-client.ts';
import { startMariaDb, type MariaDbServer } from '../lib/mariadb-server.ts';
import { newStandInKeys } from '../lib/stand-ins.ts';
import { FC_DTS_BIN, ROOT, RESULTS_DIR, adminConnection, dropDatabase, formatRatio, log, scalar } from './lib.ts';
import { reapedChildrenCpuSeconds } from './cpu-usage.ts';

const SERVER_DIR = join(ROOT, '.local/bench-maxcompute-mariadb');
const SERVER_PORT = Number(process.env.FC_DTS_MARIADB_PORT ?? 3477);
const WORK_DIR = join(ROOT, '.local/bench-maxcompute');
const SRC = 'bench_mc_src';
const DST = 'bench_mc_mysql';
const PARTITIONS = ['modifytime_year', 'modifytime_month', 'modifytime_day'] as const;

interface Run {
  readonly seconds: number;
  /** CPU seconds of the fc-dts process (user + system). */
  readonly cpu: number;
  /** CPU seconds of this process meanwhile: the MaxCompute stand-in's work (idle for a MySQL run). */
  readonly standIn: number;
}

/** `fc-dts run` as a child process (the stand-in answers from this one), timed, with its CPU use. */
function fcDtsRun(taskFile: string, until: 'full-done' | 'caught-up'): Promise<Run> {
  const started = performance.now();
  const children = reapedChildrenCpuSeconds();
  const own = process.cpuUsage();
  const state = join(taskFile, '..', 'state');
  const child = spawn(process.execPath, [FC_DTS_BIN, 'run', '-c', taskFile, '--until', until, '--state', state], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`fc-dts run --until ${until} exited ${code}: ${err.slice(-2000)}`));
      const standIn = process.cpuUsage(own);
      // The child is reaped by the time 'exit' is emitted: its CPU is in this process's children's totals.
      resolve({ seconds: (performance.now() - started) / 1000, cpu: reapedChildrenCpuSeconds() - children, standIn: (standIn.user + standIn.system) / 1e6 });
    }),
  );
}

function taskFile(name: string, server: MariaDbServer, destination: Record<string, unknown>, objects: unknown[]): string {
  const dir = join(WORK_DIR, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'task.yaml');
  const source = { type: 'mysql', host: server.host, port: server.port, user: server.user, password: server.password };
  writeFileSync(file, stringify({ name, source, destination, objects, advanced: { fullLoad: { workers: 2 } } }));
  return file;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, changes: { type: 'string', default: '20000' }, 'log-rows': { type: 'string', default: '1000000' } } });
  const rows = Number(values.rows);
  const changes = Number(values.changes);
  const logRows = Number(values['log-rows']);
  const server = await startMariaDb({ dir: SERVER_DIR, port: SERVER_PORT }, log);
  rmSync(WORK_DIR, { recursive: true, force: true });
  const admin = await adminConnection(server, { multipleStatements: true });
  const keys = newStandInKeys();
  const mc: MaxComputeStandIn = await startMaxComputeStandIn({ ...keys, dir: join(WORK_DIR, 'standin') });
  const client = new MaxComputeClient({ endpoint: mc.endpoint, project: mc.project, credentials: keys });
  try {
    log(`generating ${rows.toLocaleString('en-US')} rows`);
    for (const db of [SRC, DST]) await dropDatabase(admin, db);
    await admin.query(`CREATE DATABASE ${SRC}; USE ${SRC};
      CREATE TABLE t (id BIGINT PRIMARY KEY, n INT, amount DECIMAL(12,2), at DATETIME(6), name VARCHAR(64) CHARACTER SET utf8mb4, note VARCHAR(64), d DOUBLE);
      SET SESSION sql_log_bin = 0;
      INSERT INTO t SELECT seq, seq % 1000, seq / 100, '2024-05-01 10:00:00.123456' + INTERVAL seq SECOND, CONCAT('名前 ', seq, ' 😀'), REPEAT('x', 40), seq / 7 FROM seq_1_to_${rows};
      SET SESSION sql_log_bin = 1;`);

    const mysqlTask = taskFile('bench-mc-mysql', server, { type: 'mysql', host: server.host, port: server.port, user: server.user, password: server.password }, [{ database: SRC, as: DST }]);
    const mcTask = taskFile('bench-mc', server, { type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, ...keys, partitionFields: [...PARTITIONS] }, [{ database: SRC }]);
    log('full load into MySQL');
    const fullMysql = await fcDtsRun(mysqlTask, 'full-done');
    log('full load into MaxCompute');
    const fullMc = await fcDtsRun(mcTask, 'full-done');

    log(`${changes.toLocaleString('en-US')} changes on the source`);
    for (let done = 0; done < changes; done += 1000) {
      await admin.query(`UPDATE ${SRC}.t SET n = n + 1, note = 'changed' WHERE id BETWEEN ${done + 1} AND ${Math.min(changes, done + 1000)}`);
    }
    const before = { ...mc.requests };
    log('catch-up into MySQL');
    const incMysql = await fcDtsRun(mysqlTask, 'caught-up');
    log('catch-up into MaxCompute');
    const incMc = await fcDtsRun(mcTask, 'caught-up');
    const per1000 = (op: string) => (((mc.requests[op] ?? 0) - (before[op] ?? 0)) * 1000) / changes;

    log(`merge of a _log table of ${logRows.toLocaleString('en-US')} entries`);
    await client.sql.run(`CREATE TABLE IF NOT EXISTS merge_bench_log (record_id BIGINT, operation_flag STRING, utc_timestamp BIGINT, before_flag STRING, after_flag STRING, id BIGINT, n INT) PARTITIONED BY (modifytime_year STRING, modifytime_month STRING, modifytime_day STRING);`);
    await client.sql.run(`CREATE TABLE IF NOT EXISTS merge_bench_base (id BIGINT, n INT);`);
    await client.sql.run(`INSERT OVERWRITE TABLE merge_bench_base SELECT range, 0 FROM range(${Math.floor(logRows / 2)});`);
    await client.sql.run(`INSERT OVERWRITE TABLE merge_bench_log PARTITION (modifytime_year='2024', modifytime_month='05', modifytime_day='01') SELECT range, 'U', 1714521600 + range, 'N', 'Y', range % ${Math.floor(logRows / 2)}, CAST(range AS INT) FROM range(${logRows});`);
    const mergeStarted = performance.now();
    const select = mergeSelect({ base: 'merge_bench_base', log: 'merge_bench_log', columns: ['id', 'n'], key: ['id'], at: 1714521600 + logRows, rule: 'previous', partitionFields: [...PARTITIONS] });
    await client.sql.run(`CREATE TABLE IF NOT EXISTS merge_bench_out (id BIGINT, n INT); INSERT OVERWRITE TABLE merge_bench_out ${select};`, { settings: { 'odps.sql.allow.fullscan': 'true' } });
    const mergeSeconds = (performance.now() - mergeStarted) / 1000;
    const merged = (await client.sql.query('SELECT COUNT(*) FROM merge_bench_out;')).rows[0]?.[0];

    const checks = {
      mysqlRows: Number(await scalar(admin, `SELECT COUNT(*) FROM ${DST}.t`)),
      baseRows: Number((await client.sql.query('SELECT COUNT(*) FROM t_base;')).rows[0]?.[0]),
      logEntries: Number((await client.sql.query('SELECT COUNT(*) FROM t_log;', { settings: { 'odps.sql.allow.fullscan': 'true' } })).rows[0]?.[0]),
    };
    const rate = (n: number, r: Run) => Math.round(n / r.seconds);
    const result = {
      rows,
      changes,
      fullLoad: {
        mysqlRowsPerSecond: rate(rows, fullMysql),
        maxcomputeRowsPerSecond: rate(rows, fullMc),
        ratio: fullMysql.seconds / fullMc.seconds,
        cpuUsPerRow: { mysql: (fullMysql.cpu * 1e6) / rows, maxcompute: (fullMc.cpu * 1e6) / rows, maxcomputeStandIn: (fullMc.standIn * 1e6) / rows },
      },
      catchUp: {
        mysqlRowsPerSecond: rate(changes, incMysql),
        maxcomputeRowsPerSecond: rate(changes, incMc),
        ratio: incMysql.seconds / incMc.seconds,
        cpuMsPerChange: { mysql: (incMysql.cpu * 1000) / changes, maxcompute: (incMc.cpu * 1000) / changes, maxcomputeStandIn: (incMc.standIn * 1000) / changes },
        per1000Changes: { CreateUpload: per1000('CreateUpload'), WriteBlock: per1000('WriteBlock'), CommitUpload: per1000('CommitUpload'), GetUpload: per1000('GetUpload') },
      },
      merge: { logEntries: logRows, seconds: mergeSeconds, rows: Number(merged) },
      checks,
    };
    console.log(`full load  ${rows.toLocaleString('en-US')} rows: MySQL ${result.fullLoad.mysqlRowsPerSecond.toLocaleString('en-US')} rows/s, MaxCompute ${result.fullLoad.maxcomputeRowsPerSecond.toLocaleString('en-US')} rows/s (MaxCompute at ${formatRatio(result.fullLoad.ratio)} of MySQL's speed); fc-dts CPU per row ${result.fullLoad.cpuUsPerRow.mysql.toFixed(1)} µs into MySQL, ${result.fullLoad.cpuUsPerRow.maxcompute.toFixed(1)} µs into MaxCompute (the stand-in: ${result.fullLoad.cpuUsPerRow.maxcomputeStandIn.toFixed(1)} µs)`);
    console.log(`catch-up   ${changes.toLocaleString('en-US')} updates: MySQL ${result.catchUp.mysqlRowsPerSecond.toLocaleString('en-US')} rows/s, MaxCompute ${result.catchUp.maxcomputeRowsPerSecond.toLocaleString('en-US')} rows/s (${formatRatio(result.catchUp.ratio)}); fc-dts CPU per change ${result.catchUp.cpuMsPerChange.mysql.toFixed(3)} ms into MySQL, ${result.catchUp.cpuMsPerChange.maxcompute.toFixed(3)} ms into MaxCompute (the stand-in: ${result.catchUp.cpuMsPerChange.maxcomputeStandIn.toFixed(3)} ms)`);
    console.log(`requests per 1,000 changes: ${Object.entries(result.catchUp.per1000Changes).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    console.log(`merge of ${logRows.toLocaleString('en-US')} log entries over ${Math.floor(logRows / 2).toLocaleString('en-US')} base rows: ${mergeSeconds.toFixed(1)} s, ${Number(merged).toLocaleString('en-US')} rows (the stand-in's DuckDB, not the service)`);
    console.log(`copies: MySQL ${checks.mysqlRows.toLocaleString('en-US')} rows, _base ${checks.baseRows.toLocaleString('en-US')} rows, _log ${checks.logEntries.toLocaleString('en-US')} entries`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, `maxcompute-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
    if (checks.mysqlRows !== rows || checks.baseRows !== rows || checks.logEntries !== 2 * changes) {
      console.log('FAILED: a copy does not hold what the source does');
      process.exitCode = 1;
    }
  } finally {
    await admin.end();
    await mc.close();
  }
}

await main();
