/** The guard against a Lindorm delete marker hiding a write of the same key in the same millisecond. */
import { describe, expect, it } from 'vitest';
import { DeleteGuard } from '../shared/destinations/lindorm/delete-guard.ts';

describe('DeleteGuard', () => {
  it('makes an UPSERT of a key deleted within 2 ms wait out the rest, and nothing else wait', () => {
    let now = 1_000;
    const guard = new DeleteGuard(() => now);
    guard.deleted(['a', 'b']);
    expect(guard.waitFor(['c'])).toBe(0);
    expect(guard.waitFor(['c', 'a'])).toBe(2);
    now += 1;
    expect(guard.waitFor(['b'])).toBe(1);
    now += 1;
    expect(guard.waitFor(['a', 'b'])).toBe(0);
  });

  it('counts from the latest delete of a key', () => {
    let now = 0;
    const guard = new DeleteGuard(() => now);
    guard.deleted(['k']);
    now = 5;
    guard.deleted(['k']);
    now = 6;
    expect(guard.waitFor(['k'])).toBe(1);
  });
});
