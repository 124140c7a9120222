import { describe, expect, it } from 'vitest';
import { CsvParseError, parseCsv, parseResultCsv } from '../shared/maxcompute/odps-csv.ts';

describe('SQL result CSV', () => {
  it('takes the header as column names and \\N as NULL, an empty field as an empty string', () => {
    expect(parseResultCsv('id,name,note\n1,alice,\\N\n2,,x\n')).toEqual({
      columns: ['id', 'name', 'note'],
      rows: [
        ['1', 'alice', null],
        ['2', '', 'x'],
      ],
    });
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, and CRLF records', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\r\n"line1\nline2",\r\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['line1\nline2', ''],
    ]);
  });

  it('leaves backslashes as they are (the SDKs do not unescape them)', () => {
    expect(parseResultCsv('s\nC:\\temp\\n\n"\\N"\n').rows).toEqual([['C:\\temp\\n'], [null]]);
  });

  it('reads a header-only result as no rows, and a DDL "OK" as one column', () => {
    expect(parseResultCsv('id,name\n')).toEqual({ columns: ['id', 'name'], rows: [] });
    expect(parseResultCsv('')).toEqual({ columns: [], rows: [] });
    expect(parseCsv('OK')).toEqual([['OK']]);
  });

  it('refuses rows whose width differs from the header, and unclosed quotes', () => {
    expect(() => parseResultCsv('a,b\n1\n')).toThrow(/result row 1 has 1 fields for 2 columns/);
    expect(() => parseCsv('"abc\n')).toThrow(CsvParseError);
    expect(() => parseCsv('"a"b\n')).toThrow(/unexpected 'b'/);
  });
});
