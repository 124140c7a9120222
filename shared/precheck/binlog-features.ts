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
 * TRANSACTION_PAYLOAD_EVENT, which the reader decompresses; binlog_row_value_options=PARTIAL_JSON
 * writes JSON updates as diffs, which the reader applies to the before image, so that image must be
 * whole (binlog_row_image=FULL); binlog_checksum must be one the reader verifies.
 */
export function binlogFeaturesVerdict(vars: ReadonlyMap<string, string>, type: SourceType): Verdict {
  const checksum = (vars.get('binlog_checksum') ?? 'NONE').toUpperCase();
  if (checksum !== 'NONE' && checksum !== 'CRC32') {
    return { status: 'failed', reason: `binlog_checksum is ${checksum}: fc-dts reads binlogs with CRC32 checksums or none`, fix: settingFix(type, 'binlog_checksum', 'CRC32', 'CRC32') };
  }
  if (isOn(vars.get('log_bin_compress'))) {
    return { status: 'failed', reason: 'log_bin_compress is ON: MariaDB writes compressed QUERY and row events, which fc-dts does not read yet', fix: settingFix(type, 'log_bin_compress', 'OFF', 'OFF') };
  }
  const partialJson = /PARTIAL_JSON/i.test(vars.get('binlog_row_value_options') ?? '');
  const image = (vars.get('binlog_row_image') ?? 'FULL').toUpperCase();
  if (partialJson && image !== 'FULL') {
    return {
      status: 'failed',
      reason: `binlog_row_value_options is PARTIAL_JSON and binlog_row_image is ${image}: a JSON update is a diff against a before image that does not hold the column`,
      fix: `${settingFix(type, 'binlog_row_image', 'FULL')}; or ${settingFix(type, 'binlog_row_value_options', "''", "''")}`,
    };
  }
  const parts = [`binlog_checksum ${checksum} (verified per binlog file)`];
  if (vars.has('binlog_transaction_compression')) {
    parts.push(isOn(vars.get('binlog_transaction_compression')) ? 'compressed transactions (zstd) are decompressed' : 'transaction compression OFF');
  }
  if (vars.has('binlog_row_value_options')) parts.push(partialJson ? 'partial JSON updates are applied to the whole before image' : 'whole JSON values in updates');
  return { status: 'passed', reason: parts.join(', ') };
}

/**
 * After a switchover (RDS and PolarDB high availability) the source endpoint reaches a new primary
 * with other binlog files. A MySQL checkpoint names its server and keeps the GTID set before it, so
 * with gtid_mode ON the task resumes there by GTID (incremental/source-resume.ts).
 */
export function switchoverVerdict(vars: ReadonlyMap<string, string>, type: SourceType): Verdict {
  const ha = type === 'polardb-mysql' || type === 'polardb-x' ? 'the cluster fails over' : 'the source fails over to another server (RDS high availability, a promoted replica)';
  const mode = vars.get('gtid_mode');
  if (mode === undefined) {
    // Informational: no setting changes it (README, "Sources", says what to do after one).
    const mariadb = vars.has('gtid_binlog_pos') ? 'MariaDB GTIDs are on, but ' : '';
    return {
      status: 'passed',
      reason: `${mariadb}fc-dts resumes a MariaDB source from a binlog file and offset of the same server (its server_id) only, so if ${ha}, the task stops and needs a new full load`,
    };
  }
  if (mode.toUpperCase() === 'ON') {
    return { status: 'passed', reason: `gtid_mode is ON: each checkpoint keeps the executed GTID set and the server's UUID, so if ${ha}, the task resumes on the new server by GTID (COM_BINLOG_DUMP_GTID) with nothing lost` };
  }
  return {
    status: 'warning',
    reason: `gtid_mode is ${mode}: checkpoints are a binlog file and offset of this server only, so if ${ha}, the task stops (the new server is another one) and needs a new full load`,
    fix: `${settingFix(type, 'gtid_mode', 'ON')} (with enforce_gtid_consistency = ON, stepwise through OFF_PERMISSIVE and ON_PERMISSIVE) so a switchover resumes by GTID`,
  };
}
