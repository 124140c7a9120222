/**
 * The tunnel record stream (upload block bodies and download responses), as PyODPS odps/tunnel/io/writer.py and reader.py write and read it.
 *
 * Per record, per non-NULL data column i (1-based): tag (i<<3 | wire type), the value; the record's CRC32C is
 * fed int32-LE(i) and then the value's little-endian image. A record ends with tag END_RECORD and the CRC as a
 * uint32 varint; the crc-of-crc is fed uint32-LE of every record CRC. The stream ends with META_COUNT and the
 * zigzag record count, then META_CHECKSUM and the crc-of-crc.
 * Sources: go odps/tunnel/record_protoc_writer.go, record_protoc_reader.go; py odps/tunnel/io/writer.py, reader.py;
 * java commons/proto/ProtobufRecordStreamWriter.java.
 */
import { isUtf8 } from 'node:buffer';
import { FcDtsError } from '../errors.ts';
import {
  dateToEpochDays,
  epochDaysToDate,
  formatType,
  INTEGER_RANGES,
  type MaxComputeRow,
  type MaxComputeTimestamp,
  type MaxComputeType,
  type MaxComputeValue,
} from './maxcompute-types.ts';
import {
  MalformedWire,
  NeedMoreBytes,
  RecordChecksum,
  TAG_END_METRICS,
  TAG_END_RECORD,
  TAG_META_CHECKSUM,
  TAG_META_COUNT,
  WIRE_BYTES,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_VARINT,
  WireReader,
  WireWriter,
} from './tunnel-wire.ts';

/** A data column of the stream (partition columns are not in the stream). */
export interface TunnelColumn {
  readonly name: string;
  readonly type: MaxComputeType;
}

/** A value that does not fit its column's type; nothing of the record it belongs to was written. */
export class MaxComputeValueError extends FcDtsError {
  constructor(
    readonly column: string,
    readonly recordNumber: number,
    reason: string,
  ) {
    super(
      'SCHEMA_MISMATCH',
      `MaxCompute record ${recordNumber}, column ${column}: ${reason}`,
      'make the destination column type match the source value (see docs/maxcompute-client.md for the value of each type)',
    );
  }
}

/** A record stream that is truncated, malformed or fails its checksums; `recordNumber` is 1-based. */
export class TunnelStreamError extends FcDtsError {
  constructor(
    readonly recordNumber: number,
    reason: string,
  ) {
    super(
      'CONNECTION_FAILED',
      `MaxCompute tunnel record stream, record ${recordNumber}: ${reason}`,
      'read the data again; if it persists, the stream from the tunnel endpoint is corrupt',
    );
  }
}

export interface TunnelEncoderOptions {
  /** Size of the Buffers the encoder hands out (the last one may be shorter). Default 64 KiB. */
  readonly chunkBytes?: number;
}

/**
 * Encodes rows one by one into bounded Buffers: `write` rows, take the full chunks with `takeChunks` whenever
 * convenient (e.g. to send them), and `end` for the trailer and the rest. Memory held: one chunk plus one record.
 */
export class TunnelRecordEncoder {
  private readonly chunkBytes: number;
  /** Records are written straight after the ones before; full chunks are cut off after each record. */
  private readonly out: WireWriter;
  private readonly crc = new RecordChecksum();
  private readonly crcOfCrc = new RecordChecksum();
  private readonly field: FieldWriter;
  private ready: Buffer[] = [];
  private count = 0;
  private ended = false;

  constructor(
    private readonly columns: readonly TunnelColumn[],
    options: TunnelEncoderOptions = {},
  ) {
    this.chunkBytes = Math.max(16, options.chunkBytes ?? 64 * 1024);
    this.out = new WireWriter(this.chunkBytes + 1024);
    this.field = new FieldWriter(this.out, this.crc);
  }

  get recordCount(): number {
    return this.count;
  }

  /** Appends one record; a value that does not fit throws MaxComputeValueError and leaves the stream unchanged. */
  write(row: MaxComputeRow): void {
    if (this.ended) throw new Error('TunnelRecordEncoder: write after end');
    const recordNumber = this.count + 1;
    if (row.length !== this.columns.length) {
      throw new MaxComputeValueError('*', recordNumber, `the row has ${row.length} values for ${this.columns.length} columns`);
    }
    const start = this.out.length;
    try {
      this.fields(row, recordNumber);
    } catch (e) {
      this.out.truncate(start);
      throw e;
    }
    const recordCrc = this.crc.value();
    this.out.tag(TAG_END_RECORD, WIRE_VARINT);
    this.out.uvarint(recordCrc);
    this.crcOfCrc.uint32(recordCrc);
    this.count++;
    this.out.takePieces(this.chunkBytes, this.ready);
  }

  /** The full chunks encoded so far (each exactly chunkBytes long); they are handed out once. */
  takeChunks(): Buffer[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** Writes the end-of-stream trailer; returns every chunk not yet taken, the last one possibly shorter. */
  end(): Buffer[] {
    if (!this.ended) {
      this.out.tag(TAG_META_COUNT, WIRE_VARINT);
      this.out.sint64(this.count);
      this.out.tag(TAG_META_CHECKSUM, WIRE_VARINT);
      this.out.uvarint(this.crcOfCrc.value());
      this.out.takePieces(this.chunkBytes, this.ready);
      this.ended = true;
      if (this.out.length > 0) this.ready.push(this.out.view());
    }
    return this.takeChunks();
  }

  private fields(row: MaxComputeRow, recordNumber: number): void {
    this.crc.reset();
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      if (value === null || value === undefined) continue;
      const column = this.columns[i]!;
      this.out.tag(i + 1, wireTypeOf(column.type));
      this.crc.int32(i + 1);
      this.field.at(column.name, recordNumber).value(column.type, value);
    }
  }
}

/** Encodes a whole stream into one Buffer (tests, small blocks). */
export function encodeRecords(columns: readonly TunnelColumn[], rows: Iterable<MaxComputeRow>): Buffer {
  const encoder = new TunnelRecordEncoder(columns);
  const chunks: Buffer[] = [];
  for (const row of rows) {
    encoder.write(row);
    chunks.push(...encoder.takeChunks());
  }
  chunks.push(...encoder.end());
  return Buffer.concat(chunks);
}

/** Encodes rows as they come into Buffers of bounded size: a request body for an upload block. */
export async function* encodeRecordStream(
  columns: readonly TunnelColumn[],
  rows: Iterable<MaxComputeRow> | AsyncIterable<MaxComputeRow>,
  options: TunnelEncoderOptions = {},
): AsyncGenerator<Buffer> {
  const encoder = new TunnelRecordEncoder(columns, options);
  for await (const row of rows) {
    encoder.write(row);
    // Not yield*: in an async generator that wraps even an empty array in an async iterator, and most rows end no chunk.
    for (const chunk of encoder.takeChunks()) yield chunk;
  }
  yield* encoder.end();
}

/**
 * Decodes a record stream fed in arbitrary pieces: `push` each piece and get the records it completed; `end`
 * checks that the trailer (count and crc-of-crc) arrived. Every record's CRC is checked.
 */
export class TunnelRecordDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes that must be buffered before parsing is worth another try. */
  private needed = 1;
  private readonly crc = new RecordChecksum();
  private readonly crcOfCrc = new RecordChecksum();
  private count = 0;
  private finished = false;

  constructor(private readonly columns: readonly TunnelColumn[]) {}

  get recordCount(): number {
    return this.count;
  }

  push(piece: Uint8Array): MaxComputeValue[][] {
    if (piece.length === 0) return [];
    if (this.finished) throw new TunnelStreamError(this.count + 1, 'data after the end-of-stream trailer');
    this.pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.length));
    this.pendingBytes += piece.length;
    if (this.pendingBytes < this.needed) return [];
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const rows: MaxComputeValue[][] = [];
    const reader = new WireReader(buf);
    let consumed = 0;
    try {
      while (reader.remaining > 0 && !this.finished) {
        const row = this.readRecordOrTrailer(reader);
        if (row !== undefined) rows.push(row);
        consumed = reader.pos;
      }
      this.needed = 1;
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw this.streamError(e);
      this.needed = e.needed - consumed;
    }
    if (this.finished && consumed < buf.length) throw new TunnelStreamError(this.count + 1, 'data after the end-of-stream trailer');
    const rest = buf.subarray(consumed);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return rows;
  }

  /** Throws TunnelStreamError unless the stream was complete: every record and the verified trailer. */
  end(): void {
    if (!this.finished) {
      const where = this.pendingBytes > 0 ? `it ends inside record ${this.count + 1}` : `no end-of-stream trailer after ${this.count} records`;
      throw new TunnelStreamError(this.count + 1, `truncated stream: ${where}`);
    }
  }

  /** One record (returned) or the trailer (undefined; sets finished). Throws NeedMoreBytes without side effects. */
  private readRecordOrTrailer(reader: WireReader): MaxComputeValue[] | undefined {
    const start = reader.pos;
    const row: MaxComputeValue[] = new Array<MaxComputeValue>(this.columns.length).fill(null);
    const crc = this.crc;
    crc.reset();
    for (;;) {
      const tag = reader.uvarint();
      const field = Math.floor(tag / 8);
      const wireType = tag % 8;
      if (field === TAG_END_RECORD) {
        const expected = crc.value();
        const got = reader.uint32();
        if (got !== expected) throw new TunnelStreamError(this.count + 1, `record checksum mismatch (stream 0x${hex(got)}, computed 0x${hex(expected)})`);
        this.crcOfCrc.uint32(expected);
        this.count++;
        return row;
      }
      if (field === TAG_META_COUNT && reader.pos - start === tagLength(tag)) {
        this.readTrailer(reader);
        return undefined;
      }
      const column = this.columns[field - 1];
      if (field < 1 || column === undefined) throw new TunnelStreamError(this.count + 1, `unexpected tag ${field} (the table has ${this.columns.length} columns)`);
      if (wireType !== wireTypeOf(column.type)) throw new TunnelStreamError(this.count + 1, `column ${column.name}: wire type ${wireType} does not fit ${formatType(column.type)}`);
      // A value read is never null: a slot that is not null was filled by an earlier tag of this record.
      if (row[field - 1] !== null) throw new TunnelStreamError(this.count + 1, `column ${column.name} appears twice`);
      crc.int32(field);
      row[field - 1] = readValue(reader, crc, column.type);
    }
  }

  private readTrailer(reader: WireReader): void {
    const count = reader.sint64();
    let next = reader.uvarint();
    if (Math.floor(next / 8) !== TAG_META_CHECKSUM) next = this.skipMetrics(reader, next);
    const crcOfCrc = reader.uint32();
    if (count !== BigInt(this.count)) throw new TunnelStreamError(this.count + 1, `the trailer counts ${count} records, the stream holds ${this.count}`);
    if (crcOfCrc !== this.crcOfCrc.value()) throw new TunnelStreamError(this.count + 1, `stream checksum mismatch (stream 0x${hex(crcOfCrc)}, computed 0x${hex(this.crcOfCrc.value())})`);
    this.finished = true;
  }

  /** Servers may put a metrics string (with its own CRC) between the count and the checksum (py io/reader.py). */
  private skipMetrics(reader: WireReader, tag: number): number {
    const field = Math.floor(tag / 8);
    if (tag % 8 !== WIRE_BYTES) throw new TunnelStreamError(this.count + 1, `unexpected tag ${field} in the trailer`);
    const metricsCrc = new RecordChecksum();
    metricsCrc.int32(field);
    metricsCrc.bytes(reader.lengthDelimited());
    if (Math.floor(reader.uvarint() / 8) !== TAG_END_METRICS) throw new TunnelStreamError(this.count + 1, 'metrics in the trailer are not closed');
    if (reader.uint32() !== metricsCrc.value()) throw new TunnelStreamError(this.count + 1, 'metrics checksum mismatch');
    const next = reader.uvarint();
    if (Math.floor(next / 8) !== TAG_META_CHECKSUM) throw new TunnelStreamError(this.count + 1, 'no stream checksum after the record count');
    return next;
  }

  private streamError(e: unknown): Error {
    if (e instanceof TunnelStreamError) return e;
    if (e instanceof MalformedWire || e instanceof RangeError) return new TunnelStreamError(this.count + 1, `malformed data: ${e.message}`);
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** Decodes a complete stream held in memory. */
export function decodeRecords(columns: readonly TunnelColumn[], stream: Uint8Array): MaxComputeValue[][] {
  const decoder = new TunnelRecordDecoder(columns);
  const rows = decoder.push(stream);
  decoder.end();
  return rows;
}

/** Decodes a stream arriving in pieces (e.g. a download response body), yielding records as they complete. */
export async function* decodeRecordStream(
  columns: readonly TunnelColumn[],
  pieces: AsyncIterable<Uint8Array>,
): AsyncGenerator<MaxComputeValue[]> {
  const decoder = new TunnelRecordDecoder(columns);
  for await (const piece of pieces) yield* decoder.push(piece);
  decoder.end();
}

/** The protobuf wire type a column's values travel with. */
export function wireTypeOf(type: MaxComputeType): number {
  switch (type.kind) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
    case 'BOOLEAN':
    case 'DATETIME':
    case 'DATE':
      return WIRE_VARINT;
    case 'DOUBLE':
      return WIRE_FIXED64;
    case 'FLOAT':
      return WIRE_FIXED32;
    default:
      return WIRE_BYTES;
  }
}

/** INTEGER_RANGES as numbers; BIGINT's bounds round to ±2^63, past every safe integer, so comparisons stay exact. */
const NUMBER_RANGES: Record<keyof typeof INTEGER_RANGES, readonly [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
  BIGINT: [-(2 ** 63), 2 ** 63],
};
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Writes one (non-NULL) value and feeds the CRC; complex values recurse with null flags. */
class FieldWriter {
  private column = '';
  private recordNumber = 0;

  constructor(
    private readonly out: WireWriter,
    private readonly crc: RecordChecksum,
  ) {}

  /** Where the next value goes, for error messages. */
  at(column: string, recordNumber: number): this {
    this.column = column;
    this.recordNumber = recordNumber;
    return this;
  }

  value(type: MaxComputeType, v: MaxComputeValue): void {
    switch (type.kind) {
      case 'TINYINT':
      case 'SMALLINT':
      case 'INT':
      case 'BIGINT':
        return this.int64(this.integer(type.kind, v));
      case 'DATETIME':
        return this.int64(this.epochMillis(v));
      case 'DATE':
        return this.int64(this.epochDays(v));
      case 'BOOLEAN':
        if (typeof v !== 'boolean') throw this.fail(type, v);
        this.crc.bool(v);
        return this.out.bool(v);
      case 'DOUBLE':
        if (typeof v !== 'number') throw this.fail(type, v);
        this.crc.float64(v);
        return this.out.float64(v);
      case 'FLOAT':
        if (typeof v !== 'number') throw this.fail(type, v);
        this.crc.float32(v);
        return this.out.float32(v);
      case 'STRING':
      case 'BINARY':
        return this.bytes(this.stringOrBytes(type, v));
      case 'VARCHAR':
      case 'CHAR':
        return this.bytes(this.boundedString(type, v));
      case 'JSON':
        if (typeof v !== 'string') throw this.fail(type, v);
        return this.bytes(this.wellFormed(v));
      case 'DECIMAL':
        return this.bytes(this.decimal(type, v));
      case 'TIMESTAMP':
      case 'TIMESTAMP_NTZ':
        return this.timestamp(v);
      case 'ARRAY':
        if (!Array.isArray(v)) throw this.fail(type, v);
        return this.elements(type.element, v as readonly MaxComputeValue[]);
      case 'MAP':
        if (!(v instanceof Map)) throw this.fail(type, v);
        this.elements(type.key, [...(v as ReadonlyMap<MaxComputeValue, MaxComputeValue>).keys()]);
        return this.elements(type.value, [...(v as ReadonlyMap<MaxComputeValue, MaxComputeValue>).values()]);
      case 'STRUCT':
        if (!isPlainObject(v)) throw this.fail(type, v);
        for (const f of type.fields) this.nullable(f.type, (v as { readonly [k: string]: MaxComputeValue })[f.name] ?? null);
        return;
    }
  }

  private elements(type: MaxComputeType, values: readonly MaxComputeValue[]): void {
    this.out.uvarint(values.length);
    for (const e of values) this.nullable(type, e);
  }

  /** Inside ARRAY/MAP/STRUCT every element carries a null flag; the CRC covers only the leaf values. */
  private nullable(type: MaxComputeType, v: MaxComputeValue | undefined): void {
    const isNull = v === null || v === undefined;
    this.out.bool(isNull);
    if (!isNull) this.value(type, v);
  }

  private int64(v: bigint | number): void {
    this.crc.int64(v);
    this.out.sint64(v);
  }

  /** Length-prefixed bytes; a string is written as UTF-8 straight into the output (no copy per value). */
  private bytes(b: Uint8Array | string): void {
    this.crc.bytes(typeof b === 'string' ? this.out.lengthDelimitedUtf8(b) : b);
    if (typeof b !== 'string') this.out.lengthDelimited(b);
  }

  /** The value, as a number when it is a safe integer: the writers' number path is the fast one (same bytes). */
  private integer(kind: keyof typeof INTEGER_RANGES, v: MaxComputeValue): bigint | number {
    if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isSafeInteger(v))) throw this.fail({ kind }, v);
    // Comparing a number with a bigint bound takes V8's slow path: numbers compare with number bounds.
    const [min, max] = typeof v === 'number' ? NUMBER_RANGES[kind] : INTEGER_RANGES[kind];
    if (v < min || v > max) throw new MaxComputeValueError(this.column, this.recordNumber, `${v} is out of the ${kind} range [${min}, ${max}]`);
    return typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
  }

  private epochMillis(v: MaxComputeValue): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw this.fail({ kind: 'DATETIME' }, v);
    return v;
  }

  private epochDays(v: MaxComputeValue): number {
    const days = typeof v === 'string' ? dateToEpochDays(v) : undefined;
    if (days === undefined) throw this.fail({ kind: 'DATE' }, v);
    return days;
  }

  private timestamp(v: MaxComputeValue): void {
    const t = v as Partial<MaxComputeTimestamp> | null;
    const valid =
      isPlainObject(v) && Number.isSafeInteger(t?.seconds) && Number.isInteger(t?.nanos) && t!.nanos! >= 0 && t!.nanos! < 1e9;
    if (!valid) throw this.fail({ kind: 'TIMESTAMP' }, v);
    const seconds = t!.seconds!;
    this.crc.int64(seconds);
    this.crc.int32(t!.nanos!);
    this.out.sint64(seconds);
    this.out.sint32(t!.nanos!);
  }

  private stringOrBytes(type: MaxComputeType, v: MaxComputeValue): Uint8Array | string {
    if (v instanceof Uint8Array) return v;
    if (typeof v === 'string') return this.wellFormed(v);
    throw this.fail(type, v);
  }

  private boundedString(type: { readonly kind: 'VARCHAR' | 'CHAR'; readonly length: number }, v: MaxComputeValue): string {
    if (typeof v !== 'string') throw this.fail(type, v);
    const chars = [...v].length;
    if (chars > type.length) throw new MaxComputeValueError(this.column, this.recordNumber, `${chars} characters do not fit ${formatType(type)}`);
    return this.wellFormed(v);
  }

  /** The string, unless UTF-8 cannot carry it (an unpaired surrogate would silently become U+FFFD). */
  private wellFormed(v: string): string {
    if (LONE_SURROGATE.test(v)) throw new MaxComputeValueError(this.column, this.recordNumber, 'the string holds an unpaired UTF-16 surrogate (not encodable as UTF-8)');
    return v;
  }

  private decimal(type: { readonly kind: 'DECIMAL'; readonly precision: number | undefined; readonly scale: number | undefined }, v: MaxComputeValue): string {
    const m = typeof v === 'string' ? DECIMAL_TEXT.exec(v) : null;
    if (m === null) throw this.fail(type, v);
    const intDigits = m[2]!.replace(/^0+(?=\d)/, '').replace(/^0$/, '').length;
    const fracDigits = m[3]?.length ?? 0;
    const [maxInt, maxFrac] = type.precision === undefined ? [36, 18] : [type.precision - (type.scale ?? 0), type.scale ?? 0];
    if (intDigits > maxInt || fracDigits > maxFrac) {
      throw new MaxComputeValueError(this.column, this.recordNumber, `${v} does not fit ${formatType(type)} (at most ${maxInt} integer and ${maxFrac} fraction digits; fc-dts does not round)`);
    }
    return v as string;
  }

  private fail(type: MaxComputeType, v: MaxComputeValue | undefined): MaxComputeValueError {
    return new MaxComputeValueError(this.column, this.recordNumber, `${describe(v)} is not a valid ${formatType(type)} value`);
  }
}

function readValue(r: WireReader, crc: RecordChecksum, type: MaxComputeType): MaxComputeValue {
  switch (type.kind) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
    case 'DATETIME':
    case 'DATE': {
      const v = r.sint64Small();
      crc.int64(v);
      return type.kind === 'BIGINT' ? BigInt(v) : type.kind === 'DATE' ? epochDaysToDate(Number(v)) : Number(v);
    }
    case 'BOOLEAN': {
      const v = r.bool();
      crc.bool(v);
      return v;
    }
    case 'DOUBLE':
    case 'FLOAT': {
      const v = type.kind === 'DOUBLE' ? r.float64() : r.float32();
      if (type.kind === 'DOUBLE') crc.float64(v);
      else crc.float32(v);
      return v;
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ': {
      const seconds = r.sint64Small();
      const nanos = r.sint32();
      crc.int64(seconds);
      crc.int32(nanos);
      return { seconds: Number(seconds), nanos };
    }
    case 'ARRAY':
      return readElements(r, crc, type.element);
    case 'MAP': {
      const keys = readElements(r, crc, type.key);
      const values = readElements(r, crc, type.value);
      if (keys.length !== values.length) throw new MalformedWire(`map with ${keys.length} keys and ${values.length} values`);
      return new Map(keys.map((k, i) => [k, values[i]!] as const));
    }
    case 'STRUCT': {
      const out: Record<string, MaxComputeValue> = {};
      for (const f of type.fields) out[f.name] = readNullable(r, crc, f.type);
      return out;
    }
    default: {
      const bytes = r.lengthDelimited();
      crc.bytes(bytes);
      if (type.kind === 'BINARY') return Buffer.from(bytes);
      if (type.kind === 'STRING' && !isUtf8(bytes)) return Buffer.from(bytes);
      return bytes.toString('utf8');
    }
  }
}

function readElements(r: WireReader, crc: RecordChecksum, type: MaxComputeType): MaxComputeValue[] {
  const n = r.uvarint();
  const out: MaxComputeValue[] = [];
  for (let i = 0; i < n; i++) out.push(readNullable(r, crc, type));
  return out;
}

function readNullable(r: WireReader, crc: RecordChecksum, type: MaxComputeType): MaxComputeValue {
  return r.bool() ? null : readValue(r, crc, type);
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map);
}

function describe(v: MaxComputeValue | undefined): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'bigint') return `the bigint ${v}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `the ${typeof v} ${v}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Map) return 'a Map';
  return typeof v === 'object' && v !== null ? 'an object' : String(v);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function tagLength(tag: number): number {
  let n = 1;
  while (tag >= 0x80) {
    tag = Math.floor(tag / 0x80);
    n++;
  }
  return n;
}
