/**
 * What `fc-dts status` says of the `_log` tables' partitions, listed from the MaxCompute stand-in through
 * fc-dts's own client: the count and the newest, the warning past 80% of the per-table limit, the table list
 * from the task state when there is no full-load plan, and a line saying why when the service cannot answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMaxComputeStandIn, type MaxComputeStandIn } from '../infra/maxcompute-standin/index.ts';
import { logPartitionLines } from '../shared/destinations/maxcompute/maxcompute-status.ts';
import { MaxComputeClient } from '../shared/maxcompute/maxcompute-client.ts';
import { formatTaskStatus, readTaskStatus } from '../shared/pipeline/task-status.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import { validateTask } from '../shared/task/task-file.ts';

const AK = 'LTAImcstatustest';
const SECRET = 'mc-status-secret';
const LIMIT = 10;
const FIELDS = ['modifytime_year', 'modifytime_month', 'modifytime_day'];

describe('status: the partitions of the _log tables', () => {
  let mc: MaxComputeStandIn;
  let client: MaxComputeClient;
  const dir = mkdtempSync(join(tmpdir(), 'fc-dts-mc-status-'));

  beforeAll(async () => {
    // The stand-in refuses an 11th partition, as the service refuses the 60,001st.
    mc = await startMaxComputeStandIn({ accessKeyId: AK, accessKeySecret: SECRET, sqlDelayMs: 5, limits: { partitionsPerTable: LIMIT } });
    client = new MaxComputeClient({ endpoint: mc.endpoint, project: mc.project, credentials: { accessKeyId: AK, accessKeySecret: SECRET }, retry: { attempts: 1 } });
    const keys = FIELDS.map((f) => `${f} string`).join(', ');
    const add = (table: string, days: Array<[string, string, string]>) =>
      client.sql.run(`alter table ${table} add ${days.map(([y, m, d]) => `partition (modifytime_year='${y}', modifytime_month='${m}', modifytime_day='${d}')`).join(' ')}`);
    await client.sql.run(`create table busy_log (record_id bigint, id bigint) partitioned by (${keys})`);
    await client.sql.run(`create table quiet_log (record_id bigint, id bigint) partitioned by (${keys})`);
    await add('busy_log', Array.from({ length: 9 }, (_, i): [string, string, string] => ['2026', '11', `0${i + 1}`]));
    await add('quiet_log', [
      ['2026', '12', '02'],
      ['2026', '09', '30'],
    ]);
  });
  afterAll(async () => {
    await mc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts every page of every table, names the newest partition, and warns about a table past 80% of the limit', async () => {
    const before = mc.requests.ListPartitions ?? 0;
    const lines = await logPartitionLines(client, ['busy_log', 'quiet_log'], { limit: LIMIT, pageSize: 4 });
    // 9 partitions in pages of 4, 2 in one page.
    expect(mc.requests.ListPartitions! - before).toBe(4);
    expect(lines).toEqual([
      'MaxCompute _log partitions: 11 in 2 tables, the newest modifytime_year=2026/modifytime_month=12/modifytime_day=02',
      'MaxCompute warning: busy_log has 9 partitions, past 80% of the 10 a table may have: set fewer destination.partitionFields (e.g. drop modifytime_minute) for new tables, or archive and drop old partitions',
    ]);
    expect(await logPartitionLines(client, ['quiet_log'], { limit: LIMIT })).toEqual(['MaxCompute _log partitions: 2 in 1 table, the newest modifytime_year=2026/modifytime_month=12/modifytime_day=02']);
  });

  it('does not warn at 80% of the limit exactly', async () => {
    await client.sql.run(`create table eight_log (id bigint) partitioned by (d string)`);
    await client.sql.run(`alter table eight_log add ${Array.from({ length: 8 }, (_, i) => `partition (d='${i + 1}')`).join(' ')}`);
    expect(await logPartitionLines(client, ['eight_log'], { limit: LIMIT })).toEqual(['MaxCompute _log partitions: 8 in 1 table, the newest d=8']);
  });

  it('says unknown with the reason when a table is missing or the service cannot be reached, and never prints the secret', async () => {
    expect(await logPartitionLines(client, ['quiet_log', 'gone_log'])).toEqual([
      `MaxCompute _log partitions: unknown (MaxCompute table ${mc.project}.gone_log: NoSuchObject (HTTP 404): ODPS-0130131:Table not found - '${mc.project}.gone_log'.)`,
    ]);
    const closed = await startMaxComputeStandIn({ accessKeyId: AK, accessKeySecret: SECRET });
    await closed.close();
    const unreachable = new MaxComputeClient({ endpoint: closed.endpoint, project: closed.project, credentials: { accessKeyId: AK, accessKeySecret: SECRET }, retry: { attempts: 1 } });
    const [line, ...more] = await logPartitionLines(unreachable, ['quiet_log'], { secrets: [SECRET] });
    expect(more).toEqual([]);
    expect(line).toMatch(new RegExp(`^MaxCompute _log partitions: unknown \\(MaxCompute table ${closed.project}\\.quiet_log: ECONNREFUSED: `));
    expect(line).not.toContain(SECRET);
  });

  it('fc-dts status of a task without a full load lists the _log tables schema sync created, from the task state', async () => {
    const task = validateTask({
      name: 'mc-status-task',
      source: { type: 'mysql', host: '127.0.0.1', port: 3306, user: 'u', password: 'p' },
      destination: { type: 'maxcompute', endpoint: mc.endpoint, project: mc.project, accessKeyId: AK, accessKeySecret: SECRET, partitionFields: FIELDS },
      sync: { types: ['schema', 'incremental'] },
      objects: [{ database: 'shop' }],
    });
    const store = new FileStateStore(dir);
    await store.putTaskState({
      phase: 'incremental',
      ownedTables: ['maxcompute:busy_base', 'maxcompute:busy_log', 'maxcompute:quiet_base', 'maxcompute:quiet_log'],
      schemaDone: true,
      updatedAt: new Date().toISOString(),
    });
    const text = formatTaskStatus(await readTaskStatus(task, store));
    expect(text.split('\n').filter((l) => l.includes('MaxCompute'))).toEqual([
      `  destination: MaxCompute project ${mc.project} at ${mc.endpoint} (AccessKey ID ${AK})`,
      '  MaxCompute _log tables: 0 entries in 0 commits, 0 upload sessions (files)',
      // Measured against the service's 60,000 a table: no warning for 9.
      '  MaxCompute _log partitions: 11 in 2 tables, the newest modifytime_year=2026/modifytime_month=12/modifytime_day=02',
    ]);
  });
});
