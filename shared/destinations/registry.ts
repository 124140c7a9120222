/**
 * Every destination kind fc-dts writes to, by its `destination.type`. Adding a kind is a folder under
 * shared/destinations/ and one line here (docs/adding-a-destination.md); nothing else branches on it.
 */
import type { Destination } from './destination.ts';
import { mysqlDestination, type MysqlDestinationConfig } from './mysql/index.ts';
import { tablestoreDestination, type TablestoreDestinationConfig } from './tablestore/index.ts';
import { maxComputeDestination, type MaxComputeDestinationConfig } from './maxcompute/index.ts';
import { lindormDestination, type LindormDestinationConfig } from './lindorm/index.ts';

export type DestinationConfig = MysqlDestinationConfig | TablestoreDestinationConfig | MaxComputeDestinationConfig | LindormDestinationConfig;
export type DestinationType = DestinationConfig['type'];

const DESTINATIONS: { readonly [K in DestinationType]: Destination<Extract<DestinationConfig, { readonly type: K }>> } = {
  mysql: mysqlDestination,
  tablestore: tablestoreDestination,
  maxcompute: maxComputeDestination,
  lindorm: lindormDestination,
};

export const DESTINATION_TYPES = Object.keys(DESTINATIONS) as readonly DestinationType[];

export function destinationModule(type: DestinationType): Destination<DestinationConfig> {
  return DESTINATIONS[type];
}

/** The module of the task's destination kind. */
export function destinationOf(task: { readonly destination: DestinationConfig }): Destination<DestinationConfig> {
  return destinationModule(task.destination.type);
}
