/**
 * The full load into Tablestore under each conflict mode, end to end through `fc-dts run` against the
 * real MariaDB and the Tablestore stand-in (real `tablestore` client): under ignore-and-proceed rows
 * already in the destination are kept — in a table that existed before the task and in one the task
 * created, also when a chunk is loaded again after a crash — and incremental sync overwrites them;
 * under precheck-and-report a reloaded chunk is put whole.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import TableStore from 'tablestore';
import { stringify } from 'yaml';
import type { Connection } from 'mysql2/promise';
import { adminConnection, taskDoc, uniqueName } from './helpers/mariadb.ts';
import { readTable, startTestTablestore, type TestTablestore } from './helpers/tablestore.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'fc-dts.js');
const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-ots-load-'));
let admin: Connection;
let ots: TestTablestore;
const created: string[] = [];
const children = new Set<ChildProcess>();

beforeAll(async () => {
  admin = await adminConnection();
});

beforeEach(async () => {
  ots = await startTestTablestore();
});

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  await ots.close();
});

afterAll(async () => {
  for (const db of created) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await admin.end();
});

async function database(prefix: string): Promise<string> {
  const db = uniqueName(prefix);
  created.push(db);
  await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\``);
  return db;
}

interface TaskFiles {
  readonly file: string;
  readonly state: string;
}

function taskFile(db: string, conflictMode: string): TaskFiles {
  const dir = mkdtempSync(join(dirs, 't-'));
  const file = join(dir, 'task.yaml');
  writeFileSync(file, stringify(taskDoc({ name: uniqueName('ots-load'), destination: ots.destination(), objects: [{ database: db }], sync: { conflictMode } })));
  return { file, state: join(dir, 'state') };
}

/** Async: the stand-in answers from this process, so the event loop must keep running. */
function run(t: TaskFiles, until: 'full-done' | 'caught-up'): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'run', '-c', t.file, '--until', until, '--state', t.state]);
  children.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve({ code: code ?? -1, out, err });
    }),
  );
}

/** The state a crash in the middle of the full load leaves: phase full-load, no chunk recorded done. */
function asIfKilledDuringFullLoad(t: TaskFiles): void {
  const statePath = join(t.state, 'task-state.json');
  writeFileSync(statePath, JSON.stringify({ ...JSON.parse(readFileSync(statePath, 'utf8')), phase: 'full-load' }));
  writeFileSync(join(t.state, 'chunks-done.jsonl'), '');
}

/** A row as another writer (or an interrupted earlier attempt) left it in Tablestore. */
async function putRow(table: string, id: number, columns: Record<string, string>): Promise<void> {
  await ots.client.putRow({
    tableName: table,
    primaryKey: [{ id: TableStore.Long.fromNumber(id) }],
    attributeColumns: Object.entries(columns).map(([k, v]) => ({ [k]: v })),
    condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
  });
}

describe('full load into Tablestore and the conflict mode (real MariaDB, Tablestore stand-in)', () => {
  it('ignore-and-proceed keeps rows already there, in existing and task-created tables, also in a reloaded chunk; incremental overwrites them', async () => {
    const db = await database('ots_load_keep');
    await admin.query(`CREATE TABLE kept (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE made (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO kept VALUES (1, 'src1'), (2, 'src2'), (3, 'src3'); INSERT INTO made VALUES (1, 'src1'), (2, 'src2')`);
    await ots.client.createTable({
      tableMeta: { tableName: 'kept', primaryKey: [{ name: 'id', type: 'INTEGER' }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    await putRow('kept', 2, { v: 'theirs', extra: 'x' });
    const t = taskFile(db, 'ignore-and-proceed');
    const first = await run(t, 'full-done');
    expect(first.code, first.err).toBe(0);
    expect(await readTable(ots.client, 'kept')).toEqual([{ id: '1', v: 'src1' }, { id: '2', v: 'theirs', extra: 'x' }, { id: '3', v: 'src3' }]);
    expect(await readTable(ots.client, 'made')).toEqual([{ id: '1', v: 'src1' }, { id: '2', v: 'src2' }]);

    // Killed during the full load after an earlier attempt wrote row 1 of the table the task created: loaded again, it stays.
    await putRow('made', 1, { v: 'earlier attempt' });
    asIfKilledDuringFullLoad(t);
    const again = await run(t, 'full-done');
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/full load of 2 tables/);
    expect(await readTable(ots.client, 'made')).toEqual([{ id: '1', v: 'earlier attempt' }, { id: '2', v: 'src2' }]);
    expect((await readTable(ots.client, 'kept'))[1]).toEqual({ id: '2', v: 'theirs', extra: 'x' });

    // Incremental sync overwrites (overwrite mode: the whole row).
    await admin.query(`UPDATE kept SET v = 'new2' WHERE id = 2; UPDATE made SET v = 'new1' WHERE id = 1`);
    const inc = await run(t, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
    expect(await readTable(ots.client, 'kept')).toEqual([{ id: '1', v: 'src1' }, { id: '2', v: 'new2' }, { id: '3', v: 'src3' }]);
    expect(await readTable(ots.client, 'made')).toEqual([{ id: '1', v: 'new1' }, { id: '2', v: 'src2' }]);
  });

  it('precheck-and-report puts a reloaded chunk whole: the source values replace what the earlier attempt wrote', async () => {
    const db = await database('ots_load_put');
    await admin.query(`CREATE TABLE made (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO made VALUES (1, 'src1'), (2, 'src2')`);
    const t = taskFile(db, 'precheck-and-report');
    expect((await run(t, 'full-done')).code).toBe(0);
    await putRow('made', 1, { v: 'earlier attempt', extra: 'x' });
    asIfKilledDuringFullLoad(t);
    const again = await run(t, 'full-done');
    expect(again.code, again.err).toBe(0);
    expect(await readTable(ots.client, 'made')).toEqual([{ id: '1', v: 'src1' }, { id: '2', v: 'src2' }]);
  });
});
