/**
 * The limits the service enforces (MaxCompute "SQL limits" page, Tunnel docs) and the naming rule. Where the
 * docs give the limit but not the error text, the text is ours (marked "wording unverified" in infra/README.md).
 */
import { McError } from './errors.ts';

export const LIMITS = {
  /** Table and column names: bytes, letters/digits/underscore, starting with a letter; case-insensitive. */
  nameLength: 128,
  columns: 1200,
  partitionLevels: 6,
  partitionsPerTable: 60_000,
  /** Partitions one query may read of a table. */
  partitionsPerQuery: 10_000,
  /**
   * Partitions a page of `GET …/tables/{t}?partitions` by default and at most. Neither is documented; 1,000 is
   * assumed for both (the MaxItems the table listing answers with), and a larger `maxitems` is cut to it.
   */
  partitionPageItems: 1000,
  /** Rows a SELECT hands back through the instance result (more are cut off: SelectResultStatus TRUNCATED). */
  resultRows: 10_000,
  statementBytes: 2 * 1024 * 1024,
  cellBytes: 8 * 1024 * 1024,
  /** Tunnel block ids are in [0, 20000). */
  blockIds: 20_000,
  /** Upload/download sessions live this long. */
  sessionTtlMs: 24 * 60 * 60 * 1000,
  clockSkewMs: 15 * 60 * 1000,
  /** Request bodies above this are refused: a guard of the stand-in (the service allows 100 GB blocks). */
  requestBodyBytes: 256 * 1024 * 1024,
} as const;

/** The limits a stand-in runs with: the service's, some lowered by a test. */
export interface EffectiveLimits {
  readonly partitionsPerTable: number;
  readonly partitionsPerQuery: number;
  readonly resultRows: number;
  readonly sessionTtlMs: number;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function checkName(kind: 'table' | 'column' | 'partition column', name: string): string {
  if (Buffer.byteLength(name) > LIMITS.nameLength || !NAME.test(name)) {
    throw McError.sql(
      'ODPS-0130161',
      `[0,0] Parse exception - invalid ${kind} name '${name}': a name has at most ${LIMITS.nameLength} bytes of letters, digits and underscores and starts with a letter`,
    );
  }
  return name.toLowerCase();
}

export function checkColumnCount(table: string, count: number): void {
  if (count > LIMITS.columns) {
    throw McError.sql('ODPS-0130071', `[0,0] Semantic analysis exception - table ${table} has ${count} columns, more than the limit of ${LIMITS.columns}`);
  }
}

/** Wording unverified: the limit is documented, the service's text for it is not. */
export function partitionsPerQueryError(project: string, table: string, count: number, limit: number): McError {
  return McError.sql(
    'ODPS-0130071',
    `[0,0] Semantic analysis exception - physical plan generation failed: Table(${project},${table}) would be read in ${count} partitions, more than the ${limit} one query may read; please specify partition predicates.`,
  );
}

export function partitionLimitError(project: string, table: string, limit: number): McError {
  return McError.sql(
    'ODPS-0110061',
    `Failed to run ddltask - Modify DDL meta encounter exception : the number of partitions of table ${project}.${table} exceeds the limit ${limit}`,
  );
}

export function fullScanError(project: string, table: string): McError {
  return McError.sql(
    'ODPS-0130071',
    `[0,0] Semantic analysis exception - physical plan generation failed: java.lang.RuntimeException: Table(${project},${table}) is full scan with all partitions, please specify partition predicates.`,
  );
}
