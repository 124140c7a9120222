/**
 * Test-only: the row images of a MySQL binlog file (v4) read straight from its bytes, each cell as its
 * raw bytes — enough to pin values in the real binlog fixtures without a server. It knows the event
 * framing and the few column types the fixture tables use; any other type is refused by name.
 *
 * Layout (MySQL sql/log_event.cc, libbinlogevents): magic 0xfe 'bin'; each event a 19-byte header
 * (timestamp 4, type 1, server id 4, event size 4, next position 4, flags 2) and a body, with a
 * 4-byte CRC32 at the end when the FORMAT_DESCRIPTION event says so (its last 5 bytes: algorithm
 * byte, CRC). TABLE_MAP (19): table id 6, flags 2, schema and table names (length byte, name, 0),
 * column count, types, metadata. ROWS v2 (30 write, 31 update, 32 delete): table id 6, flags 2,
 * extra-data length 2 (counting itself), column count, present-columns bitmap(s), then row images:
 * a null bitmap over the present columns, the values.
 */

export interface RowsEvent {
  /** The event's offset in the file. */
  readonly pos: number;
  readonly type: 'write' | 'update' | 'delete';
  readonly table: string;
  /** Row images in event order (an update: before, after); a cell is its value's bytes, null for NULL. */
  readonly images: readonly (readonly (Buffer | null)[])[];
}

interface TableMap {
  readonly table: string;
  readonly types: readonly number[];
  readonly meta: readonly number[];
}

const ROWS = new Map<number, RowsEvent['type']>([[30, 'write'], [31, 'update'], [32, 'delete']]);

export function rowsEvents(file: Buffer): RowsEvent[] {
  if (file.readUInt32BE(0) !== 0xfe62696e) throw new Error('not a binlog file: no 0xfe "bin" magic');
  const tables = new Map<number, TableMap>();
  const out: RowsEvent[] = [];
  let checksum = 0;
  for (let pos = 4; pos + 19 <= file.length; ) {
    const type = file[pos + 4]!;
    const size = file.readUInt32LE(pos + 9);
    if (type === 15) checksum = file[pos + size - 5] === 1 ? 4 : 0;
    const body = file.subarray(pos + 19, pos + size - (type === 15 ? 0 : checksum));
    if (type === 19) tables.set(body.readUIntLE(0, 6), tableMap(body));
    const kind = ROWS.get(type);
    if (kind) {
      const map = tables.get(body.readUIntLE(0, 6));
      if (!map) throw new Error(`ROWS event at ${pos} before its TABLE_MAP`);
      out.push({ pos, type: kind, table: map.table, images: rowImages(body, map, kind === 'update') });
    }
    pos += size;
  }
  return out;
}

function tableMap(body: Buffer): TableMap {
  let o = 8;
  const schema = body.toString('utf8', o + 1, o + 1 + body[o]!);
  o += body[o]! + 2;
  const table = body.toString('utf8', o + 1, o + 1 + body[o]!);
  o += body[o]! + 2;
  const n = body[o++]!; // the fixture tables have fewer than 251 columns: a one-byte count
  const types = [...body.subarray(o, o + n)];
  o += n + 1; // and less than 251 bytes of metadata
  const meta = types.map((t) => {
    const size = metadataSize(t);
    const v = size === 0 ? 0 : body.readUIntLE(o, size);
    o += size;
    return v;
  });
  return { table: `${schema}.${table}`, types, meta };
}

/** Metadata bytes per column type (log_event.cc Table_map_log_event::save_field_metadata), for the fixtures' types. */
function metadataSize(type: number): number {
  if (type === 3) return 0; // INT
  if (type === 245) return 1; // JSON: length bytes
  if (type === 15) return 2; // VARCHAR: max length in bytes
  throw new Error(`column type ${type} is not one the fixture tables use`);
}

function rowImages(body: Buffer, map: TableMap, update: boolean): (Buffer | null)[][] {
  let o = 8 + body.readUInt16LE(8);
  const n = body[o++]!;
  const bitmapBytes = (n + 7) >> 3;
  const present = [body.subarray(o, o + bitmapBytes)];
  o += bitmapBytes;
  if (update) present.push(body.subarray(o, (o += bitmapBytes)));
  const images: (Buffer | null)[][] = [];
  for (let i = 0; o < body.length; i++) {
    const [image, next] = rowImage(body, o, map, present[i % present.length]!);
    images.push(image);
    o = next;
  }
  return images;
}

function rowImage(body: Buffer, at: number, map: TableMap, present: Buffer): [(Buffer | null)[], number] {
  const columns = map.types.map((_, i) => (present[i >> 3]! & (1 << (i & 7))) !== 0);
  const nulls = body.subarray(at, at + ((columns.filter(Boolean).length + 7) >> 3));
  let o = at + nulls.length;
  let bit = 0;
  const cells = columns.map((isPresent, i): Buffer | null => {
    if (!isPresent) return null;
    const isNull = (nulls[bit >> 3]! & (1 << (bit & 7))) !== 0;
    bit++;
    if (isNull) return null;
    const [start, end] = valueSpan(body, o, map.types[i]!, map.meta[i]!);
    o = end;
    return body.subarray(start, end);
  });
  return [cells, o];
}

/** Where a value's bytes lie (without its length prefix). */
function valueSpan(body: Buffer, at: number, type: number, meta: number): [number, number] {
  if (type === 3) return [at, at + 4];
  const lengthBytes = type === 245 ? meta : meta > 255 ? 2 : 1;
  const start = at + lengthBytes;
  return [start, start + body.readUIntLE(at, lengthBytes)];
}
