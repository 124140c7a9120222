/**
 * npm run bench:tablestore -- [--rows N] [--changes N] [--keep]
 *
 * Tablestore destination vs MySQL destination, on the same data in the same run: one private MariaDB
 * (the source, and the MySQL destination in a fresh database) and the in-process Tablestore stand-in
 * (persisted under .local/bench-tablestore). fc-dts runs as a child process (spawned asynchronously:
 * the stand-in answers from this process). Measured: full-load rows/s into each, catch-up rows/s of
 * the same binlog range into each, the Tablestore requests it took (per 1,000 rows / row changes, by
 * operation, from the stand-in's counters), and at the end the row counts of every copy. Results print
 * as tables on stdout and are written to .local/bench/tablestore-<time>.json. Progress goes to stderr.
 * See scripts/bench/README.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type mysql from 'mysql2/promise';
import TableStore from 'tablestore';
import { stringify } from 'yaml';
import { startTablestoreStandIn, type TablestoreStandIn } from '../../infra/tablestore-standin/index.ts';
import { startMariaDb, stopMariaDb, type MariaDbServer } from '../lib/mariadb-server.ts';
import { seededRandom } from '../lib/seeded-random.ts';
import { newStandInKeys } from '../lib/stand-ins.ts';
import {
  FC_DTS_BIN,
  ROOT,
  RESULTS_DIR,
  adminConnection,
  describeExit,
  dropDatabase,
  failed,
  formatRatio,
  log,
  pad,
  runCommand,
  scalar,
  settle,
  machineInfo,
  type CommandResult,
} from './lib.ts';

const SERVER_DIR = join(ROOT, '.local/bench-tablestore-mariadb');
const SERVER_PORT = 3457;
/** Wiped at the start: the stand-in's data (standin/) and the task files and state directories (work/). */
const BENCH_DIR = join(ROOT, '.local/bench-tablestore');
const STANDIN_DIR = join(BENCH_DIR, 'standin');
const WORK_DIR = join(BENCH_DIR, 'work');
const SRC_DB = 'bench_ots_src';
const DST_DB = 'bench_ots_mysql';
/** Single-column key (BIGINT), ~200 bytes a row; `--rows` rows. */
const MAIN = 't';
/** Composite key (order_id, line); a quarter as many rows. */
const LINES = 'order_lines';
const TABLES = [MAIN, LINES] as const;
type TableName = (typeof TABLES)[number];
const FULL_LOAD_WORKERS = 4;
const GENERATE_BATCH_ROWS = 100_000;
const WRITE_BATCH_TXNS = 50;
/** Share of the workload's statements that go to the main table (the rest to order_lines). */
const MAIN_SHARE = 0.8;
const FC_DTS_TIMEOUT_MS = 1_800_000;
const GET_RANGE_LIMIT = 5000;

type Destination = 'MySQL' | 'Tablestore';
const DESTINATIONS: readonly Destination[] = ['MySQL', 'Tablestore'];

interface Options {
  readonly rows: number;
  readonly changes: number;
  readonly keep: boolean;
}

/** One timed `fc-dts run`. */
interface RunResult {
  readonly phase: 'full load' | 'incremental';
  readonly destination: Destination;
  /** Process start to exit; undefined when the run failed. */
  readonly seconds?: number;
  /** The phase's own seconds as fc-dts prints them (`full load done: … in X s`, `incremental: … applied in X s`). */
  readonly phaseSeconds?: number;
  /** Rows (full load) or row changes (incremental) fc-dts reports. */
  readonly reported?: number;
  /** Where the incremental reader resumes afterwards (`resumes at file:offset`). */
  readonly resumesAt?: string;
  /** Stand-in requests during the run, per operation (Tablestore only). */
  readonly requests?: Readonly<Record<string, number>>;
  /** CPU seconds this process (i.e. the in-process stand-in) used during the run (Tablestore only). */
  readonly standInCpuSeconds?: number;
  readonly loadAverage1m: number;
  readonly error?: string;
  readonly output?: string;
}

interface TableCount {
  readonly table: TableName;
  readonly source: number;
  readonly mysql: number | undefined;
  readonly tablestore: number | undefined;
  readonly ok: boolean;
}

interface WorkloadInfo {
  readonly transactions: number;
  readonly rowChanges: number;
  readonly inserts: number;
  readonly updates: number;
  readonly deletes: number;
  readonly seconds: number;
  readonly start: string;
  readonly end: string;
  readonly binlogBytes: number;
}

// ---------------------------------------------------------------------------------------------
// options

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string', default: '200000' },
      changes: { type: 'string', default: '100000' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: npm run bench:tablestore -- [--rows N (200000)] [--changes N (100000)] [--keep]\n');
    process.exit(0);
  }
  const count = (name: string, raw: string, min: number): number => {
    const n = Number(raw.replace(/[,_]/g, ''));
    if (!Number.isInteger(n) || n < min || n > 100_000_000) throw new Error(`--${name} must be an integer from ${min} to 1e8 (got ${raw})`);
    return n;
  };
  return { rows: count('rows', values.rows, 100), changes: count('changes', values.changes, 2), keep: values.keep };
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const load1m = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;
const linesRows = (rows: number): number => Math.ceil(rows / 4);

// ---------------------------------------------------------------------------------------------
// data

/** The main table's columns for row `s` (a SQL expression): ~200 bytes of mixed types, a few NULLs. */
function mainValues(s: string): string {
  return [
    s,
    `CAST((${s} * 7919) % 2000000000 AS SIGNED) - 1000000000`,
    `${s} * 4294967311`,
    `ROUND(((${s} * 37) % 1000000000) / 100, 2)`,
    `TIMESTAMP'2020-01-01 00:00:00' + INTERVAL ${s} SECOND + INTERVAL ((${s} * 13) % 1000000) MICROSECOND`,
    `CONCAT('名前と番号-', ${s}, ' café ✓ 😀 ñandú ', MD5(${s}))`,
    `IF(${s} % 97 = 0, NULL, CONCAT(SHA1(${s}), '/', LEFT(MD5(${s} * 7), 22)))`,
    `LEFT(MD5(${s} * 3), 20)`,
    `IF(${s} % 101 = 0, NULL, ${s} * 1.0e0 / 7)`,
  ].join(', ');
}

/** order_lines' columns for key index `k` (0-based: order_id = k DIV 4 + 1, line = k MOD 4 + 1). */
function linesValues(k: string): string {
  return [
    `${k} DIV 4 + 1`,
    `${k} MOD 4 + 1`,
    `CONCAT('SKU-', LEFT(MD5(${k}), 12))`,
    `1 + ${k} % 9`,
    `ROUND(((${k} * 53) % 10000000) / 100, 2)`,
    `IF(${k} % 13 = 0, NULL, CONCAT('gift wrap ✓ ', LEFT(SHA1(${k}), 16)))`,
    `TIMESTAMP'2021-06-01 00:00:00' + INTERVAL ${k} MINUTE + INTERVAL ((${k} * 17) % 1000000) MICROSECOND`,
    `${k} * 0.25e0`,
  ].join(', ');
}

const CREATE = {
  [MAIN]: `CREATE TABLE \`${SRC_DB}\`.\`${MAIN}\` (
  id BIGINT NOT NULL PRIMARY KEY,
  a INT NOT NULL,
  b BIGINT NOT NULL,
  c DECIMAL(12,2) NOT NULL,
  d DATETIME(6) NOT NULL,
  e VARCHAR(64) NOT NULL,
  f VARCHAR(64) NULL,
  g CHAR(20) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  h DOUBLE NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
  [LINES]: `CREATE TABLE \`${SRC_DB}\`.\`${LINES}\` (
  order_id BIGINT NOT NULL,
  line INT NOT NULL,
  sku VARCHAR(32) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  qty INT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  note VARCHAR(64) NULL,
  shipped_at DATETIME(6) NOT NULL,
  weight DOUBLE NOT NULL,
  PRIMARY KEY (order_id, line)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
} as const;

/** Creates both source tables, generated by the server from seq_1_to_N with the binlog off. Returns bytes of column data a row. */
async function generateData(conn: mysql.Connection, rows: number): Promise<{ seconds: number; payloadBytesPerRow: Record<TableName, number> }> {
  const started = performance.now();
  await conn.query(`CREATE DATABASE \`${SRC_DB}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await conn.query('SET SESSION sql_log_bin = 0');
  try {
    for (const table of TABLES) {
      await conn.query(CREATE[table]);
      const n = table === MAIN ? rows : linesRows(rows);
      for (let lo = 1; lo <= n; lo += GENERATE_BATCH_ROWS) {
        const hi = Math.min(n, lo + GENERATE_BATCH_ROWS - 1);
        const values = table === MAIN ? mainValues('seq') : linesValues('(seq - 1)');
        await conn.query(`INSERT INTO \`${SRC_DB}\`.\`${table}\` SELECT ${values} FROM \`${SRC_DB}\`.seq_${lo}_to_${hi}`);
      }
      log(`generated ${SRC_DB}.${table}: ${fmtInt(n)} rows`);
    }
  } finally {
    await conn.query('SET SESSION sql_log_bin = 1');
  }
  const main = Number(await scalar(conn, `SELECT AVG(8 + 4 + 8 + 6 + 8 + LENGTH(e) + IFNULL(LENGTH(f), 0) + LENGTH(g) + IF(h IS NULL, 0, 8)) FROM \`${SRC_DB}\`.\`${MAIN}\``));
  const lines = Number(await scalar(conn, `SELECT AVG(8 + 4 + LENGTH(sku) + 4 + 5 + IFNULL(LENGTH(note), 0) + 8 + 8) FROM \`${SRC_DB}\`.\`${LINES}\``));
  return { seconds: (performance.now() - started) / 1000, payloadBytesPerRow: { [MAIN]: Math.round(main), [LINES]: Math.round(lines) } };
}

// ---------------------------------------------------------------------------------------------
// workload: 2-DML transactions, insert:update:delete = 3:1:2 (as in the incremental benchmark)

type Dml = 'insert' | 'update' | 'delete';
const TXN_PATTERN: readonly (readonly [Dml, Dml])[] = [
  ['insert', 'update'],
  ['insert', 'delete'],
  ['delete', 'insert'],
];

/** The live keys of one table (ids for the main table, key indexes for order_lines); random picks and removals. */
class LiveKeys {
  private readonly keys: number[];
  private nextKey: number;

  constructor(first: number, count: number) {
    this.keys = Array.from({ length: count }, (_, i) => first + i);
    this.nextKey = first + count;
  }

  get size(): number {
    return this.keys.length;
  }

  insert(): number {
    const k = this.nextKey++;
    this.keys.push(k);
    return k;
  }

  pick(random: () => number): number {
    return this.keys[this.index(random)]!;
  }

  remove(random: () => number): number {
    const i = this.index(random);
    const k = this.keys[i]!;
    this.keys[i] = this.keys[this.keys.length - 1]!;
    this.keys.pop();
    return k;
  }

  private index(random: () => number): number {
    if (this.keys.length === 0) throw new Error('no live row left to update or delete: raise --rows');
    return Math.floor(random() * this.keys.length);
  }
}

class Workload {
  private readonly random = seededRandom(0x07a5);
  private readonly live: Record<TableName, LiveKeys>;
  private step = 0;
  readonly counts: Record<Dml, number> = { insert: 0, update: 0, delete: 0 };

  constructor(rows: number) {
    this.live = { [MAIN]: new LiveKeys(1, rows), [LINES]: new LiveKeys(0, linesRows(rows)) };
  }

  /** `txns` transactions of 2 DML + COMMIT as one multi-statement string. */
  transactions(txns: number): string {
    const parts: string[] = [];
    for (let i = 0; i < txns; i++) {
      const [a, b] = TXN_PATTERN[this.step++ % TXN_PATTERN.length]!;
      parts.push('BEGIN', this.statement(a), this.statement(b), 'COMMIT');
    }
    return parts.join(';\n');
  }

  private statement(dml: Dml): string {
    const table: TableName = this.random() < MAIN_SHARE ? MAIN : LINES;
    const live = this.live[table];
    const r = Math.floor(this.random() * 2_000_000_000);
    this.counts[dml]++;
    if (table === MAIN) {
      switch (dml) {
        case 'insert':
          return `INSERT INTO ${MAIN} VALUES (${mainValues(String(live.insert()))})`;
        case 'update':
          return `UPDATE ${MAIN} SET a = ${r % 1_000_000}, c = ${((r % 10_000_000) / 100).toFixed(2)}, d = NOW(6), e = CONCAT('更新 ', ${r}, ' ✓ ', MD5(${r})), h = ${r} / 3e0 WHERE id = ${live.pick(this.random)}`;
        case 'delete':
          return `DELETE FROM ${MAIN} WHERE id = ${live.remove(this.random)}`;
      }
    }
    const key = (k: number): string => `order_id = ${Math.floor(k / 4) + 1} AND line = ${(k % 4) + 1}`;
    switch (dml) {
      case 'insert':
        return `INSERT INTO ${LINES} VALUES (${linesValues(String(live.insert()))})`;
      case 'update':
        return `UPDATE ${LINES} SET qty = qty + 1, price = ${((r % 1_000_000) / 100).toFixed(2)}, shipped_at = NOW(6), note = CONCAT('changed ', ${r}) WHERE ${key(live.pick(this.random))}`;
      case 'delete':
        return `DELETE FROM ${LINES} WHERE ${key(live.remove(this.random))}`;
    }
  }
}

async function masterStatus(conn: mysql.Connection): Promise<{ file: string; position: number }> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  return { file: String(rows[0]?.File), position: Number(rows[0]?.Position) };
}

/** Bytes of binlog between two coordinates (files in between counted whole). */
async function binlogBytes(conn: mysql.Connection, start: { file: string; position: number }, end: { file: string; position: number }): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  let bytes = 0;
  for (const r of rows) {
    const name = String(r.Log_name);
    if (name < start.file || name > end.file) continue;
    const from = name === start.file ? start.position : 0;
    const to = name === end.file ? end.position : Number(r.File_size);
    bytes += Math.max(0, to - from);
  }
  return bytes;
}

/** Writes `changes` row changes (rounded up to whole 2-DML transactions) over one connection, 50 transactions a round trip. */
async function writeWorkload(server: MariaDbServer, workload: Workload, changes: number): Promise<WorkloadInfo> {
  const conn = await adminConnection(server, { multipleStatements: true });
  try {
    await conn.query(`USE \`${SRC_DB}\``);
    const start = await masterStatus(conn);
    const started = performance.now();
    const txns = Math.ceil(changes / 2);
    for (let done = 0; done < txns; ) {
      const n = Math.min(WRITE_BATCH_TXNS, txns - done);
      await conn.query(workload.transactions(n));
      done += n;
    }
    const seconds = (performance.now() - started) / 1000;
    const end = await masterStatus(conn);
    const c = workload.counts;
    return {
      transactions: txns,
      rowChanges: c.insert + c.update + c.delete,
      inserts: c.insert,
      updates: c.update,
      deletes: c.delete,
      seconds,
      start: `${start.file}:${start.position}`,
      end: `${end.file}:${end.position}`,
      binlogBytes: await binlogBytes(conn, start, end),
    };
  } finally {
    await conn.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// fc-dts

interface Task {
  readonly destination: Destination;
  readonly file: string;
  readonly state: string;
}

function writeTasks(server: MariaDbServer, standIn: TablestoreStandIn, keys: { accessKeyId: string }): Record<Destination, Task> {
  mkdirSync(WORK_DIR, { recursive: true });
  // Secrets are substituted by fc-dts from the environment, so they are never written to disk.
  const source = { type: 'mysql', host: server.host, port: server.port, user: server.user, password: '${FC_DTS_BENCH_PASSWORD}' };
  const advanced = { fullLoad: { workers: FULL_LOAD_WORKERS } };
  const docs: Record<Destination, unknown> = {
    MySQL: { name: 'bench-ots-mysql', source, destination: source, objects: [{ database: SRC_DB, as: DST_DB }], advanced },
    Tablestore: {
      name: 'bench-ots-tablestore',
      source,
      destination: { type: 'tablestore', endpoint: standIn.endpoint, instance: standIn.instance, accessKeyId: keys.accessKeyId, accessKeySecret: '${FC_DTS_BENCH_OTS_SECRET}' },
      objects: [{ database: SRC_DB }],
      advanced,
    },
  };
  const tasks = {} as Record<Destination, Task>;
  for (const d of DESTINATIONS) {
    const file = join(WORK_DIR, `${d.toLowerCase()}.yaml`);
    writeFileSync(file, stringify(docs[d]));
    tasks[d] = { destination: d, file, state: join(WORK_DIR, `${d.toLowerCase()}-state`) };
  }
  return tasks;
}

/**
 * `fc-dts run` as a child process, asynchronously (the stand-in answers from this process's event
 * loop), its stderr echoed to ours. SIGINT at the time limit (fc-dts stops cleanly on it), SIGKILL 30 s later.
 */
function runFcDts(task: Task, until: 'full-done' | 'caught-up', env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const args = [FC_DTS_BIN, 'run', '-c', task.file, '--until', until, '--state', task.state];
  log(`fc-dts → ${task.destination}: run -c ${task.file} --until ${until} --state ${task.state}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      process.stderr.write(d);
    });
    let kill: NodeJS.Timeout | undefined;
    const limit = setTimeout(() => {
      log(`time limit of ${FC_DTS_TIMEOUT_MS / 1000} s reached: SIGINT to fc-dts (pid ${child.pid})`);
      child.kill('SIGINT');
      kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    }, FC_DTS_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(limit);
      if (kill) clearTimeout(kill);
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

function requestDelta(after: Readonly<Record<string, number>>, before: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) {
    const d = n - (before[op] ?? 0);
    if (d > 0) out[op] = d;
  }
  return out;
}

/** One timed run; for Tablestore, the stand-in's request counters before and after. */
async function timedRun(
  phase: RunResult['phase'],
  task: Task,
  env: NodeJS.ProcessEnv,
  standIn: TablestoreStandIn,
): Promise<RunResult> {
  const destination = task.destination;
  const loadAverage1m = load1m();
  const before = { ...standIn.requests };
  const cpu = process.cpuUsage();
  const r = await runFcDts(task, phase === 'full load' ? 'full-done' : 'caught-up', env);
  const used = process.cpuUsage(cpu);
  const requests = destination === 'Tablestore'
    ? { requests: requestDelta(standIn.requests, before), standInCpuSeconds: Math.round((used.user + used.system) / 1e4) / 100 }
    : {};
  const output = (r.stdout + r.stderr).trim();
  if (failed(r)) {
    return { phase, destination, loadAverage1m, ...requests, error: `fc-dts run failed (${describeExit(r)}) after ${r.seconds.toFixed(1)} s:\n${output.split('\n').slice(-30).join('\n')}`, output: output.slice(-8000) };
  }
  // "full load done: 1,000,000 rows in 20 chunks this run (…) in 7.3 s, …" / "incremental: 1,000 row changes applied in 2.1 s (…); resumes at f:o; …"
  const m = phase === 'full load'
    ? /full load done: ([\d,]+) rows .*? in ([\d.]+) s/.exec(r.stdout)
    : /incremental: ([\d,]+) row changes applied in ([\d.]+) s/.exec(r.stdout);
  if (!m) log(`fc-dts printed no ${phase === 'full load' ? '"full load done"' : '"incremental: … applied in"'} line; its stdout was: ${r.stdout.trim()}`);
  const resumes = /resumes at (\S+?);/.exec(r.stdout);
  log(`fc-dts → ${destination}: ${phase} run took ${r.seconds.toFixed(1)} s`);
  return {
    phase,
    destination,
    seconds: r.seconds,
    ...(m ? { reported: Number(m[1]!.replace(/,/g, '')), phaseSeconds: Number(m[2]) } : {}),
    ...(resumes ? { resumesAt: resumes[1]! } : {}),
    ...requests,
    loadAverage1m,
    output: output.slice(-4000),
  };
}

// ---------------------------------------------------------------------------------------------
// counts

async function mysqlCount(conn: mysql.Connection, db: string, table: string): Promise<number | undefined> {
  const exists = Number(await scalar(conn, 'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table]));
  return exists === 0 ? undefined : Number(await scalar(conn, `SELECT COUNT(*) FROM \`${db}\`.\`${table}\``));
}

/** Rows in a Tablestore table: GetRange over the whole key range, page by page, returning only the first key column. */
async function tablestoreCount(client: TableStore.Client, table: string): Promise<number | undefined> {
  let key: string[];
  try {
    key = (await client.describeTable({ tableName: table })).tableMeta.primaryKey.map((c) => c.name);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'OTSObjectNotExist' || /not exist/i.test(String((e as Error).message))) return undefined;
    throw e;
  }
  let start: TableStore.RangeKey = key.map((k) => ({ [k]: TableStore.INF_MIN }));
  let count = 0;
  for (;;) {
    const page = await client.getRange({
      tableName: table,
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: key.map((k) => ({ [k]: TableStore.INF_MAX })),
      columnsToGet: [key[0]!],
      limit: GET_RANGE_LIMIT,
    });
    count += page.rows.length;
    if (!page.nextStartPrimaryKey) return count;
    start = page.nextStartPrimaryKey.map((c) => ({ [c.name]: c.value }));
  }
}

async function countAll(conn: mysql.Connection, client: TableStore.Client, withMysql: boolean, withTablestore: boolean): Promise<TableCount[]> {
  const out: TableCount[] = [];
  for (const table of TABLES) {
    const source = (await mysqlCount(conn, SRC_DB, table))!;
    const my = withMysql ? await mysqlCount(conn, DST_DB, table) : undefined;
    const ots = withTablestore ? await tablestoreCount(client, table) : undefined;
    out.push({ table, source, mysql: my, tablestore: ots, ok: (!withMysql || my === source) && (!withTablestore || ots === source) });
  }
  return out;
}

/** CHECKSUM TABLE of the MySQL copy against the source (the Tablestore copy is checked by row count only). */
async function mysqlChecksumsMatch(conn: mysql.Connection): Promise<boolean> {
  const sums = async (db: string) => ((await conn.query<mysql.RowDataPacket[]>(`CHECKSUM TABLE ${TABLES.map((t) => `\`${db}\`.\`${t}\``).join(', ')}`))[0]).map((r) => String(r.Checksum));
  const [a, b] = [await sums(SRC_DB), await sums(DST_DB)];
  return a.every((x, i) => x === b[i]);
}

// ---------------------------------------------------------------------------------------------
// report

interface Report {
  readonly startedAt: string;
  readonly options: Options;
  readonly machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    server: string;
    tablestoreSdk: string;
    mysql2: string;
    loadAverageAtStart: number[];
    fcDts: { version: string; commit: string; uncommittedFiles: number };
  };
  readonly data: { rows: Record<TableName, number>; payloadBytesPerRow: Record<TableName, number>; generateSeconds: number };
  readonly workload?: WorkloadInfo;
  /** The untimed `run --until caught-up` before the workload, for both tasks: puts both readers at the same position. */
  readonly alignment: readonly RunResult[];
  readonly results: readonly RunResult[];
  readonly counts?: readonly TableCount[];
  readonly mysqlChecksumsMatch?: boolean;
  readonly ok: boolean;
}

const ok = (r: RunResult | undefined): r is RunResult & { seconds: number } => r !== undefined && r.seconds !== undefined && !r.error;

function units(rep: Report, phase: RunResult['phase']): number {
  return phase === 'full load' ? rep.data.rows[MAIN] + rep.data.rows[LINES] : (rep.workload?.rowChanges ?? 0);
}

function find(results: readonly RunResult[], phase: RunResult['phase'], destination: Destination): RunResult | undefined {
  return results.find((r) => r.phase === phase && r.destination === destination);
}

/** Tablestore rows/s ÷ MySQL rows/s (above 1.00x Tablestore is faster); `phase` uses fc-dts's own phase seconds. */
function ratio(rep: Report, phase: RunResult['phase'], which: 'seconds' | 'phaseSeconds'): number | undefined {
  const [m, t] = [find(rep.results, phase, 'MySQL'), find(rep.results, phase, 'Tablestore')];
  if (!ok(m) || !ok(t) || !m[which] || !t[which]) return undefined;
  return m[which]! / t[which]!;
}

function table(header: readonly string[], right: readonly boolean[], body: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [pad(header, widths, right), pad(widths.map((w) => '-'.repeat(w)), widths, right), ...body.map((b) => pad(b, widths, right))];
}

function report(rep: Report): string {
  const m = rep.machine;
  const lines = [
    '',
    `fc-dts into MySQL and into the Tablestore stand-in: ${fmtInt(rep.data.rows[MAIN])} rows (${MAIN}, ~${rep.data.payloadBytesPerRow[MAIN]} B of column data) + ` +
      `${fmtInt(rep.data.rows[LINES])} rows (${LINES}, composite key, ~${rep.data.payloadBytesPerRow[LINES]} B), full load with ${FULL_LOAD_WORKERS} workers, other task settings default`,
    `${m.server} on ${m.cpus} CPUs (load average at start ${m.loadAverageAtStart.join(' ')}); fc-dts ${m.fcDts.version} from commit ${m.fcDts.commit}` +
      `${m.fcDts.uncommittedFiles > 0 ? ` + ${m.fcDts.uncommittedFiles} uncommitted file(s) in shared/, bin/ and infra/tablestore-standin/` : ''}; tablestore SDK ${m.tablestoreSdk}`,
  ];
  if (rep.workload) {
    const w = rep.workload;
    lines.push(
      `workload: ${fmtInt(w.rowChanges)} row changes (${fmtInt(w.inserts)} inserts, ${fmtInt(w.updates)} updates, ${fmtInt(w.deletes)} deletes) in ${fmtInt(w.transactions)} 2-DML transactions, ` +
        `written in ${w.seconds.toFixed(1)} s; binlog ${w.start} → ${w.end} (${(w.binlogBytes / (1 << 20)).toFixed(1)} MiB)`,
    );
  }
  lines.push('');
  const body = rep.results.map((r) => {
    const n = units(rep, r.phase);
    return [
      r.phase === 'full load' ? 'full load (run --until full-done)' : 'incremental (run --until caught-up)',
      r.destination,
      ok(r) ? r.seconds.toFixed(2) : 'FAILED',
      ok(r) ? fmtInt(n / r.seconds) : '',
      ok(r) && r.phaseSeconds !== undefined ? r.phaseSeconds.toFixed(1) : '',
      ok(r) && r.phaseSeconds ? fmtInt(n / r.phaseSeconds) : '',
      r.reported !== undefined ? fmtInt(r.reported) : '',
      r.standInCpuSeconds !== undefined ? r.standInCpuSeconds.toFixed(2) : '',
      r.loadAverage1m.toFixed(2),
    ];
  });
  lines.push(...table(
    ['run', 'destination', 'seconds', 'rows/s', 'phase s', 'phase rows/s', 'fc-dts reported', 'stand-in CPU s', 'load'],
    [false, false, true, true, true, true, true, true, true],
    body,
  ));
  lines.push('');
  for (const phase of ['full load', 'incremental'] as const) {
    const e2e = ratio(rep, phase, 'seconds');
    const ph = ratio(rep, phase, 'phaseSeconds');
    lines.push(`Tablestore ÷ MySQL speed, ${phase.padEnd(11)}: ${e2e === undefined ? 'n/a' : formatRatio(e2e)} end to end, ${ph === undefined ? 'n/a' : formatRatio(ph)} as fc-dts times the phase`);
  }
  lines.push('(rows/s of the Tablestore run ÷ rows/s of the MySQL run: above 1.00x Tablestore is faster, below it is slower;');
  lines.push(' "stand-in CPU s" = CPU this process spent serving the stand-in during the run, on the same cores as fc-dts)');

  // requests
  const full = find(rep.results, 'full load', 'Tablestore');
  const inc = find(rep.results, 'incremental', 'Tablestore');
  const idle = rep.alignment.find((r) => r.destination === 'Tablestore');
  const ops = [...new Set([...Object.keys(full?.requests ?? {}), ...Object.keys(inc?.requests ?? {}), ...Object.keys(idle?.requests ?? {})])].sort((a, b) =>
    a === 'BatchWriteRow' ? -1 : b === 'BatchWriteRow' ? 1 : a.localeCompare(b),
  );
  if (ops.length > 0) {
    const fullRows = units(rep, 'full load');
    const changes = units(rep, 'incremental');
    const per = (n: number | undefined, of: number): string => (n === undefined || of === 0 ? '' : (n / (of / 1000)).toFixed(2));
    const sum = (r: Readonly<Record<string, number>> | undefined): number | undefined => (r ? Object.values(r).reduce((a, b) => a + b, 0) : undefined);
    const row = (label: string, f: number | undefined, i: number | undefined, z: number | undefined): string[] => [
      label,
      f === undefined ? '' : fmtInt(f),
      per(f, fullRows),
      i === undefined ? '' : fmtInt(i),
      per(i, changes),
      z === undefined ? '' : fmtInt(z),
    ];
    const body2 = ops.map((op) => row(op, full?.requests ? (full.requests[op] ?? 0) : undefined, inc?.requests ? (inc.requests[op] ?? 0) : undefined, idle?.requests ? (idle.requests[op] ?? 0) : undefined));
    body2.push(row('all operations', sum(full?.requests), sum(inc?.requests), sum(idle?.requests)));
    lines.push('', 'Tablestore requests (stand-in counters, per operation):');
    lines.push(...table(
      ['operation', 'full load', 'per 1,000 rows', 'incremental', 'per 1,000 changes', 'idle catch-up run'],
      [false, true, true, true, true, true],
      body2,
    ));
    lines.push('("idle catch-up run" = the untimed alignment run before the workload, nothing to apply: start-up requests, and the watermark table created)');
  }

  if (rep.counts) {
    lines.push('', 'Row counts at the end (Tablestore: GetRange over each whole table):');
    lines.push(...table(
      ['table', 'source', 'MySQL copy', 'Tablestore', 'check'],
      [false, true, true, true, false],
      rep.counts.map((c) => [c.table, fmtInt(c.source), c.mysql === undefined ? '—' : fmtInt(c.mysql), c.tablestore === undefined ? '—' : fmtInt(c.tablestore), c.ok ? 'OK' : 'MISMATCH']),
    ));
    if (rep.mysqlChecksumsMatch !== undefined) lines.push(`MySQL copy CHECKSUM TABLE vs source: ${rep.mysqlChecksumsMatch ? 'OK' : 'MISMATCH'}`);
  }
  for (const r of [...rep.alignment, ...rep.results].filter((x) => x.error)) lines.push('', `${r.phase} → ${r.destination} FAILED:`, r.error!);
  lines.push('', rep.ok ? 'result: OK' : 'result: FAILED');
  return lines.join('\n') + '\n';
}

function writeJson(rep: Report): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `tablestore-${rep.startedAt.replace(/[:.]/g, '-')}.json`);
  const results = rep.results.map((r) => {
    const n = units(rep, r.phase);
    const per1000 = r.requests ? Object.fromEntries(Object.entries(r.requests).map(([op, c]) => [op, c / (n / 1000)])) : undefined;
    return {
      ...r,
      units: n,
      rowsPerSecond: ok(r) ? n / r.seconds : undefined,
      phaseRowsPerSecond: ok(r) && r.phaseSeconds ? n / r.phaseSeconds : undefined,
      ...(per1000 ? { requestsPer1000: per1000 } : {}),
    };
  });
  const ratios = {
    fullLoad: { endToEnd: ratio(rep, 'full load', 'seconds'), phase: ratio(rep, 'full load', 'phaseSeconds') },
    incremental: { endToEnd: ratio(rep, 'incremental', 'seconds'), phase: ratio(rep, 'incremental', 'phaseSeconds') },
  };
  writeFileSync(file, JSON.stringify({ ...rep, results, tablestoreOverMysqlSpeed: ratios }, null, 2) + '\n');
  return file;
}

async function fcDtsSource(): Promise<{ version: string; commit: string; uncommittedFiles: number }> {
  const head = await runCommand('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const status = await runCommand('git', ['-C', ROOT, 'status', '--porcelain', '--', 'shared', 'bin', 'infra/tablestore-standin']);
  return {
    version: packageVersion('.'),
    commit: failed(head) ? 'unknown' : head.stdout.trim(),
    uncommittedFiles: failed(status) ? -1 : status.stdout.split('\n').filter((l) => l.trim() !== '').length,
  };
}

function packageVersion(dir: string): string {
  try {
    return String((JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { version?: unknown }).version);
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// main

type Phase = RunResult['phase'];

/** One run of the benchmark: the servers it started, and what each phase found. */
class TablestoreBench {
  readonly results: RunResult[] = [];
  /** The untimed catch-ups that bring both readers to the binlog's end before the workload. */
  readonly alignment: RunResult[] = [];
  readonly problems: string[] = [];
  workload: WorkloadInfo | undefined;
  private readonly client: TableStore.Client;
  private readonly env: NodeJS.ProcessEnv;
  private readonly tasks: Record<Destination, Task>;

  constructor(
    readonly opts: Options,
    readonly server: MariaDbServer,
    readonly conn: mysql.Connection,
    readonly standIn: TablestoreStandIn,
    keys: ReturnType<typeof newStandInKeys>,
  ) {
    this.client = new TableStore.Client({ endpoint: standIn.endpoint, instancename: standIn.instance, accessKeyId: keys.accessKeyId, secretAccessKey: keys.accessKeySecret });
    this.env = { ...process.env, FC_DTS_BENCH_PASSWORD: server.password, FC_DTS_BENCH_OTS_SECRET: keys.accessKeySecret };
    this.tasks = writeTasks(server, standIn, keys);
  }

  private async run(phase: Phase, d: Destination): Promise<RunResult> {
    return timedRun(phase, this.tasks[d], this.env, this.standIn);
  }

  /** 1. Full loads, MySQL then Tablestore; the destinations that loaded. */
  async fullLoads(): Promise<Set<Destination>> {
    for (const d of DESTINATIONS) {
      await settle(this.conn);
      const r = await this.run('full load', d);
      this.results.push(r);
      if (r.error) this.problems.push(`${d} full load failed`);
    }
    const loaded = new Set(DESTINATIONS.filter((d) => !find(this.results, 'full load', d)?.error));
    const afterFull = await countAll(this.conn, this.client, loaded.has('MySQL'), loaded.has('Tablestore'));
    for (const c of afterFull.filter((x) => !x.ok)) this.problems.push(`after the full load ${c.table} has ${c.mysql} (MySQL) / ${c.tablestore} (Tablestore) rows, the source ${c.source}`);
    log(`row counts after the full loads: ${afterFull.map((c) => `${c.table} ${c.ok ? 'OK' : 'MISMATCH'}`).join(', ')}`);
    return loaded;
  }

  /**
   * 2. Both readers to the binlog's end (untimed, nothing to apply): the MySQL task's full load
   * recorded a position before its own destination writes, so without this the two would read
   * different ranges. MySQL first: its start writes into this server's binlog, Tablestore's does not.
   */
  async alignReaders(loaded: Set<Destination>): Promise<void> {
    for (const d of ['MySQL', 'Tablestore'] as const) {
      if (!loaded.has(d)) continue;
      const r = await this.run('incremental', d);
      this.alignment.push(r);
      if (r.error) {
        this.problems.push(`${d} catch-up before the workload failed`);
        loaded.delete(d);
      }
    }
    const [am, at] = [this.alignment.find((x) => x.destination === 'MySQL'), this.alignment.find((x) => x.destination === 'Tablestore')];
    if (am?.resumesAt && at?.resumesAt && am.resumesAt !== at.resumesAt) {
      log(`note: before the workload the two readers resume at different positions (MySQL ${am.resumesAt}, Tablestore ${at.resumesAt}): their ranges differ by that much`);
    }
  }

  /**
   * 3. The workload, then the timed catch-ups: Tablestore first, since the MySQL run writes into this
   * server's binlog (its rows and watermarks) and would move the other run's end position.
   */
  async catchUps(loaded: Set<Destination>): Promise<void> {
    log(`writing ${fmtInt(this.opts.changes)} row changes ...`);
    const workload = await writeWorkload(this.server, new Workload(this.opts.rows), this.opts.changes);
    this.workload = workload;
    log(`workload: ${fmtInt(workload.rowChanges)} row changes in ${workload.seconds.toFixed(1)} s (${fmtInt(workload.rowChanges / workload.seconds)} rows/s), binlog ${workload.start} → ${workload.end}`);
    for (const d of ['Tablestore', 'MySQL'] as const) {
      if (!loaded.has(d)) continue;
      await settle(this.conn);
      const r = await this.run('incremental', d);
      this.results.push(r);
      if (r.error) this.problems.push(`${d} catch-up failed`);
      else if (r.reported !== undefined && r.reported !== workload.rowChanges) {
        log(`note: fc-dts → ${d} reports ${fmtInt(r.reported)} row changes applied, the workload wrote ${fmtInt(workload.rowChanges)}`);
      }
    }
    const [im, it] = [find(this.results, 'incremental', 'MySQL'), find(this.results, 'incremental', 'Tablestore')];
    if (im?.resumesAt && it?.resumesAt && im.resumesAt !== it.resumesAt) {
      // Expected: the MySQL copy lives on the source server, so its reader also meets (and skips) its own writes.
      log(`after the catch-ups: MySQL reader resumes at ${im.resumesAt}, Tablestore at ${it.resumesAt} (the workload ended at ${workload.end})`);
    }
  }

  /** 4. Correctness: row counts of both copies against the source, and the MySQL copy's checksums. */
  async check(): Promise<{ counts: TableCount[]; checksums: boolean | undefined }> {
    log('counting rows (source, MySQL copy, Tablestore: GetRange over each table) ...');
    const counts = await countAll(this.conn, this.client, true, true);
    for (const c of counts.filter((x) => !x.ok)) this.problems.push(`${c.table}: source ${c.source}, MySQL ${c.mysql ?? 'missing'}, Tablestore ${c.tablestore ?? 'missing'}`);
    const checksums = counts.find((c) => c.table === MAIN)?.mysql !== undefined ? await mysqlChecksumsMatch(this.conn) : undefined;
    if (checksums === false) this.problems.push('the MySQL copy differs from the source (CHECKSUM TABLE)');
    return { counts, checksums };
  }

  /** Results in a fixed order: full load MySQL, Tablestore; incremental MySQL, Tablestore. */
  sortedResults(): RunResult[] {
    return [...this.results].sort((a, b) => (a.phase === b.phase ? DESTINATIONS.indexOf(a.destination) - DESTINATIONS.indexOf(b.destination) : a.phase === 'full load' ? -1 : 1));
  }
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const fcDts = await fcDtsSource();

  rmSync(BENCH_DIR, { recursive: true, force: true });
  mkdirSync(BENCH_DIR, { recursive: true });
  const server = await startMariaDb({ dir: SERVER_DIR, port: SERVER_PORT }, log);
  log(`MariaDB at ${server.host}:${server.port} (user ${server.user}, data in ${SERVER_DIR})`);
  const conn = await adminConnection(server);
  const keys = newStandInKeys();
  const standIn = await startTablestoreStandIn({ ...keys, dir: STANDIN_DIR });
  log(`Tablestore stand-in at ${standIn.endpoint} (instance ${standIn.instance}, data in ${STANDIN_DIR})`);
  try {
    // The server is private to this benchmark: start from nothing, binlog included.
    for (const db of [SRC_DB, DST_DB, 'fc_dts']) await dropDatabase(conn, db);
    await conn.query('RESET MASTER');
    const data = await generateData(conn, opts.rows);
    const bench = new TablestoreBench(opts, server, conn, standIn, keys);
    const loaded = await bench.fullLoads();
    if (loaded.size > 0) {
      await bench.alignReaders(loaded);
      await bench.catchUps(loaded);
    }
    const { counts, checksums } = await bench.check();
    const rep: Report = {
      startedAt,
      options: opts,
      machine: await machine(conn, loadAverageAtStart, fcDts),
      data: { rows: { [MAIN]: opts.rows, [LINES]: linesRows(opts.rows) }, payloadBytesPerRow: data.payloadBytesPerRow, generateSeconds: data.seconds },
      ...(bench.workload ? { workload: bench.workload } : {}),
      alignment: bench.alignment,
      results: bench.sortedResults(),
      counts,
      ...(checksums !== undefined ? { mysqlChecksumsMatch: checksums } : {}),
      ok: bench.problems.length === 0,
    };
    process.stdout.write(report(rep));
    log(`results written to ${writeJson(rep)}`);
    if (bench.problems.length > 0) {
      log(`FAILED: ${bench.problems.join('; ')}`);
      return 1;
    }
    return 0;
  } finally {
    await tearDown(opts, conn, standIn);
  }
}

async function machine(conn: mysql.Connection, loadAverageAtStart: number[], fcDts: Report['machine']['fcDts']): Promise<Report['machine']> {
  return {
    ...(await machineInfo(conn, loadAverageAtStart)),
    tablestoreSdk: packageVersion('node_modules/tablestore'),
    mysql2: packageVersion('node_modules/mysql2'),
    fcDts,
  };
}

async function tearDown(opts: Options, conn: mysql.Connection, standIn: TablestoreStandIn): Promise<void> {
  await standIn.close().catch((e: Error) => log(`closing the stand-in: ${e.message}`));
  if (!opts.keep) {
    for (const db of [SRC_DB, DST_DB, 'fc_dts']) await dropDatabase(conn, db).catch(() => {});
    await conn.query('RESET MASTER').catch(() => {});
  }
  await conn.end().catch(() => {});
  if (!opts.keep) {
    rmSync(BENCH_DIR, { recursive: true, force: true });
    await stopMariaDb(SERVER_DIR);
    log('dropped the bench databases, removed .local/bench-tablestore and stopped the server (pass --keep to keep them)');
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  const err = e as { message?: string; fix?: string };
  process.stderr.write(`[bench] error: ${err.message ?? String(e)}${err.fix ? `\nfix: ${err.fix}` : ''}\n`);
  process.exitCode = 1;
}
