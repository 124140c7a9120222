/**
 * The Tablestore stand-in driven through the official `tablestore` client: table and row operations, conditions,
 * batches, range paging, the service's limits and error answers, authentication, and persistence.
 */
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import TableStore from 'tablestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTablestoreStandIn, type TablestoreStandIn } from '../infra/tablestore-standin/index.ts';
import { readRow } from '../infra/tablestore-standin/plain-buffer.ts';

const AK = 'test-access-key';
const SECRET = 'test-secret';
const { Long, Condition, RowExistenceExpectation: Expect, INF_MIN, INF_MAX } = TableStore;
const IGNORE = new Condition(Expect.IGNORE, null);

function clientFor(standIn: TablestoreStandIn, overrides: Partial<TableStore.ClientConfig> = {}): TableStore.Client {
  return new TableStore.Client({
    accessKeyId: AK,
    secretAccessKey: SECRET,
    endpoint: standIn.endpoint,
    instancename: standIn.instance,
    maxRetries: 0,
    ...overrides,
  });
}

async function createTable(
  client: TableStore.Client,
  tableName: string,
  primaryKey: Array<{ name: string; type: TableStore.PrimaryKeyTypeName }>,
): Promise<void> {
  await client.createTable({
    tableMeta: { tableName, primaryKey },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: -1, maxVersions: 1 },
  });
}

interface Rejection {
  /** What the SDK puts in err.code: the HTTP status. */
  status: number | string;
  /** The error name, found inside the SDK's message. */
  name: string | undefined;
  message: string;
  headers: Record<string, string>;
}

async function rejection(call: Promise<unknown>): Promise<Rejection> {
  try {
    await call;
  } catch (e) {
    const err = e as TableStore.TableStoreError;
    return { status: err.code, name: /OTS[A-Za-z]+/.exec(err.message)?.[0], message: err.message, headers: err.headers ?? {} };
  }
  throw new Error('expected the call to fail');
}

function attributes(row: { attributes?: TableStore.AttributeColumn[] | null }): Record<string, TableStore.ColumnValue> {
  return Object.fromEntries((row.attributes ?? []).map((a) => [a.columnName, a.columnValue]));
}

function keyOf(row: { primaryKey?: TableStore.PrimaryKeyColumn[] } | null): string[] {
  return (row?.primaryKey ?? []).map((c) => String(c.value));
}

describe('Tablestore stand-in', () => {
  let standIn: TablestoreStandIn;
  let client: TableStore.Client;

  beforeAll(async () => {
    standIn = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET });
    client = clientFor(standIn);
  });
  afterAll(async () => {
    await standIn.close();
  });

  it('creates, describes, lists, updates and deletes tables', async () => {
    await client.createTable({
      tableMeta: {
        tableName: 'tbl_meta',
        primaryKey: [
          { name: 'pk_int', type: 'INTEGER' },
          { name: 'pk_str', type: TableStore.PrimaryKeyType.STRING },
          { name: 'pk_bin', type: 'BINARY' },
        ],
        definedColumn: [{ name: 'dc', type: TableStore.DefinedColumnType.DCT_STRING }],
      },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    const described = await client.describeTable({ tableName: 'tbl_meta' });
    expect(described.tableMeta.tableName).toBe('tbl_meta');
    expect(described.tableMeta.primaryKey.map((c) => [c.name, c.type])).toEqual([
      ['pk_int', 1],
      ['pk_str', 2],
      ['pk_bin', 3],
    ]);
    expect(described.tableMeta.definedColumn).toEqual([expect.objectContaining({ name: 'dc', type: 4 })]);
    expect(described.tableOptions).toMatchObject({ timeToLive: -1, maxVersions: 1, allowUpdate: true });
    expect(Number(described.tableOptions.deviationCellVersionInSec)).toBe(86400);
    expect(described.tableStatus).toBe(1);
    expect((await client.listTable({})).tableNames).toContain('tbl_meta');

    const updated = await client.updateTable({ tableName: 'tbl_meta', tableOptions: { maxVersions: 3 } });
    expect(updated.tableOptions).toMatchObject({ timeToLive: -1, maxVersions: 3 });
    expect((await client.describeTable({ tableName: 'tbl_meta' })).tableOptions.maxVersions).toBe(3);

    const again = await rejection(createTable(client, 'tbl_meta', [{ name: 'id', type: 'INTEGER' }]));
    expect(again).toMatchObject({ status: 409, name: 'OTSObjectAlreadyExist' });
    expect(again.message).toContain('Requested table already exists.');

    await client.deleteTable({ tableName: 'tbl_meta' });
    expect((await client.listTable({})).tableNames).not.toContain('tbl_meta');
    const gone = await rejection(client.describeTable({ tableName: 'tbl_meta' }));
    expect(gone).toMatchObject({ status: 404, name: 'OTSObjectNotExist' });
    expect(gone.message).toContain('Requested table does not exist.');
  });

  it('writes and reads int64 beyond 2^53, strings, binary, doubles and booleans', async () => {
    await createTable(client, 'tbl_types', [
      { name: 'id', type: 'INTEGER' },
      { name: 'name', type: 'STRING' },
      { name: 'raw', type: 'BINARY' },
    ]);
    const key: TableStore.PrimaryKey = [
      { id: Long.fromString('9007199254740993') },
      { name: 'ключ' },
      { raw: Buffer.from([0, 255, 7]) },
    ];
    const put = await client.putRow({
      tableName: 'tbl_types',
      primaryKey: key,
      attributeColumns: [
        { big: Long.fromString('-9223372036854775808') },
        { max: Long.fromString('9223372036854775807') },
        { text: 'héllo wörld' },
        { bytes: Buffer.from('00ff10', 'hex') },
        { ratio: 0.1 },
        { whole: 3 },
        { yes: true },
        { no: false },
      ],
      condition: IGNORE,
      returnContent: { returnType: TableStore.ReturnType.Primarykey },
    });
    expect(keyOf(put.row)).toEqual(['9007199254740993', 'ключ', Buffer.from([0, 255, 7]).toString()]);

    const { row } = await client.getRow({ tableName: 'tbl_types', primaryKey: key });
    expect(row.primaryKey?.[0]?.value.toString()).toBe('9007199254740993');
    expect(row.primaryKey?.[2]?.value).toEqual(Buffer.from([0, 255, 7]));
    const a = attributes(row);
    expect(a.big?.toString()).toBe('-9223372036854775808');
    expect(a.max?.toString()).toBe('9223372036854775807');
    expect(a.text).toBe('héllo wörld');
    expect(a.bytes).toEqual(Buffer.from('00ff10', 'hex'));
    expect(a.ratio).toBe(0.1);
    expect(a.whole).toBe(3); // a JS number travels as DOUBLE
    expect(a.yes).toBe(true);
    expect(a.no).toBe(false);
    const now = Date.now();
    for (const attr of row.attributes ?? []) expect(Math.abs(attr.timestamp.toNumber() - now)).toBeLessThan(5000);

    const some = await client.getRow({ tableName: 'tbl_types', primaryKey: key, columnsToGet: ['text', 'absent'] });
    expect(attributes(some.row)).toEqual({ text: 'héllo wörld' });
    const none = await client.getRow({ tableName: 'tbl_types', primaryKey: key, columnsToGet: ['absent'] });
    expect(none.row).toEqual({});
  });

  it('updates cells (PUT, DELETE of one version, DELETE_ALL, INCREMENT) and deletes rows', async () => {
    await createTable(client, 'tbl_update', [{ name: 'id', type: 'STRING' }]);
    const key = [{ id: 'row1' }];
    await client.putRow({
      tableName: 'tbl_update',
      primaryKey: key,
      attributeColumns: [
        { keep: 'k' },
        { drop: 'd' },
        { versioned: 'v', timestamp: 1_700_000_000_000 },
        { n: Long.fromNumber(40) },
      ],
      condition: IGNORE,
    });
    await client.updateRow({
      tableName: 'tbl_update',
      primaryKey: key,
      updateOfAttributeColumns: [
        { PUT: [{ keep: 'changed' }, { added: Long.fromString('12345678901234567') }] },
        { DELETE_ALL: ['drop'] },
        { DELETE: [{ versioned: 1_700_000_000_000 }] },
        { INCREMENT: [{ n: Long.fromNumber(2) }] },
      ],
      condition: new Condition(Expect.EXPECT_EXIST, null),
    });
    const { row } = await client.getRow({ tableName: 'tbl_update', primaryKey: key });
    const a = attributes(row);
    expect(Object.keys(a).sort()).toEqual(['added', 'keep', 'n']);
    expect(a.keep).toBe('changed');
    expect(a.added?.toString()).toBe('12345678901234567');
    expect(a.n?.toString()).toBe('42');

    // UpdateRow on a missing row creates it; PutRow replaces every column.
    await client.updateRow({
      tableName: 'tbl_update',
      primaryKey: [{ id: 'row2' }],
      updateOfAttributeColumns: [{ PUT: [{ x: 1.5 }] }],
      condition: IGNORE,
    });
    await client.putRow({ tableName: 'tbl_update', primaryKey: key, attributeColumns: [{ only: 'this' }], condition: IGNORE });
    expect(attributes((await client.getRow({ tableName: 'tbl_update', primaryKey: key })).row)).toEqual({ only: 'this' });
    expect(attributes((await client.getRow({ tableName: 'tbl_update', primaryKey: [{ id: 'row2' }] })).row)).toEqual({ x: 1.5 });

    await client.deleteRow({ tableName: 'tbl_update', primaryKey: key, condition: new Condition(Expect.EXPECT_EXIST, null) });
    expect((await client.getRow({ tableName: 'tbl_update', primaryKey: key })).row).toEqual({});
    const deleteMissing = await rejection(
      client.deleteRow({ tableName: 'tbl_update', primaryKey: key, condition: new Condition(Expect.EXPECT_EXIST, null) }),
    );
    expect(deleteMissing).toMatchObject({ status: 403, name: 'OTSConditionCheckFail' });
  });

  it('enforces row existence and column conditions', async () => {
    await createTable(client, 'tbl_cond', [{ name: 'id', type: 'INTEGER' }]);
    const key = [{ id: Long.fromNumber(1) }];
    const insert = (attributeColumns: TableStore.AttributeColumns) =>
      client.putRow({ tableName: 'tbl_cond', primaryKey: key, attributeColumns, condition: new Condition(Expect.EXPECT_NOT_EXIST, null) });
    await insert([{ version: Long.fromNumber(5) }, { owner: 'a' }, { active: true }]);
    const conflict = await rejection(insert([{ version: Long.fromNumber(1) }]));
    expect(conflict).toMatchObject({ status: 403, name: 'OTSConditionCheckFail' });
    expect(conflict.message).toContain('Condition check failed.');

    const { SingleColumnCondition, CompositeCondition, ComparatorType: Cmp, LogicalOperator } = TableStore;
    const bump = (condition: TableStore.Condition, next: number) =>
      client.updateRow({
        tableName: 'tbl_cond',
        primaryKey: key,
        updateOfAttributeColumns: [{ PUT: [{ version: Long.fromNumber(next) }] }],
        condition,
      });
    const versionIs = (v: number) => new SingleColumnCondition('version', Long.fromNumber(v), Cmp.EQUAL);
    await bump(new Condition(Expect.EXPECT_EXIST, versionIs(5)), 6);
    expect(await rejection(bump(new Condition(Expect.EXPECT_EXIST, versionIs(5)), 7))).toMatchObject({
      status: 403,
      name: 'OTSConditionCheckFail',
    });
    // A value of another type never matches.
    const asString = new SingleColumnCondition('version', '6', Cmp.EQUAL);
    expect((await rejection(bump(new Condition(Expect.IGNORE, asString), 7))).name).toBe('OTSConditionCheckFail');
    // pass_if_missing decides for a column the row lacks.
    await bump(new Condition(Expect.IGNORE, new SingleColumnCondition('lease', 'x', Cmp.EQUAL, true)), 7);
    const strict = new SingleColumnCondition('lease', 'x', Cmp.EQUAL, false);
    expect((await rejection(bump(new Condition(Expect.IGNORE, strict), 8))).name).toBe('OTSConditionCheckFail');

    const both = new CompositeCondition(LogicalOperator.AND);
    both.addSubCondition(new SingleColumnCondition('version', Long.fromNumber(5), Cmp.GREATER_THAN));
    both.addSubCondition(new SingleColumnCondition('owner', 'a', Cmp.EQUAL));
    await bump(new Condition(Expect.EXPECT_EXIST, both), 8);
    const notActive = new CompositeCondition(LogicalOperator.NOT);
    notActive.addSubCondition(new SingleColumnCondition('active', true, Cmp.EQUAL));
    const either = new CompositeCondition(LogicalOperator.OR);
    either.addSubCondition(notActive);
    either.addSubCondition(new SingleColumnCondition('owner', 'b', Cmp.EQUAL));
    expect((await rejection(bump(new Condition(Expect.IGNORE, either), 9))).name).toBe('OTSConditionCheckFail');
    const version = attributes((await client.getRow({ tableName: 'tbl_cond', primaryKey: key })).row).version;
    expect(version?.toString()).toBe('8');

    // The same conditions filter reads.
    const filtered = await client.getRow({ tableName: 'tbl_cond', primaryKey: key, columnFilter: either });
    expect(filtered.row).toEqual({});
  });

  it('checks primary keys against the schema and enforces naming rules and column limits', async () => {
    await createTable(client, 'tbl_limits', [{ name: 'pk_0', type: 'STRING' }]);
    const put = (primaryKey: TableStore.PrimaryKey, attributeColumns: TableStore.AttributeColumns = [{ a: 1 }]) =>
      client.putRow({ tableName: 'tbl_limits', primaryKey, attributeColumns, condition: IGNORE });

    const badName = await rejection(createTable(client, '1st_table', [{ name: 'id', type: 'INTEGER' }]));
    expect(badName).toMatchObject({ status: 400, name: 'OTSParameterInvalid' });
    expect(badName.message).toContain("Invalid table name: '1st_table'.");
    expect((await rejection(createTable(client, 'a'.repeat(256), [{ name: 'id', type: 'INTEGER' }]))).message).toContain(
      'Invalid table name:',
    );
    await createTable(client, `_${'a'.repeat(254)}`, [{ name: 'id', type: 'INTEGER' }]);
    expect((await rejection(createTable(client, 'tbl_x', [{ name: 'bad-name', type: 'INTEGER' }]))).message).toContain(
      "Invalid column name: 'bad-name'.",
    );
    const fivePk = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, type: 'INTEGER' as const }));
    const tooMany = await rejection(createTable(client, 'tbl_x', fivePk));
    expect(tooMany).toMatchObject({ status: 400, name: 'OTSParameterInvalid' });
    expect(tooMany.message).toContain('The number of primary key columns must be in range: [1, 4].');
    expect((await rejection(createTable(client, 'tbl_x', []))).message).toContain('must be in range: [1, 4].');

    const typeMismatch = await rejection(put([{ pk_0: Long.fromNumber(1) }]));
    expect(typeMismatch).toMatchObject({ status: 400, name: 'OTSInvalidPK' });
    expect(typeMismatch.message).toContain('Validate PK type fail. Input: VT_INTEGER, Meta: VT_STRING.');
    expect((await rejection(put([{ pk_0: 'a' }, { pk_1: 'b' }]))).message).toContain('Validate PK size fail. Input: 2, Meta: 1.');
    expect((await rejection(put([{ other: 'a' }]))).message).toContain('Validate PK name fail. Input: other, Meta: pk_0.');
    expect((await rejection(client.getRow({ tableName: 'tbl_limits', primaryKey: [{ pk_0: Buffer.from('a') }] }))).name).toBe(
      'OTSInvalidPK',
    );

    await put([{ pk_0: 'p'.repeat(1024) }]);
    expect((await rejection(put([{ pk_0: 'p'.repeat(1025) }]))).message).toContain(
      "The length of primary key column: 'pk_0' exceeds the MaxLength:1024 with CurrentLength:1025.",
    );
    await put([{ pk_0: 'big' }], [{ attr: 'v'.repeat(2 * 1024 * 1024) }]);
    expect((await rejection(put([{ pk_0: 'big' }], [{ attr: Buffer.alloc(2 * 1024 * 1024 + 1) }]))).message).toContain(
      "The length of attribute column: 'attr' exceeds the MaxLength:2097152 with CurrentLength:2097153.",
    );
    const columns = (n: number) => Array.from({ length: n }, (_, i) => ({ [`c${i}`]: Long.fromNumber(i) }));
    await put([{ pk_0: 'wide' }], columns(1024));
    expect((await rejection(put([{ pk_0: 'wide' }], columns(1025)))).message).toContain(
      'The number of attribute columns exceeds the limit, limit count: 1024, column count: 1025.',
    );
    expect((await rejection(put([{ pk_0: 'x' }], [{ 'bad col': 1 }]))).message).toContain("Invalid column name: 'bad col'.");
    const hugeRow: TableStore.AttributeColumns = [
      { a: 'a'.repeat(2_000_000) },
      { b: 'b'.repeat(2_000_000) },
      { c: 'c'.repeat(200_000) },
    ];
    const huge = await rejection(put([{ pk_0: 'huge' }], hugeRow));
    expect(huge.message).toContain(
      'The total data size of PutRow request exceeds the limit, limit size: 4194304, data size: 4200011.',
    );
    const missing = await rejection(client.getRow({ tableName: 'no_such_table', primaryKey: [{ id: 'x' }] }));
    expect(missing).toMatchObject({ status: 404, name: 'OTSObjectNotExist' });
  });

  it('BatchWriteRow: 200 rows pass, 201 and more than 4 MB are refused, a failing row fails alone', async () => {
    await createTable(client, 'tbl_batch', [{ name: 'id', type: 'INTEGER' }]);
    const row = (id: number, attributeColumns: TableStore.AttributeColumns = [{ v: `row ${id}` }]): TableStore.BatchWriteRow => ({
      type: 'PUT',
      primaryKey: [{ id: Long.fromNumber(id) }],
      attributeColumns,
      condition: IGNORE,
    });
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i);

    const ok = await client.batchWriteRow({ tables: [{ tableName: 'tbl_batch', rows: ids(200).map((i) => row(i)) }] });
    expect(ok.tables).toHaveLength(200);
    expect(ok.tables.every((r) => r.isOk && r.tableName === 'tbl_batch')).toBe(true);

    const rows201 = ids(201).map((i) => row(1000 + i));
    const tooMany = await rejection(client.batchWriteRow({ tables: [{ tableName: 'tbl_batch', rows: rows201 }] }));
    expect(tooMany).toMatchObject({ status: 400, name: 'OTSParameterInvalid' });
    expect(tooMany.message).toContain('Rows count exceeds the upper limit: 200.');
    expect((await client.getRow({ tableName: 'tbl_batch', primaryKey: [{ id: Long.fromNumber(1000) }] })).row).toEqual({});

    // Data size = key name + key value + column name + column value per row: 2 + 8 + 1 + length.
    const sized = (length: number) => [0, 1].map((i) => row(5000 + i, [{ v: 'x'.repeat(length) }]));
    await client.batchWriteRow({ tables: [{ tableName: 'tbl_batch', rows: sized(2_097_141) }] }); // exactly 4194304
    const overflow = await rejection(client.batchWriteRow({ tables: [{ tableName: 'tbl_batch', rows: sized(2_097_142) }] }));
    expect(overflow.message).toContain(
      'The total data size of BatchWriteRow request exceeds the limit, limit size: 4194304, data size: 4194306.',
    );

    const mixed = await client.batchWriteRow({
      tables: [
        {
          tableName: 'tbl_batch',
          rows: [
            row(300),
            { ...row(1, [{ v: 'overwritten?' }]), condition: new Condition(Expect.EXPECT_NOT_EXIST, null) },
            { type: 'UPDATE', primaryKey: [{ id: Long.fromNumber(2) }], attributeColumns: [{ DELETE_ALL: ['v'] }], condition: IGNORE },
            { type: 'DELETE', primaryKey: [{ id: Long.fromNumber(3) }], condition: IGNORE },
            { ...row(301), primaryKey: [{ id: 'not an integer' }] },
          ],
        },
        { tableName: 'no_such_table', rows: [row(1)] },
      ],
    });
    expect(mixed.tables.map((r) => [r.tableName, r.isOk, r.errorCode])).toEqual([
      ['tbl_batch', true, null],
      ['tbl_batch', false, 'OTSConditionCheckFail'],
      ['tbl_batch', true, null],
      ['tbl_batch', true, null],
      ['tbl_batch', false, 'OTSInvalidPK'],
      ['no_such_table', false, 'OTSObjectNotExist'],
    ]);
    expect(mixed.tables[1]?.errorMessage).toBe('Condition check failed.');
    expect(mixed.tables[5]?.errorMessage).toBe('Requested table does not exist.');

    const got = await client.batchGetRow({
      tables: [{ tableName: 'tbl_batch', primaryKey: [1, 2, 3, 300].map((id) => [{ id: Long.fromNumber(id) }]) }],
    });
    const [one, two, three, added] = got.tables[0] ?? [];
    expect(attributes(one ?? {})).toEqual({ v: 'row 1' });
    expect(two?.primaryKey?.map((c) => c.value.toString())).toEqual(['2']);
    expect(two?.attributes).toEqual([]);
    expect(three).toMatchObject({ isOk: true, primaryKey: null });
    expect(attributes(added ?? {})).toEqual({ v: 'row 300' });
  });

  it('BatchGetRow: at most 100 rows, per-row errors', async () => {
    await createTable(client, 'tbl_bget', [{ name: 'id', type: 'STRING' }]);
    await client.putRow({ tableName: 'tbl_bget', primaryKey: [{ id: 'a' }], attributeColumns: [{ v: 1 }], condition: IGNORE });
    const keys = (n: number) => Array.from({ length: n }, (_, i) => [{ id: `k${i}` }]);
    expect((await client.batchGetRow({ tables: [{ tableName: 'tbl_bget', primaryKey: keys(100) }] })).tables[0]).toHaveLength(100);
    const tooMany = await rejection(client.batchGetRow({ tables: [{ tableName: 'tbl_bget', primaryKey: keys(101) }] }));
    expect(tooMany.message).toContain('Rows count exceeds the upper limit: 100.');

    const result = await client.batchGetRow({
      tables: [
        { tableName: 'tbl_bget', primaryKey: [[{ id: 'a' }], [{ id: Long.fromNumber(1) }]] },
        { tableName: 'missing_table', primaryKey: [[{ id: 'a' }]] },
      ],
    });
    expect(result.tables.map((t) => t.map((r) => [r.isOk, r.errorCode]))).toEqual([
      [
        [true, null],
        [false, 'OTSInvalidPK'],
      ],
      [[false, 'OTSObjectNotExist']],
    ]);
    expect(result.tables[0]?.[1]?.errorMessage).toBe('Validate PK type fail. Input: VT_INTEGER, Meta: VT_STRING.');
  });

  it('GetRange pages over more than 5000 rows with next_start_primary_key, both directions', async () => {
    await createTable(client, 'tbl_range', [{ name: 'id', type: 'INTEGER' }]);
    const total = 5100;
    for (let start = 0; start < total; start += 200) {
      const rows = Array.from({ length: Math.min(200, total - start) }, (_, i): TableStore.BatchWriteRow => ({
        type: 'PUT',
        primaryKey: [{ id: Long.fromNumber(start + i) }],
        attributeColumns: [{ n: Long.fromNumber(start + i) }],
        condition: IGNORE,
      }));
      await client.batchWriteRow({ tables: [{ tableName: 'tbl_range', rows }] });
    }
    const all = { inclusiveStartPrimaryKey: [{ id: INF_MIN }], exclusiveEndPrimaryKey: [{ id: INF_MAX }] };

    const first = await client.getRange({ tableName: 'tbl_range', direction: TableStore.Direction.FORWARD, ...all });
    expect(first.rows).toHaveLength(5000);
    expect(first.rows[0]?.primaryKey[0]?.value.toString()).toBe('0');
    expect(first.rows[4999]?.primaryKey[0]?.value.toString()).toBe('4999');
    expect(first.nextStartPrimaryKey?.map((c) => [c.name, c.value.toString()])).toEqual([['id', '5000']]);
    // nextStartPrimaryKey comes back as [{ name, value }]; a start key must be [{ [name]: value }].
    const resume = (first.nextStartPrimaryKey ?? []).map((c) => ({ [c.name]: c.value }));
    const second = await client.getRange({ tableName: 'tbl_range', direction: 'FORWARD', ...all, inclusiveStartPrimaryKey: resume });
    expect(second.rows).toHaveLength(100);
    expect(second.rows[99]?.primaryKey[0]?.value.toString()).toBe('5099');
    expect(second.nextStartPrimaryKey).toBeNull();

    const back = await client.getRange({
      tableName: 'tbl_range',
      direction: 'BACKWARD',
      inclusiveStartPrimaryKey: [{ id: INF_MAX }],
      exclusiveEndPrimaryKey: [{ id: INF_MIN }],
    });
    expect(back.rows).toHaveLength(5000);
    expect(back.rows[0]?.primaryKey[0]?.value.toString()).toBe('5099');
    expect(back.nextStartPrimaryKey?.[0]?.value.toString()).toBe('99');

    const window = await client.getRange({
      tableName: 'tbl_range',
      direction: 'FORWARD',
      inclusiveStartPrimaryKey: [{ id: Long.fromNumber(10) }],
      exclusiveEndPrimaryKey: [{ id: Long.fromNumber(20) }],
      limit: 4,
      columnsToGet: ['n'],
    });
    expect(window.rows.map((r) => r.primaryKey[0]?.value.toString())).toEqual(['10', '11', '12', '13']);
    expect(window.nextStartPrimaryKey?.[0]?.value.toString()).toBe('14');
    const wrongWay = await rejection(
      client.getRange({
        tableName: 'tbl_range',
        direction: 'FORWARD',
        inclusiveStartPrimaryKey: [{ id: Long.fromNumber(20) }],
        exclusiveEndPrimaryKey: [{ id: Long.fromNumber(10) }],
      }),
    );
    expect(wrongWay.message).toContain('Begin key must less than end key in FORWARD.');
  });

  it('GetRange orders keys as the service does and stops a page at 4 MB', async () => {
    await createTable(client, 'tbl_order', [
      { name: 's', type: 'STRING' },
      { name: 'n', type: 'INTEGER' },
    ]);
    const keys: Array<[string, string]> = [
      ['a', '-9223372036854775808'],
      ['a', '-1'],
      ['a', '7'],
      ['B', '1'],
      ['ab', '0'],
      ['é', '0'],
    ];
    for (const [s, n] of keys) {
      await client.putRow({ tableName: 'tbl_order', primaryKey: [{ s }, { n: Long.fromString(n) }], attributeColumns: [], condition: IGNORE });
    }
    const range = await client.getRange({
      tableName: 'tbl_order',
      direction: 'FORWARD',
      inclusiveStartPrimaryKey: [{ s: INF_MIN }, { n: INF_MIN }],
      exclusiveEndPrimaryKey: [{ s: INF_MAX }, { n: INF_MAX }],
    });
    // STRING bytewise on UTF-8 ('B' < 'a' < 'ab' < 'é'), INTEGER as signed int64.
    expect(range.rows.map(keyOf)).toEqual([
      ['B', '1'],
      ['a', '-9223372036854775808'],
      ['a', '-1'],
      ['a', '7'],
      ['ab', '0'],
      ['é', '0'],
    ]);
    const onlyA = await client.getRange({
      tableName: 'tbl_order',
      direction: 'FORWARD',
      inclusiveStartPrimaryKey: [{ s: 'a' }, { n: Long.fromNumber(-1) }],
      exclusiveEndPrimaryKey: [{ s: 'a' }, { n: INF_MAX }],
    });
    expect(onlyA.rows.map(keyOf)).toEqual([
      ['a', '-1'],
      ['a', '7'],
    ]);

    await createTable(client, 'tbl_bigrows', [{ name: 'id', type: 'INTEGER' }]);
    for (let i = 0; i < 5; i++) {
      await client.putRow({
        tableName: 'tbl_bigrows',
        primaryKey: [{ id: Long.fromNumber(i) }],
        attributeColumns: [{ v: Buffer.alloc(1_000_000) }],
        condition: IGNORE,
      });
    }
    const page = await client.getRange({
      tableName: 'tbl_bigrows',
      direction: 'FORWARD',
      inclusiveStartPrimaryKey: [{ id: INF_MIN }],
      exclusiveEndPrimaryKey: [{ id: INF_MAX }],
    });
    expect(page.rows).toHaveLength(4);
    expect(page.nextStartPrimaryKey?.[0]?.value.toString()).toBe('4');
  });

  it('surfaces errors as the SDK does: code is the HTTP status, the message is the raw protobuf Error body', async () => {
    await createTable(client, 'tbl_errors', [{ name: 'id', type: 'STRING' }]);
    const insert = () =>
      client.putRow({ tableName: 'tbl_errors', primaryKey: [{ id: 'x' }], attributeColumns: [], condition: new Condition(Expect.EXPECT_NOT_EXIST, null) });
    await insert();
    const err = await rejection(insert());
    expect(err.status).toBe(403);
    const requestId = err.headers['x-ots-requestid'];
    expect(err.message).toBe(`\n\u0015OTSConditionCheckFail\u0012\u0017Condition check failed. requestId:${requestId}`);

    // The response carries the service's headers, signed as the Python SDK verifies them.
    const body = Buffer.from(err.message.slice(0, err.message.lastIndexOf(' requestId:')), 'utf8');
    expect(err.headers['x-ots-contentmd5']).toBe(createHash('md5').update(body).digest('base64'));
    expect(err.headers['x-ots-contenttype']).toBe('protocol buffer');
    expect(Math.abs(Date.parse(err.headers['x-ots-date'] ?? '') - Date.now())).toBeLessThan(60_000);
    const signed = ['x-ots-contentmd5', 'x-ots-contenttype', 'x-ots-date', 'x-ots-requestid']
      .map((h) => `${h}:${err.headers[h]}`)
      .join('\n');
    const signature = createHmac('sha1', SECRET).update(`${signed}\n/PutRow`).digest('base64');
    expect(err.headers['authorization']).toBe(`OTS ${AK}:${signature}`);
  });

  it('authenticates: wrong secret, unknown access key and wrong instance are refused', async () => {
    const wrongSecret = await rejection(clientFor(standIn, { secretAccessKey: 'not-the-secret' }).listTable({}));
    expect(wrongSecret).toMatchObject({ status: 403, name: 'OTSAuthFailed' });
    expect(wrongSecret.message).toContain('Signature mismatch.');
    expect(wrongSecret.headers['authorization']).toBeUndefined();
    const unknownKey = await rejection(clientFor(standIn, { accessKeyId: 'someone-else' }).listTable({}));
    expect(unknownKey.message).toContain('The AccessKeyID does not exist.');
    const otherInstance = await rejection(clientFor(standIn, { instancename: 'other' }).listTable({}));
    expect(otherInstance.message).toContain('The instance is not found.');
  });

  it('checks the body against x-ots-contentmd5 and signs successful responses', async () => {
    const post = (op: string, body: Buffer, md5: string) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
        const headers: Record<string, string> = {
          'x-ots-apiversion': '2015-12-31',
          'x-ots-instancename': standIn.instance,
          'x-ots-contentmd5': md5,
          'x-ots-date': new Date().toISOString(),
          'x-ots-accesskeyid': AK,
        };
        const canonical = Object.keys(headers).sort().map((h) => `${h}:${headers[h]}`).join('\n');
        headers['x-ots-signature'] = createHmac('sha1', SECRET).update(`/${op}\nPOST\n\n${canonical}\n`).digest('base64');
        const req = http.request(`${standIn.endpoint}/${op}`, { method: 'POST', headers }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const emptyMd5 = createHash('md5').update(Buffer.alloc(0)).digest('base64');
    const ok = await post('ListTable', Buffer.alloc(0), emptyMd5);
    expect(ok.status).toBe(200);
    const signed = ['x-ots-contentmd5', 'x-ots-contenttype', 'x-ots-date', 'x-ots-requestid']
      .map((h) => `${h}:${String(ok.headers[h])}`)
      .join('\n');
    const signature = createHmac('sha1', SECRET).update(`${signed}\n/ListTable`).digest('base64');
    expect(ok.headers['authorization']).toBe(`OTS ${AK}:${signature}`);
    expect((await post('ListTable', Buffer.from([1]), emptyMd5)).status).toBe(403);
    expect((await post('NoSuchOperation', Buffer.alloc(0), emptyMd5)).status).toBe(400);
  });
});

describe('PlainBuffer reader', () => {
  // The SDK's own row encoder (not part of its typed surface): what the stand-in receives on the wire.
  const builder = (TableStore as unknown as {
    PlainBufferBuilder: {
      serializeForPutRow(pk: TableStore.PrimaryKey, columns: TableStore.AttributeColumns): Buffer;
      serializeForUpdateRow(pk: TableStore.PrimaryKey, columns: TableStore.UpdateOfAttributeColumns): Buffer;
    };
  }).PlainBufferBuilder;

  it('reads UpdateRow cells with operation types and verifies the CRC-8 checksums', () => {
    const update = builder.serializeForUpdateRow(
      [{ id: Long.fromString('-42') }],
      [{ PUT: [{ a: 'x', timestamp: 1234 }] }, { DELETE: [{ b: 5678 }] }, { DELETE_ALL: ['c'] }],
    );
    const row = readRow(update);
    expect(row.primaryKey).toEqual([{ name: 'id', value: { type: 'INTEGER', value: -42n } }]);
    expect(row.cells).toEqual([
      { name: 'a', value: { type: 'STRING', value: 'x' }, timestamp: 1234, operation: 'PUT' },
      { name: 'b', value: undefined, timestamp: 5678, operation: 'DELETE_ONE_VERSION' },
      { name: 'c', value: undefined, timestamp: undefined, operation: 'DELETE_ALL_VERSIONS' },
    ]);
    const changedValue = Buffer.from(update);
    changedValue[changedValue.indexOf('x')] = 'y'.charCodeAt(0);
    expect(() => readRow(changedValue)).toThrow(/^Cell data broken, checksum is mismatch/);

    // A PutRow buffer is sized exactly (UpdateRow and INF keys are not): its last byte is the row checksum.
    const put = builder.serializeForPutRow([{ id: 'k' }], [{ a: true }, { b: 2.5 }]);
    expect(readRow(put).cells.map((c) => c.value)).toEqual([
      { type: 'BOOLEAN', value: true },
      { type: 'DOUBLE', value: 2.5 },
    ]);
    put[put.length - 1]! ^= 0x01;
    expect(() => readRow(put)).toThrow(/^Cell data broken, checksum is mismatch/);
  });
});

describe('Tablestore stand-in test hooks', () => {
  let standIn: TablestoreStandIn;
  let client: TableStore.Client;
  const put = (id: number, v: TableStore.ColumnValue = `row ${id}`): TableStore.BatchWriteRow => ({
    type: 'PUT',
    primaryKey: [{ id: Long.fromNumber(id) }],
    attributeColumns: [{ v }],
    condition: IGNORE,
  });
  const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  const read = async (id: number) => attributes((await client.getRow({ tableName: 'hooks', primaryKey: [{ id: Long.fromNumber(id) }] })).row);

  beforeAll(async () => {
    standIn = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET });
    client = clientFor(standIn);
    await createTable(client, 'hooks', [{ name: 'id', type: 'INTEGER' }]);
  });
  afterAll(async () => {
    await standIn.close();
  });

  it('records each BatchWriteRow: rows, body bytes, data size, per-row failures, refusals as a whole', async () => {
    const first = standIn.batchWrites.length;
    const before = standIn.rejected.BatchWriteRow ?? 0;
    await client.batchWriteRow({ tables: [{ tableName: 'hooks', rows: ids(0, 200).map((i) => put(i, 'x')) }] });
    await rejection(client.batchWriteRow({ tables: [{ tableName: 'hooks', rows: ids(0, 201).map((i) => put(i)) }] }));
    // 2 + 8 + 1 + 2,097,142 bytes twice: 2 bytes over 4 MB.
    await rejection(client.batchWriteRow({ tables: [{ tableName: 'hooks', rows: [put(1, 'y'.repeat(2_097_142)), put(2, 'y'.repeat(2_097_142))] }] }));
    const mixed = await client.batchWriteRow({ tables: [{ tableName: 'hooks', rows: [put(7), { ...put(8), primaryKey: [{ id: 'not an integer' }] }] }] });
    expect(mixed.tables.map((r) => r.isOk)).toEqual([true, false]);

    const records = standIn.batchWrites.slice(first);
    expect(records.map(({ bodyBytes: _b, ...r }) => r)).toEqual([
      { rows: 200, dataBytes: 200 * (2 + 8 + 1 + 1), failedRows: 0, rejected: undefined },
      { rows: 201, dataBytes: undefined, failedRows: 0, rejected: 'OTSParameterInvalid' },
      { rows: 2, dataBytes: 4_194_306, failedRows: 0, rejected: 'OTSParameterInvalid' },
      { rows: 2, dataBytes: 2 + 8 + 1 + 5 + (2 + 14 + 1 + 5), failedRows: 1, rejected: undefined },
    ]);
    // The body carries the data plus protobuf and PlainBuffer framing.
    expect(records[2]!.bodyBytes).toBeGreaterThan(4_194_306);
    expect(records[2]!.bodyBytes).toBeLessThan(4_194_306 + 1024);
    expect(records[0]!.bodyBytes).toBeGreaterThan(200 * 12);
    expect((standIn.rejected.BatchWriteRow ?? 0) - before).toBe(2);
  });

  it('fails the next rows of a table with a transient error in the per-row results, as the service reports a busy partition', async () => {
    const before = standIn.requests.BatchWriteRow ?? 0;
    const rejectedBefore = standIn.rejected.BatchWriteRow ?? 0;
    standIn.faults.failRows('hooks', 2, 'OTSPartitionUnavailable');
    standIn.faults.failRows('hooks', 1, 'OTSServerBusy', 'Service is busy.');
    standIn.faults.failRows('other_table', 5, 'OTSServerBusy');
    expect(standIn.faults.pending).toBe(8);
    const r = await client.batchWriteRow({ tables: [{ tableName: 'hooks', rows: ids(1100, 5).map((i) => put(i, `v${i}`)) }] });
    expect(r.tables.map((x) => [x.isOk, x.errorCode, x.errorMessage])).toEqual([
      [false, 'OTSPartitionUnavailable', 'The partition is not available.'],
      [false, 'OTSPartitionUnavailable', 'The partition is not available.'],
      [false, 'OTSServerBusy', 'Service is busy.'],
      [true, null, null],
      [true, null, null],
    ]);
    // Failed rows were not written; the others were.
    expect(await read(1100)).toEqual({});
    expect(await read(1102)).toEqual({});
    expect(await read(1103)).toEqual({ v: 'v1103' });
    expect(standIn.faults.pending).toBe(5);
    expect(standIn.batchWrites.at(-1)).toMatchObject({ rows: 5, failedRows: 3, rejected: undefined });
    // Used up: the same rows go in now.
    const again = await client.batchWriteRow({ tables: [{ tableName: 'hooks', rows: ids(1100, 3).map((i) => put(i, `v${i}`)) }] });
    expect(again.tables.every((x) => x.isOk)).toBe(true);
    expect(await read(1100)).toEqual({ v: 'v1100' });
    expect((standIn.requests.BatchWriteRow ?? 0) - before).toBe(2);
    expect((standIn.rejected.BatchWriteRow ?? 0) - rejectedBefore).toBe(0);
    standIn.faults.clear();
    expect(standIn.faults.pending).toBe(0);
  });

  it('refuses the next requests of an operation as a whole with the error status, doing nothing', async () => {
    const rejectedBefore = standIn.rejected.BatchWriteRow ?? 0;
    standIn.faults.failRequests('BatchWriteRow', 1, 'OTSServerBusy');
    standIn.faults.failRequests('BatchWriteRow', 1, 'OTSTableNotReady');
    const write = () => client.batchWriteRow({ tables: [{ tableName: 'hooks', rows: [put(200, 'written')] }] });
    const busy = await rejection(write());
    expect(busy).toMatchObject({ status: 503, name: 'OTSServerBusy' });
    expect(busy.message).toContain('Server is busy.');
    expect(await rejection(write())).toMatchObject({ status: 404, name: 'OTSTableNotReady' });
    expect(await read(200)).toEqual({});
    expect(standIn.batchWrites.at(-1)).toMatchObject({ rows: 0, rejected: 'OTSTableNotReady' });
    await write();
    expect(await read(200)).toEqual({ v: 'written' });
    expect((standIn.rejected.BatchWriteRow ?? 0) - rejectedBefore).toBe(2);
    // Other operations are not affected by a BatchWriteRow fault.
    standIn.faults.failRequests('BatchWriteRow', 1, 'OTSServerBusy');
    expect(await read(200)).toEqual({ v: 'written' });
    standIn.faults.clear();
  });

  it('holds answers back on request and counts the requests and rows in flight', async () => {
    const own = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET });
    try {
      const c = clientFor(own);
      await createTable(c, 'hooks', [{ name: 'id', type: 'INTEGER' }]);
      const write = (from: number, n: number) => c.batchWriteRow({ tables: [{ tableName: 'hooks', rows: ids(from, n).map((i) => put(i)) }] });
      await write(0, 50);
      await write(50, 50);
      expect(own.inFlight.BatchWriteRow).toEqual({ now: 0, max: 1 });
      expect(own.batchWriteRowsInFlight).toEqual({ now: 0, max: 50 });
      own.faults.delay('BatchWriteRow', 300);
      const started = Date.now();
      await Promise.all([write(100, 10), write(110, 20), write(130, 30)]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(own.inFlight.BatchWriteRow).toEqual({ now: 0, max: 3 });
      expect(own.batchWriteRowsInFlight).toEqual({ now: 0, max: 60 });
      // The writes were done before the answers: a held answer is a slow service, not a lost write.
      expect((await c.getRow({ tableName: 'hooks', primaryKey: [{ id: Long.fromNumber(159) }] })).row.attributes).toHaveLength(1);
      own.faults.delay('BatchWriteRow', 0);
      const quick = Date.now();
      await write(200, 1);
      expect(Date.now() - quick).toBeLessThan(250);
      expect(own.inFlight.GetRow).toEqual({ now: 0, max: 1 });
    } finally {
      await own.close();
    }
  });
});

describe('Tablestore stand-in quota', () => {
  it('refuses the 65th table of an instance', async () => {
    const standIn = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET });
    try {
      const client = clientFor(standIn);
      for (let i = 0; i < 64; i++) await createTable(client, `t${i}`, [{ name: 'id', type: 'INTEGER' }]);
      const quota = await rejection(createTable(client, 't64', [{ name: 'id', type: 'INTEGER' }]));
      expect(quota).toMatchObject({ status: 403, name: 'OTSQuotaExhausted' });
      expect(quota.message).toContain('Number of tables exceeds the quota:64.');
      await client.deleteTable({ tableName: 't0' });
      await createTable(client, 't64', [{ name: 'id', type: 'INTEGER' }]);
      expect((await client.listTable({})).tableNames).toHaveLength(64);
    } finally {
      await standIn.close();
    }
  });
});

describe('Tablestore stand-in persistence', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tablestore-standin-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps tables and rows across a restart, and replays the journal of a stand-in that never closed', async () => {
    const first = await startTablestoreStandIn({ dir, accessKeyId: AK, accessKeySecret: SECRET, port: 0 });
    const c1 = clientFor(first);
    await createTable(c1, 'kept', [{ name: 'id', type: 'INTEGER' }, { name: 'k', type: 'BINARY' }]);
    await createTable(c1, 'dropped', [{ name: 'id', type: 'INTEGER' }]);
    const key = (id: string): TableStore.PrimaryKey => [{ id: Long.fromString(id) }, { k: Buffer.from([9, 8]) }];
    await c1.putRow({
      tableName: 'kept',
      primaryKey: key('-9007199254740993'),
      attributeColumns: [
        { s: 'text' },
        { d: -2.5 },
        { b: false },
        { x: Buffer.from([0, 1]) },
        { i: Long.fromString('9007199254740995') },
      ],
      condition: IGNORE,
    });
    await c1.putRow({ tableName: 'kept', primaryKey: key('2'), attributeColumns: [{ s: 'gone' }], condition: IGNORE });
    await c1.deleteRow({ tableName: 'kept', primaryKey: key('2'), condition: IGNORE });
    await c1.updateTable({ tableName: 'kept', tableOptions: { maxVersions: 2 } });
    await c1.deleteTable({ tableName: 'dropped' });
    await first.close();

    const second = await startTablestoreStandIn({ dir, accessKeyId: AK, accessKeySecret: SECRET });
    const c2 = clientFor(second);
    expect((await c2.listTable({})).tableNames).toEqual(['kept']);
    expect((await c2.describeTable({ tableName: 'kept' })).tableOptions.maxVersions).toBe(2);
    const { row } = await c2.getRow({ tableName: 'kept', primaryKey: key('-9007199254740993') });
    const a = attributes(row);
    expect([a.s, a.d, a.b, a.x, a.i?.toString()]).toEqual(['text', -2.5, false, Buffer.from([0, 1]), '9007199254740995']);
    expect((await c2.getRow({ tableName: 'kept', primaryKey: key('2') })).row).toEqual({});
    await c2.updateRow({
      tableName: 'kept',
      primaryKey: key('3'),
      updateOfAttributeColumns: [{ PUT: [{ s: 'journal only' }] }],
      condition: IGNORE,
    });

    // `second` is still open: its change is in the journal alone, as after a crash.
    const third = await startTablestoreStandIn({ dir, accessKeyId: AK, accessKeySecret: SECRET });
    try {
      const replayed = await clientFor(third).getRow({ tableName: 'kept', primaryKey: key('3') });
      expect(attributes(replayed.row)).toEqual({ s: 'journal only' });
    } finally {
      await third.close();
      await second.close();
    }
  });
});
