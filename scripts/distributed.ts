/**
 * npm run distributed -- -c task.yaml [--dir DIR] [--apply-workers N] [--chunk-workers N] [--until caught-up]
 *
 * The serverless pipeline on one machine (docs/architecture.md §1.2): starts the MNS and Tablestore stand-ins,
 * invokes plan-full-load, runs load-chunk instances until the full load is done, then the binlog
 * reader container and apply-changes instances, each a process of its own driven by its queue with
 * the trigger's real payloads (scripts/fc-worker.ts). Without --until it runs until Ctrl-C; with
 * --until caught-up it stops once everything committed on the source before the call is applied.
 * State lives in DIR (default .local/distributed/<task>): a later run resumes.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { readTaskStatus, formatTaskStatus } from '../shared/pipeline/task-status.ts';
import { loadTaskFile } from '../shared/task/task-file.ts';
import { LocalDeployment } from './lib/local-deployment.ts';

const { values } = parseArgs({
  options: {
    config: { type: 'string', short: 'c' },
    dir: { type: 'string' },
    'apply-workers': { type: 'string', default: '3' },
    'chunk-workers': { type: 'string', default: '2' },
    until: { type: 'string' },
  },
});
if (!values.config || (values.until !== undefined && values.until !== 'caught-up')) {
  console.error('usage: npm run distributed -- -c task.yaml [--dir DIR] [--apply-workers N] [--chunk-workers N] [--until caught-up]');
  process.exit(2);
}
const task = loadTaskFile(values.config);
const dir = values.dir ?? join('.local', 'distributed', task.name);
const d = await LocalDeployment.start({ taskFile: values.config, dir, log: (line) => console.log(line) });
const stop = new AbortController();
process.on('SIGINT', () => stop.abort());
process.on('SIGTERM', () => stop.abort());

try {
  console.log(`stand-ins: ${JSON.stringify({ ...d.standIns.describe(), accessKeySecret: '***', lindormPassword: '***' })}`);
  const plan = await d.fullLoad(Number(values['chunk-workers']), 24 * 3600_000);
  console.log(`plan-full-load: ${plan.statusCode} ${plan.body}`);
  console.log('full load done; starting the binlog reader and apply-changes instances');
  const reader = d.spawn('reader', values.until ? { DTS_UNTIL: 'caught-up' } : {});
  for (let i = 0; i < Number(values['apply-workers']); i++) d.spawn('apply-changes');
  const readerExit = new Promise<number | null>((r) => reader.once('exit', (code) => r(code)));
  const stopped = new Promise<void>((r) => stop.signal.addEventListener('abort', () => r(), { once: true }));
  const code = await Promise.race([readerExit, stopped.then(() => null)]);
  if (values.until && code === 0) {
    await d.waitForEmptyQueue(d.changeQueue, 3600_000);
    console.log('caught up: every change read is applied');
  } else if (code !== null && code !== 0) {
    throw new Error(`the binlog reader exited with code ${code}`);
  }
  console.log(formatTaskStatus(await readTaskStatus(task, d.store)));
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
} finally {
  await d.close();
}
