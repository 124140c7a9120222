/**
 * Sessions with LindormTable over the MySQL protocol: a mysql2 pool of text-protocol connections in the
 * task's namespace, each set up once (TIME_ZONE, backslash handling) before its first statement, closed
 * by the pool after 5 idle minutes (Lindorm closes a connection idle for 10), and statements retried
 * when Lindorm says it is busy or the connection is lost.
 *
 * mysql2 never formats our SQL (literals are rendered by lindorm-literals.ts) and never prepares it:
 * whether Lindorm's MySQL endpoint takes COM_STMT_PREPARE is undocumented.
 */
import mysql from 'mysql2/promise';
import type { Pool, PoolConnection, PoolOptions } from 'mysql2/promise';
import { FcDtsError } from '../../errors.ts';
import { isConnectionLost } from '../../mysql/connection.ts';
import type { LindormDestinationConfig } from './config.ts';
import type { LiteralSession } from './lindorm-literals.ts';

/** Idle pooled connections are closed before Lindorm's own 10-minute idle close can catch one mid-use. */
const IDLE_CLOSE_MS = 5 * 60_000;
const ATTEMPTS = 5;

interface LindormErrorLike { code?: string; errno?: number; sqlMessage?: string; message?: string }

/** Lindorm's own refusal (HBase's DoNotRetryIOException), the same on every attempt. */
export function isLindormRefusal(e: unknown): boolean {
  return /^DoNotRetryIOException\b/.test((e as LindormErrorLike).sqlMessage ?? '');
}

/** Worth another attempt: the server is busy or unavailable for a moment, or the connection is gone. */
export function isLindormTransient(e: unknown): boolean {
  const text = (e as LindormErrorLike).sqlMessage ?? '';
  return isConnectionLost(e) || /^(ServerBusyException|RegionTooBusyException|NotServingRegionException|RegionOfflineException|RetriesExhaustedException)\b/.test(text);
}

/** The server's message of a failed statement. */
export function lindormMessage(e: unknown): string {
  const err = e as LindormErrorLike;
  return err.sqlMessage ?? err.message ?? String(e);
}

export function lindormPoolOptions(config: LindormDestinationConfig, connections: number): PoolOptions {
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    // Lindorm takes TLS 1.2 only (MySQL-protocol development instructions).
    ...(config.ssl ? { ssl: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } } : {}),
    connectTimeout: 10_000,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
    queryFormat: (sql: string) => sql,
    connectionLimit: connections,
    maxIdle: 0,
    idleTimeout: IDLE_CLOSE_MS,
  };
}

/** A failure to reach or log in to Lindorm, naming the endpoint and the fix. */
export function lindormConnectionError(config: LindormDestinationConfig, e: unknown): FcDtsError {
  const err = e as LindormErrorLike;
  const at = `Lindorm ${config.host}:${config.port}`;
  if (err.errno === 1045) return new FcDtsError('AUTH_FAILED', `${at}: access denied for user "${config.user}" (wrong password or no such account)`, 'check destination.user and destination.password (the LindormTable account, not the console account)', { cause: e });
  if (err.errno === 1049) return new FcDtsError('OBJECT_NOT_FOUND', `${at}: namespace "${config.database}" does not exist`, `create it (CREATE DATABASE ${config.database}) or set destination.database to an existing namespace`, { cause: e });
  if (err.code === 'ECONNREFUSED') return new FcDtsError('CONNECTION_FAILED', `${at}: connection refused`, 'check destination.host and destination.port (33060, with MySQL compatibility enabled on the instance) and the instance whitelist', { cause: e });
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new FcDtsError('CONNECTION_FAILED', `${at}: host name does not resolve`, 'check destination.host', { cause: e });
  if (err.code === 'ETIMEDOUT') return new FcDtsError('CONNECTION_FAILED', `${at}: connection timed out`, 'check destination.host, destination.port and the instance whitelist', { cause: e });
  if (/SSL|TLS/i.test(err.code ?? '') || /SSL|TLS/.test(err.message ?? '')) return new FcDtsError('CONNECTION_FAILED', `${at}: TLS failed (${lindormMessage(e)})`, 'set destination.ssl: false, or enable TLS on the instance (Lindorm takes TLS 1.2)', { cause: e });
  return new FcDtsError('CONNECTION_FAILED', `${at}: cannot connect (${err.code ?? ''} ${lindormMessage(e)})`.replace('( ', '('), 'check the destination settings in the task file', { cause: e });
}

/** A pool of set-up Lindorm sessions. */
export class LindormSessions {
  private readonly ready = new WeakSet<object>();
  private literalSession: LiteralSession | undefined;

  private constructor(
    private readonly pool: Pool,
    readonly config: LindormDestinationConfig,
  ) {}

  /** Opens the pool and one session, so a wrong endpoint or account fails here, named. */
  static async open(config: LindormDestinationConfig, connections = 1): Promise<LindormSessions> {
    const pool = mysql.createPool(lindormPoolOptions(config, connections));
    pool.on('connection', (c) => c.on('error', () => {})); // a dropped idle connection surfaces on its next statement
    const sessions = new LindormSessions(pool, config);
    try {
      await sessions.run(async () => {});
    } catch (e) {
      await pool.end().catch(() => {});
      throw e instanceof FcDtsError ? e : lindormConnectionError(config, e);
    }
    return sessions;
  }

  /** How literals are written in these sessions (known once the first session is set up). */
  get literals(): LiteralSession {
    if (!this.literalSession) throw new Error('no Lindorm session set up yet');
    return this.literalSession;
  }

  /** Runs one statement, retried on transient failures; rows of a SELECT come back as objects. */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    return this.run(async (c) => {
      const [rows] = await c.query(sql);
      return (Array.isArray(rows) ? rows : []) as T[];
    });
  }

  /**
   * Runs `body` on a set-up session. A transient failure runs it again (on a new connection when the old
   * one is gone), up to 5 attempts: `body` must be safe to repeat (every fc-dts write is idempotent).
   */
  async run<T>(body: (c: PoolConnection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let c: PoolConnection | undefined;
      let lost = false;
      try {
        c = await this.pool.getConnection();
        await this.setUp(c);
        return await body(c);
      } catch (e) {
        lost = isConnectionLost(e);
        if (!isLindormTransient(e) || attempt >= ATTEMPTS) throw e;
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2_000)));
      } finally {
        if (c && lost) c.destroy();
        else c?.release();
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }

  /**
   * Once per connection: the session TIME_ZONE the TIMESTAMP literals are written in, and backslashes
   * as plain characters where the server lets us turn escapes off (SQL ≥ 2.8.4.8). Whether they are
   * escapes is then read back from the server itself, so literals are right on every version.
   */
  private async setUp(c: PoolConnection): Promise<void> {
    if (this.ready.has(c.connection)) return;
    await c.query(`SET TIME_ZONE = '${this.config.timeZone}'`);
    await c.query("SET SQL_MODE = 'NO_BACKSLASH_ESCAPES'").catch((e: unknown) => {
      if (isConnectionLost(e)) throw e;
    });
    const [rows] = await c.query("SELECT 'a\\\\b' AS probe");
    const probe = String((rows as Array<{ probe: unknown }>)[0]?.probe ?? '');
    this.literalSession = { timeZone: this.config.timeZone, backslashEscapes: probe === 'a\\b' };
    this.ready.add(c.connection);
  }
}
