/**
 * The serverless pipeline in its local shape (scripts/lib/local-deployment.ts): the MNS and
 * Tablestore stand-ins, plan-full-load invoked through its real handler, load-chunk and apply-changes
 * instances as processes fed by their queues with the trigger's real payloads, and the binlog reader
 * container's entry point — against the real MariaDB and its binlog. The same end-to-end cases as the
 * standalone mode, and kill -9 of each kind of process under load.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stringify } from 'yaml';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { adminConnection, taskDoc, uniqueName } from './helpers/mariadb.ts';
import { ALL_TYPES_COLUMNS, diffTables, insertAllTypes } from './helpers/fixtures.ts';
import { LocalDeployment, stopProcess } from '../scripts/lib/local-deployment.ts';
import { readTable, startTestTablestore } from './helpers/tablestore.ts';
import { readLindormTable, startTestLindorm } from './helpers/lindorm.ts';
import { startMaxComputeStandIn } from '../infra/maxcompute-standin/index.ts';
import { MaxComputeClient } from '../shared/maxcompute/maxcompute-client.ts';
import { mergeSelect } from '../shared/destinations/maxcompute/merge-sql.ts';

const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-dist-'));
let admin: Connection;
const created: string[] = [];
const deployments: LocalDeployment[] = [];

beforeAll(async () => {
  admin = await adminConnection();
});

afterAll(async () => {
  for (const db of created) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await admin.end();
});

// Each test's deployment stops with it; a failed test shows what its processes said last.
afterEach(async (ctx) => {
  for (const d of deployments.splice(0)) {
    if (ctx.task.result?.state === 'fail') console.log(logOf(d).split('\n').slice(-60).join('\n'));
    await d.close(1000).catch(() => {});
  }
});

async function database(prefix: string): Promise<string> {
  const db = uniqueName(prefix);
  created.push(db);
  await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\``);
  return db;
}

async function deploy(name: string, doc: Record<string, unknown>): Promise<LocalDeployment> {
  const dir = mkdtempSync(join(dirs, `${name}-`));
  const file = join(dir, 'task.yaml');
  writeFileSync(file, stringify(taskDoc({ name, ...doc })));
  const lines: string[] = [];
  const d = await LocalDeployment.start({ taskFile: file, dir, log: (l) => lines.push(l), visibilitySeconds: 10 });
  (d as unknown as { lines: string[] }).lines = lines;
  deployments.push(d);
  return d;
}

/** A task over a table `t` of 100 rows, deployed and fully loaded into a database of its own. */
async function fullyLoaded(prefix: string, name: string): Promise<{ src: string; dst: string; d: LocalDeployment }> {
  const src = await database(prefix);
  const dst = uniqueName(`${prefix}_dst`);
  created.push(dst);
  await admin.query('CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t SELECT seq, seq FROM seq_1_to_100;');
  const d = await deploy(name, { objects: [{ database: src, as: dst }] });
  await d.fullLoad(1, 120_000);
  return { src, dst, d };
}

function logOf(d: LocalDeployment): string {
  return (d as unknown as { lines: string[] }).lines.join('\n');
}

async function sameRows(srcDb: string, dstDb: string, table: string, columns: readonly string[]): Promise<void> {
  const there = await diffTables(admin, { db: srcDb, table }, { db: dstDb, table }, columns);
  const back = await diffTables(admin, { db: dstDb, table }, { db: srcDb, table }, columns);
  expect({ missing: there.unmatched, extra: back.unmatched, counts: [there.countA, there.countB] }).toEqual({ missing: 0, extra: 0, counts: [there.countA, there.countA] });
}

function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (code) => r(code)));
}

/** plan-full-load, then a chunk worker killed mid-chunk (its chunk comes back to another) and two more until full-done. */
async function fullLoadWithChunkWorkerKilled(d: LocalDeployment): Promise<void> {
  const plan = await d.invokeHttp('plan-full-load');
  expect(plan.statusCode, plan.body).toBe(200);
  const victim = d.spawn('load-chunk');
  await new Promise((r) => setTimeout(r, 1500));
  victim.kill('SIGKILL');
  const chunkers = [d.spawn('load-chunk'), d.spawn('load-chunk')];
  await d.waitForPhase(['full-done', 'incremental'], 120_000);
  await Promise.all(chunkers.map((w) => stopProcess(w, 3000)));
}

/**
 * Writes to `src`.w (inserts and upserts, every 3rd a delete, every 5th a key change, plus `more(i)`)
 * while apply instances are killed with SIGKILL three times and the reader once, then catches up.
 * A killed invocation's messages come back after the queues' visibility timeout (10 s here); a killed
 * reader's lease runs out before the next one may take it (5 s here, 30 s by default).
 */
async function killUnderLoad(d: LocalDeployment, src: string, options: { more?: (i: number) => string; eachRound?: () => void } = {}): Promise<void> {
  let writing = true;
  const writer = (async () => {
    const c = await adminConnection();
    await c.query(`USE \`${src}\``);
    for (let i = 0; writing; i++) {
      const id = 1 + ((i * 7919) % 30000);
      await c.query(`INSERT INTO w VALUES (${id}, ${i}, 'ins ${i}') ON DUPLICATE KEY UPDATE v = ${i}, s = 'upd ${i}';
        ${i % 3 === 0 ? `DELETE FROM w WHERE id = ${1 + ((i * 104729) % 30000)};` : ''}
        ${i % 5 === 0 ? `UPDATE w SET id = ${40001 + i} WHERE id = ${1 + ((i * 31) % 30000)};` : ''}
        ${options.more?.(i) ?? ''}`);
    }
    await c.end();
  })();
  let reader = d.spawn('reader', { DTS_LEASE_MS: '5000' });
  const appliers = [d.spawn('apply-changes'), d.spawn('apply-changes')];
  for (let round = 0; round < 3; round++) {
    options.eachRound?.();
    await new Promise((r) => setTimeout(r, 1200 + Math.random() * 1200));
    appliers.shift()!.kill('SIGKILL');
    appliers.push(d.spawn('apply-changes'));
    if (round === 1) {
      reader.kill('SIGKILL');
      await exited(reader);
      reader = d.spawn('reader', { DTS_LEASE_MS: '5000' });
    }
  }
  writing = false;
  await writer;
  await stopProcess(reader, 5000);
  await d.catchUp(2, 240_000, { DTS_LEASE_MS: '5000' });
  await Promise.all(appliers.map((w) => stopProcess(w, 3000)));
}

describe('distributed shape: stand-ins, handlers and processes (real MariaDB binlog)', () => {
  it('syncs every type, updates, deletes, key changes and DDL exactly, as the standalone mode does', async () => {
    const src = await database('dist_types');
    const dst = uniqueName('dist_types_dst');
    created.push(dst);
    await insertAllTypes(admin, src);
    await admin.query(`USE \`${src}\`; CREATE TABLE w (id INT PRIMARY KEY, v VARCHAR(40)); INSERT INTO w SELECT seq, CONCAT('v', seq) FROM seq_1_to_3000`);
    const d = await deploy('dist-types', { objects: [{ database: src, as: dst }], advanced: { fullLoad: { chunkRows: 500 } } });

    const denied = await d.invokeHttp('status', 'wrong-token');
    expect(denied.statusCode).toBe(401);
    expect(denied.body).not.toContain(d.env.DTS_API_TOKEN!);

    await d.fullLoad(2, 120_000);
    expect((await d.store.doneChunks()).length).toBeGreaterThanOrEqual(6);
    await sameRows(src, dst, 'w', ['id', 'v']);

    await admin.query(`USE \`${src}\`;
      UPDATE w SET v = CONCAT(v, '!') WHERE id % 3 = 0; DELETE FROM w WHERE id % 7 = 0; UPDATE w SET id = id + 10000 WHERE id % 11 = 0;
      INSERT INTO w SELECT seq, 'new' FROM seq_20001_to_21000;
      ALTER TABLE w ADD COLUMN extra INT NULL; UPDATE w SET extra = id WHERE id % 5 = 0;
      UPDATE all_types SET id = id + 100; DELETE FROM all_types WHERE id = 104;`);
    await d.catchUp(3, 240_000, { DTS_LEASE_MS: '5000' });
    await sameRows(src, dst, 'w', ['id', 'v', 'extra']);
    await sameRows(src, dst, 'all_types', ALL_TYPES_COLUMNS);
    const status = await d.invokeHttp('status');
    expect(status.statusCode).toBe(200);
    expect(JSON.parse(status.body)).toEqual(expect.objectContaining({ phase: 'incremental', changeQueue: { name: d.changeQueue, pending: 0 } }));
  });

  it('decodes rows written with binlog_row_metadata=MINIMAL through DDL with the schema history the plan seeded', async () => {
    const { src, dst, d } = await fullyLoaded('dist_minimal', 'dist-minimal');
    expect((await d.store.getSchemaHistory())?.tables.map((t) => t.table)).toEqual(['t']);
    // Global, and the other test files share the server: MINIMAL only while these statements are written.
    await admin.query('SET GLOBAL binlog_row_metadata = MINIMAL');
    try {
      await admin.query(`USE \`${src}\`; INSERT INTO t VALUES (101, 101);
        ALTER TABLE t ADD COLUMN s VARCHAR(10) FIRST; INSERT INTO t VALUES ('x', 102, 102); UPDATE t SET s = 'u' WHERE id <= 10;
        ALTER TABLE t CHANGE v w BIGINT; INSERT INTO t VALUES ('y', 103, 9007199254740993); DELETE FROM t WHERE id = 50;`);
    } finally {
      await admin.query('SET GLOBAL binlog_row_metadata = FULL');
    }
    await d.catchUp(1, 240_000);
    await sameRows(src, dst, 't', ['s', 'id', 'w']);
  });

  it('gives the same destination as standalone fc-dts run: filters, column subsets, renames, DML types, DDL', async () => {
    const src = await database('dist_same');
    const [dstS, dstD] = [uniqueName('dist_same_s'), uniqueName('dist_same_d')];
    created.push(dstS, dstD);
    await admin.query(`CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10), amount DECIMAL(10,2), note TEXT);
      INSERT INTO orders VALUES (1, 'paid', 10, 'a'), (2, 'draft', 20, 'b'), (3, 'paid', 30, 'c');
      CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 1), (2, 2);
      CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO a SELECT seq, CONCAT('v', seq) FROM seq_1_to_100;`);
    const objects = (as: string) => [{
      database: src, as,
      tables: [
        { name: 'orders', as: 'orders_v2', where: "status <> 'draft'", columns: { id: 'id', status: 'status', amount: 'total' } },
        { name: 't', operations: ['insert', 'update'] },
        { name: 'a' },
      ],
    }];
    const dir = mkdtempSync(join(dirs, 'same-'));
    const file = join(dir, 'standalone.yaml');
    writeFileSync(file, stringify(taskDoc({ name: 'same-standalone', objects: objects(dstS) })));
    const bin = join(import.meta.dirname, '..', 'bin', 'fc-dts.js');
    const runStandalone = (until: string) => spawnSync(process.execPath, [bin, 'run', '-c', file, '--until', until, '--state', join(dir, 'state')], { encoding: 'utf8', timeout: 120_000 });
    expect(runStandalone('full-done').status).toBe(0);
    const d = await deploy('same-distributed', { objects: objects(dstD) });
    await d.fullLoad(1, 120_000);

    await admin.query(`USE \`${src}\`;
      UPDATE orders SET status = 'draft' WHERE id = 1; UPDATE orders SET status = 'paid' WHERE id = 2;
      UPDATE orders SET amount = 31, note = 'x' WHERE id = 3; INSERT INTO orders VALUES (4, 'draft', 40, 'd'), (5, 'shipped', 50, 'e');
      DELETE FROM t WHERE id = 1; UPDATE t SET v = 20 WHERE id = 2; INSERT INTO t VALUES (3, 3);
      INSERT INTO a VALUES (101, 'before'); ALTER TABLE a ADD COLUMN extra INT NULL FIRST; INSERT INTO a (id, v, extra) VALUES (102, 'after', 7);
      UPDATE a SET extra = id WHERE id <= 10; ALTER TABLE a DROP COLUMN v; INSERT INTO a (id, extra) VALUES (103, 8); TRUNCATE TABLE t;`);
    const r = runStandalone('caught-up');
    expect(r.status, r.stderr).toBe(0);
    await d.catchUp(3, 240_000, { DTS_LEASE_MS: '5000' });

    const same = async (table: string, columns: readonly string[]) => {
      const there = await diffTables(admin, { db: dstS, table }, { db: dstD, table }, columns);
      const back = await diffTables(admin, { db: dstD, table }, { db: dstS, table }, columns);
      expect({ table, there: there.unmatched, back: back.unmatched, counts: [there.countA, there.countB] }).toEqual({ table, there: 0, back: 0, counts: [there.countA, there.countA] });
    };
    await same('orders_v2', ['id', 'status', 'total']);
    await same('t', ['id', 'v']);
    await same('a', ['id', 'extra']);
    const [rows] = await admin.query(`SELECT id, status, total FROM \`${dstD}\`.orders_v2 ORDER BY id`);
    expect((rows as Array<{ id: number; status: string; total: string }>).map((x) => [x.id, x.status, x.total])).toEqual([[2, 'paid', '20.00'], [3, 'paid', '31.00'], [5, 'shipped', '50.00']]);
  });

  it('applies moves of unique values between rows with 16 buckets, apply instances and the reader killed with SIGKILL, nothing set aside', async () => {
    const src = await database('dist_uk');
    const dst = uniqueName('dist_uk_dst');
    created.push(dst);
    await admin.query(`CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, a INT NOT NULL, b INT NOT NULL, slot INT NOT NULL, n INT NULL,
        UNIQUE KEY (email), UNIQUE KEY ab (a, b), UNIQUE KEY nn (n));
      INSERT INTO u SELECT seq, CONCAT('e', seq), seq % 10, seq DIV 10, seq, IF(seq % 3 = 0, NULL, seq) FROM seq_1_to_200;`);
    const d = await deploy('dist-uk', { objects: [{ database: src, as: dst }], sync: { dirtyData: 'block' }, advanced: { incremental: { buckets: 16, batchChanges: 3 } } });
    await d.fullLoad(1, 120_000);
    const swaps = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const [x, y] = [1 + ((i * 7) % 200), 1 + ((i * 13 + 5) % 200)];
        await admin.query(`START TRANSACTION;
          SELECT email, a, b INTO @ex, @ax, @bx FROM u WHERE id = ${x}; SELECT email, a, b INTO @ey, @ay, @by FROM u WHERE id = ${y};
          UPDATE u SET email = 'tmp', a = -1, b = -1 WHERE id = ${x}; UPDATE u SET email = @ex, a = @ax, b = @bx WHERE id = ${y}; UPDATE u SET email = @ey, a = @ay, b = @by WHERE id = ${x};
          COMMIT;`);
      }
    };
    await swaps(0, 40);
    // A value freed by a delete and reused; a chain of slots; a unique key added mid-stream.
    await admin.query(`START TRANSACTION; SELECT email, a, b INTO @e, @a, @b FROM u WHERE id = 50; DELETE FROM u WHERE id = 50; INSERT INTO u VALUES (1050, @e, @a, @b, 50, NULL); COMMIT;
      ALTER TABLE u ADD UNIQUE KEY s (slot);
      START TRANSACTION; UPDATE u SET slot = -1 WHERE id = 10; UPDATE u SET slot = 10 WHERE id = 11; UPDATE u SET slot = 11 WHERE id = 12; UPDATE u SET slot = 12 WHERE id = 10; COMMIT;`);
    await swaps(40, 80);
    // A nullable unique value handed over (NULLs never collide), then the composite key dropped mid-stream.
    await admin.query(`START TRANSACTION; UPDATE u SET n = NULL WHERE id = 1; UPDATE u SET n = 1 WHERE id = 3; COMMIT;
      ALTER TABLE u DROP INDEX ab;`);
    await swaps(80, 100);

    let reader = d.spawn('reader', { DTS_LEASE_MS: '5000' });
    const appliers = [d.spawn('apply-changes'), d.spawn('apply-changes'), d.spawn('apply-changes')];
    for (let round = 0; round < 2; round++) {
      await new Promise((r) => setTimeout(r, 800 + Math.random() * 800));
      appliers.shift()!.kill('SIGKILL');
      appliers.push(d.spawn('apply-changes'));
      if (round === 0) {
        reader.kill('SIGKILL');
        await exited(reader);
        reader = d.spawn('reader', { DTS_LEASE_MS: '5000' });
      }
    }
    await stopProcess(reader, 5000);
    await d.catchUp(3, 240_000, { DTS_LEASE_MS: '5000' });
    await Promise.all(appliers.map((w) => stopProcess(w, 3000)));
    await sameRows(src, dst, 'u', ['id', 'email', 'a', 'b', 'slot', 'n']);
    expect((await d.taskState())?.lastError).toBeUndefined();
  }, 300_000);

  it('syncs into a Tablestore destination: chunks fanned out, batches applied by several instances claiming their buckets', async () => {
    const ots = await startTestTablestore();
    try {
      const src = await database('dist_ots');
      await admin.query(`USE \`${src}\`; CREATE TABLE w (id INT PRIMARY KEY, v VARCHAR(40), n DECIMAL(20,4)); INSERT INTO w SELECT seq, CONCAT('v', seq), seq / 7 FROM seq_1_to_3000`);
      const d = await deploy('dist-ots', { destination: ots.destination({ writeMode: 'update', buckets: 4, concurrency: 4 }), objects: [{ database: src }], advanced: { fullLoad: { chunkRows: 500 } } });
      await d.fullLoad(2, 120_000);
      await admin.query(`USE \`${src}\`;
        UPDATE w SET v = NULL WHERE id % 3 = 0; DELETE FROM w WHERE id % 7 = 0; UPDATE w SET id = id + 10000 WHERE id % 11 = 0;
        INSERT INTO w SELECT seq, 'new', NULL FROM seq_20001_to_21000;`);
      await d.catchUp(3, 240_000, { DTS_LEASE_MS: '5000' });
      const [expected] = await admin.query<RowDataPacket[]>(`SELECT id, v, CAST(n AS CHAR) AS n FROM \`${src}\`.w ORDER BY id`);
      const rows = await readTable(ots.client, 'w');
      expect(rows).toEqual(expected.map((r) => ({ id: String(r.id), ...(r.v === null ? {} : { v: r.v }), ...(r.n === null ? {} : { n: r.n }) })));
    } finally {
      await ots.close();
    }
  });

  it('syncs into a MaxCompute destination: _base committed once from fanned-out chunks, every change logged once by several apply instances', async () => {
    const mc = await startMaxComputeStandIn({ accessKeyId: 'LTAIdistmc', accessKeySecret: 'dist-mc-secret' });
    try {
      const client = new MaxComputeClient({ endpoint: mc.endpoint, project: mc.project, credentials: { accessKeyId: 'LTAIdistmc', accessKeySecret: 'dist-mc-secret' } });
      const src = await database('dist_mc');
      await admin.query(`USE \`${src}\`; CREATE TABLE w (id INT PRIMARY KEY, v VARCHAR(40), n DECIMAL(20,4)); INSERT INTO w SELECT seq, CONCAT('v', seq), seq / 7 FROM seq_1_to_3000`);
      const destination = { type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, accessKeyId: 'LTAIdistmc', accessKeySecret: 'dist-mc-secret', partitionFields: ['modifytime_year'] };
      const d = await deploy('dist-mc', { destination, objects: [{ database: src }], advanced: { fullLoad: { chunkRows: 500 }, incremental: { buckets: 4, batchMs: 200 } } });
      await d.fullLoad(2, 120_000);
      const count = async (sql: string) => (await client.sql.query(sql, { settings: { 'odps.sql.allow.fullscan': 'true' } })).rows.map((r) => r.join('|'));
      expect(await count('SELECT COUNT(*), COUNT(DISTINCT id) FROM w_base')).toEqual(['3000|3000']);
      expect(mc.requests.CommitUpload).toBe(1);

      await admin.query(`USE \`${src}\`;
        UPDATE w SET v = NULL WHERE id % 3 = 0; DELETE FROM w WHERE id % 7 = 0; UPDATE w SET id = id + 10000 WHERE id % 11 = 0;
        INSERT INTO w SELECT seq, 'new', NULL FROM seq_20001_to_21000;
        ALTER TABLE w ADD COLUMN tag VARCHAR(10);
        UPDATE w SET tag = CONCAT('t', id) WHERE id % 5 = 0;`);
      await d.catchUp(3, 240_000, { DTS_LEASE_MS: '5000' });
      // Each change once: an update's two entries share a record id, every other entry has its own.
      expect(await count("SELECT COUNT(*) FROM (SELECT record_id, before_flag FROM w_log GROUP BY record_id, before_flag HAVING COUNT(*) > 1) dup")).toEqual(['0']);
      // The ADD COLUMN reached both tables through one apply instance; the others read the log table again when a change first carried it.
      expect((await client.getTable('w_base')).columns.map((c) => c.name)).toEqual(['id', 'v', 'n', 'tag']);
      const merged = mergeSelect({ base: 'w_base', log: 'w_log', columns: ['id', 'v', 'n', 'tag'], key: ['id'], at: Math.floor(Date.now() / 1000) + 60, rule: 'previous', partitionFields: ['modifytime_year'] });
      const [expected] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS c, SUM(id) AS i, COUNT(v) AS v, SUM(n) AS n, COUNT(tag) AS t FROM \`${src}\`.w`);
      const e = expected[0]!;
      expect(Number(e.t)).toBeGreaterThan(0);
      expect(await count(`SELECT COUNT(*), SUM(id), COUNT(v), SUM(n), COUNT(tag) FROM (${merged}) m`)).toEqual([`${e.c}|${e.i}|${e.v}|${e.n}|${e.t}`]);
    } finally {
      await mc.close();
    }
  });

  it('MaxCompute: no log entry twice and an exact merge when chunk, apply and reader processes are killed with SIGKILL and commit answers are lost', async () => {
    const keys = { accessKeyId: 'LTAIdistmck9', accessKeySecret: 'dist-mc-k9-secret' };
    const mc = await startMaxComputeStandIn(keys);
    try {
      const client = new MaxComputeClient({ endpoint: mc.endpoint, project: mc.project, credentials: keys });
      const query = async (sql: string) => (await client.sql.query(sql, { settings: { 'odps.sql.allow.fullscan': 'true' } })).rows.map((r) => r.join('|'));
      const src = await database('dist_mck9');
      await admin.query('CREATE TABLE w (id INT PRIMARY KEY, v INT, s VARCHAR(40)); INSERT INTO w SELECT seq, 0, \'init\' FROM seq_1_to_20000;');
      const destination = { type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, ...keys, partitionFields: ['modifytime_year', 'modifytime_month'] };
      const d = await deploy('dist-mck9', { destination, objects: [{ database: src }], advanced: { fullLoad: { chunkRows: 1000 }, incremental: { batchChanges: 100, batchMs: 200 } } });

      // A chunk worker killed mid-chunk: its chunk comes back and rewrites its block.
      await fullLoadWithChunkWorkerKilled(d);
      expect(await query('SELECT COUNT(*), COUNT(DISTINCT id) FROM w_base')).toEqual(['20000|20000']);

      await killUnderLoad(d, src, { eachRound: () => mc.faults.loseCommitResponse(2) });

      expect(await query('SELECT COUNT(*) FROM (SELECT record_id, before_flag FROM w_log GROUP BY record_id, before_flag HAVING COUNT(*) > 1) dup')).toEqual(['0']);
      const merged = mergeSelect({ base: 'w_base', log: 'w_log', columns: ['id', 'v', 's'], key: ['id'], at: Math.floor(Date.now() / 1000) + 60, rule: 'previous', partitionFields: ['modifytime_year', 'modifytime_month'] });
      const [expected] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS c, SUM(id) AS i, SUM(v) AS v, SUM(CRC32(s)) AS s FROM \`${src}\`.w`);
      const e = expected[0]!;
      const [got] = await query(`SELECT COUNT(*), SUM(id), SUM(v) FROM (${merged}) m`);
      expect(got).toBe(`${e.c}|${e.i}|${e.v}`);
      // Row by row: the merged table's (id, s) pairs are the source's.
      const [pairs] = await admin.query<RowDataPacket[]>(`SELECT id, s FROM \`${src}\`.w ORDER BY id LIMIT 10000`);
      const mergedPairs = await query(`SELECT id, s FROM (${merged}) m ORDER BY id LIMIT 10000`);
      expect(mergedPairs).toEqual(pairs.map((r) => `${r.id}|${r.s}`));
    } finally {
      await mc.close();
    }
  }, 300_000);

  it('syncs into a Lindorm destination: chunks fanned out, batches applied by instances claiming buckets in the state table, exact after SIGKILLs and the stand-in\'s faults', async () => {
    const lindorm = await startTestLindorm();
    try {
      const src = await database('dist_ld');
      await admin.query('CREATE TABLE w (id INT PRIMARY KEY, v INT, s VARCHAR(40)); INSERT INTO w SELECT seq, 0, \'init\' FROM seq_1_to_20000;');
      const d = await deploy('dist-ld', { destination: lindorm.destination(), objects: [{ database: src }], advanced: { fullLoad: { chunkRows: 1000 }, incremental: { buckets: 4, batchChanges: 100 } } });
      await fullLoadWithChunkWorkerKilled(d);
      expect(await readLindormTable(lindorm.client, 'w').then((r) => r.length)).toBe(20000);
      await killUnderLoad(d, src, {
        eachRound: () => {
          lindorm.standIn.faults.dropConnectionAfterRows(5);
          lindorm.standIn.faults.failStatements('upsert', 2);
        },
      });
      // ADD COLUMN through one apply instance; the others read the table again when a change first carries the column.
      await admin.query(`USE \`${src}\`; ALTER TABLE w ADD COLUMN tag VARCHAR(10) DEFAULT 'x'; UPDATE w SET tag = CONCAT('t', id) WHERE id % 5 = 0; UPDATE w SET tag = NULL WHERE id % 5 = 1`);
      await d.catchUp(3, 240_000, { DTS_LEASE_MS: '5000' });
      // Rows the changes did not touch keep tag NULL: the DEFAULT is stripped from the ADD COLUMN (reference 004).
      const [expected] = await admin.query<RowDataPacket[]>(`SELECT id, v, s, IF(id % 5 IN (0, 1), tag, NULL) AS tag FROM \`${src}\`.w ORDER BY id`);
      const rows = await readLindormTable(lindorm.client, 'w');
      expect(rows.length).toBe(expected.length);
      expect(rows).toEqual(expected.map((r) => ({ id: r.id, v: r.v, s: r.s, tag: r.tag })));
    } finally {
      await lindorm.close();
    }
  }, 300_000);

  it('loses and duplicates nothing when apply, chunk and reader processes are killed with SIGKILL under load', async () => {
    const src = await database('dist_k9');
    const dst = uniqueName('dist_k9_dst');
    created.push(dst);
    await admin.query(`CREATE TABLE w (id INT PRIMARY KEY, v INT, s VARCHAR(40));
      CREATE TABLE u (a INT, b VARCHAR(8), v BIGINT, PRIMARY KEY (a, b));
      INSERT INTO w SELECT seq, 0, 'init' FROM seq_1_to_20000;`);
    const d = await deploy('dist-k9', { objects: [{ database: src, as: dst }], advanced: { fullLoad: { chunkRows: 1000 }, incremental: { batchChanges: 100 } } });

    // A chunk worker killed mid-chunk: its chunk is delivered again and reloaded.
    await fullLoadWithChunkWorkerKilled(d);
    await sameRows(src, dst, 'w', ['id', 'v', 's']);

    await killUnderLoad(d, src, { more: (i) => `INSERT INTO u VALUES (${i % 50}, 'k${i % 7}', ${i}) ON DUPLICATE KEY UPDATE v = v + ${i};` });
    await sameRows(src, dst, 'w', ['id', 'v', 's']);
    await sameRows(src, dst, 'u', ['a', 'b', 'v']);
  }, 300_000);

  it('hands back what an apply-changes invocation has no time for: its remaining time comes from the function timeout in the context', async () => {
    const { src, dst, d } = await fullyLoaded('dist_deadline', 'dist-deadline');
    await admin.query(`INSERT INTO \`${src}\`.t SELECT seq, seq FROM seq_101_to_300`);
    const reader = d.spawn('reader', { DTS_UNTIL: 'caught-up' });
    expect(await exited(reader)).toBe(0);
    expect(await d.queued(d.changeQueue)).toBeGreaterThan(0);

    // FC passes function.timeout (5 s here) and no deadline: from the start, less than the 10 s the
    // handler keeps in hand, so each invocation sends its messages back instead of applying them.
    const reports: string[] = [];
    const short = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'scripts', 'fc-worker.ts'), '--function', 'apply-changes', '--queue', d.changeQueue, '--timeout', '5'], {
      env: { ...d.env, FC_DTS_WORKER_VERBOSE: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    short.stdout.setEncoding('utf8').on('data', (text: string) => reports.push(...text.split('\n').filter((l) => l.startsWith('apply-changes: '))));
    try {
      await expect.poll(() => reports.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await stopProcess(short, 3000);
    }
    for (const line of reports) {
      const report = JSON.parse(line.slice('apply-changes: '.length)) as { applied: number; deferred: number };
      expect({ applied: report.applied, deferredSome: report.deferred > 0 }).toEqual({ applied: 0, deferredSome: true });
    }
    expect(await d.queued(d.changeQueue)).toBeGreaterThan(0);
    const [[{ n }]] = (await admin.query(`SELECT COUNT(*) AS n FROM \`${dst}\`.t`)) as unknown as [[{ n: number }]];
    expect(Number(n)).toBe(100);

    // The deployed timeout (600 s): the same messages applied.
    const appliers = [d.spawn('apply-changes')];
    await d.waitForEmptyQueue(d.changeQueue, 120_000);
    await Promise.all(appliers.map((w) => stopProcess(w, 3000)));
    await sameRows(src, dst, 't', ['id', 'v']);
  });

  it('runs one reader per task: a second waits for the lease, and a reader whose lease was taken cannot move the position', async () => {
    const { src, dst, d } = await fullyLoaded('dist_lease', 'dist-lease');

    const a = d.spawn('reader', { DTS_LEASE_MS: '3000' });
    await expect.poll(async () => logOf(d), { timeout: 30_000 }).toMatch(new RegExp(`\\[reader ${a.pid}\\] reader lease held`));
    const b = d.spawn('reader', { DTS_LEASE_MS: '3000' });
    await expect.poll(async () => logOf(d), { timeout: 30_000 }).toMatch(new RegExp(`\\[reader ${b.pid}\\] another reader holds the task lease`));

    // A freezes (a stuck container): its lease runs out, B takes over with a higher token.
    a.kill('SIGSTOP');
    await expect.poll(async () => logOf(d), { timeout: 30_000 }).toMatch(new RegExp(`\\[reader ${b.pid}\\] reader lease held .*token 2`));
    await admin.query(`INSERT INTO \`${src}\`.t VALUES (101, 101)`);
    a.kill('SIGCONT');
    // A wakes up, finds its lease gone and stops without writing its position.
    expect(await exited(a)).not.toBe(0);
    expect(logOf(d)).toMatch(new RegExp(`\\[reader ${a.pid}\\] .*no longer holds the reader lease`));

    const appliers = [d.spawn('apply-changes')];
    const count = async () => Number(((await admin.query(`SELECT COUNT(*) AS n FROM \`${dst}\`.t`))[0] as Array<{ n: string }>)[0]!.n);
    await expect.poll(count, { timeout: 60_000 }).toBe(101);
    await stopProcess(b, 5000);
    await Promise.all(appliers.map((w) => stopProcess(w, 3000)));
    await sameRows(src, dst, 't', ['id', 'v']);
  });
});
