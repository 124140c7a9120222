/**
 * A SELECT's result as the instance `?result` carries it: CSV with a header row of column names, NULL as `\N`,
 * fields with a comma, quote or line break in double quotes (quotes doubled). Values print as MaxCompute
 * prints them: DATETIME `yyyy-MM-dd HH:mm:ss` in the project's zone (milliseconds only when not zero),
 * DATE `yyyy-MM-dd`, BOOLEAN `true`/`false`, DECIMAL in plain notation with its scale, DOUBLE as Java prints it.
 */
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';

export const NULL_TOKEN = '\\N';

/** `v` as MaxCompute prints it; `floating` for FLOAT/DOUBLE columns (DuckDB hands integers of INT and below out as numbers too). */
export function formatValue(v: DuckDBValue, floating: boolean): string {
  if (v === null) return NULL_TOKEN;
  if (typeof v === 'bigint' || typeof v === 'string') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return floating ? formatDouble(v) : String(v);
  if (v instanceof DuckDBDecimalValue) return v.toString();
  if (v instanceof DuckDBTimestampMillisecondsValue) return formatWall(v.millis, 3);
  if (v instanceof DuckDBTimestampNanosecondsValue) return formatWall(v.nanos, 9);
  if (v instanceof DuckDBTimestampValue) return formatWall(v.micros, 6);
  if (v instanceof DuckDBDateValue) return v.toString();
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes).toString('utf8');
  return String(v);
}

/** A wall-clock time stored as units of 10^-digits seconds since 1970-01-01 00:00 → `yyyy-MM-dd HH:mm:ss[.fff]`. */
function formatWall(units: bigint, digits: number): string {
  const perSecond = 10n ** BigInt(digits);
  let seconds = units / perSecond;
  let fraction = units % perSecond;
  if (fraction < 0n) {
    fraction += perSecond;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().replace('T', ' ').slice(0, 19);
  return fraction === 0n ? base : `${base}.${fraction.toString().padStart(digits, '0')}`;
}

/** Java's Double.toString for the common cases: 1.0, 0.5, 1.0E10, NaN, Infinity. */
function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa = '', exponent = ''] = v.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
  }
  const s = String(v);
  return s.includes('.') ? s : `${s}.0`;
}

export function formatCsv(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (fields: readonly string[]) => fields.map(csvField).join(',');
  return [line(columns), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

function csvField(value: string): string {
  if (value === NULL_TOKEN) return value;
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
