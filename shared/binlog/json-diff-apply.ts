/**
 * The after value of a JSON column that a PARTIAL_UPDATE_ROWS_EVENT gives as diffs (json-diff.ts)
 * against its before value: the diffs applied in order as the server applies them, and the new
 * document printed as MySQL prints it (mysql-json.ts: `, ` and `: `, members in stored order).
 *
 * Follows mysql-server sql/json_diff.cc (apply_json_diffs, seek_exact_path), sql/json_path.cc
 * (parse_path, Json_path_leg::to_string), sql/json_path.h (Json_array_index) and
 * sql-common/json_dom.cc (Json_key_comparator: keys by byte length, then bytes; Json_array::insert_alias).
 * A diff at `$`, a path that does not resolve or a member INSERT of an existing key is REJECTED there:
 * here each throws JsonDiffError. Scalars keep their text byte for byte; object members are kept in
 * MySQL's key order, so an inserted member lands where the server stores it. Member names live in
 * arrays, never as JS object keys.
 */
import { FcDtsError } from '../errors.ts';
import type { JsonDiff, JsonDiffOperation } from './events/json-diff.ts';
import { mysqlJsonQuote } from './mysql-json-quote.ts';

/** A diff that cannot be applied to its value, or JSON text or a path that does not parse. */
export class JsonDiffError extends FcDtsError {
  /** The diff's operation and path; absent when the before value itself is at fault. */
  readonly operation: JsonDiffOperation | undefined;
  readonly path: string | undefined;
  readonly reason: string;

  constructor(reason: string, diff?: Pick<JsonDiff, 'operation' | 'path'>) {
    super(
      'BINLOG_DECODE_FAILED',
      `${diff === undefined ? 'JSON before value' : `JSON diff ${diff.operation} at ${diff.path}`}: ${reason}`,
      'the partial JSON update does not fit the before value it was applied to: report it with the binlog file and position',
    );
    this.operation = diff?.operation;
    this.path = diff?.path;
    this.reason = reason;
  }
}

type JsonNode = JsonScalar | JsonArray | JsonObject;
interface JsonScalar { readonly kind: 'scalar'; readonly text: string }
interface JsonArray { readonly kind: 'array'; readonly items: JsonNode[] }
interface JsonObject { readonly kind: 'object'; readonly members: Member[] }
interface Member {
  /** The decoded key, its UTF-8 bytes (for MySQL's key order) and its quoted text. */
  readonly key: string;
  readonly bytes: Buffer;
  readonly text: string;
  value: JsonNode;
}

/** The after value: `diffs` applied in order to `before`, printed as MySQL prints JSON. */
export function applyJsonDiffs(before: string, diffs: readonly JsonDiff[]): string {
  const root = parseJson(before, (reason) => new JsonDiffError(reason));
  for (const diff of diffs) applyDiff(root, diff);
  return printJson(root);
}

function applyDiff(root: JsonNode, diff: JsonDiff): void {
  const fail = (reason: string): JsonDiffError => new JsonDiffError(reason, diff);
  const legs = parsePath(diff.path, fail);
  const last = legs.pop();
  if (last === undefined) throw fail('MySQL rejects a diff of the whole document ($): the server logs a full value instead');
  const parent = seekExact(root, legs, fail);
  if (diff.operation === 'remove') return remove(parent, last, fail);
  if (diff.value === undefined) throw fail('the diff has no value');
  const value = parseJson(diff.value, (reason) => fail(`value: ${reason}`));
  if (diff.operation === 'replace') replace(parent, last, value, fail);
  else insert(parent, last, value, fail);
}

// ---- paths (sql/json_path.cc parse_path) ----

type Leg = { readonly kind: 'member'; readonly name: string } | { readonly kind: 'cell'; readonly index: number; readonly fromEnd: boolean };
type Fail = (reason: string) => JsonDiffError;

const PATH_SPACE = /[ \t\n\v\f\r]*/y;
const ARRAY_INDEX = /(?:(last)[ \t\n\v\f\r]*(?:-[ \t\n\v\f\r]*(\d+))?|(\d+))[ \t\n\v\f\r]*\]/y;
const UNQUOTED_NAME = /[^ \t\n\v\f\r.[*]+/y;
const UINT32_MAX = 0xffffffff;

/** The legs of a path: `$`, then `.name`, `."quoted name"`, `[n]`, `[last]`, `[last-n]`, whitespace between. */
function parsePath(path: string, fail: Fail): Leg[] {
  let at = skipSpace(path, 0);
  if (path[at] !== '$') throw fail('the path does not start with $');
  const legs: Leg[] = [];
  for (at = skipSpace(path, at + 1); at < path.length; at = skipSpace(path, at)) {
    const c = path[at];
    if (c === '.') at = memberLeg(path, skipSpace(path, at + 1), legs, fail);
    else if (c === '[') at = cellLeg(path, skipSpace(path, at + 1), legs, fail);
    else if (c === '*') throw fail('a ** leg matches many values; a diff path names one');
    else throw fail(`unexpected ${JSON.stringify(c)} at offset ${at} of the path`);
  }
  return legs;
}

function skipSpace(path: string, at: number): number {
  PATH_SPACE.lastIndex = at;
  PATH_SPACE.test(path);
  return PATH_SPACE.lastIndex;
}

function memberLeg(path: string, at: number, legs: Leg[], fail: Fail): number {
  if (path[at] === '*') throw fail('a .* leg matches many values; a diff path names one');
  if (path[at] === '"') {
    const end = quotedEnd(path, at);
    legs.push({ kind: 'member', name: parseJsonString(path.slice(at, end), (reason) => fail(`member name: ${reason}`)) });
    return end;
  }
  UNQUOTED_NAME.lastIndex = at;
  const m = UNQUOTED_NAME.exec(path);
  if (!m) throw fail(`no member name at offset ${at} of the path`);
  const name = parseJsonString(`"${m[0]}"`, (reason) => fail(`member name: ${reason}`));
  if (!isIdentifier(name)) throw fail(`unquoted member name ${JSON.stringify(name)} is not an identifier`);
  legs.push({ kind: 'member', name });
  return UNQUOTED_NAME.lastIndex;
}

/** The offset after the closing quote of the name opening at `at` (a backslash escapes the next character). */
function quotedEnd(path: string, at: number): number {
  for (let i = at + 1; i < path.length; i++) {
    if (path[i] === '\\') i++;
    else if (path[i] === '"') return i + 1;
  }
  return path.length;
}

/**
 * Unquoted names are ECMAScript identifiers (json_path.cc is_ecmascript_identifier): ASCII letters,
 * `$`, `_`, and digits after the first. Non-ASCII characters are let through: the server's letter test
 * (my_isalpha on a code point) is not Unicode's, and it wrote the path.
 */
function isIdentifier(name: string): boolean {
  return /^[A-Za-z$_\u0080-\u{10ffff}][A-Za-z0-9$_\u0080-\u{10ffff}]*$/u.test(name);
}

function cellLeg(path: string, at: number, legs: Leg[], fail: Fail): number {
  if (path[at] === '*') throw fail('a [*] leg matches many values; a diff path names one');
  ARRAY_INDEX.lastIndex = at;
  const m = ARRAY_INDEX.exec(path);
  if (!m) throw fail(`no array index (n, last or last-n, then ]) at offset ${at} of the path (ranges match many values)`);
  const index = Number(m[2] ?? m[3] ?? '0');
  if (index > UINT32_MAX) throw fail(`array index ${index} is over ${UINT32_MAX}`);
  legs.push({ kind: 'cell', index, fromEnd: m[1] !== undefined });
  return ARRAY_INDEX.lastIndex;
}

// ---- applying (sql/json_diff.cc apply_json_diffs) ----

/** The position a cell leg names in an array of `length` (Json_array_index): clamped to 0..length. */
function cellPosition(leg: Extract<Leg, { kind: 'cell' }>, length: number): { at: number; within: boolean } {
  const within = leg.index < length;
  if (leg.fromEnd) return { at: within ? length - leg.index - 1 : 0, within };
  return { at: Math.min(leg.index, length), within };
}

function legText(leg: Leg): string {
  return leg.kind === 'member' ? `member ${mysqlJsonQuote(leg.name)}` : `cell [${leg.fromEnd ? `last-${leg.index}` : leg.index}]`;
}

/** The value at `legs`: members of objects and in-bounds cells of arrays only, no auto-wrapping (seek_exact_path). */
function seekExact(root: JsonNode, legs: readonly Leg[], fail: Fail): JsonNode {
  let node = root;
  for (const leg of legs) {
    const next = child(node, leg);
    if (next === undefined) throw fail(`the path does not resolve: no ${legText(leg)} in ${describe(node)}`);
    node = next;
  }
  return node;
}

function child(node: JsonNode, leg: Leg): JsonNode | undefined {
  if (node.kind === 'object' && leg.kind === 'member') return findMember(node, leg.name)?.value;
  if (node.kind !== 'array' || leg.kind !== 'cell') return undefined;
  const { at, within } = cellPosition(leg, node.items.length);
  return within ? node.items[at] : undefined;
}

function replace(parent: JsonNode, leg: Leg, value: JsonNode, fail: Fail): void {
  if (parent.kind === 'object' && leg.kind === 'member') {
    const member = findMember(parent, leg.name);
    if (member) return void (member.value = value);
  } else if (parent.kind === 'array' && leg.kind === 'cell') {
    const { at, within } = cellPosition(leg, parent.items.length);
    if (within) return void (parent.items[at] = value);
  }
  throw fail(`nothing to replace: no ${legText(leg)} in ${describe(parent)}`);
}

/** A new member in key order (MySQL rejects an existing key); an array cell inserted at its position, or appended past the end. */
function insert(parent: JsonNode, leg: Leg, value: JsonNode, fail: Fail): void {
  if (parent.kind === 'object' && leg.kind === 'member') {
    if (findMember(parent, leg.name)) throw fail(`the object already has member ${mysqlJsonQuote(leg.name)}`);
    return addMember(parent, newMember(leg.name, mysqlJsonQuote(leg.name), value));
  }
  if (parent.kind === 'array' && leg.kind === 'cell') return void parent.items.splice(cellPosition(leg, parent.items.length).at, 0, value);
  throw fail(`cannot insert a ${legText(leg)} into ${describe(parent)}`);
}

function remove(parent: JsonNode, leg: Leg, fail: Fail): void {
  if (parent.kind === 'object' && leg.kind === 'member') {
    const i = parent.members.findIndex((m) => m.key === leg.name);
    if (i >= 0) return void parent.members.splice(i, 1);
  } else if (parent.kind === 'array' && leg.kind === 'cell') {
    const { at, within } = cellPosition(leg, parent.items.length);
    if (within) return void parent.items.splice(at, 1);
  }
  throw fail(`nothing to remove: no ${legText(leg)} in ${describe(parent)}`);
}

function describe(node: JsonNode): string {
  if (node.kind === 'array') return `an array of ${node.items.length}`;
  return node.kind === 'object' ? `an object of ${node.members.length} members` : `the scalar ${node.text}`;
}

// ---- objects in MySQL's key order (json_dom.cc Json_key_comparator) ----

function newMember(key: string, text: string, value: JsonNode): Member {
  return { key, bytes: Buffer.from(key, 'utf8'), text, value };
}

/** Shorter keys first, equal lengths by their UTF-8 bytes. */
function compareKeys(a: Buffer, b: Buffer): number {
  return a.length - b.length || Buffer.compare(a, b);
}

function findMember(object: JsonObject, key: string): Member | undefined {
  return object.members.find((m) => m.key === key);
}

function addMember(object: JsonObject, member: Member): void {
  const i = object.members.findIndex((m) => compareKeys(member.bytes, m.bytes) < 0);
  object.members.splice(i < 0 ? object.members.length : i, 0, member);
}

// ---- JSON text: a tree whose scalars keep their text ----

/** JSON_DOCUMENT_MAX_DEPTH (sql-common/json_syntax_check.h). */
const MAX_DEPTH = 100;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;
const SPACE = /[ \t\n\r]*/y;
const ESCAPES: ReadonlyMap<string, string> = new Map([['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t']]);

function parseJson(text: string, fail: Fail): JsonNode {
  const p = new TextParser(text, fail);
  const node = p.value(0);
  p.end();
  return node;
}

/** The decoded value of one JSON string literal (the whole of `text`). */
function parseJsonString(text: string, fail: Fail): string {
  const p = new TextParser(text, fail);
  const s = p.string().value;
  p.end();
  return s;
}

class TextParser {
  private at = 0;

  constructor(private readonly text: string, private readonly fail: Fail) {}

  value(depth: number): JsonNode {
    this.space();
    const c = this.text[this.at];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) throw this.error(`nested deeper than ${MAX_DEPTH} levels`);
      return c === '{' ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === '"') return { kind: 'scalar', text: this.string().raw };
    const token = this.token(NUMBER) ?? this.token(LITERAL);
    if (token === undefined) throw this.error('no JSON value');
    return { kind: 'scalar', text: token };
  }

  end(): void {
    this.space();
    if (this.at < this.text.length) throw this.error('text after the JSON value');
  }

  string(): { raw: string; value: string } {
    const start = this.at;
    if (this.text[this.at++] !== '"') throw this.error('no string', start);
    let value = '';
    for (;;) {
      const c = this.text[this.at++];
      if (c === undefined) throw this.error('unterminated string', start);
      if (c === '"') return { raw: this.text.slice(start, this.at), value };
      if (c < ' ') throw this.error('unescaped control character in a string', this.at - 1);
      value += c === '\\' ? this.escape() : c;
    }
  }

  private object(depth: number): JsonObject {
    const object: JsonObject = { kind: 'object', members: [] };
    this.at++;
    if (this.close('}')) return object;
    do {
      this.space();
      const keyAt = this.at;
      const key = this.string();
      this.space();
      if (this.text[this.at++] !== ':') throw this.error('no : after an object key', this.at - 1);
      const member = newMember(key.value, key.raw, this.value(depth));
      if (findMember(object, key.value)) throw this.error(`duplicate key ${key.raw}`, keyAt);
      addMember(object, member);
    } while (this.separator('}'));
    return object;
  }

  private array(depth: number): JsonArray {
    const array: JsonArray = { kind: 'array', items: [] };
    this.at++;
    if (this.close(']')) return array;
    do array.items.push(this.value(depth));
    while (this.separator(']'));
    return array;
  }

  /** After an element: true on `,`, false on the closing bracket. */
  private separator(closing: string): boolean {
    this.space();
    const c = this.text[this.at++];
    if (c === ',') return true;
    if (c === closing) return false;
    throw this.error(`no , or ${closing}`, this.at - 1);
  }

  private close(closing: string): boolean {
    this.space();
    if (this.text[this.at] !== closing) return false;
    this.at++;
    return true;
  }

  private escape(): string {
    const c = this.text[this.at++] ?? '';
    const simple = ESCAPES.get(c);
    if (simple !== undefined) return simple;
    const hex = this.text.slice(this.at, this.at + 4);
    if (c !== 'u' || !/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error(`bad escape \\${c}`, this.at - 2);
    this.at += 4;
    return String.fromCharCode(parseInt(hex, 16));
  }

  private token(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.at;
    const m = pattern.exec(this.text);
    if (!m) return undefined;
    this.at = pattern.lastIndex;
    return m[0];
  }

  private space(): void {
    SPACE.lastIndex = this.at;
    SPACE.test(this.text);
    this.at = SPACE.lastIndex;
  }

  private error(reason: string, at = this.at): JsonDiffError {
    return this.fail(`malformed JSON text: ${reason} at offset ${at}`);
  }
}

function printJson(node: JsonNode): string {
  if (node.kind === 'scalar') return node.text;
  if (node.kind === 'array') return `[${node.items.map(printJson).join(', ')}]`;
  return `{${node.members.map((m) => `${m.text}: ${printJson(m.value)}`).join(', ')}}`;
}
