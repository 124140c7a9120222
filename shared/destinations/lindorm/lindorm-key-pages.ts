/**
 * A Lindorm table's rows in key order, a page (`ORDER BY k1, …, kn LIMIT n`, n ≤ 10,000) at a time, within a
 * range of the first key column. After a full page ending at key (a1, …, an) the next pages continue as
 * prefix ranges, each a conjunction Lindorm scans as a key range: `k1 = a1 AND … AND k(n-1) = a(n-1) AND
 * kn > an`, and, once a page of it comes back short, one level up (`… k(n-1) > a(n-1)`), down to `k1 > a1`.
 * Every statement constrains the first key column, except a table read whole with nothing read yet, which
 * carries `/*+ _l_allow_filtering_ *\/`. A page is filled across levels: it ends full, or with its range.
 */
import { quoteName } from './lindorm-literals.ts';

export type LindormRecord = Record<string, unknown>;

export interface PagedTable {
  readonly name: string;
  /** The columns read, destination names. */
  readonly columns: readonly string[];
  /** Key column names in key order. */
  readonly key: readonly string[];
  /** Rows a page (1..10,000: Lindorm's LIMIT). */
  readonly limit: number;
}

/** The pages of one range (a condition over the first key column; undefined: the whole table). `keyLiterals`: a record's key values as Lindorm literals. */
export async function* keyPages(
  read: (sql: string) => Promise<LindormRecord[]>,
  table: PagedTable,
  range: string | undefined,
  keyLiterals: (record: LindormRecord) => readonly string[],
): AsyncGenerator<LindormRecord[]> {
  let after: readonly string[] | undefined;
  let level = 0;
  let page: LindormRecord[] = [];
  for (;;) {
    const want = table.limit - page.length;
    const rows = await read(pageSql(table, [range, after && continuation(table.key, after, level)], want));
    page.push(...rows);
    if (rows.length > 0) after = keyLiterals(rows.at(-1)!);
    if (rows.length >= want) {
      yield page;
      page = [];
      level = table.key.length - 1;
    } else if (after === undefined || level === 0) {
      if (page.length > 0) yield page;
      return;
    } else {
      // This level is exhausted; the rows read (if any) share its prefix with the key continued from.
      level--;
    }
  }
}

function pageSql(table: PagedTable, conditions: ReadonlyArray<string | undefined>, limit: number): string {
  const where = conditions.filter((c): c is string => c !== undefined);
  const hint = where.length === 0 ? '/*+ _l_allow_filtering_ */ ' : '';
  const columns = table.columns.map(quoteName).join(', ');
  const order = table.key.map(quoteName).join(', ');
  return `SELECT ${hint}${columns} FROM ${quoteName(table.name)}${where.length > 0 ? ` WHERE ${where.map((c) => `(${c})`).join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${limit}`;
}

/** Keys after `after` sharing its first `level` values: `k1 = a1 AND … AND k(level+1) > a(level+1)`. */
function continuation(key: readonly string[], after: readonly string[], level: number): string {
  const equal = key.slice(0, level).map((k, i) => `${quoteName(k)} = ${after[i]}`);
  return [...equal, `${quoteName(key[level]!)} > ${after[level]}`].join(' AND ');
}
