/**
 * Turns the PlainBuffer of a request into a checked row change or key: the checks that need no table schema
 * (names, value lengths, column counts, what each kind of write may carry). The real service answers these as
 * request errors even inside a batch; schema mismatches (OTSInvalidPK) are per row and checked by the table.
 */
import { parameterInvalid } from './errors.ts';
import { checkColumnName, LIMITS, valueDataSize } from './limits.ts';
import { readRow, type WireCell, type WirePrimaryKeyColumn } from './plain-buffer.ts';
import type { RowChange } from './table-store.ts';

export function parseRowChange(kind: RowChange['kind'], bytes: Uint8Array): RowChange {
  const row = readRow(bytes);
  checkPrimaryKey(row.primaryKey);
  if (kind === 'delete') {
    if (!row.deleteMarker) throw parameterInvalid('Invalid request of delete row: missing RowDeleteMarker in request.');
    if (row.cells.length > 0) throw parameterInvalid('Invalid delete row request: unexpected cells in request.');
    return { kind, primaryKey: row.primaryKey, cells: [] };
  }
  if (row.deleteMarker) {
    throw parameterInvalid('Invalid request of put/update row: unexpected RowDeleteMarker in request.');
  }
  checkAttributes(row.cells, row.primaryKey);
  for (const cell of row.cells) {
    if (kind === 'put') checkPutCell(cell);
    else checkUpdateCell(cell);
  }
  if (kind === 'update' && row.cells.length === 0) {
    throw parameterInvalid('Invalid update row request: missing cells in request.');
  }
  return { kind, primaryKey: row.primaryKey, cells: row.cells };
}

/** A key naming one row (GetRow, BatchGetRow). */
export function parsePointKey(bytes: Uint8Array): WirePrimaryKeyColumn[] {
  const row = readRow(bytes);
  checkPrimaryKey(row.primaryKey);
  checkKeyOnly(row.cells.length, row.deleteMarker);
  return [...row.primaryKey];
}

/** A bound of a GetRange; its columns may be INF_MIN or INF_MAX. */
export function parseRangeBound(bytes: Uint8Array): WirePrimaryKeyColumn[] {
  const row = readRow(bytes);
  checkPrimaryKey(row.primaryKey);
  checkKeyOnly(row.cells.length, row.deleteMarker);
  return [...row.primaryKey];
}

export function checkColumnsToGet(columns: readonly string[]): void {
  for (const name of columns) checkColumnName(name);
  if (columns.length > LIMITS.columnsToGet) {
    throw parameterInvalid(
      `The number of columns from the request exceeds the limit, limit count: ${LIMITS.columnsToGet}, column count: ${columns.length}.`,
    );
  }
}

function checkPrimaryKey(columns: readonly WirePrimaryKeyColumn[]): void {
  if (columns.length < 1 || columns.length > LIMITS.primaryKeyColumns) {
    throw parameterInvalid(`The number of primary key columns must be in range: [1, ${LIMITS.primaryKeyColumns}].`);
  }
  const names = new Set<string>();
  for (const { name, value } of columns) {
    checkColumnName(name);
    if (names.has(name)) throw parameterInvalid(`Duplicated primary key name: '${name}'.`);
    names.add(name);
    // Infinities in a point key, and booleans, fail the schema match (OTSInvalidPK) in the table.
    if (value.type === 'DOUBLE') throw parameterInvalid('double can not be used as primary key.');
    if (value.type === 'STRING' || value.type === 'BINARY') {
      const length = valueDataSize(value);
      if (length > LIMITS.primaryKeyValueBytes) {
        throw parameterInvalid(
          `The length of primary key column: '${name}' exceeds the MaxLength:${LIMITS.primaryKeyValueBytes} with CurrentLength:${length}.`,
        );
      }
    }
  }
}

function checkAttributes(cells: readonly WireCell[], primaryKey: readonly WirePrimaryKeyColumn[]): void {
  const pkNames = new Set(primaryKey.map((c) => c.name));
  for (const cell of cells) {
    checkColumnName(cell.name);
    if (pkNames.has(cell.name)) {
      throw parameterInvalid(`Duplicated attribute column name with primary key column: ${cell.name}.`);
    }
    if (cell.value && (cell.value.type === 'STRING' || cell.value.type === 'BINARY')) {
      const length = valueDataSize(cell.value);
      if (length > LIMITS.attributeValueBytes) {
        throw parameterInvalid(
          `The length of attribute column: '${cell.name}' exceeds the MaxLength:${LIMITS.attributeValueBytes} with CurrentLength:${length}.`,
        );
      }
    }
  }
  if (cells.length > LIMITS.attributeColumnsPerWrite) {
    throw parameterInvalid(
      `The number of attribute columns exceeds the limit, limit count: ${LIMITS.attributeColumnsPerWrite}, column count: ${cells.length}.`,
    );
  }
}

function checkPutCell(cell: WireCell): void {
  if (cell.operation !== 'PUT') throw parameterInvalid(`OpType cannot be given for column name:${cell.name} in PutRow.`);
  if (!cell.value) throw parameterInvalid('Invalid request of put row: find cells without values.');
}

function checkUpdateCell(cell: WireCell): void {
  switch (cell.operation) {
    case 'PUT':
      if (!cell.value) throw parameterInvalid(`Invalid cell: ${cell.name}. Reason: missing value.`);
      return;
    case 'INCREMENT':
      if (!cell.value) throw parameterInvalid(`Invalid cell: ${cell.name}. Reason: missing value.`);
      if (cell.value.type !== 'INTEGER') throw parameterInvalid(`Invalid column type: ${cell.value.type}.`);
      return;
    case 'DELETE_ONE_VERSION':
      if (cell.value) throw parameterInvalid('Column value cannot be given when type is DELETE_ONE_VERSION,DELETE_ALL_VERSION.');
      if (cell.timestamp === undefined) throw parameterInvalid('Timestamp must be given when type is DELETE_ONE_VERSION.');
      return;
    case 'DELETE_ALL_VERSIONS':
      if (cell.value) throw parameterInvalid('Column value cannot be given when type is DELETE_ONE_VERSION,DELETE_ALL_VERSION.');
      if (cell.timestamp !== undefined) throw parameterInvalid('Timestamp cannot be given when type is DELETE_ALL_VERSION.');
      return;
  }
}

function checkKeyOnly(cellCount: number, deleteMarker: boolean): void {
  if (cellCount > 0) throw parameterInvalid('Attribute column cannot be given while reading data.');
  if (deleteMarker) throw parameterInvalid('Delete marker cannot be given.');
}
