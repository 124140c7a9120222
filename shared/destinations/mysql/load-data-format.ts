/**
 * Rows in LOAD DATA's default text format (fields separated by TAB, rows by LF, `\` escapes, `\N` for
 * NULL), written byte for byte from the text-protocol values (mysql2 `typeCast: false`): text is never
 * decoded in JS. Binary and BIT values travel as hex and are turned back into bytes by the statement's
 * SET clause, so no byte sequence is reinterpreted through a character set.
 */
import type { ColumnInfo } from '../../mysql/catalog.ts';
import { quoteIdent, qualified } from '../../mysql/identifier.ts';
import { BINARY_TYPES, selectExpr } from '../../mysql/sql-literal.ts';

export type FieldKind = 'text' | 'hex';

export function fieldKind(col: ColumnInfo): FieldKind {
  return col.dataType === 'bit' || BINARY_TYPES.has(col.dataType) || col.charset === 'binary' ? 'hex' : 'text';
}

/** The source select expression for a column in this format. */
export function loadDataSelectExpr(col: ColumnInfo): string {
  const q = quoteIdent(col.name);
  if (col.dataType === 'bit') return `HEX(${q})`; // the number, in hex: CONV() in the SET clause reads it back
  return fieldKind(col) === 'hex' ? `HEX(${q})` : selectExpr(col);
}

/** `LOAD DATA LOCAL INFILE` into `database.table` for columns written in this format. */
export function loadDataStatement(database: string, table: string, cols: ReadonlyArray<{ source: ColumnInfo; target: string }>): string {
  const list: string[] = [];
  const sets: string[] = [];
  cols.forEach((c, i) => {
    const name = quoteIdent(c.target);
    if (fieldKind(c.source) === 'text') {
      list.push(name);
      return;
    }
    const v = `@fc_v${i}`;
    list.push(v);
    sets.push(c.source.dataType === 'bit' ? `${name} = CAST(CONV(${v}, 16, 10) AS UNSIGNED)` : `${name} = UNHEX(${v})`);
  });
  return `LOAD DATA LOCAL INFILE 'fc-dts-chunk' INTO TABLE ${qualified(database, table)} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${list.join(', ')})` +
    (sets.length ? ` SET ${sets.join(', ')}` : '');
}

const TAB = 0x09;
const LF = 0x0a;
const BACKSLASH = 0x5c;
const NUL = 0x00;

/** Appends rows to a growing byte buffer; `take()` hands over what is written so far. */
export class LoadDataWriter {
  private buf: Buffer;
  private at = 0;

  constructor(capacity = 256 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.at;
  }

  writeRow(row: ReadonlyArray<Buffer | null>): void {
    for (let i = 0; i < row.length; i++) {
      const v = row[i]!;
      // Worst case every byte is escaped; +3 for a separator and \N.
      this.ensure((v === null ? 0 : v.length * 2) + 3);
      if (i > 0) this.buf[this.at++] = TAB;
      if (v === null) {
        this.buf[this.at++] = BACKSLASH;
        this.buf[this.at++] = 0x4e; // N
      } else {
        this.escape(v);
      }
    }
    this.ensure(1);
    this.buf[this.at++] = LF;
  }

  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  private escape(v: Buffer): void {
    const out = this.buf;
    let at = this.at;
    for (let i = 0; i < v.length; i++) {
      const b = v[i]!;
      if (b === BACKSLASH || b === TAB || b === LF || b === NUL) {
        out[at++] = BACKSLASH;
        out[at++] = b === NUL ? 0x30 /* 0 */ : b === TAB ? 0x74 /* t */ : b === LF ? 0x6e /* n */ : BACKSLASH;
      } else {
        out[at++] = b;
      }
    }
    this.at = at;
  }

  private ensure(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + extra));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
}
