/** Renders the filter AST as SQL for the source table. */
import { quoteIdent } from '../mysql/identifier.ts';
import type { FilterNode, WhereFilter } from './filter-ast.ts';

const PRECEDENCE = { or: 1, xor: 2, and: 3, not: 4, predicate: 5, additive: 6, multiplicative: 7, negate: 8, primary: 9 };

function precedence(n: FilterNode): number {
  switch (n.kind) {
    case 'logical':
      return n.op === 'OR' ? PRECEDENCE.or : n.op === 'XOR' ? PRECEDENCE.xor : PRECEDENCE.and;
    case 'not':
      return PRECEDENCE.not;
    case 'compare':
    case 'is':
    case 'in':
    case 'between':
    case 'like':
      return PRECEDENCE.predicate;
    case 'arith':
      return n.op === '+' || n.op === '-' ? PRECEDENCE.additive : PRECEDENCE.multiplicative;
    case 'negate':
      return PRECEDENCE.negate;
    default:
      return PRECEDENCE.primary;
  }
}

/**
 * A string literal that stays one literal whatever the sql_mode: the quote is doubled rather than
 * backslash-escaped, so even under NO_BACKSLASH_ESCAPES nothing can end the literal early.
 */
export function quoteSqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function render(n: FilterNode, min: number): string {
  const sql = renderNode(n);
  return precedence(n) < min ? `(${sql})` : sql;
}

/**
 * Operands of predicates are parenthesised unless they are arithmetic or tighter, and NOT's operand unless it is
 * primary, so the text means the same under HIGH_NOT_PRECEDENCE; `||`, `&&`, `!` and "..." strings are rendered as
 * OR, AND, NOT and '...' so PIPES_AS_CONCAT and ANSI_QUOTES cannot change the meaning either.
 */
function renderNode(n: FilterNode): string {
  const p = PRECEDENCE;
  switch (n.kind) {
    case 'null':
      return 'NULL';
    case 'bool':
      return n.value ? 'TRUE' : 'FALSE';
    case 'number':
      return n.text;
    case 'string':
      return quoteSqlString(n.value);
    case 'hex':
      return n.form === '0x' ? `0x${n.hex}` : `X'${n.hex}'`;
    case 'temporal':
      return `${n.type} ${quoteSqlString(n.value)}`;
    case 'column':
      return quoteIdent(n.name);
    case 'negate':
      // The operand is primary or parenthesised, so "-" is never followed by "-" (a comment opener).
      return `-${render(n.operand, p.primary)}`;
    case 'not':
      return `NOT ${render(n.operand, p.primary)}`;
    case 'logical':
    case 'arith': {
      const own = precedence(n);
      return `${render(n.left, own)} ${n.op} ${render(n.right, own + 1)}`;
    }
    case 'compare':
      return `${render(n.left, p.additive)} ${n.op} ${render(n.right, p.additive)}`;
    case 'is':
      return `${render(n.operand, p.additive)} IS ${n.negated ? 'NOT ' : ''}${n.test}`;
    case 'in':
      return `${render(n.operand, p.additive)} ${n.negated ? 'NOT ' : ''}IN (${n.list.map((x) => render(x, p.or)).join(', ')})`;
    case 'between':
      return `${render(n.operand, p.additive)} ${n.negated ? 'NOT ' : ''}BETWEEN ${render(n.low, p.additive)} AND ${render(n.high, p.additive)}`;
    case 'like': {
      const escape = n.escape === null ? '' : ` ESCAPE ${quoteSqlString(n.escape)}`;
      return `${render(n.operand, p.additive)} ${n.negated ? 'NOT ' : ''}LIKE ${render(n.pattern, p.primary)}${escape}`;
    }
    case 'call':
      return `${n.name}(${n.args.map((x) => render(x, p.or)).join(', ')})`;
    case 'trim': {
      const operand = render(n.operand, p.or);
      if (n.remove === null && n.side === 'BOTH') return `TRIM(${operand})`;
      const remove = n.remove === null ? '' : `${render(n.remove, p.or)} `;
      return `TRIM(${n.side} ${remove}FROM ${operand})`;
    }
  }
}

/**
 * Renders the filter as SQL for the source table (identifiers backquoted with the table's real column-name spelling;
 * strings as '...' with backslash and quote escaping; numbers as written). Callers that combine it with other
 * conditions must parenthesise it.
 */
export function renderWhereSql(filter: WhereFilter): string {
  return render(filter.ast, PRECEDENCE.or);
}
