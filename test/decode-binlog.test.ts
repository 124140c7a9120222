/**
 * `fc-dts decode-binlog` (the real command, as a process) on binlog files real MySQL servers wrote
 * (../shared/fixtures/mysql-binlogs): the event parser, the binary JSON decoder and the schema
 * history together. Expected values: blackbeam/rust_mysql_common src/binlog/mod.rs (test
 * binlog_event_roundtrip), where the rmc-- files come from; otherwise the values the files' own
 * statements and generated columns state, as noted beside them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binlogFixturePath } from './helpers/binlog-fixtures.ts';
import { FC_DTS_BIN as BIN } from './helpers/fc-dts-process.ts';

const fixture = binlogFixturePath;

interface Change {
  pos: string;
  gtid: string | null;
  db: string;
  table: string | null;
  op: string;
  before: Record<string, string | null> | null;
  after: Record<string, string | null> | null;
  sql: string | null;
}

function decode(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, 'decode-binlog', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function changes(...args: string[]): Change[] {
  const r = decode(...args, '--json');
  expect(r.code, r.err).toBe(0);
  return r.out.trim().split('\n').map((line) => JSON.parse(line) as Change);
}

const rowsOf = (all: Change[]) => all.filter((c) => c.op !== 'ddl');

describe('fc-dts decode-binlog', () => {
  it('MySQL 8.0.28 with FULL metadata: DDL text, and each row change with its GTID and the values MySQL wrote', () => {
    const all = changes(fixture('rmc--mysql-enum-string-set.000001'));
    const uuid = '93e95066-a2f4-11ec-9b69-9657f0ae95e2';
    const f1 = '0123456789'.repeat(10);
    const f2 = '0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456780123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456780123456789012345678901234567890123456789';
    const inserted = { f1, f2, f3: 'var1', f4: 'one,three', f5: '0123456789' };
    const updated = { f1: 'field1', f2: 'field_2', f3: 'variant2', f4: 'two,four', f5: f2 };
    expect(all.find((c) => c.op === 'ddl' && c.sql?.startsWith('CREATE TABLE'))).toEqual({
      pos: 'rmc--mysql-enum-string-set.000001:572', gtid: `${uuid}:2`, db: 'mysql', table: null, op: 'ddl', before: null, after: null,
      sql: "CREATE TABLE t(f1 CHAR(128), f2 VARCHAR(300), f3 ENUM('var1', 'variant2', 'foo'), f4 SET('one', 'two', 'three', 'four'), f5 TEXT)",
    });
    expect(rowsOf(all)).toEqual([
      { pos: 'rmc--mysql-enum-string-set.000001:1077#0', gtid: `${uuid}:3`, db: 'mysql', table: 't', op: 'insert', before: null, after: inserted, sql: null },
      { pos: 'rmc--mysql-enum-string-set.000001:1855#0', gtid: `${uuid}:4`, db: 'mysql', table: 't', op: 'update', before: inserted, after: updated, sql: null },
      { pos: 'rmc--mysql-enum-string-set.000001:2945#0', gtid: `${uuid}:5`, db: 'mysql', table: 't', op: 'delete', before: updated, after: null, sql: null },
    ]);
  });

  it('MINIMAL metadata: names from the CREATE TABLE in the file, JSON as the server prints it, a partial JSON update as the functions that make it', () => {
    const rows = rowsOf(changes(fixture('rmc--json.binlog.000001')));
    // The generated columns name and age are the server's own reading of json_col.
    expect(rows[0]).toMatchObject({ table: 't', op: 'insert', after: { id: '1', json_col: '{"age": 24, "data": "xxxxxxxxxx", "name": "Joe"}', name: 'Joe', age: '24' } });
    const partial = rows.filter((c) => c.pos.startsWith('rmc--json.binlog.000001:3750#'));
    expect(partial).toHaveLength(6);
    // binlog_row_image=MINIMAL: the before-image is the key alone; the JSON column is a diff against it.
    expect(partial.at(-1)).toMatchObject({ op: 'update', before: { id: '6' }, after: { json_col: "JSON_REPLACE(@2, '$.age', CAST('42' AS JSON))", name: 'Pete', age: '42' } });
  });

  it('MySQL 5.7 without column names: positional names and text as bytes, or the names, charsets and signedness of --schema', () => {
    const file = fixture('osheroff--mysql-bin.checksum-crc32');
    const plain = rowsOf(changes(file))[0]!;
    expect(plain.after).toMatchObject({ '@1': '12300113', '@2': '0x7465737432', '@3': '0x2F' });
    const dir = mkdtempSync(join(tmpdir(), 'fc-dts-decode-'));
    const schema = join(dir, 'schema.sql');
    // Names chosen here; the types are the TABLE_MAP's (INT, VARCHAR(255) utf8, BIGINT, TIMESTAMP, TINYINT).
    writeFileSync(schema, `USE simu_file_dev;
      -- created before the binlog file begins
      CREATE TABLE folder (id INT UNSIGNED NOT NULL, name VARCHAR(255) CHARACTER SET utf8 NOT NULL, path VARCHAR(255) CHARACTER SET utf8 NOT NULL,
        owner_id BIGINT NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, creator_id BIGINT NOT NULL, size BIGINT NOT NULL,
        status TINYINT NOT NULL, deleted TINYINT NOT NULL, deleted_at TIMESTAMP NULL, version BIGINT NOT NULL, parent_id BIGINT NOT NULL, PRIMARY KEY (id));`);
    const named = rowsOf(changes(file, '--schema', schema))[0]!;
    expect(named).toMatchObject({ db: 'simu_file_dev', table: 'folder', op: 'insert' });
    expect(named.after).toMatchObject({ id: '12300113', name: 'test2', path: '/', owner_id: '116103', created_at: '2018-05-04 08:31:59', parent_id: '12200009' });
    // Tables the schema file does not define keep positional names.
    expect(rowsOf(changes(file, '--schema', schema)).find((c) => c.table === 'file')?.after).toHaveProperty('@1', '12600330');
  });

  it('a compressed transaction: the events inside the zstd payload, positioned by the payload and their index', () => {
    expect(rowsOf(changes(fixture('rmc--transaction_compression.000001')))).toEqual([
      { pos: 'rmc--transaction_compression.000001:274.2#0', gtid: null, db: 'test', table: 'tb1', op: 'insert', before: null, after: { '@1': '1' }, sql: null },
    ]);
  });

  it('values as a MySQL client prints them: a negative TIME, BIT as its number, a binary VECTOR as hex', () => {
    expect(rowsOf(changes(fixture('rmc--time_issue.000001')))[0]!.after).toEqual({ '@1': '-507:48:27' });
    // rust_mysql_common: BIT(3) [0b100], TEXT "foo", BIT(8) [0b100000].
    expect(rowsOf(changes(fixture('rmc--mysql_type_bit.000001')))[0]!.after).toEqual({ a: '4', b: 'foo', c: '32' });
    // rust_mysql_common: [1.1, 2.2, 3.3] as float32 little-endian.
    expect(rowsOf(changes(fixture('rmc--vector.binlog')))[0]!.after).toEqual({ id: '1', vector_column: '0xCDCC8C3FCDCC0C4033335340' });
  });

  it('prints a readable form without --json, and refuses bad usage and unreadable files with exit codes 2 and 1', () => {
    const text = decode(fixture('rmc--mysql_type_bit.000001'));
    expect(text.code).toBe(0);
    expect(text.out).toContain('# at rmc--mysql_type_bit.000001:927#0  GTID fbda2ad0-7c46-11ec-ae30-4ef7efc81a2a:3\nINSERT `mysql`.`foo`\n  after:\n    a = 4\n    b = foo\n    c = 32');
    const usage = decode();
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('decode-binlog needs at least one binlog file');
    const dir = mkdtempSync(join(tmpdir(), 'fc-dts-decode-'));
    const notBinlog = join(dir, 'not-a-binlog');
    writeFileSync(notBinlog, 'hello, world');
    const bad = decode(notBinlog);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`${notBinlog} at offset 0: not a binlog file`);
    expect(bad.err).not.toMatch(/\n\s+at /);
  });
});
