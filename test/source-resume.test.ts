/**
 * Resuming after a primary/secondary switchover: the checkpoint names its server and keeps the MySQL
 * GTID set before it (CheckpointTracker), a source that is another server is resumed by GTID in a new
 * epoch (planRead), and the real BinlogReader does it over two binlog replay servers serving the same
 * MySQL 8.0.28 transactions under other file names (rmc--mysql-enum-string-set.000001, GTIDs 1–5).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BinlogReader, type SourceEvent } from '../shared/binlog/binlog-reader.ts';
import { GtidSet } from '../shared/binlog/gtid-set.ts';
import { comparePositions, EPOCH_STRIDE, type BinlogStart, type SourceCheckpoint } from '../shared/change/position.ts';
import { CheckpointTracker } from '../shared/incremental/checkpoint-tracker.ts';
import { planRead, readStartOn } from '../shared/incremental/source-resume.ts';
import { readBinlogFixture } from './helpers/binlog-fixtures.ts';
import { BinlogReplayServer } from './helpers/binlog-replay-server.ts';

const UUID = '93e95066-a2f4-11ec-9b69-9657f0ae95e2';
const OLD_PRIMARY = '11111111-1111-1111-1111-111111111111';
const NEW_PRIMARY = '22222222-2222-2222-2222-222222222222';

describe('GtidSet', () => {
  it('parses, adds, prints and encodes a set as MySQL does', () => {
    const set = GtidSet.parse(`${UUID}:1-3:5, ${OLD_PRIMARY}:7`);
    set.add(`${UUID}:4`);
    set.add(`${OLD_PRIMARY}:8`);
    expect(set.toString()).toBe(`${OLD_PRIMARY}:7-8,${UUID}:1-5`);
    expect(set.has(`${UUID}:5`)).toBe(true);
    expect(set.has(`${UUID}:6`)).toBe(false);
    // Gtid_set::encode: count, then per UUID its bytes, its interval count and [start, end) pairs.
    const bytes = GtidSet.parse(`${UUID}:1-3`).encode();
    expect(bytes.toString('hex')).toBe(`0100000000000000${UUID.replace(/-/g, '')}010000000000000001000000000000000400000000000000`);
    expect(() => GtidSet.parse('not-a-uuid:1')).toThrow(/not uuid:interval/);
    expect(() => GtidSet.parse(`${UUID}:5-3`)).toThrow(/empty range/);
  });
});

describe('CheckpointTracker with GTIDs', () => {
  const point = (offset: number) => ({ file: 'binlog.000001', offset });
  const source = { origin: { server: OLD_PRIMARY, epoch: 0 }, current: { server: OLD_PRIMARY, epoch: 0 }, gtidExecuted: `${UUID}:1-2` };

  it('adds a transaction to the set only once the checkpoint has passed it, in binlog order', () => {
    const tracker = new CheckpointTracker(point(100), undefined, source);
    const pending = tracker.transaction(point(100), 1);
    pending.pending = 1;
    tracker.commit(point(200), 1, `${UUID}:3`);
    // Nothing to apply, but behind the pending one.
    tracker.commit(point(300), 2, `${UUID}:4`);
    expect(tracker.sourceCheckpoint).toEqual({ file: 'binlog.000001', offset: 100, server: OLD_PRIMARY, epoch: 0, gtidExecuted: `${UUID}:1-2` });
    tracker.applied(pending, 1);
    expect(tracker.sourceCheckpoint).toEqual({ file: 'binlog.000001', offset: 300, server: OLD_PRIMARY, epoch: 0, gtidExecuted: `${UUID}:1-4` });
  });

  it('keeps the start point\'s server until a position of the server being read replaces it', () => {
    const tracker = new CheckpointTracker(point(100), undefined, { ...source, current: { server: NEW_PRIMARY, epoch: 1 } });
    expect(tracker.sourceCheckpoint).toMatchObject({ offset: 100, server: OLD_PRIMARY, epoch: 0 });
    expect(tracker.onCurrentSource).toBe(false);
    tracker.idle({ file: 'mysql-bin.000007', offset: 4 });
    expect(tracker.sourceCheckpoint).toMatchObject({ file: 'mysql-bin.000007', offset: 4, server: NEW_PRIMARY, epoch: 1, gtidExecuted: `${UUID}:1-2` });
    expect(tracker.onCurrentSource).toBe(true);
  });
});

describe('planRead: which server, which start', () => {
  const endpoint = { host: '127.0.0.1', port: 3306, user: 'u', password: 'p', ssl: false };
  const cp: SourceCheckpoint = { file: 'binlog.000001', offset: 1560, server: OLD_PRIMARY, epoch: 0, gtidExecuted: `${UUID}:1-3` };

  it('resumes by file and offset on the same server, or where the server has no UUID (MariaDB)', () => {
    expect(readStartOn(OLD_PRIMARY, cp, endpoint)).toMatchObject({ from: { file: 'binlog.000001', offset: 1560 }, epoch: 0 });
    expect(readStartOn(undefined, cp, endpoint)).toMatchObject({ from: { file: 'binlog.000001', offset: 1560 }, epoch: 0 });
    expect(readStartOn(OLD_PRIMARY, cp, endpoint).switchover).toBeUndefined();
  });

  it('resumes by GTID in the next epoch on another server; without a GTID set it refuses, naming both servers', () => {
    expect(readStartOn(NEW_PRIMARY, cp, endpoint)).toMatchObject({ from: { gtid: `${UUID}:1-3` }, epoch: 1, switchover: { from: OLD_PRIMARY, to: NEW_PRIMARY } });
    const { gtidExecuted: _, ...noGtids } = cp;
    expect(() => readStartOn(NEW_PRIMARY, noGtids, endpoint)).toThrow(expect.objectContaining({ code: 'STATE_INVALID', message: expect.stringContaining(`is now server ${NEW_PRIMARY}`) }));
  });
});

/** An event without where it is (position, transaction start, resume point): what two servers share. */
function withoutPlace(e: SourceEvent): Record<string, unknown> {
  const { pos: _p, txStart: _t, next: _n, ...rest } = e as SourceEvent & { pos?: unknown; txStart?: unknown; next?: unknown };
  return rest;
}

describe('switchover over two binlog replay servers (same GTIDs, other binlog files)', () => {
  const servers: BinlogReplayServer[] = [];
  const readers: BinlogReader[] = [];
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.stop()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function server(name: string, serverUuid: string): Promise<BinlogReplayServer> {
    const s = await BinlogReplayServer.start({ files: [{ name, bytes: readBinlogFixture('rmc--mysql-enum-string-set.000001') }], serverUuid });
    servers.push(s);
    return s;
  }

  const endpointOf = (s: BinlogReplayServer) => ({ host: s.host, port: s.port, user: s.user, password: s.password, ssl: false });

  async function readUntilIdle(s: BinlogReplayServer, start: BinlogStart, epoch: number): Promise<SourceEvent[]> {
    const reader = new BinlogReader({ endpoint: endpointOf(s), serverId: 4300, start, epoch, heartbeatSeconds: 0.2 });
    readers.push(reader);
    const events: SourceEvent[] = [];
    for await (const e of reader) {
      if (e.kind === 'heartbeat' && e.next.offset === s.files.at(-1)!.size) break;
      if (e.kind !== 'heartbeat') events.push(e);
    }
    return events;
  }

  it('after GTIDs 1-3 on the old primary, the new one gives 4 and 5 only, at positions after every old one', async () => {
    const old = await server('binlog.000001', OLD_PRIMARY);
    const before = await readUntilIdle(old, { file: 'binlog.000001', offset: 4 }, 0);
    const third = before.find((e) => e.kind === 'commit' && e.gtid === `${UUID}:3`);
    if (third?.kind !== 'commit') throw new Error('no commit of GTID 3');
    // What the checkpoint of a task that applied through GTID 3 holds.
    const checkpoint: SourceCheckpoint = { ...third.next, server: OLD_PRIMARY, epoch: 0, gtidExecuted: `${UUID}:1-3` };
    expect(await planRead(endpointOf(old), checkpoint)).toMatchObject({ from: { file: 'binlog.000001', offset: 1560 }, epoch: 0 });

    const promoted = await server('mysql-bin.000007', NEW_PRIMARY);
    const plan = await planRead(endpointOf(promoted), checkpoint);
    expect(plan).toMatchObject({ from: { gtid: `${UUID}:1-3` }, epoch: 1, switchover: { from: OLD_PRIMARY, to: NEW_PRIMARY } });
    const after = await readUntilIdle(promoted, plan.from, plan.epoch);

    expect(after.map((e) => (e.kind === 'rows' ? e.op : e.kind))).toEqual(['update', 'commit', 'delete', 'commit']);
    expect(after.map((e) => e.kind !== 'heartbeat' && e.gtid)).toEqual([4, 4, 5, 5].map((n) => `${UUID}:${n}`));
    // The same transactions as the old primary's 4 and 5, with the new server's file names and the next epoch's positions.
    const oldTail = before.slice(before.indexOf(third) + 1);
    expect(after.map(withoutPlace)).toEqual(oldTail.map(withoutPlace));
    expect(after.every((e) => e.kind === 'heartbeat' || e.pos.file === EPOCH_STRIDE + 7)).toBe(true);
    const newest = before.filter((e) => e.kind !== 'heartbeat').map((e) => (e as Exclude<SourceEvent, { kind: 'heartbeat' }>).pos).sort(comparePositions).at(-1)!;
    for (const e of after) if (e.kind !== 'heartbeat') expect(comparePositions(e.pos, newest)).toBeGreaterThan(0);
    expect(after.at(-1)).toMatchObject({ kind: 'commit', next: { file: 'mysql-bin.000007', offset: 3331 } });
  });
});
