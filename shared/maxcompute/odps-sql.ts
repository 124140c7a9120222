/**
 * SQL through instances (as PyODPS odps/models/instance.py and instances.py run them): submit `POST /projects/{p}/instances` with an XML job holding
 * one SQL task → 201 + Location; poll `?taskstatus` (100 ms, doubling to 2 s) until the task ends; read `?result`.
 * A failed or cancelled task becomes a MaxComputeError carrying the `ODPS-nnnnnnn` code of its error text.
 * Sources: py odps/models/job.py, tasks/sql.py, instance.py; java odps/task/SQLTask.java, odps/Instances.java.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MaxComputeError, odpsCodeOf } from './maxcompute-errors.ts';
import { parseResultCsv, type CsvTable } from './odps-csv.ts';
import type { OdpsRestClient } from './odps-rest.ts';
import { cdata, child, childText, escapeXml, parseXml, type XmlElement } from './odps-xml.ts';

export const SQL_TASK_NAME = 'AnonymousSQLTask';

export interface SqlOptions {
  /** Flags for the task, e.g. `{ 'odps.sql.allow.fullscan': 'true' }`. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly priority?: number;
  readonly firstPollMs?: number;
  readonly maxPollMs?: number;
  /** Stops waiting (the instance keeps running on the service). */
  readonly signal?: AbortSignal;
}

export type TaskStatus = 'Waiting' | 'Running' | 'Success' | 'Failed' | 'Suspended' | 'Cancelled';

export interface SqlTaskResult {
  readonly instanceId: string;
  /** The result text: CSV for a SELECT, e.g. `OK` for DDL. */
  readonly text: string;
}

/** The instance XML of one SQL task; the query gets its terminating `;` if it lacks one. */
export function sqlInstanceXml(sql: string, options: Pick<SqlOptions, 'settings' | 'priority'> = {}): string {
  const query = /;\s*$/.test(sql) ? sql : `${sql.trimEnd()};`;
  const settings = JSON.stringify(options.settings ?? {});
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<Instance><Job><Priority>${options.priority ?? 9}</Priority><Tasks><SQL><Name>${SQL_TASK_NAME}</Name>` +
    `<Config><Property><Name>settings</Name><Value>${escapeXml(settings)}</Value></Property></Config>` +
    `<Query>${cdata(query)}</Query></SQL></Tasks><DAG><RunMode>Sequence</RunMode></DAG></Job></Instance>`
  );
}

export class OdpsSql {
  constructor(
    private readonly rest: OdpsRestClient,
    readonly project: string,
  ) {}

  /** Runs a statement to its end and returns its result text. */
  async run(sql: string, options: SqlOptions = {}): Promise<SqlTaskResult> {
    const instanceId = await this.submit(sql, options);
    const status = await this.waitForTask(instanceId, options);
    const text = await this.resultText(instanceId);
    if (status !== 'Success') throw this.taskError(instanceId, status, text);
    return { instanceId, text };
  }

  /** Runs a SELECT and parses its CSV result (header + rows, NULL as null). At most 10,000 rows come back this way. */
  async query(sql: string, options: SqlOptions = {}): Promise<CsvTable> {
    return parseResultCsv((await this.run(sql, options)).text);
  }

  /** Submits and returns the instance id (not retried: a second POST would run the statement twice). */
  async submit(sql: string, options: Pick<SqlOptions, 'settings' | 'priority'> = {}): Promise<string> {
    const res = await this.rest.request({
      method: 'POST',
      path: `/projects/${this.project}/instances`,
      headers: { 'Content-Type': 'application/xml' },
      body: sqlInstanceXml(sql, options),
      what: `project ${this.project}, SQL "${abbreviate(sql)}"`,
    });
    const location = res.headers.get('location') ?? '';
    const id = decodeURIComponent(location.replace(/[?#].*$/, '').split('/').pop() ?? '');
    if (res.status !== 201 || id === '') {
      throw new MaxComputeError({
        what: `project ${this.project}, SQL "${abbreviate(sql)}"`,
        httpStatus: res.status,
        requestId: res.headers.get('x-odps-request-id') ?? undefined,
        serviceMessage: `instance creation answered ${res.status} without a Location header`,
      });
    }
    return id;
  }

  /** Polls `?taskstatus` until the SQL task leaves Waiting/Running; returns its final status. */
  async waitForTask(instanceId: string, options: SqlOptions = {}): Promise<TaskStatus> {
    let delay = options.firstPollMs ?? 100;
    for (;;) {
      const status = await this.taskStatus(instanceId);
      if (status !== 'Waiting' && status !== 'Running' && status !== 'Suspended') return status;
      await sleep(delay, undefined, { signal: options.signal });
      delay = Math.min(options.maxPollMs ?? 2_000, delay * 2);
    }
  }

  async taskStatus(instanceId: string): Promise<TaskStatus> {
    const root = await this.instanceXml(instanceId, 'taskstatus');
    const terminated = childText(root, 'Status')?.trim() === 'Terminated';
    const raw = childText(sqlTask(root), 'Status');
    if (raw === undefined) return terminated ? 'Success' : 'Running';
    const status = normaliseStatus(raw);
    // An instance that ended cannot have a task still running: an unknown task status there is a failure.
    if (terminated && (status === undefined || status === 'Waiting' || status === 'Running')) return 'Failed';
    return status ?? 'Running';
  }

  /** The SQL task's result text, Base64-decoded when the service says so. */
  async resultText(instanceId: string): Promise<string> {
    const root = await this.instanceXml(instanceId, 'result');
    const result = child(sqlTask(root), 'Result');
    if (result === undefined) return '';
    return result.attributes.Transform?.toLowerCase() === 'base64' ? Buffer.from(result.text, 'base64').toString('utf8') : result.text;
  }

  private async instanceXml(instanceId: string, view: 'taskstatus' | 'result'): Promise<XmlElement> {
    const res = await this.rest.request({
      method: 'GET',
      path: `/projects/${this.project}/instances/${instanceId}`,
      query: [[view, '']],
      what: `project ${this.project}, SQL instance ${instanceId}`,
    });
    return parseXml(res.body.toString('utf8'));
  }

  private taskError(instanceId: string, status: TaskStatus, text: string): MaxComputeError {
    const message = text.trim() === '' ? `the SQL task ended ${status}` : text.trim();
    return new MaxComputeError({ what: `project ${this.project}, SQL instance ${instanceId}`, serviceCode: odpsCodeOf(message) ?? `Task${status}`, serviceMessage: message });
  }
}

function sqlTask(root: XmlElement): XmlElement | undefined {
  const tasks = child(root, 'Tasks')?.children ?? [];
  return tasks.find((t) => childText(t, 'Name') === SQL_TASK_NAME) ?? tasks[0];
}

function normaliseStatus(raw: string): TaskStatus | undefined {
  const known: TaskStatus[] = ['Waiting', 'Running', 'Success', 'Failed', 'Suspended', 'Cancelled'];
  return known.find((s) => s.toLowerCase() === raw.trim().toLowerCase());
}

function abbreviate(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? `${one.slice(0, 80)}…` : one;
}
