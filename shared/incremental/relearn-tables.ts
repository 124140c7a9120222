/**
 * After a DDL, the tables it touched are relearned from their destination copies (new tables are
 * picked up, renamed or dropped ones forgotten). A DDL that was not applied changed nothing there,
 * so its tables keep their mapping.
 */
import { destinationOf } from '../destinations/registry.ts';
import type { Task } from '../task/task.ts';
import type { ChangeMapper } from './change-mapper.ts';

/** `sourceTables`: "db.table" names of the source tables the DDL touched. */
export async function relearnTables(task: Task, mapper: ChangeMapper, sourceTables: readonly string[]): Promise<void> {
  const policy = destinationOf(task).ddl;
  if (policy.applies !== true) return;
  const catalog = await policy.openCatalog(task);
  try {
    for (const name of sourceTables) {
      const dot = name.indexOf('.');
      const [db, table] = [name.slice(0, dot), name.slice(dot + 1)];
      const target = mapper.targetOf(db, table);
      if (!target) continue;
      const info = await catalog.table(target);
      if (info) mapper.learnFromDestination(db, table, target, info);
      else mapper.forgetTable(db, table);
    }
  } finally {
    await catalog.close();
  }
}
