import { describe, expect, it } from 'vitest';
import { readBinlogFile } from '../shared/binlog/events/binlog-file.ts';
import type { JsonDiff } from '../shared/binlog/events/json-diff.ts';
import { applyJsonDiffs, JsonDiffError } from '../shared/binlog/json-diff-apply.ts';
import { mysqlJsonToText } from '../shared/binlog/mysql-json.ts';
import { binlogFixturePath } from './helpers/binlog-fixtures.ts';

const replace = (path: string, value: string): JsonDiff => ({ operation: 'replace', path, value });
const insert = (path: string, value: string): JsonDiff => ({ operation: 'insert', path, value });
const remove = (path: string): JsonDiff => ({ operation: 'remove', path });

/** The JsonDiffError applying `diffs` throws (fails the test when none is thrown). */
function rejection(before: string, diffs: JsonDiff[]): JsonDiffError {
  try {
    applyJsonDiffs(before, diffs);
  } catch (e) {
    expect(e).toBeInstanceOf(JsonDiffError);
    return e as JsonDiffError;
  }
  throw new Error(`applying ${JSON.stringify(diffs)} to ${before} did not throw`);
}

describe('applyJsonDiffs: replace', () => {
  it('replaces a member, keeping the other members and their text', () => {
    expect(applyJsonDiffs('{"a": 1.0, "bb": "x"}', [replace('$.a', '"new"')])).toBe('{"a": "new", "bb": "x"}');
  });

  it('replaces an array cell by index, by last and by last-n', () => {
    expect(applyJsonDiffs('[1, 2, 3]', [replace('$[1]', 'true')])).toBe('[1, true, 3]');
    expect(applyJsonDiffs('[1, 2, 3]', [replace('$[last]', 'null')])).toBe('[1, 2, null]');
    expect(applyJsonDiffs('[1, 2, 3]', [replace('$[last-2]', '{}')])).toBe('[{}, 2, 3]');
  });

  it('replaces in nested containers, with a container value', () => {
    const before = '{"a": {"b": [10, {"c": 1}]}}';
    expect(applyJsonDiffs(before, [replace('$.a.b[1].c', '[1, [2, {"k": 1e100}]]')])).toBe('{"a": {"b": [10, {"c": [1, [2, {"k": 1e100}]]}]}}');
  });

  it('rejects a diff at $ as MySQL does (sql/json_diff.cc: a root diff is REJECTED)', () => {
    const e = rejection('{"a": 1}', [replace('$', '[1]')]);
    expect(e.operation).toBe('replace');
    expect(e.path).toBe('$');
    expect(e.message).toMatch(/^JSON diff replace at \$: .*whole document/);
  });

  it('rejects replacing what is not there: a missing member, a cell past the end, last-n before the start', () => {
    expect(rejection('{"a": 1}', [replace('$.b', '2')]).message).toContain('no member "b" in an object of 1 members');
    expect(rejection('[1]', [replace('$[1]', '2')]).message).toContain('nothing to replace');
    expect(rejection('[1]', [replace('$[last-1]', '2')]).message).toContain('nothing to replace');
  });

  it('does not auto-wrap: [0] on a scalar and a member leg on an array are rejected (seek_exact_path)', () => {
    expect(rejection('{"a": 5}', [replace('$.a[0]', '6')]).message).toContain('in the scalar 5');
    expect(rejection('{"a": [5]}', [replace('$.a.x', '6')]).message).toContain('in an array of 1');
    expect(rejection('{"a": 5}', [replace('$.a.b.c', '6')]).message).toContain('the path does not resolve');
  });
});

describe('applyJsonDiffs: insert', () => {
  it('places a new member in MySQL key order: by byte length, then bytes', () => {
    // {"b": 1, "aa": 2} is already in MySQL order (length first).
    expect(applyJsonDiffs('{"b": 1, "aa": 2}', [insert('$.a', '0')])).toBe('{"a": 0, "b": 1, "aa": 2}');
    expect(applyJsonDiffs('{"b": 1, "aa": 2}', [insert('$.c', '0')])).toBe('{"b": 1, "c": 0, "aa": 2}');
    expect(applyJsonDiffs('{"b": 1, "aa": 2}', [insert('$.ab', '0')])).toBe('{"b": 1, "aa": 2, "ab": 0}');
    expect(applyJsonDiffs('{"b": 1, "aa": 2}', [insert('$.aaa', '0')])).toBe('{"b": 1, "aa": 2, "aaa": 0}');
    expect(applyJsonDiffs('{}', [insert('$.x', '"y"')])).toBe('{"x": "y"}');
  });

  it('orders by UTF-8 bytes, not UTF-16 code units: "é" is 2 bytes (0xC3 0xA9), so it follows "zz" and precedes "zzz"', () => {
    expect(applyJsonDiffs('{"z": 1, "zz": 2}', [insert('$."é"', '3')])).toBe('{"z": 1, "zz": 2, "é": 3}');
    expect(applyJsonDiffs('{"z": 1, "zzz": 2}', [insert('$."é"', '3')])).toBe('{"z": 1, "é": 3, "zzz": 2}');
  });

  it('rejects inserting a member the object already has', () => {
    expect(rejection('{"a": 1}', [insert('$.a', '2')]).message).toBe('JSON diff insert at $.a: the object already has member "a"');
  });

  it('inserts into an array at the index, at last (before the last cell), and appends past the end', () => {
    expect(applyJsonDiffs('[1, 2, 3]', [insert('$[1]', '"x"')])).toBe('[1, "x", 2, 3]');
    expect(applyJsonDiffs('[1, 2, 3]', [insert('$[0]', '0')])).toBe('[0, 1, 2, 3]');
    expect(applyJsonDiffs('[1, 2, 3]', [insert('$[3]', '4')])).toBe('[1, 2, 3, 4]');
    expect(applyJsonDiffs('[1, 2, 3]', [insert('$[99]', '4')])).toBe('[1, 2, 3, 4]');
    expect(applyJsonDiffs('[1, 2, 3]', [insert('$[last]', '"x"')])).toBe('[1, 2, "x", 3]');
    // Json_array_index: last-n before the start is position 0.
    expect(applyJsonDiffs('[1, 2]', [insert('$[last-5]', '0')])).toBe('[0, 1, 2]');
    expect(applyJsonDiffs('{"a": []}', [insert('$.a[0]', '1')])).toBe('{"a": [1]}');
  });

  it('rejects a member leg into an array, a cell leg into an object, and anything into a scalar', () => {
    expect(rejection('[1]', [insert('$.a', '2')]).message).toContain('cannot insert a member "a" into an array of 1');
    expect(rejection('{"a": 1}', [insert('$[0]', '2')]).message).toContain('cannot insert a cell [0]');
    expect(rejection('{"a": 1}', [insert('$.a.b', '2')]).message).toContain('into the scalar 1');
    expect(rejection('{"a": 1}', [insert('$.b.c', '2')]).message).toContain('the path does not resolve');
  });
});

describe('applyJsonDiffs: remove', () => {
  it('removes a member and an array cell', () => {
    expect(applyJsonDiffs('{"a": 1, "b": [1, 2, 3]}', [remove('$.a')])).toBe('{"b": [1, 2, 3]}');
    expect(applyJsonDiffs('{"a": 1, "b": [1, 2, 3]}', [remove('$.b[1]')])).toBe('{"a": 1, "b": [1, 3]}');
    expect(applyJsonDiffs('{"a": 1, "b": [1, 2, 3]}', [remove('$.b[last]')])).toBe('{"a": 1, "b": [1, 2]}');
    expect(applyJsonDiffs('{"a": 1}', [remove('$.a')])).toBe('{}');
  });

  it('rejects removing what is not there', () => {
    expect(rejection('{"a": 1}', [remove('$.b')]).message).toContain('nothing to remove: no member "b"');
    expect(rejection('[1]', [remove('$[1]')]).message).toContain('nothing to remove: no cell [1]');
    expect(rejection('[1]', [remove('$.a')]).message).toContain('nothing to remove');
  });
});

describe('applyJsonDiffs: paths', () => {
  it('quoted member names with spaces, escapes and unicode escapes; unquoted names as identifiers', () => {
    // In MySQL key order: "é" (2 bytes), "a b" (3), "$x_1" and "tab\t" (4; "$" < "t"), "q\"uote" (6), "back\\slash" (10).
    const before = '{"é": 5, "a b": 1, "$x_1": 6, "tab\\t": 4, "q\\"uote": 2, "back\\\\slash": 3}';
    const after = (values: number[]) => `{"é": ${values[0]}, "a b": ${values[1]}, "$x_1": ${values[2]}, "tab\\t": ${values[3]}, "q\\"uote": ${values[4]}, "back\\\\slash": ${values[5]}}`;
    expect(after([5, 1, 6, 4, 2, 3])).toBe(before);
    expect(applyJsonDiffs(before, [replace('$."a b"', '10')])).toBe(after([5, 10, 6, 4, 2, 3]));
    expect(applyJsonDiffs(before, [replace('$."q\\"uote"', '20'), replace('$."back\\\\slash"', '30')])).toBe(after([5, 1, 6, 4, 20, 30]));
    expect(applyJsonDiffs(before, [replace('$."tab\\u0009"', '40'), replace('$."\\u00e9"', '50'), replace('$.$x_1', '60')])).toBe(after([50, 1, 60, 40, 2, 3]));
  });

  it('prints every object in MySQL key order, as the server stores it (a before text out of order is reordered)', () => {
    expect(applyJsonDiffs('{"bb": 1, "a": {"yy": 2, "x": 3}}', [])).toBe('{"a": {"x": 3, "yy": 2}, "bb": 1}');
  });

  it('prints an inserted member name as MySQL quotes it', () => {
    expect(applyJsonDiffs('{}', [insert('$."new\\nline \\u0001"', '1')])).toBe('{"new\\nline \\u0001": 1}');
  });

  it('allows whitespace between legs and inside brackets, as parse_path does', () => {
    expect(applyJsonDiffs('{"a": [1, 2, 3]}', [replace(' $ .a [ last - 1 ] ', '9')])).toBe('{"a": [1, 9, 3]}');
  });

  it('keys named __proto__ and constructor are ordinary members', () => {
    const before = '{"__proto__": {"x": 1}, "constructor": 2}';
    expect(applyJsonDiffs(before, [replace('$.__proto__.x', '3'), remove('$.constructor'), insert('$.toString', '4')])).toBe(
      '{"toString": 4, "__proto__": {"x": 3}}',
    );
    expect(applyJsonDiffs('{}', [insert('$.__proto__', '[]'), insert('$.constructor', '{}')])).toBe('{"__proto__": [], "constructor": {}}');
  });

  it('rejects malformed paths and paths that match many values', () => {
    for (const path of ['', 'a', '$.', '$a', '$[', '$[x]', '$[1', '$[-1]', '$[4294967296]', '$.1a', '$.a-b', '$."unterminated', '$.*', '$[*]', '$**.a', '$[1 to 2]']) {
      const e = rejection('{"a": [1]}', [replace(path, '1')]);
      expect(e.path).toBe(path);
      expect(e.operation).toBe('replace');
    }
  });
});

describe('applyJsonDiffs: text', () => {
  it('keeps number tokens byte for byte', () => {
    const before = '{"a": 1.0, "b": -0.0, "c": 1e100, "d": 18446744073709551615, "e": -9223372036854775808, "f": 1.5E-7}';
    expect(applyJsonDiffs(before, [insert('$.g', '123456789012345678901234567890.10')])).toBe(
      '{"a": 1.0, "b": -0.0, "c": 1e100, "d": 18446744073709551615, "e": -9223372036854775808, "f": 1.5E-7, "g": 123456789012345678901234567890.10}',
    );
  });

  it('prints with MySQL separators whatever the input spacing', () => {
    expect(applyJsonDiffs(' {"a" :[1 ,2],"b":{ }} ', [replace('$.b', ' [ ] ')])).toBe('{"a": [1, 2], "b": []}');
  });

  it('applies diffs in order, each seeing the previous ones', () => {
    const diffs = [insert('$.list[0]', '0'), remove('$.list[last]'), insert('$.n', '{}'), insert('$.n.k', '"v"'), replace('$.list[1]', '"one"')];
    expect(applyJsonDiffs('{"list": [1, 2, 3]}', diffs)).toBe('{"n": {"k": "v"}, "list": [0, "one", 2]}');
  });

  it('fails whole: a later diff that cannot apply throws, nothing partial comes back', () => {
    const e = rejection('{"a": 1}', [replace('$.a', '2'), remove('$.zz')]);
    expect(e.path).toBe('$.zz');
    expect(e.operation).toBe('remove');
    expect(e.reason).toContain('nothing to remove');
  });

  it('rejects malformed JSON in the before value and in a diff value, and a diff without a value', () => {
    for (const before of ['', '{', '{"a" 1}', '{"a": 1,}', '[1 2]', '{"a": 01}', '{"a": tru}', '"\\x"', '"a\nb"', '{"a": 1} x', '{"a": 1, "a": 2}', `${'['.repeat(101)}${']'.repeat(101)}`]) {
      const e = rejection(before, []);
      expect(e.operation).toBeUndefined();
      expect(e.message).toMatch(/^JSON before value: malformed JSON text: /);
    }
    expect(rejection('{"a": 1}', [replace('$.a', '[1,')]).message).toMatch(/^JSON diff replace at \$\.a: value: malformed JSON text: /);
    expect(rejection('{"a": 1}', [{ operation: 'replace', path: '$.a' }]).reason).toBe('the diff has no value');
  });

  it('accepts 100 levels of nesting, MySQL’s limit', () => {
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    expect(applyJsonDiffs(deep, [])).toBe(deep);
  });
});

describe('applyJsonDiffs on a real MySQL 8.0.22 binlog (rmc--json.binlog.000001)', () => {
  // The file (from blackbeam/rust_mysql_common test-data) holds: CREATE TABLE t(id INT PRIMARY KEY
  // AUTO_INCREMENT, json_col JSON, name VARCHAR(100) AS (json_col->>'$.name'), age INT AS
  // (json_col->'$.age')); inserts of ids 1–6; a full-image UPDATE (age + 1); then a
  // PARTIAL_UPDATE_ROWS_EVENT whose before images hold only the key (binlog_row_image MINIMAL) and
  // whose after images give json_col as `replace $.age`. Its before value is therefore the previous
  // full UPDATE's after image of the same id. rust_mysql_common's tests state no after-values for this
  // file; the cross-check is the server's own: the after image's generated columns name and age were
  // computed by MySQL from the new document.
  it('applies each row’s diffs to the row’s previous value; the result agrees with the generated columns', async () => {
    const path = binlogFixturePath('rmc--json.binlog.000001');
    const known = new Map<unknown, string>();
    const results: string[] = [];
    for await (const event of readBinlogFile(path, { jsonText: mysqlJsonToText })) {
      if (event.kind !== 'rows') continue;
      for (const row of event.rows) {
        const after = row.after!.values;
        const id = row.before?.values[0] ?? after[0];
        const json = after[1];
        if (typeof json === 'string') known.set(id, json);
        if (!event.partialJson) continue;
        expect(row.before!.values[1]).toBeUndefined();
        expect(json !== null && typeof json === 'object' && 'jsonDiffs' in json).toBe(true);
        if (json === null || typeof json !== 'object' || !('jsonDiffs' in json)) continue;
        const before = known.get(id);
        expect(before).toBeDefined();
        const result = applyJsonDiffs(before!, json.jsonDiffs);
        const parsed = JSON.parse(result) as { name: unknown; age: unknown };
        expect([parsed.name, parsed.age]).toEqual([after[2], after[3]]);
        known.set(id, result);
        results.push(result);
      }
    }
    expect(results).toEqual([
      '{"age": 26, "data": "xxxxxxxxxx", "name": "Joe"}',
      '{"age": 34, "data": "yyyyyyyyyy", "name": "Sue"}',
      '{"age": 42, "data": "zzzzzzzzzz", "name": "Pete"}',
      '{"age": 26, "data": "xxxxxxxxxx", "name": "Joe"}',
      '{"age": 34, "data": "yyyyyyyyyy", "name": "Sue"}',
      '{"age": 42, "data": "zzzzzzzzzz", "name": "Pete"}',
    ]);
  });
});
