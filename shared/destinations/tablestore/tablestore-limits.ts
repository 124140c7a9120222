/**
 * Tablestore's size limits on one row write, measured the way the service measures them: a STRING
 * or BINARY attribute value over 2 MiB (2,097,152 bytes, UTF-8 bytes for a string) is refused, and so
 * is a row whose data size — key column names and values plus attribute column names and values
 * (8 bytes an INTEGER or DOUBLE, 1 a BOOLEAN) — is over 4 MiB. A row over either is checked before it
 * is sent, so it follows the dirty-data policy with a reason naming the column, instead of being refused.
 * The precheck bounds each source column's values the same way (maxValueBytes) to warn ahead of time.
 */
import type { ColumnInfo } from '../../mysql/catalog.ts';
import { maxValueBytes as maxTextBytes } from '../../mysql/value-size.ts';
import { valueKind, type TablestoreValue } from './tablestore-values.ts';

export const COLUMN_VALUE_LIMIT = 2 * 1024 * 1024;
export const ROW_SIZE_LIMIT = 4 * 1024 * 1024;

type Cells = ReadonlyArray<readonly [string, TablestoreValue]>;

/** A value's data size as Tablestore counts it. */
export function valueBytes(v: TablestoreValue): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Buffer.isBuffer(v)) return v.length;
  if (typeof v === 'boolean') return 1;
  return 8;
}

/**
 * The largest value a source column can hold, in bytes as Tablestore counts it (a string's UTF-8 bytes,
 * 8 a number, 1 a boolean); undefined when the type gives no bound fc-dts knows.
 */
export function maxValueBytes(c: Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset'>): number | undefined {
  const kind = valueKind(c);
  if (kind === 'boolean') return 1;
  if (kind === 'integer' || kind === 'float' || kind === 'double') return 8;
  return maxTextBytes(c);
}

/** Names, values: the data size of a row's key and attribute columns. */
export function rowBytes(primaryKey: Cells, columns: Cells): number {
  let size = 0;
  for (const [name, v] of [...primaryKey, ...columns]) size += Buffer.byteLength(name, 'utf8') + valueBytes(v);
  return size;
}

/** Why Tablestore would refuse this row's size, as `column body is N bytes, over …`; undefined when it fits. */
export function sizeProblem(primaryKey: Cells, columns: Cells): string | undefined {
  let largest: readonly [string, number] | undefined;
  for (const [name, v] of columns) {
    const bytes = valueBytes(v);
    if (bytes > COLUMN_VALUE_LIMIT && (typeof v === 'string' || Buffer.isBuffer(v))) {
      return `column ${name} is ${bytes} bytes, over Tablestore's ${COLUMN_VALUE_LIMIT}-byte limit for a column value`;
    }
    if (!largest || bytes > largest[1]) largest = [name, bytes];
  }
  const total = rowBytes(primaryKey, columns);
  if (total <= ROW_SIZE_LIMIT) return undefined;
  return `the row is ${total} bytes, over Tablestore's ${ROW_SIZE_LIMIT}-byte limit for a row (largest column ${largest?.[0]}: ${largest?.[1]} bytes)`;
}

/** A row key as reasons name it: `(id=7)`, `(a=1, b=x)`. */
export function keyLabel(primaryKey: Cells): string {
  return `(${primaryKey.map(([k, v]) => `${k}=${Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : String(v)}`).join(', ')})`;
}

/** A row over a Tablestore size limit; the dirty-data policy applies to it. */
export class OversizeRow extends Error {
  readonly code = 'OVERSIZE_ROW';
  constructor(table: string, primaryKey: Cells, problem: string) {
    super(`${table} key ${keyLabel(primaryKey)}: ${problem}`);
    this.name = 'OversizeRow';
  }
}

/** Throws OversizeRow when the row would be refused for its size. */
export function checkRowSize(table: string, primaryKey: Cells, columns: Cells): void {
  const problem = sizeProblem(primaryKey, columns);
  if (problem) throw new OversizeRow(table, primaryKey, problem);
}
