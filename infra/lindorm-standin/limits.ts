/**
 * LindormTable's limits (alibabacloud.com/help/en/lindorm/product-overview/quotas-and-limits; idle close from the
 * Lindorm agent-skill knowledge base). A test may lower any of them through the stand-in's `limits` option.
 */
export interface LindormLimits {
  readonly keyColumns: number;
  /** Bytes of the encoded primary key of a row. */
  readonly keyBytes: number;
  /** Bytes of the non-key values of one row. */
  readonly rowValueBytes: number;
  readonly rowsPerWrite: number;
  /** Bytes of one write statement's rows (keys and values). */
  readonly writeBytes: number;
  readonly inValues: number;
  readonly limit: number;
  readonly offset: number;
  readonly decimalPrecision: number;
  readonly idleMs: number;
}

export const LIMITS: LindormLimits = {
  keyColumns: 5,
  keyBytes: 2 * 1024,
  rowValueBytes: 2 * 1024 * 1024,
  rowsPerWrite: 2000,
  writeBytes: 64 * 1024 * 1024,
  inValues: 2000,
  limit: 10_000,
  offset: 10_000,
  decimalPrecision: 38,
  idleMs: 10 * 60 * 1000,
};
