/** The pure parts of the Tablestore destination: value kinds, float rendering, and batches as row writes per write mode. */
import { describe, expect, it } from 'vitest';
import type { RowChange } from '../shared/change/change-event.ts';
import { plannedWrites, UnwritableChange } from '../shared/destinations/tablestore/tablestore-row-writes.ts';
import type { TablestoreTable } from '../shared/destinations/tablestore/tablestore-table.ts';
import { fromCell, primaryKeyType, shortestFloat32, valueKind } from '../shared/destinations/tablestore/tablestore-values.ts';

const table: TablestoreTable = {
  name: 't',
  primaryKey: [{ name: 'id', kind: 'integer', type: 'INTEGER', maxBytes: 67, nullable: false }],
  kinds: new Map([['id', 'integer'], ['a', 'string'], ['b', 'integer'], ['f', 'float'], ['ok', 'boolean']] as const),
  columns: [],
};
const tables = new Map([['t', table]]);
let row = 0;
const at = () => ({ file: 1, offset: 100, row: row++ });
const ref = { database: 'db', table: 't' };
const ins = (after: Record<string, unknown>): RowChange => ({ kind: 'row', pos: at(), ts: 0, table: ref, key: ['id'], op: 'insert', after: after as never });
const upd = (before: Record<string, unknown>, after: Record<string, unknown>): RowChange => ({ kind: 'row', pos: at(), ts: 0, table: ref, key: ['id'], op: 'update', before: before as never, after: after as never });
const del = (before: Record<string, unknown>): RowChange => ({ kind: 'row', pos: at(), ts: 0, table: ref, key: ['id'], op: 'delete', before: before as never });

/** A write with its values made plain: integers as digits. */
function plain(changes: RowChange[], mode: 'overwrite' | 'update') {
  const show = (v: unknown) => (typeof v === 'object' && v !== null && !Buffer.isBuffer(v) ? String(v) : v);
  return plannedWrites(changes, tables, mode).map(({ write: w }) => ({
    type: w.type,
    key: w.primaryKey.map(([k, v]) => `${k}=${show(v)}`).join(','),
    ...(w.columns ? { columns: Object.fromEntries(w.columns.map(([k, v]) => [k, show(v)])) } : {}),
    ...(w.deleted && w.deleted.length > 0 ? { deleted: w.deleted } : {}),
  }));
}

describe('Tablestore value mapping', () => {
  it('gives each MySQL type its kind and key type', () => {
    const kind = (dataType: string, columnType = dataType) => valueKind({ dataType, columnType });
    expect(kind('tinyint', 'tinyint(1)')).toBe('boolean');
    expect(kind('bit', 'bit(1)')).toBe('boolean');
    expect(kind('bit', 'bit(8)')).toBe('binary');
    expect(kind('bigint', 'bigint(20) unsigned')).toBe('exact');
    expect(kind('int', 'int(10) unsigned')).toBe('integer');
    expect(kind('decimal', 'decimal(10,2)')).toBe('exact');
    expect(kind('float')).toBe('float');
    expect(kind('datetime', 'datetime(6)')).toBe('string');
    expect(kind('point')).toBe('binary');
    expect(primaryKeyType('double')).toBeUndefined();
    expect(primaryKeyType('boolean')).toBeUndefined();
    expect(primaryKeyType('exact')).toBe('STRING');
  });

  it('writes a FLOAT as the shortest decimal of the same float32', () => {
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(Math.fround(-3.4028234e38))).toBe(-3.4028235e38);
    expect(shortestFloat32(Math.fround(16777217))).toBe(16777216);
    expect(shortestFloat32(Math.fround(1 / 3))).toBe(0.33333334);
    expect(Math.fround(shortestFloat32(Math.fround(1 / 3)))).toBe(Math.fround(1 / 3));
  });

  it('keeps integers beyond 2^53 exact and refuses what a kind cannot hold', () => {
    expect(String(fromCell('b', 'integer', { n: '-9223372036854775808' }))).toBe('-9223372036854775808');
    expect(fromCell('u', 'exact', { n: '18446744073709551615' })).toBe('18446744073709551615');
    expect(fromCell('ok', 'boolean', 1)).toBe(true);
    expect(String(fromCell('ok', 'boolean', 2))).toBe('2');
    expect(() => fromCell('b', 'integer', 'text')).toThrow(/column b/);
    expect(fromCell('new_col', undefined, 2.5)).toBe(2.5); // a column unknown to the mapping: judged by its value
  });
});

describe('a batch as Tablestore row writes', () => {
  it('overwrite: puts the final row whole, deletes what is gone, one write per key', () => {
    expect(plain([ins({ id: 1, a: 'x', b: 1 }), upd({ id: 1, a: 'x', b: 1 }, { id: 1, a: null, b: 2 }), del({ id: 2, a: 'y', b: 3 })], 'overwrite')).toEqual([
      { type: 'put', key: 'id=1', columns: { b: '2' } },
      { type: 'delete', key: 'id=2' },
    ]);
  });

  it('update: sets the changed columns, deletes those that became NULL, leaves the rest alone', () => {
    expect(plain([upd({ id: 1, a: 'x', b: 1, f: 0.5 }, { id: 1, a: null, b: 1, f: 0.5 }), upd({ id: 1, a: null, b: 1, f: 0.5 }, { id: 1, a: null, b: 7, f: 0.5 })], 'update')).toEqual([
      { type: 'update', key: 'id=1', columns: { b: '7' }, deleted: ['a'] },
    ]);
  });

  it('update: an insert sets every column; deleted and inserted again in one batch is a put', () => {
    expect(plain([ins({ id: 1, a: 'x', b: null })], 'update')).toEqual([{ type: 'update', key: 'id=1', columns: { a: 'x' }, deleted: ['b'] }]);
    expect(plain([del({ id: 1, a: 'x', b: 1 }), ins({ id: 1, a: 'y', b: null })], 'update')).toEqual([{ type: 'put', key: 'id=1', columns: { a: 'y' } }]);
  });

  it('update: an update that changed none of the selected columns writes nothing', () => {
    expect(plain([upd({ id: 1, a: 'x' }, { id: 1, a: 'x' })], 'update')).toEqual([]);
  });

  it('names the change whose key column is NULL', () => {
    const bad = ins({ id: null, a: 'x' });
    let caught: unknown;
    try {
      plannedWrites([bad], tables, 'overwrite');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UnwritableChange);
    expect((caught as UnwritableChange).change).toBe(bad);
    expect((caught as Error).message).toMatch(/primary-key column id of t is NULL/);
  });
});
