/**
 * Readers of task-file values: each names the exact key it reads in its error and says how to fix it.
 * The task-file validator and every destination module's own keys use them.
 */
import { TaskFileError } from '../errors.ts';
import type { MysqlEndpoint } from './task.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, key: string, required = true): Obj {
  if (v === undefined && !required) return {};
  if (!isObj(v)) throw new TaskFileError(key, v === undefined ? 'is missing' : 'must be a mapping of keys to values', `add ${key}: { ... } to the task file (see README, "Task file")`);
  return v;
}

export function allowKeys(o: Obj, key: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      const near = allowed.find((a) => a.toLowerCase() === k.toLowerCase() || editDistance(a, k) <= 2);
      throw new TaskFileError(key ? `${key}.${k}` : k, 'is not a known key', near ? `did you mean "${near}"?` : `known keys here: ${allowed.join(', ')}`);
    }
  }
}

export function str(o: Obj, k: string, key: string, def?: string): string {
  const v = o[k];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    throw new TaskFileError(`${key}.${k}`, 'is missing', `add ${k}: <value> under ${key || 'the top level'}`);
  }
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v === '') throw new TaskFileError(`${key}.${k}`, 'must be a non-empty string', `set ${k} to a string`);
  return v;
}

export function num(o: Obj, k: string, key: string, def: number, min: number, max: number, integer = true): number {
  const v = o[k] ?? def;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new TaskFileError(`${key}.${k}`, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got ${JSON.stringify(v)})`, `set ${k} within ${min}..${max}`);
  }
  return n;
}

export function optNum(o: Obj, k: string, key: string, min: number, max: number): number | undefined {
  return o[k] === undefined || o[k] === null ? undefined : num(o, k, key, 0, min, max, false);
}

export function bool(o: Obj, k: string, key: string, def: boolean): boolean {
  const v = o[k] ?? def;
  if (typeof v !== 'boolean') throw new TaskFileError(`${key}.${k}`, `must be true or false (got ${JSON.stringify(v)})`, `set ${k}: true or ${k}: false`);
  return v;
}

export function oneOf<T extends string>(o: Obj, k: string, key: string, allowed: readonly T[], def?: T): T {
  const v = o[k] ?? def;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new TaskFileError(`${key ? `${key}.` : ''}${k}`, v === undefined ? 'is missing' : `"${String(v)}" is not one of ${allowed.join(', ')}`, `set ${k} to one of ${allowed.join(', ')}`);
  }
  return v as T;
}

export function listOf<T extends string>(v: unknown, key: string, allowed: readonly T[], def: readonly T[]): T[] {
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
export function identifier(o: Obj, k: string, key: string, required: boolean): string | undefined {
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

export function endpoint(o: Obj, key: string): MysqlEndpoint {
  return {
    host: str(o, 'host', key),
    port: num(o, 'port', key, 3306, 1, 65535),
    user: str(o, 'user', key),
    password: o.password === undefined || o.password === null ? '' : String(o.password),
    ssl: bool(o, 'ssl', key, false),
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
