/**
 * `fc-dts verify`: compares every selected table of the source with its copy in the destination, the
 * way the destination's module compares (MySQL: chunk checksums computed on both servers; Tablestore:
 * every row by key). Throws (FcDtsError) only when a server cannot be reached.
 */
import { destinationOf } from '../destinations/registry.ts';
import type { Task } from '../task/task.ts';
import { verifySettings, type VerifyOptions, type VerifyReport } from './verify-report.ts';

export type { ChunkDifference, KeyDifference, TableVerification, VerifyOptions, VerifyReport } from './verify-report.ts';
export { formatVerifyReport } from './verify-report.ts';

export function verifyTask(task: Task, options: VerifyOptions = {}): Promise<VerifyReport> {
  return destinationOf(task).verify(task, verifySettings(options), options);
}
