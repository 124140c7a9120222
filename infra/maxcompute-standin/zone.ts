/**
 * DATETIME is an instant on the wire (epoch milliseconds in the tunnel) but SQL reads and prints it as wall
 * clock time in the project's time zone (`odps.sql.timezone`). The stand-in stores the wall clock time (a
 * DuckDB TIMESTAMP_MS) so that SQL literals, comparisons and printed results are in the project's zone, and
 * converts at the tunnel.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

/** Milliseconds to add to UTC to get the wall clock of `zone` at `epochMs`. */
export function zoneOffsetMs(epochMs: number, zone: string): number {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

export function instantToWall(epochMs: number, zone: string): number {
  return epochMs + zoneOffsetMs(epochMs, zone);
}

/** The instant whose wall clock in `zone` is `wallMs` (in a gap or fold: the offset before it). */
export function wallToInstant(wallMs: number, zone: string): number {
  const guess = wallMs - zoneOffsetMs(wallMs, zone);
  return wallMs - zoneOffsetMs(guess, zone);
}
