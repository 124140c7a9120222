/**
 * DATE, TIME2, TIMESTAMP2 and the pre-5.6 TIME/DATETIME/TIMESTAMP as the text the server prints
 * (TIMESTAMP in UTC), fractional digits as the column declares. DATETIME2 is row-decoder.ts's.
 * Formats: MySQL sql-common/my_time.c (my_time_packed_from_binary, TIME_from_longlong_time_packed,
 * my_timestamp_from_binary), sql/log_event.cc (log_event_print_value).
 */
import type { CellValue } from '../../change/change-event.ts';
import { ColumnType } from '../column-type.ts';
import type { ByteReader } from './byte-reader.ts';
import type { TableColumn } from './table-definition.ts';

type Decoder = (r: ByteReader) => CellValue;

export function temporalDecoder(c: TableColumn): Decoder | undefined {
  const fsp = c.metadata.decimals ?? 0;
  switch (c.type) {
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return date;
    case ColumnType.TIME2:
      return time2Decoder(fsp);
    case ColumnType.TIMESTAMP2:
      return timestamp2Decoder(fsp);
    case ColumnType.TIME:
      return oldTime;
    case ColumnType.DATETIME:
      return oldDatetime;
    case ColumnType.TIMESTAMP:
      return (r) => utcText(r.u32(), '');
    default:
      return undefined;
  }
}

/** DATE: 3 bytes little-endian, day 5 bits, month 4, year the rest. */
const date: Decoder = (r) => {
  const v = r.u24();
  return `${pad(v >>> 9, 4)}-${pad((v >>> 5) & 15, 2)}-${pad(v & 31, 2)}`;
};

/**
 * TIME2: 3 big-endian bytes of sign-offset hh:mm:ss (1 sign bit, 1 unused, hours 10, minutes 6,
 * seconds 6), then the fraction; a negative value is stored as the offset's complement, fraction
 * included, so it is decoded as a whole "packed" number (my_time_packed_from_binary).
 */
function time2Decoder(fsp: number): Decoder {
  const fracBytes = (fsp + 1) >> 1;
  return (r) => {
    const at = r.take(3 + fracBytes);
    const b = r._buffer;
    let packed: number; // MY_PACKED_TIME: seconds part << 24 | microseconds
    if (fracBytes === 3) {
      packed = b.readUIntBE(at, 6) - 0x8000_0000_0000;
    } else {
      let int = b.readUIntBE(at, 3) - 0x80_0000;
      let frac = fracBytes === 0 ? 0 : b.readUIntBE(at + 3, fracBytes);
      if (int < 0 && frac !== 0) {
        int += 1;
        frac -= 256 ** fracBytes;
      }
      packed = int * 0x100_0000 + frac * (fracBytes === 1 ? 10_000 : 100);
    }
    const negative = packed < 0;
    const abs = Math.abs(packed);
    const hms = Math.floor(abs / 0x100_0000);
    const micro = abs % 0x100_0000;
    const text = `${negative ? '-' : ''}${pad(Math.floor(hms / 4096) % 1024, 2)}:${pad(Math.floor(hms / 64) % 64, 2)}:${pad(hms % 64, 2)}`;
    return text + fraction(micro, fsp);
  };
}

/** TIMESTAMP2: 4 big-endian bytes of seconds since the epoch, then the fraction (my_timestamp_from_binary). */
function timestamp2Decoder(fsp: number): Decoder {
  const fracBytes = (fsp + 1) >> 1;
  return (r) => {
    const at = r.take(4 + fracBytes);
    const seconds = r._buffer.readUInt32BE(at);
    const frac = fracBytes === 0 ? 0 : r._buffer.readUIntBE(at + 4, fracBytes);
    // Scale the stored digits (2 per byte) to microseconds.
    return utcText(seconds, fraction(frac * 10 ** (6 - 2 * fracBytes), fsp));
  };
}

/** Seconds since the epoch as UTC text; 0 is the zero TIMESTAMP, printed as the server prints it. */
function utcText(seconds: number, fractionText: string): string {
  if (seconds === 0) return '0000-00-00 00:00:00' + fractionText;
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ') + fractionText;
}

/** Pre-5.6 TIME: 3 bytes little-endian, signed, ±HHMMSS as a decimal number. */
const oldTime: Decoder = (r) => {
  const v = r._buffer.readIntLE(r.take(3), 3);
  const a = Math.abs(v);
  return `${v < 0 ? '-' : ''}${pad(Math.floor(a / 10000), 2)}:${pad(Math.floor(a / 100) % 100, 2)}:${pad(a % 100, 2)}`;
};

/** Pre-5.6 DATETIME: 8 bytes little-endian, YYYYMMDDHHMMSS as a decimal number. */
const oldDatetime: Decoder = (r) => {
  const v = Number(r.u64());
  const d = Math.floor(v / 1_000_000);
  const t = v % 1_000_000;
  return `${pad(Math.floor(d / 10000), 4)}-${pad(Math.floor(d / 100) % 100, 2)}-${pad(d % 100, 2)} ${pad(Math.floor(t / 10000), 2)}:${pad(Math.floor(t / 100) % 100, 2)}:${pad(t % 100, 2)}`;
};

/** `fsp` digits of a microsecond count, '' for fsp 0. */
function fraction(micro: number, fsp: number): string {
  return fsp === 0 ? '' : '.' + pad(micro, 6).slice(0, fsp);
}

function pad(v: number, width: number): string {
  return String(v).padStart(width, '0');
}
