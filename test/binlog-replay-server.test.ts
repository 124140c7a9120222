/**
 * The real BinlogReader reading binlog files real MySQL and MariaDB servers wrote,
 * served over the replication protocol by the binlog replay server (helpers/binlog-replay-server.ts).
 * Expected values: blackbeam/rust_mysql_common src/binlog/mod.rs (commit ab9e727566c6f7c78df52b7a8ca38f789c54f904,
 * test binlog_event_roundtrip), where the fixture files come from.
 */
import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { BinlogDecodeError, BinlogPurgedError, BinlogReader, type SourceEvent } from '../shared/binlog/binlog-reader.ts';
import type { BinlogStart } from '../shared/change/position.ts';
import { FcDtsError } from '../shared/errors.ts';
import { offlineDialect } from '../shared/binlog/offline-schema-history.ts';
import { SchemaHistory } from '../shared/schema-history/schema-history.ts';
import { readBinlogFixture } from './helpers/binlog-fixtures.ts';
import { BinlogReplayServer, type ReplayFile } from './helpers/binlog-replay-server.ts';

function fixture(file: string, servedAs: string): ReplayFile {
  return { name: servedAs, bytes: readBinlogFixture(file) };
}

const servers: BinlogReplayServer[] = [];
const readers: BinlogReader[] = [];

afterEach(async () => {
  await Promise.all(readers.splice(0).map((r) => r.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...files: ReplayFile[]): Promise<BinlogReplayServer> {
  const server = await BinlogReplayServer.start({ files });
  servers.push(server);
  return server;
}

function endpointOf(server: BinlogReplayServer, password: string = server.password) {
  return { host: server.host, port: server.port, user: server.user, password, ssl: false };
}

function readerOf(server: BinlogReplayServer, start: BinlogStart, password: string = server.password): BinlogReader {
  const reader = new BinlogReader({
    endpoint: endpointOf(server, password),
    serverId: 4242,
    start,
    heartbeatSeconds: 0.2,
  });
  readers.push(reader);
  return reader;
}

/**
 * The reader's events up to and including its first heartbeat (at `offset` when given): the server
 * sends one when it has nothing more to send, and one after transactions a GTID dump skipped.
 */
async function readUntilIdle(iterator: AsyncIterator<SourceEvent>, offset?: number): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const r = await iterator.next();
    if (r.done) throw new Error('the reader ended before going idle');
    events.push(r.value);
    if (r.value.kind === 'heartbeat' && (offset === undefined || r.value.next.offset === offset)) return events;
  }
  throw new Error('no heartbeat within 20 s');
}

function withoutHeartbeats(events: readonly SourceEvent[]): SourceEvent[] {
  return events.filter((e) => e.kind !== 'heartbeat');
}

async function failureOf(iterator: AsyncIterator<SourceEvent>): Promise<unknown> {
  for (let i = 0; i < 1000; i++) {
    try {
      const r = await iterator.next();
      if (r.done) return new Error('the reader ended without an error');
    } catch (e) {
      return e;
    }
  }
  return new Error('no error after 1000 events');
}

/** The error the reader fails with reading `file` served as `servedAs` from `start`. */
async function failureReading(file: string, servedAs: string, start: BinlogStart, password?: string): Promise<unknown> {
  const server = await serve(fixture(file, servedAs));
  return failureOf(readerOf(server, start, password)[Symbol.asyncIterator]());
}

const b64 = (s: string) => ({ b: Buffer.from(s).toString('base64') });

describe('MariaDB 10.5.15 binlog (rmc--mariadb-bin.000001, binlog_row_metadata=FULL)', () => {
  // rust_mysql_common pins the table (toddy_test.outbox) and its column names; the values are those of
  // the statement in the file's own ANNOTATE_ROWS events, "insert into outbox (topic, event_type, event)
  // values ('foo', 'JSON', '{"foo":1}')", the AUTO_INCREMENT ids (0x3e, 0x3f) and event times of its rows.
  it('reads both inserts with their values, GTIDs and positions, then idles at the end of the file', async () => {
    const server = await serve(fixture('rmc--mariadb-bin.000001', 'mariadb-bin.000001'));
    const events = await readUntilIdle(readerOf(server, { file: 'mariadb-bin.000001', offset: 4 })[Symbol.asyncIterator]());
    const row = (id: number, created: string) => ({ after: { id, topic: 'foo', event_type: 'JSON', event: b64('{"foo":1}'), created } });
    expect(events.map((e) => e.kind)).toEqual(['rows', 'commit', 'rows', 'commit', 'heartbeat']);
    expect(events[0]).toMatchObject({
      database: 'toddy_test', table: 'outbox', op: 'insert', pos: { file: 1, offset: 612, row: 0 }, ts: 1650493084,
      columns: ['id', 'topic', 'event_type', 'event', 'created'], rows: [row(62, '2022-04-20 22:18:04')],
      txStart: { file: 'mariadb-bin.000001', offset: 330 },
    });
    expect(events[1]).toMatchObject({ kind: 'commit', gtid: '0-1-1', next: { file: 'mariadb-bin.000001', offset: 702 } });
    expect(events[2]).toMatchObject({ pos: { file: 1, offset: 984, row: 0 }, rows: [row(63, '2022-04-20 22:19:55')] });
    expect(events[3]).toMatchObject({ kind: 'commit', gtid: '0-1-2', next: { file: 'mariadb-bin.000001', offset: 1074 } });
    expect(events[4]).toMatchObject({ kind: 'heartbeat', next: { file: 'mariadb-bin.000001', offset: 1074 } });
    expect(server.queries).toContain('SET @mariadb_slave_capability = 4');
    expect(server.queries).toContain('SET @master_binlog_checksum = @@GLOBAL.binlog_checksum, @master_heartbeat_period = 200000000, @@session.net_write_timeout = 3600');
    expect(server.unanswered).toEqual([]);
  });
});

describe('MySQL 8.0.28 binlog (rmc--mysql-enum-string-set.000001, FULL metadata, GTIDs)', () => {
  const FILE = 'binlog.000001';
  const UUID = '93e95066-a2f4-11ec-9b69-9657f0ae95e2';
  // rust_mysql_common's expected values: CHAR(128), VARCHAR(300), ENUM index, SET bits, TEXT.
  const F1 = '0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789';
  const F2 = '0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456780123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456780123456789012345678901234567890123456789';
  // ENUM('var1', 'variant2', 'foo') index 1 / 2; SET('one', 'two', 'three', 'four') bits 0b0101 / 0b1010.
  const inserted = { f1: F1, f2: F2, f3: 'var1', f4: 'one,three', f5: '0123456789' };
  const updated = { f1: 'field1', f2: 'field_2', f3: 'variant2', f4: 'two,four', f5: F2 };

  it('reads the DDL and the insert, update and delete with the values MySQL wrote', async () => {
    const server = await serve(fixture('rmc--mysql-enum-string-set.000001', FILE));
    const events = withoutHeartbeats(await readUntilIdle(readerOf(server, { file: FILE, offset: 4 })[Symbol.asyncIterator]()));
    expect(events.map((e) => e.kind)).toEqual(['query', 'commit', 'query', 'commit', 'rows', 'commit', 'rows', 'commit', 'rows', 'commit']);
    expect(events[2]).toMatchObject({ database: 'mysql', sql: "CREATE TABLE t(f1 CHAR(128), f2 VARCHAR(300), f3 ENUM('var1', 'variant2', 'foo'), f4 SET('one', 'two', 'three', 'four'), f5 TEXT)", gtid: `${UUID}:2` });
    expect(events[4]).toMatchObject({ database: 'mysql', table: 't', op: 'insert', rows: [{ after: inserted }], columns: ['f1', 'f2', 'f3', 'f4', 'f5'] });
    expect(events[6]).toMatchObject({ op: 'update', rows: [{ before: inserted, after: updated }] });
    expect(events[8]).toMatchObject({ op: 'delete', rows: [{ before: updated }] });
    expect(events.filter((e) => e.kind === 'commit').map((e) => e.gtid)).toEqual([1, 2, 3, 4, 5].map((n) => `${UUID}:${n}`));
    expect(events.at(-1)).toMatchObject({ kind: 'commit', next: { file: FILE, offset: 3331 } });
  });

  it('restarted from a commit\'s resume point, gives the rest of the file and nothing twice', async () => {
    const server = await serve(fixture('rmc--mysql-enum-string-set.000001', FILE));
    const all = withoutHeartbeats(await readUntilIdle(readerOf(server, { file: FILE, offset: 4 })[Symbol.asyncIterator]()));
    const insertCommit = all.findIndex((e) => e.kind === 'commit' && e.gtid === `${UUID}:3`);
    const checkpoint = all[insertCommit]!;
    if (checkpoint.kind !== 'commit') throw new Error('not a commit');
    expect(checkpoint.next).toEqual({ file: FILE, offset: 1560 });
    const rest = withoutHeartbeats(await readUntilIdle(readerOf(server, checkpoint.next)[Symbol.asyncIterator]()));
    expect(rest).toEqual(all.slice(insertCommit + 1));
    expect(rest.map((e) => e.kind === 'rows' && e.op)).toEqual(['update', false, 'delete', false]);
  });

  it('started from a GTID set (COM_BINLOG_DUMP_GTID), skips the transactions in it', async () => {
    const server = await serve(fixture('rmc--mysql-enum-string-set.000001', FILE));
    const events = await readUntilIdle(readerOf(server, { gtid: `${UUID}:1-3` })[Symbol.asyncIterator](), 3331);
    // The skipped transactions end at 1560: a heartbeat there precedes the first event sent (Binlog_sender::send_events).
    expect(events[0]).toMatchObject({ kind: 'heartbeat', next: { file: FILE, offset: 1560 } });
    const sent = withoutHeartbeats(events);
    expect(sent.map((e) => (e.kind === 'rows' ? e.op : e.kind))).toEqual(['update', 'commit', 'delete', 'commit']);
    expect(sent.map((e) => e.kind !== 'heartbeat' && e.gtid)).toEqual([4, 4, 5, 5].map((n) => `${UUID}:${n}`));
  });

  it('answers SHOW MASTER STATUS, SHOW BINARY LOGS and the checksum variable from the served file', async () => {
    const server = await serve(fixture('rmc--mysql-enum-string-set.000001', FILE));
    const conn = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
    try {
      const [status] = await conn.query('SHOW MASTER STATUS');
      expect(status).toEqual([{ File: FILE, Position: 3331, Binlog_Do_DB: '', Binlog_Ignore_DB: '', Executed_Gtid_Set: `${UUID}:1-5` }]);
      const [logs] = await conn.query('SHOW BINARY LOGS');
      expect(logs).toEqual([{ Log_name: FILE, File_size: 3331, Encrypted: 'No' }]);
      const [checksum] = await conn.query("SHOW GLOBAL VARIABLES LIKE 'binlog_checksum'");
      expect(checksum).toEqual([{ Variable_name: 'binlog_checksum', Value: 'CRC32' }]);
      await expect(conn.query('SELECT * FROM mysql.user')).rejects.toMatchObject({ errno: 1105 });
      expect(server.unanswered).toEqual(['SELECT * FROM mysql.user']);
    } finally {
      await conn.end();
    }
  });
});

describe('MySQL 9.0.1 binary JSON (rmc--json-opaque.binlog, FULL metadata)', () => {
  it('the reader gives each JSON value as the server prints it (values as rust_mysql_common states them; DECIMAL unquoted, as MySQL prints it)', async () => {
    const server = await serve(fixture('rmc--json-opaque.binlog', 'binlog.000001'));
    const events = withoutHeartbeats(await readUntilIdle(readerOf(server, { file: 'binlog.000001', offset: 4 })[Symbol.asyncIterator]()));
    const values = events.flatMap((e) => (e.kind === 'rows' ? e.rows.flatMap((r) => Object.values(r.after ?? {})) : [])).filter((v) => typeof v === 'string' && v.startsWith('{'));
    expect(values).toEqual([
      '{"a": "base64:type15:VQ=="}',
      '{"b": "2012-03-18"}',
      '{"c": "2012-03-18 11:30:45.000000"}',
      '{"c": "87:31:46.654321"}',
      '{"d": 123.456}',
      '{"e": 9.00}',
      '{"e": [0, 1, true, false]}',
      '{"e": null}',
    ]);
  });
});

describe('the dump protocol around the events', () => {
  it('rotates into a file added while the reader waits, and reads it from its start', async () => {
    const server = await serve(fixture('rmc--mariadb-bin.000001', 'mariadb-bin.000001'));
    const iterator = readerOf(server, { file: 'mariadb-bin.000001', offset: 702 })[Symbol.asyncIterator]();
    const first = withoutHeartbeats(await readUntilIdle(iterator));
    expect(first.map((e) => [e.kind, e.kind !== 'heartbeat' && e.pos.offset])).toEqual([['rows', 984], ['commit', 1043]]);
    server.addFile(fixture('rmc--mariadb-bin.000001', 'mariadb-bin.000002'));
    const second = withoutHeartbeats(await readUntilIdle(iterator));
    expect(second.map((e) => e.kind !== 'heartbeat' && e.pos)).toEqual([
      { file: 2, offset: 612, row: 0 }, { file: 2, offset: 671, row: 0 }, { file: 2, offset: 984, row: 0 }, { file: 2, offset: 1043, row: 0 },
    ]);
    expect(second.at(-1)).toMatchObject({ kind: 'commit', next: { file: 'mariadb-bin.000002', offset: 1074 } });
  });

  it('serves several files in one dump, each after a fake ROTATE naming it', async () => {
    const server = await serve(fixture('rmc--mariadb-bin.000001', 'mariadb-bin.000007'), fixture('rmc--mariadb-bin.000001', 'mariadb-bin.000008'));
    const events = withoutHeartbeats(await readUntilIdle(readerOf(server, { file: 'mariadb-bin.000007', offset: 702 })[Symbol.asyncIterator]()));
    expect(events.filter((e) => e.kind === 'rows').map((e) => [e.pos.file, e.rows[0]?.after?.id])).toEqual([[7, 63], [8, 62], [8, 63]]);
  });

  it('a file the server does not have is the purged-binlog error (1236 "Could not find first log file name")', async () => {
    const error = await failureReading('rmc--mariadb-bin.000001', 'mariadb-bin.000001', { file: 'mariadb-bin.000000', offset: 4 });
    expect(error).toBeInstanceOf(BinlogPurgedError);
    expect((error as Error).message).toContain('Could not find first log file name in binary log index file');
  });

  it('a position past the end of the file is refused (1236), which the reader reports as not streamable, not as purged', async () => {
    const error = await failureReading('rmc--mariadb-bin.000001', 'mariadb-bin.000001', { file: 'mariadb-bin.000001', offset: 5000 });
    expect(error).not.toBeInstanceOf(BinlogPurgedError);
    expect(error).toMatchObject({ code: 'STATE_INVALID' });
    expect((error as Error).message).toContain('Client requested master to start replication from position > file size');
  });

  it('a dropped connection mid-stream surfaces as a lost binlog connection', async () => {
    const server = await serve(fixture('rmc--mariadb-bin.000001', 'mariadb-bin.000001'));
    const iterator = readerOf(server, { file: 'mariadb-bin.000001', offset: 4 })[Symbol.asyncIterator]();
    await readUntilIdle(iterator);
    server.dropConnections();
    const error = await failureOf(iterator);
    expect(error).toBeInstanceOf(FcDtsError);
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect((error as Error).message).toContain('the binlog connection was lost');
  });

  it('KILL of the dump connection from another connection ends the dump', async () => {
    const server = await serve(fixture('rmc--mariadb-bin.000001', 'mariadb-bin.000001'));
    const iterator = readerOf(server, { file: 'mariadb-bin.000001', offset: 4 })[Symbol.asyncIterator]();
    await readUntilIdle(iterator);
    const [dump] = server.dumpConnectionIds();
    expect(dump).toBeTypeOf('number');
    const conn = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
    try {
      await conn.query(`KILL ${dump}`);
      await expect(conn.query('KILL 99999')).rejects.toMatchObject({ errno: 1094 });
    } finally {
      await conn.end();
    }
    expect(await failureOf(iterator)).toMatchObject({ code: 'CONNECTION_FAILED' });
  });

  it('a wrong password is refused at the handshake', async () => {
    const error = await failureReading('rmc--mariadb-bin.000001', 'mariadb-bin.000001', { file: 'mariadb-bin.000001', offset: 4 }, 'wrong');
    expect(error).toMatchObject({ code: 'AUTH_FAILED' });
  });
});

describe('MySQL 5.7.21 binlog (osheroff--mysql-bin.checksum-crc32: no column names, CRC32)', () => {
  // MySQL 5.7 writes no names, signedness or charsets into TABLE_MAPs and the file holds no DDL: the
  // history gets the tables as a full load's catalog would give them. The names are ours (the source
  // schema is not published); the types are those the TABLE_MAPs list.
  const FILE = 'mysql-bin.000001';
  const history = () => {
    const h = SchemaHistory.empty(offlineDialect(false), { file: 1, offset: 0, row: 0 });
    const tables = [
      'CREATE TABLE folder (id INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, path VARCHAR(255) NOT NULL, parent_id BIGINT NOT NULL, created_at TIMESTAMP NOT NULL, created_by BIGINT NOT NULL, updated_by BIGINT NOT NULL, deleted TINYINT NOT NULL, hidden TINYINT NOT NULL, updated_at TIMESTAMP NULL, version BIGINT NOT NULL, owner_id BIGINT NOT NULL) DEFAULT CHARSET=utf8',
      'CREATE TABLE file (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, path VARCHAR(55) NOT NULL, folder_id BIGINT NOT NULL, parent_id BIGINT NULL, url VARCHAR(512) NOT NULL, created_by BIGINT NOT NULL, created_at TIMESTAMP NOT NULL, size DOUBLE NOT NULL, deleted TINYINT NOT NULL, hidden TINYINT NOT NULL, kind INT NOT NULL, flag TINYINT NOT NULL, updated_at TIMESTAMP NOT NULL, updated_by BIGINT NOT NULL, version BIGINT NOT NULL, owner_id BIGINT NOT NULL) DEFAULT CHARSET=utf8',
      'CREATE TABLE file_log (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, b INT NOT NULL, file_id BIGINT NOT NULL, user_id BIGINT NOT NULL, action VARCHAR(255) NOT NULL, at TIMESTAMP NOT NULL, c BIGINT NOT NULL, d VARCHAR(255) NOT NULL, e VARCHAR(255) NOT NULL, f BIGINT NOT NULL) DEFAULT CHARSET=utf8',
    ];
    tables.forEach((sql, i) => h.apply(sql, 'simu_file_dev', { file: 1, offset: i + 1, row: 0 }));
    return h;
  };
  const readerOn = (server: BinlogReplayServer, start: BinlogStart) => {
    const reader = new BinlogReader({ endpoint: endpointOf(server), serverId: 4242, start, heartbeatSeconds: 0.2, databases: ['simu_file_dev'], schemaHistory: history() });
    readers.push(reader);
    return reader[Symbol.asyncIterator]();
  };

  it('decodes every row with the names, charsets and signedness of the history, checksums verified', async () => {
    const server = await serve(fixture('osheroff--mysql-bin.checksum-crc32', FILE));
    const rows = withoutHeartbeats(await readUntilIdle(readerOn(server, { file: FILE, offset: 4 }))).filter((e) => e.kind === 'rows');
    const count = (table: string, op: string) => rows.filter((e) => e.table === table && e.op === op).reduce((n, e) => n + e.rows.length, 0);
    expect([count('folder', 'insert'), count('folder', 'update'), count('file', 'insert'), count('file', 'update'), count('file', 'delete'), count('file_log', 'insert')]).toEqual([4, 2, 8, 18, 5, 6]);
    expect(rows[0]).toMatchObject({ database: 'simu_file_dev', table: 'folder', op: 'insert', columnTypes: ['int', 'varchar(255)', 'varchar(255)', 'bigint', 'timestamp', 'bigint', 'bigint', 'tinyint', 'tinyint', 'timestamp', 'bigint', 'bigint'] });
    expect(rows[0]!.rows[0]!.after).toEqual({
      id: 12300113, name: 'test2', path: '/', parent_id: 116103, created_at: '2018-05-04 08:31:59', created_by: 906703, updated_by: 0,
      deleted: 0, hidden: 0, updated_at: '2018-05-04 08:31:59', version: 0, owner_id: 12200009,
    });
    // The first update renames a file to UTF-8 text (bytes e9 99 b6 e7 93 b7 …).
    const renamed = rows.find((e) => e.table === 'file' && e.op === 'update')!;
    expect(renamed.rows[0]!.after).toMatchObject({ id: 12600330, name: '陶瓷.jpg', size: 449847 });
  });

  it('restarted mid-file from a commit, gives the rest and nothing twice', async () => {
    const server = await serve(fixture('osheroff--mysql-bin.checksum-crc32', FILE));
    const all = withoutHeartbeats(await readUntilIdle(readerOn(server, { file: FILE, offset: 4 })));
    const commits = all.filter((e) => e.kind === 'commit');
    const middle = commits[Math.floor(commits.length / 2)]!;
    if (middle.kind !== 'commit') throw new Error('not a commit');
    const rest = withoutHeartbeats(await readUntilIdle(readerOn(server, middle.next)));
    expect(rest).toEqual(all.slice(all.indexOf(middle) + 1));
    expect(rest.length).toBeGreaterThan(10);
  });
});

describe('a DDL between row events of one table (rmc--vector.binlog: DROP DATABASE and CREATE TABLE foo again)', () => {
  it('decodes the rows on each side with the definition in force there, each TABLE_MAP checked against the history', async () => {
    const server = await serve(fixture('rmc--vector.binlog', 'binlog.000001'));
    const h = SchemaHistory.empty(offlineDialect(false), { file: 1, offset: 0, row: 0 });
    const reader = new BinlogReader({ endpoint: endpointOf(server), serverId: 4242, start: { file: 'binlog.000001', offset: 4 }, heartbeatSeconds: 0.2, schemaHistory: h });
    readers.push(reader);
    const events = withoutHeartbeats(await readUntilIdle(reader[Symbol.asyncIterator]()));
    const kinds = events.filter((e) => e.kind !== 'commit').map((e) => (e.kind === 'rows' ? `${e.op} ${e.table}` : e.kind === 'query' ? e.sql.split(' ').slice(0, 2).join(' ') : ''));
    expect(kinds).toEqual([
      'CREATE DATABASE', 'CREATE TABLE', 'CREATE TABLE', 'insert foo', 'insert bar',
      'drop database', 'CREATE DATABASE', 'CREATE TABLE', 'CREATE TABLE', 'insert foo', 'insert bar', 'delete bar', 'insert bar',
    ]);
    const foo = events.filter((e) => e.kind === 'rows' && e.table === 'foo');
    expect(foo.map((e) => e.kind === 'rows' && e.columnTypes)).toEqual([['bigint unsigned', 'vector(3)'], ['bigint unsigned', 'vector(3)']]);
    // Two versions of dtb.foo: the first CREATE TABLE's, and the one after DROP DATABASE.
    expect(h.versionsOf('dtb', 'foo').filter((v) => v.definition).length).toBe(2);
  });
});

describe('MySQL 9.0.1 VECTOR columns (rmc--vector.binlog, FULL metadata)', () => {
  it('gives a VECTOR value as its bytes (float32 little-endian), as mysqlbinlog prints it', async () => {
    const server = await serve(fixture('rmc--vector.binlog', 'binlog.000001'));
    const rows = withoutHeartbeats(await readUntilIdle(readerOf(server, { file: 'binlog.000001', offset: 4 })[Symbol.asyncIterator]())).filter((e) => e.kind === 'rows');
    expect(rows[0]).toMatchObject({ database: 'dtb', table: 'foo', columns: ['id', 'vector_column'] });
    const bytes = (hex: string) => ({ b: Buffer.from(hex, 'hex').toString('base64') });
    // Read as float32 little-endian: [1.1, 2.2, 3.3] and [1, -1, 0].
    expect(rows[0]!.rows.map((r) => r.after)).toEqual([
      { id: 1, vector_column: bytes('cdcc8c3fcdcc0c4033335340') },
      { id: 2, vector_column: bytes('0000803f000080bf00000000') },
    ]);
  });
});

describe('MySQL 8.0.32 compressed transaction (rmc--transaction_compression.000001, zstd TRANSACTION_PAYLOAD_EVENT)', () => {
  // The file has no CREATE TABLE and MINIMAL metadata: the history is seeded with the table, as a full load would.
  const history = () => {
    const h = SchemaHistory.empty(offlineDialect(false), { file: 1, offset: 0, row: 0 });
    h.apply('CREATE TABLE tb1 (i INT)', 'test', { file: 1, offset: 1, row: 0 });
    return h;
  };

  it('reads the rows inside the payload with positions that order them after everything before it, and resumes after it', async () => {
    const server = await serve(fixture('rmc--transaction_compression.000001', 'binlog.000001'));
    const reader = new BinlogReader({ endpoint: endpointOf(server), serverId: 4242, start: { file: 'binlog.000001', offset: 4 }, heartbeatSeconds: 0.2, schemaHistory: history() });
    readers.push(reader);
    const events = withoutHeartbeats(await readUntilIdle(reader[Symbol.asyncIterator]()));
    expect(events.map((e) => e.kind)).toEqual(['rows', 'commit']);
    // The transaction starts at its ANONYMOUS_GTID (197); inside the payload at 274: BEGIN (row 0), TABLE_MAP (1), WRITE_ROWS (2, one row), XID (4).
    expect(events[0]).toMatchObject({ database: 'test', table: 'tb1', op: 'insert', pos: { file: 1, offset: 274, row: 2 }, rows: [{ after: { i: 1 } }], txStart: { file: 'binlog.000001', offset: 197 } });
    expect(events[1]).toMatchObject({ kind: 'commit', pos: { file: 1, offset: 274, row: 4 }, next: { file: 'binlog.000001', offset: 431 } });
    const after = await readUntilIdle(readerOf(server, (events[1] as Extract<SourceEvent, { kind: 'commit' }>).next)[Symbol.asyncIterator]());
    expect(withoutHeartbeats(after)).toEqual([]);
  });
});
