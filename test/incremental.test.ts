/**
 * Incremental sync end to end through `fc-dts run` (bin/fc-dts.js as a child process) against the real
 * MariaDB and its binlog: exact values, filters, DDL in a write stream, key changes, kill -9 under a
 * write workload, a huge transaction in bounded memory, a purged position.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RowDataPacket } from 'mysql2/promise';
import { adminConnection, taskDoc, testDatabases, TEST_TASK_NAME } from './helpers/mariadb.ts';
import { ALL_TYPES_COLUMNS, ALL_TYPES_ROWS, diffTables, insertAllTypes } from './helpers/fixtures.ts';
import { FC_DTS_BIN as BIN, writeTaskFile, type TaskFiles } from './helpers/fc-dts-process.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';

const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-inc-'));
const dbs = testDatabases();
const { database } = dbs;

const taskFile = (doc: Record<string, unknown>): TaskFiles => writeTaskFile(dirs, doc);

function run(t: { file: string; state: string }, until: 'full-done' | 'caught-up'): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, 'run', '-c', t.file, '--until', until, '--state', t.state], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

async function sameRows(srcDb: string, dstDb: string, table: string, columns: readonly string[], dstTable = table): Promise<void> {
  expect(await diffTables(dbs.admin, { db: srcDb, table }, { db: dstDb, table: dstTable }, columns)).toEqual(expect.objectContaining({ unmatched: 0 }));
  const back = await diffTables(dbs.admin, { db: dstDb, table: dstTable }, { db: srcDb, table }, columns);
  expect(back.unmatched).toBe(0);
  expect(back.countA).toBe(back.countB);
}

describe('incremental sync MySQL → MySQL (real MariaDB binlog)', () => {
  it('carries every type exactly through the binlog: inserts, updates of every column, deletes', async () => {
    const src = await database('inc_types');
    const dst = dbs.newName('inc_types_dst');
    await insertAllTypes(dbs.admin, src);
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst }] }));
    expect(run(t, 'full-done').code).toBe(0);

    // The same rows again under new keys, then every column of row 1 changed, row 4 deleted.
    await dbs.admin.query("SET time_zone = '+08:00'");
    await dbs.admin.query(`INSERT INTO \`${src}\`.all_types VALUES ${ALL_TYPES_ROWS.replace(/\((\d), /g, (_, id: string) => `(${Number(id) + 10}, `)}`);
    await dbs.admin.query(`UPDATE \`${src}\`.all_types a JOIN \`${src}\`.all_types b ON b.id = 12 SET ${ALL_TYPES_COLUMNS.filter((c) => c !== 'id').map((c) => `a.${c} = b.${c}`).join(', ')} WHERE a.id = 1`);
    await dbs.admin.query(`DELETE FROM \`${src}\`.all_types WHERE id = 4`);
    await dbs.admin.query(`UPDATE \`${src}\`.all_types SET id = 40 WHERE id = 3`); // a key change
    await dbs.admin.query("SET time_zone = '+00:00'");

    const r = run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/incremental: \d+ row changes applied/);
    await sameRows(src, dst, 'all_types', ALL_TYPES_COLUMNS);
  });

  it('applies filters with the product semantics: updates move rows in and out of the filter', async () => {
    const src = await database('inc_filter');
    const dst = dbs.newName('inc_filter_dst');
    await dbs.admin.query(`CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10), amount DECIMAL(10,2), note TEXT);
      INSERT INTO orders VALUES (1, 'paid', 10, 'a'), (2, 'draft', 20, 'b'), (3, 'paid', 30, 'c');`);
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst, tables: [{ name: 'orders', where: "status <> 'draft'", columns: { id: 'id', status: 'status', amount: 'total' } }] }] }));
    expect(run(t, 'full-done').code).toBe(0);
    await dbs.admin.query(`UPDATE orders SET status = 'draft' WHERE id = 1;   -- moves out: delete
      UPDATE orders SET status = 'paid' WHERE id = 2;                        -- moves in: insert
      UPDATE orders SET amount = 31, note = 'x' WHERE id = 3;               -- stays in: update
      INSERT INTO orders VALUES (4, 'draft', 40, 'd'), (5, 'shipped', 50, 'e');
      UPDATE orders SET amount = 41 WHERE id = 4;                            -- stays out`);
    expect(run(t, 'caught-up').code).toBe(0);
    const [rows] = await dbs.admin.query<RowDataPacket[]>(`SELECT id, status, total FROM \`${dst}\`.orders ORDER BY id`);
    expect(rows.map((r) => [r.id, r.status, r.total])).toEqual([[2, 'paid', '20.00'], [3, 'paid', '31.00'], [5, 'shipped', '50.00']]);
  });

  it('keeps per-table DML types: deletes not synchronized stay in the destination', async () => {
    const src = await database('inc_ops');
    const dst = dbs.newName('inc_ops_dst');
    await dbs.admin.query('CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 1), (2, 2);');
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst, tables: [{ name: 't', operations: ['insert', 'update'] }] }] }));
    expect(run(t, 'full-done').code).toBe(0);
    await dbs.admin.query('DELETE FROM t WHERE id = 1; UPDATE t SET v = 20 WHERE id = 2; INSERT INTO t VALUES (3, 3);');
    expect(run(t, 'caught-up').code).toBe(0);
    const [rows] = await dbs.admin.query<RowDataPacket[]>(`SELECT id, v FROM \`${dst}\`.t ORDER BY id`);
    expect(rows.map((r) => [r.id, r.v])).toEqual([[1, 1], [2, 20], [3, 3]]);
  });

  it('applies DDL in the middle of a write stream: add/drop column, rename, truncate, new tables', async () => {
    const src = await database('inc_ddl');
    const dst = dbs.newName('inc_ddl_dst');
    await dbs.admin.query('CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO a SELECT seq, CONCAT("v", seq) FROM seq_1_to_100;');
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst }] }));
    expect(run(t, 'full-done').code).toBe(0);
    await dbs.admin.query(`INSERT INTO a VALUES (101, 'before');
      ALTER TABLE a ADD COLUMN extra INT NULL FIRST;
      INSERT INTO a (id, v, extra) VALUES (102, 'after', 7);
      UPDATE a SET extra = id WHERE id <= 10;
      ALTER TABLE a DROP COLUMN v;
      INSERT INTO a (id, extra) VALUES (103, 8);
      CREATE TABLE b (k VARCHAR(10) PRIMARY KEY, n INT);
      INSERT INTO b VALUES ('x', 1), ('y', 2);
      RENAME TABLE b TO c;
      INSERT INTO c VALUES ('z', 3);
      CREATE TABLE d (id INT PRIMARY KEY);
      INSERT INTO d SELECT seq FROM seq_1_to_50;
      TRUNCATE TABLE d;
      INSERT INTO d VALUES (1000);`);
    const r = run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    await sameRows(src, dst, 'a', ['id', 'extra']);
    await sameRows(src, dst, 'c', ['k', 'n']);
    await sameRows(src, dst, 'd', ['id']);
    const [cols] = await dbs.admin.query<RowDataPacket[]>('SELECT COLUMN_NAME c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [dst, 'a']);
    expect(cols.map((c) => c.c)).toEqual(['extra', 'id']);
  });

  it('loses, duplicates and leaves stale nothing when killed with SIGKILL at random moments under a write workload', async () => {
    const src = await database('inc_k9');
    const dst = dbs.newName('inc_k9_dst');
    await dbs.admin.query(`CREATE TABLE w (id INT PRIMARY KEY, v INT, s VARCHAR(40));
      CREATE TABLE u (a INT, b VARCHAR(8), v BIGINT, PRIMARY KEY (a, b));
      INSERT INTO w SELECT seq, 0, 'init' FROM seq_1_to_2000;`);
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst }], advanced: { incremental: { batchChanges: 200 } } }));
    expect(run(t, 'full-done').code).toBe(0);

    let writing = true;
    const writer = (async () => {
      const c = await adminConnection();
      await c.query(`USE \`${src}\``);
      for (let i = 0; writing; i++) {
        const id = 1 + ((i * 7919) % 3000);
        await c.query(`INSERT INTO w VALUES (${id}, ${i}, 'ins ${i}') ON DUPLICATE KEY UPDATE v = ${i}, s = 'upd ${i}';
          ${i % 3 === 0 ? `DELETE FROM w WHERE id = ${1 + ((i * 104729) % 3000)};` : ''}
          ${i % 5 === 0 ? `UPDATE w SET id = ${3001 + i} WHERE id = ${1 + ((i * 31) % 3000)};` : ''}
          INSERT INTO u VALUES (${i % 50}, 'k${i % 7}', ${i}) ON DUPLICATE KEY UPDATE v = v + ${i};
          ${i % 11 === 0 ? 'BEGIN; UPDATE w SET v = v + 1 WHERE id < 100; COMMIT;' : ''}`);
      }
      await c.end();
    })();

    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [BIN, 'run', '-c', t.file, '--state', t.state], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 700 + Math.random() * 1500));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    writing = false;
    await writer;
    const r = run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    await sameRows(src, dst, 'w', ['id', 'v', 's']);
    await sameRows(src, dst, 'u', ['a', 'b', 'v']);
  });

  it('sets a change the destination refuses aside under skip, and stops at it under block with the position kept', async () => {
    const src = await database('inc_dirty');
    const dst = dbs.newName('inc_dirty_dst');
    await dbs.admin.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20));');
    const block = taskFile(taskDoc({ objects: [{ database: src, as: dst }], sync: { dirtyData: 'block' } }));
    expect(run(block, 'full-done').code).toBe(0);
    await dbs.admin.query(`ALTER TABLE \`${dst}\`.t MODIFY v VARCHAR(5)`); // the destination drifts from the source
    await dbs.admin.query("INSERT INTO t VALUES (1, 'ok'), (2, 'much too long'), (3, 'ok')");
    const stopped = run(block, 'caught-up');
    expect(stopped.code).toBe(1);
    expect(stopped.err).toMatch(/rejected the insert at binlog position [\d:#]+: Data too long for column 'v'/);
    const again = run(block, 'caught-up'); // the position was kept: it stops at the same change
    expect(again.code).toBe(1);

    const skip = { ...block, file: block.file.replace('task.yaml', 'skip.yaml') };
    writeFileSync(skip.file, stringify(taskDoc({ objects: [{ database: src, as: dst }], sync: { dirtyData: 'skip' } })));
    const r = run(skip, 'caught-up');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/dirty data skipped: insert of .*\.t at/);
    const [rows] = await dbs.admin.query<RowDataPacket[]>(`SELECT id FROM \`${dst}\`.t ORDER BY id`);
    expect(rows.map((x) => x.id)).toEqual([1, 3]);
    const status = spawnSync(process.execPath, [BIN, 'status', '-c', skip.file, '--state', skip.state, '--json'], { encoding: 'utf8' });
    expect(JSON.parse(status.stdout)).toEqual(expect.objectContaining({ phase: 'incremental', dirtyRows: 1 }));
  });

  it('reports phase, lag and rows/s while running, with the source heartbeat keeping lag measurable', async () => {
    const src = await database('inc_status');
    const dst = dbs.newName('inc_status_dst');
    await dbs.admin.query('CREATE TABLE t (id INT PRIMARY KEY, v INT);');
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst }], advanced: { heartbeat: true } }));
    expect(run(t, 'full-done').code).toBe(0);
    const child = spawn(process.execPath, [BIN, 'run', '-c', t.file, '--state', t.state], { stdio: 'ignore' });
    try {
      await dbs.admin.query('INSERT INTO t SELECT seq, seq FROM seq_1_to_5000');
      // The rate covers the last 5 s: read it from the state the run writes every tick, not through a
      // `fc-dts status` process, whose start-up alone can take seconds on a loaded machine.
      const store = new FileStateStore(t.state);
      let running = await store.getTaskState();
      for (const deadline = Date.now() + 20_000; (running?.incremental?.applied ?? 0) < 5000 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 50));
        running = await store.getTaskState();
      }
      expect(running?.incremental?.applied).toBe(5000);
      expect(running?.incremental?.rowsPerSecond).toBeGreaterThan(0);
      let status = JSON.parse(spawnSync(process.execPath, [BIN, 'status', '-c', t.file, '--state', t.state, '--json'], { encoding: 'utf8' }).stdout) as {
        phase?: string;
        incremental?: { lagSeconds: number; applied: number; rowsPerSecond: number };
      };
      expect(status.phase).toBe('incremental');
      expect(status.incremental!.applied).toBe(5000);
      // Lag is the age of the last transaction applied, which is the 5,000-row insert at first; the
      // source heartbeat's transactions then keep it small while the source is otherwise idle (how long
      // the first catch-up took depends on the machine's load, so it is not part of the check).
      for (const deadline = Date.now() + 20_000; status.incremental!.lagSeconds >= 5 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 250));
        status = JSON.parse(spawnSync(process.execPath, [BIN, 'status', '-c', t.file, '--state', t.state, '--json'], { encoding: 'utf8' }).stdout) as typeof status;
      }
      expect(status.incremental!.lagSeconds).toBeLessThan(5);
      const text = spawnSync(process.execPath, [BIN, 'status', '-c', t.file, '--state', t.state], { encoding: 'utf8' }).stdout;
      expect(text).toMatch(/incremental: lag [\d.]+ s, [\d,]+ rows\/s, 5,000 changes applied, reader checkpoint mariadb-bin\.\d+:\d+/);
      const [[beat]] = await dbs.admin.query<RowDataPacket[]>('SELECT TIMESTAMPDIFF(SECOND, beat, UTC_TIMESTAMP(6)) age FROM fc_dts.heartbeat WHERE task = ?', [TEST_TASK_NAME]);
      expect(Number(beat!.age)).toBeLessThan(3);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('streams a 1,000,000-row transaction with peak memory under 400 MiB', async () => {
    const src = await database('inc_big');
    const dst = dbs.newName('inc_big_dst');
    await dbs.admin.query('CREATE TABLE big (id INT PRIMARY KEY, a BIGINT, s VARCHAR(64));');
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst }] }));
    expect(run(t, 'full-done').code).toBe(0);
    await dbs.admin.query("INSERT INTO big SELECT seq, seq * 1000003, CONCAT('row-', seq, '-', REPEAT('x', 40)) FROM seq_1_to_1000000");
    const r = run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    const peak = Number(/incremental: .*peak memory (\d+) MiB/.exec(r.out)?.[1]);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(400);
    const [[n]] = await dbs.admin.query<RowDataPacket[]>(`SELECT COUNT(*) n, SUM(a) s FROM \`${dst}\`.big`);
    expect(Number(n!.n)).toBe(1_000_000);
    expect(String(n!.s)).toBe(String((1_000_000n * 1_000_001n / 2n) * 1_000_003n));
  });

  it('records the source server with the checkpoint, and refuses a checkpoint of another server (a switchover without GTIDs) instead of reading its position here', async () => {
    const src = await database('inc_server');
    await dbs.admin.query('CREATE TABLE t (id INT PRIMARY KEY)');
    const dst = dbs.newName('inc_server_dst');
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst }] }));
    expect(run(t, 'full-done').code).toBe(0);
    await dbs.admin.query(`INSERT INTO \`${src}\`.t VALUES (1)`);
    expect(run(t, 'caught-up').code).toBe(0);
    const [[id]] = await dbs.admin.query<RowDataPacket[]>('SELECT @@server_id AS id');
    const checkpointFile = join(t.state, 'reader-checkpoint.json');
    const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8')) as Record<string, unknown>;
    // MariaDB has no server UUID and its GTID positions are not kept: the identity is its server_id, no GTID set.
    expect(checkpoint).toMatchObject({ server: `server_id ${id!.id}`, epoch: 0 });
    expect(checkpoint.gtidExecuted).toBeUndefined();
    writeFileSync(checkpointFile, JSON.stringify({ ...checkpoint, server: 'server_id 4000000' }));
    const r = run(t, 'caught-up');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`is now server server_id ${id!.id}, but the checkpoint is a binlog position of server server_id 4000000`);
    expect(r.err).toMatch(/new full load/);
  });

  it('applies a 24 MiB BLOB update (it used to overflow the stack in a retry loop that never ended)', async () => {
    const src = await database('inc_big');
    await dbs.admin.query("CREATE TABLE big (id INT PRIMARY KEY, b LONGBLOB); INSERT INTO big VALUES (1, REPEAT('x', 20 * 1024 * 1024)), (2, REPEAT('z', 12 * 1024 * 1024)), (3, 'small')");
    const dst = dbs.newName('inc_big_dst');
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst }] }));
    expect(run(t, 'full-done').code).toBe(0);
    await dbs.admin.query(`UPDATE \`${src}\`.big SET b = REPEAT('y', 24 * 1024 * 1024) WHERE id = 1`);
    const r = run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    const digest = async (db: string) => (await dbs.admin.query<RowDataPacket[]>(`SELECT id, LENGTH(b) AS n, MD5(b) AS m FROM \`${db}\`.big ORDER BY id`))[0].map((x) => ({ ...x }));
    expect(await digest(dst)).toEqual(await digest(src));
    expect((await digest(dst))[0]).toMatchObject({ n: 24 * 1024 * 1024 });
  });

  it('says a new full load is needed when the recorded binlog position has been purged', async () => {
    const src = await database('inc_purged');
    await dbs.admin.query('CREATE TABLE t (id INT PRIMARY KEY)');
    const dst = dbs.newName('inc_purged_dst');
    const t = taskFile(taskDoc({ objects: [{ database: src, as: dst }] }));
    expect(run(t, 'full-done').code).toBe(0);
    // Point the reader at the binlog file before the oldest the server still has.
    const [[first]] = await dbs.admin.query<RowDataPacket[]>('SHOW BINARY LOGS');
    const purgedName = String(first!.Log_name).replace(/\d+$/, (d) => String(Math.max(0, Number(d) - 1)).padStart(d.length, '0'));
    writeFileSync(join(t.state, 'reader-checkpoint.json'), JSON.stringify({ file: purgedName, offset: 4, at: new Date().toISOString() }));
    const r = run(t, 'caught-up');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/new full load/i);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
