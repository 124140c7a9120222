/**
 * How far an IANA zone's wall clock is ahead of UTC at an instant, from the platform's time-zone data
 * (Intl). Formatting a date is slow (microseconds, the largest cost of writing DATETIME values), so
 * offsets are kept per 15-minute span of time: zone transitions fall on quarter hours (offsets are whole
 * quarter hours since standard time), and a span whose two ends disagree (a transition inside it, as the
 * local mean times of the 19th century have) is never kept, so every answer is the platform's own.
 */

const SPAN_MS = 15 * 60_000;
/** Spans kept per zone before the cache starts over: a table's values may spread over centuries. */
const MAX_SPANS = 50_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const spans = new Map<string, Map<number, number>>();

/** Milliseconds to add to UTC to get `zone`'s wall clock at `epochMs`. */
export function zoneOffsetMs(epochMs: number, zone: string): number {
  if (zone === 'UTC') return 0;
  let known = spans.get(zone);
  if (!known) spans.set(zone, (known = new Map()));
  const span = Math.floor(epochMs / SPAN_MS);
  const cached = known.get(span);
  if (cached !== undefined) return cached;
  const start = measuredOffset(span * SPAN_MS, zone);
  if (measuredOffset((span + 1) * SPAN_MS - 1, zone) !== start) return measuredOffset(epochMs, zone);
  if (known.size >= MAX_SPANS) known.clear();
  known.set(span, start);
  return start;
}

/** The offset as Intl formats the instant (to the second). */
function measuredOffset(epochMs: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short' });
    formatters.set(zone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = utcMs(year, Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

/** Date.UTC for years 0–99 too (Date.UTC maps them to 1900–1999). */
export function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const t = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  t.setUTCFullYear(y);
  return t.getTime();
}
