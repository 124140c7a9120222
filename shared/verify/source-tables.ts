/** The task's selected source tables as mapped to the destination, read from the source catalog (verify of keyed destinations). */
import { isFcDtsError } from '../errors.ts';
import { readCatalog } from '../mysql/catalog.ts';
import { connect, connectionError, isConnectionLost } from '../mysql/connection.ts';
import { allTables, resolveObjects, type TableMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';

export async function readSourceTables(task: Task): Promise<TableMapping[]> {
  const src = await connect('source', task.source);
  try {
    const catalog = await readCatalog(src, task.objects.map((o) => o.database));
    return allTables(resolveObjects(task, catalog));
  } catch (e) {
    throw !isFcDtsError(e) && isConnectionLost(e) ? connectionError('source', task.source, e) : e;
  } finally {
    await src.end().catch(() => src.destroy());
  }
}
