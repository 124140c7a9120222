/**
 * Precheck verdicts on what the source writes into its binlog beyond ROW/FULL: the features the
 * reader must be able to decode (compressed transactions, partial JSON images, checksums) and what
 * a primary/secondary switchover does to the task (GTIDs). Each states what fc-dts does today.
 */
import type { SourceType } from '../task/task.ts';
import type { Verdict } from './source-checks.ts';
import { isOn, settingFix } from './source-settings.ts';

/**
 * binlog_transaction_compression (MySQL 8.0.20+) wraps each transaction in one zstd-compressed
 * TRANSACTION_PAYLOAD_EVENT; binlog_row_value_options=PARTIAL_JSON writes JSON updates as diffs
 * against the before-image; binlog_checksum must be one the reader verifies.
 */
export function binlogFeaturesVerdict(vars: ReadonlyMap<string, string>, type: SourceType): Verdict {
  const problems: string[] = [];
  const fixes: string[] = [];
  if (isOn(vars.get('binlog_transaction_compression'))) {
    problems.push('binlog_transaction_compression is ON: fc-dts does not yet read compressed transactions');
    fixes.push(settingFix(type, 'binlog_transaction_compression', 'OFF', 'OFF'));
  }
  const valueOptions = vars.get('binlog_row_value_options') ?? '';
  if (/PARTIAL_JSON/i.test(valueOptions)) {
    problems.push('binlog_row_value_options is PARTIAL_JSON: JSON updates are written as diffs, not as the whole value fc-dts applies');
    fixes.push(settingFix(type, 'binlog_row_value_options', "''", "''"));
  }
  const checksum = (vars.get('binlog_checksum') ?? 'NONE').toUpperCase();
  if (checksum !== 'NONE' && checksum !== 'CRC32') {
    problems.push(`binlog_checksum is ${checksum}: fc-dts reads binlogs with CRC32 checksums or none`);
    fixes.push(settingFix(type, 'binlog_checksum', 'CRC32', 'CRC32'));
  }
  if (problems.length > 0) return { status: 'failed', reason: problems.join('; '), fix: fixes.join('; ') };
  const compression = vars.has('binlog_transaction_compression') ? ', transaction compression OFF' : '';
  const partial = vars.has('binlog_row_value_options') ? ', whole JSON values in updates' : '';
  return { status: 'passed', reason: `binlog_checksum ${checksum}${compression}${partial}` };
}

/**
 * fc-dts checkpoints a binlog file and offset. After a switchover (RDS and PolarDB high availability)
 * the new primary has other binlog files, so the recorded position means nothing there.
 */
export function switchoverVerdict(vars: ReadonlyMap<string, string>, type: SourceType): Verdict {
  const gtid = vars.get('gtid_mode') ?? (vars.has('gtid_binlog_pos') ? 'MariaDB GTID' : undefined);
  const gtidText = gtid === undefined ? 'the server reports no GTID mode' : gtid === 'MariaDB GTID' ? 'MariaDB GTIDs are on' : `gtid_mode is ${gtid}`;
  const ha = type === 'polardb-mysql' || type === 'polardb-x' ? 'the cluster fails over' : 'the source fails over to another server (RDS high availability, a promoted replica)';
  // Informational: nothing in the settings changes it (README, "Sources", says what to do after one).
  return {
    status: 'passed',
    reason: `${gtidText}; fc-dts resumes from a binlog file and offset, so if ${ha}, incremental sync cannot resume from its checkpoint and the task needs a new full load (resuming by GTID is not built yet)`,
  };
}
