/**
 * Tunnel values (shared/maxcompute/maxcompute-types.ts: the JS value per MaxCompute type) ↔ DuckDB storage.
 * DATETIME and TIMESTAMP travel as instants and are stored as wall clock time in the project's zone (zone.ts);
 * TIMESTAMP_NTZ is stored as is.
 */
import {
  DuckDBDateValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampValue,
  type DuckDBAppender,
  type DuckDBValue,
} from '@duckdb/node-api';
import { dateToEpochDays, epochDaysToDate, parseType, type MaxComputeTimestamp, type MaxComputeValue } from '../../shared/maxcompute/maxcompute-types.ts';
import type { TunnelColumn } from '../../shared/maxcompute/tunnel-record-codec.ts';
import type { ColumnDef } from './catalog.ts';
import { ident } from './database.ts';
import { instantToWall, wallToInstant } from './zone.ts';

export function tunnelColumns(columns: readonly ColumnDef[]): TunnelColumn[] {
  return columns.map((c) => ({ name: c.name, type: parseType(c.typeText) }));
}

/** Appends one decoded value to the appender's current row. */
export function appendValue(appender: DuckDBAppender, column: TunnelColumn, value: MaxComputeValue, zone: string): void {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (column.type.kind) {
    case 'TINYINT':
      return appender.appendTinyInt(Number(value));
    case 'SMALLINT':
      return appender.appendSmallInt(Number(value));
    case 'INT':
      return appender.appendInteger(Number(value));
    case 'BIGINT':
      return appender.appendBigInt(BigInt(value as number | bigint));
    case 'FLOAT':
      return appender.appendFloat(value as number);
    case 'DOUBLE':
      return appender.appendDouble(value as number);
    case 'BOOLEAN':
      return appender.appendBoolean(value as boolean);
    case 'BINARY':
      return appender.appendBlob(value as Uint8Array);
    case 'DATETIME':
      return appender.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(instantToWall(value as number, zone))));
    case 'DATE': {
      const days = dateToEpochDays(value as string);
      if (days === undefined) throw new RangeError(`column ${column.name}: invalid DATE ${String(value)}`);
      return appender.appendDate(new DuckDBDateValue(days));
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ': {
      const t = value as MaxComputeTimestamp;
      const seconds = column.type.kind === 'TIMESTAMP' ? instantToWall(t.seconds * 1000, zone) / 1000 : t.seconds;
      // Kept to microseconds (what MySQL has): DuckDB's TIMESTAMP_NS would end in 2262, MaxCompute's TIMESTAMP ends in 9999.
      return appender.appendTimestamp(new DuckDBTimestampValue(BigInt(seconds) * 1_000_000n + BigInt(Math.floor(t.nanos / 1000))));
    }
    default:
      // STRING, VARCHAR, CHAR, DECIMAL (plain text); DuckDB casts the text to the column's type.
      return appender.appendVarchar(typeof value === 'string' ? value : Buffer.from(value as Uint8Array).toString('utf8'));
  }
}

/** A select-list expression reading `column` in a form `readValue` turns into the tunnel value. */
export function readExpression(column: TunnelColumn): string {
  const c = ident(column.name);
  switch (column.type.kind) {
    case 'DATETIME':
      return `epoch_ms(${c})`;
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ':
      return `epoch_us(${c})`;
    case 'DATE':
      return `CAST(epoch(CAST(${c} AS TIMESTAMP)) / 86400 AS BIGINT)`;
    case 'DECIMAL':
      return `CAST(${c} AS VARCHAR)`;
    default:
      return c;
  }
}

export function readValue(column: TunnelColumn, v: DuckDBValue, zone: string): MaxComputeValue {
  if (v === null) return null;
  switch (column.type.kind) {
    case 'DATETIME':
      return wallToInstant(Number(v), zone);
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ': {
      const us = v as bigint;
      let seconds = us / 1_000_000n;
      let micros = us % 1_000_000n;
      if (micros < 0n) {
        micros += 1_000_000n;
        seconds -= 1n;
      }
      const s = column.type.kind === 'TIMESTAMP' ? wallToInstant(Number(seconds) * 1000, zone) / 1000 : Number(seconds);
      return { seconds: s, nanos: Number(micros) * 1000 };
    }
    case 'DATE':
      return epochDaysToDate(Number(v));
    case 'BINARY':
      return Buffer.from((v as { bytes: Uint8Array }).bytes);
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return Number(v);
    default:
      return v as MaxComputeValue;
  }
}
