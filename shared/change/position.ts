/**
 * A position that totally orders the source's binlog (docs/architecture.md §3.1): the binlog file's sequence number,
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

/**
 * Where binlog reading can start or resume: a binlog file by name and the offset of an event in it
 * (a transaction's start, or the position after one). Every resume point, checkpoint and coordinate
 * of the source's binlog is one of these with more attached.
 */
export interface ResumePoint {
  readonly file: string;
  readonly offset: number;
}

/** Where to start reading: a resume point, or a MariaDB GTID position (the last transaction already processed per domain). */
export type BinlogStart = ResumePoint | { readonly gtid: string };

/** Where the binlog reader resumes: the start of the oldest transaction not yet fully applied, and when it was saved. */
export interface ReaderCheckpoint extends ResumePoint {
  readonly at: string;
}

/**
 * The serverless reader's checkpoint (the start of the oldest transaction not yet wholly in the queue),
 * with what it sent last per bucket before it: the `prev` of its first batches after a restart.
 */
export interface ReaderPosition extends ReaderCheckpoint {
  /** Bucket → position of the last change sent to it from the transactions before `file:offset`. */
  readonly lastSent: Readonly<Record<string, BinlogPosition>>;
}

/** The source's binlog position as the server reports it: where incremental sync starts after a full load. */
export interface BinlogCoordinates extends ResumePoint {
  /** MariaDB: @@gtid_binlog_pos; MySQL: @@gtid_executed (empty when GTIDs are off). */
  readonly gtid: string;
  readonly flavor: 'mariadb' | 'mysql';
  /** When it was read (ISO time): the full load's consistency point in time. */
  readonly at: string;
}

/** Just the file and offset of a position that carries more (a checkpoint, the server's coordinates). */
export function resumePointOf(p: ResumePoint): ResumePoint {
  return { file: p.file, offset: p.offset };
}

export function compareResumePoints(a: ResumePoint, b: ResumePoint): number {
  return binlogFileNumber(a.file) - binlogFileNumber(b.file) || a.offset - b.offset;
}

/** `a <= b`. */
export function atOrBefore(a: ResumePoint, b: ResumePoint): boolean {
  return compareResumePoints(a, b) <= 0;
}
