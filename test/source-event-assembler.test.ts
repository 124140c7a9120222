/**
 * SourceEventAssembler on events it must refuse rather than skip. (Its positions, names and values are
 * pinned through the real reader in binlog-reader.test.ts and binlog-replay-server.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { BinlogDecodeError, type SourceEvent } from '../shared/binlog/binlog-reader.ts';
import type { OtherEvent } from '../shared/binlog/events/binlog-event.ts';
import { SourceEventAssembler } from '../shared/binlog/source-event-assembler.ts';

function assembler(events: SourceEvent[]): SourceEventAssembler {
  const a = new SourceEventAssembler({ wantsStatement: () => true, emit: (e) => events.push(e), decodeError: (m, f) => new BinlogDecodeError(m, f) });
  a.enterFile('mariadb-bin.000003', 3);
  return a;
}

const other = (type: number, typeName: string): OtherEvent => ({ kind: 'other', typeName, pos: { offset: 400 }, header: { timestamp: 1, type, serverId: 1, eventSize: 60, endPosition: 460, flags: 0 } });

describe('SourceEventAssembler', () => {
  it('refuses a MariaDB compressed row event (log_bin_compress=ON) instead of skipping its changes', () => {
    const events: SourceEvent[] = [];
    const a = assembler(events);
    for (const [type, name] of [[166, 'WRITE_ROWS_COMPRESSED'], [169, 'WRITE_ROWS_COMPRESSED_V1'], [165, 'QUERY_COMPRESSED']] as const) {
      expect(() => a.accept(other(type, name), { offset: 400, row: 0, end: 460 })).toThrow(BinlogDecodeError);
    }
    expect(() => a.accept(other(169, 'WRITE_ROWS_COMPRESSED_V1'), { offset: 400, row: 0, end: 460 })).toThrow(/mariadb-bin\.000003:400 \(log_bin_compress=ON\)/);
    expect(events).toEqual([]);
  });

  it('skips the events that carry no change (an Aurora padding event) and ends a transaction at XA PREPARE', () => {
    const events: SourceEvent[] = [];
    const a = assembler(events);
    a.accept(other(100, 'unknown (100)'), { offset: 400, row: 0, end: 460 });
    expect(events).toEqual([]);
    a.accept(other(38, 'XA_PREPARE'), { offset: 400, row: 0, end: 460 });
    expect(events).toEqual([{ kind: 'commit', pos: { file: 3, offset: 400, row: 0 }, ts: 1, next: { file: 'mariadb-bin.000003', offset: 460 } }]);
  });
});
