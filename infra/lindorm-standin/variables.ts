/**
 * Session variables (help.aliyun.com/en/lindorm/developer-reference/session-variables): TIME_ZONE and SQL_MODE
 * can be set; a few read-only ones answer what clients ask on connect (`@@version_comment` from the mariadb and
 * mysql command-line clients, `@@max_allowed_packet`, …).
 */
import { errors } from './errors.ts';
import type { LindormLimits } from './limits.ts';
import type { Literal } from './sql-ast.ts';
import type { Session } from './session.ts';
import { zoneOffsetMinutes } from './time-zone.ts';

/** The SQL engine version `SELECT @@version` answers; the stand-in follows SQL 2.8.4.8 (backslash escapes, SQL_MODE). */
export const SQL_VERSION = '2.8.4.8';

export function variableValue(name: string, session: Session, limits: LindormLimits): string | number {
  const key = name.toLowerCase().replace(/^(session|local|global)\./, '');
  switch (key) {
    case 'version': return SQL_VERSION;
    case 'version_comment': return 'LindormTable stand-in (fc-dts)';
    case 'time_zone': return session.timeZone;
    case 'sql_mode': return session.sqlMode;
    case 'autocommit': return 1;
    case 'max_allowed_packet': return 128 * 1024 * 1024;
    case 'wait_timeout': case 'interactive_timeout': return Math.round(limits.idleMs / 1000);
    case 'character_set_client': case 'character_set_connection': case 'character_set_results': return 'utf8mb4';
    case 'collation_connection': return 'utf8mb4_general_ci';
    case 'lower_case_table_names': return 0;
    default: throw errors.unknownVariable(name);
  }
}

export function setVariable(name: string, value: Literal, session: Session): void {
  const text = value.type === 'string' ? value.value : value.type === 'number' ? value.text : value.type === 'bool' ? String(value.value) : 'NULL';
  switch (name) {
    case 'TIME_ZONE':
      if (zoneOffsetMinutes(text) === undefined) throw errors.wrongVariableValue('time_zone', text);
      session.timeZone = text;
      return;
    case 'SQL_MODE': {
      const modes = text.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
      if (modes.some((m) => m !== 'NO_BACKSLASH_ESCAPES')) throw errors.wrongVariableValue('sql_mode', text);
      session.sqlMode = modes.length > 0 ? 'NO_BACKSLASH_ESCAPES' : '';
      return;
    }
    case 'AUTOCOMMIT':
      if (!['1', 'true', 'ON'].includes(text.toUpperCase() === 'ON' ? 'ON' : text)) throw errors.transactions();
      return;
    default:
      throw errors.unknownVariable(name.toLowerCase());
  }
}
