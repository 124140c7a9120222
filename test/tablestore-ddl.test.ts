/**
 * DDL on the source of a Tablestore destination, end to end through `fc-dts run` (bin/fc-dts.js as a
 * child process) against the real MariaDB binlog and the Tablestore stand-in spoken to by the real
 * `tablestore` client: column type changes and added columns are written as the binlog event's types;
 * TRUNCATE, DROP TABLE and ALTER TABLE are not applied, and each is logged and counted in `status`.
 */
import { describe, expect, it } from 'vitest';
import TableStore from 'tablestore';
import { comparable } from '../shared/destinations/tablestore/tablestore-values.ts';
import type { TaskStatus } from '../shared/pipeline/task-status.ts';
import { tablestoreEndToEnd } from './helpers/tablestore.ts';

const e2e = tablestoreEndToEnd('ots-ddl');
const { database, taskFile, run, fcDts } = e2e;

/** Every row of a table in key order, each value as its Tablestore type and content (`integer:5`, `string:5`). */
async function typedRows(table: string): Promise<Array<Record<string, string>>> {
  const page = await e2e.ots.client.getRange({
    tableName: table,
    direction: TableStore.Direction.FORWARD,
    inclusiveStartPrimaryKey: [{ id: TableStore.INF_MIN }],
    exclusiveEndPrimaryKey: [{ id: TableStore.INF_MAX }],
    limit: 5000,
  });
  expect(page.nextStartPrimaryKey ?? null).toBeNull();
  return page.rows.map((r) =>
    Object.fromEntries([...r.primaryKey.map((k) => [k.name, comparable(k.value)]), ...r.attributes.map((a) => [a.columnName, comparable(a.columnValue)])]),
  );
}

describe('DDL on the source of a Tablestore destination (real MariaDB binlog, Tablestore stand-in)', () => {
  it('writes changed rows with the column types of their binlog event after MODIFY and ADD COLUMN', async () => {
    const db = await database('ots_ddl_types');
    await e2e.admin.query(`CREATE TABLE t (id INT PRIMARY KEY, b INT, big BIGINT, flag TINYINT(1), s VARCHAR(10));
      INSERT INTO t VALUES (1, 5, 7, 1, 'x'), (2, 6, 8, 0, 'y'), (3, 9, 9, 1, 'z'), (5, 11, 12, 0, 'w')`);
    const t = taskFile(db);
    const full = await run(t, 'full-done');
    expect(full.code, full.err).toBe(0);
    expect((await typedRows('t'))[0]).toEqual({ id: 'integer:1', b: 'integer:5', big: 'integer:7', flag: 'bool:true', s: 'string:x' });

    await e2e.admin.query(`ALTER TABLE t MODIFY b VARCHAR(20);
      UPDATE t SET b = '55' WHERE id = 1;
      ALTER TABLE t MODIFY big BIGINT UNSIGNED;
      UPDATE t SET big = 18446744073709551615 WHERE id = 2;
      ALTER TABLE t ADD COLUMN d DOUBLE;
      UPDATE t SET d = 3 WHERE id = 3;
      INSERT INTO t VALUES (4, 'four', 18446744073709551614, 0, 'v', 2.5)`);
    const inc = await run(t, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
    expect(await typedRows('t')).toEqual([
      // b is VARCHAR now: '55' is a STRING; the TINYINT(1) stays a BOOLEAN (the binlog has no display width).
      { id: 'integer:1', b: 'string:55', big: 'integer:7', flag: 'bool:true', s: 'string:x' },
      // The whole row is put (overwrite mode): every column as the event's types, BIGINT UNSIGNED as exact digits.
      { id: 'integer:2', b: 'string:6', big: 'string:18446744073709551615', flag: 'bool:false', s: 'string:y' },
      // An added DOUBLE column holding 3 is a DOUBLE, not the INTEGER its value alone suggests.
      { id: 'integer:3', b: 'string:9', big: 'string:9', flag: 'bool:true', s: 'string:z', d: 'double:3' },
      { id: 'integer:4', b: 'string:four', big: 'string:18446744073709551614', flag: 'bool:false', s: 'string:v', d: 'double:2.5' },
      // Not changed since the ALTERs: as the full load wrote it.
      { id: 'integer:5', b: 'integer:11', big: 'integer:12', flag: 'bool:false', s: 'string:w' },
    ]);
    // Three ALTER TABLEs, none applied (Tablestore takes no DDL), each logged.
    expect(inc.err.match(/DDL not applied: ALTER TABLE on \S+\.t \(Tablestore table t\)/g)).toHaveLength(3);
  });

  it('leaves TRUNCATE, DROP TABLE and ALTER TABLE unapplied, logs each and counts them in status', async () => {
    const db = await database('ots_ddl_skip');
    await e2e.admin.query(`CREATE TABLE a (id INT PRIMARY KEY, v INT); CREATE TABLE b (id INT PRIMARY KEY, v INT);
      INSERT INTO a VALUES (1, 1), (2, 2); INSERT INTO b VALUES (1, 1)`);
    const other = await database('ots_ddl_other'); // not in the task: its DDL is not reported
    await e2e.admin.query(`CREATE TABLE o (id INT PRIMARY KEY); USE \`${db}\``);
    const t = taskFile(db);
    expect((await run(t, 'full-done')).code).toBe(0);

    await e2e.admin.query(`TRUNCATE TABLE a; DROP TABLE b; ALTER TABLE \`${other}\`.o ADD COLUMN x INT;
      ALTER TABLE a ADD COLUMN w VARCHAR(5); INSERT INTO a VALUES (10, 10, 'ten')`);
    const inc = await run(t, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
    const lines = inc.err.split('\n').filter((l) => l.includes('DDL not applied'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^DDL not applied: TRUNCATE TABLE on ${db}\\.a \\(Tablestore table a\\) at binlog position \\d+:\\d+#0 — Tablestore takes no DDL: the rows stay`));
    expect(lines[1]).toMatch(new RegExp(`^DDL not applied: DROP TABLE on ${db}\\.b \\(Tablestore table b\\) .* the Tablestore table and its rows stay`));
    expect(lines[2]).toMatch(new RegExp(`^DDL not applied: ALTER TABLE on ${db}\\.a \\(Tablestore table a\\)`));
    // Nothing was removed from Tablestore; the row inserted afterwards arrived.
    expect((await typedRows('a')).map((r) => r.id)).toEqual(['integer:1', 'integer:2', 'integer:10']);
    expect((await typedRows('b')).map((r) => r.id)).toEqual(['integer:1']);

    const json = await fcDts(['status', '-c', t.file, '--json', '--state', t.state]);
    expect(json.code, json.err).toBe(0);
    const status = JSON.parse(json.out) as TaskStatus;
    expect(status.incremental?.ddlSkipped).toBe(3);
    expect(status.incremental?.lastDdlSkipped).toMatchObject({ statement: 'ALTER TABLE', tables: [`${db}.a`], reason: expect.stringMatching(/^Tablestore takes no DDL: /) });
    const text = await fcDts(['status', '-c', t.file, '--state', t.state]);
    expect(text.out).toContain(`3 DDL statements not applied to the destination; the last: ALTER TABLE on ${db}.a`);

    // A later run reads on from the checkpoint: the count stays, and grows with the next statement.
    await e2e.admin.query('TRUNCATE TABLE a');
    expect((await run(t, 'caught-up')).code).toBe(0);
    const again = JSON.parse((await fcDts(['status', '-c', t.file, '--json', '--state', t.state])).out) as TaskStatus;
    expect(again.incremental).toMatchObject({ ddlSkipped: 4, lastDdlSkipped: { statement: 'TRUNCATE TABLE', tables: [`${db}.a`] } });
  });
});
