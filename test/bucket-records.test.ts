/**
 * BucketRecords, the compare-and-set records a destination keeps per bucket in the state store: the
 * same contract from the file store (a real directory) and the Tablestore state store (the stand-in,
 * through the official client).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTablestoreStandIn, type TablestoreStandIn } from '../infra/tablestore-standin/index.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import type { BucketRecords } from '../shared/state/state-store.ts';
import { TablestoreStateStore } from '../shared/state/tablestore-state-store.ts';

const AK = 'bucket-records-key';
const SECRET = 'bucket-records-secret';

function contract(name: string, open: () => Promise<BucketRecords>): void {
  describe(`${name}: bucket records`, () => {
    it('creates a record at version 1 only where there is none, then moves it one version at a time', async () => {
      const store = await open();
      expect(await store.getBucketRecord('mc-log', 3)).toBeUndefined();
      expect(await store.putBucketRecord('mc-log', 3, undefined, '{"a":1}')).toBe(true);
      expect(await store.putBucketRecord('mc-log', 3, undefined, '{"a":2}')).toBe(false);
      expect(await store.getBucketRecord('mc-log', 3)).toEqual({ version: 1, value: '{"a":1}' });
      expect(await store.putBucketRecord('mc-log', 3, 2, '{"a":3}')).toBe(false);
      expect(await store.putBucketRecord('mc-log', 3, 1, '{"a":3}')).toBe(true);
      expect(await store.getBucketRecord('mc-log', 3)).toEqual({ version: 2, value: '{"a":3}' });
      // Other buckets and names are other records.
      expect(await store.getBucketRecord('mc-log', 4)).toBeUndefined();
      expect(await store.getBucketRecord('other', 3)).toBeUndefined();
    });

    it('lets one of several writers expecting the same version win', async () => {
      const store = await open();
      expect(await store.putBucketRecord('race', 0, undefined, 'start')).toBe(true);
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => store.putBucketRecord('race', 0, 1, `writer ${i}`)));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const winner = outcomes.indexOf(true);
      expect(await store.getBucketRecord('race', 0)).toEqual({ version: 2, value: `writer ${winner}` });
    });
  });
}

const dirs: string[] = [];
contract('FileStateStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fc-dts-bucket-records-'));
  dirs.push(dir);
  return new FileStateStore(dir);
});

let standIn: TablestoreStandIn;
let tasks = 0;
beforeAll(async () => {
  standIn = await startTablestoreStandIn({ accessKeyId: AK, accessKeySecret: SECRET, port: 0 });
});
afterAll(async () => {
  await standIn?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
contract('TablestoreStateStore', () => TablestoreStateStore.open({ endpoint: standIn.endpoint, instance: standIn.instance, accessKeyId: AK, accessKeySecret: SECRET, task: `records-${++tasks}` }));

describe('FileStateStore bucket record names', () => {
  it('refuses a name that is not a plain identifier (it becomes a file name)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fc-dts-bucket-records-'));
    dirs.push(dir);
    await expect(new FileStateStore(dir).putBucketRecord('../x', 0, undefined, 'v')).rejects.toThrow(`bucket record name "../x": letters, digits, '-' and '_' only`);
  });
});
