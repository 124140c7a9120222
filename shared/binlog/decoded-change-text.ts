/** A decoded change as `fc-dts decode-binlog` prints it without --json: one header line, then its values. */
import type { DecodedChange } from './binlog-file-changes.ts';

export function formatDecodedChange(c: DecodedChange): string {
  const head = `# at ${c.pos}${c.gtid ? `  GTID ${c.gtid}` : ''}`;
  if (c.op === 'ddl') return `${head}\n${c.db ? `USE \`${c.db}\`; ` : ''}${c.sql ?? ''}`;
  const lines = [head, `${c.op.toUpperCase()} \`${c.db}\`.\`${c.table ?? ''}\``];
  if (c.before) lines.push('  before:', ...values(c.before));
  if (c.after) lines.push('  after:', ...values(c.after));
  return lines.join('\n');
}

function values(image: Readonly<Record<string, string | null>>): string[] {
  return Object.entries(image).map(([name, v]) => `    ${name} = ${v === null ? 'NULL' : v}`);
}
