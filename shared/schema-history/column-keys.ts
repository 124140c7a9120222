/** The keys a column declares on itself: `PRIMARY KEY`, `UNIQUE [KEY]` (SERIAL is UNIQUE too). */
import type { KeySpec } from './parsed-ddl.ts';
import { PRIMARY } from './table-definition.ts';

export function keysOfColumn(name: string, declared: { readonly primaryKey: boolean; readonly unique: boolean }): KeySpec[] {
  const part = [{ name, subPart: null }];
  const keys: KeySpec[] = [];
  if (declared.primaryKey) keys.push({ name: PRIMARY, primary: true, unique: true, fulltext: false, columns: part, ifNotExists: false });
  if (declared.unique) keys.push({ name: null, primary: false, unique: true, fulltext: false, columns: part, ifNotExists: false });
  return keys;
}
