/** The sink of the task's destination kind (sink.ts is the port; each destination module opens its own). */
import type { Sink } from './sink.ts';
import { destinationOf } from '../destinations/registry.ts';
import type { OpenSinkOptions } from '../destinations/destination.ts';
import type { DatabaseMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';

export type { OpenSinkOptions } from '../destinations/destination.ts';

export function openSink(task: Task, dbs: readonly DatabaseMapping[], options: OpenSinkOptions): Promise<Sink> {
  return destinationOf(task).openSink(task, dbs, options);
}
