/** One connection's state: its namespace, user, session variables (help.aliyun.com/en/lindorm/developer-reference/session-variables). */
import { DEFAULT_TIME_ZONE } from './time-zone.ts';

export interface Session {
  readonly connectionId: number;
  readonly user: string;
  readonly host: string;
  namespace: string;
  timeZone: string;
  /** '' or 'NO_BACKSLASH_ESCAPES', the only mode Lindorm has. */
  sqlMode: string;
}

export function newSession(connectionId: number, user: string, host: string, namespace: string): Session {
  return { connectionId, user, host, namespace, timeZone: DEFAULT_TIME_ZONE, sqlMode: '' };
}
