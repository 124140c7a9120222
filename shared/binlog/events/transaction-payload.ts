/**
 * TRANSACTION_PAYLOAD_EVENT (binlog_transaction_compression, MySQL 8.0.20+): a header of
 * (type, length, value) fields up to an end mark, then the payload: the transaction's events, zstd
 * compressed, each with its own header (end position 0) and no checksum of its own (the payload
 * event's covers them). MySQL libbinlogevents/src/compression/payload_event_buffer_istream.cpp and
 * control_events.cpp (Transaction_payload_event); rust_mysql_common transaction_payload_event.rs.
 *
 * zstd: Node 20's zlib has none (zstdDecompressSync arrived in Node 22.15), so fzstd, a pure-JS
 * decompressor without native build or download step.
 */
import { decompress } from 'fzstd';
import { BinlogFormatError } from './binlog-errors.ts';
import type { ByteReader } from './byte-reader.ts';

export interface TransactionPayload {
  readonly compression: 'zstd' | 'none';
  readonly uncompressedSize: number;
  readonly payloadSize: number;
  /** The inner events' bytes, back to back. */
  readonly events: Buffer;
}

const Field = { END_MARK: 0, PAYLOAD_SIZE: 1, COMPRESSION_TYPE: 2, UNCOMPRESSED_SIZE: 3 } as const;
const ZSTD = 0;
const NONE = 255;

export function parseTransactionPayload(r: ByteReader): TransactionPayload {
  let payloadSize: number | undefined;
  let compressionType: number | undefined;
  let uncompressedSize = 0;
  for (let type = r.packed(); type !== Field.END_MARK; type = r.packed()) {
    const value = r.sub(r.packed());
    if (type === Field.PAYLOAD_SIZE) payloadSize = value.packed();
    else if (type === Field.COMPRESSION_TYPE) compressionType = value.packed();
    else if (type === Field.UNCOMPRESSED_SIZE) uncompressedSize = value.packed();
  }
  if (payloadSize === undefined || compressionType === undefined) {
    throw new BinlogFormatError(r.where, 'TRANSACTION_PAYLOAD_EVENT header lacks the payload size or compression type');
  }
  const payload = r.bytes(payloadSize);
  if (compressionType === NONE) return { compression: 'none', uncompressedSize: payload.length, payloadSize, events: payload };
  if (compressionType !== ZSTD) throw new BinlogFormatError(r.where, `TRANSACTION_PAYLOAD_EVENT compression type ${compressionType} is not known (0 zstd, 255 none)`);
  const events = inflate(r, payload);
  if (uncompressedSize !== 0 && events.length !== uncompressedSize) {
    throw new BinlogFormatError(r.where, `TRANSACTION_PAYLOAD_EVENT decompressed to ${events.length} bytes, its header says ${uncompressedSize}`);
  }
  return { compression: 'zstd', uncompressedSize, payloadSize, events };
}

function inflate(r: ByteReader, payload: Buffer): Buffer {
  try {
    const out = decompress(payload);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new BinlogFormatError(r.where, `TRANSACTION_PAYLOAD_EVENT payload is not valid zstd: ${(e as Error).message}`, { cause: e });
  }
}
