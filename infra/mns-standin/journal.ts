/**
 * An append-only journal of JSON lines in a directory: what the stand-in has accepted is written
 * (synchronously, before the HTTP response) as one line per change, replayed on start and then
 * compacted into a fresh file holding only the live state. A process killed mid-write leaves at
 * most a torn last line, which no client was told about and which replay drops. A lock file with
 * the owner's pid keeps two stand-ins from writing the same directory.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const FILE = 'mns-journal.jsonl';
const LOCK = 'mns-journal.lock';

export class JournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class Journal<R> {
  private fd: number | undefined;

  private constructor(
    private readonly dir: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Locks `dir`, reads its records, lets `compact` turn them into the live state's records and
   * makes those the new journal, open for appending.
   */
  static open<R>(dir: string, compact: (records: R[]) => R[]): Journal<R> {
    mkdirSync(dir, { recursive: true });
    lock(dir);
    try {
      const path = join(dir, FILE);
      const records = existsSync(path) ? readRecords<R>(path) : [];
      const tmp = `${path}.tmp`;
      const lines = compact(records).map((r) => `${JSON.stringify(r)}\n`).join('');
      const tmpFd = openSync(tmp, 'w');
      try {
        writeSync(tmpFd, lines);
        fsyncSync(tmpFd);
      } finally {
        closeSync(tmpFd);
      }
      renameSync(tmp, path);
      syncDirectory(dir);
      return new Journal<R>(dir, openSync(path, 'a'));
    } catch (e) {
      unlock(dir);
      throw e;
    }
  }

  append(records: readonly R[]): void {
    if (this.fd === undefined) throw new JournalError(`journal in ${this.dir} is closed`);
    if (records.length === 0) return;
    writeSync(this.fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    unlock(this.dir);
  }
}

function readRecords<R>(path: string): R[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const records: R[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    try {
      records.push(JSON.parse(line) as R);
    } catch {
      // Only the last line can be torn by a crash; anything else is damage to report.
      if (i === lines.length - 1) break;
      throw new JournalError(`${path}, line ${i + 1}: not a JSON record; the journal is damaged`);
    }
  }
  return records;
}

function lock(dir: string): void {
  const path = join(dir, LOCK);
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new JournalError(`${dir} is in use by the MNS stand-in of process ${pid}`);
    }
  }
  writeFileSync(path, `${process.pid}\n`);
}

function unlock(dir: string): void {
  rmSync(join(dir, LOCK), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
