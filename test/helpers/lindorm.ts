/**
 * Lindorm tasks for tests, while `destination.type: lindorm` is not in the registry yet: the task file is
 * validated with the MySQL destination of taskDoc, its objects resolved against the real MariaDB, and the
 * destination then replaced by parseLindormDestination's reading of the stand-in's endpoint.
 */
import type { Connection } from 'mysql2/promise';
import { parseLindormDestination, type LindormDestinationConfig } from '../../shared/destinations/lindorm/config.ts';
import type { TaskOf } from '../../shared/destinations/destination.ts';
import { readCatalog } from '../../shared/mysql/catalog.ts';
import { resolveObjects, type DatabaseMapping } from '../../shared/task/object-mapper.ts';
import { validateTask } from '../../shared/task/task-file.ts';
import type { LindormStandIn } from '../../infra/lindorm-standin/index.ts';
import { taskDoc } from './mariadb.ts';

/** The stand-in's endpoint as a task file's `destination:` block reads it; `overrides` replace keys. */
export function lindormDestination(standIn: LindormStandIn, overrides: Record<string, unknown> = {}): LindormDestinationConfig {
  return parseLindormDestination({ type: 'lindorm', host: standIn.host, port: standIn.port, user: standIn.user, password: standIn.password, database: 'default', ...overrides });
}

export interface LindormTaskFixture {
  readonly task: TaskOf<LindormDestinationConfig>;
  readonly mapping: DatabaseMapping[];
}

/** A task of `doc` (objects, sync, …) writing to `destination`, and its objects resolved against the source. */
export async function lindormTask(admin: Connection, doc: Record<string, unknown>, destination: LindormDestinationConfig): Promise<LindormTaskFixture> {
  const task = validateTask(taskDoc(doc));
  const mapping = resolveObjects(task, await readCatalog(admin, task.objects.map((o) => o.database)));
  return { task: { ...task, destination }, mapping };
}
