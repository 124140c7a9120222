/**
 * The changes of a table with unique keys beside its primary key (`RowChange.ordered`), as runs of
 * statements that keep binlog order and touch only the rows their keys name: each change deletes its
 * row by key and inserts its after-image with a plain INSERT. Never `INSERT … ON DUPLICATE KEY UPDATE`:
 * on another unique key it would rewrite the row holding the value; no REPLACE, which would delete it,
 * except in the catch-up window after a full load, where a colliding row is one that is ahead of the
 * replay (its chunk was read after this change) and its own later change, still to come, rewrites it.
 *
 * A run is a stretch of one table's changes on distinct keys, written as its deletes, then its inserts
 * in order. That is exact: before each insert the run's state holds a subset of the rows the source held
 * before that change (every key of the run is already gone), so an insert the source could make never
 * collides here, and the run ends in the source's state. A key seen again closes the run.
 *
 * Pure: no I/O. The input is a batch's ordered changes still to apply, in binlog order.
 */
import type { CellValue, Row, RowChange, TableRef } from '../../change/change-event.ts';
import { MalformedChange } from './batch-reducer.ts';

export interface OrderedRun {
  readonly table: TableRef;
  readonly key: readonly string[];
  /** Key values of every row the run changes (old and new keys), each once. */
  readonly deletes: ReadonlyArray<readonly CellValue[]>;
  /** After-images, in binlog order. */
  readonly inserts: readonly Row[];
  /**
   * A change of the run is in the catch-up window (`ordered: 'catch-up'`): a row colliding with an
   * insert on a unique key is ahead of the replay there, and its own later change rewrites it, so the
   * inserts are REPLACEs (docs/architecture.md §3.13).
   */
  readonly replace: boolean;
}

interface OpenRun {
  readonly table: TableRef;
  readonly key: readonly string[];
  readonly deletes: CellValue[][];
  readonly inserts: Row[];
  readonly seen: Set<string>;
  replace: boolean;
}

export function orderedRuns(changes: readonly RowChange[]): OrderedRun[] {
  const out: OrderedRun[] = [];
  // Tables do not constrain each other: each table's changes form runs of their own, in order.
  const open = new Map<TableRef, OpenRun>();
  for (const c of changes) {
    const keys = keysOf(c);
    let run = open.get(c.table);
    if (run && keys.some((k) => run!.seen.has(identity(k)))) {
      out.push(run);
      run = undefined;
    }
    if (!run) {
      run = { table: c.table, key: c.key, deletes: [], inserts: [], seen: new Set(), replace: false };
      open.set(c.table, run);
    }
    for (const k of keys) {
      run.seen.add(identity(k));
      run.deletes.push(k);
    }
    if (c.after) run.inserts.push(c.after);
    if (c.ordered === 'catch-up') run.replace = true;
  }
  out.push(...open.values());
  return out.map(({ table, key, deletes, inserts, replace }) => ({ table, key, deletes, inserts, replace }));
}

/** The keys a change touches: the before-image's and, when it differs, the after-image's. */
function keysOf(c: RowChange): CellValue[][] {
  const old = c.before ? keyValues(c, c.before) : undefined;
  const now = c.after ? keyValues(c, c.after) : undefined;
  if (!old && !now) throw new MalformedChange(c, 'no row image');
  if (old && now && identity(old) !== identity(now)) return [old, now];
  return [(old ?? now)!];
}

function keyValues(c: RowChange, img: Row): CellValue[] {
  if (c.key.length === 0) throw new MalformedChange(c, 'the table has no key');
  return c.key.map((k) => {
    const v = img[k];
    if (v === undefined) throw new MalformedChange(c, `key column ${k} is missing from the image`);
    return v;
  });
}

function identity(values: readonly CellValue[]): string {
  return JSON.stringify(values);
}
