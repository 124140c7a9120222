/** `destination:` of a MySQL-family destination (MySQL, RDS, MariaDB, PolarDB for MySQL): an endpoint and nothing else. */
import { allowKeys, endpoint, type Obj } from '../../task/task-file-reader.ts';
import type { MysqlEndpoint } from '../../task/task.ts';

export interface MysqlDestinationConfig extends MysqlEndpoint {
  readonly type: 'mysql';
}

export function parseMysqlDestination(d: Obj): MysqlDestinationConfig {
  allowKeys(d, 'destination', ['type', 'host', 'port', 'user', 'password', 'ssl']);
  return { type: 'mysql', ...endpoint(d, 'destination') };
}
