/** Reading a source server's settings, and saying where each kind of source changes one. */
import type { SourceType } from '../task/task.ts';

export const isOn = (v: string | undefined) => v !== undefined && ['ON', '1', 'YES', 'TRUE'].includes(v.toUpperCase());

/** Where a parameter is changed on each kind of source, for the fixes; `sqlValue` is the value as SET GLOBAL takes it. */
export function settingFix(type: SourceType, name: string, value: string, sqlValue = `'${value}'`): string {
  if (type === 'polardb-mysql') return `set ${name} = ${value} in the cluster's parameters (PolarDB console → Settings and Management → Parameters)`;
  if (type === 'polardb-x') return `set ${name} = ${value} in the instance's parameter settings (PolarDB-X console → Parameter settings)`;
  return `SET GLOBAL ${name} = ${sqlValue}; and put ${name} = ${value} under [mysqld] in my.cnf so it survives a restart (on RDS MySQL: the instance's parameters)`;
}
