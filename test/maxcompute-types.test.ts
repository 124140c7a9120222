import { describe, expect, it } from 'vitest';
import {
  dateToEpochDays,
  epochDaysToDate,
  formatType,
  MaxComputeTypeError,
  parseType,
} from '../shared/maxcompute/maxcompute-types.ts';

describe('MaxCompute type strings', () => {
  it.each([
    ['bigint', 'BIGINT'],
    ['  Int ', 'INT'],
    ['decimal(38, 18)', 'DECIMAL(38,18)'],
    ['DECIMAL(10)', 'DECIMAL(10,0)'],
    ['decimal', 'DECIMAL'],
    ['varchar(64)', 'VARCHAR(64)'],
    ['char(1)', 'CHAR(1)'],
    ['timestamp_ntz', 'TIMESTAMP_NTZ'],
    ['json', 'JSON'],
    ['array<string>', 'ARRAY<STRING>'],
    ['map<string, array<decimal(5,2)>>', 'MAP<STRING,ARRAY<DECIMAL(5,2)>>'],
    ['struct<`a b`:int, name:string>', 'STRUCT<a b:INT,name:STRING>'],
  ])('parses %s as %s', (text, canonical) => {
    expect(formatType(parseType(text))).toBe(canonical);
  });

  it('gives the parameters as numbers', () => {
    expect(parseType('decimal(20,0)')).toEqual({ kind: 'DECIMAL', precision: 20, scale: 0 });
    expect(parseType('varchar(10)')).toEqual({ kind: 'VARCHAR', length: 10 });
    expect(parseType('struct<a:array<int>>')).toEqual({
      kind: 'STRUCT',
      fields: [{ name: 'a', type: { kind: 'ARRAY', element: { kind: 'INT' } } }],
    });
  });

  it.each([
    ['interval_day_time', /INTERVAL_DAY_TIME is not supported/],
    ['geography', /GEOGRAPHY is not supported/],
    ['decimal(39,2)', /precision/],
    ['decimal(5,6)', /precision/],
    ['varchar', /'\(' expected/],
    ['array<string', /'>' expected/],
    ['bigint extra', /unexpected 'extra'/],
    ['', /a type name expected/],
  ])('refuses %s with a typed error naming the type', (text, reason) => {
    const attempt = () => parseType(text);
    expect(attempt).toThrow(MaxComputeTypeError);
    expect(attempt).toThrow(reason);
    expect(attempt).toThrow(`MaxCompute type '${text}'`);
  });
});

describe('DATE values', () => {
  it.each([
    ['1970-01-01', 0],
    ['2022-10-19', 19284],
    ['1969-12-31', -1],
    ['0001-01-01', -719162],
    ['9999-12-31', 2932896],
    ['2024-02-29', 19782],
  ])('%s is epoch day %i and back', (text, days) => {
    expect(dateToEpochDays(text)).toBe(days);
    expect(epochDaysToDate(days)).toBe(text);
  });

  it.each(['2023-02-29', '2023-13-01', '0000-01-01', '2023-1-01', '20230101'])('%s is not a date', (text) => {
    expect(dateToEpochDays(text)).toBeUndefined();
  });
});
