import { describe, it, expect } from 'vitest';
import { Buffer } from 'node:buffer';
import { FilterError } from '../shared/errors.ts';
import {
  MAX_FILTER_LENGTH,
  evaluateWhere,
  parseWhereFilter,
  renderWhereSql,
  type WhereFilter,
} from '../shared/filter/where-filter.ts';

const TABLE = 'shop.orders';
const COLUMNS = ['id', 'status', 'amount', 'name', 'created_at', 'big', 'Data', 'flag', 'we`ird'];

const parse = (text: string, columns: readonly string[] = COLUMNS): WhereFilter => parseWhereFilter(text, TABLE, columns);
const sql = (text: string): string => renderWhereSql(parse(text));
const evaluate = (text: string, row: Record<string, unknown>): boolean | null => evaluateWhere(parse(text), row);

function parseError(text: string, columns: readonly string[] = COLUMNS): FilterError {
  try {
    parse(text, columns);
  } catch (e) {
    expect(e).toBeInstanceOf(FilterError);
    return e as FilterError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseWhereFilter + renderWhereSql', () => {
  it.each([
    ["status <> 'draft' AND amount >= 10.5", "`status` <> 'draft' AND `amount` >= 10.5"],
    ["STATUS != \"draft\" && Amount > 1e3", "`status` <> 'draft' AND `amount` > 1e3"],
    ['id = 1 || id = 2 XOR id = 3', '`id` = 1 OR `id` = 2 XOR `id` = 3'],
    ['(id = 1 OR id = 2) AND flag', '(`id` = 1 OR `id` = 2) AND `flag`'],
    ['NOT id IN (1, 2, NULL)', 'NOT (`id` IN (1, 2, NULL))'],
    ['id NOT IN (1,2)', '`id` NOT IN (1, 2)'],
    ['!id = 0', '(NOT `id`) = 0'],
    ['amount NOT BETWEEN -1.5 AND 2 * 3 AND name IS NOT NULL', '`amount` NOT BETWEEN -1.5 AND 2 * 3 AND `name` IS NOT NULL'],
    ["name LIKE 'a\\_%' ESCAPE '!'", "`name` LIKE 'a\\\\_%' ESCAPE '!'"],
    ["name not like '%x%'", "`name` NOT LIKE '%x%'"],
    ['flag IS TRUE AND (id > 1) IS NOT FALSE', '`flag` IS TRUE AND (`id` > 1) IS NOT FALSE'],
    ['id > 1 IS NOT FALSE', '(`id` > 1) IS NOT FALSE'],
    ['id <=> NULL', '`id` <=> NULL'],
    ['id % 3 = 1 AND id MOD 3 = 1 AND id DIV 2 = 4', '`id` % 3 = 1 AND `id` % 3 = 1 AND `id` DIV 2 = 4'],
    ['id - (1 - 2) = a.b', null],
    ['- -5 < id', '-(-5) < `id`'],
    ['id - -5 = 3', '`id` - -5 = 3'],
    ['id - 1 + 2 * (3 + 4) / .5 = 5.', '`id` - 1 + 2 * (3 + 4) / .5 = 5.'],
    ['big = 123456789012345678901234567890', '`big` = 123456789012345678901234567890'],
    ["data = 0xa OR data = x'ff'", "`Data` = 0x0A OR `Data` = X'FF'"],
    ["created_at >= DATE '2024-01-02' AND created_at < TIMESTAMP '2024-02-01 00:00:00'", "`created_at` >= DATE '2024-01-02' AND `created_at` < TIMESTAMP '2024-02-01 00:00:00'"],
    ["LOWER(TRIM(name)) = 'abc' AND COALESCE(amount, 0) > ROUND(1.25, 1)", "LOWER(TRIM(`name`)) = 'abc' AND COALESCE(`amount`, 0) > ROUND(1.25, 1)"],
    ["SUBSTRING(name FROM 2 FOR 3) = 'bc' AND TRIM(LEADING 'x' FROM name) = 'y' AND TRIM('z' FROM name) <> ''", "SUBSTRING(`name`, 2, 3) = 'bc' AND TRIM(LEADING 'x' FROM `name`) = 'y' AND TRIM(BOTH 'z' FROM `name`) <> ''"],
    ['`we``ird` = 1', '`we``ird` = 1'],
    ['(id = 1) = (status = 2)', '(`id` = 1) = (`status` = 2)'],
  ])('%s', (text, expected) => {
    if (expected === null) {
      expect(() => parse(text)).toThrow(FilterError);
      return;
    }
    expect(sql(text)).toBe(expected);
    // Rendering is a fixed point: the rendered SQL parses back to the same AST and renders identically.
    expect(parse(expected).ast).toEqual(parse(text).ast);
    expect(sql(expected)).toBe(expected);
  });

  it('escapes strings so they stay one literal', () => {
    expect(sql("name = 'it''s'")).toBe("`name` = 'it''s'");
    expect(sql("name = 'it\\'s'")).toBe("`name` = 'it''s'");
    expect(sql('name = "say ""hi"""')).toBe("`name` = 'say \"hi\"'");
    expect(sql("name = 'a\\\\b'")).toBe("`name` = 'a\\\\b'");
    expect(sql("name = 'tab\\there'")).toBe("`name` = 'tab\there'");
    // A quote smuggled through a backslash stays inside the literal.
    const tricky = parse("name = 'a\\\\'' OR 1=1 -- '");
    expect(tricky.ast).toEqual({ kind: 'compare', op: '=', left: { kind: 'column', name: 'name' }, right: { kind: 'string', value: "a\\' OR 1=1 -- " } });
    expect(renderWhereSql(tricky)).toBe("`name` = 'a\\\\'' OR 1=1 -- '");
    expect(parse(renderWhereSql(tricky)).ast).toEqual(tricky.ast);
  });

  it('keeps \\% and \\_ escapes for LIKE', () => {
    const f = parse("name LIKE '50\\%'");
    expect(f.ast).toMatchObject({ kind: 'like', pattern: { kind: 'string', value: '50\\%' } });
    expect(renderWhereSql(f)).toBe("`name` LIKE '50\\\\%'");
  });

  it('matches columns case-insensitively and renders their real spelling', () => {
    const f = parse('DATA IS NULL AND Id = 1 AND id > 0');
    expect(renderWhereSql(f)).toBe('`Data` IS NULL AND `id` = 1 AND `id` > 0');
    expect([...f.columns].sort()).toEqual(['Data', 'id']);
    expect(f.text).toBe('DATA IS NULL AND Id = 1 AND id > 0');
  });

  it('renders backquoted identifiers safely', () => {
    const cols = ['a` = 1 OR 1=1 -- ', 'x'];
    const f = parse('`a`` = 1 OR 1=1 -- ` = 2', cols);
    expect(renderWhereSql(f)).toBe('`a`` = 1 OR 1=1 -- ` = 2');
    expect(f.columns).toEqual(new Set(['a` = 1 OR 1=1 -- ']));
    // An unterminated backquote cannot swallow the rest of the statement.
    expect(parseError('`x = 1').message).toBe('table shop.orders: filter "`x = 1" does not parse: the identifier at position 0 has no closing `');
  });

  it('accepts a filter of exactly the length limit and rejects a longer one', () => {
    const exact = `id = 1${' '.repeat(MAX_FILTER_LENGTH - 6)}`;
    expect(exact).toHaveLength(4096);
    expect(sql(exact)).toBe('`id` = 1');
    const e = parseError(`${exact} `);
    expect(e.message).toMatch(/^table shop\.orders: filter ".*…" is 4097 characters long; the limit is 4096$/);
  });
});

describe('rejections', () => {
  it('reports a parse error with table, text, position and what was expected', () => {
    const e = parseError('status <>');
    expect(e.message).toBe('table shop.orders: filter "status <>" does not parse: expected an expression at position 9 (end of filter)');
    expect(e.code).toBe('FILTER_INVALID');
    expect(e.fix).toContain('objects[].tables[].where');
    expect(parseError('id = 1 id').message).toBe(
      'table shop.orders: filter "id = 1 id" does not parse: expected an operator, AND, OR or the end of the filter at position 7 (found "id")',
    );
    expect(parseError("name = 'abc").message).toContain("does not parse: the string at position 7 has no closing '");
    expect(parseError('id IN ()').message).toContain('expected an expression at position 7 (found ")")');
    expect(parseError('id BETWEEN 1 OR 2').message).toContain('expected AND in BETWEEN ... AND ... at position 13 (found "OR")');
    expect(parseError('id IS 5').message).toContain('expected NULL, TRUE or FALSE after IS at position 6');
    expect(parseError("name LIKE 'a' ESCAPE 'ab'").message).toContain('expected a one-character string after ESCAPE');
    expect(parseError('   ').message).toBe('table shop.orders: filter "   " is empty');
  });

  it('keeps messages on one line', () => {
    const e = parseError('id =\n\n');
    expect(e.message).not.toContain('\n');
    expect(e.message).toBe('table shop.orders: filter "id =\\n\\n" does not parse: expected an expression at position 6 (end of filter)');
  });

  it('names an unknown column, the table and its columns', () => {
    const e = parseError("stauts = 'x'", ['id', 'status', 'amount']);
    expect(e.message).toBe(
      'table shop.orders: filter "stauts = \'x\'" names column "stauts", which shop.orders does not have (did you mean "status"? columns: id, status, amount)',
    );
    expect(e.fix).toBe('correct the column name in objects[].tables[].where');
    expect(parseError('nope = 1', ['id']).message).toContain('names column "nope", which shop.orders does not have (columns: id)');
  });

  it.each([
    ['1=1; DROP TABLE x', 'is rejected at position 3: ";" ends a statement'],
    ['1=1 -- x', 'is rejected at position 4: comments are not allowed'],
    ['1=1 /* */', 'is rejected at position 4: comments are not allowed'],
    ['1=1 # x', 'is rejected at position 4: comments are not allowed'],
    ['id=1--1', 'comments are not allowed'],
    ['id IN (SELECT 1)', 'is rejected at position 7: subqueries are not allowed'],
    ['id = (SELECT id FROM x)', 'subqueries are not allowed'],
    ['EXISTS (SELECT 1)', 'subqueries are not allowed'],
    ['@@version', 'variables (@name, @@name) are not allowed'],
    ['id = @x', 'variables (@name, @@name) are not allowed'],
    ['SLEEP(1)', 'function SLEEP() is not supported in filters (supported: ABS, CEIL, CHAR_LENGTH, COALESCE, CONCAT, FLOOR'],
    ['BENCHMARK(1000000, MD5(1)) = 0', 'function BENCHMARK() is not supported'],
    ["LOAD_FILE('/etc/passwd') IS NOT NULL", 'function LOAD_FILE() is not supported'],
    ['id = 1 UNION SELECT 1', 'expected an operator, AND, OR or the end of the filter at position 7 (found "UNION")'],
    ["id = 1 INTO OUTFILE '/tmp/x'", 'expected an operator, AND, OR or the end of the filter'],
    ['created_at > NOW()', 'NOW() is not deterministic, so the full load and the binlog replay would disagree'],
    ['created_at > CURDATE()', 'CURDATE() is not deterministic'],
    ['created_at > CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP is not deterministic'],
    ['created_at > localtime', 'LOCALTIME is not deterministic'],
    ["USER() = 'x'", 'USER() is not deterministic'],
    ['RAND() < 0.5', 'RAND() is not deterministic'],
    ['orders.id = 1', 'qualified names (orders.…) are not supported'],
    ['id = ?', 'placeholders (?) are not allowed'],
    ['id := 1', 'assignment (:=) is not allowed'],
    ['id | 1', 'bit operators (|) are not supported'],
    ['id << 1', 'bit operators (<<) are not supported'],
    ["name REGEXP 'a'", 'REGEXP is not supported in filters'],
    ["name COLLATE utf8mb4_bin = 'a'", 'COLLATE is not supported in filters'],
    ["name = _utf8mb4'a'", "prefixed strings such as N'...', b'...' or _utf8mb4'...' are not supported"],
    ['CASE WHEN id THEN 1 END', 'CASE is not supported in filters'],
    ['order = 1', 'ORDER is a reserved word; backquote a column so named'],
    ['LOWER(name, 1)', 'LOWER() takes 1 argument, not 2'],
    ['IFNULL(name)', 'IFNULL() takes 2 arguments, not 1'],
    ["X'ABC' = data", "X'ABC' needs an even number of hex digits"],
    ["created_at = DATE '2024-02-30'", "DATE '2024-02-30' is not a valid date"],
    ["created_at = TIMESTAMP '2024-02-03'", 'is not a valid timestamp'],
    ['(id, status) = (1, 2)', 'row constructors (a, b) are not supported'],
    ['1abc = 1', 'expected an operator after the number'],
  ])('rejects %s', (text, fragment) => {
    const e = parseError(text);
    expect(e.message).toContain(fragment);
    expect(e.message.startsWith(`table shop.orders: filter ${JSON.stringify(text)} `)).toBe(true);
    expect(e.fix).toBeTruthy();
  });

  it('takes a bare user or schema as a column name, as MySQL does', () => {
    expect(renderWhereSql(parseWhereFilter("user = 'bob' AND schema <> 'x'", TABLE, ['user', 'schema']))).toBe(
      "`user` = 'bob' AND `schema` <> 'x'",
    );
  });

  it('rejects filters nested too deeply instead of overflowing the stack', () => {
    const deep = `${'('.repeat(150)}id${')'.repeat(150)}`;
    expect(parseError(deep).message).toContain('the filter nests more than 100 levels deep');
    expect(parseError(`${'NOT '.repeat(150)}id`).message).toContain('nests more than 100 levels deep');
    expect(parseError(`${'LOWER('.repeat(150)}id${')'.repeat(150)}`).message).toContain('nests more than 100 levels deep');
    // Long flat chains are fine.
    const flat = parse(`id${' AND id'.repeat(580)}`);
    expect(evaluateWhere(flat, { id: 1 })).toBe(true);
    expect(evaluateWhere(flat, { id: 0 })).toBe(false);
  });

  it('says how to fix a non-deterministic filter', () => {
    expect(parseError('created_at > NOW()').fix).toContain("compare with a constant instead");
  });
});

describe('evaluateWhere', () => {
  it('uses three-valued logic for NULL', () => {
    expect(evaluate("status <> 'draft'", { status: null })).toBeNull();
    expect(evaluate("NOT (status = 'draft')", { status: null })).toBeNull();
    expect(evaluate('status IS NULL', { status: null })).toBe(true);
    expect(evaluate('status IS NOT NULL', { status: null })).toBe(false);
    expect(evaluate("amount > 1 OR status = 'x'", { amount: null, status: 'x' })).toBe(true);
    expect(evaluate("amount > 1 OR status = 'x'", { amount: null, status: 'y' })).toBeNull();
    expect(evaluate("amount > 1 AND status = 'x'", { amount: null, status: 'y' })).toBe(false);
    expect(evaluate("amount > 1 AND status = 'x'", { amount: null, status: 'x' })).toBeNull();
    expect(evaluate('amount > 1 XOR id = 1', { amount: null, id: 1 })).toBeNull();
    expect(evaluate('id = 1 XOR id = 2', { id: 1 })).toBe(true);
    expect(evaluate('status <=> NULL', { status: null })).toBe(true);
    expect(evaluate('status <=> NULL', { status: 'a' })).toBe(false);
    expect(evaluate('(status = 1) IS NOT TRUE', { status: null })).toBe(true);
    expect(evaluate('(status = 1) IS FALSE', { status: null })).toBe(false);
    expect(evaluate('id + NULL = 1', { id: 0 })).toBeNull();
    expect(evaluate('CONCAT(name, NULL) IS NULL', { name: 'a' })).toBe(true);
    expect(evaluate("COALESCE(name, status, 'z') = 'b'", { name: null, status: 'B' })).toBe(true);
    expect(evaluate("IFNULL(name, 'dflt') = 'dflt'", { name: null })).toBe(true);
  });

  it('evaluates LIKE case-insensitively with %, _ and escapes', () => {
    expect(evaluate("status LIKE 'ship%'", { status: 'Shipped' })).toBe(true);
    expect(evaluate("status LIKE 'sh_p'", { status: 'SHIP' })).toBe(true);
    expect(evaluate("status LIKE 'sh_p'", { status: 'shipp' })).toBe(false);
    expect(evaluate("status LIKE '%IP%E%'", { status: 'shipped' })).toBe(true);
    expect(evaluate("status NOT LIKE '%x%'", { status: 'shipped' })).toBe(true);
    expect(evaluate("status LIKE 'cafe'", { status: 'Café' })).toBe(true);
    expect(evaluate("name LIKE '10\\%'", { name: '10%' })).toBe(true);
    expect(evaluate("name LIKE '10\\%'", { name: '100' })).toBe(false);
    expect(evaluate("name LIKE '10!%' ESCAPE '!'", { name: '10%' })).toBe(true);
    expect(evaluate("name LIKE '10!%' ESCAPE '!'", { name: '105' })).toBe(false);
    expect(evaluate("name LIKE 'a\\_b'", { name: 'axb' })).toBe(false);
    expect(evaluate("name LIKE 'a\\_b'", { name: 'a_b' })).toBe(true);
    expect(evaluate("name LIKE 'a'", { name: 'a ' })).toBe(false);
    expect(evaluate("name LIKE '%'", { name: null })).toBeNull();
    expect(evaluate("name NOT LIKE '%'", { name: null })).toBeNull();
    expect(evaluate("id LIKE '12%'", { id: 123 })).toBe(true);
    expect(evaluate("data LIKE 'ab%'", { Data: Buffer.from('ABC') })).toBe(false);
    expect(evaluate("data LIKE 'AB%'", { Data: Buffer.from('ABC') })).toBe(true);
    // Backtracking is bounded: a long non-matching text with many % finishes quickly.
    expect(evaluate("name LIKE '%a%a%a%a%a%a%a%a%b'", { name: 'a'.repeat(20_000) })).toBe(false);
  });

  it('evaluates IN with NULL in the list or the operand', () => {
    expect(evaluate('id IN (1, NULL)', { id: 1 })).toBe(true);
    expect(evaluate('id IN (1, NULL)', { id: 2 })).toBeNull();
    expect(evaluate('id NOT IN (1, NULL)', { id: 2 })).toBeNull();
    expect(evaluate('id NOT IN (1, NULL)', { id: 1 })).toBe(false);
    expect(evaluate('id NOT IN (1, 3)', { id: 2 })).toBe(true);
    expect(evaluate('id IN (1, 2)', { id: null })).toBeNull();
    expect(evaluate("status IN ('a', 'B')", { status: 'b' })).toBe(true);
    expect(evaluate("id IN ('7', 8)", { id: 7 })).toBe(true);
  });

  it('evaluates BETWEEN inclusively, with NULL bounds', () => {
    expect(evaluate('amount BETWEEN 10 AND 20', { amount: '10.00' })).toBe(true);
    expect(evaluate('amount BETWEEN 10 AND 20', { amount: '20.0000' })).toBe(true);
    expect(evaluate('amount BETWEEN 10 AND 20', { amount: '20.0001' })).toBe(false);
    expect(evaluate('amount NOT BETWEEN 10 AND 20', { amount: '9.99' })).toBe(true);
    expect(evaluate('id BETWEEN NULL AND 3', { id: 5 })).toBe(false);
    expect(evaluate('id BETWEEN NULL AND 3', { id: 2 })).toBeNull();
    expect(evaluate('id BETWEEN 1 AND 3', { id: null })).toBeNull();
    expect(evaluate("name BETWEEN 'b' AND 'd'", { name: 'C' })).toBe(true);
  });

  it('compares integers beyond 2^53 exactly', () => {
    // 9007199254740993 and 9007199254740992 are the same double.
    expect(evaluate('big = 9007199254740993', { big: 9007199254740993n })).toBe(true);
    expect(evaluate('big = 9007199254740993', { big: 9007199254740992n })).toBe(false);
    expect(evaluate('big > 9007199254740992', { big: 9007199254740993n })).toBe(true);
    expect(evaluate('big = 18446744073709551615', { big: '18446744073709551615' })).toBe(true);
    expect(evaluate('big > 18446744073709551614', { big: '18446744073709551615' })).toBe(true);
    expect(evaluate('big < -9223372036854775807', { big: -9223372036854775808n })).toBe(true);
    expect(evaluate('big + 1 = 9223372036854775808', { big: 9223372036854775807n })).toBe(true);
    expect(evaluate("big IN (1, '9007199254740993')", { big: 9007199254740993n })).toBe(true);
  });

  it('compares DECIMAL strings exactly', () => {
    expect(evaluate('amount = 123.45', { amount: '123.4500' })).toBe(true);
    expect(evaluate('amount > 123.45', { amount: '123.4501' })).toBe(true);
    expect(evaluate('amount >= 10.5', { amount: '10.49999999999999999999' })).toBe(false);
    expect(evaluate('amount < 0', { amount: '-0.10' })).toBe(true);
    expect(evaluate('amount = 0', { amount: '-0.000' })).toBe(true);
    expect(evaluate('amount * 3 = 0.3', { amount: '0.1' })).toBe(true);
    expect(evaluate('amount + 0.2 = 0.3', { amount: '0.1' })).toBe(true);
    expect(evaluate('amount / 3 = 0.33333', { amount: '1.0' })).toBe(true);
    expect(evaluate('amount / 0 IS NULL', { amount: '1.0' })).toBe(true);
    expect(evaluate('amount % 0.3 = 0.1', { amount: '1.0' })).toBe(true);
    expect(evaluate('amount DIV 2 = 2', { amount: '5.9' })).toBe(true);
    expect(evaluate('-amount = 1.5', { amount: '-1.50' })).toBe(true);
    expect(evaluate('ROUND(amount, 1) = 2.3', { amount: '2.25' })).toBe(true);
    expect(evaluate('ROUND(amount) = -3', { amount: '-2.5' })).toBe(true);
    expect(evaluate('FLOOR(amount) = -3 AND CEIL(amount) = -2', { amount: '-2.5' })).toBe(true);
    expect(evaluate('ABS(amount) = 2.5', { amount: '-2.50' })).toBe(true);
    // A double on either side compares as doubles, as in MySQL.
    expect(evaluate('amount = 1.5e0', { amount: 1.5 })).toBe(true);
    expect(evaluate('amount = 0.1', { amount: 0.1 })).toBe(true);
  });

  it('keeps a quotient to 9-digit groups but compares and prints it at scale + 4, as MariaDB does', () => {
    expect(evaluate('1/3 = 0.3333', {})).toBe(true);
    expect(evaluate('2/3 = 0.6667', {})).toBe(true);
    expect(evaluate('1/3*3 = 1', {})).toBe(true);
    expect(evaluate("CONCAT(1/3*3) = '1.0000'", {})).toBe(true);
    expect(evaluate('1/3 BETWEEN 0.3333 AND 0.3333', {})).toBe(false);
    expect(evaluate('FLOOR(2/3*3) = 1', {})).toBe(true);
    expect(evaluate("CONCAT(amount / 7) = '17.6357142857'", { amount: '123.450000' })).toBe(true);
    expect(evaluate("CONCAT(ROUND(2/3*3, 5)) = '2.00000'", {})).toBe(true);
  });

  it('prints doubles as MySQL does', () => {
    expect(evaluate("CONCAT(amount) = '1e20'", { amount: 1e20 })).toBe(true);
    expect(evaluate("CONCAT(amount) = '100000000000000'", { amount: 1e14 })).toBe(true);
    expect(evaluate("CONCAT(1.5e-5) = '0.000015' AND CONCAT(1e-16) = '1e-16' AND CONCAT(-2.5e0) = '-2.5'", {})).toBe(true);
    expect(evaluate("CONCAT(amount) = '0.1'", { amount: 0.1 })).toBe(true);
  });

  it('compares numbers with numeric strings numerically', () => {
    expect(evaluate("id = '42'", { id: 42 })).toBe(true);
    expect(evaluate("id < '100'", { id: 42 })).toBe(true);
    expect(evaluate('status = 42', { status: '42.0' })).toBe(true);
    // MySQL converts a non-numeric string to 0 (or its leading number) for a numeric comparison.
    expect(evaluate('status = 0', { status: 'draft' })).toBe(true);
    expect(evaluate('status = 12', { status: '12abc' })).toBe(true);
    expect(evaluate('id = 0x0A', { id: 10 })).toBe(true);
    // MariaDB reads X'0A' as a string even here, so it is 0, not 10.
    expect(evaluate("id = X'0A'", { id: 10 })).toBe(false);
    expect(evaluate('flag = TRUE AND flag', { flag: true })).toBe(true);
    expect(evaluate('flag', { flag: 0 })).toBe(false);
    expect(evaluate('status', { status: 'abc' })).toBe(false);
  });

  it('compares strings case- and accent-insensitively, ignoring trailing spaces', () => {
    expect(evaluate("status = 'draft'", { status: 'DRAFT' })).toBe(true);
    expect(evaluate("status <> 'draft'", { status: 'Draft' })).toBe(false);
    expect(evaluate("status < 'ABD'", { status: 'abc' })).toBe(true);
    expect(evaluate("status = 'a'", { status: 'a  ' })).toBe(true);
    expect(evaluate("status = 'resume'", { status: 'Résumé' })).toBe(true);
    expect(evaluate("status = 's'", { status: 'ß' })).toBe(true);
    // PAD SPACE: 'a\t' sorts before 'a' because 'a' counts as 'a ' and a tab is below a space.
    expect(evaluate("status < 'a'", { status: 'a\t' })).toBe(true);
    expect(evaluate("status < '_'", { status: 'Z' })).toBe(true);
    expect(evaluate("'10' < status", { status: '9' })).toBe(true);
    expect(evaluate("LOWER(status) = 'abc' AND UPPER(status) = 'ABC'", { status: 'aBc' })).toBe(true);
    // Binary strings compare bytewise.
    expect(evaluate("data = 'abc'", { Data: Buffer.from('abc') })).toBe(true);
    expect(evaluate("data = 'ABC'", { Data: Buffer.from('abc') })).toBe(false);
    expect(evaluate("data = X'616263'", { Data: Buffer.from('abc') })).toBe(true);
  });

  it('compares date and datetime strings as datetimes', () => {
    expect(evaluate("created_at >= '2024-01-02'", { created_at: '2024-01-02 03:04:05.123456' })).toBe(true);
    expect(evaluate("created_at < '2024-01-02 03:04:05.2'", { created_at: '2024-01-02 03:04:05.123456' })).toBe(true);
    expect(evaluate("created_at = DATE '2024-01-02'", { created_at: '2024-01-02 00:00:00' })).toBe(true);
    expect(evaluate("created_at = '2024-01-02 00:00:00'", { created_at: '2024-01-02 00:00:00.000000' })).toBe(true);
    expect(evaluate("created_at = '2024-01-02'", { created_at: '2024-01-02 00:00:00.000000' })).toBe(true);
    expect(evaluate("created_at > '2024-1-2 3:04:05'", { created_at: '2024-01-02 03:04:05.000001' })).toBe(true);
    expect(evaluate("created_at = TIMESTAMP '2024-01-02 03:04:05'", { created_at: '2024-01-02 03:04:05.000000' })).toBe(true);
    expect(evaluate("created_at < TIMESTAMP '2024-01-02 03:04:05.5'", { created_at: '2024-01-02 03:04:05.499999' })).toBe(true);
    expect(evaluate("DATE '2024-01-02' + 1 = 20240103", {})).toBe(true);
    // In a numeric context a date string is the number a DATE/DATETIME column would be.
    expect(evaluate('created_at > 20240101', { created_at: '2024-01-02' })).toBe(true);
    expect(evaluate('created_at = 20240102030405.5', { created_at: '2024-01-02 03:04:05.500000' })).toBe(true);
  });

  it('implements the string functions', () => {
    expect(evaluate('LENGTH(name) = 5 AND CHAR_LENGTH(name) = 4', { name: 'café' })).toBe(true);
    expect(evaluate("CONCAT(name, '-', id, '-', amount) = 'a-7-1.50'", { name: 'a', id: 7, amount: '1.50' })).toBe(true);
    expect(evaluate("SUBSTRING(name, 2) = 'bcd' AND SUBSTRING(name, -2, 1) = 'c' AND SUBSTRING(name, 0) = ''", { name: 'abcd' })).toBe(true);
    expect(evaluate("TRIM(name) = 'x y'", { name: '  x y  ' })).toBe(true);
    expect(evaluate("TRIM(LEADING 'ab' FROM name) = 'cab'", { name: 'ababcab' })).toBe(true);
    expect(evaluate("TRIM(TRAILING 'ab' FROM name) = 'abc'", { name: 'abcabab' })).toBe(true);
    expect(evaluate("TRIM(BOTH 'x' FROM name) = 'y'", { name: 'xxyxx' })).toBe(true);
  });

  it('looks columns up case-insensitively and refuses rows without them', () => {
    expect(evaluate('data IS NULL', { data: null })).toBe(true);
    expect(() => evaluate('id = 1', { status: 'a' })).toThrow(/filter column "id" is missing from the row/);
    expect(() => evaluate('id = 1', { id: new Date(0) })).toThrow(/unsupported type Date/);
  });

  it('treats a row as passing only when the result is true', () => {
    const f = parse("status <> 'draft'");
    const rows = [{ status: 'paid' }, { status: 'draft' }, { status: null }];
    expect(rows.filter((r) => evaluateWhere(f, r) === true)).toEqual([{ status: 'paid' }]);
  });
});
