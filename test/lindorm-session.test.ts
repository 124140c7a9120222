/**
 * Lindorm sessions against the stand-in (mysql2 over the MySQL protocol): the session set-up read back,
 * errors naming the endpoint and the fix, a connection the server closed while idle replaced unseen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLindormStandIn, type LindormStandIn } from '../infra/lindorm-standin/index.ts';
import type { LindormDestinationConfig } from '../shared/destinations/lindorm/config.ts';
import { LindormSessions } from '../shared/destinations/lindorm/lindorm-session.ts';

let standIn: LindormStandIn;
let config: LindormDestinationConfig;

beforeAll(async () => {
  standIn = await startLindormStandIn({ password: 'session-pw', limits: { idleMs: 300 } });
  config = { type: 'lindorm', host: standIn.host, port: standIn.port, user: standIn.user, password: 'session-pw', database: 'default', ssl: false, timeZone: '+05:30' };
});

afterAll(async () => {
  await standIn?.close();
});

describe('LindormSessions', () => {
  it('sets the session time zone and turns backslash escapes off, and knows it', async () => {
    const sessions = await LindormSessions.open(config, 2);
    expect(await sessions.query('SELECT @@time_zone AS tz, @@sql_mode AS mode')).toEqual([{ tz: '+05:30', mode: 'NO_BACKSLASH_ESCAPES' }]);
    expect(sessions.literals).toEqual({ timeZone: '+05:30', backslashEscapes: false });
    await sessions.close();
  });

  it('names a wrong password, a missing namespace, TLS the server does not speak, and nothing listening', async () => {
    await expect(LindormSessions.open({ ...config, password: 'wrong' })).rejects.toMatchObject({ code: 'AUTH_FAILED', message: `Lindorm ${standIn.host}:${standIn.port}: access denied for user "root" (wrong password or no such account)` });
    await expect(LindormSessions.open({ ...config, database: 'nosuchns' })).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND', fix: 'create it (CREATE DATABASE nosuchns) or set destination.database to an existing namespace' });
    await expect(LindormSessions.open({ ...config, ssl: true })).rejects.toMatchObject({ code: 'CONNECTION_FAILED', fix: expect.stringContaining('set destination.ssl: false') });
    const closed = await startLindormStandIn({ password: 'x' });
    const port = closed.port;
    await closed.close();
    await expect(LindormSessions.open({ ...config, port })).rejects.toMatchObject({ code: 'CONNECTION_FAILED', message: expect.stringContaining('connection refused') });
  });

  it('replaces a connection the server closed while it was idle (Lindorm closes them after 10 minutes)', async () => {
    const sessions = await LindormSessions.open(config, 1);
    const before = standIn.counters.connections;
    await new Promise((r) => setTimeout(r, 700));
    expect(await sessions.query('SELECT 1 AS one')).toEqual([{ one: '1' }]);
    expect(standIn.counters.connections).toBe(before + 1);
    await sessions.close();
  });
});
