/**
 * What `fc-dts status` says of a Lindorm destination, with the stand-in and a state directory: the endpoint,
 * the task's tables present and missing, each bucket's `lindorm-apply` record, and a line instead of an
 * exception when Lindorm cannot be reached or refuses the account.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLindormStandIn, type LindormStandIn } from '../infra/lindorm-standin/index.ts';
import type { TaskOf } from '../shared/destinations/destination.ts';
import type { LindormDestinationConfig } from '../shared/destinations/lindorm/config.ts';
import { LindormSessions } from '../shared/destinations/lindorm/lindorm-session.ts';
import { LINDORM_APPLY_RECORD, lindormStatusLines } from '../shared/destinations/lindorm/lindorm-status.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import type { StateStore } from '../shared/state/state-store.ts';
import { validateTask } from '../shared/task/task-file.ts';
import { withLindorm } from './helpers/lindorm.ts';
import { taskDoc } from './helpers/mariadb.ts';

const PASSWORD = 'lindorm-status-pw';
let standIn: LindormStandIn;
const dirs: string[] = [];

function task(destination: Record<string, unknown> = {}): TaskOf<LindormDestinationConfig> {
  const parsed = validateTask(taskDoc({ objects: [{ database: 'shop' }], advanced: { incremental: { buckets: 4 } } }));
  return withLindorm(parsed, standIn, destination);
}

function store(): FileStateStore {
  const dir = mkdtempSync(join(tmpdir(), 'fc-dts-lindorm-status-'));
  dirs.push(dir);
  return new FileStateStore(dir);
}

/** Plans the full load of these destination tables (targets "shop.<name>"). */
async function planned(s: FileStateStore, names: string[]): Promise<FileStateStore> {
  await s.putPlan({ position: { file: 'mariadb-bin.000001', offset: 4, gtid: '', flavor: 'mariadb', at: '2026-01-01T00:00:00.000Z' }, tables: names.map((n) => ({ table: `shop.${n}`, target: `shop.${n}`, chunks: [] })) });
  return s;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  standIn = await startLindormStandIn({ password: PASSWORD });
  const sessions = await LindormSessions.open(task().destination);
  try {
    for (const name of ['orders', 'Customers', 'audit.log']) await sessions.query(`CREATE TABLE \`${name}\` (id INTEGER NOT NULL, v VARCHAR, PRIMARY KEY (id))`);
  } finally {
    await sessions.close();
  }
});

afterAll(async () => {
  await standIn?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('status of a Lindorm destination', () => {
  it('names the endpoint, counts the planned tables present, and lists the missing ones by their exact case', async () => {
    const s = await planned(store(), ['orders', 'customers', 'audit.log', 'a1', 'a2', 'a3', 'a4', 'a5']);
    const lines = await lindormStatusLines(task(), s);
    expect(lines).toEqual([
      `Lindorm: namespace default at ${standIn.host}:${standIn.port}, user root, session time zone +08:00`,
      'Lindorm tables: 2 of the task\'s 8 exist in namespace default; missing: customers, a1, a2, a3, a4 and 1 more',
      'Lindorm apply watermarks: none recorded yet in the 4 buckets',
    ]);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });

  it('counts the namespace\'s tables when no full load has planned the task\'s', async () => {
    expect((await lindormStatusLines(task(), store()))[1]).toBe("Lindorm tables: 3 in namespace default (the task's tables are known here once the full load has planned them)");
  });

  it('gives each bucket with a lindorm-apply record its watermark and claim', async () => {
    const s = await planned(store(), ['orders']);
    const until = Date.now() + 3_600_000;
    await s.putBucketRecord(LINDORM_APPLY_RECORD, 0, undefined, JSON.stringify({ watermark: { file: 42, offset: 1234, row: 2 }, owner: 'apply-7f3a', until }));
    await s.putBucketRecord(LINDORM_APPLY_RECORD, 2, undefined, JSON.stringify({ watermark: null, owner: 'apply-0b11', until: 86_400_000 }));
    await s.putBucketRecord(LINDORM_APPLY_RECORD, 3, undefined, '{"owner": 5}');
    await s.putBucketRecord(LINDORM_APPLY_RECORD, -1, undefined, JSON.stringify({ watermark: { file: 42, offset: 99, row: 0 }, owner: '', until: 0 }));
    await s.putBucketRecord('other-record', 1, undefined, '{}');
    const lines = await lindormStatusLines(task(), s);
    expect(lines.slice(1)).toEqual([
      "Lindorm tables: 1 of the task's 1 exist in namespace default",
      'Lindorm DDL: applied up to 42:99#0, not claimed',
      `Lindorm bucket 0: applied up to 42:1234#2, claimed by apply-7f3a until ${new Date(until).toISOString()}`,
      "Lindorm bucket 2: nothing applied yet, not claimed (apply-0b11's claim ended 1970-01-02T00:00:00.000Z)",
      'Lindorm bucket 3: unreadable lindorm-apply record (no owner and until)',
    ]);
  });

  it('says so when the state store keeps no bucket records', async () => {
    const s = store();
    const plain = new Proxy(s, { get: (target, p) => (p === 'getBucketRecord' || p === 'putBucketRecord' ? undefined : Reflect.get(target, p)) }) as StateStore;
    expect((await lindormStatusLines(task(), plain)).at(-1)).toBe('Lindorm apply watermarks: unknown (this state store keeps no bucket records)');
  });

  it('reports an unreachable endpoint and a refused account on a line, without the password, and still reads the state store', async () => {
    const s = await planned(store(), ['orders']);
    await s.putBucketRecord(LINDORM_APPLY_RECORD, 1, undefined, JSON.stringify({ watermark: { file: 1, offset: 4, row: 0 }, owner: 'a', until: 0 }));
    const port = await closedPort();
    const down = await lindormStatusLines(task({ port }), s);
    expect(down[1]).toMatch(new RegExp(`^Lindorm: unknown \\((Lindorm 127\\.0\\.0\\.1:${port}: connection refused|no answer within 6 s)\\)$`));
    expect(down[2]).toBe("Lindorm bucket 1: applied up to 1:4#0, not claimed (a's claim ended 1970-01-01T00:00:00.000Z)");
    const refused = await lindormStatusLines(task({ password: 'wrong-password-123' }), s);
    expect(refused[1]).toBe(`Lindorm: unknown (Lindorm ${standIn.host}:${standIn.port}: access denied for user "root" (wrong password or no such account))`);
    expect([...down, ...refused].join('\n')).not.toMatch(/wrong-password-123|lindorm-status-pw/);
  });
});
