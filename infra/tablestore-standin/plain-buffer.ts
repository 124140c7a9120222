/**
 * PlainBuffer, the row encoding carried inside the protobuf messages (SDK: lib/protocol/plain_buffer_consts.js,
 * plain_buffer_coded_stream.js, plian_buffer_builder.js). The SDK's reader cannot parse UpdateRow cells that
 * carry an operation type (it trips over an undeclared `cell_type`), hence a reader of our own.
 *
 *   row    = [header 0x75 int32 LE] TAG_ROW_PK cell* [TAG_ROW_DATA cell*] [TAG_DELETE_ROW_MARKER] TAG_ROW_CHECKSUM crc
 *   cell   = TAG_CELL TAG_CELL_NAME len32 name [TAG_CELL_VALUE len32 variant] [TAG_CELL_TYPE op]
 *            [TAG_CELL_TIMESTAMP int64] TAG_CELL_CHECKSUM crc
 *   variant = type byte + int64 | double | bool byte | len32 bytes
 *
 * Checksums are CRC-8 (polynomial 0x07). A cell's covers name, variant (from its type byte), timestamp and
 * then the operation byte — in that order even though the operation is written before the timestamp. A row's
 * covers the cell checksums and finally 1 or 0 for the delete marker.
 */
import { parameterInvalid } from './errors.ts';
import type { PrimaryKeyValue, Value } from './model.ts';

const HEADER = 0x75;

const TAG = {
  ROW_PK: 0x01,
  ROW_DATA: 0x02,
  CELL: 0x03,
  CELL_NAME: 0x04,
  CELL_VALUE: 0x05,
  CELL_TYPE: 0x06,
  CELL_TIMESTAMP: 0x07,
  DELETE_ROW_MARKER: 0x08,
  ROW_CHECKSUM: 0x09,
  CELL_CHECKSUM: 0x0a,
} as const;

const VT = {
  INTEGER: 0x00,
  DOUBLE: 0x01,
  BOOLEAN: 0x02,
  STRING: 0x03,
  NULL: 0x06,
  BLOB: 0x07,
  INF_MIN: 0x09,
  INF_MAX: 0x0a,
  AUTO_INCREMENT: 0x0b,
} as const;

const CELL_OP: Readonly<Record<number, CellOperation>> = {
  0x01: 'DELETE_ALL_VERSIONS',
  0x03: 'DELETE_ONE_VERSION',
  0x04: 'INCREMENT',
};

// Cell timestamps are milliseconds, bounded by the service's microsecond versions.
const MAX_TIMESTAMP = 9223372036854775807n / 1000n;

export type WireValue =
  | Value
  | { readonly type: 'INF_MIN' }
  | { readonly type: 'INF_MAX' }
  | { readonly type: 'AUTO_INCREMENT' };

export type CellOperation = 'PUT' | 'DELETE_ONE_VERSION' | 'DELETE_ALL_VERSIONS' | 'INCREMENT';

export interface WireCell {
  readonly name: string;
  readonly value?: Value;
  readonly timestamp?: number;
  readonly operation: CellOperation;
}

export interface WirePrimaryKeyColumn {
  readonly name: string;
  readonly value: WireValue;
}

export interface WireRow {
  readonly primaryKey: readonly WirePrimaryKeyColumn[];
  readonly cells: readonly WireCell[];
  readonly deleteMarker: boolean;
}

export interface OutputRow {
  readonly primaryKey: ReadonlyArray<{ readonly name: string; readonly value: PrimaryKeyValue }>;
  readonly cells: ReadonlyArray<{ readonly name: string; readonly value: Value; readonly timestamp: number }>;
}

const CRC8_TABLE = buildCrc8Table();

function buildCrc8Table(): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    table[i] = c;
  }
  return table;
}

export function crc8(crc: number, bytes: Uint8Array): number {
  for (const b of bytes) crc = CRC8_TABLE[(crc ^ b) & 0xff]!;
  return crc;
}

function crc8Byte(crc: number, b: number): number {
  return CRC8_TABLE[(crc ^ b) & 0xff]!;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

// ---------------------------------------------------------------------------------------------- reading

/** Parses one row (a PutRow/UpdateRow/DeleteRow change or a bare primary key) and verifies its checksums. */
export function readRow(data: Uint8Array): WireRow {
  const reader = new Reader(data);
  const header = reader.int32();
  if (header !== HEADER) throw broken(`mismatch header, actual: ${header}, expect: ${HEADER}.`);
  const row = reader.row();
  // The SDK sizes some buffers larger than it fills and sends the zero padding, which the service ignores
  // (plian_buffer_builder.js: one byte per INF_MIN/INF_MAX/PK_AUTO_INCR key value; an UpdateRow DELETE cell's
  // timestamp is sized as a DOUBLE value).
  if (!reader.restIsZeroPadding()) throw broken('has more data in cell, but they can\'t be parsed.');
  return row;
}

/** Parses a serialized SQLVariant, as the value of a column condition carries it. */
export function readVariant(data: Uint8Array): Value {
  const reader = new Reader(data);
  const value = reader.variant(data.length);
  if (!reader.atEnd()) throw parameterInvalid('data format is invalid.');
  if (!isAttributeValue(value)) throw parameterInvalid('data format is invalid, unknown variant type occured.');
  return value;
}

class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  atEnd(): boolean {
    return this.pos === this.data.length;
  }

  restIsZeroPadding(): boolean {
    return this.data.subarray(this.pos).every((b) => b === 0);
  }

  row(): WireRow {
    let tag = this.byte();
    if (tag !== TAG.ROW_PK) throw broken(`mismatch tag, actual tag(${tag}), expect(${TAG.ROW_PK}).`);
    let rowCrc = 0;
    const primaryKey: WirePrimaryKeyColumn[] = [];
    tag = this.byte();
    while (tag === TAG.CELL) {
      const cell = this.cell();
      if (cell.operation !== 'PUT') throw parameterInvalid(`OpType cannot be given for primary key name :${cell.name}.`);
      if (cell.timestamp !== undefined) throw parameterInvalid(`Timestamp cannot be given for primary key name:${cell.name}.`);
      if (!cell.value) throw parameterInvalid(`Cell data broken, PK value cannot be NULL, name: ${cell.name}.`);
      primaryKey.push({ name: cell.name, value: cell.value });
      rowCrc = crc8Byte(rowCrc, cell.crc);
      tag = this.byte();
    }
    if (primaryKey.length === 0) throw broken('PK is empty.');
    const cells: WireCell[] = [];
    if (tag === TAG.ROW_DATA) {
      tag = this.byte();
      while (tag === TAG.CELL) {
        const cell = this.cell();
        if (cell.value && !isAttributeValue(cell.value)) {
          throw parameterInvalid('data format is invalid, unknown variant type occured.');
        }
        const { name, timestamp, operation } = cell;
        cells.push({ name, value: cell.value as Value | undefined, timestamp, operation });
        rowCrc = crc8Byte(rowCrc, cell.crc);
        tag = this.byte();
      }
    }
    let deleteMarker = false;
    if (tag === TAG.DELETE_ROW_MARKER) {
      deleteMarker = true;
      tag = this.byte();
    }
    rowCrc = crc8Byte(rowCrc, deleteMarker ? 1 : 0);
    if (tag !== TAG.ROW_CHECKSUM) throw broken('row is not end with checksum tag.');
    const given = this.byte();
    if (given !== rowCrc) throw broken(`checksum is mismatch, ${given}:${rowCrc}.`);
    return { primaryKey, cells, deleteMarker };
  }

  /** Reads a cell after its TAG_CELL; returns its checksum, verified. */
  private cell(): { name: string; value?: WireValue; timestamp?: number; operation: CellOperation; crc: number } {
    if (this.byte() !== TAG.CELL_NAME) throw broken('attr has no name.');
    const nameBytes = this.bytes(this.int32());
    const name = this.utf8(nameBytes, 'column name');
    let crc = crc8(0, nameBytes);
    let value: WireValue | undefined;
    let timestamp: number | undefined;
    let operation: CellOperation = 'PUT';
    let opByte: number | undefined;
    let timestampBytes: Uint8Array | undefined;
    for (;;) {
      const tag = this.byte();
      if (tag === TAG.CELL_VALUE && value === undefined) {
        const length = this.int32();
        const start = this.pos;
        value = this.variant(length);
        crc = crc8(crc, this.data.subarray(start, this.pos));
      } else if (tag === TAG.CELL_TYPE && opByte === undefined) {
        opByte = this.byte();
        const op = CELL_OP[opByte];
        if (!op) throw parameterInvalid(`Invalid op type of cell: ${opByte}.`);
        operation = op;
      } else if (tag === TAG.CELL_TIMESTAMP && timestampBytes === undefined) {
        timestampBytes = this.bytes(8);
        const ts = this.view.getBigInt64(this.pos - 8, true);
        if (ts < 0n || ts >= MAX_TIMESTAMP) throw parameterInvalid('Timestamp must be in range [0, INT64_MAX/1000).');
        timestamp = Number(ts);
      } else if (tag === TAG.CELL_CHECKSUM) {
        break;
      } else {
        throw broken('cell is not end with checksum[0x0A] tag.');
      }
    }
    if (timestampBytes) crc = crc8(crc, timestampBytes);
    if (opByte !== undefined) crc = crc8Byte(crc, opByte);
    const given = this.byte();
    if (given !== crc) throw broken(`checksum is mismatch, ${given}:${crc}.`);
    return { name, value, timestamp, operation, crc };
  }

  /** Reads a variant of `length` bytes: its type byte and payload. */
  variant(length: number): WireValue {
    const end = this.pos + length;
    if (length < 1 || end > this.data.length) throw broken('length is shorter than expect.');
    const type = this.byte();
    let value: WireValue;
    switch (type) {
      case VT.INTEGER:
        value = { type: 'INTEGER', value: this.view.getBigInt64(this.advance(8), true) };
        break;
      case VT.DOUBLE: {
        const n = this.view.getFloat64(this.advance(8), true);
        if (Number.isNaN(n)) throw parameterInvalid("NaN can't be set to double value.");
        if (!Number.isFinite(n)) throw parameterInvalid("Infinity can't be set to double value.");
        value = { type: 'DOUBLE', value: n };
        break;
      }
      case VT.BOOLEAN:
        value = { type: 'BOOLEAN', value: this.byte() !== 0 };
        break;
      case VT.STRING:
        value = { type: 'STRING', value: this.utf8(this.bytes(this.int32()), 'string value') };
        break;
      case VT.BLOB:
        value = { type: 'BINARY', value: Buffer.from(this.bytes(this.int32())) };
        break;
      case VT.INF_MIN:
        value = { type: 'INF_MIN' };
        break;
      case VT.INF_MAX:
        value = { type: 'INF_MAX' };
        break;
      case VT.AUTO_INCREMENT:
        value = { type: 'AUTO_INCREMENT' };
        break;
      default:
        throw parameterInvalid('data format is invalid, unknown variant type occured.');
    }
    if (this.pos !== end) throw broken(`wrong string format, size: ${length}.`);
    return value;
  }

  byte(): number {
    if (this.pos >= this.data.length) throw broken('length is shorter than expect.');
    return this.data[this.pos++]!;
  }

  int32(): number {
    return this.view.getInt32(this.advance(4), true);
  }

  bytes(length: number): Uint8Array {
    if (length < 0) throw broken(`wrong string format, size: ${length}.`);
    const start = this.advance(length);
    return this.data.subarray(start, start + length);
  }

  private advance(length: number): number {
    if (this.pos + length > this.data.length) throw broken('length is shorter than expect.');
    const start = this.pos;
    this.pos += length;
    return start;
  }

  private utf8(bytes: Uint8Array, what: string): string {
    try {
      return UTF8.decode(bytes);
    } catch {
      throw parameterInvalid(`Value of ${what} must be UTF8 encoding.`);
    }
  }
}

function isAttributeValue(v: WireValue): v is Value {
  return v.type !== 'INF_MIN' && v.type !== 'INF_MAX' && v.type !== 'AUTO_INCREMENT';
}

function broken(detail: string): Error {
  return parameterInvalid(`Cell data broken, ${detail}`);
}

// ---------------------------------------------------------------------------------------------- writing

/** Encodes rows as a GetRange response carries them: one header, then the rows back to back. */
export function writeRows(rows: readonly OutputRow[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  const out = new Writer();
  out.int32(HEADER);
  for (const row of rows) writeRowBody(out, row);
  return out.finish();
}

/** Encodes one row (or, with no cells, a bare primary key). */
export function writeRow(row: OutputRow): Buffer {
  return writeRows([row]);
}

function writeRowBody(out: Writer, row: OutputRow): void {
  let rowCrc = 0;
  out.byte(TAG.ROW_PK);
  for (const pk of row.primaryKey) rowCrc = crc8Byte(rowCrc, writeCell(out, pk.name, pk.value));
  if (row.cells.length > 0) {
    out.byte(TAG.ROW_DATA);
    for (const cell of row.cells) rowCrc = crc8Byte(rowCrc, writeCell(out, cell.name, cell.value, cell.timestamp));
  }
  rowCrc = crc8Byte(rowCrc, 0);
  out.byte(TAG.ROW_CHECKSUM);
  out.byte(rowCrc);
}

function writeCell(out: Writer, name: string, value: Value, timestamp?: number): number {
  out.byte(TAG.CELL);
  out.byte(TAG.CELL_NAME);
  const nameBytes = Buffer.from(name, 'utf8');
  out.int32(nameBytes.length);
  out.bytes(nameBytes);
  let crc = crc8(0, nameBytes);
  const variant = encodeVariant(value);
  out.byte(TAG.CELL_VALUE);
  out.int32(variant.length);
  out.bytes(variant);
  crc = crc8(crc, variant);
  if (timestamp !== undefined) {
    const ts = Buffer.alloc(8);
    ts.writeBigInt64LE(BigInt(timestamp));
    out.byte(TAG.CELL_TIMESTAMP);
    out.bytes(ts);
    crc = crc8(crc, ts);
  }
  out.byte(TAG.CELL_CHECKSUM);
  out.byte(crc);
  return crc;
}

function encodeVariant(value: Value): Buffer {
  switch (value.type) {
    case 'INTEGER': {
      const b = Buffer.alloc(9);
      b[0] = VT.INTEGER;
      b.writeBigInt64LE(value.value, 1);
      return b;
    }
    case 'DOUBLE': {
      const b = Buffer.alloc(9);
      b[0] = VT.DOUBLE;
      b.writeDoubleLE(value.value, 1);
      return b;
    }
    case 'BOOLEAN':
      return Buffer.from([VT.BOOLEAN, value.value ? 1 : 0]);
    case 'STRING':
      return lengthPrefixed(VT.STRING, Buffer.from(value.value, 'utf8'));
    case 'BINARY':
      return lengthPrefixed(VT.BLOB, value.value);
  }
}

function lengthPrefixed(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeInt32LE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

class Writer {
  private readonly chunks: Buffer[] = [];

  byte(b: number): void {
    this.chunks.push(Buffer.from([b]));
  }

  int32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.chunks.push(b);
  }

  bytes(b: Buffer): void {
    this.chunks.push(b);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
