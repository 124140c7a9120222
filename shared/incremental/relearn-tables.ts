/**
 * After a DDL, the tables it touched are relearned from their destination copies (new tables are
 * picked up, renamed or dropped ones forgotten). A DDL that was not applied changed nothing there,
 * so its tables keep their mapping.
 */
import { readCatalog } from '../mysql/catalog.ts';
import { connect } from '../mysql/connection.ts';
import type { Task } from '../task/task.ts';
import type { ChangeMapper } from './change-mapper.ts';

/** `sourceTables`: "db.table" names of the source tables the DDL touched. */
export async function relearnTables(task: Task, mapper: ChangeMapper, sourceTables: readonly string[]): Promise<void> {
  if (task.destination.type !== 'mysql') return; // only MySQL destinations take DDL
  const dst = await connect('destination', task.destination);
  try {
    for (const name of sourceTables) {
      const dot = name.indexOf('.');
      const [db, table] = [name.slice(0, dot), name.slice(dot + 1)];
      const target = mapper.targetOf(db, table);
      if (!target) continue;
      const info = (await readCatalog(dst, [target.database])).get(target.database)?.tables.find((t) => t.name === target.table);
      if (info) mapper.learnFromDestination(db, table, target, info);
      else mapper.forgetTable(db, table);
    }
  } finally {
    await dst.end().catch(() => {});
  }
}
