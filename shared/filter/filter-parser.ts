/**
 * Parses a filter (`objects[].tables[].where`) into the AST, against the source table's columns. Anything outside
 * this grammar is rejected, so statements, comments, subqueries, variables and unlisted functions never get through:
 *
 *   expr      := xor (OR|'||' xor)*            xor := and (XOR and)*        and := not (AND|'&&' not)*
 *   not       := NOT not | bool
 *   bool      := pred (IS [NOT] NULL|TRUE|FALSE | cmpop pred)*          cmpop := = <> != < <= > >= <=>
 *   pred      := sum [[NOT] IN '(' expr, ... ')' | [NOT] BETWEEN sum AND sum | [NOT] LIKE unary [ESCAPE 'c']]
 *   sum       := term (+|- term)*               term := unary (*|/|%|DIV|MOD unary)*
 *   unary     := - unary | + unary | ! unary | primary
 *   primary   := number | 'string' | "string" | X'hex' | 0xhex | NULL | TRUE | FALSE | DATE 'd' | TIMESTAMP 't'
 *              | column | `column` | function '(' args ')' | '(' expr ')'
 */
import { FilterError } from '../errors.ts';
import type { ArithOp, CompareOp, FilterNode, FunctionName, LogicalOp, WhereFilter } from './filter-ast.ts';
import { lex, rejected, Rejection, syntaxError, type Token } from './filter-lexer.ts';
import { validTemporal } from './filter-temporal.ts';

export const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 100;

const FUNCTION_ARITY: Readonly<Record<FunctionName, readonly [min: number, max: number]>> = {
  LOWER: [1, 1],
  UPPER: [1, 1],
  LENGTH: [1, 1],
  CHAR_LENGTH: [1, 1],
  CONCAT: [1, Infinity],
  COALESCE: [1, Infinity],
  IFNULL: [2, 2],
  ABS: [1, 1],
  SUBSTRING: [2, 3],
  ROUND: [1, 2],
  FLOOR: [1, 1],
  CEIL: [1, 1],
};
const SUPPORTED_FUNCTIONS = [...Object.keys(FUNCTION_ARITY), 'TRIM'].sort().join(', ');

function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTION_ARITY, name);
}

/** Functions whose value depends on when or where they run: the full load and the binlog replay would disagree. */
const NOT_DETERMINISTIC = new Set([
  'NOW',
  'CURDATE',
  'CURTIME',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'LOCALTIME',
  'LOCALTIMESTAMP',
  'SYSDATE',
  'UTC_DATE',
  'UTC_TIME',
  'UTC_TIMESTAMP',
  'RAND',
  'UUID',
  'UUID_SHORT',
  'CONNECTION_ID',
  'LAST_INSERT_ID',
  'USER',
  'CURRENT_USER',
  'SESSION_USER',
  'SYSTEM_USER',
  'DATABASE',
  'SCHEMA',
]);

/** Those that MySQL also accepts without parentheses (a bare `user` or `schema` is a column name). */
const NOT_DETERMINISTIC_WITHOUT_PARENS = new Set([
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'CURRENT_USER',
  'LOCALTIME',
  'LOCALTIMESTAMP',
  'UTC_DATE',
  'UTC_TIME',
  'UTC_TIMESTAMP',
]);

/** Words that cannot be a bare column name here (MySQL reserves them too); backquote a column so named. */
const RESERVED = new Set([
  'AND', 'OR', 'XOR', 'NOT', 'IS', 'NULL', 'TRUE', 'FALSE', 'IN', 'BETWEEN', 'LIKE', 'ESCAPE', 'DIV', 'MOD',
  'SELECT', 'FROM', 'WHERE', 'UNION', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'CREATE', 'ALTER', 'TABLE', 'INTO',
  'VALUES', 'SET', 'EXISTS', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'INTERVAL', 'BINARY', 'COLLATE', 'REGEXP',
  'RLIKE', 'SOUNDS', 'FOR', 'BOTH', 'LEADING', 'TRAILING', 'LIMIT', 'ORDER', 'GROUP', 'HAVING', 'JOIN', 'ON',
  'USING', 'AS', 'DISTINCT', 'ALL', 'ANY', 'SOME', 'ROW', 'MEMBER', 'CALL', 'DO', 'HANDLER', 'LOAD', 'OUTFILE',
]);

/** Operators MySQL has that filters deliberately do not support, named in the rejection. */
const UNSUPPORTED_OPERATORS = new Set(['REGEXP', 'RLIKE', 'SOUNDS', 'COLLATE', 'MEMBER']);

const COLUMN_FIX = 'correct the column name in objects[].tables[].where';

class Parser {
  private i = 0;
  private depth = 0;
  readonly used = new Set<string>();

  constructor(
    private readonly src: string,
    private readonly tokens: readonly Token[],
    private readonly columnsByLowerName: ReadonlyMap<string, string>,
    private readonly table: string,
  ) {}

  parse(): FilterNode {
    const node = this.expr();
    const t = this.peek();
    if (t.kind !== 'end') throw this.unexpected(t, 'an operator, AND, OR or the end of the filter');
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }

  private advance(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.i++;
    return t;
  }

  private isWord(t: Token, ...words: string[]): boolean {
    return t.kind === 'word' && words.includes(t.value.toUpperCase());
  }

  private isOp(t: Token, ...ops: string[]): boolean {
    return t.kind === 'op' && ops.includes(t.value);
  }

  private expectOp(op: string, what = `"${op}"`): Token {
    const t = this.peek();
    if (!this.isOp(t, op)) throw this.unexpected(t, what);
    return this.advance();
  }

  private unexpected(t: Token, expected: string): Rejection {
    if (t.kind === 'word' && UNSUPPORTED_OPERATORS.has(t.value.toUpperCase())) {
      return rejected(t.pos, `${t.value.toUpperCase()} is not supported in filters`);
    }
    return syntaxError(this.src, t.pos, t.end, expected);
  }

  /** Bounds recursion, so a pathological filter is rejected instead of overflowing the stack. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw rejected(this.peek().pos, `the filter nests more than ${MAX_DEPTH} levels deep`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private expr(): FilterNode {
    return this.nested(() => this.or());
  }

  private or(): FilterNode {
    return this.logical('OR', () => this.xor(), '||');
  }

  private xor(): FilterNode {
    return this.logical('XOR', () => this.and());
  }

  private and(): FilterNode {
    return this.logical('AND', () => this.not(), '&&');
  }

  /** A left-associative chain of `op`, written as the word or as one of `symbols`. */
  private logical(op: LogicalOp, operand: () => FilterNode, ...symbols: string[]): FilterNode {
    let left = operand();
    while (this.isWord(this.peek(), op) || this.isOp(this.peek(), ...symbols)) {
      this.advance();
      left = { kind: 'logical', op, left, right: operand() };
    }
    return left;
  }

  private not(): FilterNode {
    if (this.isWord(this.peek(), 'NOT')) {
      this.advance();
      return { kind: 'not', operand: this.nested(() => this.not()) };
    }
    return this.booleanPrimary();
  }

  /** `x IS [NOT] NULL|TRUE|FALSE` and comparisons, left-associative at one level as in MySQL. */
  private booleanPrimary(): FilterNode {
    let left = this.predicate();
    for (;;) {
      const t = this.peek();
      if (this.isWord(t, 'IS')) {
        this.advance();
        const negated = this.isWord(this.peek(), 'NOT');
        if (negated) this.advance();
        const test = this.peek();
        if (!this.isWord(test, 'NULL', 'TRUE', 'FALSE')) throw this.unexpected(test, 'NULL, TRUE or FALSE after IS');
        this.advance();
        left = { kind: 'is', operand: left, test: test.value.toUpperCase() as 'NULL' | 'TRUE' | 'FALSE', negated };
      } else if (this.isOp(t, '=', '<>', '!=', '<', '<=', '>', '>=', '<=>')) {
        this.advance();
        const op = (t.value === '!=' ? '<>' : t.value) as CompareOp;
        left = { kind: 'compare', op, left, right: this.predicate() };
      } else {
        return left;
      }
    }
  }

  private predicate(): FilterNode {
    const operand = this.bitExpr();
    let negated = false;
    if (this.isWord(this.peek(), 'NOT')) {
      const after = this.peek(1);
      if (!this.isWord(after, 'IN', 'BETWEEN', 'LIKE')) throw this.unexpected(after, 'IN, BETWEEN or LIKE after NOT');
      this.advance();
      negated = true;
    }
    const t = this.peek();
    if (this.isWord(t, 'IN')) {
      this.advance();
      this.expectOp('(', '"(" after IN');
      if (this.isWord(this.peek(), 'SELECT')) throw rejected(this.peek().pos, 'subqueries are not allowed');
      const list = [this.expr()];
      while (this.isOp(this.peek(), ',')) {
        this.advance();
        list.push(this.expr());
      }
      this.expectOp(')', '"," or ")" in the IN list');
      return { kind: 'in', operand, list, negated };
    }
    if (this.isWord(t, 'BETWEEN')) {
      this.advance();
      const low = this.bitExpr();
      const and = this.peek();
      if (!this.isWord(and, 'AND') && !this.isOp(and, '&&')) throw this.unexpected(and, 'AND in BETWEEN ... AND ...');
      this.advance();
      return { kind: 'between', operand, low, high: this.bitExpr(), negated };
    }
    if (this.isWord(t, 'LIKE')) {
      this.advance();
      const pattern = this.unary();
      let escape: string | null = null;
      if (this.isWord(this.peek(), 'ESCAPE')) {
        this.advance();
        const e = this.advance();
        if (e.kind !== 'string' || [...e.value].length !== 1) {
          throw this.unexpected(e, "a one-character string after ESCAPE, e.g. ESCAPE '!'");
        }
        escape = e.value;
      }
      return { kind: 'like', operand, pattern, escape, negated };
    }
    return operand;
  }

  private bitExpr(): FilterNode {
    let left = this.term();
    while (this.isOp(this.peek(), '+', '-')) {
      const op = this.advance().value as '+' | '-';
      left = { kind: 'arith', op, left, right: this.term() };
    }
    return left;
  }

  private term(): FilterNode {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      let op: ArithOp;
      if (this.isOp(t, '*', '/', '%')) op = t.value as ArithOp;
      else if (this.isWord(t, 'DIV')) op = 'DIV';
      else if (this.isWord(t, 'MOD')) op = '%';
      else return left;
      this.advance();
      left = { kind: 'arith', op, left, right: this.unary() };
    }
  }

  /** Unary minus and `!` bind tighter than any binary operator (`!a = b` is `(NOT a) = b`, as in MySQL). */
  private unary(): FilterNode {
    const t = this.peek();
    if (this.isOp(t, '-')) {
      this.advance();
      return { kind: 'negate', operand: this.nested(() => this.unary()) };
    }
    if (this.isOp(t, '+')) {
      this.advance();
      return this.nested(() => this.unary());
    }
    if (this.isOp(t, '!')) {
      this.advance();
      return { kind: 'not', operand: this.nested(() => this.unary()) };
    }
    return this.primary();
  }

  private primary(): FilterNode {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.advance();
        return { kind: 'number', text: t.value, approximate: /[eE]/.test(t.value) };
      case 'string':
        this.advance();
        return { kind: 'string', value: t.value };
      case 'hex':
        this.advance();
        return { kind: 'hex', hex: t.value, form: this.src[t.pos] === '0' ? '0x' : "X''" };
      case 'quoted':
        this.advance();
        return this.column(t);
      case 'word':
        return this.word();
      case 'op':
        if (t.value === '(') {
          this.advance();
          if (this.isWord(this.peek(), 'SELECT')) throw rejected(this.peek().pos, 'subqueries are not allowed');
          const inner = this.expr();
          if (this.isOp(this.peek(), ',')) throw rejected(this.peek().pos, 'row constructors (a, b) are not supported');
          this.expectOp(')', '")"');
          return inner;
        }
        throw this.unexpected(t, 'an expression');
      case 'end':
        throw this.unexpected(t, 'an expression');
    }
  }

  private word(): FilterNode {
    const t = this.advance();
    const upper = t.value.toUpperCase();
    const next = this.peek();
    if (upper === 'NULL') return { kind: 'null' };
    if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'bool', value: upper === 'TRUE' };
    if ((upper === 'DATE' || upper === 'TIMESTAMP') && next.kind === 'string') {
      this.advance();
      if (!validTemporal(upper, next.value)) {
        const form = upper === 'DATE' ? "DATE 'YYYY-MM-DD'" : "TIMESTAMP 'YYYY-MM-DD hh:mm:ss[.ffffff]'";
        throw rejected(next.pos, `${upper} '${JSON.stringify(next.value).slice(1, -1)}' is not a valid ${upper.toLowerCase()}; write ${form}`);
      }
      return { kind: 'temporal', type: upper, value: next.value };
    }
    if (next.kind === 'string' && next.pos === t.end) {
      throw rejected(t.pos, `prefixed strings such as N'...', b'...' or _utf8mb4'...' are not supported`);
    }
    if (this.isOp(next, '(')) return this.call(t, upper);
    if (NOT_DETERMINISTIC_WITHOUT_PARENS.has(upper)) throw notDeterministic(t.pos, upper);
    if (upper === 'SELECT') throw rejected(t.pos, 'subqueries are not allowed');
    if (RESERVED.has(upper)) {
      if (UNSUPPORTED_OPERATORS.has(upper) || ['CASE', 'INTERVAL', 'BINARY', 'EXISTS'].includes(upper)) {
        throw rejected(t.pos, `${upper} is not supported in filters`);
      }
      throw syntaxError(this.src, t.pos, t.end, `an expression (${upper} is a reserved word; backquote a column so named)`);
    }
    return this.column(t);
  }

  private column(t: Token): FilterNode {
    if (this.isOp(this.peek(), '.')) {
      throw rejected(t.pos, `qualified names (${t.value}.…) are not supported; write the column name alone`);
    }
    const real = this.columnsByLowerName.get(t.value.toLowerCase());
    if (real === undefined) throw unknownColumn(t.value, this.table, [...this.columnsByLowerName.values()]);
    this.used.add(real);
    return { kind: 'column', name: real };
  }

  private call(nameToken: Token, upper: string): FilterNode {
    if (NOT_DETERMINISTIC.has(upper)) throw notDeterministic(nameToken.pos, `${upper}()`);
    if (upper === 'EXISTS') throw rejected(nameToken.pos, 'subqueries are not allowed');
    if (upper !== 'TRIM' && !isFunctionName(upper)) {
      throw rejected(
        nameToken.pos,
        `function ${upper}() is not supported in filters (supported: ${SUPPORTED_FUNCTIONS})`,
        `use only ${SUPPORTED_FUNCTIONS} in objects[].tables[].where`,
      );
    }
    this.expectOp('(');
    if (upper === 'TRIM') return this.trim();
    const args: FilterNode[] = [];
    if (!this.isOp(this.peek(), ')')) {
      args.push(this.expr());
      if (upper === 'SUBSTRING' && this.isWord(this.peek(), 'FROM')) {
        this.advance();
        args.push(this.expr());
        if (this.isWord(this.peek(), 'FOR')) {
          this.advance();
          args.push(this.expr());
        }
      } else {
        while (this.isOp(this.peek(), ',')) {
          this.advance();
          args.push(this.expr());
        }
      }
    }
    this.expectOp(')', '"," or ")" in the argument list');
    const [min, max] = FUNCTION_ARITY[upper as FunctionName];
    if (args.length < min || args.length > max) {
      const wanted = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw rejected(nameToken.pos, `${upper}() takes ${wanted} argument${wanted === '1' ? '' : 's'}, not ${args.length}`);
    }
    return { kind: 'call', name: upper as FunctionName, args };
  }

  /** TRIM([[BOTH|LEADING|TRAILING] [remove] FROM] operand) */
  private trim(): FilterNode {
    let side: 'BOTH' | 'LEADING' | 'TRAILING' | null = null;
    if (this.isWord(this.peek(), 'BOTH', 'LEADING', 'TRAILING')) {
      side = this.advance().value.toUpperCase() as 'BOTH' | 'LEADING' | 'TRAILING';
    }
    let remove: FilterNode | null = null;
    let operand: FilterNode;
    if (side !== null && this.isWord(this.peek(), 'FROM')) {
      this.advance();
      operand = this.expr();
    } else {
      const first = this.expr();
      if (this.isWord(this.peek(), 'FROM')) {
        this.advance();
        remove = first;
        operand = this.expr();
      } else if (side !== null) {
        throw this.unexpected(this.peek(), `FROM in TRIM(${side} ... FROM ...)`);
      } else {
        operand = first;
      }
    }
    this.expectOp(')', '")" closing TRIM(');
    return { kind: 'trim', side: side ?? 'BOTH', remove, operand };
  }
}

function notDeterministic(pos: number, name: string): Rejection {
  return rejected(
    pos,
    `${name} is not deterministic, so the full load and the binlog replay would disagree about which rows pass`,
    "compare with a constant instead, e.g. created_at >= '2024-01-01 00:00:00'",
  );
}

function unknownColumn(name: string, table: string, columns: readonly string[]): Rejection {
  const shown = columns.slice(0, 30).join(', ') + (columns.length > 30 ? `, … (${columns.length - 30} more)` : '');
  const guess = closest(name, columns);
  const hint = guess === undefined ? '' : `did you mean "${guess}"? `;
  return new Rejection(
    `names column ${JSON.stringify(name)}, which ${table} does not have (${hint}columns: ${shown || 'none'})`,
    COLUMN_FIX,
  );
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(name.length / 3));
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d <= bestDistance) {
      best = c;
      bestDistance = d - 1;
    }
  }
  return best;
}

/** Damerau (optimal string alignment) distance, so a swapped pair of letters counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** Parses `text`; `columns` are the source table's column names (case-insensitive match, as MySQL); `table` is "db.table" for messages. Throws FilterError. */
export function parseWhereFilter(text: string, table: string, columns: readonly string[]): WhereFilter {
  const quoted = JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
  const fail = (tail: string, fix: string): FilterError => new FilterError(`table ${table}: filter ${quoted} ${tail}`, fix);
  if (text.length > MAX_FILTER_LENGTH) {
    throw fail(
      `is ${text.length} characters long; the limit is ${MAX_FILTER_LENGTH}`,
      'shorten objects[].tables[].where (an IN list of many values is usually better served by a column condition)',
    );
  }
  if (text.trim() === '') {
    throw fail('is empty', 'write a condition in objects[].tables[].where, or remove the key to copy every row');
  }
  const byLowerName = new Map<string, string>();
  for (const c of columns) if (!byLowerName.has(c.toLowerCase())) byLowerName.set(c.toLowerCase(), c);
  try {
    const parser = new Parser(text, lex(text), byLowerName, table);
    const ast = parser.parse();
    return Object.freeze({ text, ast, columns: parser.used });
  } catch (e) {
    if (e instanceof Rejection) throw fail(e.tail, e.fix);
    throw e;
  }
}
