/** Full-load progress per table: redrawn bars on a terminal, plain timestamped lines otherwise. */

export interface TableProgress {
  readonly table: string;
  readonly target: string;
  readonly chunksTotal: number;
  chunksDone: number;
  rows: number;
  /** The source's row estimate (information_schema), for the percentage. */
  readonly estimatedRows: number;
}

export interface ProgressReporter {
  start(tables: readonly TableProgress[]): void;
  /** `rows` more rows written to `table`; `chunkDone` when a chunk finished. */
  update(table: string, rows: number, chunkDone: boolean): void;
  finish(): void;
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): boolean;
}

export function createProgressReporter(out: ProgressStream, intervalMs?: number): ProgressReporter {
  return out.isTTY ? new BarProgress(out, intervalMs ?? 200) : new LineProgress(out, intervalMs ?? 5000);
}

abstract class BaseProgress implements ProgressReporter {
  protected tables = new Map<string, TableProgress>();
  private timer: NodeJS.Timeout | undefined;
  protected readonly started = performance.now();

  constructor(protected readonly out: ProgressStream, private readonly intervalMs: number) {}

  start(tables: readonly TableProgress[]): void {
    this.tables = new Map(tables.map((t) => [t.table, { ...t }]));
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    this.tick();
  }

  update(table: string, rows: number, chunkDone: boolean): void {
    const t = this.tables.get(table);
    if (!t) return;
    t.rows += rows;
    if (chunkDone) {
      t.chunksDone++;
      if (t.chunksDone === t.chunksTotal) this.tableDone(t);
    }
  }

  finish(): void {
    clearInterval(this.timer);
    this.tick();
    this.done();
  }

  protected totals(): { rows: number; rate: number; chunks: number; chunksDone: number } {
    let rows = 0;
    let chunks = 0;
    let chunksDone = 0;
    for (const t of this.tables.values()) {
      rows += t.rows;
      chunks += t.chunksTotal;
      chunksDone += t.chunksDone;
    }
    const secs = (performance.now() - this.started) / 1000;
    return { rows, rate: secs > 0 ? rows / secs : 0, chunks, chunksDone };
  }

  protected abstract tick(): void;
  protected abstract tableDone(t: TableProgress): void;
  protected done(): void {}
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function percent(t: TableProgress): number {
  if (t.chunksTotal === 0 || t.chunksDone === t.chunksTotal) return 100;
  return Math.min(99, Math.floor((t.rows / Math.max(t.estimatedRows, 1)) * 100));
}

class BarProgress extends BaseProgress {
  private drawn = 0;

  protected tick(): void {
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 60));
    const lines = [...this.tables.values()].map((t) => {
      const p = percent(t);
      const fill = Math.round((p / 100) * width);
      return `  ${t.table.padEnd(28).slice(0, 28)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(p).padStart(3)}%  ${fmt(t.rows)} rows  ${t.chunksDone}/${t.chunksTotal} chunks`;
    });
    const tot = this.totals();
    lines.push(`  total ${fmt(tot.rows)} rows, ${fmt(tot.rate)} rows/s, ${tot.chunksDone}/${tot.chunks} chunks`);
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.out.write(up + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    this.drawn = lines.length;
  }

  protected tableDone(): void {}
}

class LineProgress extends BaseProgress {
  protected tick(): void {
    const tot = this.totals();
    if (tot.chunks === 0) return;
    this.out.write(`${new Date().toISOString()} full load: ${fmt(tot.rows)} rows, ${tot.chunksDone}/${tot.chunks} chunks, ${fmt(tot.rate)} rows/s\n`);
  }

  protected tableDone(t: TableProgress): void {
    this.out.write(`${new Date().toISOString()} loaded ${t.table} → ${t.target}: ${fmt(t.rows)} rows in ${t.chunksTotal} chunk${t.chunksTotal === 1 ? '' : 's'}\n`);
  }
}

/** For callers that want no output (tests, the HTTP functions). */
export const silentProgress: ProgressReporter = { start() {}, update() {}, finish() {} };
