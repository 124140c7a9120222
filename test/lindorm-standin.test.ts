/**
 * The Lindorm (LindormTable over the MySQL protocol) stand-in, driven through mysql2 (`query` only) and the
 * `mariadb` command-line client: authentication, DDL and catalog statements, every type, Lindorm's rules and
 * their errors, persistence, the injected faults, and commands it does not serve.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLindormStandIn, type LindormStandIn } from '../infra/lindorm-standin/index.ts';

const PASSWORD = 'lindorm-test-pw';

async function connect(standIn: LindormStandIn, database = 'default'): Promise<Connection> {
  return mysql.createConnection({
    host: standIn.host,
    port: standIn.port,
    user: standIn.user,
    password: standIn.password,
    database,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}

async function rows(c: Connection, sql: string): Promise<RowDataPacket[]> {
  const [result] = await c.query<RowDataPacket[]>(sql);
  return result;
}

/** The error a statement is refused with: errno, SQLSTATE and message. */
async function refusal(c: Connection, sql: string): Promise<{ errno?: number; sqlState?: string; message: string }> {
  try {
    await c.query(sql);
  } catch (e) {
    const err = e as { errno?: number; sqlState?: string; message: string };
    return { errno: err.errno, sqlState: err.sqlState, message: err.message };
  }
  throw new Error(`not refused: ${sql}`);
}

/** Runs the mariadb client (asynchronously: the stand-in serves from this process). */
function mariadb(standIn: LindormStandIn, sql: string, options: { password?: string; namespace?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['-h', standIn.host, '-P', String(standIn.port), '-u', standIn.user, `-p${options.password ?? standIn.password}`, '-N', '-B', options.namespace ?? 'default', '-e', sql];
  return new Promise((resolve) => {
    execFile('mariadb', args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let standIn: LindormStandIn;
let c: Connection;

beforeAll(async () => {
  standIn = await startLindormStandIn({ password: PASSWORD });
  c = await connect(standIn);
});

afterAll(async () => {
  await c?.end();
  await standIn?.close();
});

describe('connecting', () => {
  it('refuses a wrong password with the MySQL error 1045 (28000), through mysql2 and the mariadb client', async () => {
    const error = await mysql.createConnection({ host: standIn.host, port: standIn.port, user: standIn.user, password: 'wrong' }).then(
      () => undefined,
      (e: { errno?: number; sqlState?: string; message: string }) => e,
    );
    expect(error).toMatchObject({ errno: 1045, sqlState: '28000', message: "Access denied for user 'root'@'127.0.0.1' (using password: YES)" });
    const cli = await mariadb(standIn, 'SELECT 1', { password: 'wrong' });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain("ERROR 1045 (28000): Access denied for user 'root'@'127.0.0.1' (using password: YES)");
  });

  it('answers the variables clients ask on connect and the session variables', async () => {
    expect(await rows(c, 'SELECT @@version AS v, @@version_comment AS vc, @@time_zone AS tz, @@sql_mode AS m')).toEqual([
      { v: '2.8.4.8', vc: 'LindormTable stand-in (fc-dts)', tz: '+08:00', m: '' },
    ]);
    expect((await mariadb(standIn, 'select @@version_comment limit 1')).stdout).toBe('LindormTable stand-in (fc-dts)\n');
    expect(await refusal(c, 'SET wait_timeout = 5')).toMatchObject({ errno: 1193, sqlState: 'HY000' });
    expect(await refusal(c, "SET SQL_MODE = 'ANSI_QUOTES'")).toMatchObject({ errno: 1231, sqlState: '42000' });
  });

  it('switches namespaces with USE and COM_INIT_DB, and refuses an unknown one', async () => {
    await c.query('CREATE DATABASE IF NOT EXISTS ns_use');
    const other = await connect(standIn, 'ns_use');
    try {
      expect(await rows(other, 'SELECT DATABASE() AS db')).toEqual([{ db: 'ns_use' }]);
      await other.query('USE `default`');
      expect(await rows(other, 'SELECT DATABASE() AS db')).toEqual([{ db: 'default' }]);
      expect(await refusal(other, 'USE nosuch')).toMatchObject({ errno: 1049, sqlState: '42000', message: "Unknown database 'nosuch'" });
    } finally {
      await other.end();
    }
    expect(await refusal(c, 'CREATE DATABASE abc')).toMatchObject({ errno: 1105, message: "DoNotRetryIOException: Illegal namespace name 'abc'" });
    expect(await refusal(c, 'CREATE DATABASE `default`')).toMatchObject({ errno: 1007 });
    // The mariadb client sends `use` as COM_INIT_DB.
    expect((await mariadb(standIn, 'use ns_use; SELECT DATABASE()')).stdout).toBe('ns_use\n');
    expect((await mariadb(standIn, 'use nosuch')).stderr).toContain("ERROR 1049 (42000) at line 1: Unknown database 'nosuch'");
    const names = (await rows(c, 'SHOW DATABASES')).map((r) => r['SCHEMA'] as string);
    expect(names).toEqual(expect.arrayContaining(['default', 'ns_use']));
  });

  it('answers a command it does not serve with an error instead of leaving the client waiting', async () => {
    const other = await connect(standIn);
    try {
      // COM_CHANGE_USER (17): mysql2 sends it and waits for the answer.
      await expect(other.changeUser({ user: standIn.user, password: standIn.password })).rejects.toMatchObject({ errno: 1047, sqlState: '08S01', message: 'Unknown command 17' });
    } finally {
      other.destroy();
    }
    const reset = await connect(standIn);
    try {
      // COM_RESET_CONNECTION (31), which Lindorm does not serve either.
      await expect(reset.reset()).rejects.toMatchObject({ errno: 1047, message: 'Unknown command 31' });
    } finally {
      reset.destroy();
    }
    const prepared = await connect(standIn);
    try {
      await expect(prepared.execute('SELECT 1')).rejects.toMatchObject({ errno: 1235, message: 'Prepared statement (COM_STMT_PREPARE) is not supported' });
      expect(await rows(prepared, 'SELECT 1 AS one')).toEqual([{ one: '1' }]);
    } finally {
      await prepared.end();
    }
  });

  it('closes a connection idle for longer than idleMs, as Lindorm does after 10 minutes', async () => {
    const idle = await startLindormStandIn({ password: PASSWORD, limits: { idleMs: 50 } });
    try {
      const conn = await connect(idle);
      const closed = new Promise<string>((resolve) => conn.once('error', (e: { code?: string }) => resolve(String(e.code))));
      expect(await closed).toBe('PROTOCOL_CONNECTION_LOST');
      conn.destroy();
    } finally {
      await idle.close();
    }
  });
});

describe('tables', () => {
  it('creates a table and shows it through SHOW TABLES, DESCRIBE, SHOW COLUMNS and SHOW CREATE TABLE', async () => {
    await c.query("CREATE TABLE shop (region VARCHAR, id BIGINT, name VARCHAR(50), price DECIMAL(10,2) NOT NULL, PRIMARY KEY (region, id DESC)) WITH (COMPRESSION='ZSTD', VERSIONS='1')");
    await c.query('CREATE TABLE IF NOT EXISTS shop (x INT, PRIMARY KEY (x))');
    expect(await refusal(c, 'CREATE TABLE shop (x INT, PRIMARY KEY (x))')).toMatchObject({ errno: 1050, sqlState: '42S01', message: "Table 'default.shop' already exists" });
    expect((await rows(c, "SHOW TABLES LIKE 'sho%'")).map((r) => Object.values(r)[0])).toEqual(['shop']);
    const described = await rows(c, 'DESCRIBE shop');
    expect(described.map((r) => [r['COLUMN_NAME'], r['TYPE'], r['IS_PRIMARY_KEY'], r['SORT_ORDER']])).toEqual([
      ['region', 'VARCHAR', 'true', 'ASC'],
      ['id', 'BIGINT', 'true', 'DESC'],
      ['name', 'VARCHAR(50)', 'false', null],
      ['price', 'DECIMAL(10,2)', 'false', null],
    ]);
    expect(await rows(c, 'SHOW COLUMNS FROM shop')).toEqual(described);
    const [create] = await rows(c, 'SHOW CREATE TABLE shop');
    expect(create!['Create Table']).toBe(
      "CREATE TABLE `default`.`shop` (\n  `region` VARCHAR NOT NULL,\n  `id` BIGINT NOT NULL,\n  `name` VARCHAR(50),\n  `price` DECIMAL(10,2) NOT NULL,\n  PRIMARY KEY (`region`, `id` DESC)\n) WITH (COMPRESSION='ZSTD', VERSIONS='1')",
    );
    const cli = await mariadb(standIn, 'DESCRIBE shop');
    expect(cli.stdout.split('\n')[1]).toBe('default\tshop\tid\tBIGINT\tfalse\ttrue\tDESC');
  });

  it('adds several columns with ALTER TABLE and drops tables, IF EXISTS tolerating a missing one', async () => {
    await c.query('CREATE TABLE alt (k INT, PRIMARY KEY (k))');
    await c.query('ALTER TABLE alt ADD COLUMN a VARCHAR, ADD b DOUBLE');
    expect((await rows(c, 'DESCRIBE alt')).map((r) => r['COLUMN_NAME'])).toEqual(['k', 'a', 'b']);
    await c.query('CREATE TABLE keyorder (a INT, b INT, v INT, c VARCHAR, PRIMARY KEY (c, b))');
    expect((await rows(c, 'DESCRIBE keyorder')).map((r) => r['COLUMN_NAME'])).toEqual(['c', 'b', 'a', 'v']);
    expect(await refusal(c, 'ALTER TABLE alt ADD COLUMN a INT')).toMatchObject({ errno: 1060, sqlState: '42S21' });
    expect(await refusal(c, 'ALTER TABLE alt ADD COLUMN c INT DEFAULT 0')).toMatchObject({ errno: 1064, sqlState: '42000' });
    await c.query('DROP TABLE alt');
    await c.query('DROP TABLE IF EXISTS alt');
    expect(await refusal(c, 'DROP TABLE alt')).toMatchObject({ errno: 1146, sqlState: '42S02', message: "Table 'default.alt' doesn't exist" });
  });

  it('refuses the tables Lindorm refuses, each with its error', async () => {
    const cases: Array<[string, RegExp]> = [
      ['CREATE TABLE r1 (k INT UNSIGNED, PRIMARY KEY (k))', /Unsupported data type INT UNSIGNED/],
      ['CREATE TABLE r2 (k INT, b BIT, PRIMARY KEY (k))', /Unsupported data type BIT/],
      ['CREATE TABLE r3 (k INT, t TEXT, PRIMARY KEY (k))', /Unsupported data type TEXT/],
      ['CREATE TABLE r4 (k INT, d DECIMAL(39,2), PRIMARY KEY (k))', /DECIMAL\(39,2\): precision must be 1 to 38/],
      ['CREATE TABLE r5 (a INT, b INT, c INT, d INT, e INT, f INT, PRIMARY KEY (a, b, c, d, e, f))', /at most 5 columns/],
      ['CREATE TABLE r6 (a VARBINARY, b INT, PRIMARY KEY (a, b))', /VARBINARY primary key column 'a' must be the last/],
      ['CREATE TABLE r7 (a INT, b INT)', /a table must have a primary key/],
      ['CREATE TABLE r8 (a INT, PRIMARY KEY (nope))', /Unknown column 'nope'/],
      ['CREATE TABLE `-bad` (a INT, PRIMARY KEY (a))', /Illegal table name '-bad'/],
    ];
    for (const [sql, message] of cases) expect((await refusal(c, sql)).message, sql).toMatch(message);
    await c.query('CREATE TABLE r9 (a INT, b VARBINARY, PRIMARY KEY (a, b))');
  });
});

describe('rows', () => {
  it('round-trips a value of every type through UPSERT and SELECT, read by mysql2 and the mariadb client', async () => {
    await c.query(`CREATE TABLE types (pk INTEGER, c_bool BOOLEAN, c_tiny TINYINT, c_small SMALLINT, c_int INT, c_big BIGINT, c_float FLOAT,
      c_double DOUBLE, c_dec DECIMAL(38,10), c_varchar VARCHAR(20), c_char CHAR(4), c_binary BINARY(3), c_varbinary VARBINARY,
      c_date DATE, c_time TIME, c_ts TIMESTAMP, PRIMARY KEY (pk))`);
    await c.query(`UPSERT INTO types (pk, c_bool, c_tiny, c_small, c_int, c_big, c_float, c_double, c_dec, c_varchar, c_char, c_binary,
      c_varbinary, c_date, c_time, c_ts) VALUES
      (1, true, -128, -32768, -2147483648, 9223372036854775807, 1.5E0, 2.5E-1, 1234567890123456789012345678.0123456789, 'héllo ✓', 'abcd',
       X'010203', X'00fffe', '2024-02-29', '23:59:58', '2024-01-02 03:04:05.678'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
    expect(await rows(c, 'SELECT * FROM types WHERE pk IN (1, 2)')).toEqual([
      {
        pk: 1, c_bool: 1, c_tiny: -128, c_small: -32768, c_int: -2147483648, c_big: '9223372036854775807', c_float: 1.5, c_double: 0.25,
        c_dec: '1234567890123456789012345678.0123456789', c_varchar: 'héllo ✓', c_char: 'abcd', c_binary: Buffer.from('010203', 'hex'),
        c_varbinary: Buffer.from('00fffe', 'hex'), c_date: '2024-02-29', c_time: '23:59:58', c_ts: '2024-01-02 03:04:05.678',
      },
      {
        pk: 2, c_bool: null, c_tiny: null, c_small: null, c_int: null, c_big: null, c_float: null, c_double: null, c_dec: null,
        c_varchar: null, c_char: null, c_binary: null, c_varbinary: null, c_date: null, c_time: null, c_ts: null,
      },
    ]);
    const cli = await mariadb(standIn, 'SELECT c_big, c_dec, c_varchar, c_date, c_time, c_ts, c_varbinary FROM types WHERE pk = 2 OR pk = 1');
    expect(cli.stdout).toBe('9223372036854775807\t1234567890123456789012345678.0123456789\théllo ✓\t2024-02-29\t23:59:58\t2024-01-02 03:04:05.678\t\\0��\nNULL\tNULL\tNULL\tNULL\tNULL\tNULL\tNULL\n');
  });

  it('refuses values that do not fit their column', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ["UPSERT INTO types (pk, c_tiny) VALUES (3, 128)", 1264, /Out of range value for column 'c_tiny'/],
      ["UPSERT INTO types (pk, c_int) VALUES (3, 1.5)", 1366, /Incorrect INTEGER value: '1.5' for column 'c_int'/],
      ["UPSERT INTO types (pk, c_dec) VALUES (3, 1.00000000001)", 1264, /more than 10 digits after the point/],
      ["UPSERT INTO types (pk, c_varchar) VALUES (3, '123456789012345678901')", 1406, /Data too long for column 'c_varchar'/],
      ["UPSERT INTO types (pk, c_date) VALUES (3, '2023-02-29')", 1366, /Incorrect DATE value/],
      ["UPSERT INTO types (pk, c_bool) VALUES (3, 'maybe')", 1366, /Incorrect BOOLEAN value/],
      ['UPSERT INTO types (pk, c_varbinary) VALUES (3, 12)', 1366, /Incorrect VARBINARY value: '12'/],
      ["UPSERT INTO types (pk, c_binary) VALUES (3, X'01020304')", 1406, /Data too long for column 'c_binary' \(at most 3\)/],
    ];
    for (const [sql, errno, message] of cases) expect(await refusal(c, sql), sql).toMatchObject({ errno, message: expect.stringMatching(message) });
  });

  it('keeps table and column names case-sensitive', async () => {
    await c.query('CREATE TABLE `Case` (`Id` INT, `id` INT, `Val` VARCHAR, PRIMARY KEY (`Id`, `id`))');
    await c.query('CREATE TABLE `case` (k INT, PRIMARY KEY (k))');
    await c.query("UPSERT INTO `Case` (`Id`, `id`, `Val`) VALUES (1, 2, 'x')");
    expect(await rows(c, 'SELECT `Val`, `id` FROM `Case` WHERE `Id` = 1')).toEqual([{ Val: 'x', id: 2 }]);
    expect(await refusal(c, 'SELECT val FROM `Case` WHERE `Id` = 1')).toMatchObject({ errno: 1054, sqlState: '42S22', message: "Unknown column 'val' in 'Case'" });
    expect(await refusal(c, 'SELECT * FROM `CASE` WHERE k = 1')).toMatchObject({ errno: 1146, message: "Table 'default.CASE' doesn't exist" });
    expect((await mariadb(standIn, 'SELECT Val FROM Case WHERE Id = 1')).stdout).toBe('x\n');
  });

  it('writes only the listed columns: an existing row keeps the others, and INSERT is an UPSERT too', async () => {
    await c.query('CREATE TABLE partial (k INT, a VARCHAR, b VARCHAR, PRIMARY KEY (k))');
    await c.query("UPSERT INTO partial (k, a, b) VALUES (1, 'a1', 'b1')");
    await c.query("UPSERT INTO partial (k, b) VALUES (1, 'b2')");
    await c.query("INSERT INTO partial (k, a) VALUES (1, 'a3'), (2, 'new')");
    await c.query('UPSERT INTO partial (k, b) VALUES (2, NULL)');
    expect(await rows(c, 'SELECT * FROM partial WHERE k >= 1 ORDER BY k LIMIT 10')).toEqual([
      { k: 1, a: 'a3', b: 'b2' },
      { k: 2, a: 'new', b: null },
    ]);
    expect(await refusal(c, "UPSERT INTO partial (a) VALUES ('x')")).toMatchObject({ errno: 1105, message: "DoNotRetryIOException: primary key column 'k' must be given a value" });
    expect(await refusal(c, "UPSERT INTO partial (k, a) VALUES (NULL, 'x')")).toMatchObject({ message: "DoNotRetryIOException: primary key column 'k' cannot be null" });
    expect(await refusal(c, "UPSERT INTO partial (k, zz) VALUES (3, 'x')")).toMatchObject({ errno: 1054, message: "Unknown column 'zz' in 'partial'" });
    expect(await refusal(c, 'UPSERT INTO partial (k, a) VALUES (3)')).toMatchObject({ errno: 1136, sqlState: '21S01' });
    expect(await refusal(c, 'UPSERT INTO nosuch (k) VALUES (3)')).toMatchObject({ errno: 1146 });
  });

  it('keeps rows in primary-key byte order, ascending or descending per key column', async () => {
    await c.query("UPSERT INTO shop (region, id, name, price) VALUES ('b', 1, 'x', 1), ('a', 1, 'y', 2), ('a', 3, 'z', 3), ('a', -5, 'w', 4), ('ab', 0, 'v', 5)");
    const keys = (await rows(c, "SELECT region, id FROM shop WHERE region >= 'a'")).map((r) => `${r['region']}/${r['id']}`);
    expect(keys).toEqual(['a/3', 'a/1', 'a/-5', 'ab/0', 'b/1']);
    const reversed = (await rows(c, "SELECT region, id FROM shop WHERE region >= 'a' ORDER BY region DESC, id ASC LIMIT 2")).map((r) => `${r['region']}/${r['id']}`);
    expect(reversed).toEqual(['b/1', 'ab/0']);
    expect(await refusal(c, "SELECT * FROM shop WHERE region = 'a' ORDER BY id")).toMatchObject({ message: 'DoNotRetryIOException: ORDER BY requires LIMIT' });
    expect(await refusal(c, "SELECT * FROM shop WHERE region = 'a' ORDER BY name LIMIT 5")).toMatchObject({ message: expect.stringContaining('primary key columns only') });
    expect(await refusal(c, "SELECT * FROM shop WHERE region = 'a' LIMIT 10001")).toMatchObject({ message: 'DoNotRetryIOException: LIMIT 10001 exceeds the maximum of 10000' });
    expect(await rows(c, "SELECT name FROM shop WHERE region = 'a' LIMIT 1 OFFSET 1")).toEqual([{ name: 'y' }]);
    await c.query('CREATE TABLE down (s VARCHAR, n INT, PRIMARY KEY (s DESC, n))');
    await c.query("UPSERT INTO down (s, n) VALUES ('a', 2), ('ab', 1), ('b', 0), ('a', 1), ('', 5)");
    const down = (await rows(c, "SELECT s, n FROM down WHERE s >= ''")).map((r) => `${r['s']}/${r['n']}`);
    expect(down).toEqual(['b/0', 'ab/1', 'a/1', 'a/2', '/5']);
  });

  it('refuses a SELECT that does not constrain the first key column, unless hinted with _l_allow_filtering_ or ALLOW FILTERING', async () => {
    const inefficient = /^DoNotRetryIOException: Detect inefficient query: .* This query may be a fulltable scan and thus may have unpredictable performance\.$/;
    for (const sql of ['SELECT * FROM shop', 'SELECT * FROM shop WHERE id = 1', "SELECT * FROM shop WHERE region = 'a' OR id = 1", "SELECT * FROM shop WHERE region != 'a'", 'SELECT COUNT(*) FROM shop']) {
      expect(await refusal(c, sql), sql).toMatchObject({ errno: 1105, sqlState: 'HY000', message: expect.stringMatching(inefficient) });
    }
    expect(await rows(c, 'SELECT /*+ _l_allow_filtering_ */ name FROM shop WHERE id = 1')).toEqual([{ name: 'y' }, { name: 'x' }]);
    expect(await rows(c, 'SELECT name FROM shop WHERE price = 5 ALLOW FILTERING')).toEqual([{ name: 'v' }]);
    expect(await rows(c, 'SELECT /*+ _l_allow_filtering_ */ COUNT(*) AS n FROM shop')).toEqual([{ n: '5' }]);
    expect(await rows(c, "SELECT COUNT(*) AS n FROM shop WHERE region = 'a' AND (id = 1 OR id = 3)")).toEqual([{ n: '2' }]);
    expect(await rows(c, "SELECT name FROM shop WHERE region BETWEEN 'a' AND 'ab' AND name LIKE 'v%'")).toEqual([{ name: 'v' }]);
    const cli = await mariadb(standIn, 'SELECT * FROM shop');
    expect(cli.stderr).toMatch(/ERROR 1105 \(HY000\) at line 1: DoNotRetryIOException: Detect inefficient query/);
  });

  it('deletes a row by its full primary key with = and refuses any other DELETE', async () => {
    await c.query("DELETE FROM shop WHERE region = 'a' AND id = -5");
    await c.query("DELETE FROM shop WHERE id = 99 AND region = 'zz'");
    expect((await rows(c, "SELECT id FROM shop WHERE region = 'a'")).map((r) => r['id'])).toEqual(['3', '1']);
    const needsKey = "DoNotRetryIOException: DELETE on 'shop' must specify every primary key column with '=' joined by AND";
    for (const sql of ["DELETE FROM shop WHERE region = 'a'", "DELETE FROM shop WHERE region = 'a' AND id > 1", 'DELETE FROM shop', "DELETE FROM shop WHERE region = 'a' AND id = 1 AND name = 'y'", "DELETE FROM shop WHERE region = 'a' OR id = 1"]) {
      expect(await refusal(c, sql), sql).toMatchObject({ errno: 1105, message: needsKey });
    }
    expect(standIn.counters.rows.delete).toBeGreaterThanOrEqual(2);
  });

  it("stores VARBINARY '' (and X'') as NULL, as Lindorm does", async () => {
    await c.query('CREATE TABLE vb (k INT, v VARBINARY, s VARCHAR, PRIMARY KEY (k))');
    await c.query("UPSERT INTO vb (k, v, s) VALUES (1, '', ''), (2, X'', 'x'), (3, 'ab', 'y')");
    expect(await rows(c, 'SELECT k, v, s FROM vb WHERE k > 0')).toEqual([
      { k: 1, v: null, s: '' },
      { k: 2, v: null, s: 'x' },
      { k: 3, v: Buffer.from('ab'), s: 'y' },
    ]);
    expect(await rows(c, 'SELECT k FROM vb WHERE k > 0 AND v IS NULL')).toEqual([{ k: 1 }, { k: 2 }]);
  });

  it('reads string literals with quote doubling and backslash escapes, and without them under NO_BACKSLASH_ESCAPES', async () => {
    await c.query('CREATE TABLE lit (k INT, s VARCHAR, PRIMARY KEY (k))');
    await c.query("UPSERT INTO lit (k, s) VALUES (1, 'it''s'), (2, 'a\\\\b\\nc\\'d'), (3, 'é')");
    expect((await rows(c, 'SELECT s FROM lit WHERE k > 0')).map((r) => r['s'])).toEqual(["it's", "a\\b\nc'd", 'é']);
    expect(await refusal(c, "UPSERT INTO lit (k, s) VALUES (4, 'tab\\there')")).toMatchObject({ errno: 1064, message: expect.stringContaining('Encountered "\\t"') });
    const other = await connect(standIn);
    try {
      await other.query("SET SQL_MODE = 'NO_BACKSLASH_ESCAPES'");
      await other.query("UPSERT INTO lit (k, s) VALUES (4, 'C:\\dir\\t')");
      expect(await rows(other, 'SELECT s, @@sql_mode AS m FROM lit WHERE k = 4')).toEqual([{ s: 'C:\\dir\\t', m: 'NO_BACKSLASH_ESCAPES' }]);
    } finally {
      await other.end();
    }
  });

  it('reads and writes TIMESTAMP in the session time zone (+08:00 unless SET TIME_ZONE)', async () => {
    await c.query('CREATE TABLE tz (k INT, t TIMESTAMP, PRIMARY KEY (k))');
    await c.query("UPSERT INTO tz (k, t) VALUES (1, '2024-01-01 08:00:00.000'), (2, 0)");
    const other = await connect(standIn);
    try {
      await other.query("SET TIME_ZONE = '+00:00'");
      expect(await rows(other, 'SELECT t FROM tz WHERE k IN (1, 2)')).toEqual([{ t: '2024-01-01 00:00:00.000' }, { t: '1970-01-01 00:00:00.000' }]);
      expect(await refusal(other, "SET TIME_ZONE = 'Mars/Base'")).toMatchObject({ errno: 1231 });
    } finally {
      await other.end();
    }
  });
});

describe('limits and refusals', () => {
  it('refuses a write of more than 2,000 rows, a key over 2 KB and non-key data over 2 MB', async () => {
    await c.query('CREATE TABLE lim (k VARCHAR, v VARCHAR, PRIMARY KEY (k))');
    const values = (n: number) => Array.from({ length: n }, (_, i) => `('k${i}', 'v')`).join(', ');
    await c.query(`UPSERT INTO lim (k, v) VALUES ${values(2000)}`);
    expect(await refusal(c, `UPSERT INTO lim (k, v) VALUES ${values(2001)}`)).toMatchObject({ errno: 1105, message: 'DoNotRetryIOException: a write can have at most 2000 rows, this one has 2001' });
    expect(await refusal(c, `UPSERT INTO lim (k, v) VALUES ('${'k'.repeat(2049)}', 'v')`)).toMatchObject({ message: 'DoNotRetryIOException: primary key length 2049 exceeds the limit of 2048 bytes' });
    await c.query(`UPSERT INTO lim (k, v) VALUES ('${'k'.repeat(2048)}', 'v')`);
    expect(await refusal(c, `UPSERT INTO lim (k, v) VALUES ('big', '${'v'.repeat(2 * 1024 * 1024 + 1)}')`)).toMatchObject({
      message: 'DoNotRetryIOException: non-primary-key data of a row is 2097153 bytes, more than the limit of 2097152 bytes',
    });
    expect(await rows(c, "SELECT COUNT(*) AS n FROM lim WHERE k >= ''")).toEqual([{ n: '2001' }]);
  });

  it('refuses a write statement over 64 MB (a limit a test may lower) before writing any of its rows', async () => {
    const small = await startLindormStandIn({ password: PASSWORD, limits: { writeBytes: 100 } });
    const conn = await connect(small);
    try {
      await conn.query('CREATE TABLE w (k INT, v VARCHAR, PRIMARY KEY (k))');
      expect(await refusal(conn, `UPSERT INTO w (k, v) VALUES (1, '${'x'.repeat(60)}'), (2, '${'x'.repeat(60)}')`)).toMatchObject({
        message: 'DoNotRetryIOException: a write can have at most 100 bytes, this one has 128',
      });
      expect(await rows(conn, 'SELECT COUNT(*) AS n FROM w WHERE k > 0')).toEqual([{ n: '0' }]);
    } finally {
      await conn.end();
      await small.close();
    }
  });

  it('refuses transactions, multiple statements, JOIN, UNION, placeholders and syntax errors', async () => {
    const cases: Array<[string, number, string]> = [
      ['BEGIN', 1235, 'Transaction is not supported'],
      ['START TRANSACTION', 1235, 'Transaction is not supported'],
      ['COMMIT', 1235, 'Transaction is not supported'],
      ['ROLLBACK', 1235, 'Transaction is not supported'],
      ['SET autocommit = 0', 1235, 'Transaction is not supported'],
      ["SELECT * FROM shop WHERE region = 'a'; SELECT 1", 1235, 'Multiple statements in one query is not supported'],
      ["SELECT * FROM shop s JOIN lim l WHERE region = 'a'", 1105, 'DoNotRetryIOException: JOIN is not allowed'],
      ["SELECT * FROM shop, lim WHERE region = 'a'", 1105, 'DoNotRetryIOException: JOIN is not allowed'],
      ["SELECT name FROM shop WHERE region = 'a' UNION SELECT v FROM lim WHERE k = 'k1'", 1105, 'DoNotRetryIOException: UNION is not allowed'],
      ["SELECT * FROM shop WHERE region = ?", 1235, "Parameter marker '?' is not supported"],
      ['SELEC 1', 1064, 'SQL parse error: Encountered "SELEC" at line 1, column 1.'],
    ];
    for (const [sql, errno, message] of cases) expect(await refusal(c, sql), sql).toMatchObject({ errno, message });
    expect(await rows(c, "SELECT name FROM shop WHERE region = 'b';")).toEqual([{ name: 'x' }]);
  });
});

describe('persistence', () => {
  it('keeps namespaces, tables and rows across a restart with dir', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lindorm-standin-'));
    try {
      const first = await startLindormStandIn({ password: PASSWORD, dir });
      const c1 = await connect(first);
      await c1.query('CREATE DATABASE keep_ns');
      await c1.query('CREATE TABLE keep_ns.t (k INT, v VARBINARY, PRIMARY KEY (k))');
      await c1.query("UPSERT INTO keep_ns.t (k, v) VALUES (1, X'01'), (2, X'02'), (3, X'03')");
      await c1.query('DELETE FROM keep_ns.t WHERE k = 2');
      await c1.query('ALTER TABLE keep_ns.t ADD COLUMN extra BIGINT');
      await c1.query('UPSERT INTO keep_ns.t (k, extra) VALUES (3, 9007199254740993)');
      await c1.end();
      await first.close();
      const second = await startLindormStandIn({ password: PASSWORD, dir });
      const c2 = await connect(second, 'keep_ns');
      try {
        expect(await rows(c2, 'SELECT * FROM t WHERE k > 0')).toEqual([
          { k: 1, v: Buffer.from([1]), extra: null },
          { k: 3, v: Buffer.from([3]), extra: '9007199254740993' },
        ]);
      } finally {
        await c2.end();
        await second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('faults and counters', () => {
  it('drops the connection in the middle of a multi-row write, leaving the first N rows written', async () => {
    await c.query('CREATE TABLE drop_mid (k INT, v VARCHAR, PRIMARY KEY (k))');
    const victim = await connect(standIn);
    standIn.faults.dropConnectionAfterRows(3);
    const lost = await victim.query("UPSERT INTO drop_mid (k, v) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')").then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    victim.destroy();
    expect(lost).toBe('PROTOCOL_CONNECTION_LOST');
    expect(standIn.faults.pending).toBe(0);
    expect((await rows(c, 'SELECT k FROM drop_mid WHERE k > 0')).map((r) => r['k'])).toEqual([1, 2, 3]);
    expect(standIn.counters.upsertBatches.at(-1)).toBe(3);
  });

  it('answers the next N statements of a kind with the transient ServerBusyException, doing nothing, and counts statements', async () => {
    await c.query('CREATE TABLE busy (k INT, PRIMARY KEY (k))');
    standIn.counters.reset();
    standIn.faults.failStatements('upsert', 2);
    const busy = { errno: 1105, sqlState: 'HY000', message: 'ServerBusyException: the server is busy, please retry later' };
    expect(await refusal(c, 'UPSERT INTO busy (k) VALUES (1)')).toMatchObject(busy);
    expect(await refusal(c, 'UPSERT INTO busy (k) VALUES (1)')).toMatchObject(busy);
    expect(await rows(c, 'SELECT k FROM busy WHERE k = 1')).toEqual([]);
    await c.query('UPSERT INTO busy (k) VALUES (1), (2)');
    expect(await rows(c, 'SELECT k FROM busy WHERE k >= 1')).toEqual([{ k: 1 }, { k: 2 }]);
    expect(standIn.counters.statements).toEqual({ upsert: 3, select: 2 });
    expect(standIn.counters.refused).toEqual({ upsert: 2 });
    expect(standIn.counters.rows).toEqual({ upsert: 2, delete: 0, select: 2 });
    expect(standIn.counters.upsertBatches).toEqual([2]);
  });
});

describe('accounts and privileges', () => {
  let guarded: LindormStandIn;
  const as = (user: string, database = 'default') =>
    mysql.createConnection({ host: guarded.host, port: guarded.port, user, password: `${user}-pw`, database });

  beforeAll(async () => {
    guarded = await startLindormStandIn({
      password: PASSWORD,
      users: [
        { user: 'rw', password: 'rw-pw', privileges: { default: ['READ', 'WRITE'] } },
        { user: 'admin', password: 'admin-pw', privileges: { default: ['READ', 'WRITE', 'ADMIN'] } },
        { user: 'reader', password: 'reader-pw', privileges: { '*': ['READ'] } },
      ],
    });
    const main = await connect(guarded);
    await main.query('CREATE TABLE t (id INTEGER NOT NULL, v VARCHAR, PRIMARY KEY (id))');
    await main.query('CREATE DATABASE other_ns');
    await main.end();
  });
  afterAll(async () => {
    await guarded?.close();
  });

  it('logs in every account with its own password only', async () => {
    const c1 = await as('rw');
    await c1.end();
    const wrong = await mysql.createConnection({ host: guarded.host, port: guarded.port, user: 'rw', password: PASSWORD }).then(
      () => undefined,
      (e: { errno?: number; message: string }) => e,
    );
    expect(wrong).toMatchObject({ errno: 1045, message: "Access denied for user 'rw'@'127.0.0.1' (using password: YES)" });
  });

  it('READ and WRITE read and write, and are refused DDL with 1142 naming the statement, namespace and right', async () => {
    const rw = await as('rw');
    try {
      await rw.query("UPSERT INTO t (id, v) VALUES (1, 'a')");
      expect(await rows(rw, 'SELECT * FROM t WHERE id = 1')).toEqual([{ id: 1, v: 'a' }]);
      expect((await rows(rw, 'DESCRIBE t')).length).toBe(2);
      expect(await refusal(rw, 'CREATE TABLE p (id INTEGER NOT NULL, v VARCHAR, PRIMARY KEY (id))')).toEqual({
        errno: 1142,
        sqlState: '42000',
        message: "CREATE TABLE command denied to user 'rw'@'127.0.0.1' on namespace 'default' (needs ADMIN)",
      });
      expect(await refusal(rw, 'ALTER TABLE t ADD COLUMN w INTEGER')).toMatchObject({ errno: 1142, message: expect.stringMatching(/^ALTER TABLE command denied .* \(needs ADMIN\)$/) });
      expect(await refusal(rw, 'DROP TABLE t')).toMatchObject({ errno: 1142, message: expect.stringMatching(/^DROP TABLE command denied .* \(needs ADMIN and TRASH\)$/) });
      expect(await refusal(rw, 'CREATE DATABASE ns_rw1')).toMatchObject({ errno: 1142, message: expect.stringContaining("on namespace 'ns_rw1' (needs ADMIN)") });
      // Privileges are per namespace: none on other_ns.
      expect(await refusal(rw, 'SHOW TABLES FROM other_ns')).toMatchObject({ errno: 1142, message: expect.stringContaining("SHOW TABLES command denied to user 'rw'@'127.0.0.1' on namespace 'other_ns' (needs READ)") });
    } finally {
      await rw.end();
    }
  });

  it('ADMIN creates and alters tables, but DROP TABLE also needs TRASH', async () => {
    const admin = await as('admin');
    try {
      await admin.query('CREATE TABLE p (id INTEGER NOT NULL, v VARCHAR, PRIMARY KEY (id))');
      await admin.query('ALTER TABLE p ADD COLUMN w INTEGER');
      expect(await refusal(admin, 'DROP TABLE p')).toMatchObject({ errno: 1142, message: "DROP TABLE command denied to user 'admin'@'127.0.0.1' on namespace 'default' (needs TRASH)" });
      expect((await rows(admin, "SHOW TABLES LIKE 'p'")).length).toBe(1);
    } finally {
      await admin.end();
    }
  });

  it('READ alone is refused writes; the main account holds every right', async () => {
    const reader = await as('reader', 'other_ns');
    try {
      expect(await rows(reader, 'SHOW TABLES')).toEqual([]);
      expect(await refusal(reader, "UPSERT INTO `default`.t (id, v) VALUES (2, 'b')")).toMatchObject({ errno: 1142, message: "UPSERT command denied to user 'reader'@'127.0.0.1' on namespace 'default' (needs WRITE)" });
      expect(await refusal(reader, 'DELETE FROM `default`.t WHERE id = 1')).toMatchObject({ errno: 1142, message: expect.stringContaining('(needs WRITE)') });
    } finally {
      await reader.end();
    }
    const main = await connect(guarded);
    try {
      await main.query('DROP TABLE p');
      await main.query('DROP DATABASE other_ns');
    } finally {
      await main.end();
    }
  });
});
