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

/**
 * Writes rows into pieces of at most `pieceBytes` handed to `emit`, so a value of any size costs at
 * most one piece of buffer (plus its escaped copy): a value of a piece or more with nothing to escape
 * (every hex field) is handed over as slices of itself, without a copy.
 */
export class LoadDataWriter {
  private buf: Buffer;
  private at = 0;

  constructor(private readonly emit: (piece: Buffer) => void, private readonly pieceBytes = 256 * 1024) {
    this.buf = Buffer.allocUnsafe(pieceBytes);
  }

  /** Bytes written and not yet emitted. */
  get length(): number {
    return this.at;
  }

  writeRow(row: ReadonlyArray<Buffer | null>): void {
    for (let i = 0; i < row.length; i++) {
      const v = row[i]!;
      if (i > 0) this.byte(TAB);
      if (v === null) {
        this.byte(BACKSLASH);
        this.byte(0x4e); // N
      } else {
        this.value(v);
      }
    }
    this.byte(LF);
  }

  /** Emits what is written so far. */
  flush(): void {
    if (this.at === 0) return;
    this.emit(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(this.pieceBytes);
    this.at = 0;
  }

  private byte(b: number): void {
    if (this.at === this.buf.length) this.flush();
    this.buf[this.at++] = b;
  }

  private value(v: Buffer): void {
    if (v.length >= this.pieceBytes && !needsEscape(v)) {
      this.flush();
      for (let from = 0; from < v.length; from += this.pieceBytes) this.emit(v.subarray(from, from + this.pieceBytes));
      return;
    }
    for (let from = 0; from < v.length;) {
      const room = (this.buf.length - this.at) >> 1; // an escaped byte takes two
      if (room === 0) {
        this.flush();
        continue;
      }
      const to = Math.min(v.length, from + room);
      this.escape(v, from, to);
      from = to;
    }
  }

  private escape(v: Buffer, from: number, to: number): void {
    const out = this.buf;
    let at = this.at;
    for (let i = from; i < to; i++) {
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
}

function needsEscape(v: Buffer): boolean {
  return v.includes(BACKSLASH) || v.includes(TAB) || v.includes(LF) || v.includes(NUL);
}
