/**
 * Tablestore's size limits (2 MiB a column value, 4 MiB a row) through fc-dts run: real MariaDB, the
 * Tablestore stand-in spoken to by the real client. An oversize row follows the dirty-data policy
 * with a reason naming table, key, column, size and limit; it neither loops nor holds up other tables.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTable, tablestoreEndToEnd } from './helpers/tablestore.ts';

const e2e = tablestoreEndToEnd('otslim');
const { database, taskFile, run } = e2e;
const MB3 = 3 * 1024 * 1024;

const ids = async (table: string) => (await readTable(e2e.ots.client, table)).map((r) => String(r.id));
const dirtyOf = (state: string) =>
  readFileSync(join(state, 'dirty-data.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { table: string; reason: string; row: string; phase: string });

describe('Tablestore size limits', () => {
  it('under skip: records a 3 MB value by full load and incremental (insert, update) and syncs the rest', async () => {
    const db = await database('lim_skip');
    await e2e.admin.query(`CREATE TABLE docs (id INT PRIMARY KEY, body LONGTEXT);
      CREATE TABLE other (id INT PRIMARY KEY, v INT);
      INSERT INTO docs VALUES (1, 'small'), (7, REPEAT('a', ${MB3})), (8, 'small too');
      INSERT INTO other VALUES (1, 1), (2, 2);`);
    const t = taskFile(db, { sync: { dirtyData: 'skip' } });
    const full = await run(t, 'full-done');
    expect(full.code, full.err).toBe(0);
    expect(await ids('docs')).toEqual(['1', '8']);
    expect(await ids('other')).toEqual(['1', '2']);
    const first = dirtyOf(t.state);
    expect(first).toHaveLength(1);
    expect(first[0]!.reason).toBe(`${db}.docs key (id=7): column body is ${MB3} bytes, over Tablestore's 2097152-byte limit for a column value`);
    // The record keeps 1 KiB of the value and its size, not 3 MB.
    expect(first[0]!.row.length).toBeLessThan(2000);
    expect(first[0]!.row).toContain(`…(${MB3} bytes)`);

    await e2e.admin.query(`INSERT INTO ${db}.docs VALUES (20, REPEAT('b', ${MB3})), (21, 'after');
      UPDATE ${db}.docs SET body = REPEAT('c', ${MB3}) WHERE id = 1;
      INSERT INTO ${db}.other VALUES (3, 3);`);
    const inc = await run(t, 'caught-up');
    expect(inc.code, inc.err).toBe(0);
    expect(inc.err + inc.out, 'no retry loop').not.toMatch(/retrying in/);
    expect(await ids('docs')).toEqual(['1', '8', '21']);
    expect(await ids('other')).toEqual(['1', '2', '3']);
    const doc1 = (await readTable(e2e.ots.client, 'docs')).find((r) => String(r.id) === '1');
    expect(doc1?.body, 'the refused update left the row as it was').toBe('small');
    const reasons = dirtyOf(t.state).slice(1).map((d) => d.reason).sort();
    expect(reasons).toEqual([
      `${db}.docs key (id=1): column body is ${MB3} bytes, over Tablestore's 2097152-byte limit for a column value`,
      `${db}.docs key (id=20): column body is ${MB3} bytes, over Tablestore's 2097152-byte limit for a column value`,
    ]);
    expect(dirtyOf(t.state).every((d) => d.row.length < 2000)).toBe(true);
  });

  it('under skip: a row of columns each under 2 MB but over 4 MB in all is recorded naming its size and largest column', async () => {
    const db = await database('lim_row');
    await e2e.admin.query(`CREATE TABLE w (id INT PRIMARY KEY, a LONGBLOB, b LONGBLOB, c LONGBLOB);
      INSERT INTO w VALUES (1, REPEAT('a', 1500000), REPEAT('b', 1500000), REPEAT('c', 1600000)), (2, 'x', 'y', 'z');`);
    const t = taskFile(db, { sync: { dirtyData: 'skip' } });
    const full = await run(t, 'full-done');
    expect(full.code, full.err).toBe(0);
    expect(await ids('w')).toEqual(['2']);
    const size = 2 + 4 + 3 * 1 + 1500000 + 1500000 + 1600000 - 4 + 8;
    expect(dirtyOf(t.state).map((d) => d.reason)).toEqual([
      `${db}.w key (id=1): the row is ${size} bytes, over Tablestore's 4194304-byte limit for a row (largest column c: 1600000 bytes)`,
    ]);
  });

  it('under block: full load stops naming the oversize value', async () => {
    const db = await database('lim_block');
    await e2e.admin.query(`CREATE TABLE docs (id INT PRIMARY KEY, body LONGBLOB); INSERT INTO docs VALUES (7, REPEAT('a', ${MB3}));`);
    const r = await run(taskFile(db, { sync: { dirtyData: 'block' } }), 'full-done');
    expect(r.code).not.toBe(0);
    expect(r.err + r.out).toContain(`${db}.docs key (id=7): column body is ${MB3} bytes, over Tablestore's 2097152-byte limit for a column value`);
  });

  it('under block: incremental sync stops at an oversize update with the reason, at once', async () => {
    const db = await database('lim_block_inc');
    await e2e.admin.query('CREATE TABLE docs (id INT PRIMARY KEY, body LONGBLOB); INSERT INTO docs VALUES (7, 0x01);');
    const t = taskFile(db, { sync: { dirtyData: 'block' } });
    expect((await run(t, 'full-done')).code).toBe(0);
    await e2e.admin.query(`UPDATE ${db}.docs SET body = REPEAT('a', ${MB3}) WHERE id = 7`);
    const r = await run(t, 'caught-up');
    expect(r.code).not.toBe(0);
    expect(r.err + r.out, 'no retry loop').not.toMatch(/retrying in/);
    expect(r.err + r.out).toContain(`${db}.docs key (id=7): column body is ${MB3} bytes, over Tablestore's 2097152-byte limit for a column value`);
  });
});
