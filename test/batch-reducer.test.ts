/** The batch reducer: final action per row, key changes, order of last change, and a randomized check against replay. */
import { describe, expect, it } from 'vitest';
import type { CellValue, Row, RowChange, TableRef } from '../shared/change/change-event.ts';
import { MalformedChange, reduceRowChanges, type TableActions } from '../shared/destinations/mysql/batch-reducer.ts';

const T: TableRef = { database: 'db', table: 't' };
const U: TableRef = { database: 'db', table: 'u' };
let offset = 100;

function change(op: RowChange['op'], images: { before?: Row; after?: Row }, table: TableRef = T, key: readonly string[] = ['id']): RowChange {
  return { kind: 'row', pos: { file: 1, offset: offset++, row: 0 }, ts: 0, table, key, op, ...images };
}
const ins = (after: Row, table?: TableRef, key?: readonly string[]): RowChange => change('insert', { after }, table, key);
const upd = (before: Row, after: Row, table?: TableRef, key?: readonly string[]): RowChange => change('update', { before, after }, table, key);
const del = (before: Row, table?: TableRef, key?: readonly string[]): RowChange => change('delete', { before }, table, key);

function only(actions: TableActions[]): TableActions {
  expect(actions).toHaveLength(1);
  return actions[0]!;
}

describe('reduceRowChanges', () => {
  it('returns nothing for no changes', () => {
    expect(reduceRowChanges([])).toEqual([]);
  });

  it('an insert is an upsert of its after-image', () => {
    const a = only(reduceRowChanges([ins({ id: 1, v: 'a' })]));
    expect(a).toEqual({ table: T, key: ['id'], deletes: [], upserts: [{ id: 1, v: 'a' }] });
  });

  it('a delete is a delete of the before-image key', () => {
    const a = only(reduceRowChanges([del({ id: 1, v: 'a' })]));
    expect(a.deletes).toEqual([[1]]);
    expect(a.upserts).toEqual([]);
  });

  it('later changes of a row override earlier ones: the last after-image wins', () => {
    const a = only(reduceRowChanges([ins({ id: 1, v: 'a' }), upd({ id: 1, v: 'a' }, { id: 1, v: 'b' }), upd({ id: 1, v: 'b' }, { id: 1, v: 'c' })]));
    expect(a.upserts).toEqual([{ id: 1, v: 'c' }]);
    expect(a.deletes).toEqual([]);
  });

  it('insert then delete is a delete (the row may exist from before the batch)', () => {
    const a = only(reduceRowChanges([ins({ id: 1, v: 'a' }), del({ id: 1, v: 'a' })]));
    expect(a).toMatchObject({ deletes: [[1]], upserts: [] });
  });

  it('delete then re-insert of the same key is an upsert of the new image', () => {
    const a = only(reduceRowChanges([del({ id: 1, v: 'a' }), ins({ id: 1, v: 'z' })]));
    expect(a).toMatchObject({ deletes: [], upserts: [{ id: 1, v: 'z' }] });
  });

  it('an update that changes the key deletes the old key and upserts the new one', () => {
    const a = only(reduceRowChanges([upd({ id: 1, v: 'a' }, { id: 2, v: 'a' })]));
    expect(a).toMatchObject({ deletes: [[1]], upserts: [{ id: 2, v: 'a' }] });
  });

  it('a key change back and forth ends as an upsert of the original key', () => {
    const a = only(reduceRowChanges([upd({ id: 1, v: 'a' }, { id: 2, v: 'a' }), upd({ id: 2, v: 'a' }, { id: 1, v: 'b' })]));
    expect(a).toMatchObject({ deletes: [[2]], upserts: [{ id: 1, v: 'b' }] });
  });

  it('a key moved onto a key deleted earlier in the batch is an upsert', () => {
    const a = only(reduceRowChanges([del({ id: 2, v: 'x' }), upd({ id: 1, v: 'a' }, { id: 2, v: 'a' })]));
    expect(a).toMatchObject({ deletes: [[1]], upserts: [{ id: 2, v: 'a' }] });
  });

  it('a row whose key moved away and that is inserted again is an upsert', () => {
    const a = only(reduceRowChanges([upd({ id: 1, v: 'a' }, { id: 2, v: 'a' }), ins({ id: 1, v: 'new' })]));
    expect(a.deletes).toEqual([]);
    expect(a.upserts).toEqual([{ id: 2, v: 'a' }, { id: 1, v: 'new' }]);
  });

  it('upserts come in the order of their last change, not their first', () => {
    const a = only(reduceRowChanges([ins({ id: 1, v: 'a' }), ins({ id: 2, v: 'b' }), ins({ id: 3, v: 'c' }), upd({ id: 1, v: 'a' }, { id: 1, v: 'a2' })]));
    expect(a.upserts.map((r) => r.id)).toEqual([2, 3, 1]);
  });

  it('composite keys identify rows by all their columns, in key order', () => {
    const key = ['a', 'b'];
    const a = only(reduceRowChanges([
      ins({ a: 1, b: 'x', v: 1 }, T, key),
      ins({ a: 1, b: 'y', v: 2 }, T, key),
      upd({ a: 1, b: 'x', v: 1 }, { a: 1, b: 'x', v: 3 }, T, key),
      del({ a: 1, b: 'y', v: 2 }, T, key),
      upd({ b: 'q', a: 5, v: 9 }, { b: 'r', a: 5, v: 9 }, T, key),
    ]));
    expect(a.deletes).toEqual([[1, 'y'], [5, 'q']]);
    expect(a.upserts).toEqual([{ a: 1, b: 'x', v: 3 }, { b: 'r', a: 5, v: 9 }]);
  });

  it('tables are reduced separately, in the order they first appear', () => {
    const r = reduceRowChanges([ins({ id: 1 }, U), ins({ id: 1 }), del({ id: 1 }, U)]);
    expect(r.map((t) => t.table.table)).toEqual(['u', 't']);
    expect(r[0]).toMatchObject({ deletes: [[1]], upserts: [] });
    expect(r[1]).toMatchObject({ deletes: [], upserts: [{ id: 1 }] });
  });

  it('the same table name in two databases is two tables', () => {
    const r = reduceRowChanges([ins({ id: 1 }, { database: 'a', table: 't' }), ins({ id: 1 }, { database: 'b', table: 't' })]);
    expect(r).toHaveLength(2);
  });

  it('keys are compared by encoded value: NULL, exact numbers and bytes are keys like any other', () => {
    const key = ['k'];
    const a = only(reduceRowChanges([
      ins({ k: { n: '18446744073709551615' }, v: 1 }, T, key),
      ins({ k: { n: '18446744073709551614' }, v: 2 }, T, key),
      upd({ k: { n: '18446744073709551615' }, v: 1 }, { k: { n: '18446744073709551615' }, v: 3 }, T, key),
      ins({ k: { b: 'AAE=' }, v: 4 }, T, key),
      del({ k: { b: 'AAE=' }, v: 4 }, T, key),
      ins({ k: null, v: 5 }, T, key),
      ins({ k: '1', v: 6 }, T, key),
      ins({ k: 1, v: 7 }, T, key),
    ]));
    expect(a.upserts.map((r) => r.v)).toEqual([2, 3, 5, 6, 7]);
    expect(a.deletes).toEqual([[{ b: 'AAE=' }]]);
  });

  it('an update that keeps its key is one upsert, whatever else changed', () => {
    const a = only(reduceRowChanges([upd({ id: 1, v: null }, { id: 1, v: 'x' })]));
    expect(a).toMatchObject({ deletes: [], upserts: [{ id: 1, v: 'x' }] });
  });

  it('refuses changes it cannot apply, naming them', () => {
    expect(() => reduceRowChanges([change('insert', {})])).toThrow(MalformedChange);
    expect(() => reduceRowChanges([change('update', { after: { id: 1 } })])).toThrow(/update without its before-image/);
    expect(() => reduceRowChanges([del({ v: 1 })])).toThrow(/key column id missing/);
    expect(() => reduceRowChanges([ins({ id: 1 }, T, [])])).toThrow(/no key columns/);
    expect(() => reduceRowChanges([ins({ id: 1, a: 1 }), ins({ id: 2, a: 2 }, T, ['a'])])).toThrow(/differs/);
    const e = (() => {
      try {
        reduceRowChanges([ins({ id: 1 }), del({ v: 1 })]);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(MalformedChange);
    expect((e as MalformedChange).change.op).toBe('delete');
    expect((e as Error).message).toMatch(/^change at 1:\d+#0 on db\.t/);
  });

  it('applied to any table state, equals replaying the changes one by one (randomized)', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      // A starting state, and a change sequence valid against it (as a source binlog would be).
      const start = new Map<number, Row>();
      for (let k = 0; k < 6; k++) if (rand(2)) start.set(k, { id: k, v: `s${k}` });
      const live = new Map(start);
      const changes: RowChange[] = [];
      for (let i = 0, n = 1 + rand(15); i < n; i++) {
        const k = rand(8);
        const row = live.get(k);
        if (!row) {
          const after = { id: k, v: `i${i}` };
          changes.push(ins(after));
          live.set(k, after);
        } else if (rand(3) === 0) {
          changes.push(del(row));
          live.delete(k);
        } else {
          const to = rand(2) ? k : rand(8);
          if (to !== k && live.has(to)) continue;
          const after = { id: to, v: `u${i}` };
          changes.push(upd(row, after));
          live.delete(k);
          live.set(to, after);
        }
      }
      const replayed = new Map(start);
      const [t] = reduceRowChanges(changes);
      if (!t) {
        expect(changes).toEqual([]);
        continue;
      }
      for (const [id] of t.deletes) replayed.delete(id as number);
      for (const r of t.upserts) replayed.set(r.id as number, r);
      expect(new Map([...replayed].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...live].sort((a, b) => a[0] - b[0])));
      // Each key at most once across deletes and upserts.
      const keys = [...t.deletes.map((k) => k[0] as CellValue), ...t.upserts.map((r) => r.id as CellValue)];
      expect(new Set(keys).size).toBe(keys.length);
    }
  });
});
