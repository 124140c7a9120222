/** Full-load progress: redrawn bars on a terminal, plain lines when the output is a pipe or a file. */
import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../shared/fullload/progress.ts';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, columns: 100, write: (s: string) => chunks.push(s) > 0 }, text: () => chunks.join('') };
}

const tables = () => [
  { table: 'shop.orders', target: 'copy.orders', chunksTotal: 2, chunksDone: 0, rows: 0, estimatedRows: 1000 },
  { table: 'shop.items', target: 'copy.items', chunksTotal: 1, chunksDone: 0, rows: 0, estimatedRows: 10 },
];

describe('full-load progress', () => {
  it('draws one bar per table on a terminal and redraws them in place', () => {
    const out = capture(true);
    const p = createProgressReporter(out.stream, 60_000);
    p.start(tables());
    p.update('shop.orders', 500, true);
    p.update('shop.items', 10, true);
    p.finish();
    const text = out.text();
    expect(text).toContain('\x1b[3A'); // cursor up over the previous frame: bars redrawn, not appended
    const last = text.slice(text.lastIndexOf('\x1b[3A'));
    expect(last).toMatch(/shop\.orders\s+\[#+\.+\]\s+50%\s+500 rows\s+1\/2 chunks/);
    expect(last).toMatch(/shop\.items\s+\[#+\]\s+100%\s+10 rows\s+1\/1 chunks/);
    expect(last).toMatch(/total 510 rows, [\d,]+ rows\/s, 2\/3 chunks/);
  });

  it('prints timestamped plain lines, one per finished table, without control characters', () => {
    const out = capture(false);
    const p = createProgressReporter(out.stream, 60_000);
    p.start(tables());
    p.update('shop.items', 10, true);
    p.update('shop.orders', 400, true);
    p.finish();
    const text = out.text();
    expect(text).not.toContain('\x1b');
    expect(text).toMatch(/^\S+Z loaded shop\.items → copy\.items: 10 rows in 1 chunk$/m);
    expect(text).not.toMatch(/loaded shop\.orders/); // 1 of its 2 chunks only
    expect(text).toMatch(/full load: 410 rows, 2\/3 chunks, [\d,]+ rows\/s$/m);
  });
});
