/**
 * One binlog dump as a MySQL dump thread runs it (sql/rpl_binlog_sender.cc Binlog_sender: init,
 * check_start_file, run, send_binlog, send_events, wait_with_heartbeat): per file a fake ROTATE, the
 * file's FORMAT_DESCRIPTION_EVENT, then its events from the start position; at the end of the last
 * file waiting with heartbeats until a file is added (blocking dumps only: fc-dts sends no NON_BLOCK flag).
 * Error texts are MySQL 5.7's (8.0.26+ says "source"/"replica" for "master"/"slave").
 */
import { formatDescriptionToSend, fakeRotate, heartbeat } from './artificial-events.ts';
import type { DumpRequest } from './dump-request.ts';
import type { GtidSet } from './gtid-set.ts';
import { EventType, type ChecksumAlgorithm, type EventSpan, type ServedBinlog } from './served-binlog.ts';

const BIN_LOG_HEADER_SIZE = 4;

/** What the dump thread reports as ER_MASTER_FATAL_ERROR_READING_BINLOG (1236). */
export class DumpError extends Error {}

export interface BinlogIndex {
  readonly files: readonly ServedBinlog[];
  readonly serverId: number;
  /** Resolves when a file is added, or `signal` aborts. */
  changed(signal: AbortSignal): Promise<void>;
}

export interface DumpOutput {
  /** One event as one packet (0x00 + event); resolves when the connection can take more. */
  send(event: Buffer): Promise<void>;
}

export interface DumpSettings {
  /** @master_binlog_checksum as the client set it; undefined: the client does not handle checksums. */
  readonly clientChecksum: ChecksumAlgorithm | undefined;
  /** @master_heartbeat_period, nanoseconds; 0: no heartbeats */
  readonly heartbeatNs: bigint;
}

/** Streams until `signal` aborts (a blocking dump: at the end of the binlog it waits with heartbeats); refusals throw DumpError. */
export async function runDump(request: DumpRequest, settings: DumpSettings, index: BinlogIndex, out: DumpOutput, signal: AbortSignal): Promise<void> {
  let { fileIndex, position } = startOf(request, index);
  const firstGtid = request.excludeGtids ? firstGtidOf(index.files[fileIndex]!) : undefined;
  let clearLogPos = request.excludeGtids ? firstGtid !== undefined && request.excludeGtids.contains(firstGtid.uuid, firstGtid.gno) : position > BIN_LOG_HEADER_SIZE;
  let checksumOn = settings.clientChecksum === 'CRC32';
  while (!signal.aborted) {
    const file = index.files[fileIndex]!;
    await out.send(fakeRotate(file.name, position, index.serverId, checksumOn));
    checksumOn = await sendFormatDescription(file, settings, clearLogPos, out);
    await sendEvents(file, position, request.excludeGtids, index.serverId, out, signal);
    while (fileIndex === index.files.length - 1 && !signal.aborted) {
      await waitWithHeartbeats(file, settings.heartbeatNs, index, out, signal);
    }
    fileIndex++;
    position = BIN_LOG_HEADER_SIZE;
    clearLogPos = false;
  }
}

/** Binlog_sender::check_start_file. */
function startOf(request: DumpRequest, index: BinlogIndex): { fileIndex: number; position: number } {
  const fileIndex = request.file === '' && request.excludeGtids
    ? firstFileNotIn(request.excludeGtids, index.files)
    : index.files.findIndex((f) => f.name === request.file);
  if (fileIndex < 0) throw new DumpError('Could not find first log file name in binary log index file');
  const position = request.excludeGtids ? BIN_LOG_HEADER_SIZE : request.position;
  if (position < BIN_LOG_HEADER_SIZE) throw new DumpError('Client requested master to start replication from position < 4');
  if (position > index.files[fileIndex]!.size) throw new DumpError('Client requested master to start replication from position > file size');
  return { fileIndex, position };
}

/**
 * MYSQL_BIN_LOG::find_first_log_not_in_gtid_set (sql/binlog.cc): the newest file whose Previous_gtids
 * the client has all of; none means the server has purged transactions the client lacks.
 */
function firstFileNotIn(gtids: GtidSet, files: readonly ServedBinlog[]): number {
  for (let i = files.length - 1; i >= 0; i--) if (files[i]!.previousGtids.isSubsetOf(gtids)) return i;
  throw new DumpError('The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but the master has purged binary logs containing GTIDs that the slave requires.');
}

function firstGtidOf(file: ServedBinlog): { uuid: string; gno: bigint } | undefined {
  const span = file.events.find((e) => e.type === EventType.GTID);
  return span && file.gtidOf(span);
}

/** Binlog_sender::send_format_description_event; returns whether the file's events carry checksums. */
async function sendFormatDescription(file: ServedBinlog, settings: DumpSettings, clearLogPos: boolean, out: DumpOutput): Promise<boolean> {
  const checksumOn = file.checksum === 'CRC32';
  if (checksumOn && settings.clientChecksum === undefined) {
    throw new DumpError(`Slave can not handle replication events with the checksum that master is configured to log; the first event '${file.name}' at 4, the last event read from '${file.name}' at 4, the last byte read from '${file.name}' at 4.`);
  }
  await out.send(formatDescriptionToSend(file.event(file.events[0]!), clearLogPos, checksumOn));
  return checksumOn;
}

/**
 * Binlog_sender::send_events: the events from `position` on; in a GTID dump the transactions the
 * client has are skipped (from their GTID event to the next GTID or ROTATE event), and a heartbeat
 * carrying the position after them precedes the next event sent (skip_event).
 */
async function sendEvents(file: ServedBinlog, position: number, exclude: GtidSet | undefined, serverId: number, out: DumpOutput, signal: AbortSignal): Promise<void> {
  const first = file.events.findIndex((e) => e.offset === position);
  if (first < 0 && position < file.size) {
    // The server would parse whatever bytes are there as an event header (Binlog_sender::read_event).
    throw new DumpError(`bogus data in log event; the first event '${file.name}' at ${position}, the last event read from '${file.name}' at ${position}, the last byte read from '${file.name}' at ${position}.`);
  }
  let skipping = false;
  let skippedTo = 0;
  for (const span of first < 0 ? [] : file.events.slice(first)) {
    if (signal.aborted) return;
    if (span.offset === file.events[0]!.offset) continue; // the FORMAT_DESCRIPTION_EVENT was sent already
    skipping = exclude !== undefined && skips(file, span, exclude, skipping);
    if (skipping) {
      skippedTo = span.offset + span.length;
      continue;
    }
    if (skippedTo > 0) await out.send(heartbeat(file.name, skippedTo, serverId, file.checksum === 'CRC32'));
    skippedTo = 0;
    await out.send(file.event(span));
  }
  if (skippedTo > 0) await out.send(heartbeat(file.name, skippedTo, serverId, file.checksum === 'CRC32'));
}

function skips(file: ServedBinlog, span: EventSpan, exclude: GtidSet, inExcludedGroup: boolean): boolean {
  if (span.type === EventType.GTID) {
    const { uuid, gno } = file.gtidOf(span);
    return exclude.contains(uuid, gno);
  }
  return span.type === EventType.ROTATE ? false : inExcludedGroup;
}

/** Binlog_sender::wait_with_heartbeat: a heartbeat at the end position every period until the index changes. */
async function waitWithHeartbeats(file: ServedBinlog, periodNs: bigint, index: BinlogIndex, out: DumpOutput, signal: AbortSignal): Promise<void> {
  const periodMs = Number(periodNs / 1_000_000n);
  const changed = index.changed(signal).then(() => 'changed' as const);
  for (;;) {
    const timer = periodMs > 0 ? sleep(periodMs, signal).then(() => 'beat' as const) : new Promise<never>(() => {});
    const what = await Promise.race([changed, timer]);
    if (what === 'changed' || signal.aborted) return;
    await out.send(heartbeat(file.name, file.size, index.serverId, file.checksum === 'CRC32'));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
