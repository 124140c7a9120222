/**
 * Schema synchronization into Tablestore: one table per source table, keyed by the source primary
 * key (or the task's `primaryKey` override) with each key column's Tablestore type. Attribute
 * columns need no definition: Tablestore types them per value (tablestore-values.ts).
 */
import type { SchemaSyncOptions, SchemaSyncReport } from '../destination.ts';
import type { TableMapping } from '../../task/object-mapper.ts';
import type { TablestoreDestinationConfig } from './config.ts';
import { describeKey, ensureTable, formatKeySchema, openTablestoreClient, type KeySchemaColumn } from '../../tablestore/tablestore-client.ts';
import { tablestoreTable } from './tablestore-table.ts';

/** What names a Tablestore table in the task state's `ownedTables` (Tablestore names are case-sensitive). */
export function ownershipKey(table: string): string {
  return `tablestore:${table}`;
}

export async function syncTablestoreSchema(
  destination: TablestoreDestinationConfig,
  tables: readonly TableMapping[],
  options: SchemaSyncOptions & { readonly retryMs: number },
): Promise<SchemaSyncReport> {
  const client = openTablestoreClient(destination);
  const report = { created: [] as string[], kept: [] as string[], warnings: [] as string[], failed: [] as Array<{ object: string; error: string }> };
  for (const t of tables) {
    const table = tablestoreTable(t);
    try {
      const key: KeySchemaColumn[] = table.primaryKey.map((k) => {
        if (!k.type) throw new Error(`primary-key column ${k.name} is a ${k.kind} value, which Tablestore keys cannot hold (INTEGER, STRING or BINARY only)`);
        return { name: k.name, type: k.type };
      });
      const existing = await describeKey(client, table.name, options.retryMs);
      if (existing && !options.ownedTables.has(ownershipKey(table.name)) && options.conflictMode === 'precheck-and-report') {
        throw new Error(`table ${table.name} already exists in the instance (primary key ${formatKeySchema(existing)}) and was not created by this task`);
      }
      if (!existing) await options.onCreating?.(ownershipKey(table.name));
      const outcome = await ensureTable(client, table.name, key, options.retryMs);
      (outcome === 'created' ? report.created : report.kept).push(table.name);
      options.log?.(`  ${outcome === 'created' ? 'created' : 'kept'} Tablestore table ${table.name} (primary key ${formatKeySchema(key)})`);
    } catch (e) {
      report.failed.push({ object: table.name, error: (e as Error).message });
    }
  }
  return report;
}
