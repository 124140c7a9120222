/**
 * Schema synchronization into a MaxCompute project: each table's `_base` and `_log` tables, created by
 * SQL when absent. An existing one this task did not create is a conflict under
 * `precheck-and-report`, and is written into as it is under `ignore-and-proceed`.
 */
import type { MaxComputeClient } from '../../maxcompute/maxcompute-client.ts';
import type { TableMapping } from '../../task/object-mapper.ts';
import type { SchemaSyncOptions, SchemaSyncReport } from '../destination.ts';
import { baseTableDdl, logTableDdl, type LogLayout, type TableDdl } from './maxcompute-schema.ts';

/** How state remembers a table this task created (MaxCompute names are case-insensitive). */
export function ownershipKey(table: string): string {
  return `maxcompute:${table.toLowerCase()}`;
}

export async function syncMaxComputeSchema(client: MaxComputeClient, layout: LogLayout, tables: readonly TableMapping[], options: SchemaSyncOptions): Promise<SchemaSyncReport> {
  const report = { created: [] as string[], kept: [] as string[], warnings: [] as string[], failed: [] as Array<{ object: string; error: string }> };
  for (const t of tables) {
    for (const ddl of [baseTableDdl(t), logTableDdl(t, layout)]) {
      try {
        const outcome = await ensureTable(client, ddl, options);
        (outcome === 'created' ? report.created : report.kept).push(ddl.name);
        options.log?.(`  ${outcome} MaxCompute table ${ddl.name}`);
      } catch (e) {
        report.failed.push({ object: ddl.name, error: (e as Error).message });
      }
    }
  }
  return report;
}

async function ensureTable(client: MaxComputeClient, ddl: TableDdl, options: SchemaSyncOptions): Promise<'created' | 'kept'> {
  const key = ownershipKey(ddl.name);
  if (await client.findTable(ddl.name)) {
    if (!options.ownedTables.has(key) && options.conflictMode === 'precheck-and-report') {
      throw new Error(`table ${ddl.name} already exists in project ${client.project} and was not created by this task`);
    }
    return 'kept';
  }
  await options.onCreating?.(key);
  await client.sql.run(ddl.sql);
  return 'created';
}
