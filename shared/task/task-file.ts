/**
 * Loads a task file (YAML or JSON), substitutes `${ENV}` references and validates every key.
 * A problem is a TaskFileError naming the exact key (`objects[0].tables[1].where`) and the fix.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { TaskFileError } from '../errors.ts';
import { TABLESTORE_LIMITS } from '../destinations/tablestore/tablestore-table.ts';
import type {
  Capitalization,
  ConflictMode,
  DestinationConfig,
  DirtyDataPolicy,
  ObjectSelection,
  Operation,
  SourceType,
  SyncType,
  TableSelection,
  Task,
  Throttle,
} from './task.ts';

type Obj = Record<string, unknown>;

const SOURCE_TYPES: readonly SourceType[] = ['mysql', 'polardb-mysql', 'polardb-x'];
const SYNC_TYPES: readonly SyncType[] = ['schema', 'full', 'incremental'];
const OPERATIONS: readonly Operation[] = ['insert', 'update', 'delete'];
const CONFLICT_MODES: readonly ConflictMode[] = ['precheck-and-report', 'ignore-and-proceed'];
const DIRTY: readonly DirtyDataPolicy[] = ['skip', 'block'];
const CAPS: readonly Capitalization[] = ['default', 'source', 'lower', 'upper'];

export function loadTaskFile(path: string, env: NodeJS.ProcessEnv = process.env): Task {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TaskFileError('(file)', `cannot read task file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'pass the path of an existing task file with -c');
  }
  return parseTaskText(text, path, env);
}

export function parseTaskText(text: string, origin: string, env: NodeJS.ProcessEnv = process.env): Task {
  let doc: unknown;
  try {
    doc = origin.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    const first = (e as Error).message.split('\n')[0];
    throw new TaskFileError('(file)', `${origin} is not valid ${origin.endsWith('.json') ? 'JSON' : 'YAML'}${where}: ${first}`, 'fix the syntax at that position');
  }
  return validateTask(substituteEnv(doc, '', env));
}

/** Replaces `${NAME}` in every string; a missing variable names the key that uses it. */
function substituteEnv(value: unknown, key: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) {
        throw new TaskFileError(key || '(root)', `refers to environment variable ${name}, which is not set`, `export ${name}=... before running fc-dts`);
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, `${key}[${i}]`, env));
  if (value && typeof value === 'object') {
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, key ? `${key}.${k}` : k, env);
    return out;
  }
  return value;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, key: string, required = true): Obj {
  if (v === undefined && !required) return {};
  if (!isObj(v)) throw new TaskFileError(key, v === undefined ? 'is missing' : 'must be a mapping of keys to values', `add ${key}: { ... } to the task file (see README, "Task file")`);
  return v;
}

function allowKeys(o: Obj, key: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      const near = allowed.find((a) => a.toLowerCase() === k.toLowerCase() || editDistance(a, k) <= 2);
      throw new TaskFileError(key ? `${key}.${k}` : k, 'is not a known key', near ? `did you mean "${near}"?` : `known keys here: ${allowed.join(', ')}`);
    }
  }
}

function str(o: Obj, k: string, key: string, def?: string): string {
  const v = o[k];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    throw new TaskFileError(`${key}.${k}`, 'is missing', `add ${k}: <value> under ${key || 'the top level'}`);
  }
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v === '') throw new TaskFileError(`${key}.${k}`, 'must be a non-empty string', `set ${k} to a string`);
  return v;
}

function num(o: Obj, k: string, key: string, def: number, min: number, max: number, integer = true): number {
  const v = o[k] ?? def;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new TaskFileError(`${key}.${k}`, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got ${JSON.stringify(v)})`, `set ${k} within ${min}..${max}`);
  }
  return n;
}

function optNum(o: Obj, k: string, key: string, min: number, max: number): number | undefined {
  return o[k] === undefined || o[k] === null ? undefined : num(o, k, key, 0, min, max, false);
}

function bool(o: Obj, k: string, key: string, def: boolean): boolean {
  const v = o[k] ?? def;
  if (typeof v !== 'boolean') throw new TaskFileError(`${key}.${k}`, `must be true or false (got ${JSON.stringify(v)})`, `set ${k}: true or ${k}: false`);
  return v;
}

function oneOf<T extends string>(o: Obj, k: string, key: string, allowed: readonly T[], def?: T): T {
  const v = o[k] ?? def;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new TaskFileError(`${key ? `${key}.` : ''}${k}`, v === undefined ? 'is missing' : `"${String(v)}" is not one of ${allowed.join(', ')}`, `set ${k} to one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function listOf<T extends string>(v: unknown, key: string, allowed: readonly T[], def: readonly T[]): T[] {
  if (v === undefined) return [...def];
  if (!Array.isArray(v) || v.length === 0) throw new TaskFileError(key, 'must be a non-empty list', `write it as [${allowed.join(', ')}]`);
  return v.map((x, i) => {
    if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) {
      throw new TaskFileError(`${key}[${i}]`, `"${String(x)}" is not one of ${allowed.join(', ')}`, `use only ${allowed.join(', ')}`);
    }
    return x as T;
  });
}

/** Object names: any characters MySQL allows, but not empty, not over 64, no NUL, no trailing space. */
function identifier(o: Obj, k: string, key: string, required: boolean): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) {
    if (!required) return undefined;
    throw new TaskFileError(`${key}.${k}`, 'is missing', `add ${k}: <name>`);
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw new TaskFileError(`${key}.${k}`, 'must be a name', `set ${k} to a database, table or column name`);
  const s = String(v);
  if (s === '' || s.length > 64 || s.includes('\0') || s.endsWith(' ')) {
    throw new TaskFileError(`${key}.${k}`, `"${s}" is not a valid MySQL name (1-64 characters, no NUL, no trailing space)`, 'correct the name');
  }
  return s;
}

function endpoint(o: Obj, key: string) {
  return {
    host: str(o, 'host', key),
    port: num(o, 'port', key, 3306, 1, 65535),
    user: str(o, 'user', key),
    password: o.password === undefined || o.password === null ? '' : String(o.password),
    ssl: bool(o, 'ssl', key, false),
  };
}

function validateTable(t: unknown, key: string): TableSelection {
  if (typeof t === 'string') return { name: identifier({ name: t }, 'name', key, true)! };
  const o = obj(t, key);
  allowKeys(o, key, ['name', 'as', 'where', 'operations', 'columns', 'primaryKey']);
  let columns: Array<[string, string]> | undefined;
  if (o.columns !== undefined) {
    const ck = `${key}.columns`;
    if (Array.isArray(o.columns)) {
      columns = o.columns.map((c, i) => {
        const n = identifier({ c }, 'c', `${ck}[${i}]`, true)!;
        return [n, n];
      });
    } else if (isObj(o.columns)) {
      columns = Object.entries(o.columns).map(([s, d]) => [
        identifier({ s }, 's', ck, true)!,
        identifier({ d: d ?? s }, 'd', `${ck}.${s}`, true)!,
      ]);
    } else {
      throw new TaskFileError(ck, 'must be a list of column names or a mapping of source column to destination column', 'write columns: { id: id, amount: total } or columns: [id, amount]');
    }
    if (columns.length === 0) throw new TaskFileError(ck, 'selects no column', 'list at least the primary-key columns, or remove columns to take them all');
    const seen = new Set<string>();
    for (const [, d] of columns) {
      if (seen.has(d.toLowerCase())) throw new TaskFileError(ck, `maps two columns to "${d}" (MySQL column names are case-insensitive)`, 'give each destination column its own name');
      seen.add(d.toLowerCase());
    }
  }
  let where: string | undefined;
  if (o.where !== undefined && o.where !== null) {
    if (typeof o.where !== 'string' || o.where.trim() === '') throw new TaskFileError(`${key}.where`, 'must be a non-empty SQL condition', `write where: "status <> 'draft'"`);
    where = o.where;
  }
  let primaryKey: string[] | undefined;
  if (o.primaryKey !== undefined) {
    if (!Array.isArray(o.primaryKey) || o.primaryKey.length === 0) throw new TaskFileError(`${key}.primaryKey`, 'must be a non-empty list of column names', 'write primaryKey: [id]');
    primaryKey = o.primaryKey.map((c, i) => identifier({ c }, 'c', `${key}.primaryKey[${i}]`, true)!);
    checkPrimaryKey(primaryKey, columns, key, typeof o.name === 'string' ? o.name : '?');
  }
  return {
    name: identifier(o, 'name', key, true)!,
    ...(o.as !== undefined ? { as: identifier(o, 'as', key, true)! } : {}),
    ...(where !== undefined ? { where } : {}),
    ...(o.operations !== undefined ? { operations: listOf(o.operations, `${key}.operations`, OPERATIONS, OPERATIONS) } : {}),
    ...(columns ? { columns } : {}),
    ...(primaryKey ? { primaryKey } : {}),
  };
}

/**
 * A `primaryKey` override names each source column once, and only columns the table's `columns`
 * selection takes (rows are identified by them). Whether the columns exist is known once the source
 * catalog is read (object-mapper.ts); the Tablestore limit of 4 is checkTablestoreObjects'.
 */
function checkPrimaryKey(primaryKey: readonly string[], columns: ReadonlyArray<readonly [string, string]> | undefined, key: string, table: string): void {
  // Where each column is first listed (in the order of the list), for both the error and the hint.
  const seen = new Map<string, number>();
  primaryKey.forEach((c, i) => {
    if (!seen.has(c.toLowerCase())) seen.set(c.toLowerCase(), i);
  });
  primaryKey.forEach((c, i) => {
    const first = seen.get(c.toLowerCase())!;
    if (first !== i) {
      throw new TaskFileError(
        `${key}.primaryKey[${i}]`,
        `table "${table}": column "${c}" is listed twice in primaryKey (also at primaryKey[${first}]; MySQL column names are case-insensitive)`,
        `list each key column once: primaryKey: [${[...seen.values()].map((j) => primaryKey[j]).join(', ')}]`,
      );
    }
    if (!columns || columns.some(([src]) => src.toLowerCase() === c.toLowerCase())) return;
    const renamed = columns.find(([, dst]) => dst.toLowerCase() === c.toLowerCase());
    throw new TaskFileError(
      `${key}.primaryKey[${i}]`,
      renamed
        ? `table "${table}": "${c}" is the destination name of source column "${renamed[0]}", and primaryKey takes source column names`
        : `table "${table}": key column "${c}" is not among the columns ${key}.columns selects (${columns.map(([src]) => src).join(', ')})`,
      renamed ? `write ${renamed[0]} in primaryKey` : `add ${c} to ${key}.columns, or name selected columns in primaryKey`,
    );
  });
}

function validateObjects(v: unknown): ObjectSelection[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw new TaskFileError('objects', v === undefined ? 'is missing' : 'must be a non-empty list', 'add objects: [{ database: shop }] naming what to synchronize');
  }
  const seen = new Set<string>();
  return v.map((entry, i) => {
    const key = `objects[${i}]`;
    const o = obj(entry, key);
    allowKeys(o, key, ['database', 'as', 'tables']);
    const database = identifier(o, 'database', key, true)!;
    if (seen.has(database)) throw new TaskFileError(`${key}.database`, `"${database}" is selected twice`, 'merge the two entries into one');
    seen.add(database);
    let tables: TableSelection[] | undefined;
    if (o.tables !== undefined) {
      if (!Array.isArray(o.tables) || o.tables.length === 0) throw new TaskFileError(`${key}.tables`, 'must be a non-empty list (omit it to take the whole database)', 'list tables, or remove the key');
      tables = o.tables.map((t, j) => validateTable(t, `${key}.tables[${j}]`));
      const names = new Set<string>();
      for (const [j, t] of tables.entries()) {
        if (names.has(t.name)) throw new TaskFileError(`${key}.tables[${j}].name`, `table "${t.name}" is listed twice`, 'merge the two entries');
        names.add(t.name);
      }
    }
    return { database, ...(o.as !== undefined ? { as: identifier(o, 'as', key, true)! } : {}), ...(tables ? { tables } : {}) };
  });
}

function throttle(v: unknown, key: string, withQps: boolean): Throttle {
  const o = obj(v, key, false);
  allowKeys(o, key, withQps ? ['sourceQps', 'rps', 'mbps'] : ['rps', 'mbps']);
  const t: { sourceQps?: number; rps?: number; mbps?: number } = {};
  if (withQps) {
    const q = optNum(o, 'sourceQps', key, 1, 1e9);
    if (q !== undefined) t.sourceQps = q;
  }
  const rps = optNum(o, 'rps', key, 1, 1e9);
  if (rps !== undefined) t.rps = rps;
  const mbps = optNum(o, 'mbps', key, 0.01, 1e6);
  if (mbps !== undefined) t.mbps = mbps;
  return t;
}

export function validateTask(doc: unknown): Task {
  const root = obj(doc, '(root)');
  allowKeys(root, '', ['name', 'source', 'destination', 'sync', 'objects', 'advanced']);
  const name = str(root, 'name', '');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name)) {
    throw new TaskFileError('name', `"${name}" must be letters, digits, "_", "." or "-" (it names the state directory)`, 'rename the task, e.g. name: shop-to-rds');
  }

  const s = obj(root.source, 'source');
  allowKeys(s, 'source', ['type', 'host', 'port', 'user', 'password', 'ssl']);
  const source = { type: oneOf(s, 'type', 'source', SOURCE_TYPES, 'mysql'), ...endpoint(s, 'source') };

  const destination = validateDestination(obj(root.destination, 'destination'));
  const tablestore = destination.type === 'tablestore';

  const y = obj(root.sync, 'sync', false);
  allowKeys(y, 'sync', ['types', 'operations', 'ddl', 'conflictMode', 'dirtyData', 'capitalization']);
  const types = new Set(listOf(y.types, 'sync.types', SYNC_TYPES, SYNC_TYPES));
  types.add('incremental'); // always on, as in the product
  const sync = {
    types,
    operations: new Set(listOf(y.operations, 'sync.operations', OPERATIONS, OPERATIONS)),
    // Tablestore takes no DDL (its columns are schemaless; reference: only INSERT, UPDATE, DELETE).
    ddl: bool(y, 'ddl', 'sync', !tablestore),
    conflictMode: oneOf(y, 'conflictMode', 'sync', CONFLICT_MODES, 'precheck-and-report'),
    dirtyData: oneOf(y, 'dirtyData', 'sync', DIRTY, 'block'),
    capitalization: oneOf(y, 'capitalization', 'sync', CAPS, 'default'),
  };

  const objects = validateObjects(root.objects);
  if (tablestore) checkTablestoreObjects(objects, sync.ddl);

  const a = obj(root.advanced, 'advanced', false);
  allowKeys(a, 'advanced', ['retry', 'throttle', 'heartbeat', 'alert', 'fullLoad', 'incremental']);
  const r = obj(a.retry, 'advanced.retry', false);
  allowKeys(r, 'advanced.retry', ['connectionMinutes', 'otherMinutes']);
  // Ranges and defaults are the reference product's ("Retry Time for Failed Connections" / "for Other Issues").
  const retry = {
    connectionMinutes: num(r, 'connectionMinutes', 'advanced.retry', 720, 10, 1440),
    otherMinutes: num(r, 'otherMinutes', 'advanced.retry', 10, 1, 1440),
  };
  if (retry.otherMinutes >= retry.connectionMinutes) {
    throw new TaskFileError('advanced.retry.otherMinutes', `(${retry.otherMinutes}) must be less than connectionMinutes (${retry.connectionMinutes})`, 'lower otherMinutes or raise connectionMinutes');
  }
  const th = obj(a.throttle, 'advanced.throttle', false);
  allowKeys(th, 'advanced.throttle', ['full', 'incremental']);
  const al = a.alert === undefined ? undefined : obj(a.alert, 'advanced.alert');
  if (al) allowKeys(al, 'advanced.alert', ['lagSeconds', 'webhook']);
  const fl = obj(a.fullLoad, 'advanced.fullLoad', false);
  allowKeys(fl, 'advanced.fullLoad', ['workers', 'chunkRows', 'batchRows', 'batchBytes', 'loadData']);

  const inc = obj(a.incremental, 'advanced.incremental', false);
  allowKeys(inc, 'advanced.incremental', ['buckets', 'workers', 'batchChanges', 'batchBytes', 'batchMs']);
  const alertLag = al ? optNum(al, 'lagSeconds', 'advanced.alert', 1, 86400 * 30) : undefined;
  const webhook = al && al.webhook !== undefined ? str(al, 'webhook', 'advanced.alert') : undefined;
  return {
    name,
    source,
    destination,
    sync,
    objects,
    advanced: {
      retry,
      throttle: { full: throttle(th.full, 'advanced.throttle.full', true), incremental: throttle(th.incremental, 'advanced.throttle.incremental', false) },
      heartbeat: bool(a, 'heartbeat', 'advanced', false),
      ...(al ? { alert: { ...(alertLag !== undefined ? { lagSeconds: alertLag } : {}), ...(webhook ? { webhook } : {}) } } : {}),
      fullLoad: {
        workers: num(fl, 'workers', 'advanced.fullLoad', 4, 1, 64),
        chunkRows: num(fl, 'chunkRows', 'advanced.fullLoad', 50_000, 100, 10_000_000),
        batchRows: num(fl, 'batchRows', 'advanced.fullLoad', 2_000, 1, 100_000),
        batchBytes: num(fl, 'batchBytes', 'advanced.fullLoad', 1 << 20, 64 << 10, 256 << 20),
        loadData: bool(fl, 'loadData', 'advanced.fullLoad', true),
      },
      incremental: {
        ...incrementalParallelism(inc, destination),
        batchChanges: num(inc, 'batchChanges', 'advanced.incremental', 2_000, 1, 100_000),
        batchBytes: num(inc, 'batchBytes', 'advanced.incremental', 4 << 20, 64 << 10, 64 << 20),
        batchMs: num(inc, 'batchMs', 'advanced.incremental', 100, 1, 60_000),
      },
    },
  };
}

const SECRET_KEYS = new Set(['password', 'accessKeySecret', 'securityToken']);

/** The task as it may be shown: every secret replaced. */
export function redactTask(task: Task): unknown {
  return JSON.parse(
    JSON.stringify(task, (k, v: unknown) => (SECRET_KEYS.has(k) ? '***' : v instanceof Set ? [...(v as Set<unknown>)] : v)),
  );
}

/** The secrets of a task, for scrubbing them from messages. */
export function taskSecrets(task: Task): string[] {
  const d = task.destination;
  const all = [task.source.password, ...(d.type === 'mysql' ? [d.password] : [d.accessKeySecret, d.securityToken ?? ''])];
  return all.filter((p) => p.length >= 4);
}

const LATER_DESTINATIONS = ['maxcompute', 'lindorm'];

function validateDestination(d: Obj): DestinationConfig {
  const dtype = d.type;
  if (typeof dtype === 'string' && LATER_DESTINATIONS.includes(dtype)) {
    throw new TaskFileError('destination.type', `"${dtype}" destinations are not available in this version of fc-dts yet`, 'use type: mysql or type: tablestore');
  }
  const type = oneOf(d, 'type', 'destination', ['mysql', 'tablestore'] as const);
  if (type === 'mysql') {
    allowKeys(d, 'destination', ['type', 'host', 'port', 'user', 'password', 'ssl']);
    return { type, ...endpoint(d, 'destination') };
  }
  allowKeys(d, 'destination', ['type', 'endpoint', 'instance', 'accessKeyId', 'accessKeySecret', 'securityToken', 'writeMode', 'batchWriteMode', 'queueSize', 'threads', 'concurrency', 'buckets', 'maxTables']);
  const url = str(d, 'endpoint', 'destination');
  if (!/^https?:\/\/[^\s/]+\/?$/.test(url)) {
    throw new TaskFileError('destination.endpoint', `"${url}" is not an endpoint URL`, 'write the instance endpoint, e.g. https://myinstance.cn-hangzhou.ots.aliyuncs.com');
  }
  const instance = str(d, 'instance', 'destination');
  if (!/^[A-Za-z][A-Za-z0-9-]{2,15}$/.test(instance)) {
    throw new TaskFileError('destination.instance', `"${instance}" is not a Tablestore instance name (3–16 letters, digits or "-", starting with a letter)`, 'write the name of the instance as the Tablestore console shows it');
  }
  if (d.batchWriteMode === 'bulkImport') {
    throw new TaskFileError(
      'destination.batchWriteMode',
      'bulkImport is not supported: the Tablestore Node.js SDK (tablestore 5.6.5) has no BulkImport request, and fc-dts writes through BatchWriteRow only',
      'remove batchWriteMode or set batchWriteMode: batchWriteRow',
    );
  }
  const concurrency = num(d, 'concurrency', 'destination', 10, 1, 256);
  const buckets = num(d, 'buckets', 'destination', Math.min(8, concurrency), 1, 1024);
  if (buckets > concurrency) {
    throw new TaskFileError('destination.buckets', `(${buckets}) must not exceed concurrency (${concurrency}): each bucket needs a request slot to be written in order`, `lower buckets to ${concurrency} or raise concurrency to ${buckets}`);
  }
  const token = d.securityToken === undefined ? undefined : str(d, 'securityToken', 'destination');
  return {
    type,
    endpoint: url.replace(/\/$/, ''),
    instance,
    accessKeyId: str(d, 'accessKeyId', 'destination'),
    accessKeySecret: str(d, 'accessKeySecret', 'destination'),
    ...(token ? { securityToken: token } : {}),
    writeMode: oneOf(d, 'writeMode', 'destination', ['overwrite', 'update'] as const, 'overwrite'),
    batchWriteMode: oneOf(d, 'batchWriteMode', 'destination', ['batchWriteRow'] as const, 'batchWriteRow'),
    queueSize: num(d, 'queueSize', 'destination', 1024, 200, 65536),
    threads: num(d, 'threads', 'destination', 4, 1, 64),
    concurrency,
    buckets,
    maxTables: num(d, 'maxTables', 'destination', 64, 1, 100_000),
  };
}

/** Tablestore has one flat namespace of tables and takes no DDL. */
function checkTablestoreObjects(objects: readonly ObjectSelection[], ddl: boolean): void {
  if (ddl) {
    throw new TaskFileError('sync.ddl', 'Tablestore destinations take no DDL: only INSERT, UPDATE and DELETE are synchronized (new columns need no DDL, Tablestore columns are schemaless)', 'remove sync.ddl or set sync.ddl: false');
  }
  objects.forEach((o, i) => {
    if (o.as !== undefined) {
      throw new TaskFileError(`objects[${i}].as`, 'Tablestore has no databases: database name mapping is not supported (tables keep their own names, or the names given with tables[].as)', `remove objects[${i}].as`);
    }
    // primaryKey overrides only: a source key over the limit is known once the catalog is read (precheck, tablestoreKeysVerdict).
    o.tables?.forEach((t, j) => {
      const limit = TABLESTORE_LIMITS.primaryKeyColumns;
      if (t.primaryKey && t.primaryKey.length > limit) {
        throw new TaskFileError(
          `objects[${i}].tables[${j}].primaryKey`,
          `table "${o.database}.${t.name}": ${t.primaryKey.length} key columns (${t.primaryKey.join(', ')}), but a Tablestore primary key has at most ${limit}`,
          `keep at most ${limit} columns that still identify a row, e.g. primaryKey: [${t.primaryKey.slice(0, limit).join(', ')}] (the first is the partition key: one with many distinct values)`,
        );
      }
    });
  });
}

/** Buckets and apply workers: Tablestore's own settings (buckets, threads) stand for them there. */
function incrementalParallelism(inc: Obj, destination: DestinationConfig): { buckets: number; workers: number } {
  if (destination.type === 'tablestore') {
    for (const k of ['buckets', 'workers'] as const) {
      if (inc[k] !== undefined) {
        throw new TaskFileError(`advanced.incremental.${k}`, `is set by destination.${k === 'workers' ? 'threads' : 'buckets'} for Tablestore destinations`, `move the value to destination.${k === 'workers' ? 'threads' : 'buckets'}`);
      }
    }
    return { buckets: destination.buckets, workers: destination.threads };
  }
  return {
    buckets: num(inc, 'buckets', 'advanced.incremental', 8, 1, 1024),
    workers: num(inc, 'workers', 'advanced.incremental', 4, 1, 64),
  };
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length]![b.length]!;
}
