/**
 * A cursor over one event's bytes. It has the `{ _buffer, _offset }` shape of row-decoder.ts's
 * PacketCursor, so that module's value decoders read from it directly; every read is bounds-checked
 * against `end` (the event body without its checksum) and a short event is a BinlogFormatError.
 */
import type { PacketCursor } from '../row-decoder.ts';
import { BinlogFormatError, type BinlogWhere } from './binlog-errors.ts';

export class ByteReader implements PacketCursor {
  _buffer: Buffer;
  _offset: number;
  readonly end: number;
  readonly where: BinlogWhere;

  constructor(buffer: Buffer, where: BinlogWhere, start = 0, end = buffer.length) {
    this._buffer = buffer;
    this._offset = start;
    this.end = end;
    this.where = where;
  }

  get remaining(): number {
    return this.end - this._offset;
  }

  /** Fails unless `n` more bytes are there; returns the offset they start at. */
  take(n: number): number {
    if (n < 0 || this._offset + n > this.end) {
      throw new BinlogFormatError(this.where, `event is truncated: ${n} bytes needed at byte ${this._offset}, ${this.remaining} left`);
    }
    const at = this._offset;
    this._offset += n;
    return at;
  }

  u8(): number {
    return this._buffer[this.take(1)]!;
  }

  u16(): number {
    return this._buffer.readUInt16LE(this.take(2));
  }

  u24(): number {
    return this._buffer.readUIntLE(this.take(3), 3);
  }

  u32(): number {
    return this._buffer.readUInt32LE(this.take(4));
  }

  /** Little-endian unsigned of 1–6 bytes. */
  uint(n: number): number {
    return this._buffer.readUIntLE(this.take(n), n);
  }

  u64(): bigint {
    return this._buffer.readBigUInt64LE(this.take(8));
  }

  i64(): bigint {
    return this._buffer.readBigInt64LE(this.take(8));
  }

  /** A 64-bit count or id that must fit a JS number (table ids, lengths). */
  safeU64(what: string): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new BinlogFormatError(this.where, `${what} ${v} is beyond 2^53`);
    return Number(v);
  }

  bytes(n: number): Buffer {
    const at = this.take(n);
    return this._buffer.subarray(at, at + n);
  }

  /** A reader over the next `n` bytes (this one moves past them). */
  sub(n: number): ByteReader {
    const at = this.take(n);
    return new ByteReader(this._buffer, this.where, at, at + n);
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /**
   * A length-encoded integer ("packed integer", net_field_length in MySQL mysys/pack.c): < 251 is
   * the value, 252/253/254 prefix 2/3/8 bytes. 251 (NULL) is not valid where this is used.
   */
  packed(): number {
    const first = this.u8();
    if (first < 251) return first;
    if (first === 252) return this.u16();
    if (first === 253) return this.u24();
    if (first === 254) return this.safeU64('length-encoded integer');
    throw new BinlogFormatError(this.where, `invalid length-encoded integer prefix 0x${first.toString(16)} at byte ${this._offset - 1}`);
  }

  /** A string with a length-encoded length before it, as bytes. */
  packedBytes(): Buffer {
    return this.bytes(this.packed());
  }
}
