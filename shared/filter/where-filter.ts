/**
 * Per-table row filters (`objects[].tables[].where`): a MySQL WHERE condition on the source table.
 *
 * The text is parsed into an AST; SQL for the full load is always re-rendered from the AST (never copied from
 * the user's text), and the binlog path evaluates the same AST in JS. Anything outside this grammar is rejected,
 * so statements, comments, subqueries, variables and unlisted functions cannot reach the source:
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
import { Buffer } from 'node:buffer';
import { FilterError } from '../errors.ts';

export const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 100;

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | '<=>';
export type ArithOp = '+' | '-' | '*' | '/' | 'DIV' | '%';
export type LogicalOp = 'AND' | 'OR' | 'XOR';
export type FunctionName =
  | 'LOWER'
  | 'UPPER'
  | 'LENGTH'
  | 'CHAR_LENGTH'
  | 'CONCAT'
  | 'COALESCE'
  | 'IFNULL'
  | 'ABS'
  | 'SUBSTRING'
  | 'ROUND'
  | 'FLOOR'
  | 'CEIL';

/**
 * The filter AST. Operators are normalised (`!=` → `<>`, `MOD` → `%`, `&&`/`||`/`!` → AND/OR/NOT);
 * number literals keep their text so that integers of any size and decimals stay exact.
 */
export type FilterNode =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  /** `approximate` is true for exponent notation (a DOUBLE in MySQL); otherwise the value is an exact decimal. */
  | { readonly kind: 'number'; readonly text: string; readonly approximate: boolean }
  | { readonly kind: 'string'; readonly value: string }
  /**
   * Upper-case hex digits, even count. The form is kept because MariaDB reads X'0A' as a string even in a
   * numeric context (10 = X'0A' is false) while 0x0A is the number 10 there, as in MySQL.
   */
  | { readonly kind: 'hex'; readonly hex: string; readonly form: '0x' | "X''" }
  | { readonly kind: 'temporal'; readonly type: 'DATE' | 'TIMESTAMP'; readonly value: string }
  /** `name` is the column's real spelling in the source table. */
  | { readonly kind: 'column'; readonly name: string }
  | { readonly kind: 'negate'; readonly operand: FilterNode }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  | { readonly kind: 'logical'; readonly op: LogicalOp; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'arith'; readonly op: ArithOp; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'is'; readonly operand: FilterNode; readonly test: 'NULL' | 'TRUE' | 'FALSE'; readonly negated: boolean }
  | { readonly kind: 'in'; readonly operand: FilterNode; readonly list: readonly FilterNode[]; readonly negated: boolean }
  | {
      readonly kind: 'between';
      readonly operand: FilterNode;
      readonly low: FilterNode;
      readonly high: FilterNode;
      readonly negated: boolean;
    }
  /** `escape` is null when no ESCAPE clause was given (the escape character is then backslash). */
  | {
      readonly kind: 'like';
      readonly operand: FilterNode;
      readonly pattern: FilterNode;
      readonly escape: string | null;
      readonly negated: boolean;
    }
  | { readonly kind: 'call'; readonly name: FunctionName; readonly args: readonly FilterNode[] }
  | {
      readonly kind: 'trim';
      readonly side: 'BOTH' | 'LEADING' | 'TRAILING';
      readonly remove: FilterNode | null;
      readonly operand: FilterNode;
    };

export interface WhereFilter {
  readonly text: string;
  readonly ast: FilterNode;
  /** The columns the filter references, in the table's real spelling. */
  readonly columns: ReadonlySet<string>;
}

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

const SYNTAX_FIX =
  "correct objects[].tables[].where: it is a MySQL WHERE condition on the source table, e.g. status <> 'draft' AND amount >= 10.5";
const COLUMN_FIX = 'correct the column name in objects[].tables[].where';

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/** A parse failure; `tail` is the message after the quoted filter text. */
class Rejection extends Error {
  constructor(
    readonly tail: string,
    readonly fix: string,
  ) {
    super(tail);
  }
}

type TokenKind = 'number' | 'string' | 'hex' | 'word' | 'quoted' | 'op' | 'end';
interface Token {
  readonly kind: TokenKind;
  /** number: text as written; string: decoded value; hex: digits; word: as written; quoted: identifier; op: operator. */
  readonly value: string;
  readonly pos: number;
  readonly end: number;
}

const NUMBER_RE = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const HEX_0X_RE = /0x[0-9a-fA-F]+/y;
const HEX_QUOTED_RE = /[xX]'([0-9a-fA-F]*)'/y;
const WORD_RE = /[\p{L}\p{N}_$]+/uy;
const IDENT_CHAR_RE = /^[\p{L}\p{N}_$]/u;
const OPERATORS = ['<=>', '<=', '>=', '<>', '!=', '||', '&&', '=', '<', '>', '!', '+', '-', '*', '/', '%', '(', ')', ',', '.'];
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  "'": "'",
  '"': '"',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  '\\': '\\',
  // MySQL keeps the backslash for these so that LIKE patterns still see an escaped % or _.
  '%': '\\%',
  _: '\\_',
};

function syntaxError(src: string, pos: number, end: number, expected: string): Rejection {
  return new Rejection(`does not parse: expected ${expected} at position ${pos} (${found(src, pos, end)})`, SYNTAX_FIX);
}

function unterminated(pos: number, what: string, quote: string): Rejection {
  return new Rejection(`does not parse: the ${what} at position ${pos} has no closing ${quote}`, SYNTAX_FIX);
}

function rejected(pos: number, detail: string, fix: string = SYNTAX_FIX): Rejection {
  return new Rejection(`is rejected at position ${pos}: ${detail}`, fix);
}

function found(src: string, pos: number, end: number): string {
  if (pos >= src.length) return 'end of filter';
  const text = src.slice(pos, Math.max(end, pos + 1));
  return `found ${JSON.stringify(text.length > 30 ? `${text.slice(0, 30)}…` : text)}`;
}

function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const sticky = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = i;
    return re.exec(src);
  };
  const followedByIdentChar = (end: number): boolean => IDENT_CHAR_RE.test(src.slice(end, end + 2));

  while (i < src.length) {
    const c = src[i] as string;
    const next = src[i + 1];
    const start = i;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' || (c === '-' && next === '-') || (c === '/' && next === '*')) {
      throw rejected(start, `comments are not allowed (found ${JSON.stringify(c + (c === '#' ? '' : next))})`);
    }
    if (c === ';') throw rejected(start, '";" ends a statement; a filter is a single expression');
    if (c === '@') throw rejected(start, 'variables (@name, @@name) are not allowed');
    if (c === '?') throw rejected(start, 'placeholders (?) are not allowed');
    if (c === ':' && next === '=') throw rejected(start, 'assignment (:=) is not allowed');
    const twoChars = src.slice(i, i + 2);
    if (twoChars === '<<' || twoChars === '>>' || ('|&^~'.includes(c) && twoChars !== '||' && twoChars !== '&&')) {
      throw rejected(start, `bit operators (${twoChars === '<<' || twoChars === '>>' ? twoChars : c}) are not supported`);
    }

    if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        const ch = src[i];
        if (ch === undefined) throw unterminated(start, `string`, c);
        if (ch === c) {
          if (src[i + 1] === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (ch === '\\') {
          const esc = src[i + 1];
          if (esc === undefined) {
            throw unterminated(start, `string`, c);
          }
          value += STRING_ESCAPES[esc] ?? esc;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      tokens.push({ kind: 'string', value, pos: start, end: i });
      continue;
    }

    if (c === '`') {
      let name = '';
      i++;
      for (;;) {
        const ch = src[i];
        if (ch === undefined) throw unterminated(start, 'identifier', '`');
        if (ch === '`') {
          if (src[i + 1] === '`') {
            name += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += ch;
        i++;
      }
      if (name === '') throw syntaxError(src, start, i, 'a column name (`` is empty)');
      tokens.push({ kind: 'quoted', value: name, pos: start, end: i });
      continue;
    }

    if ((c === 'x' || c === 'X') && next === "'") {
      const m = sticky(HEX_QUOTED_RE);
      if (!m) throw syntaxError(src, start, start + 2, "hex digits and a closing ' in X'...'");
      const digits = m[1] as string;
      i += m[0].length;
      if (digits.length % 2 !== 0) throw rejected(start, `X'${digits}' needs an even number of hex digits`);
      tokens.push({ kind: 'hex', value: digits.toUpperCase(), pos: start, end: i });
      continue;
    }

    if (c >= '0' && c <= '9' || (c === '.' && next !== undefined && next >= '0' && next <= '9')) {
      const hex = c === '0' && next === 'x' ? sticky(HEX_0X_RE) : null;
      const m = hex ?? sticky(NUMBER_RE);
      if (!m) throw syntaxError(src, start, start + 1, 'a number');
      i += m[0].length;
      if (followedByIdentChar(i)) {
        throw syntaxError(src, i, i + 1, 'an operator after the number (backquote identifiers that start with a digit)');
      }
      if (hex) {
        const digits = m[0].slice(2).toUpperCase();
        tokens.push({ kind: 'hex', value: digits.length % 2 ? `0${digits}` : digits, pos: start, end: i });
      } else {
        tokens.push({ kind: 'number', value: m[0], pos: start, end: i });
      }
      continue;
    }

    const word = sticky(WORD_RE);
    if (word) {
      i += word[0].length;
      tokens.push({ kind: 'word', value: word[0], pos: start, end: i });
      continue;
    }

    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw syntaxError(src, start, start + 1, 'an expression or operator');
    i += op.length;
    tokens.push({ kind: 'op', value: op, pos: start, end: i });
  }
  tokens.push({ kind: 'end', value: '', pos: src.length, end: src.length });
  return tokens;
}

const TEMPORAL_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?)?$/;

interface TemporalParts {
  readonly date: string;
  readonly time: string | null;
  readonly fraction: string;
}

function parseTemporal(text: string): TemporalParts | null {
  const m = TEMPORAL_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, f] = m;
  const pad = (v: string | undefined): string => (v ?? '0').padStart(2, '0');
  return {
    date: `${y}-${pad(mo)}-${pad(d)}`,
    time: h === undefined ? null : `${pad(h)}:${pad(mi)}:${pad(s)}`,
    fraction: f ?? '',
  };
}

function temporalNumber(p: TemporalParts): Dec {
  const time = p.time === null ? '' : p.time.replace(/:/g, '') + (p.fraction ? `.${p.fraction}` : '');
  return parseDec(p.date.replace(/-/g, '') + time) ?? { m: 0n, s: 0 };
}

function validTemporal(type: 'DATE' | 'TIMESTAMP', text: string): boolean {
  const p = parseTemporal(text);
  if (!p || (type === 'DATE') !== (p.time === null)) return false;
  const [y, mo, d] = p.date.split('-').map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth) return false;
  if (p.time === null) return true;
  const [h, mi, s] = p.time.split(':').map(Number) as [number, number, number];
  return h <= 23 && mi <= 59 && s <= 59;
}

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
    let left = this.xor();
    while (this.isWord(this.peek(), 'OR') || this.isOp(this.peek(), '||')) {
      this.advance();
      left = { kind: 'logical', op: 'OR', left, right: this.xor() };
    }
    return left;
  }

  private xor(): FilterNode {
    let left = this.and();
    while (this.isWord(this.peek(), 'XOR')) {
      this.advance();
      left = { kind: 'logical', op: 'XOR', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.not();
    while (this.isWord(this.peek(), 'AND') || this.isOp(this.peek(), '&&')) {
      this.advance();
      left = { kind: 'logical', op: 'AND', left, right: this.not() };
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

// ---------------------------------------------------------------------------------------------------------------
// Rendering

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

export function quoteSqlIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
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
      return quoteSqlIdentifier(n.name);
    case 'negate':
      // The operand is primary or parenthesised, so "-" is never followed by "-" (a comment opener).
      return `-${render(n.operand, p.primary)}`;
    case 'not':
      return `NOT ${render(n.operand, p.primary)}`;
    case 'logical': {
      const own = precedence(n);
      return `${render(n.left, own)} ${n.op} ${render(n.right, own + 1)}`;
    }
    case 'compare':
      return `${render(n.left, p.additive)} ${n.op} ${render(n.right, p.additive)}`;
    case 'arith': {
      const own = precedence(n);
      return `${render(n.left, own)} ${n.op} ${render(n.right, own + 1)}`;
    }
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

// ---------------------------------------------------------------------------------------------------------------
// Evaluation
//
// MySQL semantics, with these deliberate approximations (the row carries values, not column types):
// - Strings compare as utf8mb4_general_ci (MariaDB's default) does: case- and accent-insensitive, trailing spaces
//   ignored. A _bin or _cs column, or MySQL 8's utf8mb4_0900_ai_ci (no padding, ß = ss), would compare differently
//   in corner cases. Buffers compare bytewise.
// - A string that is a plain decimal number ('123.4500', '-7', '18446744073709551615') compares with numbers exactly,
//   as the DECIMAL/BIGINT value it is; other strings convert as MySQL does (leading number, else 0) to a double.
// - Integers (bigint, safe-integer numbers, literals) and decimal literals are exact; exponent literals and other
//   JS numbers are doubles, and a comparison involving a double is done in doubles, as in MySQL.
// - Dates and datetimes arrive as strings. Two strings that both read as a date or datetime compare as datetimes
//   ('2024-01-02 00:00:00.000000' = '2024-01-02'), as MySQL compares a DATETIME column with a string constant,
//   and such a string is the number 20240102[030405[.ffffff]] in a numeric context, as a DATE/DATETIME column is;
//   a VARCHAR holding such text would compare as text (or as 2024) in MySQL. DATE '...' / TIMESTAMP '...' literals
//   always compare so.
// - BIGINT overflow in arithmetic is an error in MySQL (the full load fails); here it is computed exactly.

/** An exact decimal: m × 10^-s. */
interface Dec {
  readonly m: bigint;
  readonly s: number;
}

type Val =
  | null
  | { readonly t: 'str'; readonly v: string }
  /** `numeric`: a 0x literal, an unsigned integer in a numeric context; other binary strings convert like text. */
  | { readonly t: 'bin'; readonly v: Buffer; readonly numeric: boolean }
  /**
   * `scale` is the declared scale when it differs from the digits held: MySQL keeps a quotient to a multiple of
   * 9 digits (1/3 is 0.333333333, so 1/3*3 = 1) but shows it, and compares it with =, <, IN, at the dividend's
   * scale + 4 (1/3 = 0.3333), while arithmetic, BETWEEN, truth and functions see all the digits.
   */
  | { readonly t: 'dec'; readonly v: Dec; readonly scale?: number }
  | { readonly t: 'dbl'; readonly v: number }
  | { readonly t: 'time'; readonly canonical: string; readonly text: string; readonly num: Dec };
type NonNullVal = Exclude<Val, null>;
type NumVal = Extract<Val, { t: 'dec' } | { t: 'dbl' }>;

const TRUE_VAL: Val = { t: 'dec', v: { m: 1n, s: 0 } };
const FALSE_VAL: Val = { t: 'dec', v: { m: 0n, s: 0 } };
const boolVal = (b: boolean | null): Val => (b === null ? null : b ? TRUE_VAL : FALSE_VAL);
const dec = (m: bigint, s = 0): NumVal => ({ t: 'dec', v: { m, s } });
const decVal = (v: Dec, scale: number): NumVal => (v.s === scale ? { t: 'dec', v } : { t: 'dec', v, scale });
const declaredScale = (x: Extract<Val, { t: 'dec' }>): number => x.scale ?? x.v.s;

/** The value at its declared scale. */
function shown(x: Extract<Val, { t: 'dec' }>): Dec {
  if (x.scale === undefined || x.scale === x.v.s) return x.v;
  return x.scale < x.v.s ? decRound(x.v, x.scale) : { m: rescale(x.v, x.scale), s: x.scale };
}
const dbl = (v: number): Val => (Number.isFinite(v) ? { t: 'dbl', v } : null);
const str = (v: string): Val => ({ t: 'str', v });

const DEC_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/;
const NUMERIC_PREFIX_RE = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

function parseDec(text: string): Dec | null {
  const m = DEC_RE.exec(text);
  if (!m) return null;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return null;
  const magnitude = BigInt(int + frac);
  return { m: m[1] === '-' ? -magnitude : magnitude, s: frac.length };
}

function decToString(d: Dec): string {
  const negative = d.m < 0n;
  let digits = (negative ? -d.m : d.m).toString();
  if (d.s > 0) {
    digits = digits.padStart(d.s + 1, '0');
    digits = `${digits.slice(0, -d.s)}.${digits.slice(-d.s)}`;
  }
  return negative ? `-${digits}` : digits;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const rescale = (d: Dec, s: number): bigint => d.m * pow10(s - d.s);

function decCompare(a: Dec, b: Dec): number {
  const s = Math.max(a.s, b.s);
  const x = rescale(a, s);
  const y = rescale(b, s);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Integer division rounding half away from zero. */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice < (d < 0n ? -d : d)) return q;
  return (n < 0n) !== (d < 0n) ? q - 1n : q + 1n;
}

function decRound(d: Dec, places: number): Dec {
  if (places >= d.s) return d;
  const q = divRound(d.m, pow10(d.s - places));
  return places >= 0 ? { m: q, s: places } : { m: q * pow10(-places), s: 0 };
}

function decFloor(d: Dec, ceil: boolean): Dec {
  if (d.s === 0) return d;
  const f = pow10(d.s);
  let q = d.m / f;
  if (d.m % f !== 0n) {
    if (!ceil && d.m < 0n) q -= 1n;
    if (ceil && d.m > 0n) q += 1n;
  }
  return { m: q, s: 0 };
}

const decToNumber = (d: Dec): number => Number(decToString(d));

/** As MySQL prints a DOUBLE: shortest round-trip digits, fixed notation for exponents -15..14, else 1.5e15. */
function formatDouble(v: number): string {
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -15 || e > 14) return `${mantissa}e${e}`;
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/[-.]/g, '');
  let fixed: string;
  if (e < 0) fixed = `0.${'0'.repeat(-e - 1)}${digits}`;
  else if (digits.length <= e + 1) fixed = digits + '0'.repeat(e + 1 - digits.length);
  else fixed = `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
  return negative && fixed !== '0' ? `-${fixed}` : fixed;
}

function roundHalfEven(x: number, places: number): number {
  const f = 10 ** places;
  const y = x * f;
  const r = Math.abs(y % 1) === 0.5 ? 2 * Math.round(y / 2) : Math.round(y);
  return r / f;
}

function fromRow(value: unknown, column: string): Val {
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'number':
      // Integers beyond 2^53 arrive as bigint or string; a larger number is a DOUBLE column's value.
      return Number.isSafeInteger(value) ? dec(BigInt(value)) : dbl(value);
    case 'bigint':
      return dec(value);
    case 'boolean':
      return value ? TRUE_VAL : FALSE_VAL;
    default:
      if (value === null) return null;
      if (value instanceof Uint8Array) return { t: 'bin', v: Buffer.from(value.buffer, value.byteOffset, value.byteLength), numeric: false };
      throw new FilterError(
        `filter column ${JSON.stringify(column)} has a value of unsupported type ${value instanceof Date ? 'Date' : typeof value}`,
        'decode binlog values to null, string, number, bigint, boolean or Buffer before evaluating filters',
      );
  }
}

function toNumeric(v: NonNullVal): NumVal {
  switch (v.t) {
    case 'dec':
    case 'dbl':
      return v;
    case 'time':
      return { t: 'dec', v: v.num };
    case 'bin':
      return v.numeric ? dec(v.v.length === 0 ? 0n : BigInt(`0x${v.v.toString('hex')}`)) : stringToNumeric(v.v.toString('latin1'));
    case 'str':
      return stringToNumeric(v.v);
  }
}

function stringToNumeric(s: string): NumVal {
  const exact = parseDec(s);
  if (exact) return { t: 'dec', v: exact };
  // A date or datetime is a number as MySQL makes of a DATE/DATETIME column: 20240102 or 20240102030405.123456.
  const temporal = looksTemporal(s) ? parseTemporal(s.trim()) : null;
  if (temporal) return { t: 'dec', v: temporalNumber(temporal) };
  const prefix = NUMERIC_PREFIX_RE.exec(s);
  return { t: 'dbl', v: prefix ? Number(prefix[0]) : 0 };
}

function toText(v: NonNullVal): string {
  switch (v.t) {
    case 'str':
      return v.v;
    case 'dec':
      return decToString(shown(v));
    case 'dbl':
      return formatDouble(v.v);
    case 'bin':
      return v.v.toString('utf8');
    case 'time':
      return v.text;
  }
}

function toBytes(v: NonNullVal): Buffer {
  return v.t === 'bin' ? v.v : Buffer.from(toText(v), 'utf8');
}

function truth(v: Val): boolean | null {
  if (v === null) return null;
  const n = toNumeric(v);
  return n.t === 'dec' ? n.v.m !== 0n : n.v !== 0;
}

const foldCache = new Map<string, string>();

/** Maps one character to its collation key: accents stripped, upper-cased, always one character. */
function foldChar(ch: string): string {
  const code = ch.codePointAt(0) as number;
  if (code < 0x80) return code >= 0x61 && code <= 0x7a ? String.fromCharCode(code - 32) : ch;
  let folded = foldCache.get(ch);
  if (folded === undefined) {
    const base = String.fromCodePoint(ch.normalize('NFD').codePointAt(0) as number);
    const upper = base.toUpperCase();
    // general_ci weighs ß as S; other characters whose upper case is longer keep their own weight.
    folded = ch === 'ß' ? 'S' : [...upper].length === 1 ? upper : base;
    if (foldCache.size < 10_000) foldCache.set(ch, folded);
  }
  return folded;
}

function foldString(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toUpperCase() : Array.from(s, foldChar).join('');
}

/** Code point order; with `padSpace` the shorter string counts as padded with spaces (PAD SPACE collations). */
function compareCodePoints(a: string, b: string, padSpace = false): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(j) as number;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  if (!padSpace) return i < a.length ? 1 : j < b.length ? -1 : 0;
  const [rest, sign] = i < a.length ? [a.slice(i), 1] : [b.slice(j), -1];
  const first = /[^ ]/.exec(rest);
  if (first === null) return 0;
  return (first[0] < ' ' ? -1 : 1) * sign;
}

function collate(a: string, b: string): number {
  return compareCodePoints(foldString(a), foldString(b), true);
}

function canonicalTemporal(text: string): string | null {
  const p = parseTemporal(text.trim());
  if (!p) return null;
  return `${p.date} ${p.time ?? '00:00:00'}.${p.fraction.padEnd(6, '0')}`;
}

/** Cheap pre-check before the datetime regex, which most strings fail on the first character. */
function looksTemporal(s: string): boolean {
  const c = s.charCodeAt(0);
  return s.length >= 8 && s.length <= 40 && c >= 0x30 && c <= 0x39;
}

function compareNumeric(a: NumVal, b: NumVal, allDigits: boolean): number {
  if (a.t === 'dec' && b.t === 'dec') return allDigits ? decCompare(a.v, b.v) : decCompare(shown(a), shown(b));
  const x = a.t === 'dec' ? decToNumber(a.v) : a.v;
  const y = b.t === 'dec' ? decToNumber(b.v) : b.v;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** MySQL comparison: -1, 0 or 1, or null when either side is NULL. BETWEEN compares decimals with `allDigits`. */
function compare(a: Val, b: Val, allDigits = false): number | null {
  if (a === null || b === null) return null;
  if (a.t === 'time' || b.t === 'time') {
    const [other, time] = a.t === 'time' ? [b, a] : [a, b as Extract<Val, { t: 'time' }>];
    if (other.t === 'str' || other.t === 'time') {
      const otherCanonical = other.t === 'time' ? other.canonical : canonicalTemporal(other.v);
      if (otherCanonical !== null) {
        const c = compareCodePoints(time.canonical, otherCanonical);
        return a === time ? c : -c;
      }
      return collate(toText(a), toText(b));
    }
  }
  if (a.t === 'str' && b.t === 'str') {
    const ta = looksTemporal(a.v) ? canonicalTemporal(a.v) : null;
    const tb = ta !== null && looksTemporal(b.v) ? canonicalTemporal(b.v) : null;
    return ta !== null && tb !== null ? compareCodePoints(ta, tb) : collate(a.v, b.v);
  }
  if ((a.t === 'bin' && (b.t === 'str' || b.t === 'bin')) || (b.t === 'bin' && a.t === 'str')) {
    return Buffer.compare(toBytes(a), toBytes(b));
  }
  return compareNumeric(toNumeric(a), toNumeric(b), allDigits);
}

function arithmetic(op: ArithOp, l: Val, r: Val): Val {
  if (l === null || r === null) return null;
  const a = toNumeric(l);
  const b = toNumeric(r);
  if (a.t === 'dec' && b.t === 'dec') {
    const x = a.v;
    const y = b.v;
    const s = Math.max(x.s, y.s);
    const da = declaredScale(a);
    const db = declaredScale(b);
    switch (op) {
      case '+':
        return decVal({ m: rescale(x, s) + rescale(y, s), s }, Math.max(da, db));
      case '-':
        return decVal({ m: rescale(x, s) - rescale(y, s), s }, Math.max(da, db));
      case '*':
        return decVal({ m: x.m * y.m, s: x.s + y.s }, da + db);
      case '/': {
        if (y.m === 0n) return null;
        // Declared scale: the dividend's plus div_precision_increment (4); digits kept: that, rounded up to 9s, truncated.
        const declared = da + 4;
        const kept = Math.ceil(declared / 9) * 9;
        return decVal({ m: (x.m * pow10(kept + y.s)) / (y.m * pow10(x.s)), s: kept }, declared);
      }
      case 'DIV':
        return y.m === 0n ? null : dec(rescale(x, s) / rescale(y, s));
      case '%':
        return y.m === 0n ? null : decVal({ m: rescale(x, s) % rescale(y, s), s }, Math.max(da, db));
    }
  }
  const x = a.t === 'dec' ? decToNumber(a.v) : a.v;
  const y = b.t === 'dec' ? decToNumber(b.v) : b.v;
  switch (op) {
    case '+':
      return dbl(x + y);
    case '-':
      return dbl(x - y);
    case '*':
      return dbl(x * y);
    case '/':
      return y === 0 ? null : dbl(x / y);
    case 'DIV':
      return y === 0 || !Number.isFinite(x / y) ? null : dec(BigInt(Math.trunc(x / y)));
    case '%':
      return y === 0 ? null : dbl(x % y);
  }
}

type LikeElement = { readonly k: 'any' } | { readonly k: 'one' } | { readonly k: 'char'; readonly c: string };

function compileLike(pattern: string, escape: string, fold: boolean): LikeElement[] {
  const chars = Array.from(pattern);
  const out: LikeElement[] = [];
  for (let i = 0; i < chars.length; i++) {
    let c = chars[i] as string;
    if (c === escape && i + 1 < chars.length) {
      c = chars[++i] as string;
      out.push({ k: 'char', c: fold ? foldChar(c) : c });
    } else if (c === '%') {
      if (out[out.length - 1]?.k !== 'any') out.push({ k: 'any' });
    } else if (c === '_') {
      out.push({ k: 'one' });
    } else {
      out.push({ k: 'char', c: fold ? foldChar(c) : c });
    }
  }
  return out;
}

/** Wildcard match with backtracking to the last % only: O(text × pattern), never exponential. */
function likeMatch(text: readonly string[], pattern: readonly LikeElement[]): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let starText = 0;
  while (t < text.length) {
    const e = pattern[p];
    if (e !== undefined && (e.k === 'one' || (e.k === 'char' && e.c === text[t]))) {
      t++;
      p++;
    } else if (e?.k === 'any') {
      star = p++;
      starText = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (pattern[p]?.k === 'any') p++;
  return p === pattern.length;
}

function like(value: Val, pattern: Val, escape: string): boolean | null {
  if (value === null || pattern === null) return null;
  if (value.t === 'bin' || pattern.t === 'bin') {
    // Binary strings match bytewise and case-sensitively; latin1 maps each byte to one character.
    const text = Array.from(toBytes(value).toString('latin1'));
    return likeMatch(text, compileLike(toBytes(pattern).toString('latin1'), escape, false));
  }
  return likeMatch(Array.from(toText(value), foldChar), compileLike(toText(pattern), escape, true));
}

function and3(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

function not3(a: boolean | null): boolean | null {
  return a === null ? null : !a;
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

function callFunction(name: FunctionName, args: readonly FilterNode[], row: Readonly<Record<string, unknown>>): Val {
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

function columnValue(row: Readonly<Record<string, unknown>>, name: string): Val {
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

function evalNode(n: FilterNode, row: Readonly<Record<string, unknown>>): Val {
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
    case 'logical': {
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
    case 'in': {
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
    case 'trim': {
      const v = evalNode(n.operand, row);
      const remove = n.remove === null ? str(' ') : evalNode(n.remove, row);
      if (v === null || remove === null) return null;
      if (v.t === 'bin' || remove.t === 'bin') {
        const trimmed = trimValue(n.side, toBytes(remove).toString('latin1'), toBytes(v).toString('latin1'));
        return { t: 'bin', v: Buffer.from(trimmed, 'latin1'), numeric: false };
      }
      return str(trimValue(n.side, toText(remove), toText(v)));
    }
  }
}

/**
 * Evaluates with SQL three-valued logic: returns true, false, or null (unknown). A row passes only when the result
 * is true. Throws FilterError when the row lacks a referenced column or holds a value of an unsupported type.
 */
export function evaluateWhere(filter: WhereFilter, row: Readonly<Record<string, unknown>>): boolean | null {
  return truth(evalNode(filter.ast, row));
}
