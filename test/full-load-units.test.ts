/** The parts of a full-load run that need no database: the done-chunk ledger, the work list, the worker pool. */
import { describe, expect, it } from 'vitest';
import { ChunkLedger } from '../shared/fullload/chunk-ledger.ts';
import { ChunkWorkList } from '../shared/fullload/chunk-work-list.ts';
import { WorkerPool } from '../shared/fullload/worker-pool.ts';
import { LoadDataWriter } from '../shared/destinations/mysql/load-data-format.ts';
import type { FullLoadPlan, PlannedTable } from '../shared/state/state-store.ts';
import type { TableMapping } from '../shared/task/object-mapper.ts';

const planned = (table: string, chunks: number): PlannedTable => ({
  table,
  target: `copy.${table.split('.')[1]}`,
  chunks: Array.from({ length: chunks }, (_, index) => ({ index, lower: index === 0 ? null : [String(index * 10)], upper: [String(index * 10 + 10)] })),
});

const plan: FullLoadPlan = {
  position: { file: 'bin.000001', offset: 4, gtid: '', flavor: 'mariadb', at: '2024-01-01T00:00:00.000Z' },
  tables: [planned('shop.orders', 3), planned('shop.items', 2), planned('shop.gone', 1)],
};

const mapping = (database: string, name: string, estimatedRows: number) => ({ source: { database, name, estimatedRows } }) as unknown as TableMapping;

describe('chunk ledger', () => {
  const ledger = new ChunkLedger([
    { table: 'shop.orders', chunk: 1, rows: 7, bytes: 70 },
    { table: 'shop.orders', chunk: 1, rows: 9, bytes: 90 }, // recorded again: counts once, with its first rows
    { table: 'shop.items', chunk: 0, rows: 3, bytes: 30 },
    { table: 'shop.items', chunk: 1, rows: 4, bytes: 40 },
  ]);

  it('knows which chunks are done and which of a plan remain', () => {
    expect(ledger.isDone('shop.orders', 1)).toBe(true);
    expect(ledger.isDone('shop.orders', 0)).toBe(false);
    expect(ledger.isDone('shop.other', 1)).toBe(false);
    expect(ledger.remaining(plan.tables[0]!)).toEqual([0, 2]);
    expect(ledger.remaining(plan.tables[1]!)).toEqual([]);
    expect(ledger.allDone(plan)).toBe(false);
    expect(ledger.allDone({ ...plan, tables: [plan.tables[1]!] })).toBe(true);
  });

  it('counts done chunks and their rows per table', () => {
    expect([ledger.chunksDone('shop.orders'), ledger.rows('shop.orders')]).toEqual([1, 7]);
    expect([ledger.chunksDone('shop.items'), ledger.rows('shop.items')]).toEqual([2, 7]);
    expect([ledger.chunksDone('shop.gone'), ledger.rows('shop.gone')]).toEqual([0, 0]);
  });

  it('gives the work list the chunks still to load of the tables the task selects, or only those asked for', () => {
    const orders = mapping('shop', 'orders', 100);
    const items = mapping('shop', 'items', 10);
    const work = new ChunkWorkList(plan, [items, orders], ledger);
    expect(work.tables.map((t) => t.planned.table)).toEqual(['shop.orders', 'shop.items']);
    expect(work.chunks).toBe(5);
    expect(work.items.map((w) => [w.table, w.chunk.index])).toEqual([
      [orders, 0],
      [orders, 2],
    ]);
    expect(work.progress()).toEqual([
      { table: 'shop.orders', target: 'copy.orders', chunksTotal: 3, chunksDone: 1, rows: 7, estimatedRows: 100 },
      { table: 'shop.items', target: 'copy.items', chunksTotal: 2, chunksDone: 2, rows: 7, estimatedRows: 10 },
    ]);
    const only = new ChunkWorkList(plan, [items, orders], ledger, [{ table: 'shop.orders', chunk: 2 }, { table: 'shop.orders', chunk: 1 }]);
    expect(only.items.map((w) => w.chunk.index)).toEqual([2]);
  });
});

describe('worker pool', () => {
  it('hands items out in order to its workers and closes every worker', async () => {
    const seen: number[] = [];
    let closed = 0;
    await new WorkerPool([1, 2, 3, 4, 5]).run(2, () => ({ run: async (n) => void seen.push(n), close: async () => void closed++ }), () => {});
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(closed).toBe(2);
  });

  it('stops every worker before its next item at the first failure, and rejects with it', async () => {
    const seen: number[] = [];
    const failure = new Error('chunk 2 failed');
    const pool = new WorkerPool([1, 2, 3, 4, 5]);
    const run = pool.run(2, () => ({
      run: async (n) => {
        seen.push(n);
        if (n === 2) throw failure;
        await new Promise((r) => setTimeout(r, 10));
      },
      close: async () => {},
    }), () => {});
    await expect(run).rejects.toBe(failure);
    expect(seen).toEqual([1, 2]);
  });

  it('on abort, cuts off the items in flight and rejects with the reason', async () => {
    const controller = new AbortController();
    let cutOff = 0;
    const release: Array<() => void> = [];
    const pool = new WorkerPool([1, 2, 3], controller.signal);
    const run = pool.run(1, () => ({ run: () => new Promise<void>((r) => release.push(r)), close: async () => {} }), () => {
      cutOff++;
      release.forEach((r) => r());
    });
    await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('interrupted'));
    await expect(run).rejects.toThrow('interrupted');
    expect([cutOff, release.length]).toEqual([1, 1]);
  });
});

describe('LOAD DATA writer', () => {
  const write = (rows: Array<Array<Buffer | null>>, pieceBytes: number) => {
    const pieces: Buffer[] = [];
    const writer = new LoadDataWriter((p) => pieces.push(p), pieceBytes);
    for (const row of rows) writer.writeRow(row);
    writer.flush();
    return pieces;
  };

  it('escapes TAB, LF, backslash and NUL and writes NULL as \\N', () => {
    const out = Buffer.concat(write([[Buffer.from('a\tb\nc\\d\0e'), null], [Buffer.from('x'), Buffer.from('')]], 64));
    expect(out.toString('latin1')).toBe('a\\tb\\nc\\\\d\\0e\t\\N\nx\t\n');
  });

  it('writes a value many pieces long in pieces no larger than the piece size, escaped byte for byte', () => {
    const value = Buffer.alloc(10_000, 'ab\tcd\\');
    const pieces = write([[Buffer.from('1'), value]], 1024);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(1024);
    const expected = '1\t' + value.toString('latin1').replace(/\\/g, '\\\\').replace(/\t/g, '\\t') + '\n';
    expect(Buffer.concat(pieces).toString('latin1')).toBe(expected);
  });

  it('hands a large value with nothing to escape (a hex field) over as slices of itself', () => {
    const hex = Buffer.alloc(5000, '0A1B');
    const pieces = write([[Buffer.from('7'), hex]], 1024);
    expect(Buffer.concat(pieces).toString('latin1')).toBe('7\t' + hex.toString('latin1') + '\n');
    const slices = pieces.filter((p) => p.buffer === hex.buffer);
    expect(slices.reduce((n, p) => n + p.length, 0)).toBe(hex.length);
  });
});
