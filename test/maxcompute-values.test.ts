/** Change values as MaxCompute values, by the column's MySQL type: exact, or refused with the value named. */
import { describe, expect, it } from 'vitest';
import { maxComputeValue, UnwritableValue, valueWriter } from '../shared/destinations/maxcompute/maxcompute-values.ts';
import { maxComputeType } from '../shared/destinations/maxcompute/maxcompute-table.ts';
import { parseType } from '../shared/maxcompute/maxcompute-types.ts';
import { decodeRecords, encodeRecords } from '../shared/maxcompute/tunnel-record-codec.ts';

const col = (columnType: string) => ({ dataType: columnType.replace(/[(\s].*$/, ''), columnType });
const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');

describe('MaxCompute values of change values', () => {
  it('keeps integers, exact numbers and floating point exactly', () => {
    expect(valueWriter(col('int(11)'), 'UTC')(-2147483648)).toBe(-2147483648);
    expect(valueWriter(col('bigint(20)'), 'UTC')({ n: '-9223372036854775808' })).toBe(-9223372036854775808n);
    expect(valueWriter(col('bigint(20) unsigned'), 'UTC')({ n: '18446744073709551615' })).toBe('18446744073709551615');
    expect(valueWriter(col('decimal(38,18)'), 'UTC')({ n: '-12345678901234567890.123456789012345678' })).toBe('-12345678901234567890.123456789012345678');
    expect(valueWriter(col('decimal(65,30)'), 'UTC')({ n: '1.000000000000000000000000000001' })).toBe('1.000000000000000000000000000001');
    expect(valueWriter(col('double'), 'UTC')(2.2250738585072014e-308)).toBe(2.2250738585072014e-308);
    expect(valueWriter(col('float'), 'UTC')(16777216)).toBe(16777216);
  });

  it('turns BIT bytes into their number, and keeps text and bytes apart', () => {
    expect(valueWriter(col('bit(10)'), 'UTC')({ b: b64([0x02, 0xaa]) })).toBe(682n);
    expect(valueWriter(col('bit(64)'), 'UTC')({ b: b64([255, 255, 255, 255, 255, 255, 255, 255]) })).toBe('18446744073709551615');
    expect(valueWriter(col('varchar(10)'), 'UTC')('😀 ü')).toBe('😀 ü');
    expect(valueWriter(col('longblob'), 'UTC')({ b: b64([0, 255, 0x5c]) })).toEqual(Buffer.from([0, 255, 0x5c]));
    expect(valueWriter(col('json'), 'UTC')('{"a": [1, 2]}')).toBe('{"a": [1, 2]}');
    expect(valueWriter(col('time(3)'), 'UTC')('-838:59:59.000')).toBe('-838:59:59.000');
    expect(valueWriter(col('year(4)'), 'UTC')(2155)).toBe(2155);
  });

  it('reads a DATETIME as a wall time in the destination zone, a TIMESTAMP as UTC', () => {
    expect(valueWriter(col('datetime'), 'Asia/Shanghai')('2019-08-16 16:41:18')).toBe(Date.UTC(2019, 7, 16, 8, 41, 18));
    expect(valueWriter(col('datetime(3)'), 'UTC')('1969-12-31 23:59:59.999')).toBe(-1);
    expect(valueWriter(col('datetime(6)'), 'Asia/Shanghai')('2019-08-16 16:41:18.123456')).toEqual({ seconds: 1565944878, nanos: 123456000 });
    expect(valueWriter(col('timestamp(6)'), 'Asia/Shanghai')('2038-01-19 03:14:07.999999')).toEqual({ seconds: 2147483647, nanos: 999999000 });
    expect(valueWriter(col('datetime'), 'UTC')('1000-01-01 00:00:00')).toBe(Date.UTC(1000, 0, 1));
    // A wall time in a DST gap is read with the offset after the change, as java.time does.
    expect(new Date(valueWriter(col('datetime'), 'America/New_York')('2024-03-10 02:30:00') as number).toISOString()).toBe('2024-03-10T06:30:00.000Z');
    expect(valueWriter(col('date'), 'Asia/Shanghai')('1000-01-01')).toBe('1000-01-01');
  });

  it('refuses what MaxCompute cannot hold, naming the value', () => {
    expect(() => valueWriter(col('date'), 'UTC')('0000-00-00')).toThrow(new UnwritableValue("date '0000-00-00' is not a calendar date MaxCompute's DATE holds (0001-01-01 to 9999-12-31)"));
    expect(() => valueWriter(col('datetime'), 'UTC')('2024-00-10 00:00:00')).toThrow(UnwritableValue);
    expect(() => maxComputeValue('x', 'INTERVAL_DAY_TIME', 'UTC')).toThrow('no conversion to MaxCompute type INTERVAL_DAY_TIME');
    expect(valueWriter(col('datetime'), 'UTC')(null)).toBeNull();
    // 8 MB a cell (MaxCompute SQL limits), counted in bytes: 4-byte characters count four each.
    expect(() => valueWriter(col('longblob'), 'UTC')({ b: Buffer.alloc(8 * 1024 * 1024 + 1).toString('base64') })).toThrow("a value of 8,388,609 bytes is over MaxCompute's 8,388,608 bytes (8 MB) a cell");
    expect(() => valueWriter(col('longtext'), 'UTC')('😀'.repeat(2 * 1024 * 1024 + 1))).toThrow(UnwritableValue);
    expect((valueWriter(col('longtext'), 'UTC')('😀'.repeat(2 * 1024 * 1024)) as string).length).toBe(4 * 1024 * 1024);
  });

  it('writes through the tunnel record codec for every mapped type and reads back the same values', () => {
    const cases: Array<[string, Parameters<ReturnType<typeof valueWriter>>[0]]> = [
      ['tinyint(3) unsigned', 255], ['smallint(5) unsigned', 65535], ['int(10) unsigned', 4294967295], ['bigint(20)', { n: '9223372036854775807' }],
      ['bigint(20) unsigned', { n: '18446744073709551615' }], ['decimal(38,18)', { n: '99999999999999999999.999999999999999999' }], ['decimal(65,30)', { n: '-0.000000000000000000000000000001' }],
      ['float', 0.5], ['double', -1e300], ['bit(64)', { b: b64([128, 0, 0, 0, 0, 0, 0, 1]) }], ['bit(3)', { b: b64([5]) }], ['year(4)', 1901],
      ['varchar(20)', '😀'], ['longtext', ''], ['varbinary(4)', { b: b64([0xff, 0xfe]) }], ['date', '9999-12-31'], ['datetime(3)', '2024-02-29 23:59:59.999'],
      ['datetime(6)', '1970-01-01 00:00:00.000001'], ['timestamp(6)', '1970-01-01 00:00:01.000000'], ['time', '12:00:00'], ['json', '[]'],
    ];
    const columns = cases.map(([t], i) => ({ name: `c${i}`, type: parseType(maxComputeType(col(t)).type) }));
    const row = cases.map(([t, v]) => valueWriter(col(t), 'Asia/Shanghai')(v));
    const [back] = decodeRecords(columns, encodeRecords(columns, [row]));
    // BIGINT reads back as bigint whether it was written as a number or a bigint.
    const same = (values: readonly unknown[]) => values.map((v, i) => (columns[i]!.type.kind === 'BIGINT' ? String(v) : v));
    expect(same(back!)).toEqual(same(row));
  });
});
