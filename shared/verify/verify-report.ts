/**
 * What `fc-dts verify` reports, whatever the destination: the report's shape, its settings, the
 * table-by-table driver both comparisons share, and the human rendering of the report.
 */

export interface KeyDifference {
  /** The source key and its values as SQL literals, e.g. `(id)=(42)`, `(a,b)=(1,'x')`. */
  readonly key: string;
  readonly kind: 'missing' | 'extra' | 'different';
  /**
   * For `different`, the columns (source names) whose values differ, when the comparison knows them
   * (Tablestore destinations; MySQL destinations compare a digest of the whole row).
   */
  readonly columns?: readonly string[];
}

export interface ChunkDifference {
  /** The chunk's index; `chunks` (one past the last) is the tail beyond the last chunk. */
  readonly chunk: number;
  readonly sourceRows: number;
  readonly destinationRows: number;
}

export interface TableVerification {
  /** Source `db.table`. */
  readonly table: string;
  /** Destination `db.table` (Tablestore: `instance.table`). */
  readonly target: string;
  readonly sourceRows: number;
  readonly destinationRows: number;
  /**
   * Key ranges compared: the source's chunks (MySQL destinations) or the destination's GetRange pages
   * (Tablestore destinations: page i spans from its first key to the next page's first key).
   */
  readonly chunks: number;
  readonly differingChunks: readonly ChunkDifference[];
  /** At most `maxKeys` per table. */
  readonly differences: readonly KeyDifference[];
  /** Set when more keys differ than `differences` lists. */
  readonly differencesTruncated?: boolean;
  /** How many keys differ in all, listed or not (Tablestore destinations, which compare every row). */
  readonly differingKeys?: number;
  /** Why the table could not be compared, e.g. the destination table does not exist. */
  readonly error?: string;
}

export interface VerifyReport {
  readonly task: string;
  readonly consistent: boolean;
  readonly tables: readonly TableVerification[];
}

export interface VerifyOptions {
  /** Rows per chunk (default 10,000; MySQL destinations). */
  readonly chunkRows?: number;
  /** Keys listed per table at most (default 100). */
  readonly maxKeys?: number;
  /** Tables compared in parallel (default 2). */
  readonly concurrency?: number;
  /** Called as each table's comparison completes. */
  readonly onTable?: (t: TableVerification) => void;
  /**
   * A chunk (Tablestore: a listed key) that differs is compared again this many times, `recheckMs`
   * apart, before it counts: while incremental sync runs, a row changed on the source a moment ago may
   * not be applied yet. Default 3 rechecks, 1,000 ms apart.
   */
  readonly rechecks?: number;
  readonly recheckMs?: number;
  /** How long transient Tablestore failures (throttling, network) are retried per call (default 30,000 ms). */
  readonly retryMs?: number;
  /** Rows per SQL page of a MaxCompute destination's merged table, or of a Lindorm table's SELECTs (default and most 10,000: both services' cap). */
  readonly pageRows?: number;
}

export interface VerifySettings {
  readonly chunkRows: number;
  readonly maxKeys: number;
  readonly rechecks: number;
  readonly recheckMs: number;
  readonly retryMs: number;
  readonly pageRows: number;
}

export function verifySettings(options: VerifyOptions): VerifySettings {
  return {
    chunkRows: Math.max(1, options.chunkRows ?? 10_000),
    maxKeys: Math.max(0, options.maxKeys ?? 100),
    rechecks: Math.max(0, options.rechecks ?? 3),
    recheckMs: Math.max(0, options.recheckMs ?? 1000),
    retryMs: Math.max(0, options.retryMs ?? 30_000),
    pageRows: Math.min(10_000, Math.max(1, options.pageRows ?? 10_000)),
  };
}

export function isConsistent(t: TableVerification): boolean {
  return t.error === undefined && t.differingChunks.length === 0 && t.differences.length === 0;
}

/**
 * Compares `tables` with `verify`, `options.concurrency` at a time, in a report listing them in the
 * given order. A table's comparison that throws stops the others from starting and is rethrown.
 */
export async function verifyTables<T>(
  taskName: string,
  tables: readonly T[],
  verify: (t: T) => Promise<TableVerification>,
  options: Pick<VerifyOptions, 'concurrency' | 'onTable'>,
): Promise<VerifyReport> {
  const results: TableVerification[] = [];
  let next = 0;
  let fatal: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!fatal && next < tables.length) {
      const i = next++;
      try {
        const r = await verify(tables[i]!);
        results[i] = r;
        options.onTable?.(r);
      } catch (e) {
        fatal ??= { error: e };
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 2, tables.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (fatal) throw fatal.error;
  return { task: taskName, consistent: results.every(isConsistent), tables: results };
}

/** The human report: one line per table, then what differs. */
export function formatVerifyReport(r: VerifyReport): string {
  const lines: string[] = [];
  const rows = (n: number): string => `${n} row${n === 1 ? '' : 's'}`;
  for (const t of r.tables) {
    const head = `${t.table} → ${t.target}`;
    if (t.error !== undefined) {
      lines.push(`ERROR ${head}  ${t.error}`);
      continue;
    }
    const chunks = `${t.chunks} chunk${t.chunks === 1 ? '' : 's'}`;
    if (isConsistent(t)) {
      lines.push(`ok    ${head}  ${rows(t.sourceRows)}, ${chunks}`);
      continue;
    }
    lines.push(`DIFF  ${head}  source ${rows(t.sourceRows)}, destination ${rows(t.destinationRows)}, ${chunks}, ${t.differingChunks.length} differing`);
    for (const c of t.differingChunks) {
      const which = c.chunk < t.chunks ? `chunk ${c.chunk}` : t.chunks === 0 ? 'all rows' : `beyond chunk ${t.chunks - 1}`;
      lines.push(`        ${which}: source ${rows(c.sourceRows)}, destination ${rows(c.destinationRows)}`);
    }
    for (const d of t.differences) lines.push(`        ${d.kind.padEnd(9)} ${d.key}${d.columns?.length ? `  columns ${d.columns.join(', ')}` : ''}`);
    if (t.differencesTruncated) {
      const more = t.differingKeys !== undefined ? t.differingKeys - t.differences.length : undefined;
      lines.push(more !== undefined ? `        ... ${more} more differing key${more === 1 ? '' : 's'} not listed` : `        ... more differing keys not listed`);
    }
  }
  const bad = r.tables.filter((t) => !isConsistent(t)).length;
  lines.push(r.consistent
    ? `consistent: ${r.tables.length} table${r.tables.length === 1 ? '' : 's'} compared`
    : `NOT consistent: ${bad} of ${r.tables.length} table${r.tables.length === 1 ? '' : 's'} differ`);
  return lines.join('\n');
}
