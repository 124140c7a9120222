/**
 * The full load into Tablestore under each conflict mode, end to end through `fc-dts run` against the
 * real MariaDB and the Tablestore stand-in (real `tablestore` client): under ignore-and-proceed rows
 * already in the destination are kept — in a table that existed before the task and in one the task
 * created, also when a chunk is loaded again after a crash — and incremental sync overwrites them;
 * under precheck-and-report a reloaded chunk is put whole.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import TableStore from 'tablestore';
import type { TaskFiles } from './helpers/fc-dts-process.ts';
import { readTable, tablestoreEndToEnd } from './helpers/tablestore.ts';

const e2e = tablestoreEndToEnd('ots-load');
const { database, run } = e2e;
const taskFile = (db: string, conflictMode: string): TaskFiles => e2e.taskFile(db, { sync: { conflictMode } });

/** The state a crash in the middle of the full load leaves: phase full-load, no chunk recorded done. */
function asIfKilledDuringFullLoad(t: TaskFiles): void {
  const statePath = join(t.state, 'task-state.json');
  writeFileSync(statePath, JSON.stringify({ ...JSON.parse(readFileSync(statePath, 'utf8')), phase: 'full-load' }));
  writeFileSync(join(t.state, 'chunks-done.jsonl'), '');
}

/** A row as another writer (or an interrupted earlier attempt) left it in Tablestore. */
async function putRow(table: string, id: number, columns: Record<string, string>): Promise<void> {
  await e2e.ots.client.putRow({
    tableName: table,
    primaryKey: [{ id: TableStore.Long.fromNumber(id) }],
    attributeColumns: Object.entries(columns).map(([k, v]) => ({ [k]: v })),
    condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
  });
}

describe('full load into Tablestore and the conflict mode (real MariaDB, Tablestore stand-in)', () => {
  it('ignore-and-proceed keeps rows already there, in existing and task-created tables, also in a reloaded chunk; incremental overwrites them', async () => {
    const db = await database('ots_load_keep');
    await e2e.admin.query(`CREATE TABLE kept (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE made (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO kept VALUES (1, 'src1'), (2, 'src2'), (3, 'src3'); INSERT INTO made VALUES (1, 'src1'), (2, 'src2')`);
    await e2e.ots.client.createTable({
      tableMeta: { tableName: 'kept', primaryKey: [{ name: 'id', type: 'INTEGER' }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    await putRow('kept', 2, { v: 'theirs', extra: 'x' });
    const t = taskFile(db, 'ignore-and-proceed');
    const first = await run(t, 'full-done');
    expect(first.code, first.err).toBe(0);
    expect(await readTable(e2e.ots.client, 'kept')).toEqual([{ id: '1', v: 'src1' }, { id: '2', v: 'theirs', extra: 'x' }, { id: '3', v: 'src3' }]);
    expect(await readTable(e2e.ots.client, 'made')).toEqual([{ id: '1', v: 'src1' }, { id: '2', v: 'src2' }]);

    // Killed during the full load after an earlier attempt wrote row 1 of the table the task created: loaded again, it stays.
    await putRow('made', 1, { v: 'earlier attempt' });
    asIfKilledDuringFullLoad(t);
    const again = await run(t, 'full-done');
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/full load of 2 tables/);
    expect(await readTable(e2e.ots.client, 'made')).toEqual([{ id: '1', v: 'earlier attempt' }, { id: '2', v: 'src2' }]);
    expect((await readTable(e2e.ots.client, 'kept'))[1]).toEqual({ id: '2', v: 'theirs', extra: 'x' });

    // Incremental sync overwrites (overwrite mode: the whole row).
    await e2e.admin.query(`UPDATE kept SET v = 'new2' WHERE id = 2; UPDATE made SET v = 'new1' WHERE id = 1`);
    const inc = await run(t, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
    expect(await readTable(e2e.ots.client, 'kept')).toEqual([{ id: '1', v: 'src1' }, { id: '2', v: 'new2' }, { id: '3', v: 'src3' }]);
    expect(await readTable(e2e.ots.client, 'made')).toEqual([{ id: '1', v: 'new1' }, { id: '2', v: 'src2' }]);
  });

  it('precheck-and-report puts a reloaded chunk whole: the source values replace what the earlier attempt wrote', async () => {
    const db = await database('ots_load_put');
    await e2e.admin.query(`CREATE TABLE made (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO made VALUES (1, 'src1'), (2, 'src2')`);
    const t = taskFile(db, 'precheck-and-report');
    expect((await run(t, 'full-done')).code).toBe(0);
    await putRow('made', 1, { v: 'earlier attempt', extra: 'x' });
    asIfKilledDuringFullLoad(t);
    const again = await run(t, 'full-done');
    expect(again.code, again.err).toBe(0);
    expect(await readTable(e2e.ots.client, 'made')).toEqual([{ id: '1', v: 'src1' }, { id: '2', v: 'src2' }]);
  });
});
