/**
 * DATETIME is an instant on the wire (epoch milliseconds in the tunnel) but SQL reads and prints it as wall
 * clock time in the project's time zone (`odps.sql.timezone`). The stand-in stores the wall clock time (a
 * DuckDB TIMESTAMP_MS) so that SQL literals, comparisons and printed results are in the project's zone, and
 * converts at the tunnel.
 */
import { zoneOffsetMs } from '../../shared/time/zone-offset.ts';

export function instantToWall(epochMs: number, zone: string): number {
  return epochMs + zoneOffsetMs(epochMs, zone);
}

/** The instant whose wall clock in `zone` is `wallMs` (in a gap or fold: the offset before it). */
export function wallToInstant(wallMs: number, zone: string): number {
  const guess = wallMs - zoneOffsetMs(wallMs, zone);
  return wallMs - zoneOffsetMs(guess, zone);
}
