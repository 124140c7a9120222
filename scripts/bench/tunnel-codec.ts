/**
 * npm run bench:tunnel-codec -- [--rows N] [--rounds R]
 *
 * The MaxCompute tunnel record codec alone, in this process: encodes N rows of the shape bench:maxcompute
 * loads (BIGINT, INT, DECIMAL(12,2), TIMESTAMP, two STRINGs, DOUBLE) with TunnelRecordEncoder, then decodes
 * the stream, R times each; prints the best round's rows/s and MB/s and a SHA-256 of the stream (the same
 * digest before and after a change to the codec means the bytes did not change). See scripts/bench/README.md.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseType, type MaxComputeRow } from '../../shared/maxcompute/maxcompute-types.ts';
import { TunnelRecordDecoder, TunnelRecordEncoder, type TunnelColumn } from '../../shared/maxcompute/tunnel-record-codec.ts';

const COLUMNS: TunnelColumn[] = (
  [
    ['id', 'BIGINT'],
    ['n', 'INT'],
    ['amount', 'DECIMAL(12,2)'],
    ['at', 'TIMESTAMP'],
    ['name', 'STRING'],
    ['note', 'STRING'],
    ['d', 'DOUBLE'],
  ] as const
).map(([name, type]) => ({ name, type: parseType(type) }));

/** Row `i` as base-load-target hands it to the encoder for the bench table (a NULL every 50 rows). */
function row(i: number): MaxComputeRow {
  return [BigInt(i), i % 1000, (i / 100).toFixed(2), { seconds: 1714557600 + i, nanos: 123456000 }, `名前 ${i} 😀`, i % 50 === 0 ? null : 'x'.repeat(40), i / 7];
}

function encode(rows: readonly MaxComputeRow[]): Buffer[] {
  const encoder = new TunnelRecordEncoder(COLUMNS);
  const chunks: Buffer[] = [];
  for (const r of rows) {
    encoder.write(r);
    for (const c of encoder.takeChunks()) chunks.push(c);
  }
  chunks.push(...encoder.end());
  return chunks;
}

function decode(chunks: readonly Buffer[]): number {
  const decoder = new TunnelRecordDecoder(COLUMNS);
  let n = 0;
  for (const c of chunks) n += decoder.push(c).length;
  decoder.end();
  return n;
}

function best(rounds: number, fn: () => void): number {
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    fn();
    min = Math.min(min, performance.now() - started);
  }
  return min / 1000;
}

function main(): void {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
  const n = Number(values.rows);
  const rounds = Number(values.rounds);
  const rows = Array.from({ length: n }, (_, i) => row(i + 1));
  let chunks: Buffer[] = [];
  const encodeSeconds = best(rounds, () => (chunks = encode(rows)));
  const bytes = chunks.reduce((s, c) => s + c.length, 0);
  const decodeSeconds = best(rounds, () => {
    if (decode(chunks) !== n) throw new Error('decoded row count differs');
  });
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  const line = (what: string, s: number) => `${what} ${Math.round(n / s).toLocaleString('en-US')} rows/s, ${(bytes / s / 1e6).toFixed(1)} MB/s`;
  console.log(`${n.toLocaleString('en-US')} rows, ${bytes.toLocaleString('en-US')} bytes, sha256 ${hash.digest('hex').slice(0, 16)}`);
  console.log(line('encode', encodeSeconds));
  console.log(line('decode', decodeSeconds));
}

main();
