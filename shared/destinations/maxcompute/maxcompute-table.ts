/**
 * A synchronized table as MaxCompute holds it (reference 001): `<table>_base` with the source columns,
 * filled by the full load, and `<table>_log`, the incremental data table, with five additional columns
 * before the source columns, partitioned by the chosen `modifytime_*` fields.
 *
 * The additional columns' types and the partition values' format are not documented (the reference
 * shows them as pictures); the choices below make the reference's merge SQL run unchanged: record_id
 * and utc_timestamp BIGINT, the flags STRING, partition values zero-padded STRING from the binlog
 * event's time in UTC — the event's, so a replayed change lands in the same partition.
 */
import type { ColumnInfo } from '../../mysql/catalog.ts';
import type { BinlogPosition } from '../../change/position.ts';
import { PARTITION_FIELDS, type AdditionalColumnRule, type PartitionField } from './config.ts';

/** MaxCompute limits (MaxCompute SQL limits page; docs/maxcompute.md). */
export const MAXCOMPUTE_LIMITS = {
  nameBytes: 128,
  columns: 1200,
  partitionsPerTable: 60_000,
  partitionsPerQuery: 10_000,
  cellBytes: 8 * 1024 * 1024,
  sqlBytes: 2 * 1024 * 1024,
  resultRows: 10_000,
  blockIds: 20_000,
  decimalPrecision: 38,
} as const;

export const BASE_SUFFIX = '_base';
export const LOG_SUFFIX = '_log';

/** The additional columns of a `_log` table, in order, under the previous rule. */
export const ADDITIONAL_COLUMNS = [
  { name: 'record_id', type: 'BIGINT' },
  { name: 'operation_flag', type: 'STRING' },
  { name: 'utc_timestamp', type: 'BIGINT' },
  { name: 'before_flag', type: 'STRING' },
  { name: 'after_flag', type: 'STRING' },
] as const;

/** The prefix the new rule gives every additional column and partition key ("Modify naming rules for additional columns"). */
export const NEW_RULE_PREFIX = 'new_dts_sync_';

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Letters, digits and `_`, starting with a letter, at most 128 bytes. MaxCompute names are case-insensitive. */
export function isMaxComputeName(name: string): boolean {
  return NAME.test(name) && name.length <= MAXCOMPUTE_LIMITS.nameBytes;
}

/** The names a `_log` table's additional columns and partition keys get under `rule`. */
export function additionalNames(rule: AdditionalColumnRule, partitionFields: readonly PartitionField[]): { columns: string[]; partitions: string[] } {
  const prefix = rule === 'new' ? NEW_RULE_PREFIX : '';
  return { columns: ADDITIONAL_COLUMNS.map((c) => prefix + c.name), partitions: partitionFields.map((f) => prefix + f) };
}

/** A MySQL column's MaxCompute type; `note` says how the value's form changes where it does. */
export interface MappedType {
  readonly type: string;
  readonly note?: string;
}

const INTEGER: Record<string, [signed: string, unsigned: string]> = {
  tinyint: ['TINYINT', 'SMALLINT'],
  smallint: ['SMALLINT', 'INT'],
  mediumint: ['INT', 'INT'],
  int: ['INT', 'BIGINT'],
  integer: ['INT', 'BIGINT'],
  bigint: ['BIGINT', 'DECIMAL(20,0)'],
};

const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'json', 'inet4', 'inet6', 'uuid']);
const BYTES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection']);

/**
 * MaxCompute 2.0 types, each wide enough for every value of the source type: an unsigned integer takes
 * the next wider type, BIGINT UNSIGNED a DECIMAL(20,0); a DECIMAL over 38 digits is kept exactly as
 * STRING text; DATETIME keeps milliseconds, so a DATETIME(4–6) becomes a TIMESTAMP (nanoseconds).
 */
export function maxComputeType(c: Pick<ColumnInfo, 'dataType' | 'columnType'>): MappedType {
  const t = c.dataType.toLowerCase();
  const unsigned = /\bunsigned\b/i.test(c.columnType);
  const int = INTEGER[t];
  if (int) return { type: int[unsigned ? 1 : 0] };
  if (t === 'decimal' || t === 'numeric') return decimalType(c.columnType);
  if (t === 'float') return { type: 'FLOAT' };
  if (t === 'double' || t === 'real') return { type: 'DOUBLE' };
  if (t === 'bit') return bitWidth(c.columnType) === 64 ? { type: 'DECIMAL(20,0)', note: 'BIT(64) as its unsigned number' } : { type: 'BIGINT', note: 'BIT as its number' };
  if (t === 'year') return { type: 'SMALLINT' };
  if (t === 'date') return { type: 'DATE' };
  if (t === 'datetime') return fractionDigits(c.columnType) > 3 ? { type: 'TIMESTAMP' } : { type: 'DATETIME' };
  if (t === 'timestamp') return { type: 'TIMESTAMP' };
  if (t === 'time') return { type: 'STRING', note: 'TIME as its text (MaxCompute has no time-of-day type)' };
  if (t === 'json') return { type: 'STRING', note: 'JSON as its text' };
  if (TEXT.has(t)) return { type: 'STRING' };
  if (BYTES.has(t)) return { type: 'BINARY' };
  return { type: 'STRING', note: `${t.toUpperCase()} as its text` };
}

function decimalType(columnType: string): MappedType {
  const m = /\((\d+)(?:\s*,\s*(\d+))?\)/.exec(columnType);
  const precision = m ? Number(m[1]) : 10;
  const scale = m?.[2] ? Number(m[2]) : 0;
  if (precision <= MAXCOMPUTE_LIMITS.decimalPrecision) return { type: `DECIMAL(${precision},${scale})` };
  return { type: 'STRING', note: `DECIMAL(${precision},${scale}) is wider than MaxCompute's 38 digits: kept exactly as text` };
}

const bitWidth = (columnType: string) => Number(/\((\d+)\)/.exec(columnType)?.[1] ?? 1);
const fractionDigits = (columnType: string) => Number(/\((\d+)\)/.exec(columnType)?.[1] ?? 0);

/**
 * The log record id of a change: `file × 2^32 + offset + row`. Unique, because each row of a row event
 * takes at least a byte of it (offset + row stays below the next event's offset); increasing in binlog
 * order; the same for both images of an UPDATE and for a replayed change. Base rows have 0.
 */
export function recordId(pos: BinlogPosition): bigint {
  const low = pos.offset + pos.row;
  if (pos.file >= 2 ** 31 || low >= 2 ** 32) {
    throw new RangeError(`binlog position ${pos.file}:${pos.offset}#${pos.row} is beyond what a MaxCompute record_id (BIGINT) holds`);
  }
  return (BigInt(pos.file) << 32n) + BigInt(low);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A change's partition values, from its binlog event time (epoch seconds) in UTC: `2019`, `08`, `16`, `08`, `41`. */
export function partitionValues(eventSeconds: number, fields: readonly PartitionField[]): string[] {
  const d = new Date(eventSeconds * 1000);
  const all: Record<PartitionField, string> = {
    modifytime_year: pad(d.getUTCFullYear(), 4),
    modifytime_month: pad(d.getUTCMonth() + 1),
    modifytime_day: pad(d.getUTCDate()),
    modifytime_hour: pad(d.getUTCHours()),
    modifytime_minute: pad(d.getUTCMinutes()),
  };
  return fields.map((f) => all[f]);
}

/** Partitions a `_log` table gains per day with these fields: minute partitions reach 60,000 in under 42 days. */
export function partitionsPerDay(fields: readonly PartitionField[]): number {
  const finest = Math.max(...fields.map((f) => PARTITION_FIELDS.indexOf(f)));
  return [1 / 365, 1 / 30, 1, 24, 1440][finest]!;
}
