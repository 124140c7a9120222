/**
 * A position that totally orders the source's binlog (DESIGN §3): the binlog file's sequence number,
 * the byte offset of the event in it, and the row's index inside a row event. The same event read
 * again after a restart has the same position, which is what makes replays recognizable.
 */
export interface BinlogPosition {
  /** The numeric suffix of the binlog file name (mariadb-bin.000042 → 42). */
  readonly file: number;
  /** Start offset of the event in that file. */
  readonly offset: number;
  /** Index of the row inside a row event (0 for other events). */
  readonly row: number;
}

export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  return a.file - b.file || a.offset - b.offset || a.row - b.row;
}

/** `a > b`; a null `b` (nothing applied yet) is below every position. */
export function isAfter(a: BinlogPosition, b: BinlogPosition | null): boolean {
  return b === null || comparePositions(a, b) > 0;
}

export function formatPosition(p: BinlogPosition): string {
  return `${p.file}:${p.offset}#${p.row}`;
}

/** mariadb-bin.000042 → 42. */
export function binlogFileNumber(fileName: string): number {
  const m = /\.(\d+)$/.exec(fileName);
  if (!m) throw new Error(`binlog file name without a numeric suffix: ${fileName}`);
  return Number(m[1]);
}

/** 42 with base name mariadb-bin → mariadb-bin.000042 (the server pads to six digits). */
export function binlogFileName(baseName: string, file: number): string {
  return `${baseName}.${String(file).padStart(6, '0')}`;
}
