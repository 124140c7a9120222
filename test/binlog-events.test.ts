/**
 * The binlog event parser on real MySQL/MariaDB-written binlog files (../shared/fixtures/mysql-binlogs,
 * see its README.md): every file end to end, positions, checksums, compressed transactions, partial
 * JSON updates, padding events, metadata with and without names, and row values pinned where the
 * files' origin projects state them (rust_mysql_common src/binlog/mod.rs, binlog_event_roundtrip;
 * mysql-binlog-connector-java BinaryLogFileReaderIntegrationTest).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinlogChecksumError, BinlogFormatError } from '../shared/binlog/events/binlog-errors.ts';
import type { BinlogEvent, RowsEvent, TableMapEvent } from '../shared/binlog/events/binlog-event.ts';
import { compareEventPositions } from '../shared/binlog/events/binlog-event.ts';
import { readBinlogFile } from '../shared/binlog/events/binlog-file.ts';
import { binlogFixturePath } from './helpers/binlog-fixtures.ts';


/** Binary JSON is handed over as hex, so the tests see exactly the bytes the parser extracted. */
const jsonText = (bytes: Buffer): string => `hex:${bytes.toString('hex')}`;

async function events(file: string): Promise<BinlogEvent[]> {
  const out: BinlogEvent[] = [];
  for await (const e of readBinlogFile(binlogFixturePath(file), { jsonText })) out.push(e);
  return out;
}

function kinds(list: readonly BinlogEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of list) {
    const k = e.kind === 'other' ? e.typeName : e.kind;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

const rowsOf = (list: readonly BinlogEvent[]): RowsEvent[] => list.filter((e): e is RowsEvent => e.kind === 'rows');
const tableMapsOf = (list: readonly BinlogEvent[]): TableMapEvent[] => list.filter((e): e is TableMapEvent => e.kind === 'table_map');

describe('every fixture file, end to end', () => {
  // Event kinds per file, as parsed; each file's events end exactly at its size.
  const expected: Record<string, { size: number; kinds: Record<string, number> }> = {
    'osheroff--mysql-bin.aurora-padding': { size: 1294, kinds: { format_description: 1, previous_gtids: 1, gtid: 1, AURORA_PADDING: 1, query: 1 } },
    'osheroff--mysql-bin.checksum-crc32': { size: 27984, kinds: { format_description: 1, previous_gtids: 1, gtid: 60, query: 60, table_map: 60, rows: 60, xid: 60, rotate: 1 } },
    'rmc--binlog-invisible-columns.000001': { size: 1810, kinds: { format_description: 1, previous_gtids: 1, gtid: 5, query: 5, table_map: 3, rows: 3, xid: 3, STOP: 1 } },
    'rmc--json-opaque.binlog': { size: 1635, kinds: { format_description: 1, previous_gtids: 1, gtid: 3, query: 3, table_map: 8, rows: 8, xid: 1 } },
    'rmc--json.binlog.000001': { size: 4011, kinds: { format_description: 1, previous_gtids: 1, gtid: 8, query: 8, table_map: 6, rows: 6, xid: 6 } },
    'rmc--mariadb-bin.000001': { size: 1074, kinds: { format_description: 1, MARIADB_GTID_LIST: 1, MARIADB_BINLOG_CHECKPOINT: 1, mariadb_gtid: 2, MARIADB_ANNOTATE_ROWS: 2, table_map: 2, rows: 2, xid: 2 } },
    'rmc--minimal_row_metadata.000001': { size: 495, kinds: { format_description: 1, previous_gtids: 1, gtid: 1, query: 1, table_map: 1, rows: 1, xid: 1, rotate: 1 } },
    'rmc--mysql-enum-string-set.000001': { size: 3331, kinds: { format_description: 1, previous_gtids: 1, gtid: 5, query: 5, table_map: 3, rows: 3, xid: 3 } },
    'rmc--mysql_type_bit.000001': { size: 1001, kinds: { format_description: 1, previous_gtids: 1, gtid: 3, query: 3, table_map: 1, rows: 1, xid: 1 } },
    'rmc--time_issue.000001': { size: 472, kinds: { format_description: 1, previous_gtids: 1, gtid: 1, query: 1, table_map: 1, rows: 1, xid: 1, rotate: 1 } },
    'rmc--transaction_compression.000001': { size: 475, kinds: { format_description: 1, previous_gtids: 1, gtid: 1, transaction_payload: 1, rotate: 1 } },
    'rmc--vector.binlog': { size: 3466, kinds: { format_description: 1, previous_gtids: 1, gtid: 10, query: 10, table_map: 6, rows: 6, xid: 3, STOP: 1 } },
  };

  for (const [file, want] of Object.entries(expected)) {
    it(`${file}: event kinds, and each event starts where the previous one's end position says`, async () => {
      const list = await events(file);
      expect(kinds(list)).toEqual(want.kinds);
      let next = 4; // after the magic
      for (const e of list) {
        expect(e.pos.offset).toBe(next);
        expect(e.header.endPosition).toBe(e.pos.offset + e.header.eventSize);
        next = e.header.endPosition;
      }
      expect(next).toBe(want.size);
      // Every file here was written with binlog_checksum=CRC32, so every event's checksum was verified.
      expect(list[0]).toMatchObject({ kind: 'format_description', checksum: 'crc32', binlogVersion: 4 });
    });
  }
});

describe('MySQL 5.7 files (mysql-binlog-connector-java)', () => {
  it('checksum-crc32: 303 events as connector-java counts (testChecksumCRC32), 5.7.21, table maps without names or signedness', async () => {
    const list = await events('osheroff--mysql-bin.checksum-crc32');
    expect(list).toHaveLength(303);
    expect(list[0]).toMatchObject({ serverVersion: '5.7.21-log', mariadb: false });
    for (const t of tableMapsOf(list)) {
      expect(t.table.columns.every((c) => c.name === undefined && c.unsigned === undefined && c.charset === undefined)).toBe(true);
      expect(t.table.primaryKey).toBeUndefined();
    }
    // The first row: TIMESTAMP2 as UTC text; VARCHAR of unknown charset as bytes ('test2', '/').
    const first = rowsOf(list)[0]!;
    expect(first.op).toBe('insert');
    expect(first.rows[0]!.after!.values).toEqual([12300113, { b: Buffer.from('test2').toString('base64') }, { b: Buffer.from('/').toString('base64') }, 116103, '2018-05-04 08:31:59', 906703, 0, 0, 0, '2018-05-04 08:31:59', 0, 12200009]);
  });

  it('aurora-padding: the type-100 event is skipped by its size at the offsets SHOW BINLOG EVENTS gives (testUnsupportedEventType)', async () => {
    const list = await events('osheroff--mysql-bin.aurora-padding');
    expect(list.map((e) => [e.pos.offset, e.header.endPosition, e.kind === 'other' ? e.typeName : e.kind])).toEqual([
      [4, 185, 'format_description'],
      [185, 216, 'previous_gtids'],
      [216, 281, 'gtid'],
      [281, 1209, 'AURORA_PADDING'],
      [1209, 1294, 'query'],
    ]);
    expect(list[2]).toMatchObject({ kind: 'gtid', anonymous: true });
    expect(list[4]).toMatchObject({ kind: 'query', sql: 'BEGIN' });
  });
});

describe('MySQL 8.0 / 9.0 files (rust_mysql_common binlog_event_roundtrip)', () => {
  it('mysql-enum-string-set: CHAR(128) VARCHAR(300) ENUM SET TEXT in insert, update and delete, with names and value lists', async () => {
    const list = await events('rmc--mysql-enum-string-set.000001');
    const table = tableMapsOf(list)[0]!.table;
    expect(table.columns.map((c) => c.name)).toEqual(['f1', 'f2', 'f3', 'f4', 'f5']);
    expect(table.columns[2]).toMatchObject({ type: 247, rawType: 254, enumValues: ['var1', 'variant2', 'foo'] });
    expect(table.columns[3]).toMatchObject({ type: 248, rawType: 254, setValues: ['one', 'two', 'three', 'four'] });
    // The values rust_mysql_common asserts: f1 100 digits, f2/f5 the 298-character string, ENUM index 1
    // (→ 'var1'), SET mask 0b0101 (→ 'one,three'); after the update 'field1', 'field_2', 2, 0b1010.
    const hundred = '0123456789'.repeat(10);
    const part = '0123456789'.repeat(12) + '012345678';
    const long = part + part + '0123456789'.repeat(4);
    const [insert, update, del] = rowsOf(list);
    expect(insert!.rows[0]!.after!.values).toEqual([hundred, long, 'var1', 'one,three', '0123456789']);
    expect(update!.rows[0]!.before!.values).toEqual([hundred, long, 'var1', 'one,three', '0123456789']);
    expect(update!.rows[0]!.after!.values).toEqual(['field1', 'field_2', 'variant2', 'two,four', long]);
    expect(del!.op).toBe('delete');
    expect(del!.rows[0]!.before!.values).toEqual(update!.rows[0]!.after!.values);
  });

  it('mysql_type_bit: BIT(3), TEXT, BIT(8) → [0b100], "foo", [0b100000]', async () => {
    const [row] = rowsOf(await events('rmc--mysql_type_bit.000001'));
    expect(row!.rows).toEqual([{ after: { values: [{ b: Buffer.from([0b100]).toString('base64') }, 'foo', { b: Buffer.from([0b100000]).toString('base64') }], present: [0, 1, 2], partial: false } }]);
  });

  it('binlog-invisible-columns: visibility, signedness, names, and the INT/BIGINT UNSIGNED values', async () => {
    const list = await events('rmc--binlog-invisible-columns.000001');
    const table = tableMapsOf(list)[0]!.table;
    expect(table.columns.map((c) => [c.name, c.visible, c.unsigned])).toEqual([
      ['f1', false, true], ['f2', false, true], ['f3', true, false], ['f4', true, undefined], ['f5', true, undefined], ['f6', false, true],
    ]);
    const [first, second, update] = rowsOf(list);
    expect(first!.rows[0]!.after!.values).toEqual([1, 2, -3, '4', { b: Buffer.from([5]).toString('base64') }, 6_000_000_000]);
    expect(second!.rows[0]!.after!.values).toEqual([null, null, -33, '44', { b: Buffer.from('U').toString('base64') }, null]);
    expect(update!.rows[0]!.after!.values).toEqual([111, 222, -333, '444', { b: Buffer.from('U').toString('base64') }, null]);
  });

  it('minimal_row_metadata: a partial image says which columns it has; @2 is utf8mb4_0900_ai_ci (255) and @4 is 3230202323', async () => {
    const list = await events('rmc--minimal_row_metadata.000001');
    const table = tableMapsOf(list)[0]!.table;
    expect(table.columns.every((c) => c.name === undefined)).toBe(true);
    expect(table.columns[2]).toMatchObject({ collationId: 255, charset: 'utf8mb4' });
    const after = rowsOf(list)[0]!.rows[0]!.after!;
    expect(after).toEqual({ values: [1, undefined, 'a', undefined, 3230202323], present: [0, 2, 4], partial: true });
  });

  it('time_issue: a negative TIME is -507:48:27 (rust: Time(negative, 21 days, 3 h, 48 min, 27 s))', async () => {
    const [row] = rowsOf(await events('rmc--time_issue.000001'));
    expect(row!.rows[0]!.after!.values).toEqual(['-507:48:27']);
  });

  it('transaction_compression: the zstd payload holds Query, TableMap, WriteRows, Xid, ordered after the payload event', async () => {
    const list = await events('rmc--transaction_compression.000001');
    const payload = list.find((e) => e.kind === 'transaction_payload');
    if (payload?.kind !== 'transaction_payload') throw new Error('no TRANSACTION_PAYLOAD_EVENT');
    expect(payload).toMatchObject({ compression: 'zstd', uncompressedSize: 179, payloadSize: 124 });
    expect(payload.events.map((e) => e.kind)).toEqual(['query', 'table_map', 'rows', 'xid']);
    expect(payload.events.map((e) => e.header.endPosition)).toEqual([0, 0, 0, 0]);
    expect(payload.events.map((e) => e.pos)).toEqual([0, 1, 2, 3].map((index) => ({ offset: payload.pos.offset, index })));
    const ordered = [payload, ...payload.events, list[list.length - 1]!];
    for (let i = 1; i < ordered.length; i++) expect(compareEventPositions(ordered[i - 1]!.pos, ordered[i]!.pos)).toBeLessThan(0);
    const rows = payload.events[2];
    expect(rows?.kind === 'rows' && rows.rows).toEqual([{ after: { values: [1], present: [0], partial: false } }]);
  });

  it('json: PARTIAL_UPDATE_ROWS after images carry JSON diffs (replace $.age) and a MINIMAL before image', async () => {
    const list = await events('rmc--json.binlog.000001');
    const partial = rowsOf(list).find((e) => e.partialJson)!;
    expect(partial.header.type).toBe(39);
    // Rows 1–6 (Joe, Sue, Pete twice): the before image has only the key; the after image the JSON
    // column as a diff (its value binary JSON int16, type 0x05: 26, 34, 42) and the generated columns.
    const diff = (age: string) => ({ jsonDiffs: [{ operation: 'replace', path: '$.age', value: `hex:05${age}00` }] });
    expect(partial.rows.map((r) => r.before)).toEqual([1, 2, 3, 4, 5, 6].map((id) => ({ values: [id, undefined, undefined, undefined], present: [0], partial: true })));
    expect(partial.rows.map((r) => r.after)).toEqual(
      [['1a', 'Joe', 26], ['22', 'Sue', 34], ['2a', 'Pete', 42], ['1a', 'Joe', 26], ['22', 'Sue', 34], ['2a', 'Pete', 42]].map(([age, name, n]) => ({
        values: [undefined, diff(age as string), name, n],
        present: [1, 2, 3],
        partial: true,
      })),
    );
  });

  it('json-opaque: the JSON column bytes reach jsonText; the first is {"a": opaque VARCHAR "U"} (rust: "base64:type15:VQ==")', async () => {
    const rows = rowsOf(await events('rmc--json-opaque.binlog'));
    expect(rows).toHaveLength(8);
    // object, 1 key, 15 bytes; key "a" at 11; value: opaque (0x0f) of field type 15 (VARCHAR), 1 byte, 'U'.
    expect(rows[0]!.rows[0]!.after!.values).toEqual(['hex:0001000f000b0001000f0c00610f0155']);
    for (const r of rows) expect(r.rows[0]!.after!.values[0]).toMatch(/^hex:00/);
  });

  it('vector: VECTOR columns as bytes, with dimensionality metadata [3] and [2, 4]', async () => {
    const list = await events('rmc--vector.binlog');
    const dims = Object.fromEntries(tableMapsOf(list).map((t) => [t.table.table, t.table.columns.filter((c) => c.type === 242).map((c) => c.dimensions)]));
    expect(dims).toMatchObject({ foo: [3], bar: [2, 4] });
    const insert = rowsOf(list).find((e) => e.table.table === 'foo' && e.op === 'insert')!;
    expect(insert.rows.map((r) => r.after!.values)).toEqual([
      [1, { b: Buffer.from([205, 204, 140, 63, 205, 204, 12, 64, 51, 51, 83, 64]).toString('base64') }],
      [2, { b: Buffer.from([0, 0, 128, 63, 0, 0, 128, 191, 0, 0, 0, 0]).toString('base64') }],
    ]);
    expect(tableMapsOf(list).find((t) => t.table.table === 'foo')!.table.primaryKey).toEqual([{ column: 0, prefix: 0 }]);
  });

  it('GTIDs: uuid:gno per transaction, and the PREVIOUS_GTIDS set', async () => {
    const invisible = await events('rmc--binlog-invisible-columns.000001');
    expect(invisible.filter((e) => e.kind === 'gtid').map((e) => e.kind === 'gtid' && e.gtid)).toEqual(
      [1, 2, 3, 4, 5].map((n) => `97c7af02-4c50-11ec-acd8-681842034964:${n}`),
    );
    const compressed = await events('rmc--transaction_compression.000001');
    expect(compressed[1]).toMatchObject({ kind: 'previous_gtids', gtidSet: '357df524-4139-11ee-9979-b033ee13919e:1' });
  });

  it('QUERY: schema, text, sql_mode (NO_BACKSLASH_ESCAPES off in the default mode) and client charset', async () => {
    const list = await events('rmc--mysql_type_bit.000001');
    const create = list.find((e) => e.kind === 'query' && e.sql.startsWith('CREATE'));
    expect(create).toMatchObject({ schema: 'mysql', sql: 'CREATE TABLE foo(a BIT(3), b TEXT, c BIT(8))', noBackslashEscapes: false, status: { clientCharset: 'utf8mb4', sqlMode: 1168113696n } });
  });
});

describe('MariaDB 10.5 file (rust_mysql_common: FULL metadata written by MariaDB)', () => {
  it('names, primary key, charsets, MariaDB GTIDs, and values in the live reader\'s CellValue forms', async () => {
    const list = await events('rmc--mariadb-bin.000001');
    const table = tableMapsOf(list)[0]!.table;
    expect(table).toMatchObject({ database: 'toddy_test', table: 'outbox', primaryKey: [{ column: 0, prefix: 0 }] });
    expect(table.columns.map((c) => [c.name, c.collationId])).toEqual([
      ['id', undefined], ['topic', 45], ['event_type', 45], ['event', 63], ['created', undefined],
    ]);
    expect(list.filter((e) => e.kind === 'mariadb_gtid').map((e) => e.kind === 'mariadb_gtid' && e.gtid)).toEqual(['0-1-1', '0-1-2']);
    // INT, VARCHAR utf8mb4 text, ENUM value, BLOB bytes, TIMESTAMP as UTC text: as the live reader gives them.
    expect(rowsOf(list).map((e) => e.rows[0]!.after!.values)).toEqual([
      [62, 'foo', 'JSON', { b: Buffer.from('{"foo":1}').toString('base64') }, '2022-04-20 22:18:04'],
      [63, 'foo', 'JSON', { b: Buffer.from('{"foo":1}').toString('base64') }, '2022-04-20 22:19:55'],
    ]);
  });
});

describe('damaged files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fc-dts-binlog-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function damaged(file: string, change: (b: Buffer) => Buffer): Promise<string> {
    const path = join(dir, file);
    await writeFile(path, change(Buffer.from(await readFile(binlogFixturePath(file)))));
    return path;
  }

  async function readAll(path: string): Promise<number> {
    let n = 0;
    for await (const _ of readBinlogFile(path, { jsonText })) n++;
    return n;
  }

  it('a corrupted byte fails the CRC32 check, naming the file and the event offset', async () => {
    // The rows event at 1116 in checksum-crc32; flip a byte inside its body.
    const path = await damaged('osheroff--mysql-bin.checksum-crc32', (b) => {
      b[1116 + 40]! ^= 0x01;
      return b;
    });
    const error = await readAll(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BinlogChecksumError);
    expect(error).toMatchObject({ code: 'BINLOG_DECODE_FAILED', offset: 1116, source: path });
    expect((error as Error).message).toContain(`${path} at offset 1116: event checksum mismatch`);
  });

  it('a file without the binlog magic, and a truncated file, are format errors', async () => {
    const notBinlog = await damaged('rmc--time_issue.000001', (b) => Buffer.concat([Buffer.from('xbin'), b.subarray(4)]));
    await expect(readAll(notBinlog)).rejects.toThrow(BinlogFormatError);
    const truncated = await damaged('rmc--time_issue.000001', (b) => b.subarray(0, 300));
    await expect(readAll(truncated)).rejects.toMatchObject({ code: 'BINLOG_DECODE_FAILED', offset: 236 });
  });
});
