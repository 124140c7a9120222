/**
 * npm run bench:incremental -- [--changes N] [--writers W] [--seed-rows N] [--lag-seconds S] [--lag-rate R]
 *                              [--skip-durable] [--skip-native-lag] [--keep] [--pin] [--unique-key]
 *
 * Incremental-sync benchmark. A private source MariaDB gets 20 seeded tables, then an OLTP-shaped
 * workload (2-DML transactions, insert:update:delete = 3:1:2, ~1 KB rows) is written to it and kept
 * in its binlog. That stored binlog range is then applied, one tool at a time, to a second private
 * MariaDB holding the seeded tables: a native replica (single-threaded, then 4 optimistic parallel
 * threads), `mariadb-binlog | mariadb`, and fc-dts (`run --until caught-up`, after a `--until
 * full-done` made before the workload). Each apply is timed from start to the end position applied
 * and checked against the source (row counts and a content checksum per table). Finally the source is
 * driven at a steady rate (5,000 row changes/s) with fc-dts running continuously, and the destination
 * is polled to measure how long each inserted row takes to become visible there. Results print as a
 * table on stdout and go to .local/bench/incremental-<time>.json. See scripts/bench/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { serverPid, startMariaDb, stopMariaDb, type MariaDbServer } from '../lib/mariadb-server.ts';
import { cpuPerChange, startCpuMeter, type CpuUse } from './cpu-usage.ts';
import { seededRandom } from '../lib/seeded-random.ts';
import type { ResumePoint } from '../../shared/change/position.ts';
import { quoteIdent } from '../../shared/mysql/identifier.ts';
import {
  FC_DTS_BIN,
  RESULTS_DIR,
  ROOT,
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
  machineInfo,
  type CommandResult,
} from './lib.ts';

const SOURCE_DIR = join(ROOT, '.local/bench-inc-src');
const SOURCE_PORT = 3437;
const REPLICA_DIR = join(ROOT, '.local/bench-inc-replica');
const REPLICA_PORT = 3438;
/** Later mariadbd options win, so this overrides the harness's --server-id=1. */
const REPLICA_ARGS = ['--server-id=2', '--skip-slave-start'];

/** The source database, and the native replica's copy of it (same name on the replica server). */
const DB = 'bench_inc';
const DB_BINLOG = 'bench_binlog';
const DB_FCDTS = 'bench_fcdts';
const DB_FCDTS_DURABLE = 'bench_fcdts_durable';
const TABLE_COUNT = 20;
const TABLES: readonly string[] = Array.from({ length: TABLE_COUNT }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
const PARALLEL_THREADS = 4;
/** Transactions sent in one round trip (multi-statement) while the workload is written. */
const WRITE_BATCH_TXNS = 50;
const LAG_POLL_MS = 20;
/** How long the lag phase waits for the last rows to show up, and for a tool to catch up before it. */
const CATCH_UP_WAIT_MS = 180_000;
const FC_DTS_TIMEOUT_MS = 1_800_000;
const FC_DTS_RUN = 'fc-dts run --until caught-up';
const FC_DTS_PHASE = 'fc-dts incremental phase';
const NATIVE_SINGLE = 'native replica, single-threaded';

interface Options {
  readonly changes: number;
  readonly writers: number;
  readonly seedRows: number;
  readonly lagSeconds: number;
  readonly lagRate: number;
  readonly durable: boolean;
  readonly nativeLag: boolean;
  readonly keep: boolean;
  /** Each side on a core of its own, as on separate machines: the replica server on CPU 1, the source server and the apply tools on CPU 0. */
  readonly pin: boolean;
  /** Each table also gets a unique key beside its primary key: fc-dts applies such tables in binlog order from one bucket each. */
  readonly uniqueKey: boolean;
}

/** One timed apply of the stored binlog range (or a failure to make one). */
interface RunResult {
  readonly tool: string;
  /** 'relaxed' = innodb_flush_log_at_trx_commit=2, sync_binlog=0; 'durable' = 1 and 1 (on the replica server). */
  readonly durability: Durability;
  readonly seconds?: number;
  readonly error?: string;
  readonly note?: string;
  /** Tool output worth keeping (fc-dts), trimmed. */
  readonly output?: string;
  /** The machine's 1-minute load average when the timed part began (other processes move the figures). */
  readonly loadAverage1m?: number;
  /** CPU seconds of the timed part: the apply tool's processes, the destination server, the source server. */
  readonly cpu?: CpuUse;
}

type Durability = 'relaxed' | 'durable';

interface WorkloadInfo {
  readonly seedRows: number;
  readonly changes: number;
  readonly transactions: number;
  readonly inserts: number;
  readonly updates: number;
  readonly deletes: number;
  readonly writers: number;
  readonly writeSeconds: number;
  readonly start: ResumePoint;
  readonly end: ResumePoint;
  readonly binlogBytes: number;
  readonly avgRowBytes: number;
}

interface LagResult {
  readonly tool: string;
  readonly targetRate: number;
  readonly achievedRate?: number;
  readonly seconds?: number;
  /** Inserted rows whose visibility was measured (updates and deletes are written but not timed). */
  readonly rowsMeasured?: number;
  readonly rowsNeverSeen?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  readonly meanMs?: number;
  /** The worst lag of the rows written in each second of the drive (index 0 = the first second). */
  readonly maxMsPerSecond?: readonly number[];
  readonly error?: string;
  readonly output?: string;
}

interface VerifyResult {
  readonly seconds: number;
  readonly consistent: boolean;
  readonly exitCode: number;
  readonly output: string;
}

interface Bench {
  readonly opts: Options;
  readonly source: MariaDbServer;
  readonly replica: MariaDbServer;
  /** Admin connections. */
  readonly src: mysql.Connection;
  readonly dst: mysql.Connection;
  readonly workDir: string;
  /** Server pids, for the CPU each run costs them. */
  readonly pids: { readonly source: number; readonly destination: number };
}

// ---------------------------------------------------------------------------------------------
// options

const USAGE = `usage: npm run bench:incremental -- [options]
  --changes N        row changes in the stored binlog (1000000)
  --writers W        concurrent writer connections on the source (4)
  --seed-rows N      rows in the 20 tables before the workload (200000)
  --lag-seconds S    duration of the steady-rate lag test (30; 0 skips it)
  --lag-rate R       row changes/s during the lag test (5000)
  --skip-durable     skip the runs against a durable replica (flush_log_at_trx_commit=1, sync_binlog=1)
  --skip-native-lag  skip the native replica's lag baseline
  --keep             keep the servers running and the databases
  --pin              the replica server on CPU 1, the source server and the apply tools (fc-dts,
                     mariadb-binlog | mariadb) on CPU 0: each apply path gets the destination's core
                     to itself, as when the destination is a machine of its own
  --unique-key       every table also gets UNIQUE KEY (k, id) beside its primary key: it never
                     collides, but makes fc-dts apply each table in binlog order from one bucket
`;

function parseCount(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw.replace(/[,_]/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max} (got ${raw})`);
  return n;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      changes: { type: 'string', default: '1000000' },
      writers: { type: 'string', default: '4' },
      'seed-rows': { type: 'string', default: '200000' },
      'lag-seconds': { type: 'string', default: '30' },
      'lag-rate': { type: 'string', default: '5000' },
      'skip-durable': { type: 'boolean', default: false },
      'skip-native-lag': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      'unique-key': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  return {
    changes: parseCount('changes', values.changes, 6, 100_000_000),
    writers: parseCount('writers', values.writers, 1, TABLE_COUNT),
    seedRows: parseCount('seed-rows', values['seed-rows'], TABLE_COUNT, 100_000_000),
    lagSeconds: parseCount('lag-seconds', values['lag-seconds'], 0, 3600),
    lagRate: parseCount('lag-rate', values['lag-rate'], 10, 1_000_000),
    durable: !values['skip-durable'],
    nativeLag: !values['skip-native-lag'],
    keep: values.keep,
    pin: values.pin,
    uniqueKey: values['unique-key'],
  };
}

// ---------------------------------------------------------------------------------------------
// small helpers

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const secondsSince = (started: number): number => (performance.now() - started) / 1000;
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** 'YYYY-MM-DD HH:MM:SS[.ffffff]' (a UTC session's DATETIME) → microseconds since the epoch. */
function datetimeMicros(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new Error(`unexpected DATETIME text: ${text}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return ms * 1000 + Number((m[7] ?? '').padEnd(6, '0'));
}

const load1m = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

// ---------------------------------------------------------------------------------------------
// connections and binlog coordinates

/** A connection for the workload or the lag poller: UTC session (NOW(6) and SYSDATE(6) agree across servers), microseconds kept as text. */
async function sessionConnection(server: MariaDbServer, database: string): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
    charset: 'utf8mb4',
    multipleStatements: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  await conn.query("SET SESSION time_zone = '+00:00'");
  return conn;
}

async function masterStatus(conn: mysql.Connection): Promise<ResumePoint> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  const row = rows[0];
  if (!row) throw new Error('SHOW MASTER STATUS returned nothing: the binlog is off on the source');
  return { file: String(row.File), offset: Number(row.Position) };
}

function fileNumber(file: string): number {
  return Number(/\.(\d+)$/.exec(file)?.[1] ?? NaN);
}

function compareCoordinates(a: ResumePoint, b: ResumePoint): number {
  return fileNumber(a.file) - fileNumber(b.file) || a.offset - b.offset;
}

const formatCoordinates = (c: ResumePoint): string => `${c.file}:${c.offset}`;

/** The binlog files from `start.file` to `end.file`, with their sizes. */
async function binlogFiles(conn: mysql.Connection, start: ResumePoint, end: ResumePoint): Promise<{ name: string; size: number }[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  return rows
    .map((r) => ({ name: String(r.Log_name), size: Number(r.File_size) }))
    .filter((f) => fileNumber(f.name) >= fileNumber(start.file) && fileNumber(f.name) <= fileNumber(end.file));
}

/** Bytes of binlog between two coordinates. */
async function binlogBytes(conn: mysql.Connection, start: ResumePoint, end: ResumePoint): Promise<number> {
  let bytes = 0;
  for (const f of await binlogFiles(conn, start, end)) {
    const from = f.name === start.file ? start.offset : 0;
    const to = f.name === end.file ? end.offset : f.size;
    bytes += to - from;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// schema and seed

/** About 1 KB a row: numbers, a DATETIME(6) write time, an 80-byte VARCHAR and a 900-byte TEXT. */
function createTableSql(db: string, table: string, uniqueKey: boolean): string {
  return `CREATE TABLE ${quoteIdent(db)}.${quoteIdent(table)} (
  id BIGINT NOT NULL PRIMARY KEY,
  k INT NOT NULL,
  n BIGINT NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  written_at DATETIME(6) NOT NULL,
  c VARCHAR(128) NOT NULL,
  pad TEXT NOT NULL,
  ${uniqueKey ? 'UNIQUE KEY k_uniq (k, id)' : 'KEY k_idx (k)'}
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`;
}

const COLUMNS = 'id, k, n, amount, written_at, c, pad';
/** The payload columns are computed by the server from a number `r`, so statements stay short. */
const cExpr = (r: string): string => `CONCAT(SHA2(${r}, 256), '-', ${r})`;
const padExpr = (r: string): string => `CONCAT(${Array.from({ length: 7 }, (_, i) => `SHA2(${r} + ${i}, 512)`).join(', ')})`;

/** Creates `db` with the 20 tables and `seedRows` rows spread over them: deterministic, so every copy is identical. */
async function createSeededDatabase(conn: mysql.Connection, db: string, seedRows: number, uniqueKey: boolean): Promise<void> {
  await conn.query('SET SESSION sql_log_bin = 0');
  try {
    await dropDatabase(conn, db);
    await conn.query(`CREATE DATABASE ${quoteIdent(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    const perTable = seedRowsPerTable(seedRows);
    for (const [i, table] of TABLES.entries()) {
      await conn.query(createTableSql(db, table, uniqueKey));
      const r = `((seq * 2654435761 + ${i * 40503}) % 2147483647)`;
      await conn.query(
        `INSERT INTO ${quoteIdent(db)}.${quoteIdent(table)} (${COLUMNS})
         SELECT seq, ${r} % 1000000, ${r} * 7919, (${r} % 10000000) / 100,
                TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND, ${cExpr(r)}, ${padExpr(r)}
         FROM ${quoteIdent(db)}.seq_1_to_${perTable}`,
      );
    }
  } finally {
    await conn.query('SET SESSION sql_log_bin = 1');
  }
}

const seedRowsPerTable = (seedRows: number): number => Math.ceil(seedRows / TABLE_COUNT);

interface TableChecksum {
  readonly rows: number;
  readonly sum: string;
}

/** Row count and a content checksum (sum of CRC32 of every column) of each table. */
async function checksums(conn: mysql.Connection, db: string): Promise<Map<string, TableChecksum>> {
  const out = new Map<string, TableChecksum>();
  for (const table of TABLES) {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(CONCAT_WS('|', ${COLUMNS}))), 0) AS s FROM ${quoteIdent(db)}.${quoteIdent(table)}`,
    );
    out.set(table, { rows: Number(rows[0]?.n), sum: String(rows[0]?.s) });
  }
  return out;
}

/** Differences between the source's checksums and a copy's, as a message; undefined when they match. */
async function compareWithSource(bench: Bench, expected: Map<string, TableChecksum>, db: string): Promise<string | undefined> {
  let actual: Map<string, TableChecksum>;
  try {
    actual = await checksums(bench.dst, db);
  } catch (e) {
    return `could not read ${db} on the replica server: ${(e as Error).message}`;
  }
  const diffs: string[] = [];
  for (const [table, want] of expected) {
    const got = actual.get(table);
    if (got?.rows !== want.rows || got.sum !== want.sum) {
      diffs.push(`${table}: ${got?.rows ?? '?'} rows (source ${want.rows})${got?.rows === want.rows ? ', content differs' : ''}`);
    }
  }
  return diffs.length === 0 ? undefined : `${db} differs from the source in ${diffs.length} table(s): ${diffs.slice(0, 5).join('; ')}`;
}

// ---------------------------------------------------------------------------------------------
// workload

type Dml = 'insert' | 'update' | 'delete';
/** Every three transactions: 3 inserts, 1 update, 2 deletes. */
const TXN_PATTERN: readonly (readonly [Dml, Dml])[] = [
  ['insert', 'update'],
  ['insert', 'delete'],
  ['delete', 'insert'],
];

/** The live ids of one table. Ids inserted in the current phase are `young`; only `old` ones may be deleted in the lag phase. */
class TableIds {
  private old: number[];
  private young: number[] = [];
  private nextId: number;

  constructor(seedRows: number) {
    this.old = Array.from({ length: seedRows }, (_, i) => i + 1);
    this.nextId = seedRows + 1;
  }

  get next(): number {
    return this.nextId;
  }

  insert(): number {
    const id = this.nextId++;
    this.young.push(id);
    return id;
  }

  /** A random live id (old or young unless `oldOnly`). */
  pick(random: () => number, oldOnly: boolean): number {
    const [list, index] = this.choose(random, oldOnly);
    return list[index]!;
  }

  /** Removes and returns a random live id. */
  remove(random: () => number, oldOnly: boolean): number {
    const [list, index] = this.choose(random, oldOnly);
    const id = list[index]!;
    list[index] = list[list.length - 1]!;
    list.pop();
    return id;
  }

  /** Ends a phase: this phase's inserts become old. */
  age(): void {
    for (const id of this.young) this.old.push(id);
    this.young = [];
  }

  private choose(random: () => number, oldOnly: boolean): [number[], number] {
    const total = this.old.length + (oldOnly ? 0 : this.young.length);
    if (total === 0) throw new Error('no live row left to update or delete: raise --seed-rows');
    const i = Math.floor(random() * total);
    return i < this.old.length ? [this.old, i] : [this.young, i - this.old.length];
  }
}

interface Counts {
  insert: number;
  update: number;
  delete: number;
}

/** One writer connection's share of the workload: the tables it alone writes, and its transaction SQL. */
class Writer {
  private readonly random: () => number;
  private step = 0;
  readonly counts: Counts = { insert: 0, update: 0, delete: 0 };

  constructor(
    readonly index: number,
    private readonly tables: ReadonlyMap<string, TableIds>,
  ) {
    this.random = seededRandom(0x5eed + index);
  }

  /** `txns` transactions of 2 DML + COMMIT as one multi-statement string. */
  transactions(txns: number, lagPhase: boolean): string {
    const parts: string[] = [];
    for (let i = 0; i < txns; i++) {
      const [a, b] = TXN_PATTERN[this.step++ % TXN_PATTERN.length]!;
      parts.push('BEGIN', this.statement(a, lagPhase), this.statement(b, lagPhase), 'COMMIT');
    }
    return parts.join(';\n');
  }

  private statement(dml: Dml, lagPhase: boolean): string {
    const names = [...this.tables.keys()];
    const table = names[Math.floor(this.random() * names.length)]!;
    const ids = this.tables.get(table)!;
    const r = Math.floor(this.random() * 2_000_000_000);
    this.counts[dml]++;
    switch (dml) {
      case 'insert':
        return `INSERT INTO ${table} (${COLUMNS}) VALUES (${ids.insert()}, ${r % 1_000_000}, ${r * 7919}, ${((r % 10_000_000) / 100).toFixed(2)}, NOW(6), ${cExpr(String(r))}, ${padExpr(String(r))})`;
      case 'update':
        return `UPDATE ${table} SET k = ${r % 1_000_000}, n = n + 1, amount = ${((r % 10_000_000) / 100).toFixed(2)}, written_at = NOW(6), c = ${cExpr(String(r))} WHERE id = ${ids.pick(this.random, lagPhase)}`;
      case 'delete':
        return `DELETE FROM ${table} WHERE id = ${ids.remove(this.random, lagPhase)}`;
    }
  }
}

/** The workload's writers; table t is written only by writer (t mod W), so ids never conflict. */
class Workload {
  readonly ids: ReadonlyMap<string, TableIds>;
  readonly writers: readonly Writer[];

  constructor(writers: number, seedRows: number) {
    this.ids = new Map(TABLES.map((t) => [t, new TableIds(seedRowsPerTable(seedRows))]));
    this.writers = Array.from(
      { length: writers },
      (_, w) => new Writer(w, new Map([...this.ids].filter((_, i) => i % writers === w))),
    );
  }

  counts(): Counts {
    const c: Counts = { insert: 0, update: 0, delete: 0 };
    for (const w of this.writers) for (const k of ['insert', 'update', 'delete'] as const) c[k] += w.counts[k];
    return c;
  }

  age(): void {
    for (const ids of this.ids.values()) ids.age();
  }
}

/** Writes `changes` row changes as fast as the writers go (each writer: batches of transactions in one round trip). */
async function writeWorkload(bench: Bench, workload: Workload, changes: number): Promise<number> {
  const conns = await Promise.all(workload.writers.map(() => sessionConnection(bench.source, DB)));
  const started = performance.now();
  const totalTxns = Math.ceil(changes / 2);
  let doneTxns = 0;
  const progress = setInterval(() => {
    log(`workload: ${fmtInt(doneTxns * 2)} / ${fmtInt(totalTxns * 2)} row changes, ${fmtInt((doneTxns * 2) / secondsSince(started))} rows/s`);
  }, 10_000);
  try {
    await Promise.all(
      workload.writers.map(async (writer, w) => {
        let left = Math.floor(totalTxns / workload.writers.length) + (w < totalTxns % workload.writers.length ? 1 : 0);
        while (left > 0) {
          const n = Math.min(WRITE_BATCH_TXNS, left);
          await conns[w]!.query(writer.transactions(n, false));
          left -= n;
          doneTxns += n;
        }
      }),
    );
  } finally {
    clearInterval(progress);
    await Promise.all(conns.map((c) => c.end().catch(() => {})));
  }
  return secondsSince(started);
}

/**
 * Drives the source at `rate` row changes/s for `seconds`: every writer sends, every few ms, the
 * transactions due by then. Returns the rate achieved.
 */
async function drivePaced(bench: Bench, workload: Workload, rate: number, seconds: number): Promise<{ rows: number; seconds: number }> {
  const conns = await Promise.all(workload.writers.map(() => sessionConnection(bench.source, DB)));
  const started = performance.now();
  const perWriter = rate / workload.writers.length;
  let rows = 0;
  try {
    await Promise.all(
      workload.writers.map(async (writer, w) => {
        let sent = 0;
        for (;;) {
          const elapsed = secondsSince(started);
          if (elapsed >= seconds) break;
          const dueTxns = Math.floor((elapsed * perWriter) / 2) - sent;
          if (dueTxns < 1) {
            await sleep(2);
            continue;
          }
          const n = Math.min(dueTxns, WRITE_BATCH_TXNS);
          await conns[w]!.query(writer.transactions(n, true));
          sent += n;
          rows += n * 2;
        }
      }),
    );
  } finally {
    await Promise.all(conns.map((c) => c.end().catch(() => {})));
  }
  return { rows, seconds: secondsSince(started) };
}

// ---------------------------------------------------------------------------------------------
// replica server settings

async function setDurability(conn: mysql.Connection, durability: Durability): Promise<void> {
  const [flush, sync] = durability === 'durable' ? [1, 1] : [2, 0];
  await conn.query(`SET GLOBAL innodb_flush_log_at_trx_commit = ${flush}, sync_binlog = ${sync}`);
}

const DURABILITY_LABEL: Record<Durability, string> = {
  relaxed: 'flush_log_at_trx_commit=2, sync_binlog=0',
  durable: 'durable: flush_log_at_trx_commit=1, sync_binlog=1',
};

/** Clears the replica server's own binlogs (it logs what it applies: log_slave_updates=ON) so disk use stays bounded. */
async function resetReplicaBinlog(conn: mysql.Connection): Promise<void> {
  await conn.query('RESET MASTER');
}

async function stopReplication(conn: mysql.Connection): Promise<void> {
  await conn.query('STOP SLAVE');
  await conn.query('RESET SLAVE ALL');
}

// ---------------------------------------------------------------------------------------------
// native replica

interface SlaveStatus {
  readonly ioRunning: string;
  readonly sqlRunning: string;
  readonly executed: ResumePoint;
  readonly error: string;
}

async function slaveStatus(conn: mysql.Connection): Promise<SlaveStatus | undefined> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW SLAVE STATUS');
  const r = rows[0];
  if (!r) return undefined;
  return {
    ioRunning: String(r.Slave_IO_Running),
    sqlRunning: String(r.Slave_SQL_Running),
    executed: { file: String(r.Relay_Master_Log_File), offset: Number(r.Exec_Master_Log_Pos) },
    error: [r.Last_IO_Error, r.Last_SQL_Error].filter((e) => e).join(' / '),
  };
}

async function changeMaster(bench: Bench, from: ResumePoint): Promise<void> {
  const s = bench.source;
  await bench.dst.query(
    'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_LOG_FILE = ?, MASTER_LOG_POS = ?',
    [s.host, s.port, s.user, s.password, from.file, from.offset],
  );
}

/** Polls SHOW SLAVE STATUS until the replica has executed up to `end`; throws when replication stops with an error. */
async function waitForReplica(conn: mysql.Connection, end: ResumePoint, timeoutMs: number): Promise<void> {
  const started = performance.now();
  let lastLog = started;
  for (;;) {
    const st = await slaveStatus(conn);
    if (!st) throw new Error('SHOW SLAVE STATUS is empty');
    if (compareCoordinates(st.executed, end) >= 0) return;
    if (st.sqlRunning === 'No' || (st.ioRunning === 'No' && st.error)) throw new Error(`replication stopped: ${st.error || 'no error given'}`);
    if (performance.now() - started > timeoutMs) throw new Error(`not caught up after ${timeoutMs / 1000} s (at ${formatCoordinates(st.executed)})`);
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      log(`  replica at ${formatCoordinates(st.executed)} of ${formatCoordinates(end)} (${secondsSince(started).toFixed(0)} s)`);
    }
    await sleep(50);
  }
}

async function configureParallel(conn: mysql.Connection, threads: number): Promise<void> {
  await conn.query(`SET GLOBAL slave_parallel_threads = ${threads}, slave_parallel_mode = '${threads > 0 ? 'optimistic' : 'conservative'}'`);
}

/** Re-seeds bench_inc on the replica server, points a replica at `start`, and times START SLAVE → `end` executed. */
async function runNativeReplica(
  bench: Bench,
  range: { start: ResumePoint; end: ResumePoint },
  expected: Map<string, TableChecksum>,
  threads: number,
  durability: Durability,
): Promise<RunResult> {
  const tool = threads > 0 ? `native replica, ${threads} threads (optimistic)` : NATIVE_SINGLE;
  const dst = bench.dst;
  await stopReplication(dst);
  await createSeededDatabase(dst, DB, bench.opts.seedRows, bench.opts.uniqueKey);
  await resetReplicaBinlog(dst);
  await configureParallel(dst, threads);
  await setDurability(dst, durability);
  await settle(dst);
  await changeMaster(bench, range.start);
  log(`${tool} (${DURABILITY_LABEL[durability]}): START SLAVE from ${formatCoordinates(range.start)} to ${formatCoordinates(range.end)} ...`);
  const loadAverage1m = load1m();
  const started = performance.now();
  const cpuSince = startCpuMeter(bench.pids);
  try {
    await dst.query('START SLAVE');
    await waitForReplica(dst, range.end, 3_600_000);
  } catch (e) {
    await dst.query('STOP SLAVE').catch(() => {});
    return { tool, durability, error: (e as Error).message, loadAverage1m };
  }
  const seconds = secondsSince(started);
  const cpu = cpuSince();
  await dst.query('STOP SLAVE');
  log(`${tool}: ${seconds.toFixed(1)} s`);
  const error = await compareWithSource(bench, expected, DB);
  const note = threads > 0 ? `slave_parallel_threads=${threads}, slave_parallel_mode=optimistic` : 'slave_parallel_threads=0';
  return { tool, durability, seconds, ...(error ? { error } : {}), note, loadAverage1m, ...(cpu ? { cpu } : {}) };
}

// ---------------------------------------------------------------------------------------------
// mariadb-binlog | mariadb

/** Replays the source's binlog files over the range into bench_binlog on the replica server (--rewrite-db). */
async function runMariadbBinlog(bench: Bench, range: { start: ResumePoint; end: ResumePoint }, expected: Map<string, TableChecksum>): Promise<RunResult> {
  const tool = 'mariadb-binlog | mariadb';
  const durability: Durability = 'relaxed';
  await createSeededDatabase(bench.dst, DB_BINLOG, bench.opts.seedRows, bench.opts.uniqueKey);
  await resetReplicaBinlog(bench.dst);
  await setDurability(bench.dst, durability);
  await settle(bench.dst);
  const files = (await binlogFiles(bench.src, range.start, range.end)).map((f) => join(bench.source.dataDir, f.name));
  log(`${tool}: ${files.length} binlog file(s) from ${formatCoordinates(range.start)} to ${formatCoordinates(range.end)} → ${DB_BINLOG} ...`);
  const loadAverage1m = load1m();
  const cpuSince = startCpuMeter(bench.pids);
  const r = await runPipe(
    {
      cmd: 'mariadb-binlog',
      args: [`--start-position=${range.start.offset}`, `--stop-position=${range.end.offset}`, `--rewrite-db=${DB}->${DB_BINLOG}`, ...files],
    },
    { cmd: 'mariadb', args: [...clientArgs(bench.replica), '--default-character-set=utf8mb4'] },
    toolEnv(bench.replica),
  );
  const cpu = cpuSince();
  if (failed(r.producer) || failed(r.consumer)) {
    return {
      tool,
      durability,
      error: `mariadb-binlog ${describeExit(r.producer)}: ${tail(r.producer.stderr)}\nmariadb ${describeExit(r.consumer)}: ${tail(r.consumer.stderr + r.consumer.stdout)}`,
    };
  }
  log(`${tool}: ${r.seconds.toFixed(1)} s`);
  const error = await compareWithSource(bench, expected, DB_BINLOG);
  return { tool, durability, seconds: r.seconds, ...(error ? { error } : {}), note: 'local binlog files, --rewrite-db, one client', loadAverage1m, ...(cpu ? { cpu } : {}) };
}

// ---------------------------------------------------------------------------------------------
// fc-dts

interface FcDtsTask {
  readonly name: string;
  readonly destDb: string;
  readonly durability: Durability;
  readonly taskFile: string;
  readonly stateDir: string;
}

function taskYaml(bench: Bench, task: { name: string; destDb: string }): string {
  // Passwords are substituted by fc-dts from the environment, so they are never written to disk.
  const endpoint = (s: MariaDbServer, env: string) =>
    `{ type: mysql, host: "${s.host}", port: ${s.port}, user: "${s.user}", password: "\${${env}}" }`;
  return [
    `name: ${task.name}`,
    `source: ${endpoint(bench.source, 'FC_DTS_BENCH_SRC_PASSWORD')}`,
    `destination: ${endpoint(bench.replica, 'FC_DTS_BENCH_DST_PASSWORD')}`,
    'sync:',
    '  types: [schema, full, incremental]',
    'objects:',
    `  - { database: ${DB}, as: ${task.destDb} }`,
    '',
  ].join('\n');
}

function fcDtsEnv(bench: Bench): NodeJS.ProcessEnv {
  return { ...process.env, FC_DTS_BENCH_SRC_PASSWORD: bench.source.password, FC_DTS_BENCH_DST_PASSWORD: bench.replica.password };
}

function makeFcDtsTask(bench: Bench, name: string, destDb: string, durability: Durability): FcDtsTask {
  const dir = join(bench.workDir, name);
  mkdirSync(dir, { recursive: true });
  const taskFile = join(dir, 'task.yaml');
  writeFileSync(taskFile, taskYaml(bench, { name, destDb }));
  return { name, destDb, durability, taskFile, stateDir: join(dir, 'state') };
}

function fcDtsArgs(task: FcDtsTask, until?: 'full-done' | 'caught-up'): string[] {
  return [FC_DTS_BIN, 'run', '-c', task.taskFile, ...(until ? ['--until', until] : []), '--state', task.stateDir];
}

/** Runs a command with a time limit: SIGINT at the limit (fc-dts stops cleanly on it), SIGKILL 30 s later. */
async function runWithTimeout(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  const child = spawnCaptured(cmd, args, env, true);
  const timer = setTimeout(() => {
    log(`time limit of ${timeoutMs / 1000} s reached: SIGINT`);
    void stopChild(child, 30_000);
  }, timeoutMs);
  try {
    return await child.done;
  } finally {
    clearTimeout(timer);
  }
}

/** `fc-dts run --until full-done` before the workload: schema sync, full load of the seed, the binlog position recorded. */
async function fcDtsFullLoad(bench: Bench, task: FcDtsTask): Promise<string | undefined> {
  log(`fc-dts: run -c ${task.taskFile} --until full-done --state ${task.stateDir}`);
  const r = await runCommand(process.execPath, fcDtsArgs(task, 'full-done'), { env: fcDtsEnv(bench), echoStderr: true });
  if (failed(r)) return `fc-dts run --until full-done failed (${describeExit(r)}) after ${r.seconds.toFixed(1)} s:\n${(r.stdout + r.stderr).trim()}`;
  log(`fc-dts full-done in ${r.seconds.toFixed(1)} s`);
  return undefined;
}

/** `fc-dts run --until caught-up` after the workload, timed end to end; plus the apply phase as fc-dts prints it. */
async function fcDtsCatchUp(bench: Bench, task: FcDtsTask, expected: Map<string, TableChecksum>, fullLoadError: string | undefined): Promise<RunResult[]> {
  const tool = FC_DTS_RUN;
  const durability = task.durability;
  if (fullLoadError) return [{ tool, durability, error: fullLoadError }];
  await resetReplicaBinlog(bench.dst);
  await setDurability(bench.dst, durability);
  await settle(bench.dst);
  log(`fc-dts (${DURABILITY_LABEL[durability]}): run -c ${task.taskFile} --until caught-up --state ${task.stateDir}`);
  const loadAverage1m = load1m();
  const cpuSince = startCpuMeter(bench.pids);
  const r = await runWithTimeout(process.execPath, fcDtsArgs(task, 'caught-up'), fcDtsEnv(bench), FC_DTS_TIMEOUT_MS);
  const cpu = cpuSince();
  const output = (r.stdout + r.stderr).trim();
  if (failed(r)) return [{ tool, durability, error: `fc-dts run --until caught-up failed (${describeExit(r)}) after ${r.seconds.toFixed(1)} s:\n${output}`, output, loadAverage1m }];
  log(`fc-dts caught up in ${r.seconds.toFixed(1)} s`);
  const error = await compareWithSource(bench, expected, task.destDb);
  const run: RunResult = { tool, durability, seconds: r.seconds, ...(error ? { error } : {}), note: 'process start to exit', output: output.slice(-4000), loadAverage1m, ...(cpu ? { cpu } : {}) };
  // "incremental: 1,000,000 row changes applied in 21.3 s (46,948 rows/s); resumes at ..."
  const m = /incremental: ([\d,]+) row changes applied in ([\d.]+) s/.exec(r.stdout);
  if (!m) {
    log(`fc-dts printed no "incremental: ... applied in" line; its stdout was: ${r.stdout.trim()}`);
    return [run];
  }
  const phase: RunResult = { tool: FC_DTS_PHASE, durability, seconds: Number(m[2]), ...(error ? { error } : {}), note: `as printed by fc-dts (${m[1]} row changes)`, loadAverage1m };
  return [run, phase];
}

async function fcDtsVerify(bench: Bench, task: FcDtsTask): Promise<VerifyResult> {
  log(`fc-dts: verify -c ${task.taskFile}`);
  const v = await runCommand(process.execPath, [FC_DTS_BIN, 'verify', '-c', task.taskFile], { env: fcDtsEnv(bench) });
  return { seconds: v.seconds, consistent: v.code === 0, exitCode: v.code ?? -1, output: (v.stdout + v.stderr).trim() };
}

// ---------------------------------------------------------------------------------------------
// child processes that run alongside the benchmark

interface CapturedChild {
  readonly child: ChildProcess;
  readonly done: Promise<CommandResult>;
  exited: boolean;
}

function spawnCaptured(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, echoStderr: boolean): CapturedChild {
  const started = performance.now();
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (echoStderr) process.stderr.write(d);
  });
  const captured: CapturedChild = {
    child,
    exited: false,
    done: new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        captured.exited = true;
        resolve({ code, signal, stdout, stderr, seconds: secondsSince(started) });
      });
    }),
  };
  return captured;
}

/** SIGINT to this child (by its pid), SIGKILL if it has not exited after `graceMs`. */
async function stopChild(c: CapturedChild, graceMs: number): Promise<CommandResult> {
  if (!c.exited) c.child.kill('SIGINT');
  const timer = setTimeout(() => {
    if (!c.exited) c.child.kill('SIGKILL');
  }, graceMs);
  try {
    return await c.done;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// lag at a steady rate

/** Per table `SELECT COUNT(*), MAX(id)` as one string, to tell when a copy has caught up. */
async function shape(conn: mysql.Connection, db: string): Promise<string> {
  const sql = TABLES.map((t) => `SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS m FROM ${quoteIdent(db)}.${quoteIdent(t)}`).join(' UNION ALL ');
  const [rows] = await conn.query<mysql.RowDataPacket[]>(sql);
  return rows.map((r) => `${r.n}/${r.m}`).join(',');
}

/** Waits until every table of `db` on the replica server has the source's row count and largest id. */
async function waitForSameShape(bench: Bench, db: string, timeoutMs: number, alive: () => boolean): Promise<string | undefined> {
  const started = performance.now();
  const want = await shape(bench.src, DB);
  for (;;) {
    const got = await shape(bench.dst, db).catch(() => '');
    if (got === want) return undefined;
    if (!alive()) return 'the apply process exited';
    if (performance.now() - started > timeoutMs) return `${db} did not catch up with the source within ${timeoutMs / 1000} s`;
    await sleep(250);
  }
}

/**
 * Watches one copy for the rows inserted during the lag phase. Each poll is one query over the 20
 * tables for ids above the highest contiguously seen id; the lag of a row is SYSDATE(6) on the
 * destination when the poll first returns it (evaluated after the read view exists, so at or after
 * the row became visible) minus its written_at (NOW(6) on the source at its INSERT; both UTC, one clock).
 */
class LagPoller {
  private readonly watermark = new Map<string, number>();
  private readonly seenAbove = new Map<string, Set<number>>();
  /** [written_at in µs, lag in ms] of every inserted row seen. */
  readonly samples: [number, number][] = [];

  constructor(
    private readonly conn: mysql.Connection,
    private readonly db: string,
    workload: Workload,
  ) {
    for (const t of TABLES) {
      this.watermark.set(t, workload.ids.get(t)!.next - 1);
      this.seenAbove.set(t, new Set());
    }
  }

  async poll(): Promise<void> {
    const sql = TABLES.map(
      (t, i) => `SELECT ${i} AS ti, id, written_at, SYSDATE(6) AS seen FROM ${quoteIdent(this.db)}.${quoteIdent(t)} WHERE id > ${this.watermark.get(t)!}`,
    ).join(' UNION ALL ');
    const [rows] = await this.conn.query<mysql.RowDataPacket[]>(sql);
    for (const r of rows) this.record(TABLES[Number(r.ti)]!, Number(r.id), String(r.written_at), String(r.seen));
  }

  /** Inserted ids (above the phase's starting watermark) not seen yet. */
  unseen(workload: Workload, startNext: Map<string, number>): number {
    let n = 0;
    for (const t of TABLES) {
      const inserted = workload.ids.get(t)!.next - startNext.get(t)!;
      const seen = this.watermark.get(t)! - (startNext.get(t)! - 1) + this.seenAbove.get(t)!.size;
      n += inserted - seen;
    }
    return n;
  }

  private record(table: string, id: number, writtenAt: string, seen: string): void {
    const above = this.seenAbove.get(table)!;
    let w = this.watermark.get(table)!;
    // Rows past a gap come back on every poll until the gap fills; some fold into the watermark mid-result.
    if (id <= w || above.has(id)) return;
    above.add(id);
    const written = datetimeMicros(writtenAt);
    this.samples.push([written, (datetimeMicros(seen) - written) / 1000]);
    while (above.delete(w + 1)) w++;
    this.watermark.set(table, w);
  }
}

/** Drives the source at the lag rate while polling `db` on the replica server; returns the lag percentiles. */
async function measureLag(bench: Bench, workload: Workload, tool: string, db: string, alive: () => boolean): Promise<LagResult> {
  const { lagRate, lagSeconds } = bench.opts;
  workload.age();
  const startNext = new Map(TABLES.map((t) => [t, workload.ids.get(t)!.next]));
  const conn = await sessionConnection(bench.replica, db);
  const poller = new LagPoller(conn, db, workload);
  // 'drive': the writers run; 'drain': they stopped, poll until every inserted row is seen; 'stop': give up now.
  const state: { mode: 'drive' | 'drain' | 'stop' } = { mode: 'drive' };
  let drainedFrom = 0;
  let pollError: Error | undefined;
  const pollLoop = (async () => {
    while (state.mode !== 'stop') {
      const t0 = performance.now();
      await poller.poll();
      if (state.mode === 'drain') {
        drainedFrom ||= t0;
        if (poller.unseen(workload, startNext) === 0 || t0 - drainedFrom > CATCH_UP_WAIT_MS || !alive()) return;
      }
      await sleep(Math.max(0, LAG_POLL_MS - (performance.now() - t0)));
    }
  })().catch((e: Error) => {
    pollError = e;
  });
  try {
    log(`${tool}: driving the source at ${fmtInt(lagRate)} row changes/s for ${lagSeconds} s, polling ${db} every ${LAG_POLL_MS} ms ...`);
    const driven = await drivePaced(bench, workload, lagRate, lagSeconds);
    state.mode = 'drain';
    await pollLoop;
    if (pollError) throw pollError;
    return lagResult(tool, lagRate, driven, poller.samples, poller.unseen(workload, startNext), db);
  } finally {
    state.mode = 'stop';
    await pollLoop;
    await conn.end().catch(() => {});
  }
}

/** The worst lag per second of write time, from the first row written. */
function maxPerSecond(samples: readonly (readonly [number, number])[]): number[] {
  const first = samples.reduce((min, [w]) => Math.min(min, w), Infinity);
  const out: number[] = [];
  for (const [written, lag] of samples) {
    const s = Math.floor((written - first) / 1e6);
    out[s] = Math.max(out[s] ?? 0, lag);
  }
  return Array.from(out, (x) => Math.round(x ?? 0));
}

function lagResult(tool: string, targetRate: number, driven: { rows: number; seconds: number }, samples: readonly (readonly [number, number])[], neverSeen: number, db: string): LagResult {
  const sorted = samples.map(([, lag]) => lag).sort((a, b) => a - b);
  const result: LagResult = {
    tool,
    targetRate,
    achievedRate: driven.rows / driven.seconds,
    seconds: driven.seconds,
    rowsMeasured: sorted.length,
    rowsNeverSeen: neverSeen,
    ...(sorted.length > 0
      ? {
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          maxMs: sorted[sorted.length - 1]!,
          meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
          maxMsPerSecond: maxPerSecond(samples),
        }
      : {}),
    ...(neverSeen > 0 ? { error: `${fmtInt(neverSeen)} inserted rows never became visible in ${db} (waited ${CATCH_UP_WAIT_MS / 1000} s)` } : {}),
    ...(neverSeen < 0 ? { error: `the poller counted ${fmtInt(-neverSeen)} more rows than were inserted (a bug in this benchmark)` } : {}),
  };
  log(`${tool}: source at ${fmtInt(result.achievedRate ?? 0)} rows/s; lag p50 ${ms(result.p50Ms)} ms, p99 ${ms(result.p99Ms)} ms, max ${ms(result.maxMs)} ms over ${fmtInt(sorted.length)} inserted rows`);
  return result;
}

/** fc-dts running continuously (`run` without --until) while the source is driven at the lag rate; SIGINT at the end. */
async function fcDtsLag(bench: Bench, workload: Workload, task: FcDtsTask): Promise<LagResult> {
  const tool = 'fc-dts run (continuous)';
  await setDurability(bench.dst, task.durability);
  log(`fc-dts: run -c ${task.taskFile} --state ${task.stateDir} (continuous, stopped with SIGINT at the end)`);
  const spawnedAt = Date.now();
  const child = spawnCaptured(process.execPath, fcDtsArgs(task), fcDtsEnv(bench), true);
  const alive = () => !child.exited;
  let lag: LagResult | undefined;
  let problem: string | undefined;
  try {
    // The destination already matches the source (the catch-up run before): wait until this process
    // is reading the binlog too, or its start-up (seconds) would be counted as lag.
    problem = (await waitForIncrementalRunning(task.stateDir, spawnedAt, CATCH_UP_WAIT_MS, alive)) ?? (await waitForSameShape(bench, task.destDb, CATCH_UP_WAIT_MS, alive));
    if (problem) problem = `before the lag test: ${problem}`;
    else {
      lag = await measureLag(bench, workload, tool, task.destDb, alive);
      const after = (await waitForSameShape(bench, task.destDb, CATCH_UP_WAIT_MS, alive)) ?? (await compareWithSource(bench, await checksums(bench.src, DB), task.destDb));
      if (after) problem = `after the lag test: ${after}`;
    }
  } catch (e) {
    problem = (e as Error).message;
  }
  const exit = await stopChild(child, 30_000);
  const output = (exit.stdout + exit.stderr).trim();
  if (problem) problem += `\nfc-dts ${describeExit(exit)}, its output:\n${output}`;
  return { ...(lag ?? { tool, targetRate: bench.opts.lagRate }), ...(problem && !lag?.error ? { error: problem } : {}), output: output.slice(-4000) };
}

/** Waits until fc-dts's state shows incremental sync running (a status written after `since`); a problem, or undefined. */
async function waitForIncrementalRunning(stateDir: string, since: number, timeoutMs: number, alive: () => boolean): Promise<string | undefined> {
  const file = join(stateDir, 'task-state.json');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) return 'fc-dts exited before incremental sync started';
    if (existsSync(file)) {
      try {
        const state = JSON.parse(readFileSync(file, 'utf8')) as { incremental?: { updatedAt?: string } };
        const at = state.incremental?.updatedAt ? Date.parse(state.incremental.updatedAt) : 0;
        if (at > since) return undefined;
      } catch {
        // replaced while read: try again
      }
    }
    await sleep(50);
  }
  return `incremental sync did not start within ${timeoutMs / 1000} s`;
}

/** The same lag test with the native single-threaded replica applying into bench_inc (a baseline). */
async function nativeLag(bench: Bench, workload: Workload, resumeFrom: ResumePoint): Promise<LagResult> {
  const tool = NATIVE_SINGLE;
  const dst = bench.dst;
  await dst.query('STOP SLAVE');
  await configureParallel(dst, 0);
  await setDurability(dst, 'relaxed');
  await changeMaster(bench, resumeFrom);
  await dst.query('START SLAVE');
  const alive = () => true;
  try {
    const notReady = await waitForSameShape(bench, DB, CATCH_UP_WAIT_MS, alive);
    if (notReady) return { tool, targetRate: bench.opts.lagRate, error: `before the lag test: ${notReady}; ${(await slaveStatus(dst))?.error ?? ''}` };
    const lag = await measureLag(bench, workload, tool, DB, alive);
    const behind = await waitForSameShape(bench, DB, CATCH_UP_WAIT_MS, alive);
    const mismatch = behind ?? (await compareWithSource(bench, await checksums(bench.src, DB), DB));
    return { ...lag, ...(mismatch && !lag.error ? { error: `after the lag test: ${mismatch}` } : {}) };
  } finally {
    await dst.query('STOP SLAVE').catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// report

interface Targets {
  readonly catchUpVsNativeSingle?: { ratio: number; target: number; met: boolean };
  readonly catchUpRowsPerSecond?: { value: number; target: number; met: boolean };
  readonly lagP99Ms?: { value: number; target: number; met: boolean };
}

interface Report {
  readonly startedAt: string;
  readonly options: Options;
  readonly machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    server: string;
    mariadbBinlog: string;
    loadAverageAtStart: number[];
    sourceSettings: Record<string, string>;
    /** fc-dts's code at the start of the run: shared/ and bin/ are loaded from the work tree at each fc-dts start. */
    fcDts: { commit: string; uncommittedFiles: number };
  };
  readonly workload: WorkloadInfo;
  readonly results: readonly RunResult[];
  readonly lag: readonly LagResult[];
  readonly fcDtsVerify?: VerifyResult;
  readonly targets: Targets;
}

const TARGET_VS_NATIVE = 2;
const TARGET_ROWS_PER_SECOND = 34_000;
const TARGET_P99_MS = 1000;

function rowsPerSecond(r: RunResult, rows: number): number | undefined {
  return r.seconds && !r.error ? rows / r.seconds : undefined;
}

const isFcDts = (r: RunResult): boolean => r.tool.startsWith('fc-dts');

const fcDtsResult = (results: readonly RunResult[], tool: string, durability: Durability): RunResult | undefined =>
  results.find((r) => r.tool === tool && r.durability === durability);

/** fc-dts speed ÷ the tool's speed = the tool's seconds ÷ fc-dts seconds, at the same replica durability (2.00x: fc-dts twice as fast). */
function ratio(results: readonly RunResult[], fcTool: string, other: RunResult): number | undefined {
  const fc = fcDtsResult(results, fcTool, other.durability);
  if (!fc?.seconds || fc.error || !other.seconds || other.error || isFcDts(other)) return undefined;
  return other.seconds / fc.seconds;
}

function targets(rep: Pick<Report, 'results' | 'lag' | 'workload'>): Targets {
  const fc = fcDtsResult(rep.results, FC_DTS_RUN, 'relaxed');
  const native = rep.results.find((r) => r.tool === NATIVE_SINGLE && r.durability === 'relaxed');
  const fcRate = fc ? rowsPerSecond(fc, rep.workload.changes) : undefined;
  const vsNative = native ? ratio(rep.results, FC_DTS_RUN, native) : undefined;
  const fcLag = rep.lag.find((l) => l.tool.startsWith('fc-dts'));
  return {
    ...(vsNative !== undefined ? { catchUpVsNativeSingle: { ratio: vsNative, target: TARGET_VS_NATIVE, met: vsNative >= TARGET_VS_NATIVE } } : {}),
    ...(fcRate !== undefined ? { catchUpRowsPerSecond: { value: fcRate, target: TARGET_ROWS_PER_SECOND, met: fcRate >= TARGET_ROWS_PER_SECOND } } : {}),
    ...(fcLag?.p99Ms !== undefined && !fcLag.error ? { lagP99Ms: { value: fcLag.p99Ms, target: TARGET_P99_MS, met: fcLag.p99Ms < TARGET_P99_MS } } : {}),
  };
}

function table(header: readonly string[], right: readonly boolean[], body: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [pad(header, widths, right), pad(widths.map((w) => '-'.repeat(w)), widths, right), ...body.map((b) => pad(b, widths, right))];
}

const firstLine = (s: string): string => s.split('\n')[0]!;
const verdict = (met: boolean | undefined): string => (met === undefined ? 'n/a (no fc-dts figure)' : met ? 'met' : 'NOT met');
const ms = (x: number | undefined): string => (x === undefined ? '' : fmtInt(x));

function report(rep: Report): string {
  const w = rep.workload;
  const lines = [
    '',
    `Incremental apply of ${fmtInt(w.changes)} row changes (${fmtInt(w.transactions)} transactions of 2 DML: ${fmtInt(w.inserts)} inserts, ${fmtInt(w.updates)} updates, ${fmtInt(w.deletes)} deletes) over ${TABLE_COUNT} tables, ~${w.avgRowBytes} bytes a row`,
    `binlog ${formatCoordinates(w.start)} → ${formatCoordinates(w.end)}: ${(w.binlogBytes / (1 << 20)).toFixed(0)} MiB; written to the source by ${w.writers} connections in ${w.writeSeconds.toFixed(1)} s (${fmtInt(w.changes / w.writeSeconds)} rows/s)`,
    `${rep.machine.server}, source and replica servers on one machine (${rep.machine.cpus} CPUs, load average at start ${rep.machine.loadAverageAtStart.join(' ')}); replica binlog on, log_slave_updates=ON`,
    ...(rep.options.uniqueKey ? ['--unique-key: every table has UNIQUE KEY (k, id) beside its primary key (fc-dts applies each table in binlog order from one bucket)'] : []),
    ...(rep.options.pin ? ['--pin: the replica server alone on CPU 1; the source server, the benchmark and the apply tools (fc-dts, mariadb-binlog | mariadb) on CPU 0'] : []),
    `fc-dts from commit ${rep.machine.fcDts.commit}${rep.machine.fcDts.uncommittedFiles > 0 ? ` + ${rep.machine.fcDts.uncommittedFiles} uncommitted file(s) in shared/ and bin/` : ''} at the start of the run`,
    '',
  ];
  const body = rep.results.map((r) => {
    const rps = rowsPerSecond(r, w.changes);
    return [
      r.tool,
      r.durability === 'durable' ? 'flush=1, sync_binlog=1' : 'flush=2, sync_binlog=0',
      r.error ? 'FAILED' : (r.seconds?.toFixed(2) ?? ''),
      rps ? fmtInt(rps) : '',
      formatRatio(ratio(rep.results, FC_DTS_RUN, r)),
      formatRatio(ratio(rep.results, FC_DTS_PHASE, r)),
      r.loadAverage1m?.toFixed(2) ?? '',
      r.error ? firstLine(r.error) : (r.note ?? ''),
    ];
  });
  const header = ['tool', 'replica durability', 'seconds', 'rows/s', 'fc-dts run speed ÷ tool', 'fc-dts phase speed ÷ tool', 'load', 'detail'];
  lines.push(...table(header, [false, false, true, true, true, true, true, false], body));
  lines.push('', '"fc-dts ... speed ÷ tool" = fc-dts rows/s ÷ that tool\'s rows/s at the same replica durability: above 1.00x fc-dts is faster (2.00x: twice as fast).',
    '"load" = the machine\'s 1-minute load average when the run began (2 CPUs: above ~2, other work competes for them).');
  const cpuRows = rep.results.filter((r) => r.cpu && !r.error);
  if (cpuRows.length > 0) {
    lines.push('', `CPU per row change (µs) in the timed part, from /proc; "CPU-bound rate" = ${rep.machine.cpus} cores ÷ the total: no tool with that cost can go faster on this machine`, '');
    const cpuBody = cpuRows.map((r) => {
      const c = cpuPerChange(r.cpu!, w.changes);
      return [`${r.tool} (${DURABILITY_LABEL[r.durability]})`, c.applyProcesses.toFixed(1), c.destinationServer.toFixed(1), c.sourceServer.toFixed(1), c.total.toFixed(1), fmtInt(c.cpuBoundRowsPerSecond)];
    });
    lines.push(...table(['tool', 'apply process(es)', 'destination server', 'source server', 'total', 'CPU-bound rate'], [false, true, true, true, true, true], cpuBody));
  }
  if (rep.fcDtsVerify) {
    const v = rep.fcDtsVerify;
    lines.push(`fc-dts verify: ${v.consistent ? 'consistent' : `NOT consistent (exit code ${v.exitCode})`} in ${v.seconds.toFixed(2)} s`);
    if (!v.consistent) lines.push(v.output);
  }
  if (rep.lag.length > 0) {
    lines.push('', `Lag at a steady ${fmtInt(rep.options.lagRate)} row changes/s for ${rep.options.lagSeconds} s (inserted rows: destination SYSDATE(6) when first polled − source NOW(6) at the INSERT; polled every ${LAG_POLL_MS} ms)`, '');
    const lagBody = rep.lag.map((l) => [
      l.tool,
      l.achievedRate ? fmtInt(l.achievedRate) : '',
      l.rowsMeasured !== undefined ? fmtInt(l.rowsMeasured) : '',
      ms(l.p50Ms),
      ms(l.p99Ms),
      ms(l.maxMs),
      l.error ? `FAILED: ${firstLine(l.error)}` : '',
    ]);
    lines.push(...table(['tool', 'source rows/s', 'rows timed', 'p50 ms', 'p99 ms', 'max ms', ''], [false, true, true, true, true, true, false], lagBody));
  }
  const t = rep.targets;
  lines.push(
    '',
    'Targets:',
    `  fc-dts catch-up ≥ ${TARGET_VS_NATIVE}.00x the native single-threaded replica (flush=2): ${t.catchUpVsNativeSingle ? `${formatRatio(t.catchUpVsNativeSingle.ratio)} — ` : ''}${verdict(t.catchUpVsNativeSingle?.met)}`,
    `  fc-dts catch-up ≥ ${fmtInt(TARGET_ROWS_PER_SECOND)} rows/s: ${t.catchUpRowsPerSecond ? `${fmtInt(t.catchUpRowsPerSecond.value)} — ` : ''}${verdict(t.catchUpRowsPerSecond?.met)}`,
    `  fc-dts p99 lag < ${fmtInt(TARGET_P99_MS)} ms at ${fmtInt(rep.options.lagRate)} rows/s: ${t.lagP99Ms ? `${fmtInt(t.lagP99Ms.value)} ms — ` : ''}${verdict(t.lagP99Ms?.met)}`,
  );
  for (const r of rep.results.filter((x) => x.error)) lines.push('', `${r.tool} (${DURABILITY_LABEL[r.durability]}) FAILED:`, r.error!);
  for (const l of rep.lag.filter((x) => x.error)) lines.push('', `lag test, ${l.tool} FAILED:`, l.error!);
  return lines.join('\n') + '\n';
}

function writeJson(rep: Report): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `incremental-${rep.startedAt.replace(/[:.]/g, '-')}.json`);
  const results = rep.results.map((r) => ({
    ...r,
    rowsPerSecond: rowsPerSecond(r, rep.workload.changes),
    ...(isFcDts(r) ? {} : { fcDtsRunSpeedRatio: ratio(rep.results, FC_DTS_RUN, r), fcDtsPhaseSpeedRatio: ratio(rep.results, FC_DTS_PHASE, r) }),
  }));
  writeFileSync(file, JSON.stringify({ ...rep, results }, null, 2) + '\n');
  return file;
}

// ---------------------------------------------------------------------------------------------
// main

async function startServers(): Promise<{ source: MariaDbServer; replica: MariaDbServer }> {
  const source = await startMariaDb({ dir: SOURCE_DIR, port: SOURCE_PORT }, log);
  const replica = await startMariaDb({ dir: REPLICA_DIR, port: REPLICA_PORT, extraArgs: REPLICA_ARGS }, log);
  log(`source MariaDB at ${source.host}:${source.port}, replica server at ${replica.host}:${replica.port} (user ${source.user})`);
  return { source, replica };
}

/**
 * --pin: CPU affinity of every thread of each server (threads created later inherit it) and of this
 * process, whose children (fc-dts, mariadb-binlog, the mariadb client) inherit it in turn.
 */
async function pinCores(sourcePid: number, replicaPid: number): Promise<void> {
  if (cpus().length < 2) throw new Error('--pin needs 2 CPUs');
  for (const [pid, cpu] of [[replicaPid, 1], [sourcePid, 0], [process.pid, 0]] as const) {
    const r = await runCommand('taskset', ['-a', '-p', '-c', String(cpu), String(pid)]);
    if (failed(r)) throw new Error(`taskset -a -p -c ${cpu} ${pid}: ${describeExit(r)} ${r.stderr.trim()}`);
  }
  log('pinned: replica server on CPU 1; source server, this benchmark and the apply tools on CPU 0');
}

/** Both servers are private to this benchmark: everything but the system schemas is dropped, binlogs and replication reset. */
async function resetServers(src: mysql.Connection, dst: mysql.Connection): Promise<void> {
  const serverId = Number(await scalar(dst, 'SELECT @@server_id'));
  if (serverId === 1) throw new Error(`the replica server in ${REPLICA_DIR} runs with server_id=1 (started without ${REPLICA_ARGS[0]}?): stop it with npm run mariadb -- stop --dir ${REPLICA_DIR}`);
  await stopReplication(dst);
  for (const conn of [src, dst]) {
    const [dbs] = await conn.query<mysql.RowDataPacket[]>('SHOW DATABASES');
    for (const row of dbs) {
      const name = String(Object.values(row)[0]);
      if (!['mysql', 'information_schema', 'performance_schema', 'sys'].includes(name)) await dropDatabase(conn, name);
    }
    await conn.query('RESET MASTER');
    await setDurability(conn, 'relaxed');
  }
}

/** The commit fc-dts runs from, and how many files under shared/ and bin/ differ from it (fc-dts loads them at each start). */
async function fcDtsSource(): Promise<{ commit: string; uncommittedFiles: number }> {
  const head = await runCommand('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const status = await runCommand('git', ['-C', ROOT, 'status', '--porcelain', '--', 'shared', 'bin']);
  return {
    commit: failed(head) ? 'unknown' : head.stdout.trim(),
    uncommittedFiles: failed(status) ? -1 : status.stdout.split('\n').filter((l) => l.trim() !== '').length,
  };
}

async function serverSettings(conn: mysql.Connection): Promise<Record<string, string>> {
  const names = ['innodb_flush_log_at_trx_commit', 'sync_binlog', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'binlog_annotate_row_events', 'innodb_buffer_pool_size'];
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT ${names.map((n) => `@@GLOBAL.${n} AS ${n}`).join(', ')}`);
  return Object.fromEntries(names.map((n) => [n, String(rows[0]?.[n])]));
}

async function avgRowBytes(conn: mysql.Connection): Promise<number> {
  return Math.round(Number(await scalar(conn, `SELECT AVG(8 + 4 + 8 + 6 + 8 + LENGTH(c) + LENGTH(pad)) FROM ${quoteIdent(DB)}.t01`)));
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const fcDtsAtStart = await fcDtsSource();
  const { source, replica } = await startServers();
  const src = await adminConnection(source);
  const dst = await adminConnection(replica);
  const pids = { source: serverPid(SOURCE_DIR), destination: serverPid(REPLICA_DIR) };
  if (!pids.source || !pids.destination) throw new Error(`no pid file for the servers in ${SOURCE_DIR} and ${REPLICA_DIR}`);
  if (opts.pin) await pinCores(pids.source, pids.destination);
  const bench: Bench = {
    opts, source, replica, src, dst, workDir: mkdtempSync(join(tmpdir(), 'fc-dts-bench-inc-')),
    pids: { source: pids.source, destination: pids.destination },
  };
  try {
    await resetServers(src, dst);
    log(`seeding ${DB} on the source: ${TABLE_COUNT} tables, ${fmtInt(seedRowsPerTable(opts.seedRows) * TABLE_COUNT)} rows ...`);
    await createSeededDatabase(src, DB, opts.seedRows, opts.uniqueKey);
    const seedEnd = await masterStatus(src);

    // fc-dts copies the seed and records the binlog position before the workload exists.
    const fcTask = makeFcDtsTask(bench, 'bench-incremental', DB_FCDTS, 'relaxed');
    const fcDurable = opts.durable ? makeFcDtsTask(bench, 'bench-incremental-durable', DB_FCDTS_DURABLE, 'durable') : undefined;
    const fcFullLoadError = await fcDtsFullLoad(bench, fcTask);
    const fcDurableFullLoadError = fcDurable ? await fcDtsFullLoad(bench, fcDurable) : undefined;
    const start = await masterStatus(src);
    if (compareCoordinates(start, seedEnd) !== 0) log(`note: the source binlog moved during fc-dts's full load (${formatCoordinates(seedEnd)} → ${formatCoordinates(start)}); the native tools start at ${formatCoordinates(start)}`);

    const workload = new Workload(opts.writers, opts.seedRows);
    const workloadInfo = await writeMeasuredWorkload(bench, workload, start);
    const expected = await checksums(src, DB);
    await settle(src);
    const range = { start, end: workloadInfo.end };

    const results: RunResult[] = [];
    results.push(...(await catchUps(bench, range, expected, 'relaxed', { task: fcTask, fullLoadError: fcFullLoadError })));
    const fcVerify = fcFullLoadError ? undefined : await fcDtsVerify(bench, fcTask);
    if (opts.durable && fcDurable) results.push(...(await catchUps(bench, range, expected, 'durable', { task: fcDurable, fullLoadError: fcDurableFullLoadError })));
    await setDurability(dst, 'relaxed');

    const lag: LagResult[] = [];
    if (opts.lagSeconds > 0) {
      lag.push(await fcDtsLag(bench, workload, fcTask));
      if (opts.nativeLag) lag.push(await nativeLag(bench, workload, workloadInfo.end));
    }

    const rep: Report = {
      startedAt,
      options: opts,
      machine: await machine(src, loadAverageAtStart, fcDtsAtStart),
      workload: workloadInfo,
      results,
      lag,
      ...(fcVerify ? { fcDtsVerify: fcVerify } : {}),
      targets: targets({ results, lag, workload: workloadInfo }),
    };
    process.stdout.write(report(rep));
    log(`results written to ${writeJson(rep)}`);
    const bad = results.some((r) => r.error) || lag.some((l) => l.error) || (fcVerify !== undefined && !fcVerify.consistent);
    if (bad) log('FAILED: see the errors above');
    return bad ? 1 : 0;
  } finally {
    await cleanUp(bench);
  }
}

/** Writes the workload from `start` and describes it (counts, time, binlog range and bytes). */
async function writeMeasuredWorkload(bench: Bench, workload: Workload, start: ResumePoint): Promise<WorkloadInfo> {
  const { opts, src } = bench;
  log(`writing ${fmtInt(opts.changes)} row changes with ${opts.writers} connections from ${formatCoordinates(start)} ...`);
  const writeSeconds = await writeWorkload(bench, workload, opts.changes);
  const end = await masterStatus(src);
  const counts = workload.counts();
  const changes = counts.insert + counts.update + counts.delete;
  log(`workload written in ${writeSeconds.toFixed(1)} s (${fmtInt(changes / writeSeconds)} rows/s), binlog now at ${formatCoordinates(end)}`);
  return {
    seedRows: seedRowsPerTable(opts.seedRows) * TABLE_COUNT,
    changes,
    transactions: changes / 2,
    inserts: counts.insert,
    updates: counts.update,
    deletes: counts.delete,
    writers: opts.writers,
    writeSeconds,
    start,
    end,
    binlogBytes: await binlogBytes(src, start, end),
    avgRowBytes: await avgRowBytes(src),
  };
}

/** The same range applied by every tool at one durability: the native replica (1 and N threads), `mariadb-binlog | mariadb` (relaxed only), and fc-dts. */
async function catchUps(
  bench: Bench,
  range: { start: ResumePoint; end: ResumePoint },
  expected: Awaited<ReturnType<typeof checksums>>,
  durability: 'relaxed' | 'durable',
  fc: { task: Parameters<typeof fcDtsCatchUp>[1]; fullLoadError: Parameters<typeof fcDtsCatchUp>[3] },
): Promise<RunResult[]> {
  const results: RunResult[] = [];
  results.push(await runNativeReplica(bench, range, expected, 0, durability));
  results.push(await runNativeReplica(bench, range, expected, PARALLEL_THREADS, durability));
  if (durability === 'relaxed') results.push(await runMariadbBinlog(bench, range, expected));
  results.push(...(await fcDtsCatchUp(bench, fc.task, expected, fc.fullLoadError)));
  return results;
}

async function machine(src: mysql.Connection, loadAverageAtStart: number[], fcDts: Report['machine']['fcDts']): Promise<Report['machine']> {
  return {
    ...(await machineInfo(src, loadAverageAtStart)),
    mariadbBinlog: await toolVersion('mariadb-binlog'),
    sourceSettings: await serverSettings(src),
    fcDts,
  };
}

/** Without --keep: drops the bench databases, clears the binlogs and stops both servers. */
async function cleanUp(bench: Bench): Promise<void> {
  rmSync(bench.workDir, { recursive: true, force: true });
  if (!bench.opts.keep) {
    await resetServers(bench.src, bench.dst).catch((e: Error) => log(`cleaning up: ${e.message}`));
  }
  await bench.src.end().catch(() => {});
  await bench.dst.end().catch(() => {});
  if (!bench.opts.keep) {
    await stopMariaDb(SOURCE_DIR);
    await stopMariaDb(REPLICA_DIR);
    log('dropped the bench databases and stopped both servers (pass --keep to keep them)');
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  const err = e as { message?: string; fix?: string };
  process.stderr.write(`[bench] error: ${err.message ?? String(e)}${err.fix ? `\nfix: ${err.fix}` : ''}\n`);
  process.exitCode = 1;
}
