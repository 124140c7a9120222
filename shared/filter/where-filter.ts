/**
 * Per-table row filters (`objects[].tables[].where`): a MySQL WHERE condition on the source table.
 *
 * The text is parsed into an AST (filter-parser.ts); SQL for the full load is always re-rendered from the AST,
 * never copied from the user's text (filter-sql.ts), and the binlog path evaluates the same AST in JS
 * (filter-eval.ts). Anything outside the grammar is rejected, so statements, comments, subqueries, variables and
 * unlisted functions cannot reach the source.
 */
export type { ArithOp, CompareOp, FilterNode, FunctionName, LogicalOp, WhereFilter } from './filter-ast.ts';
export { MAX_FILTER_LENGTH, parseWhereFilter } from './filter-parser.ts';
export { quoteSqlString, renderWhereSql } from './filter-sql.ts';
export { evaluateWhere } from './filter-eval.ts';
