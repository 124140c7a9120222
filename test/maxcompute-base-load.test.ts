/**
 * The full load into `_base` of a table with more chunks than an upload session takes blocks (the
 * real MariaDB as source, the MaxCompute stand-in; the session size lowered to 3 blocks so seven
 * chunks need three sessions): every row exactly once through chunks loaded twice, a commit that
 * fails, and a restarted finish.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseLoadTarget } from '../shared/destinations/maxcompute/base-load-target.ts';
import { baseTableDdl } from '../shared/destinations/maxcompute/maxcompute-schema.ts';
import { planFullLoad } from '../shared/fullload/full-load.ts';
import { connect } from '../shared/mysql/connection.ts';
import { resolveTask } from '../shared/pipeline/standalone-runner.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import { allTables } from '../shared/task/object-mapper.ts';
import { validateTask } from '../shared/task/task-file.ts';
import { Throttle } from '../shared/throttle.ts';
import { startTestMaxCompute, type TestMaxCompute } from './helpers/maxcompute.ts';
import { taskDoc, testDatabases, uniqueName } from './helpers/mariadb.ts';

describe('MaxCompute _base load over several upload sessions (MariaDB, MaxCompute stand-in)', () => {
  const dbs = testDatabases();
  const dir = mkdtempSync(join(tmpdir(), 'fc-dts-mc-base-'));
  let mc: TestMaxCompute;

  beforeAll(async () => {
    mc = await startTestMaxCompute();
  });
  afterAll(async () => {
    await mc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads seven chunks through three sessions, each row once, committing the rest after a failed commit', async () => {
    const db = await dbs.database('mc_base');
    await dbs.admin.query("CREATE TABLE wide (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO wide SELECT seq, CONCAT('v', seq) FROM seq_1_to_700; ANALYZE TABLE wide");
    const task = validateTask(taskDoc({
      name: uniqueName('mcbase'),
      destination: mc.destination(),
      objects: [{ database: db }],
      advanced: { fullLoad: { chunkRows: 100 } },
    }));
    const [table] = allTables(await resolveTask(task));
    const { client } = mc;
    await client.sql.run(baseTableDdl(table!).sql);
    const store = new FileStateStore(join(dir, 'state'));
    const plan = await planFullLoad(task, [table!], store);
    const chunks = plan.tables[0]!.chunks;
    expect(chunks.length).toBe(7);

    const target = () => new BaseLoadTarget({ client, store, timeZone: 'UTC', dirtyData: 'block', blocksPerSession: 3 }, { throttle: new Throttle(task.advanced.throttle.full), onDirty: () => {} });
    const first = target();
    const worker = await first.worker();
    const source = await connect('source', task.source);
    try {
      // Chunks 0 and 4 loaded twice (a retry, a message delivered again): their blocks are replaced.
      for (const chunk of [...chunks, chunks[0]!, chunks[4]!]) {
        const loaded = await worker.load(source, table!, chunk);
        await store.markChunkDone({ table: plan.tables[0]!.table, chunk: chunk.index, rows: loaded.rows, bytes: loaded.bytes });
      }
    } finally {
      await source.end();
    }
    const record = JSON.parse((await store.getBucketRecord('maxcompute-base', 0))!.value) as { uploadIds: Record<string, string> };
    expect(Object.keys(record.uploadIds)).toEqual(['0', '1', '2']);

    mc.standIn.faults.failRequests('CommitUpload', 1);
    await expect(first.finish()).rejects.toThrow(/ServiceUnavailable/);
    const commitsBefore = mc.standIn.requests.CommitUpload ?? 0;
    // A restarted run finishes what the first did not.
    await target().finish();
    expect((mc.standIn.requests.CommitUpload ?? 0) - commitsBefore).toBe(3);
    const { rows } = await client.sql.query('SELECT COUNT(*), COUNT(DISTINCT id), SUM(id) FROM wide_base');
    expect(rows).toEqual([['700', '700', '245350']]);
    // Committed: a later finish and a chunk loaded again change nothing.
    await target().finish();
    expect((mc.standIn.requests.CommitUpload ?? 0) - commitsBefore).toBe(3);
    expect((await client.sql.query('SELECT COUNT(*) FROM wide_base')).rows).toEqual([['700']]);
  }, 120_000);

  it('records a row set aside once when its block upload is tried again', async () => {
    const db = await dbs.database('mc_base_dirty');
    await dbs.admin.query("CREATE TABLE big (id INT PRIMARY KEY, body LONGTEXT); INSERT INTO big SELECT seq, 'small' FROM seq_1_to_5; INSERT INTO big VALUES (6, REPEAT('x', 9 * 1024 * 1024))");
    const task = validateTask(taskDoc({ name: uniqueName('mcdirty'), destination: mc.destination(), objects: [{ database: db }], sync: { dirtyData: 'skip' } }));
    const [table] = allTables(await resolveTask(task));
    await mc.client.sql.run(baseTableDdl(table!).sql);
    const store = new FileStateStore(join(dir, 'dirty-state'));
    const plan = await planFullLoad(task, [table!], store);
    let dirty = 0;
    const target = new BaseLoadTarget({ client: mc.client, store, timeZone: 'UTC', dirtyData: 'skip' }, { throttle: new Throttle(task.advanced.throttle.full), onDirty: () => dirty++ });
    const source = await connect('source', task.source);
    try {
      mc.standIn.faults.failBlock(0, 1);
      const loaded = await (await target.worker()).load(source, table!, plan.tables[0]!.chunks[0]!);
      expect(loaded.rows).toBe(5);
    } finally {
      await source.end();
    }
    expect(mc.standIn.faults.pending).toBe(0);
    expect(dirty).toBe(1);
    expect((await store.dirtyRecords()).map((r) => [r.table, r.position, r.reason])).toEqual([[`${db}.big`, 'chunk 0', expect.stringMatching(/^column body: a value of 9,437,184 bytes is over MaxCompute's 8,388,608 bytes/)]]);
  }, 120_000);
});
