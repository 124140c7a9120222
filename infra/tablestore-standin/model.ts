/**
 * The wide-column data model: typed values, cells, rows, and Tablestore's ordering of primary keys
 * (in schema order; INTEGER as signed int64, STRING and BINARY bytewise on their UTF-8/raw bytes).
 */
export type PrimaryKeyType = 'INTEGER' | 'STRING' | 'BINARY';

export type Value =
  | { readonly type: 'INTEGER'; readonly value: bigint }
  | { readonly type: 'DOUBLE'; readonly value: number }
  | { readonly type: 'BOOLEAN'; readonly value: boolean }
  | { readonly type: 'STRING'; readonly value: string }
  | { readonly type: 'BINARY'; readonly value: Buffer };

export type PrimaryKeyValue = Extract<Value, { readonly type: PrimaryKeyType }>;

/** A primary-key column of a range bound may also be one of the infinities. */
export type BoundValue = PrimaryKeyValue | { readonly type: 'INF_MIN' } | { readonly type: 'INF_MAX' };

export interface PrimaryKeySchemaColumn {
  readonly name: string;
  readonly type: PrimaryKeyType;
}

export interface Cell {
  readonly value: Value;
  /** Version of the cell, milliseconds since the epoch. */
  readonly timestamp: number;
}

/** One stored row: its primary-key values in schema order and its attribute cells (one version each). */
export interface Row {
  readonly primaryKey: readonly PrimaryKeyValue[];
  readonly cells: ReadonlyMap<string, Cell>;
}

/** Orders two values of the same type; values of different types are incomparable (undefined). */
export function compareValues(a: Value, b: Value): number | undefined {
  if (a.type !== b.type) return undefined;
  switch (a.type) {
    case 'INTEGER':
      return sign(Number(a.value - (b.value as bigint)));
    case 'DOUBLE':
      return a.value === b.value ? 0 : a.value < (b.value as number) ? -1 : 1;
    case 'BOOLEAN':
      return sign(Number(a.value) - Number(b.value as boolean));
    case 'STRING':
      return Buffer.compare(Buffer.from(a.value, 'utf8'), Buffer.from(b.value as string, 'utf8'));
    case 'BINARY':
      return Buffer.compare(a.value, b.value as Buffer);
  }
}

/** Orders two keys column by column; INF_MIN sorts before and INF_MAX after every value. */
export function compareKeys(a: readonly BoundValue[], b: readonly BoundValue[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareBound(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return sign(a.length - b.length);
}

function compareBound(a: BoundValue, b: BoundValue): number {
  const rank = (v: BoundValue): number => (v.type === 'INF_MIN' ? -1 : v.type === 'INF_MAX' ? 1 : 0);
  if (rank(a) !== 0 || rank(b) !== 0) return sign(rank(a) - rank(b));
  // Both are values of the column's schema type (validated on the way in).
  return compareValues(a as PrimaryKeyValue, b as PrimaryKeyValue) ?? 0;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** How a value is named in the service's messages ("Validate PK type fail. Input: VT_STRING, ..."). */
export function variantTypeName(type: Value['type']): string {
  return type === 'BINARY' ? 'VT_BLOB' : `VT_${type}`;
}
