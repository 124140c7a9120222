/**
 * What the stand-in was asked, for tests: requests per operation, refusals, each BatchWriteRow's rows and
 * bytes, requests and rows in flight.
 */
import type { OtsError, OtsErrorCode } from './errors.ts';
import type { BatchWriteHooks } from './row-operations.ts';

/** How many BatchWriteRow records the stand-in keeps at most (the older half goes when they are reached). */
const BATCH_WRITES_KEPT = 100_000;

/** One BatchWriteRow request as the stand-in received and answered it. */
export interface BatchWriteRecord {
  /** Rows in the request, all tables together (0 when refused before it was decoded: undecodable, or an injected fault). */
  readonly rows: number;
  /** Size of the request body on the wire (protobuf), in bytes. */
  readonly bodyBytes: number;
  /** The rows' data size as the service's 4 MB limit counts it; undefined when refused before it was measured. */
  readonly dataBytes: number | undefined;
  /** Rows answered with an error in the per-row results (not written). */
  readonly failedRows: number;
  /** The error code when the request was refused as a whole; undefined when it was answered per row. */
  readonly rejected: OtsErrorCode | undefined;
}

export interface InFlight {
  /** Right now. */
  readonly now: number;
  /** The most at once so far. */
  readonly max: number;
}

class Gauge implements InFlight {
  now = 0;
  max = 0;
  add(n: number): void {
    this.now += n;
    if (this.now > this.max) this.max = this.now;
  }
}

type MutableRecord = { -readonly [K in keyof BatchWriteRecord]: BatchWriteRecord[K] };

type Answer = { body: Uint8Array } | { error: unknown };

export class RequestLog {
  /** Requests that reached their operation, per operation. */
  readonly requests: Record<string, number> = {};
  /** Requests answered with an error status, per operation. */
  readonly rejected: Record<string, number> = {};
  readonly batchWrites: MutableRecord[] = [];
  /** Requests between arrival and answer, per operation. */
  readonly inFlight: Record<string, Gauge> = {};
  readonly batchWriteRowsInFlight = new Gauge();
  // The BatchWriteRow being handled: handlers run synchronously, so the hooks always report on it.
  private current: MutableRecord | undefined;

  /** What BatchWriteRow reports of the request being handled. */
  readonly hooks: Pick<BatchWriteHooks, 'decoded' | 'measured' | 'answered'> = {
    decoded: (rows) => void (this.current && (this.current.rows = rows)),
    measured: (bytes) => void (this.current && (this.current.dataBytes = bytes)),
    answered: (failed) => void (this.current && (this.current.failedRows = failed)),
  };

  /** The server's view: a request of `operation` arrived; the function returned is told its answer's HTTP status. */
  arrived(operation: string): (status: number) => void {
    const gauge = (this.inFlight[operation] ??= new Gauge());
    gauge.add(1);
    return (status) => {
      gauge.add(-1);
      if (status !== 200 && status !== 0) this.rejected[operation] = (this.rejected[operation] ?? 0) + 1;
    };
  }

  /**
   * Handles a request of `operation` at once (`handle` runs synchronously) and records it. Returns its answer,
   * to be taken when it is given: until then the request's rows count as in flight.
   */
  handle(operation: string, body: Uint8Array, handle: () => Uint8Array): () => Uint8Array {
    this.requests[operation] = (this.requests[operation] ?? 0) + 1;
    const record = operation === 'BatchWriteRow' ? this.recordBatchWrite(body.length) : undefined;
    const answer = this.run(record, handle);
    const rows = record?.rows ?? 0;
    this.batchWriteRowsInFlight.add(rows);
    return () => {
      this.batchWriteRowsInFlight.add(-rows);
      if ('error' in answer) throw answer.error;
      return answer.body;
    };
  }

  private recordBatchWrite(bodyBytes: number): MutableRecord {
    const record: MutableRecord = { rows: 0, bodyBytes, dataBytes: undefined, failedRows: 0, rejected: undefined };
    // A long-running stand-in (npm run stand-ins) keeps the recent requests only.
    if (this.batchWrites.length >= BATCH_WRITES_KEPT) this.batchWrites.splice(0, BATCH_WRITES_KEPT / 2);
    this.batchWrites.push(record);
    return record;
  }

  private run(record: MutableRecord | undefined, handle: () => Uint8Array): Answer {
    this.current = record;
    try {
      return { body: handle() };
    } catch (error) {
      if (record) record.rejected = (error as Partial<OtsError>).code ?? 'OTSInternalServerError';
      return { error };
    } finally {
      this.current = undefined;
    }
  }
}
