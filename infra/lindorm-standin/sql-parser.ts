/**
 * A recursive-descent parser for the Lindorm SQL subset the stand-in serves (the statement forms of the
 * CREATE TABLE, ALTER TABLE, DROP TABLE, UPSERT, DELETE, SELECT, SHOW/DESCRIBE, USE and SET reference pages).
 * Syntax errors read like Lindorm's Calcite ones: `Encountered "x" at line l, column c.`
 */
import { errors, type LindormError } from './errors.ts';
import type { ColumnDef, Comparison, Condition, KeyPart, Literal, OrderItem, SelectItem, Statement, TableRef, TypeSpec } from './sql-ast.ts';
import { tokenize, type Token } from './sql-lexer.ts';

/** Words that end an expression or a select item, so they are never taken as an alias. */
const RESERVED = new Set(['FROM', 'WHERE', 'ORDER', 'LIMIT', 'OFFSET', 'ALLOW', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'UNION', 'GROUP', 'HAVING', 'ON', 'AND', 'OR', 'NOT', 'AS', 'BY']);
const FUNCTIONS = ['DATABASE', 'VERSION', 'CONNECTION_ID', 'USER'] as const;

export function parseStatement(sql: string, backslashEscapes: boolean): Statement {
  const tokens = tokenize(sql, backslashEscapes);
  if (tokens.some((t) => t.kind === 'punct' && t.text === '?')) throw errors.placeholders();
  return new Parser(tokens).statement();
}

class Parser {
  private i = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  statement(): Statement {
    const statement = this.body();
    if (this.acceptPunct(';') && this.peek().kind !== 'eof') throw errors.multipleStatements();
    if (this.isWord('UNION')) throw errors.union();
    if (this.peek().kind !== 'eof') throw this.unexpected();
    return statement;
  }

  private body(): Statement {
    const verb = this.peek().kind === 'word' ? this.peek().text.toUpperCase() : '';
    switch (verb) {
      case 'CREATE': return this.create();
      case 'ALTER': return this.alter();
      case 'DROP': return this.drop();
      case 'UPSERT': case 'INSERT': return this.upsert();
      case 'DELETE': return this.delete();
      case 'SELECT': return this.select();
      case 'SHOW': return this.show();
      case 'DESCRIBE': case 'DESC': return this.describe();
      case 'USE': this.next(); return { kind: 'use', namespace: this.identifier() };
      case 'SET': return this.set();
      case 'BEGIN': case 'START': case 'COMMIT': case 'ROLLBACK': case 'SAVEPOINT': throw errors.transactions();
      case 'UPDATE': case 'TRUNCATE': case 'REPLACE': case 'MERGE': case 'PREPARE': case 'EXECUTE': throw errors.feature(`${verb} in the stand-in`);
      default: throw this.unexpected();
    }
  }

  // ---- DDL ----------------------------------------------------------------------------------------------

  private create(): Statement {
    this.next();
    if (this.acceptWord('DATABASE') || this.acceptWord('SCHEMA')) {
      const ifNotExists = this.ifNotExists();
      return { kind: 'createDatabase', ifNotExists, name: this.identifier() };
    }
    if (!this.isWord('TABLE')) throw this.isWord('INDEX') ? errors.feature('CREATE INDEX in the stand-in') : this.unexpected('TABLE');
    this.next();
    const ifNotExists = this.ifNotExists();
    const table = this.tableRef();
    const { columns, primaryKey } = this.tableElements();
    const options = this.acceptWord('WITH') ? this.options() : {};
    return { kind: 'createTable', ifNotExists, table, columns, primaryKey, options };
  }

  private tableElements(): { columns: ColumnDef[]; primaryKey: KeyPart[] } {
    const columns: ColumnDef[] = [];
    let primaryKey: KeyPart[] = [];
    this.expectPunct('(');
    do {
      if (this.acceptWord('PRIMARY')) {
        this.expectWord('KEY');
        primaryKey = this.list(() => this.keyPart());
      } else if (this.isWord('KEY') || this.isWord('INDEX')) {
        throw errors.feature('Secondary indexes in the stand-in');
      } else columns.push(this.columnDef());
    } while (this.acceptPunct(','));
    this.expectPunct(')');
    return { columns, primaryKey };
  }

  private keyPart(): KeyPart {
    const column = this.identifier();
    const descending = this.acceptWord('DESC');
    if (!descending) this.acceptWord('ASC');
    return { column, descending };
  }

  private columnDef(): ColumnDef {
    const name = this.identifier();
    const type = this.typeSpec();
    let notNull = false;
    if (this.acceptWord('NOT')) {
      this.expectWord('NULL');
      notNull = true;
    } else this.acceptWord('NULL');
    return { name, type, notNull };
  }

  private typeSpec(): TypeSpec {
    const t = this.next();
    if (t.kind !== 'word') throw this.unexpected('a data type', t);
    const args: number[] = [];
    if (this.acceptPunct('(')) {
      do {
        const n = this.next();
        if (n.kind !== 'number' || !/^[0-9]+$/.test(n.text)) throw this.unexpected('an integer', n);
        args.push(Number(n.text));
      } while (this.acceptPunct(','));
      this.expectPunct(')');
    }
    const name = t.text.toUpperCase();
    if (this.isWord('UNSIGNED') || this.isWord('ZEROFILL')) throw errors.unsupportedType(`${name} ${this.peek().text.toUpperCase()}`);
    return { name, args };
  }

  private options(): Record<string, string> {
    const options: Record<string, string> = {};
    this.expectPunct('(');
    do {
      const key = this.identifier().toUpperCase();
      this.expectPunct('=');
      const value = this.literal();
      options[key] = value.type === 'string' ? value.value : value.type === 'number' ? value.text : value.type === 'bool' ? String(value.value) : '';
    } while (this.acceptPunct(','));
    this.expectPunct(')');
    return options;
  }

  private alter(): Statement {
    this.next();
    this.expectWord('TABLE');
    const table = this.tableRef();
    const columns: ColumnDef[] = [];
    do {
      if (!this.isWord('ADD')) throw this.isWord('DROP') || this.isWord('SET') || this.isWord('MODIFY') ? errors.feature(`ALTER TABLE ${this.peek().text.toUpperCase()} in the stand-in`) : this.unexpected('ADD');
      this.next();
      this.acceptWord('COLUMN');
      if (this.isWord('PRIMARY')) throw errors.addKeyColumn();
      columns.push(this.columnDef());
    } while (this.acceptPunct(','));
    return { kind: 'alterTableAdd', table, columns };
  }

  private drop(): Statement {
    this.next();
    if (this.acceptWord('DATABASE') || this.acceptWord('SCHEMA')) {
      const ifExists = this.ifExists();
      return { kind: 'dropDatabase', ifExists, name: this.identifier() };
    }
    this.expectWord('TABLE');
    const ifExists = this.ifExists();
    return { kind: 'dropTable', ifExists, table: this.tableRef() };
  }

  private ifNotExists(): boolean {
    if (!this.acceptWord('IF')) return false;
    this.expectWord('NOT');
    this.expectWord('EXISTS');
    return true;
  }

  private ifExists(): boolean {
    if (!this.acceptWord('IF')) return false;
    this.expectWord('EXISTS');
    return true;
  }

  // ---- DML ----------------------------------------------------------------------------------------------

  private upsert(): Statement {
    this.next();
    this.hints();
    this.expectWord('INTO');
    const table = this.tableRef();
    const columns = this.list(() => this.identifier());
    this.expectWord('VALUES');
    const rows: Literal[][] = [];
    do rows.push(this.list(() => this.literal()));
    while (this.acceptPunct(','));
    if (this.isWord('ON')) throw errors.feature("ON DUPLICATE KEY (it needs CONSISTENCY='strong') in the stand-in");
    return { kind: 'upsert', table, columns, rows };
  }

  private delete(): Statement {
    this.next();
    this.hints();
    this.expectWord('FROM');
    const table = this.tableRef();
    const where = this.acceptWord('WHERE') ? this.condition() : undefined;
    return { kind: 'delete', table, ...(where ? { where } : {}) };
  }

  private select(): Statement {
    this.next();
    const hints = this.hints();
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptPunct(','));
    const from = this.acceptWord('FROM') ? this.tableRef() : undefined;
    if (from) this.alias();
    if (from && (this.isWord('JOIN') || this.isWord('INNER') || this.isWord('LEFT') || this.isWord('RIGHT') || this.isWord('FULL') || this.isWord('CROSS') || this.isPunct(','))) {
      throw errors.join();
    }
    const where = this.acceptWord('WHERE') ? this.condition() : undefined;
    if (this.isWord('GROUP') || this.isWord('HAVING')) throw errors.feature(`${this.peek().text.toUpperCase()} in the stand-in`);
    const orderBy = this.orderBy();
    const { limit, offset } = this.limit();
    const allowFiltering = this.acceptWord('ALLOW') ? (this.expectWord('FILTERING'), true) : false;
    return { kind: 'select', hints, items, ...(from ? { from } : {}), ...(where ? { where } : {}), orderBy, ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}), allowFiltering };
  }

  private selectItem(): SelectItem {
    if (this.acceptPunct('*')) return { kind: 'star' };
    const t = this.peek();
    let item: SelectItem;
    if (t.kind === 'variable') {
      this.next();
      item = { kind: 'variable', name: t.text };
    } else if (t.kind === 'word' && t.text.toUpperCase() === 'COUNT' && this.isPunct('(', 1)) {
      this.next();
      this.expectPunct('(');
      if (!this.acceptPunct('*')) this.expectWord('1');
      this.expectPunct(')');
      item = { kind: 'count' };
    } else if (t.kind === 'word' && FUNCTIONS.includes(t.text.toUpperCase() as never) && this.isPunct('(', 1)) {
      this.next();
      this.expectPunct('(');
      this.expectPunct(')');
      item = { kind: 'function', name: t.text.toUpperCase() as (typeof FUNCTIONS)[number] };
    } else if (t.kind === 'word' || t.kind === 'quoted') {
      item = this.isLiteralWord(t) ? { kind: 'literal', value: this.literal() } : { kind: 'column', name: this.identifier() };
    } else item = { kind: 'literal', value: this.literal() };
    const alias = this.alias();
    return alias === undefined ? item : { ...item, alias };
  }

  private alias(): string | undefined {
    if (this.acceptWord('AS')) return this.identifier();
    const t = this.peek();
    if (t.kind === 'quoted' || (t.kind === 'word' && !RESERVED.has(t.text.toUpperCase()))) return this.identifier();
    return undefined;
  }

  private orderBy(): OrderItem[] {
    if (!this.acceptWord('ORDER')) return [];
    this.expectWord('BY');
    const items: OrderItem[] = [];
    do {
      const column = this.identifier();
      const descending = this.acceptWord('DESC');
      if (!descending) this.acceptWord('ASC');
      items.push({ column, descending });
    } while (this.acceptPunct(','));
    return items;
  }

  private limit(): { limit?: number; offset?: number } {
    if (!this.acceptWord('LIMIT')) return {};
    const first = this.integer();
    if (this.acceptPunct(',')) return { offset: first, limit: this.integer() };
    return this.acceptWord('OFFSET') ? { limit: first, offset: this.integer() } : { limit: first };
  }

  private hints(): string[] {
    const hints: string[] = [];
    while (this.peek().kind === 'hint') hints.push(this.next().text);
    return hints;
  }

  // ---- conditions ---------------------------------------------------------------------------------------

  private condition(): Condition {
    const args = [this.conjunction()];
    while (this.acceptWord('OR')) args.push(this.conjunction());
    return args.length === 1 ? args[0]! : { op: 'or', args };
  }

  private conjunction(): Condition {
    const args = [this.predicate()];
    while (this.acceptWord('AND')) args.push(this.predicate());
    return args.length === 1 ? args[0]! : { op: 'and', args };
  }

  private predicate(): Condition {
    if (this.acceptPunct('(')) {
      const c = this.condition();
      this.expectPunct(')');
      return c;
    }
    const t = this.peek();
    if (t.kind !== 'word' && t.kind !== 'quoted') return this.literalFirst();
    if (this.isLiteralWord(t)) return this.literalFirst();
    const column = this.identifier();
    return this.predicateOn(column);
  }

  private predicateOn(column: string): Condition {
    const cmp = this.comparison();
    if (cmp) return { op: 'compare', comparison: cmp, column, value: this.literal() };
    if (this.acceptWord('IS')) {
      const not = this.acceptWord('NOT');
      this.expectWord('NULL');
      return { op: 'isNull', column, not };
    }
    const not = this.acceptWord('NOT');
    if (this.acceptWord('IN')) return { op: 'in', column, values: this.list(() => this.literal()), not };
    if (this.acceptWord('LIKE')) {
      const p = this.literal();
      if (p.type !== 'string') throw this.unexpected('a string');
      return { op: 'like', column, pattern: p.value, not };
    }
    if (!not && this.acceptWord('BETWEEN')) {
      const low = this.literal();
      this.expectWord('AND');
      const high = this.literal();
      return { op: 'and', args: [{ op: 'compare', comparison: '>=', column, value: low }, { op: 'compare', comparison: '<=', column, value: high }] };
    }
    throw this.unexpected('a comparison');
  }

  /** `literal op column`, turned around. */
  private literalFirst(): Condition {
    const value = this.literal();
    const cmp = this.comparison();
    if (!cmp) throw this.unexpected('a comparison');
    const flipped: Record<Comparison, Comparison> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
    return { op: 'compare', comparison: flipped[cmp], column: this.identifier(), value };
  }

  private comparison(): Comparison | undefined {
    const t = this.peek();
    if (t.kind !== 'punct' || !['=', '!=', '<>', '<', '<=', '>', '>='].includes(t.text)) return undefined;
    this.next();
    return t.text === '<>' ? '!=' : (t.text as Comparison);
  }

  // ---- SHOW, DESCRIBE, SET ------------------------------------------------------------------------------

  private show(): Statement {
    this.next();
    if (this.acceptWord('DATABASES') || this.acceptWord('SCHEMAS')) return { kind: 'showDatabases' };
    if (this.acceptWord('TABLES')) {
      const namespace = this.acceptWord('FROM') || this.acceptWord('IN') ? this.identifier() : undefined;
      let like: string | undefined;
      if (this.acceptWord('LIKE')) {
        const p = this.literal();
        if (p.type !== 'string') throw this.unexpected('a string');
        like = p.value;
      }
      return { kind: 'showTables', ...(namespace !== undefined ? { namespace } : {}), ...(like !== undefined ? { like } : {}) };
    }
    if (this.acceptWord('CREATE')) {
      this.expectWord('TABLE');
      return { kind: 'showCreateTable', table: this.tableRef() };
    }
    if (this.acceptWord('COLUMNS') || this.acceptWord('FIELDS')) {
      if (!this.acceptWord('FROM')) this.expectWord('IN');
      const table = this.tableRef();
      if (this.acceptWord('FROM') || this.acceptWord('IN')) return { kind: 'describe', table: { namespace: this.identifier(), name: table.name } };
      return { kind: 'describe', table };
    }
    throw this.unexpected('DATABASES, TABLES, CREATE TABLE or COLUMNS');
  }

  private describe(): Statement {
    this.next();
    this.acceptWord('TABLE');
    return { kind: 'describe', table: this.tableRef() };
  }

  private set(): Statement {
    this.next();
    const t = this.peek();
    let name: string;
    if (t.kind === 'variable') {
      this.next();
      name = t.text.replace(/^(session|local)\./i, '');
    } else {
      if (this.isWord('SESSION') || this.isWord('LOCAL')) this.next();
      name = this.identifier();
    }
    this.expectPunct('=');
    return { kind: 'set', name: name.toUpperCase(), value: this.literalOrWord() };
  }

  /** A literal, or a bare word taken as a string (`SET SQL_MODE = NO_BACKSLASH_ESCAPES`). */
  private literalOrWord(): Literal {
    const t = this.peek();
    if (t.kind === 'word' && !this.isLiteralWord(t)) return { type: 'string', value: this.next().text };
    return this.literal();
  }

  // ---- terminals ----------------------------------------------------------------------------------------

  private literal(): Literal {
    const t = this.next();
    if (t.kind === 'string') return { type: 'string', value: t.text };
    if (t.kind === 'hex') return { type: 'hex', bytes: t.bytes! };
    if (t.kind === 'number') return { type: 'number', text: t.text };
    if (t.kind === 'punct' && (t.text === '-' || t.text === '+')) {
      const n = this.next();
      if (n.kind !== 'number') throw this.unexpected('a number', n);
      return { type: 'number', text: t.text === '-' ? `-${n.text}` : n.text };
    }
    if (t.kind === 'word') {
      const w = t.text.toUpperCase();
      if (w === 'NULL') return { type: 'null' };
      if (w === 'TRUE' || w === 'FALSE') return { type: 'bool', value: w === 'TRUE' };
      if ((w === 'DATE' || w === 'TIME' || w === 'TIMESTAMP') && this.peek().kind === 'string') return { type: 'string', value: this.next().text };
    }
    throw this.unexpected('a literal', t);
  }

  private isLiteralWord(t: Token): boolean {
    if (t.kind !== 'word') return false;
    const w = t.text.toUpperCase();
    return w === 'NULL' || w === 'TRUE' || w === 'FALSE' || ((w === 'DATE' || w === 'TIME' || w === 'TIMESTAMP') && this.tokens[this.i + 1]?.kind === 'string');
  }

  private tableRef(): TableRef {
    const first = this.identifier();
    if (!this.acceptPunct('.')) return { name: first };
    return { namespace: first, name: this.identifier() };
  }

  private identifier(): string {
    const t = this.next();
    if (t.kind === 'quoted') return t.text;
    if (t.kind === 'word' && !RESERVED.has(t.text.toUpperCase())) return t.text;
    throw this.unexpected('an identifier', t);
  }

  private integer(): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^[0-9]+$/.test(t.text)) throw this.unexpected('an integer', t);
    return Number(t.text);
  }

  private list<T>(item: () => T): T[] {
    this.expectPunct('(');
    const out: T[] = [];
    do out.push(item());
    while (this.acceptPunct(','));
    this.expectPunct(')');
    return out;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'word' && t.text.toUpperCase() === word;
  }

  private isPunct(p: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === p;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.i++;
    return true;
  }

  private acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.i++;
    return true;
  }

  private expectWord(word: string): void {
    if (word === '1' ? !(this.peek().kind === 'number' && this.peek().text === '1') : !this.isWord(word)) throw this.unexpected(word);
    this.i++;
  }

  private expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw this.unexpected(`"${p}"`);
  }

  private unexpected(expecting?: string, t: Token = this.peek()): LindormError {
    const shown = t.kind === 'string' ? `'${t.text}'` : t.kind === 'quoted' ? `\`${t.text}\`` : t.text;
    return errors.parse(shown, t.line, t.column, expecting);
  }
}
