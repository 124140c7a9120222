/**
 * Tables with unique keys beside the primary key, through `fc-dts run` (bin/fc-dts.js) against the real
 * MariaDB binlog: source transactions that move unique values between rows (swaps through a temporary
 * value, a value freed by a delete and reused, a chain, composite and nullable keys, several unique keys
 * on one table, ADD UNIQUE / DROP INDEX mid-stream) must all apply, at 16 buckets, with nothing set aside.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { resumePointOf } from '../shared/change/position.ts';
import { currentBinlogCoordinates } from '../shared/mysql/binlog-coordinates.ts';
import type { FullLoadPlan } from '../shared/state/state-store.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { adminConnection, taskDoc, testDatabases } from './helpers/mariadb.ts';
import { diffTables } from './helpers/fixtures.ts';
import { fcDtsChildren, writeTaskFile, type TaskFiles } from './helpers/fc-dts-process.ts';

const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-uk-'));
const dbs = testDatabases();
const children = fcDtsChildren();
afterEach(() => children.killAll());

/** 16 buckets and small batches: the changes of one source transaction land in many batches. */
function task(src: string, dst: string, dirtyData: 'block' | 'skip' = 'block'): TaskFiles {
  return writeTaskFile(dirs, taskDoc({ objects: [{ database: src, as: dst }], sync: { dirtyData }, advanced: { incremental: { buckets: 16, batchChanges: 3, workers: 4 } } }));
}

async function same(src: string, dst: string, table: string, columns: readonly string[]): Promise<void> {
  const there = await diffTables(dbs.admin, { db: src, table }, { db: dst, table }, columns);
  const back = await diffTables(dbs.admin, { db: dst, table }, { db: src, table }, columns);
  expect({ unmatched: there.unmatched, back: back.unmatched, count: back.countA }).toEqual({ unmatched: 0, back: 0, count: back.countB });
}

/** A source database with `ddl` run in it, loaded into a new destination database by `run --until full-done`. */
async function fullyLoaded(prefix: string, ddl: string, taskOf: (src: string, dst: string) => TaskFiles = task): Promise<{ src: string; dst: string; t: TaskFiles }> {
  const src = await dbs.database(prefix);
  const dst = dbs.newName(`${prefix}_dst`);
  await dbs.admin.query(ddl);
  const t = taskOf(src, dst);
  expect((await children.run(t, 'full-done')).code).toBe(0);
  return { src, dst, t };
}

/** Runs `writes` on a connection of its own whose default database is `db`. */
async function onSource(db: string, writes: (c: Connection) => Promise<void>): Promise<void> {
  const c = await adminConnection();
  try {
    await c.query(`USE \`${db}\``);
    await writes(c);
  } finally {
    await c.end();
  }
}

/** Swaps the values of `column` between rows a and b through a temporary value, in one transaction. */
async function swap(c: Connection, table: string, column: string, a: number, b: number, temp: string): Promise<void> {
  await c.query(`START TRANSACTION;
    SELECT ${column} INTO @va FROM ${table} WHERE id = ${a};
    SELECT ${column} INTO @vb FROM ${table} WHERE id = ${b};
    UPDATE ${table} SET ${column} = ${temp} WHERE id = ${a};
    UPDATE ${table} SET ${column} = @va WHERE id = ${b};
    UPDATE ${table} SET ${column} = @vb WHERE id = ${a};
    COMMIT;`);
}

describe('unique keys beside the primary key (real MariaDB binlog, 16 buckets)', () => {
  it('swaps of unique values between rows apply, every one, with dirtyData block', async () => {
    const { src, dst, t } = await fullyLoaded('uk_swap', `CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, UNIQUE KEY (email));
      INSERT INTO u SELECT seq, CONCAT('e', seq) FROM seq_1_to_200;`);
    await onSource(src, async (c) => {
      for (let i = 0; i < 120; i++) await swap(c, 'u', 'email', 1 + ((i * 7) % 200), 1 + ((i * 13 + 5) % 200), `'swap-${i}'`);
    });
    const r = await children.run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    await same(src, dst, 'u', ['id', 'email']);
  });

  it('a destination reader never sees half of a swap: a source transaction on such a table is one destination transaction', async () => {
    // Batches of 2 changes: without the hold, every 3-change swap would be cut between two batches.
    const { src, dst, t } = await fullyLoaded('uk_visible', `CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, UNIQUE KEY (email));
      INSERT INTO u SELECT seq, CONCAT('e', seq) FROM seq_1_to_100;`, (s, d) => writeTaskFile(dirs, taskDoc({ objects: [{ database: s, as: d }], advanced: { incremental: { buckets: 16, batchChanges: 2, workers: 4 } } })));
    await onSource(src, async (c) => {
      for (let i = 0; i < 300; i++) await swap(c, 'u', 'email', 1 + ((i * 7) % 100), 1 + ((i * 13 + 5) % 100), `'swap-${i}'`);
    });
    const reader = await adminConnection();
    let seen = 0;
    let reads = 0;
    let done = false;
    const watching = (async () => {
      while (!done) {
        const [[row]] = await reader.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${dst}\`.u WHERE email LIKE 'swap-%'`).catch(() => [[{ n: 0 }]] as unknown as [RowDataPacket[]]);
        seen += Number(row!.n);
        reads++;
      }
    })();
    const r = await children.run(t, 'caught-up');
    done = true;
    await watching;
    await reader.end();
    expect(r.code, r.err).toBe(0);
    expect(reads).toBeGreaterThan(10);
    expect(seen).toBe(0);
    await same(src, dst, 'u', ['id', 'email']);
  });

  it('composite, nullable and several unique keys; a value freed by a delete and reused; a chain of moves', async () => {
    const { src, dst, t } = await fullyLoaded('uk_shapes', `CREATE TABLE m (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(8) NOT NULL, n INT NULL, slot INT NOT NULL,
        UNIQUE KEY ab (a, b), UNIQUE KEY nn (n), UNIQUE KEY s (slot));
      INSERT INTO m SELECT seq, seq % 10, CONCAT('b', seq DIV 10), IF(seq % 3 = 0, NULL, seq), seq FROM seq_1_to_100;`);
    await onSource(src, async (c) => {
      for (let i = 0; i < 30; i++) {
        const [x, y] = [1 + ((i * 11) % 100), 1 + ((i * 17 + 3) % 100)];
        if (x === y) continue;
        await swap(c, 'm', 'slot', x, y, `-${i + 1}`);
        // The composite key moves between two rows through a temporary pair.
        await c.query(`START TRANSACTION;
          SELECT a, b INTO @a1, @b1 FROM m WHERE id = ${x}; SELECT a, b INTO @a2, @b2 FROM m WHERE id = ${y};
          UPDATE m SET a = -1, b = 'tmp' WHERE id = ${x}; UPDATE m SET a = @a1, b = @b1 WHERE id = ${y}; UPDATE m SET a = @a2, b = @b2 WHERE id = ${x};
          COMMIT;`);
        // A nullable unique value handed over (NULLs never collide).
        await c.query(`START TRANSACTION; SELECT n INTO @n FROM m WHERE id = ${x}; UPDATE m SET n = NULL WHERE id = ${x}; UPDATE m SET n = @n WHERE id = ${y} AND n IS NULL; COMMIT;`);
      }
      // A value freed by a delete and reused by another row's insert, in one transaction.
      await c.query(`START TRANSACTION; SELECT a, b, n, slot INTO @a, @b, @n, @s FROM m WHERE id = 50;
        DELETE FROM m WHERE id = 50; INSERT INTO m VALUES (1050, @a, @b, @n, @s); COMMIT;`);
      // A chain: each row takes the next one's slot, the last the first's.
      await c.query(`START TRANSACTION;
        SELECT slot INTO @s10 FROM m WHERE id = 10; SELECT slot INTO @s11 FROM m WHERE id = 11; SELECT slot INTO @s12 FROM m WHERE id = 12; SELECT slot INTO @s13 FROM m WHERE id = 13;
        UPDATE m SET slot = -1000 WHERE id = 10; UPDATE m SET slot = @s10 WHERE id = 11; UPDATE m SET slot = @s11 WHERE id = 12;
        UPDATE m SET slot = @s12 WHERE id = 13; UPDATE m SET slot = @s13 WHERE id = 10; COMMIT;`);
    });
    const r = await children.run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    await same(src, dst, 'm', ['id', 'a', 'b', 'n', 'slot']);
  });

  it('a run killed with SIGKILL mid-way and run again ends exact, nothing set aside', async () => {
    const { src, dst, t } = await fullyLoaded('uk_kill', `CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, UNIQUE KEY (email));
      INSERT INTO u SELECT seq, CONCAT('e', seq) FROM seq_1_to_310;`);
    await onSource(src, async (c) => {
      for (let i = 0; i < 400; i++) {
        await swap(c, 'u', 'email', 1 + ((i * 7) % 300), 1 + ((i * 13 + 5) % 300), `'swap-${i}'`);
        // Every 50th: a value freed by a delete and reused by a new row, and a chain of three moves.
        if (i % 50 === 0) {
          await c.query(`START TRANSACTION; SELECT email INTO @e FROM u WHERE id = ${301 + i / 50}; DELETE FROM u WHERE id = ${301 + i / 50}; INSERT INTO u VALUES (${1000 + i}, @e); COMMIT;
            START TRANSACTION; SELECT email INTO @a FROM u WHERE id = 290; SELECT email INTO @b FROM u WHERE id = 291; SELECT email INTO @c FROM u WHERE id = 292;
            UPDATE u SET email = 'chain' WHERE id = 290; UPDATE u SET email = @a WHERE id = 291; UPDATE u SET email = @b WHERE id = 292; UPDATE u SET email = @c WHERE id = 290; COMMIT;`);
        }
      }
    });
    // Killed once it applies (its first reused value is in the destination; small batches: many
    // destination transactions after it), then run to the end.
    const running = children.spawn(['run', '-c', t.file, '--state', t.state]);
    const applying = Date.now() + 20_000;
    for (;;) {
      const [[n]] = await dbs.admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'u'`, [dst]);
      const [[r]] = Number(n!.n) > 0 ? await dbs.admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${dst}\`.u WHERE id >= 1000`) : [[{ n: 0 }]];
      if (Number(r!.n) > 0 || Date.now() > applying) break;
      await new Promise((res) => setTimeout(res, 10));
    }
    running.kill('SIGKILL');
    await new Promise((r) => running.once('exit', r));
    const r = await children.run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toMatch(/set aside/);
    await same(src, dst, 'u', ['id', 'email']);
  });

  it('an upsert never touches a row other than the one its primary key names', async () => {
    // The destination row 2 holds the email that row 1's replayed insert carries: INSERT … ON DUPLICATE KEY
    // UPDATE would overwrite row 2. The change must fail (dirtyData: skip sets it aside) and leave row 2 alone.
    const { src, dst, t } = await fullyLoaded('uk_upsert', 'CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, UNIQUE KEY (email))', (s, d) => task(s, d, 'skip'));
    await dbs.admin.query(`INSERT INTO \`${dst}\`.u VALUES (2, 'taken')`);
    await dbs.admin.query(`INSERT INTO \`${src}\`.u VALUES (1, 'taken')`);
    const r = await children.run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    const [rows] = await dbs.admin.query(`SELECT id, email FROM \`${dst}\`.u ORDER BY id`);
    expect(rows).toEqual([{ id: 2, email: 'taken' }]);
  });

  it('in the catch-up window after a full load, a row ahead of the replay that holds a unique value is replaced, and the copy ends exact', async () => {
    // Chunks are read at different times: here row 1 as after t3, row 2 as before t1. Replaying t1
    // (row 2 takes 'x') collides with row 1's 'x', which t3's replay then rewrites.
    const { src, dst, t } = await fullyLoaded('uk_window', "CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, UNIQUE KEY (email)); INSERT INTO u VALUES (1, 'a'), (2, 'b')");
    await dbs.admin.query("UPDATE u SET email = 'x' WHERE id = 2; UPDATE u SET email = 'z' WHERE id = 2; UPDATE u SET email = 'x' WHERE id = 1");
    await dbs.admin.query(`UPDATE \`${dst}\`.u SET email = 'x' WHERE id = 1`);
    const planFile = join(t.state, 'full-load-plan.json');
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as FullLoadPlan;
    expect(plan.end).toBeDefined();
    writeFileSync(planFile, JSON.stringify({ ...plan, end: resumePointOf(await currentBinlogCoordinates(dbs.admin)) }));
    const r = await children.run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    await same(src, dst, 'u', ['id', 'email']);
  });

  it('ALTER TABLE … ADD UNIQUE and DROP INDEX mid-stream: the table is applied by its keys as of each position', async () => {
    const { src, dst, t } = await fullyLoaded('uk_ddl', `CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL);
      INSERT INTO u SELECT seq, CONCAT('e', seq) FROM seq_1_to_60;`);
    await onSource(src, async (c) => {
      for (let i = 0; i < 10; i++) await swap(c, 'u', 'email', 1 + i, 30 + i, `'pre-${i}'`);
      await c.query('ALTER TABLE u ADD UNIQUE KEY uemail (email)');
      for (let i = 0; i < 20; i++) await swap(c, 'u', 'email', 1 + ((i * 7) % 60), 1 + ((i * 11 + 3) % 60), `'mid-${i}'`);
      await c.query('ALTER TABLE u DROP INDEX uemail');
      for (let i = 0; i < 10; i++) await swap(c, 'u', 'email', 5 + i, 40 + i, `'post-${i}'`);
    });
    const r = await children.run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    await same(src, dst, 'u', ['id', 'email']);
  });
});
