/**
 * The limits the real service enforces (product docs "General limits" and "Limits on the Wide Column
 * model"), the naming rule, and the service's way of measuring the data size of a write (the Java SDK
 * function tests spell it out: pk names + pk values + column names + column values + 8 per timestamp).
 */
import { parameterInvalid } from './errors.ts';
import type { Value } from './model.ts';

export const LIMITS = {
  primaryKeyColumns: 4,
  nameLength: 255,
  primaryKeyValueBytes: 1024,
  attributeValueBytes: 2 * 1024 * 1024,
  attributeColumnsPerWrite: 1024,
  columnsToGet: 1024,
  rowWriteBytes: 4 * 1024 * 1024,
  batchWriteRows: 200,
  batchWriteBytes: 4 * 1024 * 1024,
  batchGetRows: 100,
  rangeRows: 5000,
  rangeBytes: 4 * 1024 * 1024,
  tables: 64,
  definedColumns: 32,
  /** Skew allowed between x-ots-date and the server clock. */
  clockSkewMs: 15 * 60 * 1000,
  /**
   * Request bodies above this are refused with OTSRequestBodyTooLarge. The service does not publish the
   * figure; it must sit above the 4 MB data limits so those answer with their own messages.
   */
  requestBodyBytes: 16 * 1024 * 1024,
} as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isValidName(name: string): boolean {
  return name.length >= 1 && name.length <= LIMITS.nameLength && NAME.test(name);
}

export function checkTableName(name: string): void {
  if (!isValidName(name)) throw parameterInvalid(`Invalid table name: '${name}'.`);
}

export function checkColumnName(name: string): void {
  if (!isValidName(name)) throw parameterInvalid(`Invalid column name: '${name}'.`);
}

export function valueDataSize(value: Value): number {
  switch (value.type) {
    case 'INTEGER':
    case 'DOUBLE':
      return 8;
    case 'BOOLEAN':
      return 1;
    case 'STRING':
      return Buffer.byteLength(value.value, 'utf8');
    case 'BINARY':
      return value.value.length;
  }
}

/** The measured parts of a row change: named cells, each with an optional value and timestamp. */
export interface SizedRow {
  readonly primaryKey: ReadonlyArray<{ readonly name: string; readonly value: Value | { readonly type: string } }>;
  readonly cells: ReadonlyArray<{ readonly name: string; readonly value?: Value; readonly timestamp?: number }>;
}

export function rowDataSize(row: SizedRow): number {
  let size = 0;
  for (const pk of row.primaryKey) {
    size += Buffer.byteLength(pk.name, 'utf8') + (isValue(pk.value) ? valueDataSize(pk.value) : 0);
  }
  for (const cell of row.cells) {
    size += Buffer.byteLength(cell.name, 'utf8');
    if (cell.value) size += valueDataSize(cell.value);
    if (cell.timestamp !== undefined) size += 8;
  }
  return size;
}

function isValue(v: Value | { readonly type: string }): v is Value {
  return ['INTEGER', 'DOUBLE', 'BOOLEAN', 'STRING', 'BINARY'].includes(v.type);
}
