/** Evaluates the filter AST against a row with SQL three-valued logic, as the binlog path needs. */
import { Buffer } from 'node:buffer';
import { FilterError } from '../errors.ts';
import type { CompareOp, FilterNode, FunctionName, WhereFilter } from './filter-ast.ts';
import { decFloor, decRound, parseDec } from './filter-decimal.ts';
import { like } from './filter-like.ts';
import { canonicalTemporal, parseTemporal, temporalNumber } from './filter-temporal.ts';
import {
  arithmetic,
  boolVal,
  compare,
  dbl,
  dec,
  declaredScale,
  decVal,
  FALSE_VAL,
  fromRow,
  str,
  toBytes,
  toNumeric,
  toText,
  TRUE_VAL,
  truth,
  type NonNullVal,
  type Val,
} from './filter-values.ts';

type Row = Readonly<Record<string, unknown>>;
type NodeOf<K extends FilterNode['kind']> = Extract<FilterNode, { kind: K }>;

function and3(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

function not3(a: boolean | null): boolean | null {
  return a === null ? null : !a;
}

function roundHalfEven(x: number, places: number): number {
  const f = 10 ** places;
  const y = x * f;
  const r = Math.abs(y % 1) === 0.5 ? 2 * Math.round(y / 2) : Math.round(y);
  return r / f;
}

function toInteger(v: NonNullVal): number {
  const n = toNumeric(v);
  return n.t === 'dec' ? Number(decRound(n.v, 0).m) : Math.round(n.v);
}

function substring(v: NonNullVal, pos: number, len: number | null): Val {
  const binary = v.t === 'bin';
  const units: string[] | Buffer = binary ? v.v : Array.from(toText(v));
  const start = pos > 0 ? pos - 1 : pos < 0 ? units.length + pos : -1;
  if (start < 0 || start >= units.length || (len !== null && len < 1)) return binary ? { t: 'bin', v: Buffer.alloc(0), numeric: false } : str('');
  const end = len === null ? units.length : Math.min(units.length, start + len);
  return Buffer.isBuffer(units) ? { t: 'bin', v: units.subarray(start, end), numeric: false } : str(units.slice(start, end).join(''));
}

function trimValue(side: 'BOTH' | 'LEADING' | 'TRAILING', remove: string, s: string): string {
  if (remove === '') return s;
  let start = 0;
  let end = s.length;
  if (side !== 'TRAILING') while (s.startsWith(remove, start) && start + remove.length <= end) start += remove.length;
  if (side !== 'LEADING') while (end - remove.length >= start && s.endsWith(remove, end)) end -= remove.length;
  return s.slice(start, end);
}

function callFunction(name: FunctionName, args: readonly FilterNode[], row: Row): Val {
  if (name === 'COALESCE' || name === 'IFNULL') {
    for (const a of args) {
      const v = evalNode(a, row);
      if (v !== null) return v;
    }
    return null;
  }
  const values = args.map((a) => evalNode(a, row));
  if (values.some((v) => v === null)) return null;
  const vs = values as NonNullVal[];
  const first = vs[0] as NonNullVal;
  switch (name) {
    case 'LOWER':
    case 'UPPER':
      if (first.t === 'bin') return first;
      return str(name === 'LOWER' ? toText(first).toLowerCase() : toText(first).toUpperCase());
    case 'LENGTH':
      return dec(BigInt(first.t === 'bin' ? first.v.length : Buffer.byteLength(toText(first), 'utf8')));
    case 'CHAR_LENGTH':
      return dec(BigInt(first.t === 'bin' ? first.v.length : Array.from(toText(first)).length));
    case 'CONCAT':
      if (vs.some((v) => v.t === 'bin')) return { t: 'bin', v: Buffer.concat(vs.map(toBytes)), numeric: false };
      return str(vs.map(toText).join(''));
    case 'ABS': {
      const n = toNumeric(first);
      return n.t === 'dec' ? decVal({ m: n.v.m < 0n ? -n.v.m : n.v.m, s: n.v.s }, declaredScale(n)) : dbl(Math.abs(n.v));
    }
    case 'FLOOR':
    case 'CEIL': {
      const n = toNumeric(first);
      if (n.t === 'dec') return { t: 'dec', v: decFloor(n.v, name === 'CEIL') };
      return dbl(name === 'CEIL' ? Math.ceil(n.v) : Math.floor(n.v));
    }
    case 'ROUND': {
      const n = toNumeric(first);
      const places = vs[1] === undefined ? 0 : Math.max(-64, Math.min(64, toInteger(vs[1])));
      // Exact values round half away from zero; doubles round half to even, as MySQL does on common C libraries.
      return n.t === 'dec' ? decVal(decRound(n.v, places), Math.max(0, places)) : dbl(roundHalfEven(n.v, places));
    }
    case 'SUBSTRING':
      return substring(first, toInteger(vs[1] as NonNullVal), vs[2] === undefined ? null : toInteger(vs[2]));
  }
  // Handled above; kept so a new FunctionName without an implementation fails loudly.
  throw new Error(`where-filter: no evaluator for ${name}`);
}

function comparisonHolds(op: Exclude<CompareOp, '<=>'>, c: number): boolean {
  switch (op) {
    case '=':
      return c === 0;
    case '<>':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

const literalCache = new WeakMap<FilterNode, Val>();

function literal(n: Extract<FilterNode, { kind: 'number' | 'string' | 'hex' | 'temporal' }>): Val {
  const cached = literalCache.get(n);
  if (cached !== undefined) return cached;
  let v: Val;
  switch (n.kind) {
    case 'number':
      v = n.approximate ? dbl(Number(n.text)) : { t: 'dec', v: parseDec(n.text) ?? { m: 0n, s: 0 } };
      break;
    case 'string':
      v = str(n.value);
      break;
    case 'hex':
      v = { t: 'bin', v: Buffer.from(n.hex, 'hex'), numeric: n.form === '0x' };
      break;
    case 'temporal': {
      const canonical = canonicalTemporal(n.value) ?? n.value;
      const p = parseTemporal(n.value.trim());
      const text = n.type === 'DATE' ? (p?.date ?? n.value) : `${canonical.slice(0, 19)}${p?.fraction ? `.${p.fraction}` : ''}`;
      v = { t: 'time', canonical, text, num: p ? temporalNumber(p) : { m: 0n, s: 0 } };
      break;
    }
  }
  literalCache.set(n, v);
  return v;
}

function columnValue(row: Row, name: string): Val {
  let value = Object.hasOwn(row, name) ? row[name] : undefined;
  if (value === undefined) {
    const lower = name.toLowerCase();
    const key = Object.keys(row).find((k) => k.toLowerCase() === lower);
    value = key === undefined ? undefined : row[key];
  }
  if (value === undefined) {
    throw new FilterError(
      `filter column ${JSON.stringify(name)} is missing from the row being filtered`,
      'the source must log full rows (binlog_row_image=FULL) for filtered tables',
    );
  }
  return fromRow(value, name);
}

function evalNode(n: FilterNode, row: Row): Val {
  switch (n.kind) {
    case 'null':
      return null;
    case 'bool':
      return n.value ? TRUE_VAL : FALSE_VAL;
    case 'number':
    case 'string':
    case 'hex':
    case 'temporal':
      return literal(n);
    case 'column':
      return columnValue(row, n.name);
    case 'negate': {
      const v = evalNode(n.operand, row);
      if (v === null) return null;
      const x = toNumeric(v);
      return x.t === 'dec' ? decVal({ m: -x.v.m, s: x.v.s }, declaredScale(x)) : dbl(-x.v);
    }
    case 'not':
      return boolVal(not3(truth(evalNode(n.operand, row))));
    case 'logical':
      return logical(n, row);
    case 'compare': {
      const l = evalNode(n.left, row);
      const r = evalNode(n.right, row);
      if (n.op === '<=>') return boolVal(l === null || r === null ? l === r : compare(l, r) === 0);
      const c = compare(l, r);
      return c === null ? null : boolVal(comparisonHolds(n.op, c));
    }
    case 'arith':
      return arithmetic(n.op, evalNode(n.left, row), evalNode(n.right, row));
    case 'is': {
      const v = evalNode(n.operand, row);
      const t = n.test === 'NULL' ? v === null : truth(v) === (n.test === 'TRUE');
      return boolVal(t !== n.negated);
    }
    case 'in':
      return inList(n, row);
    case 'between': {
      const v = evalNode(n.operand, row);
      const lo = compare(v, evalNode(n.low, row), true);
      const hi = compare(v, evalNode(n.high, row), true);
      const r = and3(lo === null ? null : lo >= 0, hi === null ? null : hi <= 0);
      return boolVal(n.negated ? not3(r) : r);
    }
    case 'like': {
      const r = like(evalNode(n.operand, row), evalNode(n.pattern, row), n.escape ?? '\\');
      return boolVal(n.negated ? not3(r) : r);
    }
    case 'call':
      return callFunction(n.name, n.args, row);
    case 'trim':
      return trim(n, row);
  }
}

/** AND and OR leave the right operand unevaluated when the left decides. */
function logical(n: NodeOf<'logical'>, row: Row): Val {
  const l = truth(evalNode(n.left, row));
  if (n.op === 'AND') return boolVal(l === false ? false : and3(l, truth(evalNode(n.right, row))));
  if (n.op === 'OR') {
    if (l === true) return TRUE_VAL;
    const r = truth(evalNode(n.right, row));
    return boolVal(r === true ? true : l === null || r === null ? null : false);
  }
  const r = truth(evalNode(n.right, row));
  return boolVal(l === null || r === null ? null : l !== r);
}

/** No match is unknown when some item compared as unknown. */
function inList(n: NodeOf<'in'>, row: Row): Val {
  const v = evalNode(n.operand, row);
  if (v === null) return null;
  let sawNull = false;
  let result: boolean | null = false;
  for (const item of n.list) {
    const c = compare(v, evalNode(item, row));
    if (c === 0) {
      result = true;
      break;
    }
    if (c === null) sawNull = true;
  }
  if (result === false && sawNull) result = null;
  return boolVal(n.negated ? not3(result) : result);
}

function trim(n: NodeOf<'trim'>, row: Row): Val {
  const v = evalNode(n.operand, row);
  const remove = n.remove === null ? str(' ') : evalNode(n.remove, row);
  if (v === null || remove === null) return null;
  if (v.t === 'bin' || remove.t === 'bin') {
    const trimmed = trimValue(n.side, toBytes(remove).toString('latin1'), toBytes(v).toString('latin1'));
    return { t: 'bin', v: Buffer.from(trimmed, 'latin1'), numeric: false };
  }
  return str(trimValue(n.side, toText(remove), toText(v)));
}

/**
 * Evaluates with SQL three-valued logic: returns true, false, or null (unknown). A row passes only when the result
 * is true. Throws FilterError when the row lacks a referenced column or holds a value of an unsupported type.
 */
export function evaluateWhere(filter: WhereFilter, row: Readonly<Record<string, unknown>>): boolean | null {
  return truth(evalNode(filter.ast, row));
}
