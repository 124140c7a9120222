/**
 * The session time zone of TIMESTAMP values (help.aliyun.com/en/lindorm/user-guide/how-to-set-the-time-zone-for-a-connection):
 * default `+08:00`; the stand-in takes `±hh:mm` offsets and `UTC`/`GMT`. TIMESTAMP text is `yyyy-mm-dd hh:mm:ss[.SSS]`
 * (milliseconds; finer digits are cut), or a date alone.
 */
export const DEFAULT_TIME_ZONE = '+08:00';

/** Minutes east of UTC, or undefined for a zone the stand-in does not know. */
export function zoneOffsetMinutes(zone: string): number | undefined {
  if (/^(UTC|GMT|Z)$/i.test(zone)) return 0;
  const m = /^([+-])(\d{1,2}):(\d{2})$/.exec(zone);
  if (!m || Number(m[2]) > 14 || Number(m[3]) > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export function parseTimestamp(s: string, zone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  const check = new Date(local);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  return local - (zoneOffsetMinutes(zone) ?? 0) * 60_000;
}

export function formatTimestamp(ms: number, zone: string): string {
  const local = new Date(ms + (zoneOffsetMinutes(zone) ?? 0) * 60_000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 23)}`;
}
