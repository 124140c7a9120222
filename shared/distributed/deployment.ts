/**
 * The serverless deployment's settings, read from the environment every function and the binlog
 * reader container share (s.yaml sets them): where the task file is, the MNS queue, the Tablestore
 * state table, and credentials. On Function Compute the credentials come from the function's role
 * (the handler's context); elsewhere (the reader container, local runs) from the environment.
 * A missing or malformed variable is an error naming it; secrets are never part of a message.
 */
import { readFileSync } from 'node:fs';
import { FcDtsError } from '../errors.ts';

/** The environment variables, by role. Not FC_*: Function Compute reserves that prefix for its own. */
export const ENV = {
  taskFile: 'DTS_TASK_FILE',
  mnsEndpoint: 'DTS_MNS_ENDPOINT',
  mnsAccountId: 'DTS_MNS_ACCOUNT_ID',
  queue: 'DTS_QUEUE',
  /** The queue of load-chunk work (the full load's fan-out). */
  chunkQueue: 'DTS_CHUNK_QUEUE',
  otsEndpoint: 'DTS_OTS_ENDPOINT',
  otsInstance: 'DTS_OTS_INSTANCE',
  stateTable: 'DTS_STATE_TABLE',
  accessKeyId: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
  accessKeySecret: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  securityToken: 'ALIBABA_CLOUD_SECURITY_TOKEN',
  /** Bearer token the HTTP functions (precheck, status) require. */
  apiToken: 'DTS_API_TOKEN',
} as const;

export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export interface Deployment {
  /** The task file's text (YAML or JSON) and where it came from. */
  readonly taskText: string;
  readonly taskSource: string;
  readonly mns: { readonly endpoint: string; readonly accountId: string; readonly queue: string; readonly chunkQueue: string };
  readonly tablestore: { readonly endpoint: string; readonly instance: string; readonly table: string };
  readonly credentials: Credentials;
}

/** What Function Compute passes the handler (docs/protocols.md §3.3): the function role's temporary credentials. */
export interface FcCredentials {
  readonly accessKeyId?: string;
  readonly accessKeySecret?: string;
  readonly securityToken?: string;
}

export function readDeployment(env: NodeJS.ProcessEnv = process.env, fc?: FcCredentials): Deployment {
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v.trim() === '') {
      throw new FcDtsError('USAGE', `environment variable ${name} is not set`, `set ${name} in the function's or container's environment (s.yaml environmentVariables)`);
    }
    return v;
  };
  const taskSource = need(ENV.taskFile);
  let taskText: string;
  try {
    taskText = readFileSync(taskSource, 'utf8');
  } catch (e) {
    throw new FcDtsError('USAGE', `${ENV.taskFile}: cannot read the task file ${taskSource} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'ship the task file with the code and point the variable at it', { cause: e });
  }
  const credentials: Credentials = fc?.accessKeyId && fc.accessKeySecret
    ? { accessKeyId: fc.accessKeyId, accessKeySecret: fc.accessKeySecret, ...(fc.securityToken ? { securityToken: fc.securityToken } : {}) }
    : { accessKeyId: need(ENV.accessKeyId), accessKeySecret: need(ENV.accessKeySecret), ...(env[ENV.securityToken] ? { securityToken: env[ENV.securityToken]! } : {}) };
  return {
    taskText,
    taskSource,
    mns: { endpoint: need(ENV.mnsEndpoint), accountId: need(ENV.mnsAccountId), queue: need(ENV.queue), chunkQueue: need(ENV.chunkQueue) },
    tablestore: { endpoint: need(ENV.otsEndpoint), instance: need(ENV.otsInstance), table: env[ENV.stateTable] || 'fc_dts_state' },
    credentials,
  };
}
