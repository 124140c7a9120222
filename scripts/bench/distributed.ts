/**
 * npm run bench:distributed -- [--changes N] [--lag-seconds S] [--lag-rate R] [--apply-workers N]
 *
 * The serverless shape's overhead: the same stored binlog applied by standalone `fc-dts run` and by
 * the local distributed shape (stand-ins, binlog reader container, apply-changes instances —
 * scripts/lib/local-deployment.ts), then the end-to-end lag of each at a steady rate. Workload: 10
 * tables with primary keys, rows of ~500 bytes, 2-DML transactions, insert:update:delete = 3:1:2.
 * Prints both, and the ratio distributed ÷ standalone. Results go to .local/bench/distributed-<time>.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type mysql from 'mysql2/promise';
import { startMariaDb } from '../lib/mariadb-server.ts';
import { LocalDeployment, stopProcess } from '../lib/local-deployment.ts';
import { FC_DTS_BIN, RESULTS_DIR, ROOT, adminConnection, failed, log, runCommand, scalar } from './lib.ts';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '200000' },
    'lag-seconds': { type: 'string', default: '20' },
    'lag-rate': { type: 'string', default: '2000' },
    'apply-workers': { type: 'string', default: '3' },
  },
});
const CHANGES = Number(values.changes);
const LAG_SECONDS = Number(values['lag-seconds']);
const LAG_RATE = Number(values['lag-rate']);
const APPLY_WORKERS = Number(values['apply-workers']);
const TABLES = Array.from({ length: 10 }, (_, i) => `t${i}`);
const SRC = 'bench_dist';
const PAD = 'x'.repeat(420);

const server = await startMariaDb({ dir: join(ROOT, '.local/bench-dist'), port: 3447 }, log);
const connection = () => adminConnection(server, { multipleStatements: true });
const admin = await connection();
const work = mkdtempSync(join(tmpdir(), 'fc-dts-bench-dist-'));
const endpoint = `{ type: mysql, host: 127.0.0.1, port: ${server.port}, user: "${server.user}", password: "\${FC_DTS_BENCH_PASSWORD}" }`;
const env = { ...process.env, FC_DTS_BENCH_PASSWORD: server.password };

function taskFile(name: string, dst: string): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, `source: ${endpoint}`, `destination: ${endpoint}`, 'objects:', `  - { database: ${SRC}, as: ${dst} }`, ''].join('\n'));
  return file;
}

async function writeChanges(conn: mysql.Connection, n: number, startId: number): Promise<number> {
  let id = startId;
  let sql = '';
  for (let i = 0; i < n; i += 2) {
    const t = TABLES[(i >> 1) % TABLES.length]!;
    const k = (i >> 1) % 6;
    // 3 inserts : 1 update : 2 deletes, two DML a transaction.
    const a = k < 3 ? `INSERT INTO ${t} VALUES (${id++}, ${i}, '${PAD}')` : k === 3 ? `UPDATE ${t} SET v = v + 1 WHERE id = ${id - 5}` : `DELETE FROM ${t} WHERE id = ${id - 7 - k}`;
    const b = `INSERT INTO ${t} VALUES (${id++}, ${i}, '${PAD}')`;
    sql += `BEGIN; ${a}; ${b}; COMMIT;`;
    if (sql.length > 200_000) {
      await conn.query(sql);
      sql = '';
    }
  }
  if (sql) await conn.query(sql);
  return id;
}

/** Drives `rate` row changes/s for `seconds`, with a probe row every 20 ms; returns the probes' visibility lags in the destination. */
async function lagRun(dst: string, seconds: number, rate: number): Promise<{ p50: number; p99: number; max: number; probes: number }> {
  const writer = await connection();
  const reader = await connection();
  await writer.query(`USE ${SRC}`);
  const sent = new Map<number, number>();
  const lags: number[] = [];
  const base = Number(await scalar(writer, 'SELECT COALESCE(MAX(id), 0) FROM probe')) + 1;
  let next = 1_000_000_000 + Date.now() % 1_000_000 * 100;
  const started = Date.now();
  let probe = base;
  let polling = true;
  const poller = (async () => {
    while (polling || sent.size > 0) {
      const [rows] = await reader.query(`SELECT id FROM ${dst}.probe WHERE id >= ${base}`);
      const now = Date.now();
      for (const r of rows as Array<{ id: number }>) {
        const at = sent.get(Number(r.id));
        if (at !== undefined) {
          lags.push(now - at);
          sent.delete(Number(r.id));
        }
      }
      if (!polling && Date.now() - started > (seconds + 60) * 1000) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  for (let tick = 0; Date.now() - started < seconds * 1000; tick++) {
    const due = started + tick * 20;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    sent.set(probe, Date.now());
    await writer.query(`INSERT INTO probe VALUES (${probe++}, NOW(6))`);
    next = await writeChanges(writer, Math.max(2, Math.round(rate / 50)), next);
  }
  polling = false;
  await poller;
  await Promise.all([writer.end(), reader.end()]);
  lags.sort((a, b) => a - b);
  const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), max: lags.at(-1) ?? NaN, probes: lags.length };
}

try {
  await admin.query(`DROP DATABASE IF EXISTS ${SRC}; DROP DATABASE IF EXISTS ${SRC}_standalone; DROP DATABASE IF EXISTS ${SRC}_distributed; DROP DATABASE IF EXISTS fc_dts; CREATE DATABASE ${SRC}; USE ${SRC}`);
  for (const t of TABLES) await admin.query(`CREATE TABLE ${t} (id BIGINT PRIMARY KEY, v INT, pad VARCHAR(500))`);
  await admin.query('CREATE TABLE probe (id BIGINT PRIMARY KEY, at DATETIME(6))');
  await writeChanges(admin, 20_000, 1);

  const standalone = { file: taskFile('bench-standalone', `${SRC}_standalone`), state: join(work, 'standalone-state') };
  const full = await runCommand(process.execPath, [FC_DTS_BIN, 'run', '-c', standalone.file, '--until', 'full-done', '--state', standalone.state], { env });
  if (failed(full)) throw new Error(`standalone full load failed: ${full.stderr}`);
  const d = await LocalDeployment.start({ taskFile: taskFile('bench-distributed', `${SRC}_distributed`), dir: join(work, 'distributed'), env });
  try {
    await d.fullLoad(2, 600_000);

    log(`writing ${CHANGES.toLocaleString()} row changes ...`);
    await writeChanges(admin, CHANGES, 10_000_000);

    log('standalone catch-up ...');
    const s = await runCommand(process.execPath, [FC_DTS_BIN, 'run', '-c', standalone.file, '--until', 'caught-up', '--state', standalone.state], { env });
    if (failed(s)) throw new Error(`standalone catch-up failed: ${s.stderr}`);

    log(`distributed catch-up (reader + ${APPLY_WORKERS} apply-changes instances) ...`);
    const distributedSeconds = await d.catchUp(APPLY_WORKERS, 3_600_000);

    const checksum = async (db: string) => (await admin.query(`CHECKSUM TABLE ${TABLES.map((t) => `${db}.${t}`).join(', ')}`))[0] as Array<{ Checksum: string }>;
    const [cs, ca, cd] = [await checksum(SRC), await checksum(`${SRC}_standalone`), await checksum(`${SRC}_distributed`)];
    const same = (x: Array<{ Checksum: string }>) => x.every((r, i) => r.Checksum === cs[i]!.Checksum);
    if (!same(ca) || !same(cd)) throw new Error(`a copy differs from the source (standalone ${same(ca)}, distributed ${same(cd)})`);

    log(`lag at ${LAG_RATE} row changes/s for ${LAG_SECONDS} s, standalone ...`);
    const sa = spawn(process.execPath, [FC_DTS_BIN, 'run', '-c', standalone.file, '--state', standalone.state], { env, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 3000));
    const lagStandalone = await lagRun(`${SRC}_standalone`, LAG_SECONDS, LAG_RATE);
    await stopProcess(sa, 10_000);

    log('lag, distributed ...');
    const r2 = d.spawn('reader');
    const ap2 = Array.from({ length: APPLY_WORKERS }, () => d.spawn('apply-changes'));
    await new Promise((r) => setTimeout(r, 5000));
    const lagDistributed = await lagRun(`${SRC}_distributed`, LAG_SECONDS, LAG_RATE);
    await Promise.all([r2, ...ap2].map((p) => stopProcess(p, 5000)));

    const standaloneRate = CHANGES / s.seconds;
    const distributedRate = CHANGES / distributedSeconds;
    const result = {
      changes: CHANGES, applyWorkers: APPLY_WORKERS,
      catchUp: { standalone: { seconds: s.seconds, rowsPerSecond: Math.round(standaloneRate) }, distributed: { seconds: distributedSeconds, rowsPerSecond: Math.round(distributedRate) }, ratio: distributedRate / standaloneRate },
      lag: { rate: LAG_RATE, seconds: LAG_SECONDS, standalone: lagStandalone, distributed: lagDistributed },
    };
    console.log(`\nCatch-up of ${CHANGES.toLocaleString()} row changes (process start to end, same binlog, same server):`);
    console.log(`  standalone fc-dts run       ${s.seconds.toFixed(1)} s  ${Math.round(standaloneRate).toLocaleString()} rows/s`);
    console.log(`  distributed (stand-ins)     ${distributedSeconds.toFixed(1)} s  ${Math.round(distributedRate).toLocaleString()} rows/s  = ${(distributedRate / standaloneRate).toFixed(2)}x standalone`);
    console.log(`Lag at ${LAG_RATE} row changes/s (probe rows, source commit → destination visible):`);
    console.log(`  standalone   p50 ${lagStandalone.p50} ms, p99 ${lagStandalone.p99} ms, max ${lagStandalone.max} ms (${lagStandalone.probes} probes)`);
    console.log(`  distributed  p50 ${lagDistributed.p50} ms, p99 ${lagDistributed.p99} ms, max ${lagDistributed.max} ms (${lagDistributed.probes} probes)`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, `distributed-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 1));
  } finally {
    await d.close();
  }
} finally {
  await admin.end();
}
