/**
 * npm run bench -- [--rows N] [--threads T] [--keep]
 *
 * Full-load benchmark: the same N-row table, on the same private MariaDB, copied into a fresh
 * database by fc-dts (`run --until full-done`), by mydumper + myloader (binlog on, and binlog off),
 * and by `mariadb-dump | mariadb`. Each copy is timed end to end (wall clock) and its row count
 * checked. Results print as a table on stdout and are written to .local/bench/full-load-<time>.json.
 * Progress goes to stderr. See scripts/bench/README.md.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { startMariaDb, type MariaDbServer } from '../lib/mariadb-server.ts';
import {
  FC_DTS_BIN,
  ROOT,
  RESULTS_DIR,
  adminConnection,
  clientArgs,
  describeExit,
  dropDatabase,
  failed,
  formatRatio,
  log,
  pad,
  runCommand,
  runPipe,
  scalar,
  settle,
  tail,
  toolEnv,
  toolVersion,
  which,
} from './lib.ts';

const SERVER_DIR = join(ROOT, '.local/bench-mariadb');
const SERVER_PORT = 3427;
const SRC_DB = 'bench_src';
const TABLE = 't';
const DB_FCDTS = 'bench_fcdts';
const DB_MYLOADER = 'bench_mydumper';
const DB_MYLOADER_NOLOG = 'bench_mydumper_nolog';
const DB_DUMP = 'bench_dump';
const MYDUMPER_CHUNK_ROWS = 25_000;
const GENERATE_BATCH_ROWS = 100_000;

interface Options {
  readonly rows: number;
  readonly threads: number;
  readonly keep: boolean;
}

/** One timed copy of the table (or a failure to make one). */
interface RunResult {
  readonly tool: string;
  /** Wall-clock seconds from start to the destination committed; undefined when the run failed. */
  readonly seconds?: number;
  /** Named parts of `seconds`, e.g. { dump: 3.1, load: 5.2 }. */
  readonly parts?: Readonly<Record<string, number>>;
  /** Rows found in the destination afterwards. */
  readonly rowsCopied?: number;
  /** Why the run does not count: the tool failed or copied the wrong number of rows. */
  readonly error?: string;
  readonly note?: string;
}

interface VerifyResult {
  readonly seconds: number;
  readonly consistent: boolean;
  readonly exitCode: number;
  readonly output: string;
}

interface DataInfo {
  readonly generated: boolean;
  readonly seconds: number;
  /** Column payload bytes per row (strings as stored in their character set). */
  readonly payloadBytesPerRow: number;
  /** information_schema AVG_ROW_LENGTH after ANALYZE (InnoDB pages / estimated rows). */
  readonly innodbAvgRowLength: number;
  readonly dataMiB: number;
}

// ---------------------------------------------------------------------------------------------
// options

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string', default: '1000000' },
      threads: { type: 'string', default: '2' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: npm run bench -- [--rows N (1000000)] [--threads T (2)] [--keep]\n');
    process.exit(0);
  }
  const rows = Number(values.rows.replace(/[,_]/g, ''));
  const threads = Number(values.threads);
  if (!Number.isInteger(rows) || rows < 1 || rows > 1_000_000_000) throw new Error(`--rows must be an integer from 1 to 1e9 (got ${values.rows})`);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new Error(`--threads must be an integer from 1 to 64 (got ${values.threads})`);
  return { rows, threads, keep: values.keep };
}

// ---------------------------------------------------------------------------------------------
// processes

/** Installs the Debian `mydumper` package (mydumper + myloader) when either is missing. */
async function ensureMydumper(): Promise<void> {
  if ((await which('mydumper')) && (await which('myloader'))) return;
  if (process.getuid?.() !== 0) {
    throw new Error('mydumper/myloader are not installed and this process is not root, so it cannot install them: run `sudo apt-get install -y mydumper` and try again');
  }
  if (!(await which('apt-get'))) throw new Error('mydumper/myloader are not installed and this system has no apt-get: install mydumper 0.10+ and try again');
  log('installing mydumper (apt-get install -y mydumper) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = await runCommand('apt-get', ['install', '-y', 'mydumper'], { env });
  if (failed(r)) {
    await runCommand('apt-get', ['update'], { env });
    r = await runCommand('apt-get', ['install', '-y', 'mydumper'], { env });
  }
  if (failed(r) || !(await which('myloader'))) {
    throw new Error(`could not install mydumper with apt-get (${describeExit(r)}):\n${tail(r.stderr || r.stdout)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// server

async function countRows(conn: mysql.Connection, db: string): Promise<number | undefined> {
  const exists = await scalar(conn, 'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, TABLE]);
  if (Number(exists) === 0) return undefined;
  return Number(await scalar(conn, `SELECT COUNT(*) FROM \`${db}\`.\`${TABLE}\``));
}

// ---------------------------------------------------------------------------------------------
// data

const CREATE_TABLE = `CREATE TABLE \`${SRC_DB}\`.\`${TABLE}\` (
  id BIGINT NOT NULL PRIMARY KEY,
  a INT NOT NULL,
  b BIGINT NOT NULL,
  c DECIMAL(12,2) NOT NULL,
  d DATETIME(6) NOT NULL,
  e VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
  f VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL,
  g CHAR(20) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  h DOUBLE NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`;

/**
 * Row `seq`, computed by the server from the SEQUENCE engine: mixed numbers, microsecond times,
 * multi-byte text (2-, 3- and 4-byte UTF-8), a few NULLs. About 200 bytes of column data a row.
 */
const ROW_EXPRESSIONS = [
  'seq',
  'CAST((seq * 7919) % 2000000000 AS SIGNED) - 1000000000',
  'seq * 4294967311',
  'ROUND(((seq * 37) % 1000000000) / 100, 2)',
  "TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL ((seq * 13) % 1000000) MICROSECOND",
  "CONCAT('名前と番号-', seq, ' café ✓ 😀 ñandú ', MD5(seq))",
  "IF(seq % 97 = 0, NULL, CONCAT(SHA1(seq), '/', LEFT(MD5(seq * 7), 22)))",
  'LEFT(MD5(seq * 3), 20)',
  'IF(seq % 101 = 0, NULL, seq * 1.0e0 / 7)',
].join(',\n  ');

/** Creates bench_src.t with `rows` rows (INSERT ... SELECT from seq_lo_to_hi, binlog off), unless --keep finds it ready. */
async function generateData(conn: mysql.Connection, opts: Options): Promise<DataInfo> {
  const started = performance.now();
  let generated = false;
  const existing = await countRows(conn, SRC_DB);
  if (opts.keep && existing === opts.rows) {
    log(`reusing ${SRC_DB}.${TABLE} with ${opts.rows.toLocaleString('en-US')} rows (--keep)`);
  } else {
    log(`generating ${opts.rows.toLocaleString('en-US')} rows in ${SRC_DB}.${TABLE} ...`);
    generated = true;
    // The source rows need not be in the binlog: nothing replays them, and it keeps the logs small.
    await conn.query('SET SESSION sql_log_bin = 0');
    await dropDatabase(conn, SRC_DB);
    await conn.query(`CREATE DATABASE \`${SRC_DB}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    await conn.query(CREATE_TABLE);
    for (let lo = 1; lo <= opts.rows; lo += GENERATE_BATCH_ROWS) {
      const hi = Math.min(opts.rows, lo + GENERATE_BATCH_ROWS - 1);
      await conn.query(`INSERT INTO \`${SRC_DB}\`.\`${TABLE}\` SELECT\n  ${ROW_EXPRESSIONS}\nFROM \`${SRC_DB}\`.seq_${lo}_to_${hi}`);
    }
    await conn.query('SET SESSION sql_log_bin = 1');
    const count = await countRows(conn, SRC_DB);
    if (count !== opts.rows) throw new Error(`data generation made ${count} rows, expected ${opts.rows}`);
    log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await conn.query(`ANALYZE TABLE \`${SRC_DB}\`.\`${TABLE}\``);
  const payload = Number(
    await scalar(
      conn,
      // id 8 + a 4 + b 8 + c 6 (DECIMAL(12,2)) + d 8 (DATETIME(6)) + h 8, strings as stored bytes.
      `SELECT AVG(8 + 4 + 8 + 6 + 8 + LENGTH(e) + IFNULL(LENGTH(f), 0) + LENGTH(g) + IF(h IS NULL, 0, 8)) FROM \`${SRC_DB}\`.\`${TABLE}\``,
    ),
  );
  const [stats] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT AVG_ROW_LENGTH AS avgRow, DATA_LENGTH AS dataLength FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [SRC_DB, TABLE],
  );
  return {
    generated,
    seconds: (performance.now() - started) / 1000,
    payloadBytesPerRow: Math.round(payload),
    innodbAvgRowLength: Number(stats[0]?.avgRow ?? 0),
    dataMiB: Math.round((Number(stats[0]?.dataLength ?? 0) / (1 << 20)) * 10) / 10,
  };
}

/** Checks the destination has exactly `rows` rows; the returned error marks the run as not counting. */
async function checkCount(conn: mysql.Connection, db: string, rows: number): Promise<{ rowsCopied?: number; error?: string }> {
  const n = await countRows(conn, db);
  if (n === undefined) return { error: `${db}.${TABLE} does not exist after the run` };
  if (n !== rows) return { rowsCopied: n, error: `${db}.${TABLE} has ${n.toLocaleString('en-US')} rows, expected ${rows.toLocaleString('en-US')}` };
  return { rowsCopied: n };
}

// ---------------------------------------------------------------------------------------------
// fc-dts

function taskYaml(server: MariaDbServer, threads: number): string {
  // The password is substituted by fc-dts from the environment, so it is never written to disk.
  const endpoint = `{ type: mysql, host: "${server.host}", port: ${server.port}, user: "${server.user}", password: "\${FC_DTS_BENCH_PASSWORD}" }`;
  return [
    'name: bench-full-load',
    `source: ${endpoint}`,
    `destination: ${endpoint}`,
    'sync:',
    '  types: [schema, full]',
    'objects:',
    `  - { database: ${SRC_DB}, as: ${DB_FCDTS} }`,
    'advanced:',
    '  fullLoad:',
    `    workers: ${threads}`,
    '',
  ].join('\n');
}

/** `fc-dts run -c task.yaml --until full-done` in a fresh state directory, then `fc-dts verify` (timed apart). */
async function runFcDts(
  server: MariaDbServer,
  conn: mysql.Connection,
  opts: Options,
  workDir: string,
): Promise<{ run: RunResult; fullLoad?: RunResult; verify?: VerifyResult }> {
  const tool = 'fc-dts run';
  await dropDatabase(conn, DB_FCDTS);
  await settle(conn);
  const dir = join(workDir, 'fc-dts');
  mkdirSync(dir, { recursive: true });
  const taskFile = join(dir, 'task.yaml');
  writeFileSync(taskFile, taskYaml(server, opts.threads));
  const stateDir = join(dir, 'state');
  const env = { ...process.env, FC_DTS_BENCH_PASSWORD: server.password };
  const bin = FC_DTS_BIN;

  log(`fc-dts: run -c ${taskFile} --until full-done --state ${stateDir}`);
  const r = await runCommand(process.execPath, [bin, 'run', '-c', taskFile, '--until', 'full-done', '--state', stateDir], { env, echoStderr: true });
  if (failed(r)) {
    return { run: { tool, error: `fc-dts run failed (${describeExit(r)}) after ${r.seconds.toFixed(1)} s:\n${(r.stdout + r.stderr).trim()}` } };
  }
  const count = await checkCount(conn, DB_FCDTS, opts.rows);
  const run: RunResult = { tool, seconds: r.seconds, ...count, note: 'precheck + schema sync + full load, process start to exit' };
  // "full load done: 1,000,000 rows in 20 chunks this run (20 in all, 1 tables) in 7.3 s, ..."
  const m = /full load done: ([\d,]+) rows .*? in ([\d.]+) s/.exec(r.stdout);
  const fullLoad: RunResult | undefined = m
    ? { tool: 'fc-dts full-load phase', seconds: Number(m[2]), ...count, note: `as printed by fc-dts (${Number(m[1]!.replace(/,/g, '')).toLocaleString('en-US')} rows)` }
    : undefined;
  if (!m) log(`fc-dts printed no "full load done" line; its stdout was: ${r.stdout.trim()}`);

  log('fc-dts: verify -c task.yaml');
  const v = await runCommand(process.execPath, [bin, 'verify', '-c', taskFile], { env });
  const verify: VerifyResult = {
    seconds: v.seconds,
    consistent: v.code === 0,
    exitCode: v.code ?? -1,
    output: (v.stdout + v.stderr).trim(),
  };
  return { run, ...(fullLoad ? { fullLoad } : {}), verify };
}

// ---------------------------------------------------------------------------------------------
// mydumper + myloader

/** One mydumper dump of bench_src, then two myloader loads of it: with the binlog (-e) and without. */
async function runMydumper(server: MariaDbServer, conn: mysql.Connection, opts: Options, workDir: string): Promise<RunResult[]> {
  const env = toolEnv(server);
  const dumpDir = join(workDir, 'mydumper');
  rmSync(dumpDir, { recursive: true, force: true });
  const t = String(opts.threads);

  await settle(conn);
  log(`mydumper: -B ${SRC_DB} -t ${t} -r ${MYDUMPER_CHUNK_ROWS} -o ${dumpDir}`);
  const dump = await runCommand('mydumper', [...clientArgs(server), '-B', SRC_DB, '-t', t, '-r', String(MYDUMPER_CHUNK_ROWS), '-o', dumpDir], { env });
  const dumpFiles = existsSync(dumpDir) ? readdirSync(dumpDir).filter((f) => f.endsWith('.sql')).length : 0;
  if (failed(dump) || dumpFiles === 0) {
    const error = `mydumper failed (${describeExit(dump)}, ${dumpFiles} .sql files):\n${tail(dump.stderr + dump.stdout)}`;
    return [{ tool: 'mydumper + myloader -e', error }, { tool: 'mydumper + myloader (binlog off)', error }];
  }
  log(`mydumper: ${dump.seconds.toFixed(1)} s, ${dumpFiles} files`);

  const load = async (tool: string, db: string, binlog: boolean): Promise<RunResult> => {
    await dropDatabase(conn, db);
    await settle(conn);
    log(`myloader: -d ${dumpDir} -B ${db} -t ${t}${binlog ? ' -e' : ''}`);
    const r = await runCommand('myloader', [...clientArgs(server), '-t', t, '-d', dumpDir, '-B', db, ...(binlog ? ['-e'] : [])], { env });
    if (failed(r)) return { tool, error: `myloader failed (${describeExit(r)}):\n${tail(r.stderr + r.stdout)}` };
    log(`myloader: ${r.seconds.toFixed(1)} s`);
    return {
      tool,
      seconds: dump.seconds + r.seconds,
      parts: { dump: dump.seconds, load: r.seconds },
      ...(await checkCount(conn, db, opts.rows)),
      note: binlog ? 'load with the binlog on (-e), like fc-dts' : 'myloader default: the load is not binlogged',
    };
  };
  return [
    await load('mydumper + myloader -e', DB_MYLOADER, true),
    await load('mydumper + myloader (binlog off)', DB_MYLOADER_NOLOG, false),
  ];
}

// ---------------------------------------------------------------------------------------------
// mariadb-dump | mariadb

async function runMariadbDump(server: MariaDbServer, conn: mysql.Connection, opts: Options): Promise<RunResult> {
  const tool = 'mariadb-dump | mariadb';
  await dropDatabase(conn, DB_DUMP);
  await conn.query(`CREATE DATABASE \`${DB_DUMP}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await settle(conn);
  log(`mariadb-dump --single-transaction ${SRC_DB} | mariadb ${DB_DUMP}`);
  const r = await runPipe(
    { cmd: 'mariadb-dump', args: [...clientArgs(server), '--default-character-set=utf8mb4', '--single-transaction', SRC_DB] },
    { cmd: 'mariadb', args: [...clientArgs(server), '--default-character-set=utf8mb4', DB_DUMP] },
    toolEnv(server),
  );
  if (failed(r.producer) || failed(r.consumer)) {
    return {
      tool,
      error: `mariadb-dump ${describeExit(r.producer)}: ${tail(r.producer.stderr)}\nmariadb ${describeExit(r.consumer)}: ${tail(r.consumer.stderr + r.consumer.stdout)}`,
    };
  }
  log(`mariadb-dump | mariadb: ${r.seconds.toFixed(1)} s`);
  return { tool, seconds: r.seconds, ...(await checkCount(conn, DB_DUMP, opts.rows)), note: 'one stream, extended INSERTs, binlog on' };
}

// ---------------------------------------------------------------------------------------------
// report

interface Report {
  readonly startedAt: string;
  readonly options: Options;
  readonly machine: { cpus: number; cpuModel: string; node: string; server: string; mydumper: string; myloader: string; loadAverageAtStart: number[] };
  readonly data: DataInfo;
  readonly results: readonly RunResult[];
  readonly fcDtsVerify?: VerifyResult;
}

function rowsPerSecond(r: RunResult, rows: number): number | undefined {
  return r.seconds && !r.error ? rows / r.seconds : undefined;
}

/** fc-dts speed ÷ the tool's speed = the tool's seconds ÷ fc-dts seconds (2.00x: fc-dts is twice as fast). */
function ratio(fcdts: RunResult | undefined, other: RunResult): number | undefined {
  if (!fcdts?.seconds || fcdts.error || !other.seconds || other.error) return undefined;
  return other.seconds / fcdts.seconds;
}

function report(rep: Report): string {
  const { rows } = rep.options;
  const fcRun = rep.results.find((r) => r.tool === 'fc-dts run');
  const fcFull = rep.results.find((r) => r.tool === 'fc-dts full-load phase');
  const header = ['tool', 'seconds', 'rows/s', 'fc-dts run speed ÷ tool', 'fc-dts full load speed ÷ tool', 'detail'];
  const right = [false, true, true, true, true, false];
  const body = rep.results.map((r) => {
    const rps = rowsPerSecond(r, rows);
    const parts = r.parts ? Object.entries(r.parts).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(' + ') : '';
    return [
      r.tool,
      r.error ? 'FAILED' : (r.seconds?.toFixed(2) ?? ''),
      rps ? Math.round(rps).toLocaleString('en-US') : '',
      r.tool.startsWith('fc-dts') ? '' : formatRatio(ratio(fcRun, r)),
      r.tool.startsWith('fc-dts') ? '' : formatRatio(ratio(fcFull, r)),
      r.error ? r.error.split('\n')[0]! : [parts, r.note].filter(Boolean).join('; '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const lines = [
    '',
    `Full load of ${rows.toLocaleString('en-US')} rows, ${rep.options.threads} thread(s), one MariaDB (${rep.machine.server}) on ${rep.machine.cpus} CPUs, load average at start ${rep.machine.loadAverageAtStart.join(' ')}`,
    `row size: ${rep.data.payloadBytesPerRow} bytes of column data a row (InnoDB avg_row_length ${rep.data.innodbAvgRowLength}, table data ${rep.data.dataMiB} MiB)`,
    '',
    pad(header, widths, right),
    pad(widths.map((w) => '-'.repeat(w)), widths, right),
    ...body.map((b) => pad(b, widths, right)),
    '',
    '"fc-dts ... speed ÷ tool" = fc-dts rows/s ÷ that tool\'s rows/s: above 1.00x fc-dts is faster (2.00x: twice as fast), below it is slower.',
  ];
  const others = rep.results.filter((r) => !r.tool.startsWith('fc-dts') && !r.error);
  for (const [label, fc] of [['fc-dts run (end to end)', fcRun], ['fc-dts full-load phase ', fcFull]] as const) {
    if (fc?.seconds && !fc.error && others.length > 0) {
      lines.push(`${label}: ${others.map((r) => `${formatRatio(ratio(fc, r))} ${r.tool}`).join(', ')}`);
    }
  }
  if (rep.fcDtsVerify) {
    const v = rep.fcDtsVerify;
    lines.push(`fc-dts verify: ${v.consistent ? 'consistent' : `NOT consistent (exit code ${v.exitCode})`} in ${v.seconds.toFixed(2)} s (not part of the load time)`);
    if (!v.consistent) lines.push(v.output);
  }
  for (const r of rep.results.filter((x) => x.error)) lines.push('', `${r.tool} FAILED:`, r.error!);
  return lines.join('\n') + '\n';
}

function writeJson(rep: Report): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `full-load-${rep.startedAt.replace(/[:.]/g, '-')}.json`);
  const rows = rep.options.rows;
  const fcRun = rep.results.find((r) => r.tool === 'fc-dts run');
  const fcFull = rep.results.find((r) => r.tool === 'fc-dts full-load phase');
  const results = rep.results.map((r) => ({
    ...r,
    rowsPerSecond: rowsPerSecond(r, rows),
    ...(r.tool.startsWith('fc-dts') ? {} : { fcDtsRunSpeedRatio: ratio(fcRun, r), fcDtsFullLoadSpeedRatio: ratio(fcFull, r) }),
  }));
  writeFileSync(file, JSON.stringify({ ...rep, results }, null, 2) + '\n');
  return file;
}

// ---------------------------------------------------------------------------------------------
// main

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  await ensureMydumper();
  const server = await startMariaDb({ dir: SERVER_DIR, port: SERVER_PORT }, log);
  log(`MariaDB at ${server.host}:${server.port} (user ${server.user})`);
  const conn = await adminConnection(server);
  const workDir = mkdtempSync(join(tmpdir(), 'fc-dts-bench-'));
  try {
    const data = await generateData(conn, opts);
    log(`row size: ${data.payloadBytesPerRow} bytes of column data, InnoDB avg_row_length ${data.innodbAvgRowLength}`);
    // Start every run with the binlogs of earlier runs gone, so disk use stays bounded.
    await conn.query('FLUSH BINARY LOGS');
    await conn.query('PURGE BINARY LOGS BEFORE NOW()');

    const fc = await runFcDts(server, conn, opts, workDir);
    const mydumper = await runMydumper(server, conn, opts, workDir);
    const dump = await runMariadbDump(server, conn, opts);
    const results = [fc.run, ...(fc.fullLoad ? [fc.fullLoad] : []), ...mydumper, dump];

    const [version] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    const rep: Report = {
      startedAt,
      options: opts,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        server: `MariaDB ${String(version[0]?.v ?? '?')}`,
        mydumper: await toolVersion('mydumper'),
        myloader: await toolVersion('myloader'),
        loadAverageAtStart,
      },
      data,
      results,
      ...(fc.verify ? { fcDtsVerify: fc.verify } : {}),
    };
    process.stdout.write(report(rep));
    log(`results written to ${writeJson(rep)}`);

    if (!opts.keep) {
      for (const db of [DB_FCDTS, DB_MYLOADER, DB_MYLOADER_NOLOG, DB_DUMP, SRC_DB]) await dropDatabase(conn, db);
      log('dropped the bench databases (pass --keep to keep them)');
    }
    const bad = results.filter((r) => r.error);
    if (bad.length > 0) {
      log(`FAILED: ${bad.map((r) => r.tool).join(', ')} (see above)`);
      return 1;
    }
    if (fc.verify && !fc.verify.consistent) {
      log('FAILED: fc-dts verify did not report the copy consistent');
      return 1;
    }
    return 0;
  } finally {
    await conn.end().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  const err = e as { message?: string; fix?: string };
  process.stderr.write(`[bench] error: ${err.message ?? String(e)}${err.fix ? `\nfix: ${err.fix}` : ''}\n`);
  process.exitCode = 1;
}
