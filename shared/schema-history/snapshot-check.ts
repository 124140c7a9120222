/**
 * DDL during schema and full synchronization is not supported (the reference documents forbid it): the
 * rows copied and the definitions recorded at the snapshot would disagree with the binlog that follows.
 * Before incremental sync starts, the catalog is read again and compared with the snapshot's definitions.
 */
import { FcDtsError } from '../errors.ts';
import type { DatabaseInfo } from '../mysql/catalog.ts';
import { definitionDifference } from './definition-diff.ts';
import { definitionFromCatalog, formatTable, type TableDefinition } from './table-definition.ts';

export class SchemaChangedDuringLoadError extends FcDtsError {
  constructor(
    readonly table: string,
    readonly change: string,
  ) {
    super(
      'SCHEMA_CHANGED_DURING_LOAD',
      `table ${table} changed between the snapshot and the start of incremental sync: ${change}`,
      `DDL is not supported during schema and full synchronization: restart the task's full load (delete its state), and run no DDL on ${table} until incremental sync has begun`,
    );
  }
}

/** Throws SchemaChangedDuringLoadError for the first snapshot table that is gone or defined differently now. */
export function checkSnapshotUnchanged(atSnapshot: readonly TableDefinition[], catalogNow: ReadonlyMap<string, DatabaseInfo>): void {
  for (const before of atSnapshot) {
    const info = catalogNow.get(before.database)?.tables.find((t) => t.name === before.name);
    if (!info) throw new SchemaChangedDuringLoadError(formatTable(before), 'it no longer exists');
    const change = definitionDifference(before, definitionFromCatalog(info));
    if (change) throw new SchemaChangedDuringLoadError(formatTable(before), change);
  }
}
