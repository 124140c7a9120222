/**
 * Loads a task file (YAML or JSON), substitutes `${ENV}` references and validates every key.
 * A problem is a TaskFileError naming the exact key (`objects[0].tables[1].where`) and the fix.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { TaskFileError } from '../errors.ts';
import { DESTINATION_TYPES, destinationModule, destinationOf, type DestinationConfig } from '../destinations/registry.ts';
import type { BatchDefaults } from '../destinations/destination.ts';
import { allowKeys, bool, endpoint, identifier, isObj, listOf, num, obj, oneOf, optNum, str, type Obj } from './task-file-reader.ts';
import type {
  Capitalization,
  ConflictMode,
  DirtyDataPolicy,
  ObjectSelection,
  Operation,
  SourceType,
  SyncType,
  TableSelection,
  Task,
  Throttle,
} from './task.ts';

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
  const destinationFile = destinationModule(destination.type).taskFile;
  const sync = validateSync(obj(root.sync, 'sync', false), destinationFile.ddlDefault);
  const objects = validateObjects(root.objects);
  const parallelism = (inc: Obj) => destinationFile.parallelism?.(destination, inc) ?? incrementalParallelism(inc);
  const advanced = validateAdvanced(obj(root.advanced, 'advanced', false), parallelism, destinationFile.batching ?? BATCHING);
  destinationFile.checkTask?.(objects, sync, advanced);
  return { name, source, destination, sync, objects, advanced };
}

function validateSync(y: Obj, ddlDefault: boolean): Task['sync'] {
  allowKeys(y, 'sync', ['types', 'operations', 'ddl', 'conflictMode', 'dirtyData', 'capitalization']);
  const types = new Set(listOf(y.types, 'sync.types', SYNC_TYPES, SYNC_TYPES));
  types.add('incremental'); // always on, as in the product
  return {
    types,
    operations: new Set(listOf(y.operations, 'sync.operations', OPERATIONS, OPERATIONS)),
    ddl: bool(y, 'ddl', 'sync', ddlDefault),
    conflictMode: oneOf(y, 'conflictMode', 'sync', CONFLICT_MODES, 'precheck-and-report'),
    dirtyData: oneOf(y, 'dirtyData', 'sync', DIRTY, 'block'),
    capitalization: oneOf(y, 'capitalization', 'sync', CAPS, 'default'),
  };
}

type Parallelism = (incremental: Obj) => { readonly buckets: number; readonly workers: number };

/** Batches as most destinations take them: small and sent at once when the source is quiet. */
const BATCHING: BatchDefaults = { batchChanges: 2_000, batchBytes: 4 << 20, batchMs: 100, flushWhenIdle: true };

function validateAdvanced(a: Obj, parallelism: Parallelism, batching: BatchDefaults): Task['advanced'] {
  allowKeys(a, 'advanced', ['retry', 'throttle', 'heartbeat', 'alert', 'fullLoad', 'incremental']);
  const retry = validateRetry(obj(a.retry, 'advanced.retry', false));
  const th = obj(a.throttle, 'advanced.throttle', false);
  allowKeys(th, 'advanced.throttle', ['full', 'incremental']);
  const al = a.alert === undefined ? undefined : obj(a.alert, 'advanced.alert');
  if (al) allowKeys(al, 'advanced.alert', ['lagSeconds', 'webhook']);
  const fl = obj(a.fullLoad, 'advanced.fullLoad', false);
  allowKeys(fl, 'advanced.fullLoad', ['workers', 'chunkRows', 'batchRows', 'batchBytes', 'loadData']);
  const inc = obj(a.incremental, 'advanced.incremental', false);
  allowKeys(inc, 'advanced.incremental', ['buckets', 'workers', 'batchChanges', 'batchBytes', 'batchMs']);
  const alert = al ? validateAlert(al) : undefined;
  return {
    retry,
    throttle: { full: throttle(th.full, 'advanced.throttle.full', true), incremental: throttle(th.incremental, 'advanced.throttle.incremental', false) },
    heartbeat: bool(a, 'heartbeat', 'advanced', false),
    ...(alert ? { alert } : {}),
    fullLoad: validateFullLoad(fl),
    incremental: {
      ...parallelism(inc),
      batchChanges: num(inc, 'batchChanges', 'advanced.incremental', batching.batchChanges, 1, 100_000),
      batchBytes: num(inc, 'batchBytes', 'advanced.incremental', batching.batchBytes, 64 << 10, 64 << 20),
      batchMs: num(inc, 'batchMs', 'advanced.incremental', batching.batchMs, 1, 600_000),
      flushWhenIdle: batching.flushWhenIdle,
    },
  };
}

function validateRetry(r: Obj): Task['advanced']['retry'] {
  allowKeys(r, 'advanced.retry', ['connectionMinutes', 'otherMinutes']);
  // Ranges and defaults are the reference product's ("Retry Time for Failed Connections" / "for Other Issues").
  const retry = {
    connectionMinutes: num(r, 'connectionMinutes', 'advanced.retry', 720, 10, 1440),
    otherMinutes: num(r, 'otherMinutes', 'advanced.retry', 10, 1, 1440),
  };
  if (retry.otherMinutes >= retry.connectionMinutes) {
    throw new TaskFileError('advanced.retry.otherMinutes', `(${retry.otherMinutes}) must be less than connectionMinutes (${retry.connectionMinutes})`, 'lower otherMinutes or raise connectionMinutes');
  }
  return retry;
}

function validateAlert(al: Obj): NonNullable<Task['advanced']['alert']> {
  const lagSeconds = optNum(al, 'lagSeconds', 'advanced.alert', 1, 86400 * 30);
  const webhook = al.webhook !== undefined ? str(al, 'webhook', 'advanced.alert') : undefined;
  return { ...(lagSeconds !== undefined ? { lagSeconds } : {}), ...(webhook ? { webhook } : {}) };
}

function validateFullLoad(fl: Obj): Task['advanced']['fullLoad'] {
  return {
    workers: num(fl, 'workers', 'advanced.fullLoad', 4, 1, 64),
    chunkRows: num(fl, 'chunkRows', 'advanced.fullLoad', 50_000, 100, 10_000_000),
    batchRows: num(fl, 'batchRows', 'advanced.fullLoad', 2_000, 1, 100_000),
    batchBytes: num(fl, 'batchBytes', 'advanced.fullLoad', 1 << 20, 64 << 10, 256 << 20),
    loadData: bool(fl, 'loadData', 'advanced.fullLoad', true),
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
  const all = [task.source.password, ...destinationOf(task).taskFile.secrets(task.destination)];
  return all.filter((p) => p.length >= 4);
}

function validateDestination(d: Obj): DestinationConfig {
  return destinationModule(oneOf(d, 'type', 'destination', DESTINATION_TYPES)).taskFile.parse(d);
}

/** Buckets and apply workers, where the destination kind does not set them itself. */
function incrementalParallelism(inc: Obj): { buckets: number; workers: number } {
  return {
    buckets: num(inc, 'buckets', 'advanced.incremental', 8, 1, 1024),
    workers: num(inc, 'workers', 'advanced.incremental', 4, 1, 64),
  };
}
