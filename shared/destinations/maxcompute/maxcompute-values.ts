/**
 * Change values (change-event.ts CellValue) as the MaxCompute client writes them
 * (shared/maxcompute/maxcompute-types.ts MaxComputeValue), by the column's MaxCompute type
 * (maxcompute-table.ts maxComputeType). Exact or refused: a value the type cannot hold (a zero date)
 * is an UnwritableValue, which the sink hands to the dirty-data policy.
 *
 * A MySQL DATETIME is a wall-clock time without a zone; MaxCompute's DATETIME and TIMESTAMP are
 * instants shown in the project's zone. The wall time is read in `destination.timeZone`, so the project
 * shows the same text when its `odps.sql.timezone` is that zone. A MySQL TIMESTAMP arrives in UTC.
 */
import type { CellValue } from '../../change/change-event.ts';
import type { MaxComputeTimestamp, MaxComputeValue } from '../../maxcompute/maxcompute-types.ts';
import type { ColumnInfo } from '../../mysql/catalog.ts';
import { utcMs as utc, zoneOffsetMs } from '../../time/zone-offset.ts';
import { MAXCOMPUTE_LIMITS, maxComputeType } from './maxcompute-table.ts';

/** A value the column's MaxCompute type cannot hold; the message names the value and the type. */
export class UnwritableValue extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnwritableValue';
  }
}

/** The writer of a source column's values: its MaxCompute type and time zone decided once. */
export function valueWriter(c: Pick<ColumnInfo, 'dataType' | 'columnType'>, timeZone: string): (v: CellValue) => MaxComputeValue {
  return columnWriter(maxComputeType(c).type, c.dataType, timeZone);
}

/**
 * The writer of a MaxCompute column of `type` (upper case, as maxComputeType spells it) holding a
 * source column of base type `sourceDataType` (undefined when no longer known: read as a DATETIME).
 */
export function columnWriter(type: string, sourceDataType: string | undefined, timeZone: string): (v: CellValue) => MaxComputeValue {
  // A MySQL TIMESTAMP is an instant, and changes carry it in UTC.
  const zone = sourceDataType?.toLowerCase() === 'timestamp' ? 'UTC' : timeZone;
  return (v) => withinCell(maxComputeValue(v, type, zone));
}

/** A STRING or BINARY value over MaxCompute's 8 MB a cell is refused (MaxCompute SQL limits). */
function withinCell(v: MaxComputeValue): MaxComputeValue {
  const bytes = typeof v === 'string' ? (v.length > MAXCOMPUTE_LIMITS.cellBytes / 3 ? Buffer.byteLength(v) : 0) : v instanceof Uint8Array ? v.length : 0;
  if (bytes > MAXCOMPUTE_LIMITS.cellBytes) throw new UnwritableValue(`a value of ${bytes.toLocaleString('en-US')} bytes is over MaxCompute's ${MAXCOMPUTE_LIMITS.cellBytes.toLocaleString('en-US')} bytes (8 MB) a cell`);
  return v;
}

/** The MaxCompute value of `v` for a column of MaxCompute type `type` (maxComputeType's text). */
export function maxComputeValue(v: CellValue, type: string, timeZone: string): MaxComputeValue {
  if (v === null) return null;
  const kind = type.replace(/\(.*$/, '');
  switch (kind) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'FLOAT':
    case 'DOUBLE':
      return typeof v === 'number' ? v : Number(text(v));
    case 'BIGINT':
      return typeof v === 'object' && 'b' in v ? bitsToBigInt(v.b) : typeof v === 'number' ? v : BigInt(text(v));
    case 'DECIMAL':
      return typeof v === 'object' && 'b' in v ? bitsToBigInt(v.b).toString() : text(v);
    case 'STRING':
      return typeof v === 'object' && 'b' in v ? Buffer.from(v.b, 'base64') : text(v);
    case 'BINARY':
      return typeof v === 'object' && 'b' in v ? Buffer.from(v.b, 'base64') : Buffer.from(text(v), 'utf8');
    case 'DATE':
      return date(text(v));
    case 'DATETIME':
      return wallTime(text(v), timeZone).ms;
    case 'TIMESTAMP':
      return timestamp(text(v), timeZone);
    default:
      throw new UnwritableValue(`no conversion to MaxCompute type ${type}`);
  }
}

function text(v: Exclude<CellValue, null>): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return 'n' in v ? v.n : Buffer.from(v.b, 'base64').toString('utf8');
}

/** BIT values travel as big-endian bytes. */
function bitsToBigInt(base64: string): bigint {
  let n = 0n;
  for (const byte of Buffer.from(base64, 'base64')) n = (n << 8n) | BigInt(byte);
  return n;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

function date(s: string): string {
  const m = DATE.exec(s);
  if (!m || m[1] === '0000' || m[2] === '00' || m[3] === '00') throw new UnwritableValue(`date '${s}' is not a calendar date MaxCompute's DATE holds (0001-01-01 to 9999-12-31)`);
  return s;
}

interface Instant {
  readonly ms: number;
  /** The fraction of the second in nanoseconds (ms drops what is below a millisecond). */
  readonly nanos: number;
}

/** A MySQL DATETIME's text read as a wall time in `zone`. */
function wallTime(s: string, zone: string): Instant {
  const m = DATE_TIME.exec(s);
  if (!m || m[1] === '0000' || m[2] === '00' || m[3] === '00') throw new UnwritableValue(`datetime '${s}' is not a calendar time MaxCompute holds`);
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const nanos = Number((m[7] ?? '').padEnd(9, '0'));
  const wall = utc(y, mo, d, h, mi, sec);
  // The zone's offset at the wall time, then again at the instant found (a DST change in between).
  let instant = wall - zoneOffsetMs(wall, zone);
  instant = wall - zoneOffsetMs(instant, zone);
  return { ms: instant + Math.floor(nanos / 1e6), nanos };
}

function timestamp(s: string, zone: string): MaxComputeTimestamp {
  const { ms, nanos } = wallTime(s, zone);
  return { seconds: Math.floor(ms / 1000), nanos };
}

