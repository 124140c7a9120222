/**
 * Reduces a batch's row changes to the final action per row: the row is either absent after the
 * batch (delete its key) or present with its last after-image (upsert it). This is what lets a sink
 * write a batch with one statement per table and operation instead of one per change, and it is
 * exact because row images are full (docs/architecture.md §3.5): the last image of a row is the whole row.
 *
 * Pure: no I/O. The input is the changes still to apply (above the watermark), in binlog order.
 */
import type { CellValue, Row, RowChange, TableRef } from '../../change/change-event.ts';
import { formatPosition } from '../../change/position.ts';

export interface TableActions {
  readonly table: TableRef;
  /** Key column names, as the changes name them. */
  readonly key: readonly string[];
  /** Key values (in `key` order) of rows absent after the batch, in the order of their last change. */
  readonly deletes: ReadonlyArray<readonly CellValue[]>;
  /** After-images of rows present after the batch, in the order of their last change. */
  readonly upserts: readonly Row[];
}

/** A change that cannot be applied as it is: no image for its operation, no key, or a key column missing from an image. */
export class MalformedChange extends Error {
  readonly change: RowChange;
  constructor(change: RowChange, message: string) {
    super(`change at ${formatPosition(change.pos)} on ${change.table.database}.${change.table.table}: ${message}`);
    this.name = 'MalformedChange';
    this.change = change;
  }
}

type Final = { readonly delete: readonly CellValue[] } | { readonly upsert: Row };

interface TableState {
  readonly table: TableRef;
  readonly key: readonly string[];
  /** Identity of the key → final action; re-set on every change so Map order is the order of last change. */
  readonly rows: Map<string, Final>;
}

export function reduceRowChanges(changes: readonly RowChange[]): TableActions[] {
  const tables = new Map<string, TableState>();
  let state: TableState | undefined;
  for (const c of changes) {
    // Runs of one table's changes (with one key array) skip the lookup.
    if (state === undefined || state.table !== c.table || state.key !== c.key) state = tableState(tables, c);
    switch (c.op) {
      case 'insert':
        put(state.rows, keyValues(c, image(c, 'after')), { upsert: image(c, 'after') });
        break;
      case 'delete': {
        const key = keyValues(c, image(c, 'before'));
        put(state.rows, key, { delete: key });
        break;
      }
      case 'update': {
        const oldKey = keyValues(c, image(c, 'before'));
        const newKey = keyValues(c, image(c, 'after'));
        if (identity(oldKey) !== identity(newKey)) put(state.rows, oldKey, { delete: oldKey });
        put(state.rows, newKey, { upsert: image(c, 'after') });
        break;
      }
      default:
        throw new MalformedChange(c, `unknown operation ${JSON.stringify((c as { op: unknown }).op)}`);
    }
  }
  return [...tables.values()].map(({ table, key, rows }) => {
    const deletes: (readonly CellValue[])[] = [];
    const upserts: Row[] = [];
    for (const f of rows.values()) {
      if ('delete' in f) deletes.push(f.delete);
      else upserts.push(f.upsert);
    }
    return { table, key, deletes, upserts };
  });
}

function tableState(tables: Map<string, TableState>, c: RowChange): TableState {
  if (c.key.length === 0) throw new MalformedChange(c, 'no key columns');
  const id = `${c.table.database}\0${c.table.table}`;
  let state = tables.get(id);
  if (!state) {
    state = { table: c.table, key: c.key, rows: new Map() };
    tables.set(id, state);
  } else if (state.key !== c.key && (state.key.length !== c.key.length || state.key.some((k, i) => k !== c.key[i]))) {
    // A key change is a DDL, and a DDL is a barrier: one batch never spans two key definitions.
    throw new MalformedChange(c, `key (${c.key.join(', ')}) differs from (${state.key.join(', ')}) earlier in the batch`);
  }
  return state;
}

function put(rows: Map<string, Final>, key: readonly CellValue[], f: Final): void {
  const id = identity(key);
  rows.delete(id); // so that re-setting moves the row to the end: order of last change
  rows.set(id, f);
}

function image(c: RowChange, which: 'before' | 'after'): Row {
  const row = c[which];
  if (!row) throw new MalformedChange(c, `${c.op} without its ${which}-image`);
  return row;
}

function keyValues(c: RowChange, row: Row): CellValue[] {
  const out = new Array<CellValue>(c.key.length);
  for (let i = 0; i < c.key.length; i++) {
    const v = row[c.key[i]!];
    if (v === undefined) throw new MalformedChange(c, `key column ${c.key[i]} missing from the row image`);
    out[i] = v;
  }
  return out;
}

/**
 * The identity of a key: the values' JSON. The encoding is canonical per column type (a column's
 * values always arrive in the same form), so equal keys have equal text.
 */
function identity(key: readonly CellValue[]): string {
  // The common single integer key skips JSON (same text as JSON.stringify gives it).
  const only = key.length === 1 ? key[0] : undefined;
  return typeof only === 'number' && Number.isInteger(only) ? `[${only}]` : JSON.stringify(key);
}
