/**
 * The BatchWriteRow writer (shared/tablestore/tablestore-writer.ts) against the Tablestore stand-in over
 * HTTP with the real `tablestore` client: retries of rows and requests the service refuses for now
 * (faults injected into the stand-in, answered as the service answers them), rows refused for good,
 * and the two bounds the writer promises: `concurrency` requests in flight, `queueSize` rows waiting.
 */
import TableStore from 'tablestore';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTablestoreStandIn, type OtsErrorCode, type TablestoreStandIn } from '../infra/tablestore-standin/index.ts';
import { FcDtsError } from '../shared/errors.ts';
import { ensureTable, openTablestoreClient } from '../shared/tablestore/tablestore-client.ts';
import { TablestoreWriter, type RowWrite, type WriterSettings } from '../shared/destinations/tablestore/tablestore-writer.ts';
import { readTable, type ReadRow } from './helpers/tablestore.ts';

const { Long } = TableStore;
const KEYS = { accessKeyId: 'writer-test-key', accessKeySecret: 'writer-test-secret' };

let standIn: TablestoreStandIn;
let client: TableStore.Client;

beforeEach(async () => {
  standIn = await startTablestoreStandIn(KEYS);
  client = openTablestoreClient({ endpoint: standIn.endpoint, instance: standIn.instance, ...KEYS });
  await ensureTable(client, 't', [{ name: 'id', type: 'INTEGER' }], 5000);
});

afterEach(async () => {
  await standIn.close();
});

function writer(settings: Partial<WriterSettings> = {}): TablestoreWriter {
  return new TablestoreWriter(client, { concurrency: 10, queueSize: 1024, retryMs: 60_000, ...settings });
}

const key = (id: number) => [['id', Long.fromNumber(id)]] as const;
const put = (id: number, v = `value ${id}`): RowWrite => ({ table: 't', type: 'put', primaryKey: key(id), columns: [['v', v], ['n', Long.fromNumber(id * 10)]] });
const update = (id: number, v: string): RowWrite => ({ table: 't', type: 'update', primaryKey: key(id), columns: [['v', v]], deleted: ['n'] });
const remove = (id: number): RowWrite => ({ table: 't', type: 'delete', primaryKey: key(id) });
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
/** What `put(id, v)` leaves in the table, as readTable returns it. */
const putRow = (id: number, v = `value ${id}`): ReadRow => ({ id: String(id), v, n: String(id * 10) });

/** BatchWriteRow requests the stand-in answered per row, and the row writes it carried out. */
function served(): { requests: number; written: number; failed: number; rejected: number } {
  const answered = standIn.batchWrites.filter((r) => r.rejected === undefined);
  return {
    requests: standIn.requests.BatchWriteRow ?? 0,
    written: answered.reduce((n, r) => n + r.rows - r.failedRows, 0),
    failed: answered.reduce((n, r) => n + r.failedRows, 0),
    rejected: standIn.rejected.BatchWriteRow ?? 0,
  };
}

async function failure(p: Promise<unknown>): Promise<FcDtsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FcDtsError) return e;
    throw e;
  }
  throw new Error('expected the write to fail');
}

describe('TablestoreWriter against the Tablestore stand-in', () => {
  it('retries rows a BatchWriteRow answers with transient per-row errors: every row lands exactly once, with its values', async () => {
    const faults: Array<[OtsErrorCode, number]> = [
      ['OTSServerBusy', 120],
      ['OTSPartitionUnavailable', 60],
      ['OTSTableNotReady', 30],
      ['OTSNotEnoughCapacityUnit', 20],
      ['OTSRowOperationConflict', 10],
    ];
    for (const [code, n] of faults) standIn.faults.failRows('t', n, code);
    // Puts, updates of some of them (a column set, one deleted) and deletes: each type goes through the retry.
    const rows = [...range(0, 450).map((i) => put(i)), ...range(0, 40).map((i) => update(i, `updated ${i}`)), ...range(440, 10).map(remove)];
    const w = writer();
    expect(await w.write(rows)).toEqual([]);

    expect(standIn.faults.pending).toBe(0);
    expect(served()).toMatchObject({ written: rows.length, failed: 240, rejected: 0 });
    expect(w.stats.retriedRows).toBe(240);
    expect(w.stats.requests).toBe(served().requests);
    expect(await readTable(client, 't')).toEqual([...range(0, 40).map((i) => ({ id: String(i), v: `updated ${i}` })), ...range(40, 400).map((i) => putRow(i))]);
  });

  it('writes a key repeated further on after its earlier write, also when that earlier write is retried', async () => {
    // concurrency 1 and slow answers: the retry of key 0's first write waits behind the later requests.
    standIn.faults.delay('BatchWriteRow', 100);
    standIn.faults.failRows('t', 1, 'OTSServerBusy');
    const rows = [...range(0, 400).map((i) => put(i, 'first')), put(0, 'second')];
    expect(await writer({ concurrency: 1 }).write(rows)).toEqual([]);
    expect(served()).toMatchObject({ written: 401, failed: 1 });
    const table = await readTable(client, 't');
    expect(table[0]).toEqual(putRow(0, 'second'));
    expect(table.slice(1)).toEqual(range(1, 399).map((i) => putRow(i, 'first')));
  });

  it('sends again whole a request the service refused as a whole for now', async () => {
    const codes: OtsErrorCode[] = ['OTSServerBusy', 'OTSPartitionUnavailable', 'OTSTableNotReady', 'OTSTimeout', 'OTSServerUnavailable'];
    for (const code of codes) standIn.faults.failRequests('BatchWriteRow', 1, code);
    const rows = range(0, 450).map((i) => put(i));
    const w = writer();
    expect(await w.write(rows)).toEqual([]);

    // 3 requests (200 + 200 + 50 rows) and the 5 refused ones sent again; the SDK itself retried none.
    expect(served()).toEqual({ requests: 3 + codes.length, written: 450, failed: 0, rejected: codes.length });
    expect(w.stats.requests).toBe(3 + codes.length);
    expect(standIn.batchWrites.filter((r) => r.rejected !== undefined).map((r) => r.rejected).sort()).toEqual([...codes].sort());
    expect(await readTable(client, 't')).toEqual(rows.map((_, i) => putRow(i)));
  });

  it('returns rows refused for what they hold (a value over 2 MB, a key of the wrong type) as failed, writes the others', async () => {
    const tooLong: RowWrite = { table: 't', type: 'put', primaryKey: key(7), columns: [['v', 'x'.repeat(2_500_000)]] };
    const wrongKey: RowWrite = { table: 't', type: 'put', primaryKey: [['id', 'not an integer']], columns: [['v', 'y']] };
    const rows = range(0, 30).map((i) => (i === 7 ? tooLong : i === 12 ? wrongKey : put(i)));
    const w = writer();
    const failed = await w.write(rows);

    expect(failed.map((f) => f.row)).toEqual([tooLong, wrongKey]);
    expect(failed.find((f) => f.row === tooLong)?.reason).toMatch(/^OTSParameterInvalid: The length of attribute column: 'v' exceeds the MaxLength:2097152 with CurrentLength:2500000/);
    expect(failed.find((f) => f.row === wrongKey)?.reason).toMatch(/^OTSInvalidPK/);
    expect(w.stats.retriedRows).toBe(0);
    expect(await readTable(client, 't')).toEqual(range(0, 30).filter((i) => i !== 7 && i !== 12).map((i) => putRow(i)));

    // A row refused per row among rows failing for now: only the refused one is given up.
    standIn.faults.failRows('t', 3, 'OTSServerBusy');
    const again = await w.write([put(100), { ...wrongKey, primaryKey: [['id', 'still not']] }, put(101), put(102)]);
    expect(again.map((f) => f.reason)).toEqual([expect.stringMatching(/^OTSInvalidPK/)]);
    expect((await readTable(client, 't')).filter((r) => Number(r.id) >= 100)).toEqual([putRow(100), putRow(101), putRow(102)]);
  });

  it('gives up on rows and requests still failing for now after retryMs, with nothing left running', async () => {
    standIn.faults.failRows('t', 1_000_000, 'OTSServerBusy');
    const w = writer({ retryMs: 500 });
    const started = Date.now();
    const rowsFailed = await failure(w.write(range(0, 300).map((i) => put(i))));
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(rowsFailed.code).toBe('CONNECTION_FAILED');
    expect(rowsFailed.message).toMatch(/table t failed: OTSServerBusy: Server is busy/);
    const requests = served().requests;
    await new Promise((r) => setTimeout(r, 300));
    expect(served().requests).toBe(requests);

    standIn.faults.clear();
    standIn.faults.failRequests('BatchWriteRow', 1_000_000, 'OTSPartitionUnavailable');
    const requestFailed = await failure(w.write([put(1)]));
    expect(requestFailed.code).toBe('CONNECTION_FAILED');
    expect(requestFailed.message).toMatch(/OTSPartitionUnavailable: The partition is not available/);
    expect(await readTable(client, 't')).toEqual([]);
  });

  for (const concurrency of [1, 3, 8]) {
    it(`has at most concurrency = ${concurrency} BatchWriteRow requests in flight, and that many under load`, async () => {
      standIn.faults.delay('BatchWriteRow', 100);
      // Retries take request slots too.
      standIn.faults.failRows('t', 30, 'OTSServerBusy');
      const w = writer({ concurrency, queueSize: 65_536 });
      // One large write (8 requests of 200 rows) and 16 small writes at the same time (as buckets and chunk workers do).
      const writes = [w.write(range(0, 1600).map((i) => put(i))), ...range(0, 16).map((k) => w.write(range(10_000 + 20 * k, 20).map((i) => put(i))))];
      expect((await Promise.all(writes)).flat()).toEqual([]);

      expect(standIn.inFlight.BatchWriteRow).toEqual({ now: 0, max: concurrency });
      expect(served()).toMatchObject({ written: 1600 + 16 * 20, failed: 30, rejected: 0 });
      expect((await readTable(client, 't')).length).toBe(1600 + 16 * 20);
    });
  }

  it('keeps at most queueSize rows waiting for or inside requests: writers wait beyond it', async () => {
    standIn.faults.delay('BatchWriteRow', 100);
    const w = writer({ concurrency: 10, queueSize: 200 });
    // 12 writers of 50 rows (one request each): only 4 requests' rows fit the queue, although 10 could be in flight.
    expect((await Promise.all(range(0, 12).map((k) => w.write(range(50 * k, 50).map((i) => put(i)))))).flat()).toEqual([]);
    expect(standIn.batchWriteRowsInFlight).toEqual({ now: 0, max: 200 });
    expect(standIn.inFlight.BatchWriteRow).toEqual({ now: 0, max: 4 });

    // Rows waiting to be sent again keep their room: with retries, still never more than 200 rows out.
    standIn.faults.failRows('t', 150, 'OTSServerBusy');
    const before = served().written;
    expect((await Promise.all(range(0, 12).map((k) => w.write(range(1000 + 50 * k, 50).map((i) => put(i)))))).flat()).toEqual([]);
    expect(standIn.batchWriteRowsInFlight.max).toBe(200);
    expect(served().written - before).toBe(600);

    // One large write: one 200-row request at a time.
    expect(await w.write(range(2000, 1000).map((i) => put(i)))).toEqual([]);
    expect(standIn.batchWriteRowsInFlight.max).toBe(200);
    expect((await readTable(client, 't')).length).toBe(2200);
  });
});
