/** Change batches as MNS messages: exact round trips, the 64 KB limit, cuts chained by prev, claim checks. */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ChangeBatch, RowChange } from '../shared/change/change-event.ts';
import { ClaimMissing, decodeMessage, encodeBatch, MNS_MESSAGE_BYTES, openMessage, UndecodableMessage, type PayloadStore } from '../shared/queue/batch-codec.ts';
import { sendGroups } from '../shared/queue/mns-change-queue.ts';

/** Payloads kept in memory: the store's contract (put, then get the same bytes). */
function memoryPayloads(): PayloadStore & { readonly items: Map<string, Buffer> } {
  const items = new Map<string, Buffer>();
  return { items, putPayload: async (id, data) => void items.set(id, Buffer.from(data)), getPayload: async (id) => items.get(id), deletePayload: async (id) => void items.delete(id),
    payloadIds: async (prefix) => [...items.keys()].filter((k) => k.startsWith(prefix)).sort() };
}

const table = { database: 'shop', table: 'orders' };

function change(i: number, pad: string): RowChange {
  return {
    kind: 'row', pos: { file: 3, offset: 1000 + i * 10, row: 0 }, ts: 1_700_000_000, table, key: ['id'], op: i % 3 === 0 ? 'update' : 'insert',
    before: i % 3 === 0 ? { id: i, amount: { n: '-12.50' }, note: null } : undefined,
    after: { id: i, amount: { n: '99999999999999999999.01' }, note: pad, raw: { b: Buffer.from([0, 255, i & 255]).toString('base64') }, big: { n: '18446744073709551615' } },
  };
}

async function decodeAll(bodies: readonly string[], payloads: PayloadStore): Promise<ChangeBatch[]> {
  return Promise.all(bodies.map(async (b) => (await decodeMessage(b, payloads)).batch));
}

describe('batch codec', () => {
  it('round-trips a batch exactly in one message', async () => {
    const payloads = memoryPayloads();
    const batch: ChangeBatch = { bucket: 5, prev: { file: 3, offset: 900, row: 2 }, changes: [change(1, 'café 😀'), change(3, "quote ' and \\ and <xml> & more")] };
    const bodies = await encodeBatch(batch, { task: 't1', payloads });
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatch(/^[A-Za-z0-9+/=]+$/); // XML-safe: the MNS client does not escape bodies
    const { task, batch: back } = await decodeMessage(bodies[0]!, payloads);
    expect(task).toBe('t1');
    expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(batch)));
  });

  it('cuts a large batch into messages under 64 KB chained by prev, the last one carrying through', async () => {
    const payloads = memoryPayloads();
    const changes = Array.from({ length: 600 }, (_, i) => change(i, randomBytes(600).toString('base64')));
    const through = { file: 3, offset: 999_999, row: 0 };
    const batch: ChangeBatch = { bucket: 2, prev: null, changes, through };
    const bodies = await encodeBatch(batch, { task: 't1', payloads });
    expect(bodies.length).toBeGreaterThan(5);
    for (const b of bodies) expect(Buffer.byteLength(b)).toBeLessThanOrEqual(MNS_MESSAGE_BYTES);
    const parts = await decodeAll(bodies, payloads);
    expect(parts[0]!.prev).toBeNull();
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.prev).toEqual(parts[i - 1]!.changes.at(-1)!.pos);
    expect(parts.slice(0, -1).every((p) => p.through === undefined)).toBe(true);
    expect(parts.at(-1)!.through).toEqual(through);
    expect(parts.flatMap((p) => p.changes).map((c) => c.pos.offset)).toEqual(changes.map((c) => c.pos.offset));
    expect(payloads.items.size).toBe(0);
  });

  it('stores a change too large for any message in the payload store and sends its claim check', async () => {
    const payloads = memoryPayloads();
    const huge = change(7, randomBytes(300_000).toString('base64')); // incompressible, far over 64 KB
    const batch: ChangeBatch = { bucket: 1, prev: null, changes: [change(1, 'small'), huge, change(9, 'small')] };
    const bodies = await encodeBatch(batch, { task: 't1', payloads });
    expect(payloads.items.size).toBe(1);
    expect([...payloads.items.keys()][0]).toBe('t1/1/3:1070#0');
    for (const b of bodies) expect(Buffer.byteLength(b)).toBeLessThanOrEqual(MNS_MESSAGE_BYTES);
    const parts = await decodeAll(bodies, payloads);
    expect(parts.flatMap((p) => p.changes)).toEqual(JSON.parse(JSON.stringify(batch.changes)));
    const ticket = bodies.find((b) => inflateRawSync(Buffer.from(b, 'base64')).toString().includes('"claim"'))!;
    await expect(decodeMessage(ticket, memoryPayloads(), 'm-1')).rejects.toThrow(/queue message m-1 .*claim-check payload t1\/1\/3:1070#0 is not in the state store/);
  });

  it('sends a change far over the message size by claim check at once, even one that would deflate into a message', async () => {
    const payloads = memoryPayloads();
    // 2 MB of one letter deflates to a few KB: it would fit a message, but is not packed to find out.
    const batch: ChangeBatch = { bucket: 3, prev: null, changes: [change(1, 'y'.repeat(2_000_000)), change(2, 'y'.repeat(500_000))] };
    const bodies = await encodeBatch(batch, { task: 't1', payloads });
    expect([...payloads.items.keys()]).toEqual(['t1/3/3:1010#0']);
    expect(bodies).toHaveLength(2);
    expect((await decodeAll(bodies, payloads)).flatMap((p) => p.changes)).toEqual(JSON.parse(JSON.stringify(batch.changes)));
  });

  it('opens a claim check without fetching its payload; a payload gone names the bucket and the change\'s position', async () => {
    const payloads = memoryPayloads();
    const types = { id: 'bigint', note: 'longtext' };
    const huge: RowChange = { ...change(7, randomBytes(300_000).toString('base64')), types };
    const batch: ChangeBatch = { bucket: 4, prev: { file: 3, offset: 900, row: 0 }, changes: [huge] };
    const [ticket] = await encodeBatch(batch, { task: 't1', payloads });
    const opened = await openMessage(ticket!, memoryPayloads(), 'm-2'); // an empty store: nothing fetched yet
    expect({ task: opened.task, bucket: opened.bucket, first: opened.first, claim: opened.claim }).toEqual({ task: 't1', bucket: 4, first: huge.pos, claim: 't1/4/3:1070#0' });
    const gone = await opened.load().catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ClaimMissing);
    expect(gone).toMatchObject({ claim: 't1/4/3:1070#0', bucket: 4, at: huge.pos });
    // With the payload there, the change comes back whole, its column types resolved from the message.
    expect((await decodeMessage(ticket!, payloads)).batch.changes).toEqual([JSON.parse(JSON.stringify(huge))]);
  });

  it('carries each table definition\'s column types once a message, shared again by its changes after decoding', async () => {
    const payloads = memoryPayloads();
    const orderTypes = { id: 'bigint', amount: 'decimal(22,2)', note: 'varchar(200)', raw: 'varbinary(16)', big: 'bigint unsigned' };
    const lineTypes = { id: 'int', amount: 'decimal(22,2)', note: 'text', raw: 'blob', big: 'bigint unsigned' };
    const typed = (i: number): RowChange => ({ ...change(i, `note ${i}`), types: i % 2 === 0 ? orderTypes : lineTypes });
    const batch: ChangeBatch = { bucket: 1, prev: null, changes: Array.from({ length: 2000 }, (_, i) => typed(i)) };
    const bodies = await encodeBatch(batch, { task: 't1', payloads });
    const back = (await decodeAll(bodies, payloads)).flatMap((b) => b.changes as RowChange[]);
    expect(back.map((c) => c.types)).toEqual(batch.changes.map((c) => (c as RowChange).types));
    for (const b of await decodeAll(bodies, payloads)) {
      const distinct = new Set(b.changes.map((c) => (c as RowChange).types));
      expect(distinct.size).toBeLessThanOrEqual(2);
    }
    // Each definition once a message, not once a change: the raw JSON holds as many copies as messages.
    for (const body of bodies) {
      const json = inflateRawSync(Buffer.from(body, 'base64')).toString('utf8');
      expect(json.split('"decimal(22,2)"').length - 1).toBe(2);
    }
    const inline = await encodeBatch({ ...batch, changes: batch.changes.map((c) => ({ ...c, types: undefined })) }, { task: 't1', payloads });
    expect(bodies.length).toBe(inline.length);

    const bad = JSON.parse(inflateRawSync(Buffer.from(bodies[0]!, 'base64')).toString('utf8')) as { types: unknown[] };
    bad.types = [];
    await expect(decodeMessage(deflateRawSync(Buffer.from(JSON.stringify(bad))).toString('base64'), payloads, 'm-1')).rejects.toThrow(/m-1.*column types 0/);
  });

  it('names a message that is not a change batch', async () => {
    await expect(decodeMessage('not base64 deflate!', memoryPayloads(), 'm-9')).rejects.toBeInstanceOf(UndecodableMessage);
    await expect(decodeMessage(Buffer.from('{}').toString('base64'), memoryPayloads(), 'm-9')).rejects.toThrow(/queue message m-9 is not an fc-dts change batch/);
  });

  it('groups sends by the batch limits: at most 16 messages and 64 KB a request', () => {
    const small = Array.from({ length: 40 }, (_, i) => `m${i}`);
    expect(sendGroups(small).map((g) => g.length)).toEqual([16, 16, 8]);
    const big = Array.from({ length: 5 }, () => 'x'.repeat(30_000));
    expect(sendGroups(big).map((g) => g.length)).toEqual([2, 2, 1]);
  });
});
