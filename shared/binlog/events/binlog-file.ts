/**
 * A binlog file read event by event: the 4-byte magic, then events back to back, each parsed as it
 * is read. The file is read in chunks through a file handle, so memory holds one chunk and the
 * current event, whatever the file's size.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { BinlogFormatError } from './binlog-errors.ts';
import type { BinlogEvent } from './binlog-event.ts';
import { EVENT_HEADER_LENGTH } from './event-header.ts';
import { BinlogEventParser, type ParserOptions } from './event-parser.ts';

/** "\xfebin": the first bytes of every binlog file (BINLOG_MAGIC, libbinlogevents/include/binlog_event.h). */
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);

const CHUNK = 1 << 20;

export type FileOptions = Omit<ParserOptions, 'source'>;

/** The events of the file at `path`, in file order (parse errors name the path and the event's offset). */
export async function* readBinlogFile(path: string, options: FileOptions): AsyncGenerator<BinlogEvent> {
  const file = await open(path, 'r');
  try {
    const input = new ChunkedInput(file);
    const magic = await input.read(BINLOG_MAGIC.length);
    if (!magic.equals(BINLOG_MAGIC)) throw new BinlogFormatError({ source: path, offset: 0 }, 'not a binlog file (no \\xfebin magic)');
    const parser = new BinlogEventParser({ ...options, source: path });
    for (;;) {
      const offset = input.position;
      const header = await input.read(EVENT_HEADER_LENGTH);
      if (header.length === 0) return;
      const size = header.length === EVENT_HEADER_LENGTH ? header.readUInt32LE(9) : EVENT_HEADER_LENGTH;
      const rest = await input.read(Math.max(0, size - EVENT_HEADER_LENGTH));
      if (header.length + rest.length < size) {
        throw new BinlogFormatError({ source: path, offset }, `the file ends inside an event: ${header.length + rest.length} of its ${size} bytes are there`);
      }
      yield parser.parse(Buffer.concat([header, rest]), offset);
    }
  } finally {
    await file.close();
  }
}

/** Reads exact byte counts from a file handle through a 1 MiB buffer. */
class ChunkedInput {
  private readonly file: FileHandle;
  private chunk = Buffer.alloc(0);
  private at = 0;
  /** File offset of the next byte `read` returns. */
  position = 0;
  private filePosition = 0;

  constructor(file: FileHandle) {
    this.file = file;
  }

  /** `n` bytes, fewer only where the file ends. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let missing = n;
    while (missing > 0) {
      if (this.at === this.chunk.length && !(await this.fill(Math.max(CHUNK, missing)))) break;
      const take = Math.min(missing, this.chunk.length - this.at);
      parts.push(this.chunk.subarray(this.at, this.at + take));
      this.at += take;
      missing -= take;
    }
    this.position += n - missing;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private async fill(size: number): Promise<boolean> {
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await this.file.read(buffer, 0, size, this.filePosition);
    this.filePosition += bytesRead;
    this.chunk = buffer.subarray(0, bytesRead);
    this.at = 0;
    return bytesRead > 0;
  }
}
