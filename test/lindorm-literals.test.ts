/** Change values and full-load cells as Lindorm SQL literals, by the Lindorm column type: exact, or refused with the reason. */
import { describe, expect, it } from 'vitest';
import type { CellValue } from '../shared/change/change-event.ts';
import { LindormValueError, lindormLiteral, quoteName, quoteString, sourceLiteral, type LiteralColumn, type LiteralSession } from '../shared/destinations/lindorm/lindorm-literals.ts';
import { lindormType, parseLindormType } from '../shared/destinations/lindorm/lindorm-types.ts';
import type { ColumnInfo } from '../shared/mysql/catalog.ts';
import { ALL_TYPES_COLUMNS } from './helpers/fixtures.ts';
import { ALL_TYPES_INFO } from './helpers/catalog-columns.ts';

const beijing: LiteralSession = { backslashEscapes: true, timeZone: '+08:00' };
const utcPlain: LiteralSession = { backslashEscapes: false, timeZone: '+00:00' };
const b64 = (hex: string) => ({ b: Buffer.from(hex, 'hex').toString('base64') });

/** The column of a Lindorm type text (`DECIMAL(5,2)`), a wall time unless `instant`. */
const col = (type: string, instant = false): LiteralColumn => ({ name: 'c', type: parseLindormType(type)!, instant });
const sql = (v: CellValue, type: string, session = beijing, instant = false) => lindormLiteral(v, col(type, instant), session).sql;
const refusal = (v: CellValue, type: string, session = beijing): string => {
  try {
    lindormLiteral(v, col(type), session);
  } catch (e) {
    if (e instanceof LindormValueError) return e.message;
    throw e;
  }
  return 'accepted';
};

/** The fixture's source column as its Lindorm column (mapped type; a MySQL TIMESTAMP is an instant). */
function fixtureColumn(c: ColumnInfo): LiteralColumn | string {
  const m = lindormType(c);
  return 'refusal' in m ? m.refusal : { name: c.name, type: m.type, instant: c.dataType === 'timestamp' };
}

/**
 * fixtures.ts ALL_TYPES_ROWS rows 1–3 as the binlog reader carries them (change-event.ts CellValue):
 * exact numbers as `{ n }`, FLOAT as its float32's double, bytes as base64, TIMESTAMP in UTC (the rows
 * were inserted at +08:00).
 */
const ROWS: ReadonlyArray<Record<string, CellValue>> = [
  {
    id: 1, ti: -128, tiu: 255, si: -32768, siu: 65535, mi: -8388608, miu: 16777215, i: -2147483648, iu: 4294967295, bi: { n: '-9223372036854775808' }, biu: { n: '18446744073709551615' },
    dec65: { n: '-99999999999999999999999999999999999.999999999999999999999999999999' }, f: Math.fround(16777217), d: 1.7976931348623157e308, b1: b64('01'), b64: b64('ffffffffffffffff'),
    ch: 'abc', vc: '😀 emoji 𝄞 and 中文', tx: "text with 'quotes' and \\ backslash and \n newline", l1: 'café', bn: b64('00010200'), vb: b64('00ff00'), bl: b64('000000ff00'),
    dt: '1000-01-01', tm: '-838:59:59.000000', dtm: '1000-01-01 00:00:00.000000', ts: '1970-01-01 00:00:01.000000', yr: 1901, en: 'c d', st: 'x,z', js: '{"a": [1, 2.5, "🐱"], "b": null}',
  },
  {
    id: 2, ti: 127, tiu: 0, si: 32767, siu: 0, mi: 8388607, miu: 0, i: 2147483647, iu: 0, bi: { n: '9223372036854775807' }, biu: { n: '9007199254740993' },
    dec65: { n: '99999999999999999999999999999999999.999999999999999999999999999999' }, f: Math.fround(0.1), d: 2.2250738585072014e-308, b1: b64('00'), b64: b64('0000000000000000'),
    ch: '', vc: '', tx: '', l1: '', bn: b64('00000000'), vb: { b: '' }, bl: { b: '' },
    dt: '9999-12-31', tm: '838:59:59.999999', dtm: '9999-12-31 23:59:59.999999', ts: '2038-01-19 03:14:07.999999', yr: 2155, en: 'a', st: '', js: '[]',
  },
  {
    id: 3, ti: 0, tiu: 1, si: 0, siu: 1, mi: 0, miu: 1, i: 0, iu: 1, bi: 0, biu: 1,
    dec65: { n: '0.000000000000000000000000000001' }, f: Math.fround(-3.4028234e38), d: -4.9e-324, b1: b64('01'), b64: b64('8000000000000001'),
    ch: 'z', vc: 'tab\there', tx: 'a\u0000b', l1: 'x', bn: b64('ffffffff'), vb: b64('5c27'), bl: b64('5c0027'),
    dt: '2024-02-29', tm: '-00:00:00.000001', dtm: '2024-02-29 12:34:56.123456', ts: '2024-03-30 17:30:00.654321', yr: 2000, en: 'b', st: 'x,y,z', js: '"just a string"',
  },
];

/** What each fixture column renders as, row by row, in a +08:00 session with backslash escapes; a refusal as `!reason`. */
const EXPECTED: Record<string, [string, string, string]> = {
  id: ['1', '2', '3'], ti: ['-128', '127', '0'], tiu: ['255', '0', '1'], si: ['-32768', '32767', '0'], siu: ['65535', '0', '1'],
  mi: ['-8388608', '8388607', '0'], miu: ['16777215', '0', '1'], i: ['-2147483648', '2147483647', '0'], iu: ['4294967295', '0', '1'],
  bi: ['-9223372036854775808', '9223372036854775807', '0'], biu: ['18446744073709551615', '9007199254740993', '1'],
  f: ['1.6777216E7', '1.0E-1', '-3.4028235E38'], d: ['1.7976931348623157E308', '2.2250738585072014E-308', '-5.0E-324'],
  ch: ["'abc'", "''", "'z'"], vc: ["'😀 emoji 𝄞 and 中文'", "''", "'tab\there'"], tx: ["'text with ''quotes'' and \\\\ backslash and \n newline'", "''", "'a\u0000b'"],
  l1: ["'café'", "''", "'x'"], bn: ["X'00010200'", "X'00000000'", "X'ffffffff'"], vb: ["X'00ff00'", 'NULL', "X'5c27'"], bl: ["X'000000ff00'", 'NULL', "X'5c0027'"],
  dt: ["'1000-01-01'", "'9999-12-31'", "'2024-02-29'"],
  tm: [
    '!column tm: "-838:59:59.000000" cannot be written as Lindorm TIME: outside the time of day 00:00:00–23:59:59 Lindorm holds',
    '!column tm: "838:59:59.999999" cannot be written as Lindorm TIME: outside the time of day 00:00:00–23:59:59 Lindorm holds',
    '!column tm: "-00:00:00.000001" cannot be written as Lindorm TIME: outside the time of day 00:00:00–23:59:59 Lindorm holds',
  ],
  dtm: ["'1000-01-01 00:00:00.000'", "'9999-12-31 23:59:59.999'", "'2024-02-29 12:34:56.123'"],
  ts: ["'1970-01-01 08:00:01.000'", "'2038-01-19 11:14:07.999'", "'2024-03-31 01:30:00.654'"],
  yr: ['1901', '2155', '2000'], en: ["'c d'", "'a'", "'b'"], st: ["'x,z'", "''", "'x,y,z'"], js: ["'{\"a\": [1, 2.5, \"🐱\"], \"b\": null}'", "'[]'", "'\"just a string\"'"],
};

describe('the all-types fixture as Lindorm literals', () => {
  it('renders every mapped column of rows 1–3 exactly, and refuses what Lindorm cannot hold', () => {
    const rendered: Record<string, string[]> = {};
    for (const c of ALL_TYPES_INFO) {
      const column = fixtureColumn(c);
      if (typeof column === 'string') continue;
      rendered[c.name] = ROWS.map((row) => {
        try {
          return lindormLiteral(row[c.name]!, column, beijing).sql;
        } catch (e) {
          if (e instanceof LindormValueError) return `!${e.message}`;
          throw e;
        }
      });
    }
    expect(rendered).toEqual(EXPECTED);
    // The columns without a Lindorm type (lindorm-types.test.ts) are all the fixture has beside these.
    expect([...Object.keys(EXPECTED), 'dec65', 'b1', 'b64'].sort()).toEqual([...ALL_TYPES_COLUMNS].sort());
  });

  it('writes NULL for NULL in every column (row 4)', () => {
    const columns = ALL_TYPES_INFO.map(fixtureColumn).filter((c): c is LiteralColumn => typeof c !== 'string');
    expect(columns.map((c) => lindormLiteral(null, c, beijing))).toEqual(Array(columns.length).fill({ sql: 'NULL', bytes: 0 }));
  });

  it('reads TIMESTAMP instants in the session zone, DATETIME wall times as they are', () => {
    const ts = fixtureColumn(ALL_TYPES_INFO.find((c) => c.name === 'ts')!) as LiteralColumn;
    const dtm = fixtureColumn(ALL_TYPES_INFO.find((c) => c.name === 'dtm')!) as LiteralColumn;
    expect(lindormLiteral('2024-03-30 17:30:00.654321', ts, utcPlain).sql).toBe("'2024-03-30 17:30:00.654'");
    expect(lindormLiteral('2024-03-30 17:30:00.654321', ts, { ...utcPlain, timeZone: '-03:30' }).sql).toBe("'2024-03-30 14:00:00.654'");
    expect(lindormLiteral('2024-02-29 12:34:56.123456', dtm, { ...utcPlain, timeZone: '-03:30' }).sql).toBe("'2024-02-29 12:34:56.123'");
    expect(lindormLiteral('1970-01-01 00:00:00', ts, { ...utcPlain, timeZone: '-05:00' }).sql).toBe("'1969-12-31 19:00:00.000'");
  });
});

describe('literal rules', () => {
  it('doubles quotes always, backslashes only while they are escapes', () => {
    expect(quoteString("it's a \\ test", true)).toBe("'it''s a \\\\ test'");
    expect(quoteString("it's a \\ test", false)).toBe("'it''s a \\ test'");
    expect(sql("\\'; DROP TABLE t; --", 'VARCHAR', utcPlain)).toBe("'\\''; DROP TABLE t; --'");
    expect(sql('tab\there\r\n', 'VARCHAR')).toBe("'tab\there\r\n'");
    expect(quoteName('Order Items')).toBe('`Order Items`');
    expect(quoteName('a`b')).toBe('`a``b`');
  });

  it('writes integers exactly from numbers, exact-number objects and digit strings, within each type', () => {
    expect(sql({ n: '9223372036854775807' }, 'BIGINT')).toBe('9223372036854775807');
    expect(sql({ n: '+0042' }, 'INTEGER')).toBe('42');
    expect(sql('-7', 'SMALLINT')).toBe('-7');
    expect(sql(-0, 'INTEGER')).toBe('0');
    expect(refusal({ n: '9223372036854775808' }, 'BIGINT')).toBe('column c: {"n":"9223372036854775808"} cannot be written as Lindorm BIGINT: outside -9223372036854775808..9223372036854775807');
    expect(refusal(128, 'TINYINT')).toBe('column c: 128 cannot be written as Lindorm TINYINT: outside -128..127');
    expect(refusal(32768, 'SMALLINT')).toMatch(/outside -32768\.\.32767$/);
    expect(refusal(2147483648, 'INTEGER')).toMatch(/outside -2147483648\.\.2147483647$/);
    expect(refusal(1.5, 'BIGINT')).toBe('column c: 1.5 cannot be written as Lindorm BIGINT: not an integer');
    expect(refusal({ n: '1.0' }, 'BIGINT')).toMatch(/not an integer$/);
    expect(refusal(b64('01'), 'INTEGER')).toMatch(/not an integer$/);
  });

  it('writes DOUBLE and FLOAT in scientific notation with the fewest digits that read back the same', () => {
    expect([1.5, 1, -0.001, 123456789012, 5e-324, -0, 0].map((x) => sql(x, 'DOUBLE'))).toEqual(['1.5E0', '1.0E0', '-1.0E-3', '1.23456789012E11', '5.0E-324', '-0.0E0', '0.0E0']);
    expect(sql({ n: '2.5' }, 'DOUBLE')).toBe('2.5E0');
    expect(sql(Math.fround(16777217), 'FLOAT')).toBe('1.6777216E7');
    expect(sql(Math.fround(3.14159), 'FLOAT')).toBe('3.14159E0');
    expect(Math.fround(Number('3.14159'))).toBe(Math.fround(3.14159));
    expect(refusal(1e39, 'FLOAT')).toBe("column c: 1e+39 cannot be written as Lindorm FLOAT: outside FLOAT's range");
    expect(refusal('abc', 'DOUBLE')).toMatch(/not a finite number$/);
    expect(refusal(Number.NaN, 'DOUBLE')).toMatch(/not a finite number$/);
  });

  it('writes DECIMAL digits exactly, checked against precision and scale, never rounded', () => {
    expect(sql({ n: '-12345678901234567890.123456789012345678' }, 'DECIMAL(38,18)')).toBe('-12345678901234567890.123456789012345678');
    expect(sql({ n: '12.30' }, 'DECIMAL(4,2)')).toBe('12.3');
    expect(sql({ n: '007.5000' }, 'DECIMAL(4,2)')).toBe('7.5');
    expect(sql({ n: '-0.00' }, 'DECIMAL(4,2)')).toBe('0');
    expect(sql(42, 'DECIMAL(20,0)')).toBe('42');
    expect(sql({ n: '18446744073709551615' }, 'DECIMAL(20,0)')).toBe('18446744073709551615');
    expect(refusal({ n: '123.4' }, 'DECIMAL(4,2)')).toBe('column c: {"n":"123.4"} cannot be written as Lindorm DECIMAL(4,2): 3 digits before the point, over the 2 DECIMAL(4,2) has');
    expect(refusal({ n: '1.234' }, 'DECIMAL(4,2)')).toBe('column c: {"n":"1.234"} cannot be written as Lindorm DECIMAL(4,2): 3 digits after the point, over the 2 DECIMAL(4,2) has (not rounded)');
    expect(refusal({ n: '1e5' }, 'DECIMAL(10,0)')).toMatch(/not a decimal number$/);
    expect(refusal({ n: '.' }, 'DECIMAL(10,0)')).toMatch(/not a decimal number$/);
  });

  it('writes BOOLEAN as true or false, from 0 and 1 only', () => {
    expect([1, 0, { n: '1' }, '0'].map((v) => sql(v, 'BOOLEAN'))).toEqual(['true', 'false', 'true', 'false']);
    expect(refusal(2, 'BOOLEAN')).toBe('column c: 2 cannot be written as Lindorm BOOLEAN: only 0 and 1 are booleans');
  });

  it('writes VARBINARY as hex, an empty one as NULL, and bounds CHAR(N) and BINARY(N)', () => {
    expect(sql(b64('00ff5c27'), 'VARBINARY')).toBe("X'00ff5c27'");
    expect(lindormLiteral({ b: '' }, col('VARBINARY'), beijing)).toEqual({ sql: 'NULL', bytes: 0 });
    expect(lindormLiteral('', col('VARBINARY'), beijing)).toEqual({ sql: 'NULL', bytes: 0 });
    expect(sql({ b: '' }, 'BINARY(4)')).toBe("X''");
    expect(sql('é', 'VARBINARY')).toBe("X'c3a9'");
    expect(refusal(b64('0102030405'), 'BINARY(4)')).toMatch(/: 5 bytes, over 4$/);
    expect(refusal({ b: 'AQ=' }, 'VARBINARY')).toMatch(/malformed base64$/);
    expect(refusal(5, 'VARBINARY')).toMatch(/not bytes$/);
    expect(sql('😀😀', 'CHAR(2)')).toBe("'😀😀'");
    expect(refusal('😀😀😀', 'VARCHAR(2)')).toMatch(/: 3 characters, over 2$/);
    expect(sql(b64('c3a9'), 'VARCHAR')).toBe("'é'");
    expect(refusal(b64('ff'), 'VARCHAR')).toMatch(/bytes that are not UTF-8 text$/);
    expect(sql({ n: '1.50' }, 'VARCHAR')).toBe("'1.50'");
  });

  it('counts each value as Lindorm row limits do: UTF-8 text, bytes, fixed widths', () => {
    expect(lindormLiteral('😀é', col('VARCHAR'), beijing).bytes).toBe(6);
    expect(lindormLiteral(b64('00ff00'), col('VARBINARY'), beijing).bytes).toBe(3);
    expect(lindormLiteral(7, col('BIGINT'), beijing).bytes).toBe(8);
    expect(lindormLiteral(7, col('TINYINT'), beijing).bytes).toBe(1);
    expect(lindormLiteral('2024-01-01', col('DATE'), beijing).bytes).toBe(8);
  });

  it('refuses zero and impossible dates and times with what is wrong', () => {
    expect(refusal('0000-00-00', 'DATE')).toBe('column c: "0000-00-00" cannot be written as Lindorm DATE: not a calendar date (MySQL zero or partial dates have no Lindorm value)');
    expect(refusal('2023-02-29', 'DATE')).toMatch(/not a calendar date/);
    expect(refusal('2024-01-01 00:00:00', 'DATE')).toMatch(/not a date$/);
    expect(refusal('0000-00-00 00:00:00', 'TIMESTAMP')).toMatch(/not a calendar date and time/);
    expect(refusal('2024-01-01 24:00:00', 'TIMESTAMP')).toMatch(/not a calendar date and time/);
    expect(refusal(1700000000, 'TIMESTAMP')).toMatch(/not a date or time text$/);
    expect(sql('2024-01-01', 'TIMESTAMP')).toBe("'2024-01-01 00:00:00.000'");
    expect(sql('0001-01-01 00:00:00', 'TIMESTAMP')).toBe("'0001-01-01 00:00:00.000'");
    expect(sql('12:34:56', 'TIME')).toBe("'12:34:56'");
    expect(sql('23:59:59.000000', 'TIME')).toBe("'23:59:59'");
    expect(refusal('23:59:59.999999', 'TIME')).toMatch(/Lindorm TIME holds whole seconds \(hh:mm:ss\), and fc-dts does not round$/);
    expect(refusal('00:00:00.000400', 'TIME')).toMatch(/whole seconds/);
    expect(refusal('24:00:00', 'TIME')).toMatch(/outside the time of day/);
  });
});

describe('full-load cells as literals', () => {
  const info = (name: string) => ALL_TYPES_INFO.find((c) => c.name === name)!;
  const load = (name: string, raw: Buffer | null, session = beijing) => sourceLiteral(raw, info(name), fixtureColumn(info(name)) as LiteralColumn, session).sql;

  it('reads the text protocol: exact digits, a FLOAT as its double, bytes as they are, TIMESTAMP in UTC', () => {
    expect(load('biu', Buffer.from('18446744073709551615'))).toBe('18446744073709551615');
    expect(load('bi', Buffer.from('-9223372036854775808'))).toBe('-9223372036854775808');
    // FLOAT is selected as `f + 0e0`, so the text is the float32's exact double.
    expect(load('f', Buffer.from('0.10000000149011612'))).toBe('1.0E-1');
    expect(load('d', Buffer.from('-4.9e-324'))).toBe('-5.0E-324');
    expect(load('vb', Buffer.from([0x00, 0xff, 0x5c]))).toBe("X'00ff5c'");
    expect(load('vb', Buffer.alloc(0))).toBe('NULL');
    expect(load('tx', Buffer.from("a'b\\c", 'utf8'), utcPlain)).toBe("'a''b\\c'");
    expect(load('ts', Buffer.from('2024-03-30 17:30:00.654321'))).toBe("'2024-03-31 01:30:00.654'");
    expect(load('dtm', Buffer.from('2024-03-30 17:30:00.654321'))).toBe("'2024-03-30 17:30:00.654'");
    expect(load('yr', Buffer.from('2155'))).toBe('2155');
    expect(load('js', null)).toBe('NULL');
  });
});
