/** Date and datetime text ('YYYY-MM-DD[ hh:mm:ss[.ffffff]]') as MySQL reads it in literals and comparisons. */
import { parseDec, type Dec } from './filter-decimal.ts';

const TEMPORAL_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?)?$/;

interface TemporalParts {
  readonly date: string;
  readonly time: string | null;
  readonly fraction: string;
}

export function parseTemporal(text: string): TemporalParts | null {
  const m = TEMPORAL_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, f] = m;
  const pad = (v: string | undefined): string => (v ?? '0').padStart(2, '0');
  return {
    date: `${y}-${pad(mo)}-${pad(d)}`,
    time: h === undefined ? null : `${pad(h)}:${pad(mi)}:${pad(s)}`,
    fraction: f ?? '',
  };
}

export function temporalNumber(p: TemporalParts): Dec {
  const time = p.time === null ? '' : p.time.replace(/:/g, '') + (p.fraction ? `.${p.fraction}` : '');
  return parseDec(p.date.replace(/-/g, '') + time) ?? { m: 0n, s: 0 };
}

export function validTemporal(type: 'DATE' | 'TIMESTAMP', text: string): boolean {
  const p = parseTemporal(text);
  if (!p || (type === 'DATE') !== (p.time === null)) return false;
  const [y, mo, d] = p.date.split('-').map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth) return false;
  if (p.time === null) return true;
  const [h, mi, s] = p.time.split(':').map(Number) as [number, number, number];
  return h <= 23 && mi <= 59 && s <= 59;
}

export function canonicalTemporal(text: string): string | null {
  const p = parseTemporal(text.trim());
  if (!p) return null;
  return `${p.date} ${p.time ?? '00:00:00'}.${p.fraction.padEnd(6, '0')}`;
}

/** Cheap pre-check before the datetime regex, which most strings fail on the first character. */
export function looksTemporal(s: string): boolean {
  const c = s.charCodeAt(0);
  return s.length >= 8 && s.length <= 40 && c >= 0x30 && c <= 0x39;
}
