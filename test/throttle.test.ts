/** The full-load throttles (source QPS, rows/s, MB/s): a one-second burst, then the configured rate. */
import { describe, expect, it } from 'vitest';
import { RateLimiter, Throttle } from '../shared/throttle.ts';

async function elapsed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

describe('throttle', () => {
  it('lets one second of burst through, then holds to the rate', async () => {
    const limiter = new RateLimiter(100);
    expect(await elapsed(() => limiter.take(100))).toBeLessThan(50);
    const waited = await elapsed(() => limiter.take(30));
    expect(waited).toBeGreaterThan(250);
    expect(waited).toBeLessThan(600);
  });

  it('shares one budget between concurrent callers', async () => {
    const limiter = new RateLimiter(200);
    await limiter.take(200); // the burst
    const all = await elapsed(() => Promise.all(Array.from({ length: 4 }, () => limiter.take(25))));
    expect(all).toBeGreaterThan(450); // 100 units at 200/s
  });

  it('limits source queries per second, rows per second and bytes per second independently', async () => {
    const qps = new Throttle({ sourceQps: 10 });
    for (let i = 0; i < 10; i++) await qps.beforeQuery();
    expect(await elapsed(() => qps.beforeQuery().then(() => qps.beforeQuery()))).toBeGreaterThan(150);

    const mb = new Throttle({ mbps: 1 });
    await mb.beforeWrite(1, 1 << 20);
    expect(await elapsed(() => mb.beforeWrite(1, 256 << 10))).toBeGreaterThan(200);
    expect(mb.active).toBe(true);

    const none = new Throttle({});
    expect(none.active).toBe(false);
    expect(await elapsed(async () => {
      for (let i = 0; i < 1000; i++) {
        await none.beforeQuery();
        await none.beforeWrite(1000, 1 << 20);
      }
    })).toBeLessThan(200);
  });
});
