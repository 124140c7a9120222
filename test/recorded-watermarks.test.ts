/** Apply watermarks and bucket claims in a real state directory (the records Lindorm destinations keep). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordedWatermarks, type Claim } from '../shared/apply/recorded-watermarks.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';

const dirs: string[] = [];
function store(): FileStateStore {
  const dir = mkdtempSync(join(tmpdir(), 'watermarks-'));
  dirs.push(dir);
  return new FileStateStore(dir);
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const at = (offset: number) => ({ file: 1, offset, row: 0 });

describe('RecordedWatermarks', () => {
  it('standalone: moves the watermark once per batch and reads it back in a new process', async () => {
    const s = store();
    const w = new RecordedWatermarks(s, 'lindorm-apply', 't');
    const claim = (await w.claim(3)) as Claim;
    expect(claim.watermark).toBeNull();
    await w.advance(claim, at(10));
    await w.advance((await w.claim(3)) as Claim, at(20));
    expect(await new RecordedWatermarks(s, 'lindorm-apply', 't').read(3)).toEqual(at(20));
    expect(await s.getBucketRecord('lindorm-apply', 3)).toMatchObject({ version: 2 });
  });

  it('shared: a bucket held by a live claim is busy for another process, free once released or run out', async () => {
    const s = store();
    const a = new RecordedWatermarks(s, 'lindorm-apply', 't', { owner: 'a', claimMs: 60_000 });
    const b = new RecordedWatermarks(s, 'lindorm-apply', 't', { owner: 'b', claimMs: 60_000 });
    const held = (await a.claim(0)) as Claim;
    expect(await b.claim(0)).toBe('busy');
    await a.release(held);
    const taken = (await b.claim(0)) as Claim;
    await b.advance(taken, at(5));
    const short = new RecordedWatermarks(s, 'lindorm-apply', 't', { owner: 'c', claimMs: 1 });
    await short.claim(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(await a.claim(0)).toEqual({ bucket: 0, watermark: at(5) });
  });

  it('shared: a process whose claim was taken over cannot move the watermark back', async () => {
    const s = store();
    const slow = new RecordedWatermarks(s, 'lindorm-apply', 't', { owner: 'slow', claimMs: 1 });
    const fast = new RecordedWatermarks(s, 'lindorm-apply', 't', { owner: 'fast', claimMs: 60_000 });
    const stale = (await slow.claim(0)) as Claim;
    await new Promise((r) => setTimeout(r, 5));
    await fast.advance((await fast.claim(0)) as Claim, at(50));
    await expect(slow.advance(stale, at(10))).rejects.toMatchObject({ code: 'STATE_INVALID' });
    await expect(slow.renew(stale)).rejects.toMatchObject({ code: 'STATE_INVALID' });
    expect(await fast.read(0)).toEqual(at(50));
  });
});
