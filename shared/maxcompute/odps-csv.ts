/**
 * The CSV of a SQL instance's `?result` (`<Result Format="csv">`): a header row of column names, then one row per
 * result row, RFC 4180 quoting (fields with `,` `"` or line breaks in double quotes, `""` for a quote), and the
 * field `\N` for NULL.
 *
 * Both SDKs read it that way: java utils/CSVRecordParser.java (javacsv CsvReader, nullFormat "\\N") and
 * py odps/readers.py CsvRecordReader. The latter escapes the raw text with `unicode_escape` before its csv module
 * and unescapes each field after — a round trip that leaves backslashes as they were — so a backslash in a field is
 * a literal backslash, not an escape. (A string whose text is exactly `\N` is indistinguishable from NULL; the
 * service has the same ambiguity.)
 */

export const CSV_NULL = '\\N';

export interface CsvTable {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | null>>;
}

export class CsvParseError extends Error {}

/** Parses a result: the header names the columns; `\N` fields become null. */
export function parseResultCsv(text: string): CsvTable {
  const records = parseCsv(text);
  const [header, ...rest] = records;
  if (header === undefined) return { columns: [], rows: [] };
  const rows = rest.map((r, i) => {
    if (r.length !== header.length) throw new CsvParseError(`result row ${i + 1} has ${r.length} fields for ${header.length} columns`);
    return r.map((f) => (f === CSV_NULL ? null : f));
  });
  return { columns: header, rows };
}

/** RFC 4180 records; a line break is `\n` or `\r\n`; a final line break does not start an empty record. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return records;
  for (;;) {
    let field: string;
    if (text[i] === '"') {
      let value = '';
      let at = i + 1;
      for (;;) {
        const q = text.indexOf('"', at);
        if (q < 0) throw new CsvParseError(`unclosed quoted field starting at ${i}`);
        value += text.slice(at, q);
        if (text[q + 1] === '"') {
          value += '"';
          at = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      field = value;
    } else {
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      field = text.slice(i, end);
      i = end;
    }
    record.push(field);
    if (i >= n) {
      records.push(record);
      return records;
    }
    const c = text[i];
    if (c === ',') {
      i++;
      if (i >= n) {
        record.push('');
        records.push(record);
        return records;
      }
      continue;
    }
    if (c === '\r' || c === '\n') {
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      records.push(record);
      record = [];
      if (i >= n) return records;
      continue;
    }
    throw new CsvParseError(`unexpected '${c}' after a quoted field at ${i}`);
  }
}
