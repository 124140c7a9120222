/**
 * `destination:` of a Lindorm destination: LindormTable's MySQL-protocol endpoint (port 33060, the
 * "MySQL compatibility" feature enabled), the account, the namespace the tables are in, and the session
 * time zone TIMESTAMP literals are read in.
 */
import { TaskFileError } from '../../errors.ts';
import { allowKeys, bool, num, str, type Obj } from '../../task/task-file-reader.ts';
import type { ObjectSelection, Task } from '../../task/task.ts';
import { isLindormNamespace, LINDORM_LIMITS } from './lindorm-limits.ts';
import type { StatementLimits } from './lindorm-statements.ts';

export interface LindormDestinationConfig {
  readonly type: 'lindorm';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The namespace (Lindorm's database): `default`, or one created beforehand. */
  readonly database: string;
  /** TLS (Lindorm takes TLS 1.2 only; inside a VPC its guide recommends plaintext). */
  readonly ssl: boolean;
  /**
   * The session's TIME_ZONE as a UTC offset, `+08:00`: Lindorm reads TIMESTAMP literals in it. An
   * offset, not a zone name, so reading a wall time never depends on daylight saving rules.
   */
  readonly timeZone: string;
}

const KEYS = ['type', 'host', 'port', 'user', 'password', 'database', 'ssl', 'timeZone'];

/** Lindorm's default session TIME_ZONE (session variables page: `+08:00`; before LindormTable 2.7.6 always UTC+8). */
export const LINDORM_DEFAULT_TIME_ZONE = '+08:00';

export function parseLindormDestination(d: Obj): LindormDestinationConfig {
  allowKeys(d, 'destination', KEYS);
  return {
    type: 'lindorm',
    host: host(str(d, 'host', 'destination')),
    port: num(d, 'port', 'destination', 33060, 1, 65535),
    user: str(d, 'user', 'destination'),
    password: str(d, 'password', 'destination'),
    database: namespace(str(d, 'database', 'destination', 'default')),
    ssl: bool(d, 'ssl', 'destination', false),
    timeZone: timeZone(str(d, 'timeZone', 'destination', LINDORM_DEFAULT_TIME_ZONE)),
  };
}

/** The config's secrets, scrubbed from messages and reports. */
export function lindormSecrets(config: LindormDestinationConfig): string[] {
  return [config.password];
}

function host(v: string): string {
  if (/[\s/]/.test(v) || /:\d+$/.test(v)) {
    throw new TaskFileError('destination.host', `"${v}" is not a host name`, 'write the host of the LindormTable MySQL endpoint alone, e.g. ld-xxxx-proxy-lindorm.lindorm.rds.aliyuncs.com, and the port under destination.port');
  }
  return v;
}

function namespace(v: string): string {
  if (!isLindormNamespace(v)) {
    throw new TaskFileError(
      'destination.database',
      `"${v}" is not a Lindorm namespace name (default, or 4–16 letters, digits, "_" or "-", not lindorm or global)`,
      'write the namespace the tables are in, as the Lindorm console shows it (the instance starts with one named default)',
    );
  }
  return v;
}

const OFFSET = /^([+-])(\d{2}):([0-5]\d)$/;

/** `±hh:mm` from -12:00 to +14:00 (the offsets in use). */
function timeZone(v: string): string {
  const minutes = OFFSET.test(v) ? offsetMinutes(v) : NaN;
  if (!(minutes >= -12 * 60 && minutes <= 14 * 60)) {
    throw new TaskFileError('destination.timeZone', `"${v}" is not a UTC offset from -12:00 to +14:00`, `write the offset Lindorm's session TIME_ZONE is set to, e.g. ${LINDORM_DEFAULT_TIME_ZONE} (Lindorm's default) or +00:00 for UTC`);
  }
  return v;
}

/** Minutes east of UTC of an offset `±hh:mm`. */
export function offsetMinutes(zone: string): number {
  const m = OFFSET.exec(zone);
  if (!m) throw new RangeError(`not a UTC offset: ${zone}`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * One namespace holds every table (destination.database), so databases cannot be renamed; an UPSERT
 * holds advanced.fullLoad.batchRows rows and batchBytes of SQL at most, within Lindorm's 2,000 rows and
 * 64 MB a write (the sink's statements too).
 */
export function checkLindormTask(objects: readonly ObjectSelection[], _sync: unknown, advanced: Task['advanced']): void {
  objects.forEach((o, i) => {
    if (o.as !== undefined) {
      throw new TaskFileError(`objects[${i}].as`, 'a Lindorm destination writes every table into the one namespace destination.database: database name mapping is not supported', `remove objects[${i}].as (rename tables with tables[].as if names collide)`);
    }
  });
  const { batchRows, batchBytes } = advanced.fullLoad;
  if (batchRows > LINDORM_LIMITS.writeRows) {
    throw new TaskFileError('advanced.fullLoad.batchRows', `${batchRows} rows an UPSERT, but Lindorm takes at most ${LINDORM_LIMITS.writeRows} rows a write`, `set advanced.fullLoad.batchRows to at most ${LINDORM_LIMITS.writeRows}`);
  }
  if (batchBytes > LINDORM_LIMITS.writeBytes) {
    throw new TaskFileError('advanced.fullLoad.batchBytes', `${batchBytes} bytes an UPSERT, but Lindorm takes at most ${LINDORM_LIMITS.writeBytes} bytes (64 MB) a write`, `set advanced.fullLoad.batchBytes to at most ${LINDORM_LIMITS.writeBytes}`);
  }
}

/** Rows and bytes of one UPSERT (advanced.fullLoad.batchRows and batchBytes, checked by checkLindormTask). */
export function upsertLimits(advanced: Task['advanced']): StatementLimits {
  return { rows: advanced.fullLoad.batchRows, bytes: advanced.fullLoad.batchBytes };
}
