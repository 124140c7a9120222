/**
 * A position that totally orders the source's binlog (docs/architecture.md §3.1): the binlog file's sequence number,
 * the byte offset of the event in it, and the row's index inside a row event. The same event read
 * again after a restart has the same position, which is what makes replays recognizable.
 */
export interface BinlogPosition {
  /**
   * The binlog file's sequence: the numeric suffix of its name (mariadb-bin.000042 → 42), plus
   * EPOCH_STRIDE × the source epoch (binlogSequence), so positions read from a new primary after a
   * switchover order after every position of the old one.
   */
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

/**
 * A switchover (docs/architecture.md §3.1) starts a new epoch: the new primary's binlog files are
 * numbered on their own, so its positions are placed after all of the old one's. Ten million files
 * per epoch is far beyond any server's binlog index; the destination's watermark column (INT
 * UNSIGNED) holds 429 epochs.
 */
export const EPOCH_STRIDE = 10_000_000;

/** The `file` of positions in `fileName` read in `epoch`. */
export function binlogSequence(fileName: string, epoch: number): number {
  const n = binlogFileNumber(fileName);
  if (n >= EPOCH_STRIDE) throw new Error(`binlog file number ${n} of ${fileName} is beyond ${EPOCH_STRIDE - 1}, which positions cannot hold`);
  return epoch * EPOCH_STRIDE + n;
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

/**
 * Which server a resume point is on, for a switchover to be noticed, and the epoch: the number of
 * switchovers the task has followed (EPOCH_STRIDE).
 */
export interface SourceIdentity {
  /** MySQL's @@server_uuid; MariaDB, which has none: `server_id N`. */
  readonly server?: string;
  readonly epoch?: number;
}

/** A resume point with what a switchover needs: its server, and (MySQL) every transaction before it. */
export interface SourceCheckpoint extends ResumePoint, SourceIdentity {
  /** MySQL GTID set of the transactions before `file:offset` (absent for MariaDB, or with gtid_mode OFF). */
  readonly gtidExecuted?: string;
}

/** Where the binlog reader resumes: the start of the oldest transaction not yet fully applied, and when it was saved. */
export interface ReaderCheckpoint extends SourceCheckpoint {
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
