/**
 * Column conditions and read filters (tablestore_filter.proto): SingleColumnValueFilter and
 * CompositeColumnValueFilter, decoded from their protobuf bytes and evaluated against a row's cells.
 * A column the row lacks passes when `pass_if_missing` (sent inverted, as `filter_if_missing`); a value of
 * another type than the condition's never matches. With one version per cell, `latest_version_only` changes
 * nothing.
 */
import { parameterInvalid, unsupported } from './errors.ts';
import { checkColumnName } from './limits.ts';
import { compareValues, type Cell, type Value } from './model.ts';
import { readVariant } from './plain-buffer.ts';
import { Comparator, FilterType, LogicalOperator, filterMessages, type Filter } from './proto.ts';

export type ColumnFilter =
  | {
      readonly kind: 'single';
      readonly comparator: number;
      readonly column: string;
      readonly value: Value;
      readonly passIfMissing: boolean;
    }
  | { readonly kind: 'composite'; readonly operator: number; readonly children: readonly ColumnFilter[] };

export function decodeColumnFilter(bytes: Uint8Array): ColumnFilter {
  return fromMessage(decodeOr(() => filterMessages.Filter.decode(bytes), 'Deserialize filter failed.'));
}

function fromMessage(filter: Filter): ColumnFilter {
  switch (filter.type) {
    case FilterType.SINGLE_COLUMN_VALUE: {
      const single = decodeOr(
        () => filterMessages.SingleColumnValueFilter.decode(filter.filter),
        'Deserialize relation filter failed.',
      );
      if (!Object.values(Comparator).includes(single.comparator as never)) {
        throw parameterInvalid(`Invalid relation operator: ${single.comparator}.`);
      }
      checkColumnName(single.columnName);
      return {
        kind: 'single',
        comparator: single.comparator,
        column: single.columnName,
        value: readVariant(single.columnValue),
        passIfMissing: !single.filterIfMissing,
      };
    }
    case FilterType.COMPOSITE_COLUMN_VALUE: {
      const composite = decodeOr(
        () => filterMessages.CompositeColumnValueFilter.decode(filter.filter),
        'Deserialize composite filter failed.',
      );
      const children = composite.subFilters.map(fromMessage);
      if (composite.combinator === LogicalOperator.NOT) {
        if (children.length !== 1) throw parameterInvalid('Invalid NOT operator: the number of sub-filters must be 1.');
      } else if (composite.combinator === LogicalOperator.AND || composite.combinator === LogicalOperator.OR) {
        if (children.length < 2) throw parameterInvalid('Invalid AND/OR operator: the number of sub-filters must be 2.');
      } else {
        throw parameterInvalid(`Invalid relation operator: ${composite.combinator}.`);
      }
      return { kind: 'composite', operator: composite.combinator, children };
    }
    case FilterType.COLUMN_PAGINATION:
      throw unsupported('ColumnPaginationFilter');
    default:
      throw parameterInvalid(`Invalid type of filter: ${filter.type}.`);
  }
}

/** Evaluates a filter on a row's cells (`undefined` for a row that does not exist). */
export function matches(filter: ColumnFilter, cells: ReadonlyMap<string, Cell> | undefined): boolean {
  if (filter.kind === 'composite') {
    if (filter.operator === LogicalOperator.NOT) return !matches(filter.children[0]!, cells);
    if (filter.operator === LogicalOperator.AND) return filter.children.every((c) => matches(c, cells));
    return filter.children.some((c) => matches(c, cells));
  }
  const cell = cells?.get(filter.column);
  if (!cell) return filter.passIfMissing;
  const order = compareValues(cell.value, filter.value);
  if (order === undefined) return false;
  switch (filter.comparator) {
    case Comparator.EQUAL:
      return order === 0;
    case Comparator.NOT_EQUAL:
      return order !== 0;
    case Comparator.GREATER_THAN:
      return order > 0;
    case Comparator.GREATER_EQUAL:
      return order >= 0;
    case Comparator.LESS_THAN:
      return order < 0;
    default:
      return order <= 0;
  }
}

function decodeOr<T>(decode: () => T, message: string): T {
  try {
    return decode();
  } catch {
    throw parameterInvalid(message);
  }
}
