/**
 * The fc-dts command as a user runs it (bin/fc-dts.js as a child process) against the real MariaDB:
 * exit codes, messages for bad input, and a run killed with SIGKILL or interrupted with SIGINT and
 * resumed without reloading finished chunks and without losing or duplicating a row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { adminConnection, taskDoc, testEndpoint, uniqueName } from './helpers/mariadb.ts';
import { diffTables } from './helpers/fixtures.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'fc-dts.js');
let admin: Connection;
const src = uniqueName('cli_src');
const dirs = mkdtempSync(join(tmpdir(), 'fc-dts-cli-'));

beforeAll(async () => {
  admin = await adminConnection();
  await admin.query(`CREATE DATABASE \`${src}\`; USE \`${src}\`;
    CREATE TABLE big (id INT PRIMARY KEY, a VARCHAR(40), b DECIMAL(20,6), c DATETIME(6));
    INSERT INTO big SELECT seq, CONCAT('row ', seq, IF(seq % 7 = 0, ' 😀', '')), seq / 7, TIMESTAMP('2024-01-01') + INTERVAL seq SECOND FROM seq_1_to_60000;
    CREATE TABLE small (k VARCHAR(10) PRIMARY KEY, v INT);
    INSERT INTO small SELECT CONCAT('k', seq), seq FROM seq_1_to_500;
    ANALYZE TABLE big, small;`);
});

afterAll(async () => {
  const [rows] = await admin.query(`SELECT SCHEMA_NAME n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'cli\\_%${process.pid}%'`);
  for (const r of rows as Array<{ n: string }>) await admin.query(`DROP DATABASE \`${r.n}\``);
  await admin.end();
});

function writeTask(doc: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(dirs, 't-')), 'task.yaml');
  writeFileSync(file, typeof doc === 'string' ? doc : stringify(doc));
  return file;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('fc-dts command line (real MariaDB)', () => {
  it('rejects a malformed task file with exit 2, naming the key and the fix', () => {
    const file = writeTask(taskDoc({ objects: [{ database: src }], sync: { conflictMode: 'precheck' } }));
    const r = cli(['precheck', '-c', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('sync.conflictMode: "precheck" is not one of precheck-and-report, ignore-and-proceed');
    expect(r.err).toContain('fix:');
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace

    const yamlError = writeTask({ x: 1 });
    writeFileSync(yamlError, 'name: t\nsource: [unclosed\n');
    const y = cli(['run', '-c', yamlError]);
    expect(y.code).toBe(2);
    expect(y.err).toMatch(/is not valid YAML at line \d+/);
  });

  it('reports a wrong password as a failed precheck without echoing the secret', () => {
    const secret = 'Sup3r-Secret-Value';
    const file = writeTask({ ...taskDoc({ objects: [{ database: src }] }), source: { ...testEndpoint(), password: '${SRC_PW}', ssl: false } });
    const r = cli(['precheck', '-c', file, '--json'], { SRC_PW: secret });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { ok: boolean; items: Array<{ id: string; status: string; reason: string }> };
    expect(report.ok).toBe(false);
    expect(report.items.find((i) => i.id === 'source-connectivity')?.status).toBe('failed');
    expect(r.out + r.err).not.toContain(secret);
  });

  it('names a missing environment variable and an unreachable host', () => {
    const file = writeTask({ ...taskDoc({ objects: [{ database: src }] }), destination: { type: 'mysql', host: '127.0.0.1', port: 1, user: 'u', password: '${NOPE_NOT_SET}' } });
    const missing = cli(['precheck', '-c', file]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('destination.password: refers to environment variable NOPE_NOT_SET, which is not set');
    const r = cli(['precheck', '-c', file], { NOPE_NOT_SET: 'x' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/destination 127\.0\.0\.1:1: connection refused/);
  });

  it('refuses to load a table without a key and says which', async () => {
    await admin.query(`CREATE TABLE \`${src}\`.nokey (a INT, b INT)`);
    try {
      const file = writeTask(taskDoc({ objects: [{ database: src, as: uniqueName('cli_nk'), tables: ['nokey'] }] }));
      const r = cli(['run', '-c', file, '--until', 'full-done', '--state', join(dirs, 'nk-state')]);
      expect(r.code).toBe(1);
      expect(r.out + r.err).toContain(`${src}.nokey`);
      expect(r.err).toContain('precheck failed');
    } finally {
      await admin.query(`DROP TABLE \`${src}\`.nokey`);
    }
  });

  it('fails the precheck on a filter that does not parse, naming the table, the position and the key', () => {
    const file = writeTask(taskDoc({ objects: [{ database: src, as: uniqueName('cli_f'), tables: [{ name: 'big', where: "a = 'x' AND" }] }] }));
    const r = cli(['precheck', '-c', file]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`${src}\\.big: filter "a = 'x' AND" does not parse: expected an expression at position 11`));
    const injection = writeTask(taskDoc({ objects: [{ database: src, as: uniqueName('cli_f'), tables: [{ name: 'big', where: 'id > 0; DROP TABLE big' }] }] }));
    const i = cli(['precheck', '-c', injection]);
    expect(i.code).toBe(1);
    expect(i.out).toMatch(/big: filter .* is rejected at position 6/);
  });

  it('applies the capitalization policy to database, table and column names', async () => {
    const dst = uniqueName('cli_cap');
    const file = writeTask(taskDoc({ objects: [{ database: src, as: dst, tables: ['small'] }], sync: { capitalization: 'upper' } }));
    const r = cli(['run', '-c', file, '--until', 'full-done', '--state', join(dirs, 'cap-state')]);
    expect(r.code, r.err).toBe(0);
    const [cols] = await admin.query<RowDataPacket[]>(
      'SELECT TABLE_NAME t, COLUMN_NAME c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY ORDINAL_POSITION', [dst]);
    expect(cols.map((c) => `${c.t}.${c.c}`)).toEqual(['SMALL.K', 'SMALL.V']);
    expect(await diffTables(admin, { db: src, table: 'small' }, { db: dst, table: 'SMALL' }, ['k', 'v'], ['K', 'V'])).toEqual({ countA: 500, countB: 500, unmatched: 0 });
  });

  it('resumes after kill -9 without reloading finished chunks, and the copy is exact', async () => {
    const dst = uniqueName('cli_k9');
    const state = join(dirs, 'k9-state');
    const file = writeTask(taskDoc({
      objects: [{ database: src, as: dst, tables: ['big', 'small'] }],
      advanced: { fullLoad: { chunkRows: 3000, workers: 2, batchRows: 500 }, throttle: { full: { rps: 30000 } } },
    }));
    const doneLog = join(state, 'chunks-done.jsonl');
    const child = spawn(process.execPath, [BIN, 'run', '-c', file, '--until', 'full-done', '--state', state], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (!(existsSync(doneLog) && readFileSync(doneLog, 'utf8').split('\n').length > 5) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = readFileSync(doneLog, 'utf8').trim().split('\n').length;
    expect(before).toBeGreaterThan(4);

    const r = cli(['run', '-c', file, '--until', 'full-done', '--state', state]);
    expect(r.code, r.err).toBe(0);
    const done = readFileSync(doneLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { table: string; chunk: number });
    const keys = done.map((d) => `${d.table}#${d.chunk}`);
    expect(new Set(keys).size).toBe(keys.length); // no chunk recorded (so loaded to the end) twice
    const loadedNow = Number(/in (\d+) chunks this run/.exec(r.out)?.[1]);
    expect(loadedNow).toBe(done.length - before);
    for (const t of ['big', 'small']) {
      const cols = t === 'big' ? ['id', 'a', 'b', 'c'] : ['k', 'v'];
      expect(await diffTables(admin, { db: src, table: t }, { db: dst, table: t }, cols)).toEqual(
        expect.objectContaining({ unmatched: 0 }),
      );
      const d = await diffTables(admin, { db: dst, table: t }, { db: src, table: t }, cols);
      expect(d.countA).toBe(d.countB);
      expect(d.unmatched).toBe(0);
    }
    const v = cli(['verify', '-c', file]);
    expect(v.code, v.out + v.err).toBe(0);
    const s = cli(['status', '-c', file, '--state', state, '--json']);
    expect(JSON.parse(s.out)).toEqual(expect.objectContaining({ phase: 'full-done', schemaDone: true }));
  });

  it('streams a table larger than its memory bound: peak RSS stays under 300 MiB for over 384 MiB of rows', async () => {
    const dst = uniqueName('cli_mem');
    await admin.query(`CREATE TABLE \`${src}\`.wide (id INT PRIMARY KEY, t MEDIUMTEXT, b MEDIUMBLOB);
      INSERT INTO \`${src}\`.wide SELECT seq, REPEAT(CONCAT('row', seq, ' 😀 '), 6000), REPEAT(UNHEX('00FF10'), 21000) FROM seq_1_to_3000;`);
    try {
      const file = writeTask(taskDoc({ objects: [{ database: src, as: dst, tables: ['wide'] }] }));
      const r = cli(['run', '-c', file, '--until', 'full-done', '--state', join(dirs, 'mem-state')]);
      expect(r.code, r.err).toBe(0);
      const peak = Number(/peak memory (\d+) MiB/.exec(r.out)?.[1]);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThan(300);
      const [[size]] = await admin.query<RowDataPacket[]>(`SELECT SUM(LENGTH(t) + LENGTH(b)) n FROM \`${src}\`.wide`);
      expect(Number(size!.n)).toBeGreaterThan(384 * 1024 * 1024);
      expect(await diffTables(admin, { db: src, table: 'wide' }, { db: dst, table: 'wide' }, ['id', 't', 'b'])).toEqual({ countA: 3000, countB: 3000, unmatched: 0 });
    } finally {
      await admin.query(`DROP TABLE \`${src}\`.wide`);
    }
  });

  it('stops cleanly on Ctrl-C with exit 130 and finishes on the next run', async () => {
    const dst = uniqueName('cli_int');
    const state = join(dirs, 'int-state');
    const file = writeTask(taskDoc({
      objects: [{ database: src, as: dst, tables: ['big'] }],
      advanced: { fullLoad: { chunkRows: 3000, workers: 2 }, throttle: { full: { rps: 20000 } } },
    }));
    const child = spawn(process.execPath, [BIN, 'run', '-c', file, '--until', 'full-done', '--state', state], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const doneLog = join(state, 'chunks-done.jsonl');
    const deadline = Date.now() + 60_000;
    while (!existsSync(doneLog) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(130);
    expect(err).toMatch(/stopped: run .* again to resume/);
    const r = cli(['run', '-c', file, '--until', 'full-done', '--state', state]);
    expect(r.code, r.err).toBe(0);
    expect(await diffTables(admin, { db: src, table: 'big' }, { db: dst, table: 'big' }, ['id', 'a', 'b', 'c'])).toEqual({ countA: 60000, countB: 60000, unmatched: 0 });
  });
});
