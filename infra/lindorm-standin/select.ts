/**
 * SELECT over one table, with Lindorm's read rules (quotas-and-limits, document_detail/441561.html): the WHERE
 * must constrain the first primary-key column unless the statement carries `/*+ _l_allow_filtering_ *\/` or
 * ends in ALLOW FILTERING (no WHERE at all is a full scan and refused the same way); ORDER BY needs LIMIT and
 * follows the key; LIMIT and OFFSET at most 10,000; IN at most 2,000 values. Also SELECT without FROM
 * (variables, DATABASE(), literals).
 */
import { wireValue, type ColumnType } from './column-types.ts';
import { errors } from './errors.ts';
import type { LindormLimits } from './limits.ts';
import { COUNT, TEXT, type ResultColumn, type StatementResult, type WireCell } from './result.ts';
import type { Literal, SelectItem, Statement } from './sql-ast.ts';
import type { Session } from './session.ts';
import type { LindormStore, Row, Table } from './table-store.ts';
import { variableValue } from './variables.ts';
import { compileCondition, constrainsColumn } from './where.ts';

type Select = Extract<Statement, { kind: 'select' }>;

interface Projection {
  readonly column: ResultColumn;
  readonly cell: (row: Row) => WireCell;
}

export class Selects {
  constructor(
    private readonly store: LindormStore,
    private readonly limits: LindormLimits,
  ) {}

  run(s: Select, session: Session, sql: string): StatementResult {
    if (!s.from) return constantRow(s.items, session, this.limits);
    const table = this.store.table(s.from.namespace ?? session.namespace, s.from.name);
    this.checkRules(s, table, sql);
    const matches = s.where ? compileCondition(table, s.where, session.timeZone, this.limits) : () => true;
    if (s.items.some((i) => i.kind === 'count')) return this.count(s, table, matches);
    const projections = s.items.flatMap((item, i) => this.projection(item, i, table, session));
    const rows: WireCell[][] = [];
    let skip = s.offset ?? 0;
    for (const row of this.ordered(s, table)) {
      if (s.limit !== undefined && rows.length >= s.limit) break;
      if (!matches(row)) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      rows.push(projections.map((p) => p.cell(row)));
    }
    return { kind: 'rows', columns: projections.map((p) => p.column), rows };
  }

  private checkRules(s: Select, table: Table, sql: string): void {
    const allowFiltering = s.allowFiltering || s.hints.some((h) => /\b_l_allow_filtering_\b/i.test(h));
    const firstKey = table.definition.primaryKey[0]!.column;
    if (!allowFiltering && !(s.where && constrainsColumn(s.where, firstKey))) throw errors.inefficientQuery(sql.trim());
    if (s.orderBy.length > 0 && s.limit === undefined) throw errors.orderByNeedsLimit();
    if (s.limit !== undefined && s.limit > this.limits.limit) throw errors.limitTooLarge('LIMIT', s.limit, this.limits.limit);
    if (s.offset !== undefined && s.offset > this.limits.offset) throw errors.limitTooLarge('OFFSET', s.offset, this.limits.offset);
    this.reversed(s, table);
  }

  /** Whether ORDER BY asks for the reverse of the key order; refuses any other order. */
  private reversed(s: Select, table: Table): boolean {
    if (s.orderBy.length === 0) return false;
    const key = table.definition.primaryKey;
    const flips = s.orderBy.map((o, i) => {
      if (key[i]?.column !== o.column) throw errors.orderByNotKey();
      return o.descending !== key[i]!.descending;
    });
    if (flips.some((f) => f !== flips[0])) throw errors.orderByNotKey();
    return flips[0]!;
  }

  private *ordered(s: Select, table: Table): Generator<Row> {
    const rows = [...table.scan()].map(([, row]) => row);
    if (this.reversed(s, table)) rows.reverse();
    yield* rows;
  }

  private count(s: Select, table: Table, matches: (row: Row) => boolean): StatementResult {
    if (s.items.length !== 1) throw errors.feature('COUNT(*) together with other columns (no GROUP BY)');
    let n = 0;
    for (const [, row] of table.scan()) if (matches(row)) n++;
    const item = s.items[0]!;
    return { kind: 'rows', columns: [{ name: aliasOf(item) ?? 'EXPR$0', type: COUNT }], rows: [[String(n)]] };
  }

  private projection(item: SelectItem, index: number, table: Table, session: Session): Projection[] {
    const def = table.definition;
    const columnOf = (name: string, alias?: string): Projection => {
      const column = table.column(name);
      if (!column) throw errors.unknownColumn(name, def.name);
      return {
        column: { name: alias ?? name, orgName: name, type: column.type, namespace: def.namespace, table: def.name },
        cell: (row) => wireValue(column.type, row.get(name) ?? null, session.timeZone),
      };
    };
    if (item.kind === 'star') return def.columns.map((c) => columnOf(c.name));
    if (item.kind === 'column') return [columnOf(item.name, item.alias)];
    const [column, cell] = constantCell(item, index, session, this.limits);
    return [{ column, cell: () => cell }];
  }
}

function constantRow(items: readonly SelectItem[], session: Session, limits: LindormLimits): StatementResult {
  const cells = items.map((item, i) => constantCell(item, i, session, limits));
  return { kind: 'rows', columns: cells.map(([c]) => c), rows: [cells.map(([, v]) => v)] };
}

function constantCell(item: SelectItem, index: number, session: Session, limits: LindormLimits): [ResultColumn, WireCell] {
  const name = aliasOf(item) ?? `EXPR$${index}`;
  switch (item.kind) {
    case 'variable': {
      const v = variableValue(item.name, session, limits);
      return [{ name, type: typeof v === 'number' ? COUNT : TEXT }, String(v)];
    }
    case 'function': {
      const v = item.name === 'DATABASE' ? session.namespace : item.name === 'CONNECTION_ID' ? String(session.connectionId) : item.name === 'USER' ? `${session.user}@${session.host}` : String(variableValue('version', session, limits));
      return [{ name, type: item.name === 'CONNECTION_ID' ? COUNT : TEXT }, v];
    }
    case 'literal': return literalCell(name, item.value);
    default: throw errors.feature(`${item.kind === 'count' ? 'COUNT(*)' : item.kind === 'star' ? '*' : 'A column'} without FROM`);
  }
}

function literalCell(name: string, l: Literal): [ResultColumn, WireCell] {
  const typed = (type: ColumnType, v: WireCell): [ResultColumn, WireCell] => [{ name, type }, v];
  switch (l.type) {
    case 'null': return typed(TEXT, null);
    case 'bool': return typed({ name: 'BOOLEAN' }, l.value ? '1' : '0');
    case 'number': return typed(/^-?[0-9]+$/.test(l.text) ? COUNT : { name: 'DOUBLE' }, /^-?[0-9]+$/.test(l.text) ? l.text : String(Number(l.text)));
    case 'string': return typed(TEXT, l.value);
    case 'hex': return typed({ name: 'VARBINARY' }, l.bytes);
  }
}

function aliasOf(item: SelectItem): string | undefined {
  return item.kind === 'star' ? undefined : item.alias;
}
