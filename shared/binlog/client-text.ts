/**
 * A decoded binlog value as the text a MySQL client prints for it (`mysql --binary-as-hex`): exact
 * DECIMALs and big integers, temporals and JSON as the server's text, DOUBLE/FLOAT as the server
 * prints them, bytes as `0x` hex, BIT as its number, SQL NULL as null.
 */
import type { CellValue } from '../change/change-event.ts';
import { ColumnType } from './column-type.ts';
import type { JsonDiffValue } from './events/binlog-event.ts';
import { mysqlDoubleText } from './mysql-double.ts';

export function clientText(value: CellValue | JsonDiffValue, columnType: number, columnRef: string): string | null {
  if (value === null) return null;
  if (typeof value === 'number') return columnType === ColumnType.DOUBLE || columnType === ColumnType.FLOAT ? mysqlDoubleText(value) : String(value);
  if (typeof value === 'string') return value;
  if ('n' in value) return value.n;
  if ('jsonDiffs' in value) return jsonDiffText(value, columnRef);
  const bytes = Buffer.from(value.b, 'base64');
  if (columnType === ColumnType.BIT) return bytes.length === 0 ? '0' : BigInt(`0x${bytes.toString('hex')}`).toString();
  return `0x${bytes.toString('hex').toUpperCase()}`;
}

/** A partial JSON update as the functions that would make it, the way mysqlbinlog -v shows it: JSON_REPLACE(@3, '$.a', 1). */
const JSON_DIFF_FUNCTION = { replace: 'JSON_REPLACE', insert: 'JSON_INSERT', remove: 'JSON_REMOVE' } as const;

function jsonDiffText(value: JsonDiffValue, columnRef: string): string {
  return value.jsonDiffs.reduce((inner, d) => {
    const path = `'${d.path.replaceAll("'", "''")}'`;
    return d.value === undefined ? `${JSON_DIFF_FUNCTION[d.operation]}(${inner}, ${path})` : `${JSON_DIFF_FUNCTION[d.operation]}(${inner}, ${path}, CAST('${d.value.replaceAll("'", "''")}' AS JSON))`;
  }, columnRef);
}
