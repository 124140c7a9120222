/** orderedRuns: a unique-keyed table's changes as runs on distinct keys, in binlog order, tables apart. */
import { describe, expect, it } from 'vitest';
import type { RowChange, TableRef } from '../shared/change/change-event.ts';
import { orderedRuns } from '../shared/destinations/mysql/ordered-runs.ts';

const u: TableRef = { database: 'd', table: 'u' };
const v: TableRef = { database: 'd', table: 'v' };
let row = 0;
function ch(table: TableRef, op: RowChange['op'], before?: { id: number; e: string }, after?: { id: number; e: string }): RowChange {
  return { kind: 'row', pos: { file: 1, offset: 100, row: row++ }, ts: 0, table, key: ['id'], op, ...(before && { before }), ...(after && { after }), ordered: 'in-order' };
}

describe('orderedRuns', () => {
  it('a swap through a temporary value: the second change of a row closes the run', () => {
    const runs = orderedRuns([
      ch(u, 'update', { id: 1, e: 'a' }, { id: 1, e: 'tmp' }),
      ch(u, 'update', { id: 2, e: 'b' }, { id: 2, e: 'a' }),
      ch(u, 'update', { id: 1, e: 'tmp' }, { id: 1, e: 'b' }),
    ]);
    expect(runs.map((r) => ({ deletes: r.deletes, inserts: r.inserts }))).toEqual([
      { deletes: [[1], [2]], inserts: [{ id: 1, e: 'tmp' }, { id: 2, e: 'a' }] },
      { deletes: [[1]], inserts: [{ id: 1, e: 'b' }] },
    ]);
  });

  it('a key change deletes both keys; a delete inserts nothing; tables keep runs of their own', () => {
    const runs = orderedRuns([
      ch(u, 'update', { id: 1, e: 'a' }, { id: 5, e: 'a' }),
      ch(v, 'insert', undefined, { id: 1, e: 'x' }),
      ch(u, 'delete', { id: 2, e: 'b' }),
      ch(u, 'insert', undefined, { id: 3, e: 'b' }),
    ]);
    expect(runs.map((r) => [r.table.table, r.deletes, r.inserts])).toEqual([
      ['u', [[1], [5], [2], [3]], [{ id: 5, e: 'a' }, { id: 3, e: 'b' }]],
      ['v', [[1]], [{ id: 1, e: 'x' }]],
    ]);
  });

  it('a change without its key column is malformed', () => {
    expect(() => orderedRuns([{ ...ch(u, 'insert', undefined, { id: 1, e: 'a' }), key: ['nope'] }])).toThrow(/key column nope is missing/);
  });
});
