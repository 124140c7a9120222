/**
 * The merge of a `_base` and a `_log` table into the table as it was at a point in time — the SQL of
 * reference 001 ("Merge full and incremental data"): the latest log entry of each key before the time
 * wins, an UPDATE's after-image over its before-image (`after_flag desc`), and a key whose latest
 * entry is a before-image (a DELETE, the old key of a key change) is left out.
 *
 * Beyond the reference: composite keys, the new naming rule of the additional columns, and a predicate
 * on the partition keys, so the query reads only the log partitions up to the time (a query may read
 * at most 10,000 partitions; past that, staged-merge.ts folds the log in windows).
 */
import type { AdditionalColumnRule, PartitionField } from './config.ts';
import { additionalNames, partitionValues } from './maxcompute-table.ts';

export interface MergeSpec {
  readonly base: string;
  readonly log: string;
  /** The source columns, in table order. */
  readonly columns: readonly string[];
  /** The primary key columns (composite allowed). */
  readonly key: readonly string[];
  /** Epoch seconds: changes committed before it are merged (the reference's `utc_timestamp <`). */
  readonly at: number;
  readonly rule: AdditionalColumnRule;
  readonly partitionFields: readonly PartitionField[];
}

export const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** The SELECT producing the merged rows (its columns are `spec.columns`). */
export function mergeSelect(spec: MergeSpec): string {
  if (spec.key.length === 0) throw new RangeError(`merge of ${spec.base}: a table without a primary key cannot be merged`);
  const [recordId, operation, timestamp, , after] = additionalNames(spec.rule, spec.partitionFields).columns.map(quoteName);
  const cols = spec.columns.map(quoteName);
  const key = spec.key.map((k) => `t.${quoteName(k)}`).join(', ');
  return [
    `SELECT ${cols.join(', ')}`,
    `FROM (`,
    `  SELECT ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${recordId} DESC, ${after} DESC) AS fc_dts_rank, ${recordId}, ${operation}, ${after}, ${cols.join(', ')}`,
    `  FROM (`,
    `    SELECT incr.${recordId}, incr.${operation}, incr.${after}, ${cols.map((c) => `incr.${c}`).join(', ')}`,
    `    FROM ${quoteName(spec.log)} incr`,
    `    WHERE ${timestamp} < ${spec.at} AND ${partitionsUpTo(spec)}`,
    `    UNION ALL`,
    `    SELECT 0 AS ${recordId}, 'I' AS ${operation}, 'Y' AS ${after}, ${cols.map((c) => `base.${c}`).join(', ')}`,
    `    FROM ${quoteName(spec.base)} base`,
    `  ) t`,
    `) gt`,
    `WHERE gt.fc_dts_rank = 1 AND gt.${after} = 'Y'`,
  ].join('\n');
}

/** The log partitions at or before the time's. */
function partitionsUpTo(spec: MergeSpec): string {
  const names = additionalNames(spec.rule, spec.partitionFields).partitions;
  return partitionBound(names, partitionValues(spec.at, spec.partitionFields), '<');
}

/**
 * `p1 < v1 OR (p1 = v1 AND (p2 < v2 OR (p2 = v2 AND …)))`, the last level `<=` (`from`: `>` and `>=`):
 * the partitions at or before (after) the given one, as a predicate on the partition keys themselves
 * (what partition pruning reads). The values are zero-padded of fixed width, so text order is time order.
 */
export function partitionBound(keys: readonly string[], values: readonly string[], direction: '<' | '>'): string {
  const names = keys.map(quoteName);
  const literals = values.map((v) => `'${v.replace(/'/g, "\\'")}'`);
  let predicate = `${names.at(-1)} ${direction}= ${literals.at(-1)}`;
  for (let i = names.length - 2; i >= 0; i--) predicate = `(${names[i]} ${direction} ${literals[i]} OR (${names[i]} = ${literals[i]} AND ${predicate}))`;
  return predicate;
}
