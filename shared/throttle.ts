/**
 * Rate limits of the product's throttling settings (source QPS, rows/s, MB/s). A virtual-clock token
 * bucket (GCRA): each take reserves its share of time, so concurrent workers queue fairly and a
 * burst of at most one second's worth passes at once.
 */
export class RateLimiter {
  private at = Number.NEGATIVE_INFINITY;

  constructor(private readonly perSecond: number) {}

  async take(amount: number): Promise<void> {
    const now = performance.now();
    this.at = Math.max(this.at, now - 1000) + (amount / this.perSecond) * 1000;
    const wait = this.at - now;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

export interface ThrottleSettings {
  readonly sourceQps?: number;
  readonly rps?: number;
  readonly mbps?: number;
}

/** The full-load throttles as one object; absent settings cost nothing. */
export class Throttle {
  private readonly qps?: RateLimiter;
  private readonly rows?: RateLimiter;
  private readonly bytes?: RateLimiter;

  constructor(s: ThrottleSettings) {
    if (s.sourceQps) this.qps = new RateLimiter(s.sourceQps);
    if (s.rps) this.rows = new RateLimiter(s.rps);
    if (s.mbps) this.bytes = new RateLimiter(s.mbps * 1024 * 1024);
  }

  /** Whether a rows/s or MB/s limit is set. */
  get active(): boolean {
    return this.rows !== undefined || this.bytes !== undefined;
  }

  /** Before each query sent to the source. */
  beforeQuery = async (): Promise<void> => {
    await this.qps?.take(1);
  };

  /** Before writing `rows` rows of `bytes` bytes. */
  async beforeWrite(rows: number, bytes: number): Promise<void> {
    await Promise.all([this.rows?.take(rows), this.bytes?.take(bytes)]);
  }
}
