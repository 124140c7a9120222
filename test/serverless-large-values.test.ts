/**
 * Large values through the serverless pipeline (scripts/lib/local-deployment.ts: the MNS and Tablestore
 * stand-ins spoken to by the real SDK clients, the binlog reader and apply-changes instances as
 * processes) against the real MariaDB and its binlog, MySQL → MySQL, all while the task is incremental:
 * a 64 MiB value of pseudo-random bytes (every byte value, not UTF-8, nearly incompressible: its
 * claim-check payload spans many Tablestore part rows) inserted, then updated to 64 MiB of a repeated
 * run of every byte value (deflates to almost nothing, but still goes by claim check), a 1 MiB value and
 * small rows. Exact bytes by MD5; every claim-check payload deleted once applied, and a copy of its
 * message delivered after that dropped as a replay; the peak memory of the reader and the apply
 * instances within the bound of docs/architecture.md §3.14.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { stringify } from 'yaml';
import type { RowDataPacket } from 'mysql2/promise';
import { taskDoc, testDatabases } from './helpers/mariadb.ts';
import { LocalDeployment, stopProcess } from '../scripts/lib/local-deployment.ts';
import { MnsChangeQueue } from '../shared/queue/mns-change-queue.ts';
import type { QueuedMessage } from '../shared/queue/change-queue.ts';

const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-sl-'));
const dbs = testDatabases();
const deployments: Array<{ d: LocalDeployment; lines: string[] }> = [];
afterEach(async (ctx) => {
  for (const { d, lines } of deployments.splice(0)) {
    if (ctx.task.result?.state === 'fail') console.log(lines.slice(-60).join('\n'));
    await d.close(1000).catch(() => {});
  }
});

const MiB = 1024 * 1024;
const LARGEST = 64;
/**
 * The process's own size plus 5 × the largest row image (the update carries the old and the new value):
 * one image more than standalone (test/large-values.test.ts), as apply-changes holds a claim-check
 * payload deflated, inflated and as JSON text before the parsed change, and V8 frees them late.
 */
const PEAK_BOUND_MIB = 200 + 5 * (2 * LARGEST);
/** The reader reports its peak RSS as it exits (in the deployment's log). */
/**
 * The processes run with the JavaScript heap of a function instance, not of this 24 GiB machine: V8 then
 * collects as it would there, and the peaks measure what is held, not garbage not yet collected.
 */
const INSTANCE_HEAP = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=512`.trim() };
const REPORT_PEAK = { NODE_OPTIONS: `${INSTANCE_HEAP.NODE_OPTIONS} --import ${join(import.meta.dirname, 'helpers', 'report-peak-rss.mjs')}` };

/** `mib` MiB of SHA-512 output: every byte value, no UTF-8, next to nothing for deflate to take out. */
const noise = (mib: number, tag: string) => `(SELECT GROUP_CONCAT(UNHEX(SHA2(CONCAT('${tag}', seq), 512)) SEPARATOR '') FROM seq_1_to_${mib * (MiB / 64)})`;
/** `mib` MiB of the 256 byte values in a row, over and over. */
const everyByte = (mib: number) => `REPEAT(UNHEX('${Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)).toString('hex')}'), ${mib * (MiB / 256)})`;

/** A running process's peak RSS so far, in MiB: Linux keeps it as VmHWM. */
function peakRss(pid: number): number {
  return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);
}

describe('large values through the serverless queue (claim checks, real MariaDB binlog)', () => {
  it('syncs a 64 MiB value inserted and updated, a 1 MiB value and small rows exactly; deletes the payloads; bounded memory', async () => {
    const src = await dbs.database('sl');
    const dst = dbs.newName('sl_dst');
    await dbs.admin.query(`CREATE TABLE big (id INT PRIMARY KEY, b LONGBLOB, n INT);
      CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO small SELECT seq, CONCAT('v', seq) FROM seq_1_to_200; INSERT INTO big VALUES (9, 'before', 9);`);
    const dir = mkdtempSync(join(dirs, 'd-'));
    const file = join(dir, 'task.yaml');
    writeFileSync(file, stringify(taskDoc({ name: 'dist-large', objects: [{ database: src, as: dst }] })));
    const lines: string[] = [];
    const d = await LocalDeployment.start({ taskFile: file, dir, log: (l) => lines.push(l) });
    deployments.push({ d, lines });
    await d.fullLoad(1, 120_000);

    await dbs.admin.query(`SET SESSION group_concat_max_len = ${1 << 30};
      INSERT INTO big VALUES (1, ${noise(LARGEST, 'a')}, 1), (3, ${noise(1, 'c')}, 3), (5, UNHEX('00FF5C27'), 5);
      UPDATE big SET b = ${everyByte(LARGEST)}, n = 11 WHERE id = 1;
      UPDATE small SET v = 'changed' WHERE id % 10 = 0;`);

    // The reader alone first: what it left in the queue and the state store.
    const reader = d.spawn('reader', { ...REPORT_PEAK, DTS_UNTIL: 'caught-up' });
    expect(await new Promise((r) => reader.once('exit', r))).toBe(0);
    const payloads = () => d.store.payloadIds('dist-large/');
    expect(await payloads()).toHaveLength(3); // the two 64 MiB images and the 1 MiB one

    // Copies of the claim-check messages, to deliver again once they are applied.
    const queue = new MnsChangeQueue({ endpoint: d.standIns.mns.endpoint, accountId: d.standIns.mns.accountId, accessKeyId: d.standIns.accessKeyId, accessKeySecret: d.standIns.accessKeySecret, queue: d.changeQueue });
    const received: QueuedMessage[] = [];
    for (let got = await queue.receive(16, 1); got.length > 0; got = await queue.receive(16, 1)) received.push(...got);
    await queue.send(received.map((m) => m.body));
    for (const m of received) await queue.delete(m.receiptHandle);
    const tickets = received.map((m) => m.body).filter((b) => inflateRawSync(Buffer.from(b, 'base64')).toString('utf8').includes('"claim"'));
    expect(tickets).toHaveLength(3);

    const appliers = [d.spawn('apply-changes', INSTANCE_HEAP), d.spawn('apply-changes', INSTANCE_HEAP)];
    let applyPeak = 0;
    try {
      await d.waitForEmptyQueue(d.changeQueue, 240_000);
      await sameBytes(src, dst);
      expect(await payloads()).toEqual([]);

      // Delivered again after their payloads are gone: replays, dropped, nothing set aside.
      await queue.send(tickets);
      await d.waitForEmptyQueue(d.changeQueue, 60_000);
      applyPeak = Math.max(...appliers.map((w) => peakRss(w.pid!)));
    } finally {
      await Promise.all(appliers.map((w) => stopProcess(w, 10_000)));
    }
    expect(lines.filter((l) => / is a replay: its change is applied/.test(l)).length).toBeGreaterThanOrEqual(3);
    await sameBytes(src, dst);
    expect(await d.store.dirtyRecords()).toEqual([]);
    expect((await d.taskState())?.lastError).toBeUndefined();
    const [[changed]] = await dbs.admin.query<RowDataPacket[]>(`SELECT COUNT(*) n FROM \`${dst}\`.small WHERE v = 'changed'`);
    expect(Number(changed!.n)).toBe(20);

    const readerPeak = Number(lines.map((l) => /^\[reader \d+\] peak rss (\d+) MiB/.exec(l)?.[1]).find((n) => n !== undefined));
    console.log(`[serverless large values] peak memory: reader ${readerPeak} MiB, apply-changes ${applyPeak} MiB (bound ${PEAK_BOUND_MIB} MiB)`);
    expect(readerPeak).toBeGreaterThan(0);
    expect(applyPeak).toBeGreaterThan(0);
    expect(readerPeak).toBeLessThan(PEAK_BOUND_MIB);
    expect(applyPeak).toBeLessThan(PEAK_BOUND_MIB);
  }, 300_000);
});

async function sameBytes(src: string, dst: string): Promise<void> {
  const digest = async (db: string) =>
    (await dbs.admin.query<RowDataPacket[]>(`SELECT id, LENGTH(b) bl, MD5(b) bm, n FROM \`${db}\`.big ORDER BY id`))[0].map((r) => ({ ...r }));
  const there = await digest(dst);
  expect(there).toEqual(await digest(src));
  expect(there.map((r) => Number(r.bl))).toEqual([LARGEST * MiB, MiB, 4, 6]);
}
