/**
 * `fc-dts merge`: a synchronized table as it was at a point in time, written by MaxCompute into a new
 * table — the merge of its `_base` and `_log` tables (merge-sql.ts), run as a SQL job — and its row count.
 */
import { FcDtsError } from '../../errors.ts';
import { allTables, loadColumns, tableLabel, type DatabaseMapping, type TableMapping } from '../../task/object-mapper.ts';
import type { TaskOf } from '../destination.ts';
import type { MaxComputeDestinationConfig } from './config.ts';
import { maxComputeClient } from './index.ts';
import { baseTable, logTable, tableColumnsDdl } from './maxcompute-schema.ts';
import { isMaxComputeName } from './maxcompute-table.ts';
import { quoteName } from './merge-sql.ts';
import { prepareMerge } from './staged-merge.ts';

export interface MergeRequest {
  /** The table: its source `db.table`, or its name in MaxCompute. */
  readonly table: string;
  /** Epoch seconds, or an ISO-8601 time. */
  readonly at: string;
  /** The table to write; default `<table>_<epoch seconds>`. */
  readonly into?: string;
}

export interface MergeResult {
  readonly table: string;
  readonly at: number;
  readonly into: string;
  readonly rows: number;
}

export async function mergeTable(task: TaskOf<MaxComputeDestinationConfig>, dbs: readonly DatabaseMapping[], request: MergeRequest): Promise<MergeResult> {
  const t = findTable(dbs, request.table);
  if (t.key.length === 0) {
    throw new FcDtsError('NO_PRIMARY_KEY', `${tableLabel(t)} has no primary key: its log entries cannot be matched to rows, so no merge can rebuild it`, 'add a primary key on the source, or set tables[].primaryKey in the task file');
  }
  const at = epochSeconds(request.at);
  const into = request.into ?? `${t.target.table}_${at}`;
  if (!isMaxComputeName(into)) throw new FcDtsError('USAGE', `--into ${into}: not a MaxCompute table name (letters, digits and "_", starting with a letter, at most 128 characters)`, 'choose another name');
  const d = task.destination;
  const client = maxComputeClient(d);
  const keyOf = new Map(t.columns.map((c) => [c.source.name.toLowerCase(), c.target]));
  const spec = {
    base: baseTable(t),
    log: logTable(t),
    columns: loadColumns(t).map((c) => c.target),
    key: t.key.map((k) => keyOf.get(k.toLowerCase()) ?? k),
    at,
    rule: d.additionalColumnRule,
    partitionFields: d.partitionFields,
  };
  const settings = { 'odps.sql.allow.fullscan': 'true' };
  const stage = `${into}_fc_dts_stage`;
  const merge = await prepareMerge(client, spec, { stage: isMaxComputeName(stage) ? stage : `fc_dts_stage_${Date.now()}`, settings });
  try {
    await client.sql.run(`CREATE TABLE IF NOT EXISTS ${quoteName(into)} (${tableColumnsDdl(t)});`);
    await client.sql.run(`INSERT OVERWRITE TABLE ${quoteName(into)} ${merge.select};`, { settings });
  } finally {
    await merge.cleanup();
  }
  const { rows } = await client.sql.query(`SELECT COUNT(*) FROM ${quoteName(into)};`);
  return { table: tableLabel(t), at, into, rows: Number(rows[0]?.[0] ?? 0) };
}

function findTable(dbs: readonly DatabaseMapping[], name: string): TableMapping {
  const wanted = name.toLowerCase();
  const t = allTables(dbs).find((m) => tableLabel(m).toLowerCase() === wanted || m.target.table.toLowerCase() === wanted);
  if (!t) throw new FcDtsError('OBJECT_NOT_FOUND', `--table ${name}: not a table this task synchronizes`, `name one of ${allTables(dbs).map(tableLabel).slice(0, 10).join(', ')}`);
  return t;
}

/** `1714557600` or `2024-05-01T10:00:00Z` (a time without a zone is read as UTC). */
export function epochSeconds(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const iso = /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(iso.replace(' ', 'T'));
  if (Number.isNaN(ms)) throw new FcDtsError('USAGE', `--at ${text}: not epoch seconds or an ISO-8601 time`, 'write e.g. --at 1714557600 or --at 2024-05-01T10:00:00Z');
  return Math.floor(ms / 1000);
}
