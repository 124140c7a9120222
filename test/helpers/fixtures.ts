/** Shared test data: a table with every common MySQL type at its limits, and exact comparison. */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { qualified, quoteIdent } from '../../shared/mysql/identifier.ts';

export const ALL_TYPES_DDL = (db: string) => `CREATE TABLE ${qualified(db, 'all_types')} (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  dec65 DECIMAL(65,30), f FLOAT, d DOUBLE, b1 BIT(1), b64 BIT(64),
  ch CHAR(10), vc VARCHAR(200), tx TEXT, l1 VARCHAR(50) CHARACTER SET latin1,
  bn BINARY(4), vb VARBINARY(50), bl BLOB,
  dt DATE, tm TIME(6), dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, yr YEAR,
  en ENUM('a','b','c d'), st SET('x','y','z'), js JSON
) DEFAULT CHARSET=utf8mb4`;

export const ALL_TYPES_COLUMNS = ['id', 'ti', 'tiu', 'si', 'siu', 'mi', 'miu', 'i', 'iu', 'bi', 'biu', 'dec65', 'f', 'd', 'b1', 'b64', 'ch', 'vc', 'tx', 'l1', 'bn', 'vb', 'bl', 'dt', 'tm', 'dtm', 'ts', 'yr', 'en', 'st', 'js'];

/** Rows at the limits of each type, 4-byte characters, 0x00 bytes, negative TIME, NULL in every column. */
export const ALL_TYPES_ROWS = `
(1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
 '-99999999999999999999999999999999999.999999999999999999999999999999', 16777217, 1.7976931348623157e308, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
 'abc', '😀 emoji 𝄞 and 中文', 'text with ''quotes'' and \\\\ backslash and \\n newline', 'café',
 x'00010200', x'00ff00', x'000000ff00', '1000-01-01', '-838:59:59.000000', '1000-01-01 00:00:00.000000', '1970-01-01 08:00:01.000000', 1901,
 'c d', 'x,z', '{"a": [1, 2.5, "🐱"], "b": null}'),
(2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 9007199254740993,
 '99999999999999999999999999999999999.999999999999999999999999999999', 0.1, 2.2250738585072014e-308, b'0', b'0',
 '', '', '', '', x'00000000', x'', x'', '9999-12-31', '838:59:59.999999', '9999-12-31 23:59:59.999999', '2038-01-19 11:14:07.999999', 2155,
 'a', '', '[]'),
(3, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
 '0.000000000000000000000000000001', -3.4028234e38, -4.9e-324, b'1', b'1000000000000000000000000000000000000000000000000000000000000001',
 'z', 'tab\\there', 'a\\0b', 'x', x'ffffffff', x'5c27', x'5c0027', '2024-02-29', '-00:00:00.000001', '2024-02-29 12:34:56.123456', '2024-03-31 01:30:00.654321', 2000,
 'b', 'x,y,z', '"just a string"'),
(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

/** Inserts the rows in a session whose time zone is not UTC, as an application in Asia would. */
export async function insertAllTypes(conn: Connection, db: string): Promise<void> {
  await conn.query(ALL_TYPES_DDL(db));
  await conn.query("SET time_zone = '+08:00'");
  await conn.query(`INSERT INTO ${qualified(db, 'all_types')} VALUES ${ALL_TYPES_ROWS}`);
  await conn.query("SET time_zone = '+00:00'");
}

/**
 * Rows of `a` that have no exactly equal row in `b` (null-safe equality on every listed column, on the
 * server, so no client-side conversion can hide a difference), and the two row counts.
 */
export async function diffTables(
  conn: Connection, a: { db: string; table: string }, b: { db: string; table: string }, columns: readonly string[], bColumns: readonly string[] = columns,
): Promise<{ countA: number; countB: number; unmatched: number }> {
  // Value equality, and byte equality so a _ci collation cannot hide a change of case.
  const on = columns
    .map((c, i) => [`x.${quoteIdent(c)}`, `y.${quoteIdent(bColumns[i]!)}`])
    .map(([x, y]) => `${x} <=> ${y} AND CAST(${x} AS BINARY) <=> CAST(${y} AS BINARY)`)
    .join(' AND ');
  const [[r]] = await conn.query<RowDataPacket[]>(
    `SELECT (SELECT COUNT(*) FROM ${qualified(a.db, a.table)}) AS ca, (SELECT COUNT(*) FROM ${qualified(b.db, b.table)}) AS cb,
       (SELECT COUNT(*) FROM ${qualified(a.db, a.table)} x WHERE NOT EXISTS (SELECT 1 FROM ${qualified(b.db, b.table)} y WHERE ${on})) AS un`,
  );
  return { countA: Number(r!.ca), countB: Number(r!.cb), unmatched: Number(r!.un) };
}
