/**
 * How many partitions a query reads of each partitioned table it names, for MaxCompute's limit of 10,000
 * partitions a query ("SQL limits"): the partitions its partition-key predicates select, as pruning
 * does. For each FROM or JOIN of a partitioned table, the WHERE of the same SELECT is split at its
 * top-level ANDs; a conjunct made only of the table's partition keys, literals and operators is kept,
 * any other prunes nothing and is dropped; the kept ones are evaluated over the table's partitions. A
 * read without such a predicate reads every partition.
 */
import type { Catalog, TableDef } from './catalog.ts';
import type { Database } from './database.ts';
import { ident, literal } from './database.ts';
import { partitionsPerQueryError } from './limits.ts';
import { isWord, type Token } from './sql-tokens.ts';
import { toDuckDb } from './sql-translate.ts';

/** Words a partition predicate may hold beside the keys. */
const OPERATOR_WORDS = new Set(['and', 'or', 'not', 'in', 'is', 'null', 'like', 'between', 'true', 'false']);
/** Words that end a WHERE clause at its own depth. */
const CLAUSE_END = new Set(['group', 'order', 'limit', 'union', 'having', 'window', 'distribute', 'sort', 'cluster']);

/** Refuses the query when it would read more than `limit` partitions of one table. */
export async function checkPartitionsRead(tokens: readonly Token[], catalog: Catalog, db: Database, limit: number): Promise<void> {
  const solid = tokens.filter((t) => t.kind !== 'space');
  const depth = depths(solid);
  for (let i = 0; i < solid.length; i++) {
    if (!isWord(solid[i], 'from') && !isWord(solid[i], 'join')) continue;
    const table = catalog.get(nameAt(solid, i + 1, catalog.project) ?? '');
    if (!table || table.partitionKeys.length === 0) continue;
    const where = whereAfter(solid, depth, i);
    const count = await countPartitions(db, catalog, table, where ? partitionConjuncts(where, table) : []);
    if (count > limit) throw partitionsPerQueryError(catalog.project, table.name, count, limit);
  }
}

/** Paren depth of each token. */
function depths(solid: readonly Token[]): number[] {
  let d = 0;
  return solid.map((t) => {
    if (t.kind === 'symbol' && t.text === ')') d--;
    const here = d;
    if (t.kind === 'symbol' && t.text === '(') d++;
    return here;
  });
}

/** The table named at `i` (`t` or `project.t`), lower case. */
function nameAt(solid: readonly Token[], i: number, project: string): string | undefined {
  const name = (t: Token | undefined) => (t?.kind === 'word' ? t.value : t?.kind === 'quoted' ? t.value.toLowerCase() : undefined);
  const first = name(solid[i]);
  const dot = solid[i + 1];
  if (first !== undefined && dot?.kind === 'symbol' && dot.text === '.') return first === project.toLowerCase() ? name(solid[i + 2]) : undefined;
  return first;
}

/** The tokens of the WHERE clause of the SELECT whose FROM/JOIN is at `from`; undefined when it has none. */
function whereAfter(solid: readonly Token[], depth: readonly number[], from: number): Token[] | undefined {
  const level = depth[from]!;
  let start = -1;
  for (let k = from + 1; k < solid.length; k++) {
    if (depth[k]! < level || (solid[k]!.kind === 'symbol' && solid[k]!.text === ';')) break;
    if (depth[k] !== level || solid[k]!.kind !== 'word') continue;
    if (start < 0 && isWord(solid[k], 'where')) start = k + 1;
    else if (CLAUSE_END.has(solid[k]!.value)) return start < 0 ? undefined : solid.slice(start, k);
  }
  if (start < 0) return undefined;
  let end = start;
  while (end < solid.length && depth[end]! >= level && !(solid[end]!.kind === 'symbol' && solid[end]!.text === ';')) end++;
  return solid.slice(start, end);
}

/** The top-level conjuncts that name only partition keys of `table`, qualifiers removed. */
function partitionConjuncts(where: readonly Token[], table: TableDef): Token[][] {
  const keys = new Set(table.partitionKeys.map((k) => k.name));
  const conjuncts: Token[][] = [[]];
  let d = 0;
  let between = false;
  for (const t of where) {
    if (t.kind === 'symbol' && t.text === '(') d++;
    if (t.kind === 'symbol' && t.text === ')') d--;
    if (d === 0 && isWord(t, 'between')) between = true;
    if (d === 0 && isWord(t, 'and') && !between) conjuncts.push([]);
    else {
      if (d === 0 && isWord(t, 'and')) between = false;
      conjuncts.at(-1)!.push(t);
    }
  }
  return conjuncts.map(unqualified).filter((c) => c.length > 0 && c.every((t) => prunes(t, keys)));
}

/** `x.key` → `key`. */
function unqualified(tokens: readonly Token[]): Token[] {
  return tokens.filter((t, i) => !(tokens[i + 1]?.kind === 'symbol' && tokens[i + 1]!.text === '.') && !(t.kind === 'symbol' && t.text === '.'));
}

/** A token a pruning predicate may hold: a partition key, an operator word, a literal or a symbol (a function name is none of these). */
function prunes(t: Token, keys: ReadonlySet<string>): boolean {
  if (t.kind !== 'word' && t.kind !== 'quoted') return true;
  const word = t.kind === 'quoted' ? t.value.toLowerCase() : t.value;
  return keys.has(word) || (t.kind === 'word' && OPERATOR_WORDS.has(word));
}

async function countPartitions(db: Database, catalog: Catalog, table: TableDef, conjuncts: readonly Token[][]): Promise<number> {
  const partitions = catalog.partitionsOf(table.name);
  if (conjuncts.length === 0 || partitions.length === 0) return partitions.length;
  const rows = partitions.map((values) => `(${values.map(literal).join(', ')})`).join(', ');
  const columns = table.partitionKeys.map((k) => ident(k.name)).join(', ');
  // Solid tokens, translated one by one and spaced again.
  const predicate = conjuncts.map((c) => `(${c.map((t) => toDuckDb([t], catalog.project)).join(' ')})`).join(' AND ');
  const result = await db.rows(`SELECT COUNT(*) FROM (VALUES ${rows}) AS p(${columns}) WHERE ${predicate}`);
  return Number(result[0]?.[0] ?? 0);
}
