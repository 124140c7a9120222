/**
 * npm run bench:tunnel-codec -- [--rows N] [--rounds R]
 *
 * The MaxCompute tunnel record codec alone, in this process: encodes N rows of the shape bench:maxcompute
 * loads (BIGINT, INT, DECIMAL(12,2), TIMESTAMP, two STRINGs, DOUBLE) with TunnelRecordEncoder, then decodes
 * the stream, R times each; prints rows and MB per CPU second of the best round, and a SHA-256 of the stream (the
 * same digest before and after a change to the codec means the bytes did not change). See scripts/bench/README.md.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseType, type MaxComputeRow } from '../../shared/maxcompute/maxcompute-types.ts';
import { encodeRecordStream, TunnelRecordDecoder, TunnelRecordEncoder, type TunnelColumn } from '../../shared/maxcompute/tunnel-record-codec.ts';

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

/** As an upload block's body is made: rows from an async generator (the source stream), chunks from encodeRecordStream. */
async function encodeStreamed(rows: readonly MaxComputeRow[]): Promise<number> {
  async function* source(): AsyncGenerator<MaxComputeRow> {
    yield* rows;
  }
  let bytes = 0;
  for await (const chunk of encodeRecordStream(COLUMNS, source())) bytes += chunk.length;
  return bytes;
}

function decode(chunks: readonly Buffer[]): number {
  const decoder = new TunnelRecordDecoder(COLUMNS);
  let n = 0;
  for (const c of chunks) n += decoder.push(c).length;
  decoder.end();
  return n;
}

/** The least CPU time (user + system, all threads) of a round, in seconds: on a shared machine it moves less than the wall clock. */
async function best(rounds: number, fn: () => unknown): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const started = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(started);
    min = Math.min(min, (used.user + used.system) / 1e6);
  }
  return min;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
  const n = Number(values.rows);
  const rounds = Number(values.rounds);
  const rows = Array.from({ length: n }, (_, i) => row(i + 1));
  let chunks: Buffer[] = [];
  const encodeSeconds = await best(rounds, () => (chunks = encode(rows)));
  const bytes = chunks.reduce((s, c) => s + c.length, 0);
  const streamedSeconds = await best(rounds, async () => {
    if ((await encodeStreamed(rows)) !== bytes) throw new Error('streamed encoding differs in length');
  });
  const decodeSeconds = await best(rounds, () => {
    if (decode(chunks) !== n) throw new Error('decoded row count differs');
  });
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  const line = (what: string, s: number) => `${what} ${Math.round(n / s).toLocaleString('en-US')} rows per CPU second, ${(bytes / s / 1e6).toFixed(1)} MB per CPU second`;
  console.log(`${n.toLocaleString('en-US')} rows, ${bytes.toLocaleString('en-US')} bytes, sha256 ${hash.digest('hex').slice(0, 16)}`);
  console.log(line('encode', encodeSeconds));
  console.log(line('encode streamed', streamedSeconds));
  console.log(line('decode', decodeSeconds));
}

await main();
