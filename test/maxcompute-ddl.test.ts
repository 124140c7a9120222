/**
 * DDL into a MaxCompute destination end to end: `fc-dts run` as a child process, the real MariaDB with
 * its binlog, the MaxCompute stand-in. ADD COLUMN reaches `_base` and `_log` (while a run is live and
 * between runs), later changes carry the new columns, DROP COLUMN is recorded as not applied (the
 * column is logged as NULL), and a rerun from the full load's start adds nothing twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import { fcDtsChildren, writeTaskFile } from './helpers/fc-dts-process.ts';
import { startTestMaxCompute, type TestMaxCompute } from './helpers/maxcompute.ts';
import { taskDoc, testDatabases, uniqueName } from './helpers/mariadb.ts';

describe('MySQL → MaxCompute DDL with fc-dts run (MariaDB binlog, MaxCompute stand-in)', () => {
  const dbs = testDatabases();
  const children = fcDtsChildren();
  const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-mc-ddl-'));
  let mc: TestMaxCompute;

  beforeAll(async () => {
    mc = await startTestMaxCompute();
  });
  afterEach(() => children.killAll());
  afterAll(async () => {
    await mc?.close();
    rmSync(dirs, { recursive: true, force: true });
  });

  const rows = (sql: string) => mc.rows(sql);
  const columns = async (table: string) => (await mc.client.getTable(table)).columns.map((c) => c.name);
  /** Waits (at most a minute) until the log holds `n` entries of row `id`: the live run has applied it. */
  async function logged(id: number, n = 1): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if ((await rows(`SELECT COUNT(*) FROM acct_log WHERE id = ${id}`))[0] === String(n)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`row ${id} was not logged ${n} times within a minute`);
  }

  it('adds columns to _base and _log, logs their values, records DROP COLUMN as not applied, and a rerun adds nothing twice', async () => {
    const db = await dbs.database('mc_ddl');
    const sql = (s: string) => dbs.admin.query(s);
    await sql("CREATE TABLE acct (id INT PRIMARY KEY, name VARCHAR(20), note VARCHAR(20)); INSERT INTO acct SELECT seq, CONCAT('n', seq), 'x' FROM seq_1_to_20");
    const t = writeTaskFile(dirs, taskDoc({
      name: uniqueName('mcddl'),
      destination: mc.destination({ partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day'] }),
      objects: [{ database: db }],
    }));
    const full = await children.run(t, 'full-done');
    expect(full.code, full.err).toBe(0);

    // Between runs: the next run opens with the new columns in the source catalog while the tables lack them.
    await sql(`INSERT INTO acct VALUES (21, 'before', 'x');
      ALTER TABLE acct ADD COLUMN score DECIMAL(10,2), ADD COLUMN seen TIMESTAMP(3) NULL, ADD INDEX ix_score (score);
      INSERT INTO acct VALUES (22, 'added', 'x', 1.50, '2024-05-01 10:00:00.123');
      UPDATE acct SET score = 2.25 WHERE id = 1;`);
    const live = children.spawn(['run', '-c', t.file, '--state', t.state], { stdio: 'ignore' });
    await logged(1, 2);
    // While the run is live: one more column, then a DROP the destination does not take.
    await sql(`ALTER TABLE acct ADD COLUMN tier TINYINT UNSIGNED;
      INSERT INTO acct VALUES (23, 'tiered', 'x', 3.00, NULL, 255);
      ALTER TABLE acct DROP COLUMN note;
      INSERT INTO acct VALUES (24, 'no note', 4.00, NULL, 1);
      UPDATE acct SET score = 5 WHERE id = 2;`);
    await logged(2, 2);
    live.kill('SIGKILL');
    await new Promise((r) => live.once('exit', r));
    const caught = await children.run(t, 'caught-up');
    expect(caught.code, caught.err).toBe(0);

    const data = ['id', 'name', 'note', 'score', 'seen', 'tier'];
    expect(await columns('acct_base')).toEqual(data);
    expect((await columns('acct_log')).slice(5)).toEqual(data);
    // seen: a MySQL TIMESTAMP is an instant (10:00 UTC), shown in the project's zone (Asia/Shanghai).
    expect(await rows(`SELECT operation_flag, before_flag, after_flag, ${data.join(', ')} FROM acct_log ORDER BY record_id, before_flag DESC LIMIT 100`)).toEqual([
      'I|N|Y|21|before|x|||',
      'I|N|Y|22|added|x|1.50|2024-05-01 18:00:00.123000|',
      'U|Y|N|1|n1|x|||',
      'U|N|Y|1|n1|x|2.25||',
      'I|N|Y|23|tiered|x|3.00||255',
      'I|N|Y|24|no note||4.00||1',
      'U|Y|N|2|n2||||',
      'U|N|Y|2|n2||5.00||',
    ]);

    const status = await children.fcDts(['status', '-c', t.file, '--state', t.state]);
    expect(status.out).toMatch(/1 DDL statements not applied to the destination; the last: ALTER TABLE on .*acct .*DROP COLUMN note is not applied: only ADD COLUMN is; the _base and _log tables keep their columns/);

    // The table as it is now, through the merge: rows not changed since the ADD have NULL there, as the source has.
    const merged = await children.fcDts(['merge', '-c', t.file, '--table', 'acct', '--at', new Date(Date.now() + 60_000).toISOString(), '--into', 'acct_now']);
    expect(merged.code, merged.err).toBe(0);
    expect(await rows('SELECT id, name, score, tier FROM acct_now WHERE id IN (1, 2, 3, 23, 24) ORDER BY id LIMIT 10')).toEqual(['1|n1|2.25|', '2|n2|5.00|', '3|n3||', '23|tiered|3.00|255', '24|no note|4.00|1']);
    const verify = await children.fcDts(['verify', '-c', t.file]);
    expect(verify.code, verify.out + verify.err).toBe(0);
    expect(verify.out).toContain('consistent: 1 table compared');

    // From the full load's start again: every DDL and change read anew, nothing added twice.
    const store = new FileStateStore(t.state);
    const start = (await store.getPlan())!.position;
    await store.putCheckpoint({ file: start.file, offset: start.offset, at: new Date().toISOString() });
    const again = await children.run(t, 'caught-up');
    expect(again.code, again.err).toBe(0);
    expect(await rows('SELECT COUNT(*) FROM acct_log')).toEqual(['8']);
    expect(await columns('acct_base')).toEqual(data);
  }, 240_000);
});
