/**
 * Zone offsets kept per quarter hour give the platform's own answer everywhere: across DST changes, in
 * a quarter-hour zone, at a 19th-century local-mean-time change inside a quarter hour, and before year 1.
 */
import { describe, expect, it } from 'vitest';
import { zoneOffsetMs } from '../shared/time/zone-offset.ts';
import { seededRandom } from '../scripts/lib/seeded-random.ts';

/** The offset read straight from Intl, without any cache. */
function reference(ms: number, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = new Date(Date.UTC(2000, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)));
  wall.setUTCFullYear(year);
  return wall.getTime() - Math.floor(ms / 1000) * 1000;
}

const ZONES = ['America/New_York', 'Asia/Kathmandu', 'Asia/Shanghai', 'Europe/London', 'Australia/Lord_Howe'];

describe('zone offsets', () => {
  it('equal Intl at random instants from 1850 to 2100, each asked twice (the second from the cache)', () => {
    const random = seededRandom(7);
    const from = Date.UTC(1850, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    for (const zone of ZONES) {
      for (let i = 0; i < 2_000; i++) {
        const ms = from + Math.floor(random() * (to - from));
        expect(zoneOffsetMs(ms, zone)).toBe(reference(ms, zone));
        expect(zoneOffsetMs(ms, zone)).toBe(reference(ms, zone));
      }
    }
  });

  it('change at the DST instant itself and inside a quarter hour whose ends disagree', () => {
    const spring = Date.UTC(2024, 2, 10, 7, 0, 0); // New York: 02:00 EST → 03:00 EDT
    expect(zoneOffsetMs(spring - 1, 'America/New_York')).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs(spring, 'America/New_York')).toBe(-4 * 3_600_000);
    // Shanghai left local mean time (+08:05:43) on 1901-01-01 00:00 local, i.e. 1900-12-31 15:54:17 UTC.
    const lmtEnd = Date.UTC(1900, 11, 31, 15, 54, 17);
    for (const ms of [lmtEnd - 60_000, lmtEnd - 1_000, lmtEnd, lmtEnd + 60_000]) expect(zoneOffsetMs(ms, 'Asia/Shanghai')).toBe(reference(ms, 'Asia/Shanghai'));
    expect(zoneOffsetMs(lmtEnd - 1_000, 'Asia/Shanghai')).not.toBe(zoneOffsetMs(lmtEnd + 60_000, 'Asia/Shanghai'));
  });

  it('reads years before 1 and years 0–99', () => {
    const bc = new Date(Date.UTC(2000, 5, 1));
    bc.setUTCFullYear(-50);
    const early = new Date(Date.UTC(2000, 5, 1));
    early.setUTCFullYear(42);
    for (const ms of [bc.getTime(), early.getTime()]) expect(zoneOffsetMs(ms, 'Europe/London')).toBe(reference(ms, 'Europe/London'));
    expect(zoneOffsetMs(Date.UTC(2024, 0, 1), 'UTC')).toBe(0);
  });
});
