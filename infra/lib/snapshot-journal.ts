/**
 * The files of a stand-in's state in a directory: `snapshot.json` (the whole state) plus `journal.jsonl`, a
 * write-ahead journal with one JSON line per change. Each line is written synchronously before the change
 * becomes visible, so a killed process loses nothing it acknowledged (lines are not fsynced: a machine crash may
 * lose the last ones). On open the snapshot and the journal's entries are read back for the caller to replay,
 * and the caller compacts them into a new snapshot (fsynced, replaced by rename, so a crash leaves either the
 * old or the new one) and an empty journal.
 */
import fs from 'node:fs';
import path from 'node:path';

const SNAPSHOT = 'snapshot.json';
const JOURNAL = 'journal.jsonl';

export class SnapshotJournal<S, E> {
  private fd: number | undefined;

  private constructor(
    private readonly dir: string,
    private readonly owner: string,
  ) {}

  /** Opens `dir` (creating it) and reads what it holds; call `compact` before the first `append`. */
  static open<S, E>(dir: string, owner: string): { files: SnapshotJournal<S, E>; snapshot: S | undefined; entries: E[] } {
    fs.mkdirSync(dir, { recursive: true });
    const files = new SnapshotJournal<S, E>(dir, owner);
    return { files, snapshot: files.readSnapshot(), entries: files.readEntries() };
  }

  append(entry: E): void {
    if (this.fd === undefined) throw new Error(`${this.owner} journal is closed`);
    fs.writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  /** Writes `snapshot` as the new snapshot and starts an empty journal. */
  compact(snapshot: S): void {
    this.closeFile();
    const target = path.join(this.dir, SNAPSHOT);
    const tmp = fs.openSync(`${target}.tmp`, 'w');
    try {
      fs.writeSync(tmp, JSON.stringify(snapshot));
      fs.fsyncSync(tmp);
    } finally {
      fs.closeSync(tmp);
    }
    fs.renameSync(`${target}.tmp`, target);
    this.fd = fs.openSync(path.join(this.dir, JOURNAL), 'w');
  }

  close(snapshot: S): void {
    this.compact(snapshot);
    this.closeFile();
  }

  private closeFile(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private readSnapshot(): S | undefined {
    const file = path.join(this.dir, SNAPSHOT);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as S) : undefined;
  }

  private readEntries(): E[] {
    const file = path.join(this.dir, JOURNAL);
    if (!fs.existsSync(file)) return [];
    const entries: E[] = [];
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      if (line === '') continue;
      try {
        entries.push(JSON.parse(line) as E);
      } catch (e) {
        // Only an unterminated last line can be torn: a write the crash cut short, never acknowledged.
        if (i === lines.length - 1) break;
        throw new Error(`${file}: line ${i + 1} is not valid JSON`, { cause: e });
      }
    }
    return entries;
  }
}
