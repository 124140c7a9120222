/**
 * The merge of `_base` and `_log` as of a time, ready to be read by one SELECT, whatever the number of log
 * partitions up to that time. A query may read at most 10,000 partitions (MaxCompute SQL limits), which
 * minute partitions pass in about a week; past that the log is folded in windows of at most that many
 * partitions, in time order, into a stage table that keeps, per key, the latest entry so far — its
 * record id and after-flag too, deletions included — so each fold compares record ids exactly as the one
 * merge would (a change whose event time puts it in an earlier window than an older change still wins).
 * The rows are then the stage's after-images.
 */
import type { MaxComputeClient } from '../../maxcompute/maxcompute-client.ts';
import { additionalNames, partitionValues } from './maxcompute-table.ts';
import { mergeSelect, partitionBound, quoteName, type MergeSpec } from './merge-sql.ts';

/** Partitions one query may read (MaxCompute SQL limits). */
export const PARTITIONS_PER_QUERY = 10_000;

export interface PreparedMerge {
  /** The SELECT of the merged rows (its columns are the spec's). */
  readonly select: string;
  /** Fold statements run into the stage (0: the merge needed none). */
  readonly folds: number;
  /** Drops the stage table, if there is one. */
  cleanup(): Promise<void>;
}

export interface PrepareOptions {
  /** The stage table's name, when one is needed (dropped by `cleanup`; LIFECYCLE 1 otherwise). */
  readonly stage: string;
  readonly settings: Readonly<Record<string, string>>;
  /** Partitions a window may hold; lower only to test the folding. */
  readonly partitionsPerQuery?: number;
}

export async function prepareMerge(client: MaxComputeClient, spec: MergeSpec, options: PrepareOptions): Promise<PreparedMerge> {
  const limit = options.partitionsPerQuery ?? PARTITIONS_PER_QUERY;
  const partitions = await logPartitionsUpTo(client, spec);
  if (partitions.length <= limit) return { select: mergeSelect(spec), folds: 0, cleanup: async () => {} };
  const stage = quoteName(options.stage);
  const base = await client.getTable(spec.base);
  const types = new Map(base.columns.map((c) => [c.name.toLowerCase(), c.typeText]));
  const [recordId, , , , after] = additionalNames(spec.rule, spec.partitionFields).columns.map(quoteName);
  const cols = spec.columns.map(quoteName);
  const definitions = [`${recordId} BIGINT`, `${after} STRING`, ...spec.columns.map((c) => `${quoteName(c)} ${types.get(c.toLowerCase()) ?? 'STRING'}`)];
  await client.sql.run(`DROP TABLE IF EXISTS ${stage};`, { settings: options.settings });
  await client.sql.run(`CREATE TABLE ${stage} (${definitions.join(', ')}) LIFECYCLE 1;`, { settings: options.settings });
  const cleanup = () => client.sql.run(`DROP TABLE IF EXISTS ${stage};`, { settings: options.settings }).then(() => undefined);
  try {
    let folds = 0;
    for (let from = 0; from < partitions.length; from += limit) {
      const window = partitions.slice(from, from + limit);
      const earlier = from === 0 ? `SELECT 0 AS ${recordId}, 'Y' AS ${after}, ${cols.map((c) => `b.${c}`).join(', ')} FROM ${quoteName(spec.base)} b` : `SELECT ${recordId}, ${after}, ${cols.join(', ')} FROM ${stage}`;
      await client.sql.run(foldSql(spec, stage, earlier, window[0]!, window.at(-1)!), { settings: options.settings });
      folds++;
    }
    return { select: `SELECT ${cols.join(', ')} FROM ${stage} WHERE ${after} = 'Y'`, folds, cleanup };
  } catch (e) {
    await cleanup().catch(() => {});
    throw e;
  }
}

/** The stage as of the end of a window: the latest entry per key among the stage so far (`earlier`) and the window's entries. */
function foldSql(spec: MergeSpec, stage: string, earlier: string, first: readonly string[], last: readonly string[]): string {
  const names = additionalNames(spec.rule, spec.partitionFields);
  const [recordId, , timestamp, , after] = names.columns.map(quoteName);
  const cols = spec.columns.map(quoteName);
  const key = spec.key.map((k) => `t.${quoteName(k)}`).join(', ');
  const window = `${partitionBound(names.partitions, first, '>')} AND ${partitionBound(names.partitions, last, '<')}`;
  return [
    `INSERT OVERWRITE TABLE ${stage}`,
    `SELECT ${recordId}, ${after}, ${cols.join(', ')}`,
    `FROM (`,
    `  SELECT ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${recordId} DESC, ${after} DESC) AS fc_dts_rank, ${recordId}, ${after}, ${cols.join(', ')}`,
    `  FROM (`,
    `    SELECT incr.${recordId}, incr.${after}, ${cols.map((c) => `incr.${c}`).join(', ')}`,
    `    FROM ${quoteName(spec.log)} incr`,
    `    WHERE ${timestamp} < ${spec.at} AND ${window}`,
    `    UNION ALL`,
    `    ${earlier}`,
    `  ) t`,
    `) gt`,
    `WHERE gt.fc_dts_rank = 1;`,
  ].join('\n');
}

/** The log's partitions at or before the time's, in time order, each as its values in key order. */
async function logPartitionsUpTo(client: MaxComputeClient, spec: MergeSpec): Promise<string[][]> {
  const keys = additionalNames(spec.rule, spec.partitionFields).partitions;
  const end = partitionValues(spec.at, spec.partitionFields).join('\u0000');
  const out: string[][] = [];
  for await (const p of client.listPartitions(spec.log)) {
    const values = keys.map((k) => p.spec[k] ?? p.spec[k.toLowerCase()] ?? '');
    if (values.join('\u0000') <= end) out.push(values);
  }
  return out.sort((a, b) => (a.join('\u0000') < b.join('\u0000') ? -1 : a.join('\u0000') > b.join('\u0000') ? 1 : 0));
}
