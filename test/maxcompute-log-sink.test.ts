/**
 * The MaxCompute log sink against the MaxCompute stand-in (real HTTP, signed, tunnel record streams,
 * DuckDB), with its ledger in a real state directory: entries as reference 001 describes them, and
 * each exactly once through replays, a lost commit answer, a commit that failed after it was
 * recorded, and two appliers of one batch at once. The merge SQL then gives the source table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMaxComputeStandIn, type MaxComputeStandIn } from '../infra/maxcompute-standin/index.ts';
import type { ChangeBatch, DdlChange, RowChange } from '../shared/change/change-event.ts';
import { ApplyRejected, DDL_BUCKET } from '../shared/apply/sink.ts';
import { LogLedger } from '../shared/destinations/maxcompute/log-ledger.ts';
import { MaxComputeLogSink } from '../shared/destinations/maxcompute/log-sink.ts';
import { LogTables } from '../shared/destinations/maxcompute/log-tables.ts';
import { baseTableDdl, logTableDdl, type LogLayout } from '../shared/destinations/maxcompute/maxcompute-schema.ts';
import { mergeSelect } from '../shared/destinations/maxcompute/merge-sql.ts';
import { prepareMerge } from '../shared/destinations/maxcompute/staged-merge.ts';
import { MaxComputeClient } from '../shared/maxcompute/maxcompute-client.ts';
import type { ColumnInfo } from '../shared/mysql/catalog.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import type { TableMapping } from '../shared/task/object-mapper.ts';
import type { Operation } from '../shared/task/task.ts';

const AK = 'LTAIlogsinktest';
const SECRET = 'log-sink-secret';
const layout: LogLayout = { additionalColumnRule: 'previous', partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day'] };

const column = (name: string, columnType: string, ordinal: number): ColumnInfo => ({
  name, ordinal, columnType, dataType: /^[a-z]+/.exec(columnType)![0], nullable: true, defaultValue: null, extra: '',
  charset: null, collation: null, comment: '', generationExpression: null, generated: false, invisible: false,
});

function mapping(table: string): TableMapping {
  const columns = [column('id', 'int(11)', 1), column('v', 'varchar(20)', 2), column('d', 'date', 3)];
  return {
    source: { database: 'shop', name: table, engine: 'InnoDB', collation: null, comment: '', estimatedRows: 0, avgRowLength: 0, columns, indexes: [], foreignKeys: [], keyColumns: ['id'] },
    target: { database: 'shop', table },
    columns: columns.map((c) => ({ source: c, target: c.name })),
    key: ['id'],
    operations: new Set<Operation>(['insert', 'update', 'delete']),
    origin: 'objects[0]',
    renamed: false,
  };
}

/** 2024-05-01 00:00:00 UTC plus `s` seconds. */
const T0 = 1714521600;
let offset = 1000;
function change(table: string, op: RowChange['op'], before: Record<string, string | number | null> | undefined, after: Record<string, string | number | null> | undefined, s = 0): RowChange {
  offset += 100;
  return { kind: 'row', pos: { file: 5, offset, row: 0 }, ts: T0 + s, table: { database: 'shop', table }, key: ['id'], op, ...(before ? { before } : {}), ...(after ? { after } : {}) };
}

describe('MaxCompute log sink (MaxCompute stand-in, file state store)', () => {
  let mc: MaxComputeStandIn;
  let client: MaxComputeClient;
  const dirs: string[] = [];
  /** Each table's ledger, as setUp made it. */
  const ledgers = new Map<string, LogLedger>();

  beforeAll(async () => {
    mc = await startMaxComputeStandIn({ accessKeyId: AK, accessKeySecret: SECRET });
    client = new MaxComputeClient({ endpoint: mc.endpoint, project: mc.project, credentials: { accessKeyId: AK, accessKeySecret: SECRET } });
  });
  afterAll(async () => {
    await mc?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A fresh `_log` table and a sink (or several, sharing one ledger) writing it. */
  async function setUp(table: string, sinks = 1, timeZone = 'UTC'): Promise<MaxComputeLogSink[]> {
    await client.sql.run(logTableDdl(mapping(table), layout).sql);
    const dir = mkdtempSync(join(tmpdir(), 'fc-dts-mc-ledger-'));
    dirs.push(dir);
    const store = new FileStateStore(dir);
    const ledger = new LogLedger(store);
    ledgers.set(table, ledger);
    const mappings = new Map([[`shop.${table}`, mapping(table)]]);
    return Array.from({ length: sinks }, () => {
      const tables = new LogTables({ client, records: store, layout, timeZone, mappings, imageName: (c) => c });
      return new MaxComputeLogSink({ client, ledger, layout, tables });
    });
  }

  async function logRows(table: string): Promise<string[]> {
    const { rows } = await client.sql.query(
      `SELECT record_id, operation_flag, utc_timestamp, before_flag, after_flag, id, v, d, modifytime_day FROM ${table}_log ORDER BY record_id, before_flag DESC LIMIT 1000`,
      { settings: { 'odps.sql.allow.fullscan': 'true' } },
    );
    return rows.map((r) => r.join('|'));
  }

  it('writes INSERT (N,Y), UPDATE (Y,N)+(N,Y) under one record id and DELETE (Y,N), partitioned by event day; a replay adds nothing', async () => {
    const [sink] = await setUp('orders');
    const ins = change('orders', 'insert', undefined, { id: 1, v: 'a', d: '2024-05-01' });
    const upd = change('orders', 'update', { id: 1, v: 'a', d: '2024-05-01' }, { id: 1, v: 'b', d: null }, 86_400);
    const del = change('orders', 'delete', { id: 1, v: 'b', d: null }, undefined, 86_401);
    const batch: ChangeBatch = { bucket: 0, prev: null, changes: [ins, upd, del] };
    expect(await sink!.apply(batch)).toMatchObject({ status: 'applied', applied: 3, skipped: 0, watermark: del.pos });
    const id = (c: RowChange) => String(5 * 2 ** 32 + c.pos.offset);
    const expected = [
      `${id(ins)}|I|${T0}|N|Y|1|a|2024-05-01|01`,
      `${id(upd)}|U|${T0 + 86_400}|Y|N|1|a|2024-05-01|02`,
      `${id(upd)}|U|${T0 + 86_400}|N|Y|1|b|\\N|02`.replace('\\N', ''),
      `${id(del)}|D|${T0 + 86_401}|Y|N|1|b||02`,
    ];
    expect(await logRows('orders')).toEqual(expected);

    expect(await sink!.apply(batch)).toMatchObject({ status: 'applied', applied: 0, skipped: 3 });
    expect(await logRows('orders')).toEqual(expected);
    expect(await sink!.watermark(0)).toEqual(del.pos);
  });

  it('reports a batch whose predecessor is not applied as early, writing nothing', async () => {
    const [sink] = await setUp('early');
    const first = change('early', 'insert', undefined, { id: 1, v: 'x', d: null });
    const second = change('early', 'insert', undefined, { id: 2, v: 'y', d: null });
    expect(await sink!.apply({ bucket: 1, prev: first.pos, changes: [second] })).toMatchObject({ status: 'early', applied: 0 });
    expect(await logRows('early')).toEqual([]);
    await sink!.apply({ bucket: 1, prev: null, changes: [first] });
    expect(await sink!.apply({ bucket: 1, prev: first.pos, changes: [second] })).toMatchObject({ status: 'applied', applied: 1 });
    expect((await logRows('early')).length).toBe(2);
  });

  it('commits once when the commit answer is lost, and finishes a recorded commit that failed on the next apply', async () => {
    const [sink] = await setUp('faults');
    const a = change('faults', 'insert', undefined, { id: 1, v: 'a', d: null });
    mc.faults.loseCommitResponse(1);
    expect(await sink!.apply({ bucket: 2, prev: null, changes: [a] })).toMatchObject({ status: 'applied', applied: 1 });
    expect(await logRows('faults')).toHaveLength(1);

    // The commit is refused after the sessions were recorded: the batch fails, and its retry finds the
    // recorded commit, finishes it, and skips the batch's changes as applied.
    const b = change('faults', 'insert', undefined, { id: 2, v: 'b', d: null });
    mc.faults.failRequests('CommitUpload', 1);
    await expect(sink!.apply({ bucket: 2, prev: a.pos, changes: [b] })).rejects.toThrow(/ServiceUnavailable/);
    expect(await logRows('faults')).toHaveLength(1);
    expect(await sink!.apply({ bucket: 2, prev: a.pos, changes: [b] })).toMatchObject({ status: 'applied', applied: 0, skipped: 1, watermark: b.pos });
    expect((await logRows('faults')).map((r) => r.split('|')[5])).toEqual(['1', '2']);
  });

  it('writes a batch once when two appliers take it at the same moment', async () => {
    const [one, two] = await setUp('race', 2);
    const changes = [1, 2, 3].map((id) => change('race', 'insert', undefined, { id, v: `v${id}`, d: null }));
    const outcomes = await Promise.all([one!.apply({ bucket: 3, prev: null, changes }), two!.apply({ bucket: 3, prev: null, changes })]);
    expect(outcomes.map((o) => o.applied).sort()).toEqual([0, 3]);
    expect((await logRows('race')).map((r) => r.split('|')[5])).toEqual(['1', '2', '3']);
  });

  it('sets a value MaxCompute cannot hold aside as a refused change, before any session is opened', async () => {
    const [sink] = await setUp('zero');
    const bad = change('zero', 'insert', undefined, { id: 1, v: 'z', d: '0000-00-00' });
    const sessions = mc.requests.CreateUpload ?? 0;
    const refused = await sink!.apply({ bucket: 4, prev: null, changes: [bad] }).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplyRejected);
    expect((refused as ApplyRejected).serverMessage).toBe("column d: date '0000-00-00' is not a calendar date MaxCompute's DATE holds (0001-01-01 to 9999-12-31)");
    expect(mc.requests.CreateUpload ?? 0).toBe(sessions);
  });

  it('gives the source table back through the merge SQL, at a time between two changes', async () => {
    const [sink] = await setUp('merged');
    await client.sql.run(baseTableDdl(mapping('merged')).sql);
    await client.sql.run("INSERT INTO merged_base VALUES (1, 'base1', NULL), (2, 'base2', NULL);");
    const upd = change('merged', 'update', { id: 1, v: 'base1', d: null }, { id: 1, v: 'new1', d: null }, 10);
    const ins = change('merged', 'insert', undefined, { id: 3, v: 'three', d: null }, 20);
    const del = change('merged', 'delete', { id: 2, v: 'base2', d: null }, undefined, 30);
    await sink!.apply({ bucket: 5, prev: null, changes: [upd, ins, del] });
    const at = async (t: number) => {
      const spec = { base: 'merged_base', log: 'merged_log', columns: ['id', 'v', 'd'], key: ['id'], at: t, ...{ rule: layout.additionalColumnRule, partitionFields: layout.partitionFields } };
      const { rows } = await client.sql.query(`SELECT * FROM (${mergeSelect(spec)}) m ORDER BY id LIMIT 100`, { settings: { 'odps.sql.allow.fullscan': 'true' } });
      return rows.map((r) => r.slice(0, 2).join('|'));
    };
    expect(await at(T0 + 10)).toEqual(['1|base1', '2|base2']);
    expect(await at(T0 + 25)).toEqual(['1|new1', '2|base2', '3|three']);
    expect(await at(T0 + 31)).toEqual(['1|new1', '3|three']);
  });

  it('folds a log of more partitions than a query may read (2 here) window by window into the same table as the one merge, an older change in a later partition losing', async () => {
    const [sink] = await setUp('folded');
    await client.sql.run(baseTableDdl(mapping('folded')).sql);
    await client.sql.run("INSERT INTO folded_base VALUES (1, 'b1', NULL), (2, 'b2', NULL), (3, 'b3', NULL), (4, 'b4', NULL), (5, 'b5', NULL);");
    const day = (n: number, s = 0) => (n - 1) * 86_400 + s;
    const row = (id: number, v: string) => ({ id, v, d: null });
    // Record ids follow the calls; event times (and so partitions) are given. id 6's insert comes after its
    // update in the binlog but carries an earlier time (day 2 against day 3): the insert must win.
    const changes = [
      change('folded', 'update', row(1, 'b1'), row(1, 'u1'), day(1)),
      change('folded', 'delete', row(2, 'b2'), undefined, day(2)),
      change('folded', 'update', row(1, 'u1'), row(1, 'u1b'), day(3)),
      change('folded', 'update', row(6, 'old6'), row(6, 'x6'), day(3, 5)),
      change('folded', 'insert', undefined, row(6, 'i6'), day(2, 5)),
      change('folded', 'insert', undefined, row(2, 'again2'), day(4)),
      change('folded', 'delete', row(3, 'b3'), undefined, day(4, 1)),
      change('folded', 'update', row(4, 'b4'), row(4, 'u4'), day(5)),
    ];
    await sink!.apply({ bucket: 6, prev: null, changes });
    const settings = { 'odps.sql.allow.fullscan': 'true' };
    const merged = async (at: number, partitionsPerQuery: number) => {
      const spec = { base: 'folded_base', log: 'folded_log', columns: ['id', 'v', 'd'], key: ['id'], at, rule: layout.additionalColumnRule, partitionFields: layout.partitionFields };
      const prepared = await prepareMerge(client, spec, { stage: 'folded_stage', settings, partitionsPerQuery });
      try {
        const { rows } = await client.sql.query(`SELECT * FROM (${prepared.select}) m ORDER BY id LIMIT 100`, { settings });
        return { rows: rows.map((r) => `${r[0]}|${r[1]}`), folds: prepared.folds };
      } finally {
        await prepared.cleanup();
      }
    };
    for (const at of [T0 + day(2, 10), T0 + day(4, 1), T0 + day(6)]) {
      const folded = await merged(at, 2);
      expect(folded.rows).toEqual((await merged(at, 10_000)).rows);
    }
    const end = await merged(T0 + day(6), 2);
    expect(end).toEqual({ rows: ['1|u1b', '2|again2', '4|u4', '5|b5', '6|i6'], folds: 3 });
    expect((await merged(T0 + day(6), 10_000)).folds).toBe(0);
    expect(await client.findTable('folded_stage')).toBeUndefined();
  });

  it('adds a column the source added to _base and _log once, and a sink that read the table before writes it after reading it again', async () => {
    // Two appliers (as two Function Compute instances): B has the table from before the DDL, A applies it.
    const [a, b] = await setUp('ddl', 2, 'Asia/Shanghai');
    await client.sql.run(baseTableDdl(mapping('ddl')).sql);
    const first = change('ddl', 'insert', undefined, { id: 1, v: 'a', d: null });
    await b!.apply({ bucket: 0, prev: null, changes: [first] });

    offset += 100;
    const ddl: DdlChange = { kind: 'ddl', pos: { file: 5, offset, row: 0 }, ts: T0, sql: 'ALTER TABLE `ddl` ADD COLUMN SeenAt TIMESTAMP(3) NULL, ADD COLUMN n INT UNSIGNED, ADD INDEX (n)', database: 'shop', tables: [{ database: 'shop', table: 'ddl' }] };
    expect(await a!.apply({ bucket: DDL_BUCKET, prev: null, changes: [ddl] })).toMatchObject({ status: 'applied', applied: 1, ddlFailures: [] });
    const columns = async (t: string) => (await client.getTable(t)).columns.map((c) => `${c.name} ${c.typeText}`);
    expect(await columns('ddl_base')).toEqual(['id int', 'v string', 'd date', 'seenat timestamp', 'n bigint']);
    expect((await columns('ddl_log')).slice(5)).toEqual(['id int', 'v string', 'd date', 'seenat timestamp', 'n bigint']);
    // A replay is skipped; the same statement met again at a later position (a rerun) adds nothing twice.
    expect(await a!.apply({ bucket: DDL_BUCKET, prev: null, changes: [ddl] })).toMatchObject({ status: 'applied', applied: 0, skipped: 1 });
    const again = { ...ddl, pos: { ...ddl.pos, offset: ddl.pos.offset + 50 } };
    expect(await a!.apply({ bucket: DDL_BUCKET, prev: null, changes: [again] })).toMatchObject({ status: 'applied', applied: 1, ddlFailures: [] });
    expect(await columns('ddl_base')).toHaveLength(5);

    // The MySQL TIMESTAMP arrives in UTC (the type kept with the DDL says so): 10:00Z shows as 18:00 in the project's zone.
    // Images name the column as the source does (SeenAt); MaxCompute keeps names in lower case.
    const full = change('ddl', 'insert', undefined, { id: 2, v: 'b', d: null, SeenAt: '2024-05-01 10:00:00.123', n: 4294967295 });
    const lacking = change('ddl', 'insert', undefined, { id: 3, v: 'c', d: null, extra: 'not in MaxCompute' });
    expect(await b!.apply({ bucket: 0, prev: first.pos, changes: [full, lacking] })).toMatchObject({ status: 'applied', applied: 2 });
    const { rows } = await client.sql.query('SELECT id, seenat, n FROM ddl_log ORDER BY id LIMIT 10', { settings: { 'odps.sql.allow.fullscan': 'true' } });
    expect(rows.map((r) => r.join('|'))).toEqual(['1||', '2|2024-05-01 18:00:00.123000|4294967295', '3||']);
  });

  it('reports an ADD COLUMN MaxCompute refuses as a failed DDL, and the task goes on', async () => {
    const [sink] = await setUp('wide');
    await client.sql.run(baseTableDdl(mapping('wide')).sql);
    offset += 100;
    const columns = Array.from({ length: 1200 }, (_, i) => `c${i} INT`).join(', ');
    const ddl: DdlChange = { kind: 'ddl', pos: { file: 5, offset, row: 0 }, ts: T0, sql: `ALTER TABLE wide ADD (${columns})`, database: 'shop', tables: [{ database: 'shop', table: 'wide' }] };
    const outcome = await sink!.apply({ bucket: DDL_BUCKET, prev: null, changes: [ddl] });
    expect(outcome).toMatchObject({ status: 'applied', applied: 0, watermark: ddl.pos });
    expect(outcome.ddlFailures).toHaveLength(1);
    expect(outcome.ddlFailures[0]!.error).toMatch(/1200|1,200|columns/);
    const next = change('wide', 'insert', undefined, { id: 1, v: 'x', d: null, c0: 5 });
    expect(await sink!.apply({ bucket: 0, prev: null, changes: [next] })).toMatchObject({ status: 'applied', applied: 1 });
  });

  it('resolves a recorded commit whose sessions the service has forgotten (24 h) by looking in the table: a committed session is kept, a lost one written again', async () => {
    const [sink] = await setUp('late');
    // Two changes a day apart: two partitions, two sessions.
    const a = change('late', 'insert', undefined, { id: 1, v: 'a', d: null });
    const b = change('late', 'insert', undefined, { id: 2, v: 'b', d: null }, 86_400);
    mc.faults.failRequests('CommitUpload', 1);
    await expect(sink!.apply({ bucket: 3, prev: null, changes: [a, b] })).rejects.toThrow(/ServiceUnavailable/);
    // As if an applier committed the first session and was killed before the second; a day later both sessions are forgotten.
    const [first, second] = (await ledgers.get('late')!.read(3)).pending!.sessions;
    await client.tunnel.commitUpload({ table: first!.table, partition: first!.partition }, first!.uploadId);
    await mc.faults.purgeSession(first!.uploadId);
    await mc.faults.purgeSession(second!.uploadId);

    // Applied again, cut differently (a change per batch): the first is in the table already, the second is written.
    expect(await sink!.apply({ bucket: 3, prev: null, changes: [a] })).toMatchObject({ status: 'applied', applied: 0, skipped: 1, watermark: a.pos });
    expect(await sink!.apply({ bucket: 3, prev: a.pos, changes: [b] })).toMatchObject({ status: 'applied', applied: 1, watermark: b.pos });
    const id = (c: RowChange) => String(5 * 2 ** 32 + c.pos.offset);
    expect(await logRows('late')).toEqual([`${id(a)}|I|${T0}|N|Y|1|a||01`, `${id(b)}|I|${T0 + 86_400}|N|Y|2|b||02`]);
    expect((await ledgers.get('late')!.read(3)).redo).toBeUndefined();
  });
});
