/**
 * Values of tens of megabytes through `fc-dts run` (bin/fc-dts.js as a child process) against the real
 * MariaDB and its binlog: a 64 MiB BLOB whose bytes all need escaping in LOAD DATA's format, 24 MiB of
 * 4-byte and 2-byte UTF-8 text, 1 MiB values and small rows, through the full load and through
 * inserts, updates, a key change and deletes — exact bytes, and the peak memory the process reports
 * within the bound docs/architecture.md §3.14 states.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { taskDoc, testDatabases } from './helpers/mariadb.ts';
import { fcDtsChildren, writeTaskFile, type FcDtsResult } from './helpers/fc-dts-process.ts';

const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-large-'));
const dbs = testDatabases();
const children = fcDtsChildren();
afterEach(() => children.killAll());
const MiB = 1024 * 1024;
/** The largest value of the test, in MiB. */
const LARGEST = 64;
/**
 * The memory bound (docs/architecture.md §3.14): the process's own size plus 4 × the largest row image
 * it reads — here 2 × LARGEST both ways: the update of a 64 MiB value carries the old and the new
 * value in one binlog event, and the full load reads a BLOB as hex.
 */
const PEAK_BOUND_MIB = 200 + 4 * (2 * LARGEST);

/** A BLOB of `mib` MiB made of the bytes LOAD DATA must escape (NUL, TAB, LF, backslash) and quotes. */
const blob = (mib: number, tag: string) => `REPEAT(UNHEX('00090A5C2722${tag}FF'), ${mib} * ${MiB / 8})`;
/** TEXT of `mib` MiB of 😀 (4 bytes) and é (2 bytes). */
const emoji = (mib: number) => `REPEAT(CONVERT(UNHEX('F09F9880C3A9') USING utf8mb4), ${mib} * ${MiB / 6})`;

function peakMemory(r: FcDtsResult, phase: 'full load done' | 'incremental'): number {
  const peak = Number(new RegExp(`${phase}: .*peak memory (\\d+) MiB`).exec(r.out)?.[1]);
  expect(peak, r.out).toBeGreaterThan(0);
  return peak;
}

describe('large values MySQL → MySQL (real MariaDB binlog)', () => {
  it('copies and syncs a 64 MiB BLOB, 24 MiB of 4-byte text and 1 MiB values exactly, in memory bounded by the largest value', async () => {
    const src = await dbs.database('large');
    const dst = dbs.newName('large_dst');
    await dbs.admin.query(`CREATE TABLE big (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT CHARACTER SET utf8mb4, n INT);
      CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO small SELECT seq, CONCAT('v', seq) FROM seq_1_to_1000;
      INSERT INTO big VALUES (1, ${blob(LARGEST, '01')}, 'one', 1), (2, NULL, ${emoji(24)}, 2), (3, ${blob(1, '03')}, REPEAT('x', ${MiB}), 3), (4, 'tiny', 'tiny', 4);`);
    const t = writeTaskFile(dirs, taskDoc({ objects: [{ database: src, as: dst }] }));

    const full = await children.run(t, 'full-done');
    expect(full.code, full.err).toBe(0);
    const fullPeak = peakMemory(full, 'full load done');
    await sameBytes(src, dst);

    await dbs.admin.query(`INSERT INTO big VALUES (5, ${blob(LARGEST, '05')}, ${emoji(1)}, 5);
      UPDATE big SET b = ${blob(LARGEST, '11')}, n = 11 WHERE id = 1;
      UPDATE big SET n = 12 WHERE id = 1;
      UPDATE big SET id = 20 WHERE id = 2;
      DELETE FROM big WHERE id = 3;
      UPDATE big SET t = ${emoji(2)} WHERE id = 4;
      UPDATE small SET v = 'changed' WHERE id % 10 = 0;`);
    const inc = await children.run(t, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
    const incPeak = peakMemory(inc, 'incremental');
    await sameBytes(src, dst);
    const [[changed]] = await dbs.admin.query<RowDataPacket[]>(`SELECT COUNT(*) n FROM \`${dst}\`.small WHERE v = 'changed'`);
    expect(Number(changed!.n)).toBe(100);

    console.log(`[large values] peak memory: full load ${fullPeak} MiB, incremental ${incPeak} MiB (bound ${PEAK_BOUND_MIB} MiB)`);
    expect(fullPeak).toBeLessThan(PEAK_BOUND_MIB);
    expect(incPeak).toBeLessThan(PEAK_BOUND_MIB);
  });
});

async function sameBytes(src: string, dst: string): Promise<void> {
  const digest = async (db: string) =>
    (await dbs.admin.query<RowDataPacket[]>(`SELECT id, LENGTH(b) bl, MD5(b) bm, LENGTH(t) tl, MD5(t) tm, n FROM \`${db}\`.big ORDER BY id`))[0].map((r) => ({ ...r }));
  const there = await digest(dst);
  expect(there).toEqual(await digest(src));
  expect(there.length).toBeGreaterThan(0);
}
