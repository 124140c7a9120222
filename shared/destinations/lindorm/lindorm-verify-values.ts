/**
 * The one form both sides of a Lindorm verify are compared in: the literal the sink writes (lindorm-literals.ts).
 * A source value (the full load's text-protocol cell) is rendered as the sink renders it; a value Lindorm shows
 * back (mysql2: numbers, strings, Buffers; TIMESTAMP as text in the session zone) is rendered by the same
 * function as a wall time. So a TIMESTAMP instant moved to the session zone, DECIMAL trailing zeros, an empty
 * VARBINARY written as NULL compare equal exactly when the sink wrote them right. A FLOAT shown back as the
 * shortest text of its float32 renders as the same literal as the source's float32.
 */
import type { CellValue } from '../../change/change-event.ts';
import type { KeyPart } from '../../verify/key-merge.ts';
import { lindormLiteral, type LiteralColumn, type LiteralSession } from './lindorm-literals.ts';

export interface ComparedValue {
  /** The literal text; null for NULL, and for an empty VARBINARY, which Lindorm stores as NULL. */
  readonly text: string | null;
  /** Bytes as Lindorm's row limits count them (lindormLiteral). */
  readonly bytes: number;
}

/** A value as compared; throws LindormValueError when the column cannot hold it (the sink refuses its row). */
export function comparedValue(v: CellValue, column: LiteralColumn, session: LiteralSession): ComparedValue {
  const literal = lindormLiteral(v, column, session);
  if (literal.sql === 'NULL' || v === null) return { text: null, bytes: 0 };
  return { text: literal.sql, bytes: literal.bytes };
}

/** A value Lindorm showed back as a change value: Buffers as bytes, everything else as it came. */
export function shownCell(v: unknown): CellValue {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return { b: v.toString('base64') };
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { n: v.toString() };
  return String(v);
}

/** A shown value's column: a TIMESTAMP comes back as the session zone's wall time, so it is rendered as one. */
export function shownColumn<C extends LiteralColumn>(column: C): C {
  return column.instant ? { ...column, instant: false } : column;
}

/**
 * A key value in Lindorm's key order (the engine sorts its encoded key: numbers by value, strings and bytes
 * bytewise, times by their text, which sorts as their value in one fixed-offset zone).
 */
export function keyPart(column: LiteralColumn, v: Exclude<CellValue, null>, text: string): KeyPart {
  switch (column.type.name) {
    case 'BOOLEAN':
      return text === 'true' ? 1n : 0n;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT':
      return BigInt(text);
    case 'DECIMAL':
      return scaled(text, column.type.scale ?? 0);
    case 'FLOAT':
    case 'DOUBLE':
      return Number(text);
    case 'VARCHAR':
    case 'CHAR':
      return Buffer.from(typeof v === 'string' ? v : typeof v === 'number' ? String(v) : 'n' in v ? v.n : Buffer.from(v.b, 'base64').toString('utf8'), 'utf8');
    case 'VARBINARY':
    case 'BINARY':
      return typeof v === 'object' && 'b' in v ? Buffer.from(v.b, 'base64') : Buffer.from(String(v), 'utf8');
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      return Buffer.from(text.slice(1, -1), 'utf8');
  }
}

/** A decimal literal as an integer count of 10^-scale. */
function scaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [int, fraction = ''] = text.replace(/^-/, '').split('.');
  const n = BigInt(`${int}${fraction.padEnd(scale, '0')}`);
  return negative ? -n : n;
}
