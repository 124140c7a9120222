/**
 * TABLE_MAP events without column names (binlog_row_metadata=MINIMAL, MySQL 5.7, the PolarDB-X global
 * binlog) decoded live with the schema history: the real BinlogReader over the replay server on a
 * MySQL-written MINIMAL file, and `fc-dts run` end to end on MariaDB switched to MINIMAL through
 * ADD / DROP / RENAME / CHANGE / type changes with a kill -9 in between.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { BinlogReader, type SourceEvent } from '../shared/binlog/binlog-reader.ts';
import { offlineDialect } from '../shared/binlog/offline-schema-history.ts';
import type { BinlogStart } from '../shared/change/position.ts';
import { resolveTask, runTask } from '../shared/pipeline/standalone-runner.ts';
import { loadChunkWork } from '../shared/distributed/full-load-fanout.ts';
import { historyPosition } from '../shared/incremental/schema-history-keeper.ts';
import { currentBinlogCoordinates } from '../shared/mysql/binlog-coordinates.ts';
import { readCatalog } from '../shared/mysql/catalog.ts';
import { DdlNotUnderstoodError, SchemaHistory } from '../shared/schema-history/schema-history.ts';
import { readServerDialect } from '../shared/schema-history/server-dialect.ts';
import { loadTaskFile } from '../shared/task/task-file.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import { BinlogReplayServer } from './helpers/binlog-replay-server.ts';
import { FC_DTS_BIN, fcDtsChildren, writeTaskFile } from './helpers/fc-dts-process.ts';
import { readBinlogFixture } from './helpers/binlog-fixtures.ts';
import { diffTables } from './helpers/fixtures.ts';
import { taskDoc, testDatabases, testEndpoint } from './helpers/mariadb.ts';


describe('the reader over a MySQL 8.0 binlog with MINIMAL row metadata (rmc--json.binlog.000001)', () => {
  const servers: BinlogReplayServer[] = [];
  const readers: BinlogReader[] = [];
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.stop()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function readerOver(start: BinlogStart, history: SchemaHistory): Promise<AsyncIterator<SourceEvent>> {
    const server = await BinlogReplayServer.start({ files: [{ name: 'binlog.000001', bytes: readBinlogFixture('rmc--json.binlog.000001') }] });
    servers.push(server);
    const reader = new BinlogReader({
      endpoint: { host: server.host, port: server.port, user: server.user, password: server.password, ssl: false },
      serverId: 4243, start, heartbeatSeconds: 0.2, schemaHistory: history,
    });
    readers.push(reader);
    return reader[Symbol.asyncIterator]();
  }

  /** Events until the reader fails (the file ends in a partial JSON update whose before images lack the JSON column: binlog_row_image=MINIMAL). */
  async function eventsUntilFailure(it: AsyncIterator<SourceEvent>): Promise<{ events: SourceEvent[]; failure: unknown }> {
    const events: SourceEvent[] = [];
    for (;;) {
      try {
        const r = await it.next();
        if (r.done || r.value.kind === 'heartbeat') return { events, failure: undefined };
        events.push(r.value);
      } catch (failure) {
        return { events, failure };
      }
    }
  }

  const emptyHistory = () => SchemaHistory.seed(new Map(), ['mysql'], offlineDialect(false), { file: 1, offset: 4, row: 0 });

  it('names the columns from the CREATE TABLE the history read in the file (no INFORMATION_SCHEMA query: the replay server has none)', async () => {
    const history = emptyHistory();
    const { events, failure } = await eventsUntilFailure(await readerOver({ file: 'binlog.000001', offset: 4 }, history));
    const rows = events.filter((e) => e.kind === 'rows');
    expect(rows.map((e) => e.op)).toEqual(['insert', 'insert', 'insert', 'insert', 'update']);
    expect(rows[0]).toMatchObject({ database: 'mysql', table: 't', columns: ['id', 'json_col', 'name', 'age'], columnTypes: ['int', 'json', 'varchar(100)', 'int'] });
    expect(rows[0]!.rows).toEqual([{ after: { id: 1, json_col: '{"age": 24, "data": "xxxxxxxxxx", "name": "Joe"}', name: 'Joe', age: 24 } }]);
    expect(rows[4]!.rows[0]!.after).toMatchObject({ id: 1, name: 'Joe', age: 25 });
    expect(history.versionsOf('mysql', 't').map((v) => v.from)).toEqual([{ file: 1, offset: 570, row: 0 }]);
    // The partial JSON update's before image holds only the key, so there is nothing to apply its diff to.
    expect((failure as Error).message).toMatch(/partial row image for mysql\.t \(binlog_row_image is not FULL\)/);
  });

  it('a table the history does not know stops the reader, naming the table and the position', async () => {
    // Started after the CREATE TABLE (its commit's resume point): the history never sees it.
    const { events, failure } = await eventsUntilFailure(await readerOver({ file: 'binlog.000001', offset: 845 }, emptyHistory()));
    expect(events.filter((e) => e.kind === 'rows')).toEqual([]);
    expect(failure).toMatchObject({ code: 'PRECHECK_FAILED' });
    expect((failure as Error).message).toMatch(/no column names for mysql\.t .*no definition of it at 1:\d+/);
  });
});

// The tasks have names of their own: the reader's replica server id comes from the name, and the server
// drops a dump when another with the same id connects.
describe('fc-dts run on MariaDB with binlog_row_metadata=MINIMAL', () => {
  const dbs = testDatabases();
  const children = fcDtsChildren();
  const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-minimal-'));
  afterEach(() => children.killAll());

  /**
   * The statements are written with MINIMAL row metadata; FULL again right after (the setting is global
   * and the other test files share the server), the events stay as written.
   */
  async function withMinimalRowMetadata(write: () => Promise<unknown>): Promise<void> {
    await dbs.admin.query('SET GLOBAL binlog_row_metadata = MINIMAL');
    try {
      await write();
    } finally {
      await dbs.admin.query('SET GLOBAL binlog_row_metadata = FULL');
    }
  }

  it('follows ADD, DROP, RENAME, CHANGE and type changes with rows between them and a kill -9, the destination exact', async () => {
    const src = await dbs.database('minimal_src');
    const dst = dbs.newName('minimal_dst');
    const sql = (s: string) => dbs.admin.query(s);
    await sql('CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), n INT, b INT)');
    await sql("INSERT INTO t SELECT seq, CONCAT('a', seq), seq * 10, seq FROM seq_1_to_20");
    const t = writeTaskFile(dirs, taskDoc({ name: 'minimal-metadata', objects: [{ database: src, as: dst }] }));
    const full = await children.run(t, 'full-done');
    expect(full.code, full.err).toBe(0);

    await withMinimalRowMetadata(() => sql(`INSERT INTO t VALUES (21, 'before', 210, 21);
      ALTER TABLE t ADD COLUMN c VARCHAR(8) DEFAULT 'x' AFTER id;
      INSERT INTO t VALUES (22, 'cc', 'added', 220, 22);
      UPDATE t SET c = CONCAT('u', id) WHERE id <= 5;
      ALTER TABLE t DROP COLUMN b;
      INSERT INTO t VALUES (23, 'c3', 'dropped', 230);
      DELETE FROM t WHERE id = 6;`));
    // A run killed mid-way: the next one resumes from its checkpoint with the history it saved.
    const killed = children.spawn(['run', '-c', t.file, '--state', t.state], { stdio: 'ignore' });
    expect(await checkpointMoved(t.state, 10_000)).toBe(true);
    killed.kill('SIGKILL');
    await new Promise((r) => killed.once('exit', r));

    await withMinimalRowMetadata(() => sql(`ALTER TABLE t RENAME COLUMN a TO a2;
      INSERT INTO t VALUES (24, 'c4', 'renamed', 240);
      UPDATE t SET a2 = 'ren' WHERE id = 7;
      ALTER TABLE t CHANGE n total BIGINT;
      INSERT INTO t VALUES (25, 'c5', 'big', 9007199254740993);
      ALTER TABLE t MODIFY a2 VARCHAR(40);
      INSERT INTO t VALUES (26, 'c6', 'a value longer than ten', 260);
      UPDATE t SET total = total + 1 WHERE id IN (1, 25);`));
    const r = await children.run(t, 'caught-up');
    expect(r.code, r.err).toBe(0);
    const columns = ['id', 'c', 'a2', 'total'];
    expect(await diffTables(dbs.admin, { db: src, table: 't' }, { db: dst, table: 't' }, columns)).toMatchObject({ unmatched: 0, countA: 25, countB: 25 });
    expect(await diffTables(dbs.admin, { db: dst, table: 't' }, { db: src, table: 't' }, columns)).toMatchObject({ unmatched: 0 });
    const [cols] = await dbs.admin.query<RowDataPacket[]>('SELECT COLUMN_NAME c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [dst, 't']);
    expect(cols.map((c) => c.c)).toEqual(columns);

    const store = new FileStateStore(t.state);
    const history = SchemaHistory.fromJSON((await store.getSchemaHistory())!);
    expect(history.versionsOf(src, 't').at(-1)?.definition?.columns.map((c) => [c.name, c.columnType])).toEqual([['id', 'int(11)'], ['c', 'varchar(8)'], ['a2', 'varchar(40)'], ['total', 'bigint(20)']]);
    // The events really have no names: without the history the reader refuses them.
    const plan = (await store.getPlan())!;
    const reader = new BinlogReader({ endpoint: testEndpoint(), serverId: 4244, start: plan.position, databases: [src], heartbeatSeconds: 0.2 });
    try {
      await expect(eventsOf(reader)).rejects.toThrow(new RegExp(`no column names for ${src}\\.t`));
    } finally {
      await reader.stop();
    }
  });
});

async function eventsOf(reader: BinlogReader): Promise<void> {
  for await (const e of reader) if (e.kind === 'heartbeat') return;
}

describe('the reader on the live server with a history seeded from its catalog', () => {
  const dbs = testDatabases();

  it('a DDL on a tracked table the history cannot follow stops the reader with DDL_NOT_UNDERSTOOD at its position', async () => {
    const src = await dbs.database('ddl_unknown');
    await dbs.admin.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))');
    const start = await currentBinlogCoordinates(dbs.admin);
    const history = SchemaHistory.seed(await readCatalog(dbs.admin, [src]), [src], await readServerDialect(dbs.admin), historyPosition(start));
    await dbs.admin.query("INSERT INTO t VALUES (1, 'a'); ALTER TABLE t ADD COLUMN z TEXT COMPRESSED; INSERT INTO t VALUES (2, 'b', 'zz')");
    const reader = new BinlogReader({ endpoint: testEndpoint(), serverId: 4245, start, databases: [src], heartbeatSeconds: 0.2, schemaHistory: history });
    const seen: SourceEvent[] = [];
    try {
      const failure = await (async () => {
        try {
          for await (const e of reader) {
            if (e.kind === 'heartbeat') break;
            seen.push(e);
          }
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(failure).toBeInstanceOf(DdlNotUnderstoodError);
      expect((failure as Error).message).toContain('COMPRESSED columns are not supported');
    } finally {
      await reader.stop();
    }
    // The row before it was delivered; nothing after it.
    expect(seen.filter((e) => e.kind === 'rows').map((e) => e.kind === 'rows' && e.rows[0]?.after?.id)).toEqual([1]);
  });
  it("a DDL written under NO_BACKSLASH_ESCAPES gives the ENUM members the server stored (the QUERY event's sql_mode)", async () => {
    const src = await dbs.database('nbe');
    const start = await currentBinlogCoordinates(dbs.admin);
    const history = SchemaHistory.seed(await readCatalog(dbs.admin, [src]), [src], await readServerDialect(dbs.admin), historyPosition(start));
    const [[mode]] = await dbs.admin.query<RowDataPacket[]>('SELECT @@SESSION.sql_mode AS m');
    await dbs.admin.query("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
    try {
      // Under NO_BACKSLASH_ESCAPES 'a\b' is three characters: a, a backslash, b.
      await dbs.admin.query("CREATE TABLE e (id INT PRIMARY KEY, v ENUM('a\\b', 'c'))");
    } finally {
      await dbs.admin.query('SET SESSION sql_mode = ?', [mode!.m]);
    }
    // MINIMAL: the TABLE_MAP has no ENUM members, so the value is the history's member at the index.
    await dbs.admin.query('SET GLOBAL binlog_row_metadata = MINIMAL');
    try {
      await dbs.admin.query('INSERT INTO e VALUES (1, 1)');
    } finally {
      await dbs.admin.query('SET GLOBAL binlog_row_metadata = FULL');
    }
    const reader = new BinlogReader({ endpoint: testEndpoint(), serverId: 4246, start, databases: [src], heartbeatSeconds: 0.2, schemaHistory: history });
    const rows: SourceEvent[] = [];
    try {
      for await (const e of reader) {
        if (e.kind === 'heartbeat') break;
        if (e.kind === 'rows') rows.push(e);
      }
    } finally {
      await reader.stop();
    }
    const [[stored]] = await dbs.admin.query<RowDataPacket[]>('SELECT v FROM e WHERE id = 1');
    expect(stored!.v).toBe('a\\b');
    expect(rows).toMatchObject([{ table: 'e', rows: [{ after: { id: 1, v: 'a\\b' } }] }]);
  });
});

describe('the snapshot check', () => {
  const dbs = testDatabases();
  const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-snapshot-'));

  it('a DDL between the snapshot and the end of the full load stops the task with SCHEMA_CHANGED_DURING_LOAD', async () => {
    const src = await dbs.database('snap_src');
    await dbs.admin.query("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO t VALUES (1, 'a')");
    const files = writeTaskFile(dirs, taskDoc({ name: 'snapshot-check', objects: [{ database: src, as: dbs.newName('snap_dst') }] }));
    const store = new FileStateStore(files.state);
    // The plan alone: its snapshot position and the history seeded there (as the serverless fan-out does).
    await runTask(loadTaskFile(files.file), store, { until: 'full-done', planOnly: true, out: { write: () => true }, log: () => {} });
    expect((await store.getSchemaHistory())?.tables.map((t) => t.table)).toEqual(['t']);
    await dbs.admin.query('ALTER TABLE t MODIFY v VARCHAR(20)'); // one the rows copied do not reveal
    const r = spawnSync(process.execPath, [FC_DTS_BIN, 'run', '-c', files.file, '--until', 'full-done', '--state', files.state], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/table .*\.t changed between the snapshot and the start of incremental sync: column 2 \(v\): columnType "varchar\(10\)" became "varchar\(20\)"/);
    expect((await store.getTaskState())?.lastError?.code).toBe('SCHEMA_CHANGED_DURING_LOAD');
  });

  it('serverless: the load-chunk work that finishes the full load stops there, recorded, and the task stays short of full-done', async () => {
    const src = await dbs.database('snap_fan_src');
    await dbs.admin.query("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO t SELECT seq, 'a' FROM seq_1_to_300");
    const files = writeTaskFile(dirs, taskDoc({ name: 'snapshot-fan-out', objects: [{ database: src, as: dbs.newName('snap_fan_dst') }], advanced: { fullLoad: { chunkRows: 100 } } }));
    const task = loadTaskFile(files.file);
    const store = new FileStateStore(files.state);
    await runTask(task, store, { until: 'full-done', planOnly: true, out: { write: () => true }, log: () => {} });
    const chunks = (await store.getPlan())!.tables.flatMap((t) => t.chunks.map((c) => ({ task: task.name, table: t.table, chunk: c.index })));
    expect(chunks.length).toBeGreaterThan(1);
    const dbMapping = await resolveTask(task);
    for (const work of chunks.slice(0, -1)) expect((await loadChunkWork(task, dbMapping, store, work, () => {})).fullDone).toBe(false);
    await dbs.admin.query('ALTER TABLE t MODIFY v VARCHAR(20)');
    await expect(loadChunkWork(task, dbMapping, store, chunks.at(-1)!, () => {})).rejects.toMatchObject({ code: 'SCHEMA_CHANGED_DURING_LOAD' });
    const state = await store.getTaskState();
    expect(state?.phase).not.toBe('full-done');
    expect(state?.lastError?.code).toBe('SCHEMA_CHANGED_DURING_LOAD');
  });
});

/** Waits until the run has moved its checkpoint (saving the history before it), at most `ms`. */
async function checkpointMoved(stateDir: string, ms: number): Promise<boolean> {
  const store = new FileStateStore(stateDir);
  const first = await store.getCheckpoint();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const cp = await store.getCheckpoint();
    if (cp && (!first || cp.offset !== first.offset || cp.file !== first.file)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
