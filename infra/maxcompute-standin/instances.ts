/**
 * SQL instances: submitted, then run asynchronously. An instance is `Running` (its task `Running`) for at least
 * `delayMs` and until its SQL has run, then `Terminated` with the task `Success` or `Failed`. Clients must poll
 * `?taskstatus` as they do against the service. Instances live in memory: after a restart they are gone (404).
 */
import { randomBytes } from 'node:crypto';
import { McError, restErrors } from './errors.ts';
import { cdata, el, elAttrs, renderXml, rfc1123, type SubmittedSql, type XmlNode } from './rest-xml.ts';
import type { SqlResult } from './sql-engine.ts';
import { formatCsv } from './sql-result.ts';

type TaskStatus = 'Running' | 'Success' | 'Failed';

interface Instance {
  readonly id: string;
  readonly taskName: string;
  readonly job: string;
  readonly startTime: number;
  endTime: number | undefined;
  status: TaskStatus;
  result: SqlResult | undefined;
  error: string | undefined;
}

/** The most instances kept; the oldest finished ones go first. */
const KEPT = 10_000;

export class Instances {
  private readonly instances = new Map<string, Instance>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly owner: string,
    private readonly delayMs: () => number,
    private readonly gate: () => Promise<void>,
    private readonly execute: (sql: SubmittedSql) => Promise<SqlResult>,
  ) {}

  /** Starts the instance; returns its id at once. */
  submit(sql: SubmittedSql): string {
    const now = Date.now();
    const id = `${new Date(now).toISOString().replace(/\D/g, '').slice(0, 17)}g${randomBytes(5).toString('hex')}`;
    const instance: Instance = { id, taskName: sql.taskName, job: sql.job, startTime: now, endTime: undefined, status: 'Running', result: undefined, error: undefined };
    this.forgetOld();
    this.instances.set(id, instance);
    const gate = this.gate();
    const run = new Promise<void>((resolve) => setTimeout(resolve, this.delayMs()))
      .then(() => gate)
      .then(() => this.execute(sql))
      .then(
        (result) => {
          instance.result = result;
          instance.status = 'Success';
        },
        (e: unknown) => {
          instance.error = e instanceof McError ? e.message : `ODPS-0010000:System internal error - ${e instanceof Error ? e.message : String(e)}`;
          if (!(e instanceof McError)) console.error('[maxcompute-standin]', e);
          instance.status = 'Failed';
        },
      )
      .finally(() => {
        instance.endTime = Date.now();
        this.running.delete(run);
      });
    this.running.add(run);
    return id;
  }

  /** `GET …/instances/{id}`. */
  statusXml(id: string): string {
    const i = this.get(id);
    return renderXml(el('Instance', el('Name', i.id), el('Owner', this.owner), ...times(i), el('Status', instanceStatus(i))));
  }

  /** `GET …/instances/{id}?source`: the job as submitted (PyODPS reads the task names from it). */
  sourceXml(id: string): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${this.get(id).job}`;
  }

  /** `GET …/instances/{id}?taskstatus`. */
  taskStatusXml(id: string): string {
    const i = this.get(id);
    const task = elAttrs('Task', { Type: 'SQL' }, el('Name', i.taskName), ...times(i), el('Status', i.status), el('Histories'));
    return renderXml(el('Instance', el('Status', instanceStatus(i)), el('Tasks', task)));
  }

  /** `GET …/instances/{id}?result`: CSV for a query (header, `\N`), text for anything else, the error text on failure. */
  resultXml(id: string): string {
    const i = this.get(id);
    const parts: XmlNode[] = [el('Name', i.taskName)];
    if (i.status === 'Failed') parts.push(cdata('Result', i.error ?? '', { Format: 'text' }));
    else if (i.result?.kind === 'rows') {
      parts.push(cdata('Result', formatCsv(i.result.columns, i.result.rows), { Format: 'csv' }));
      const { columns, types, truncated } = i.result;
      const schema = { Columns: columns.map((name, k) => ({ Name: name, Type: types[k] })) };
      parts.push(cdata('ResultDescriptor', JSON.stringify({ IsSelect: true, SelectResultStatus: truncated ? 'TRUNCATED' : 'FULL', Schema: schema })));
    } else parts.push(cdata('Result', i.result?.text ?? '', { Format: 'text' }));
    parts.push(el('Status', i.status));
    return renderXml(el('Instance', el('Tasks', elAttrs('Task', { Type: 'SQL' }, ...parts))));
  }

  /** Waits for every instance still running (close). */
  async settle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private get(id: string): Instance {
    const i = this.instances.get(id);
    if (!i) throw restErrors.noSuchInstance(id);
    return i;
  }

  private forgetOld(): void {
    if (this.instances.size < KEPT) return;
    for (const [id, i] of this.instances) {
      if (i.status !== 'Running') this.instances.delete(id);
      if (this.instances.size < KEPT / 2) return;
    }
  }
}

function instanceStatus(i: Instance): string {
  return i.status === 'Running' ? 'Running' : 'Terminated';
}

function times(i: Instance): XmlNode[] {
  return [el('StartTime', rfc1123(i.startTime)), el('EndTime', i.endTime === undefined ? '' : rfc1123(i.endTime))];
}
