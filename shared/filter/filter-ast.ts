/** The filter AST that parsing produces and that rendering and evaluation walk. */

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | '<=>';
export type ArithOp = '+' | '-' | '*' | '/' | 'DIV' | '%';
export type LogicalOp = 'AND' | 'OR' | 'XOR';
export type FunctionName =
  | 'LOWER'
  | 'UPPER'
  | 'LENGTH'
  | 'CHAR_LENGTH'
  | 'CONCAT'
  | 'COALESCE'
  | 'IFNULL'
  | 'ABS'
  | 'SUBSTRING'
  | 'ROUND'
  | 'FLOOR'
  | 'CEIL';

/**
 * The filter AST. Operators are normalised (`!=` → `<>`, `MOD` → `%`, `&&`/`||`/`!` → AND/OR/NOT);
 * number literals keep their text so that integers of any size and decimals stay exact.
 */
export type FilterNode =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  /** `approximate` is true for exponent notation (a DOUBLE in MySQL); otherwise the value is an exact decimal. */
  | { readonly kind: 'number'; readonly text: string; readonly approximate: boolean }
  | { readonly kind: 'string'; readonly value: string }
  /**
   * Upper-case hex digits, even count. The form is kept because MariaDB reads X'0A' as a string even in a
   * numeric context (10 = X'0A' is false) while 0x0A is the number 10 there, as in MySQL.
   */
  | { readonly kind: 'hex'; readonly hex: string; readonly form: '0x' | "X''" }
  | { readonly kind: 'temporal'; readonly type: 'DATE' | 'TIMESTAMP'; readonly value: string }
  /** `name` is the column's real spelling in the source table. */
  | { readonly kind: 'column'; readonly name: string }
  | { readonly kind: 'negate'; readonly operand: FilterNode }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  | { readonly kind: 'logical'; readonly op: LogicalOp; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'arith'; readonly op: ArithOp; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'is'; readonly operand: FilterNode; readonly test: 'NULL' | 'TRUE' | 'FALSE'; readonly negated: boolean }
  | { readonly kind: 'in'; readonly operand: FilterNode; readonly list: readonly FilterNode[]; readonly negated: boolean }
  | {
      readonly kind: 'between';
      readonly operand: FilterNode;
      readonly low: FilterNode;
      readonly high: FilterNode;
      readonly negated: boolean;
    }
  /** `escape` is null when no ESCAPE clause was given (the escape character is then backslash). */
  | {
      readonly kind: 'like';
      readonly operand: FilterNode;
      readonly pattern: FilterNode;
      readonly escape: string | null;
      readonly negated: boolean;
    }
  | { readonly kind: 'call'; readonly name: FunctionName; readonly args: readonly FilterNode[] }
  | {
      readonly kind: 'trim';
      readonly side: 'BOTH' | 'LEADING' | 'TRAILING';
      readonly remove: FilterNode | null;
      readonly operand: FilterNode;
    };

export interface WhereFilter {
  readonly text: string;
  readonly ast: FilterNode;
  /** The columns the filter references, in the table's real spelling. */
  readonly columns: ReadonlySet<string>;
}
