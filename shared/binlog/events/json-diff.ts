/**
 * The JSON diffs of a PARTIAL_UPDATE_ROWS_EVENT after image: a sequence of (operation, path, value)
 * until the column's bytes end. MySQL sql/json_diff.cc (Json_diff_vector::read_binary), rust_mysql_common
 * src/binlog/jsondiff.rs.
 */
import { BinlogFormatError } from './binlog-errors.ts';
import type { ByteReader } from './byte-reader.ts';

export type JsonDiffOperation = 'replace' | 'insert' | 'remove';

export interface JsonDiff {
  readonly operation: JsonDiffOperation;
  /** A JSON path ("$.a[1]"). */
  readonly path: string;
  /** The new value as text (the parser's jsonText of its binary JSON); absent for remove. */
  readonly value?: string;
}

const OPERATIONS: readonly JsonDiffOperation[] = ['replace', 'insert', 'remove'];

export function parseJsonDiffs(r: ByteReader, jsonText: (bytes: Buffer) => string): JsonDiff[] {
  const diffs: JsonDiff[] = [];
  while (r.remaining > 0) {
    const code = r.u8();
    const operation = OPERATIONS[code];
    if (!operation) throw new BinlogFormatError(r.where, `unknown JSON diff operation ${code}`);
    const path = r.packedBytes().toString('utf8');
    diffs.push(operation === 'remove' ? { operation, path } : { operation, path, value: jsonText(r.packedBytes()) });
  }
  return diffs;
}
