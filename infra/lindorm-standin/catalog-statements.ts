/**
 * SHOW DATABASES, SHOW TABLES, DESCRIBE / SHOW COLUMNS, SHOW CREATE TABLE (doc-detail/216797, …/show-tables,
 * …/describe-3). The column names of DESCRIBE beyond TABLE_SCHEMA and TABLE_NAME are not documented in what
 * could be read; the stand-in's choice is listed in infra/README.md.
 */
import { typeText } from './column-types.ts';
import { textResult, type StatementResult } from './result.ts';
import type { TableRef } from './sql-ast.ts';
import type { LindormStore, Table } from './table-store.ts';
import { likePattern } from './where.ts';

export class CatalogStatements {
  constructor(private readonly store: LindormStore) {}

  showDatabases(): StatementResult {
    return textResult(['SCHEMA'], this.store.namespaceNames().map((n) => [n]));
  }

  showTables(namespace: string, like: string | undefined): StatementResult {
    const re = like === undefined ? undefined : likePattern(like);
    const names = this.store.tables(namespace).map((t) => t.definition.name).filter((n) => !re || re.test(n));
    return textResult([`Tables_in_${namespace}`], names.map((n) => [n]));
  }

  describe(ref: TableRef, namespace: string): StatementResult {
    const t = this.store.table(namespace, ref.name);
    const d = t.definition;
    // Key columns first, in key order, as a LindormTable row is laid out (the key is the row key).
    const keyFirst = [...d.primaryKey.map((k) => d.columns.find((c) => c.name === k.column)!), ...d.columns.filter((c) => !d.primaryKey.some((k) => k.column === c.name))];
    const rows = keyFirst.map((c) => {
      const k = d.primaryKey.find((p) => p.column === c.name);
      return [d.namespace, d.name, c.name, typeText(c.type), c.notNull ? 'false' : 'true', k ? 'true' : 'false', k ? (k.descending ? 'DESC' : 'ASC') : null];
    });
    return textResult(['TABLE_SCHEMA', 'TABLE_NAME', 'COLUMN_NAME', 'TYPE', 'IS_NULLABLE', 'IS_PRIMARY_KEY', 'SORT_ORDER'], rows);
  }

  showCreateTable(ref: TableRef, namespace: string): StatementResult {
    const t = this.store.table(namespace, ref.name);
    return textResult(['Table', 'Create Table'], [[t.definition.name, createStatement(t)]]);
  }
}

function createStatement(t: Table): string {
  const d = t.definition;
  const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;
  const columns = d.columns.map((c) => `  ${q(c.name)} ${typeText(c.type)}${c.notNull ? ' NOT NULL' : ''}`);
  const key = d.primaryKey.map((k) => `${q(k.column)}${k.descending ? ' DESC' : ''}`).join(', ');
  const options = Object.entries(d.options).map(([k, v]) => `${k}='${v.replace(/'/g, "''")}'`);
  const withClause = options.length > 0 ? ` WITH (${options.join(', ')})` : '';
  return `CREATE TABLE ${q(d.namespace)}.${q(d.name)} (\n${[...columns, `  PRIMARY KEY (${key})`].join(',\n')}\n)${withClause}`;
}
