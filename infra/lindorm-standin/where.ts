/**
 * WHERE clauses over one table: whether a condition constrains a column (Lindorm's leftmost-prefix rule for
 * SELECT, quotas-and-limits "must constrain the first PK column … or the query is a full scan"), whether it names
 * the whole primary key with `=` (DELETE, help.aliyun.com/en/lindorm/developer-reference/the-delete), and a
 * row predicate.
 */
import { compareValues, toValue, type Value } from './column-types.ts';
import { errors } from './errors.ts';
import type { LindormLimits } from './limits.ts';
import type { Comparison, Condition, Literal } from './sql-ast.ts';
import type { Row, Table } from './table-store.ts';

export type RowPredicate = (row: Row) => boolean;

/** True when every row the condition admits has `column` restricted by =, <, >, <=, >=, BETWEEN or IN. */
export function constrainsColumn(c: Condition, column: string): boolean {
  switch (c.op) {
    case 'and': return c.args.some((a) => constrainsColumn(a, column));
    case 'or': return c.args.every((a) => constrainsColumn(a, column));
    case 'compare': return c.column === column && c.comparison !== '!=';
    case 'in': return c.column === column && !c.not;
    default: return false;
  }
}

/** The key values of a condition that is exactly `k1 = v1 AND … AND kn = vn` over the whole key, else undefined. */
export function fullKeyEquality(table: Table, c: Condition | undefined, timeZone: string): Map<string, Value> | undefined {
  if (!c) return undefined;
  const parts = c.op === 'and' ? c.args : [c];
  const key = new Map<string, Value>();
  for (const p of parts) {
    if (p.op !== 'compare' || p.comparison !== '=') return undefined;
    const column = table.column(p.column);
    if (!column) throw errors.unknownColumn(p.column, table.definition.name);
    if (!table.definition.primaryKey.some((k) => k.column === p.column) || key.has(p.column)) return undefined;
    const v = toValue(p.column, column.type, p.value, timeZone);
    if (v === null) return undefined;
    key.set(p.column, v);
  }
  return key.size === table.definition.primaryKey.length ? key : undefined;
}

/** The predicate of `c` over rows of `table`; literals are converted to the column types once, here. */
export function compileCondition(table: Table, c: Condition, timeZone: string, limits: LindormLimits): RowPredicate {
  const valueOf = (column: string, literal: Literal): Value => {
    const col = table.column(column);
    if (!col) throw errors.unknownColumn(column, table.definition.name);
    return literal.type === 'null' ? null : toValue(column, col.type, literal, timeZone);
  };
  const typeOf = (column: string) => {
    const col = table.column(column);
    if (!col) throw errors.unknownColumn(column, table.definition.name);
    return col.type;
  };
  switch (c.op) {
    case 'and': {
      const args = c.args.map((a) => compileCondition(table, a, timeZone, limits));
      return (row) => args.every((p) => p(row));
    }
    case 'or': {
      const args = c.args.map((a) => compileCondition(table, a, timeZone, limits));
      return (row) => args.some((p) => p(row));
    }
    case 'compare': {
      const type = typeOf(c.column);
      const want = valueOf(c.column, c.value);
      const test = COMPARE[c.comparison];
      return (row) => {
        const v = row.get(c.column) ?? null;
        return v !== null && want !== null && test(compareValues(v, want, type));
      };
    }
    case 'in': {
      if (c.values.length > limits.inValues) throw errors.tooManyInValues(c.values.length, limits.inValues);
      const type = typeOf(c.column);
      const wanted = c.values.map((l) => valueOf(c.column, l)).filter((v): v is Exclude<Value, null> => v !== null);
      return (row) => {
        const v = row.get(c.column) ?? null;
        if (v === null) return false;
        return wanted.some((w) => compareValues(v, w, type) === 0) !== c.not;
      };
    }
    case 'isNull': {
      typeOf(c.column);
      return (row) => ((row.get(c.column) ?? null) === null) !== c.not;
    }
    case 'like': {
      typeOf(c.column);
      const re = likePattern(c.pattern);
      return (row) => {
        const v = row.get(c.column) ?? null;
        return typeof v === 'string' && re.test(v) !== c.not;
      };
    }
  }
}

const COMPARE: Record<Comparison, (order: number) => boolean> = {
  '=': (o) => o === 0,
  '!=': (o) => o !== 0,
  '<': (o) => o < 0,
  '<=': (o) => o <= 0,
  '>': (o) => o > 0,
  '>=': (o) => o >= 0,
};

/** A LIKE pattern (`%`, `_`, backslash escaping the next character) as a regular expression. */
export function likePattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`, 'u');
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
