/** Task-file loading and validation: defaults, ${ENV} secrets, and errors that name the key and the fix. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTaskFile, parseTaskText, redactTask, validateTask } from '../shared/task/task-file.ts';
import { FcDtsError, TaskFileError } from '../shared/errors.ts';
import { readCatalog } from '../shared/mysql/catalog.ts';
import { resolveObjects } from '../shared/task/object-mapper.ts';
import { adminConnection, uniqueName } from './helpers/mariadb.ts';

const base = {
  name: 'shop-to-rds',
  source: { host: '127.0.0.1', user: 'dts', password: 'p' },
  destination: { type: 'mysql', host: '127.0.0.1', user: 'dts', password: 'p' },
  objects: [{ database: 'shop' }],
};

const ots = { type: 'tablestore', endpoint: 'https://shop.cn-hangzhou.ots.aliyuncs.com', instance: 'shop', accessKeyId: 'LTAIexample', accessKeySecret: 'secret-value' };

function errorOf(doc: unknown): TaskFileError {
  try {
    validateTask(doc);
  } catch (e) {
    if (e instanceof TaskFileError) return e;
    throw e;
  }
  throw new Error('expected a TaskFileError');
}

describe('task file', () => {
  it('fills the documented defaults', () => {
    const t = validateTask(base);
    expect(t.source).toEqual({ type: 'mysql', host: '127.0.0.1', port: 3306, user: 'dts', password: 'p', ssl: false });
    expect([...t.sync.types]).toEqual(['schema', 'full', 'incremental']);
    expect([...t.sync.operations]).toEqual(['insert', 'update', 'delete']);
    expect(t.sync).toEqual(expect.objectContaining({ ddl: true, conflictMode: 'precheck-and-report', dirtyData: 'block', capitalization: 'default' }));
    expect(t.advanced.retry).toEqual({ connectionMinutes: 720, otherMinutes: 10 });
    expect(t.advanced.fullLoad).toEqual({ workers: 4, chunkRows: 50_000, batchRows: 2_000, batchBytes: 1 << 20, loadData: true });
    expect(t.advanced.incremental).toEqual({ buckets: 8, workers: 4, batchChanges: 2_000, batchBytes: 4 << 20, batchMs: 100, flushWhenIdle: true });
  });

  it('takes the batch defaults of a MaxCompute destination, whose every commit is a file, and lets the task file set them', () => {
    const destination = { type: 'maxcompute', endpoint: 'http://127.0.0.1:1/api', project: 'dw_shop', accessKeyId: 'ak', accessKeySecret: 'sk' };
    expect(validateTask({ ...base, destination }).advanced.incremental).toMatchObject({ batchChanges: 10_000, batchBytes: 16 << 20, batchMs: 5_000, flushWhenIdle: false });
    const set = validateTask({ ...base, destination, advanced: { incremental: { batchMs: 300_000, batchChanges: 50_000 } } }).advanced.incremental;
    expect(set).toMatchObject({ batchChanges: 50_000, batchMs: 300_000, flushWhenIdle: false });
  });

  it('always keeps incremental on, as the product does', () => {
    expect([...validateTask({ ...base, sync: { types: ['schema', 'full'] } }).sync.types]).toContain('incremental');
  });

  it('reads tables, renames, filters, column maps in order and per-table operations', () => {
    const t = validateTask({
      ...base,
      objects: [{ database: 'shop', as: 'copy', tables: ['a', { name: 'orders', as: 'o2', where: 'id > 1', operations: ['insert'], columns: { id: 'id', amount: 'total' } }, { name: 'c', columns: ['x', 'y'] }] }],
    });
    const tables = t.objects[0]!.tables!;
    expect(tables[0]).toEqual({ name: 'a' });
    expect(tables[1]).toEqual({ name: 'orders', as: 'o2', where: 'id > 1', operations: ['insert'], columns: [['id', 'id'], ['amount', 'total']] });
    expect(tables[2]!.columns).toEqual([['x', 'x'], ['y', 'y']]);
  });

  it('substitutes ${ENV} references and names a missing variable with its key', () => {
    const text = JSON.stringify({ ...base, source: { ...base.source, password: '${SRC_PW}' } });
    expect(parseTaskText(text, 't.json', { SRC_PW: 's3cret' }).source.password).toBe('s3cret');
    expect(() => parseTaskText(text, 't.json', {})).toThrow('source.password: refers to environment variable SRC_PW, which is not set');
  });

  it.each([
    [{ ...base, sync: { conflictMode: 'precheck' } }, 'sync.conflictMode', /"precheck" is not one of precheck-and-report, ignore-and-proceed/],
    [{ ...base, sourc: {} }, 'sourc', /is not a known key/],
    [{ ...base, source: { ...base.source, port: 70000 } }, 'source.port', /must be an integer from 1 to 65535/],
    [{ ...base, objects: [] }, 'objects', /must be a non-empty list/],
    [{ ...base, objects: [{ database: 'shop', tables: [{ name: 'a', colums: {} }] }] }, 'objects[0].tables[0].colums', /is not a known key/],
    [{ ...base, objects: [{ database: 'shop', tables: [{ name: 'a', columns: { x: 'y', z: 'Y' } }] }] }, 'objects[0].tables[0].columns', /maps two columns to "Y"/],
    [{ ...base, objects: [{ database: 'shop', tables: [{ name: 'a', where: '' }] }] }, 'objects[0].tables[0].where', /non-empty SQL condition/],
    [{ ...base, objects: [{ database: 'shop' }, { database: 'shop' }] }, 'objects[1].database', /selected twice/],
    [{ ...base, advanced: { retry: { connectionMinutes: 20, otherMinutes: 30 } } }, 'advanced.retry.otherMinutes', /must be less than connectionMinutes/],
    [{ ...base, advanced: { retry: { connectionMinutes: 5 } } }, 'advanced.retry.connectionMinutes', /from 10 to 1440/],
    [{ ...base, destination: { ...base.destination, type: 'lindorm', host: 'ld-x.lindorm.rds.aliyuncs.com:33060' } }, 'destination.host', /is not a host name/],
    [{ ...base, destination: { type: 'lindorm', host: 'ld-x', user: 'root', password: 'pw', database: 'ns' } }, 'destination.database', /"ns" is not a Lindorm namespace name/],
    [{ ...base, destination: { type: 'lindorm', host: 'ld-x', user: 'root', password: 'pw' }, objects: [{ database: 'shop', as: 'copy' }] }, 'objects[0].as', /one namespace destination.database: database name mapping is not supported/],
    [{ ...base, destination: { type: 'lindorm', host: 'ld-x', user: 'root', password: 'pw' }, advanced: { fullLoad: { batchRows: 2001 } } }, 'advanced.fullLoad.batchRows', /Lindorm takes at most 2000 rows a write/],
    [{ ...base, destination: { type: 'oracle' } }, 'destination.type', /"oracle" is not one of mysql, tablestore, maxcompute, lindorm/],
    [{ ...base, destination: { ...ots, batchWriteMode: 'bulkImport' } }, 'destination.batchWriteMode', /bulkImport is not supported: the Tablestore Node.js SDK .* has no BulkImport/],
    [{ ...base, destination: { ...ots, buckets: 12, concurrency: 10 } }, 'destination.buckets', /\(12\) must not exceed concurrency \(10\)/],
    [{ ...base, destination: { ...ots, writeMode: 'replace' } }, 'destination.writeMode', /not one of overwrite, update/],
    [{ ...base, destination: { ...ots, host: 'x' } }, 'destination.host', /is not a known key/],
    [{ ...base, destination: { ...ots, endpoint: 'ots.example.com' } }, 'destination.endpoint', /not an endpoint URL/],
    [{ ...base, destination: ots, sync: { ddl: true } }, 'sync.ddl', /take no DDL/],
    [{ ...base, destination: ots, objects: [{ database: 'shop', as: 'copy' }] }, 'objects[0].as', /database name mapping is not supported/],
    [{ ...base, destination: ots, advanced: { incremental: { buckets: 4 } } }, 'advanced.incremental.buckets', /set by destination.buckets/],
    [{ ...base, name: '../etc' }, 'name', /must be letters, digits/],
    [{ ...base, objects: [{ database: 'a'.repeat(65) }] }, 'objects[0].database', /not a valid MySQL name/],
  ])('rejects %# naming the key', (doc, key, message) => {
    const e = errorOf(doc);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
    expect(e.fix).toBeTruthy();
    expect(e.code).toBe('TASK_FILE_INVALID');
  });

  it('suggests the key that was probably meant', () => {
    expect(errorOf({ ...base, sync: { conflictmode: 'ignore-and-proceed' } }).fix).toBe('did you mean "conflictMode"?');
  });

  it('loads YAML from a file and reports a syntax error with its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fc-dts-task-'));
    const good = join(dir, 'task.yaml');
    writeFileSync(good, 'name: t1\nsource: { host: h, user: u }\ndestination: { type: mysql, host: h, user: u }\nobjects:\n  - database: shop\n');
    expect(loadTaskFile(good).name).toBe('t1');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: t1\nobjects: [ { database: shop \n');
    expect(() => loadTaskFile(bad)).toThrow(/is not valid YAML at line \d+, column \d+/);
    expect(() => loadTaskFile(join(dir, 'missing.yaml'))).toThrow(/cannot read task file .*ENOENT/);
  });

  it('never shows passwords when redacted', () => {
    const shown = JSON.stringify(redactTask(validateTask(base)));
    expect(shown).not.toContain('"p"');
    expect(shown).toContain('"password":"***"');
  });

  it('fills the Tablestore write settings with their defaults, buckets and threads standing for the incremental ones', () => {
    const t = validateTask({ ...base, destination: ots });
    expect(t.destination).toEqual({ ...ots, writeMode: 'overwrite', batchWriteMode: 'batchWriteRow', queueSize: 1024, threads: 4, concurrency: 10, buckets: 8, maxTables: 64 });
    expect(t.sync.ddl).toBe(false);
    expect(t.advanced.incremental).toEqual(expect.objectContaining({ buckets: 8, workers: 4 }));
    const tuned = validateTask({ ...base, destination: { ...ots, writeMode: 'update', threads: 2, concurrency: 3, buckets: 3, queueSize: 256 } });
    expect(tuned.advanced.incremental).toEqual(expect.objectContaining({ buckets: 3, workers: 2 }));
  });

  it('refuses a primaryKey that lists a column twice or a column the selection leaves out, naming the table, the column and the fix', () => {
    const table = (t: Record<string, unknown>, destination: unknown = base.destination) => ({ ...base, destination, objects: [{ database: 'shop', tables: [{ name: 'orders', ...t }] }] });
    const twice = errorOf(table({ primaryKey: ['id', 'line', 'ID'] }));
    expect(twice.key).toBe('objects[0].tables[0].primaryKey[2]');
    expect(twice.message).toContain('table "orders": column "ID" is listed twice in primaryKey (also at primaryKey[0]');
    expect(twice.fix).toBe('list each key column once: primaryKey: [id, line]');

    const left = errorOf(table({ columns: ['id', 'status'], primaryKey: ['id', 'amount'] }));
    expect(left.key).toBe('objects[0].tables[0].primaryKey[1]');
    expect(left.message).toContain('table "orders": key column "amount" is not among the columns objects[0].tables[0].columns selects (id, status)');
    expect(left.fix).toBe('add amount to objects[0].tables[0].columns, or name selected columns in primaryKey');

    const renamed = errorOf(table({ columns: { id: 'order_id', status: 'status' }, primaryKey: ['order_id'] }));
    expect(renamed.key).toBe('objects[0].tables[0].primaryKey[0]');
    expect(renamed.message).toContain('"order_id" is the destination name of source column "id", and primaryKey takes source column names');
    expect(renamed.fix).toBe('write id in primaryKey');
    expect(validateTask(table({ columns: { id: 'order_id', status: 'status' }, primaryKey: ['ID'] })).objects[0]!.tables![0]!.primaryKey).toEqual(['ID']);
  });

  it('refuses more than 4 primaryKey columns for a Tablestore destination, not for MySQL', () => {
    const doc = (destination: unknown) => ({ ...base, destination, objects: [{ database: 'shop', tables: [{ name: 'wide', primaryKey: ['a', 'b', 'c', 'd', 'e'] }] }] });
    const e = errorOf(doc(ots));
    expect(e.key).toBe('objects[0].tables[0].primaryKey');
    expect(e.message).toContain('table "shop.wide": 5 key columns (a, b, c, d, e), but a Tablestore primary key has at most 4');
    expect(e.fix).toContain('primaryKey: [a, b, c, d]');
    expect(validateTask(doc(base.destination)).objects[0]!.tables![0]!.primaryKey).toHaveLength(5);
    expect(validateTask({ ...doc(ots), objects: [{ database: 'shop', tables: [{ name: 'wide', primaryKey: ['a', 'b', 'c', 'd'] }] }] }).objects).toHaveLength(1);
  });

  it('names a primaryKey column that does not exist on the source, not as a column left out (real catalog)', async () => {
    const admin = await adminConnection();
    const db = uniqueName('tf_pk');
    try {
      await admin.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.orders (id INT PRIMARY KEY, status VARCHAR(10), amount INT)`);
      const catalog = await readCatalog(admin, [db]);
      const task = validateTask({ ...base, objects: [{ database: db, tables: [{ name: 'orders', primaryKey: ['id', 'idd'] }] }] });
      let error: unknown;
      try {
        resolveObjects(task, catalog);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FcDtsError);
      const e = error as FcDtsError;
      expect(e.code).toBe('OBJECT_NOT_FOUND');
      expect(e.message).toBe(`objects[0].tables[0].primaryKey[1]: column "idd" does not exist in ${db}.orders (columns: id, status, amount)`);
      expect(e.fix).toBe('correct the name in objects[0].tables[0].primaryKey: it takes source column names');
      expect(resolveObjects(validateTask({ ...base, objects: [{ database: db, tables: [{ name: 'orders', primaryKey: ['ID', 'status'] }] }] }), catalog)[0]!.tables[0]!.key).toEqual(['id', 'status']);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await admin.end();
    }
  });

  it('never shows the Tablestore AccessKey secret', () => {
    const shown = JSON.stringify(redactTask(validateTask({ ...base, destination: { ...ots, securityToken: 'sts-token-value' } })));
    expect(shown).not.toContain('secret-value');
    expect(shown).not.toContain('sts-token-value');
    expect(shown).toContain('"accessKeySecret":"***"');
  });
});
