/**
 * The serverless deployment's configuration (docs/architecture.md §5.3): s.yaml against the handlers
 * and the environment they read (shared/distributed/deployment.ts), the reader's image, and the bundles
 * Function Compute runs — built here by scripts/bundle.ts, loaded with require() outside the repository
 * (no node_modules within reach) and invoked with FC 3.0 events.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunctions, functionNames, TASK_FILE_NAME, type BundleResult } from '../scripts/bundle.ts';
import { ENV } from '../shared/distributed/deployment.ts';
import type { FcContext, HttpReply } from '../shared/distributed/fc-events.ts';
import { fcContext } from './helpers/fc-context.ts';

const ROOT = join(import.meta.dirname, '..');

interface Trigger {
  readonly triggerName: string;
  readonly triggerType: string;
  readonly triggerConfig: Record<string, unknown>;
}

interface FcProps {
  readonly functionName: string;
  readonly runtime: string;
  readonly code?: string;
  readonly handler?: string;
  readonly timeout?: number;
  readonly environmentVariables?: Record<string, string>;
  readonly triggers?: readonly Trigger[];
  readonly customContainerConfig?: { readonly image: string; readonly port: number };
  readonly provisionConfig?: { readonly defaultTarget: number; readonly alwaysAllocateCPU: boolean };
  readonly scalingConfig?: unknown;
}

interface SYaml {
  readonly edition: string;
  readonly vars: Record<string, string>;
  readonly resources: Record<string, { readonly component: string; readonly props: Record<string, unknown> }>;
}

type Handler = (event: unknown, context: FcContext) => Promise<unknown>;

const sYamlText = readFileSync(join(ROOT, 's.yaml'), 'utf8');
const sYaml = parse(sYamlText) as SYaml;
const fcResources = Object.entries(sYaml.resources)
  .filter(([, r]) => r.component === 'fc3')
  .map(([, r]) => ({ props: r.props as unknown as FcProps }));
/** The event functions by folder name (their `code` is ./dist/functions/<name>). */
const functions = new Map(
  fcResources
    .filter((r) => r.props.runtime !== 'custom-container')
    .map((r) => [/^\.\/dist\/functions\/([^/]+)$/.exec(r.props.code ?? '')?.[1] ?? `(code ${r.props.code})`, r.props] as const),
);
const reader = fcResources.find((r) => r.props.runtime === 'custom-container')?.props;

const HTTP_FUNCTIONS = ['plan-full-load', 'precheck', 'status'];
/** The queue each MNS-triggered function consumes, by the variable that names it. */
const QUEUE_FUNCTIONS: Record<string, string> = { 'apply-changes': ENV.queue, 'load-chunk': ENV.chunkQueue };
/** What readDeployment() needs of every function and the reader; credentials come from the role. */
const NEEDED: string[] = [ENV.taskFile, ENV.mnsEndpoint, ENV.mnsAccountId, ENV.queue, ENV.chunkQueue, ENV.otsEndpoint, ENV.otsInstance, ENV.stateTable];
const KNOWN = new Set<string>(Object.values(ENV));

function fn(name: string): FcProps {
  const props = functions.get(name);
  if (!props) throw new Error(`s.yaml has no function with code ./dist/functions/${name}`);
  return props;
}

/** `${vars.x}` → the var's value; other expressions stay as written. */
function resolveVars(value: string): string {
  return value.replace(/\$\{vars\.([A-Za-z0-9_]+)\}/g, (all, name: string) => sYaml.vars[name] ?? all);
}

describe('s.yaml', () => {
  it('is a Serverless Devs 3 file whose fc3 functions are exactly the folders under functions/', () => {
    expect(sYaml.edition).toBe('3.0.0');
    expect([...functions.keys()].sort()).toEqual(functionNames());
    for (const [name, props] of functions) {
      expect({ name, runtime: props.runtime, handler: props.handler }).toEqual({ name, runtime: 'nodejs20', handler: 'index.handler' });
    }
  });

  it.each(functionNames())('%s: functions/<name>/index.ts exports handler(event, context)', async (name) => {
    expect(existsSync(join(ROOT, 'functions', name, 'index.ts'))).toBe(true);
    const mod = (await import(`../functions/${name}/index.ts`)) as { handler?: unknown };
    expect(typeof mod.handler).toBe('function');
    expect((mod.handler as Handler).length).toBe(2);
  });

  it('sets only variables deployment.ts reads, every one a function needs, and no credentials', () => {
    const all: Array<[string, FcProps]> = [...functions, ['binlog-reader', reader!]];
    // The role's temporary credentials are FC's to provide; the token goes only where it is checked.
    const credentials = new Set<string>([ENV.accessKeyId, ENV.accessKeySecret, ENV.securityToken]);
    for (const [name, props] of all) {
      const names = Object.keys(props.environmentVariables ?? {});
      const http = HTTP_FUNCTIONS.includes(name);
      const needed: string[] = http ? [...NEEDED, ENV.apiToken] : NEEDED;
      expect({ name, unknown: names.filter((n) => !KNOWN.has(n)) }).toEqual({ name, unknown: [] });
      expect({ name, missing: needed.filter((n) => !names.includes(n)) }).toEqual({ name, missing: [] });
      expect({ name, extra: names.filter((n) => credentials.has(n) || (n === ENV.apiToken && !http)) }).toEqual({ name, extra: [] });
    }
  });

  it('takes the API token from the deployer’s environment, never from the file', () => {
    for (const name of HTTP_FUNCTIONS) expect(fn(name).environmentVariables?.[ENV.apiToken]).toBe('${vars.apiToken}');
    expect(sYaml.vars.apiToken).toMatch(/^\$\{env\('DTS_API_TOKEN'\)\}$/);
  });

  it('points DTS_TASK_FILE at the task file the bundle ships beside index.js (/code) and the image holds', () => {
    for (const props of functions.values()) expect(resolveVars(props.environmentVariables![ENV.taskFile]!)).toBe(`/code/${TASK_FILE_NAME}`);
    const dockerfile = readFileSync(join(ROOT, 'infra', 'binlog-reader', 'Dockerfile'), 'utf8');
    const readerTaskFile = resolveVars(reader!.environmentVariables![ENV.taskFile]!);
    expect(dockerfile).toContain(`COPY dist/${TASK_FILE_NAME} ${readerTaskFile}`);
  });

  it('triggers apply-changes and load-chunk from their MNS queues (event streaming, bodies left base64)', () => {
    for (const [name, queueVar] of Object.entries(QUEUE_FUNCTIONS)) {
      const props = fn(name);
      expect(props.triggers).toHaveLength(1);
      const t = props.triggers![0]!;
      expect(t.triggerType).toBe('eventbridge');
      const config = t.triggerConfig as {
        eventSourceConfig: { eventSourceType: string; eventSourceParameters: { sourceMNSParameters: { QueueName: string; IsBase64Decode: boolean } } };
        eventSinkConfig: { deliveryOption: { mode: string; eventSchema: string } };
        runOptions: { mode: string };
      };
      expect(config.eventSourceConfig.eventSourceType).toBe('MNS');
      const mns = config.eventSourceConfig.eventSourceParameters.sourceMNSParameters;
      expect(mns.IsBase64Decode).toBe(false);
      // The queue the trigger reads is the one the function's environment names.
      expect(mns.QueueName).toBe(props.environmentVariables![queueVar]);
      // fc-events.ts parses an array of CloudEvents: the event-streaming shape.
      expect(config.eventSinkConfig.deliveryOption).toEqual({ mode: 'event-streaming', eventSchema: 'CloudEvents' });
      expect(config.runOptions.mode).toBe('event-streaming');
    }
    expect(fn('apply-changes').timeout).toBeGreaterThanOrEqual(600);
  });

  it('gives precheck, plan-full-load and status an anonymous HTTP trigger (the function checks the bearer token)', () => {
    for (const name of HTTP_FUNCTIONS) {
      const triggers = fn(name).triggers ?? [];
      expect(triggers.map((t) => [t.triggerType, (t.triggerConfig as { authType?: string }).authType])).toEqual([['http', 'anonymous']]);
    }
  });

  it('runs the binlog reader as a custom container with one always-on instance on the health port', () => {
    expect(reader).toBeDefined();
    expect(reader!.customContainerConfig?.port).toBe(9000);
    expect(readFileSync(join(ROOT, 'infra', 'binlog-reader', 'Dockerfile'), 'utf8')).toMatch(/^EXPOSE 9000$/m);
    expect(reader!.provisionConfig).toEqual(expect.objectContaining({ defaultTarget: 1, alwaysAllocateCPU: true }));
    expect(reader!.scalingConfig).toBeUndefined();
    expect(reader!.triggers ?? []).toEqual([]);
  });

  it('creates the queues it refers to: every ${resources.queues.output.X} is an output of the ROS stack', () => {
    const queues = sYaml.resources.queues!;
    expect(queues.component).toBe('ros');
    const template = queues.props.template as { Resources: Record<string, { Type: string }>; Outputs: Record<string, unknown> };
    expect(Object.values(template.Resources).map((r) => r.Type)).toEqual(['ALIYUN::MNS::Queue', 'ALIYUN::MNS::Queue']);
    const referenced = new Set([...sYamlText.matchAll(/\$\{resources\.queues\.output\.([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!));
    expect([...referenced].sort()).toEqual(Object.keys(template.Outputs).sort());
  });
});

describe('s preview (Serverless Devs from node_modules, as `npm run deploy` runs it)', () => {
  const s = join(ROOT, 'node_modules', '.bin', 's');
  /** The variables s.yaml's values take from the deployer's environment: `${env('NAME')}`. */
  const deployerVariables = [...new Set([...JSON.stringify(sYaml).matchAll(/\$\{env\('([A-Za-z_][A-Za-z0-9_]*)'\)\}/g)].map((m) => m[1]!))];
  // Offline for certain where a network namespace of its own can be had (root, or user namespaces).
  const offline = spawnSync('unshare', ['-n', 'true']).status === 0 ? ['unshare', '-n'] : [];
  let home: string;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'fc-dts-s-home-'));
  });

  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** `s preview` of the repository's s.yaml with only these variables, a HOME of its own (s writes ~/.s) and no cloud credentials. */
  const preview = (variables: Record<string, string>) => {
    const [command, ...args] = [...offline, s, 'preview', '-t', 's.yaml', '-o', 'json', '--silent'];
    return spawnSync(command!, args, { cwd: ROOT, env: { PATH: process.env.PATH, HOME: home, ...variables }, encoding: 'utf8', timeout: 60_000 });
  };

  it('comes with npm ci: an exact devDependency, which `npm run deploy` calls', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.devDependencies['@serverless-devs/s']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.scripts.deploy).toMatch(/&& s deploy$/);
    expect(existsSync(s)).toBe(true);
  });

  it('renders s.yaml with the deployer’s variables substituted: the functions, the queues and the API token', () => {
    expect(deployerVariables).toEqual([ENV.apiToken]);
    const values = Object.fromEntries(deployerVariables.map((name) => [name, `test-${name}-${randomBytes(6).toString('hex')}`]));
    const run = preview(values);
    expect(run.status, run.stderr || run.stdout).toBe(0);
    const rendered = parse(run.stdout) as SYaml;
    expect(rendered.vars.apiToken).toBe(values[ENV.apiToken]);
    const props = Object.values(rendered.resources).filter((r) => r.component === 'fc3').map((r) => r.props as unknown as FcProps);
    const task = sYaml.vars.task!;
    expect(props.map((p) => p.functionName).sort()).toEqual([...functionNames(), 'binlog-reader'].map((name) => `fc-dts-${task}-${name}`).sort());
    for (const p of props) {
      expect(p.environmentVariables?.[ENV.apiToken]).toBe(HTTP_FUNCTIONS.some((name) => p.functionName === `fc-dts-${task}-${name}`) ? values[ENV.apiToken] : undefined);
      expect(p.environmentVariables?.[ENV.mnsEndpoint]).toBe(sYaml.vars.mnsEndpoint);
    }
    const queues = rendered.resources.queues!.props.template as { Resources: Record<string, { Properties: { QueueName: string } }> };
    expect(Object.values(queues.Resources).map((r) => r.Properties.QueueName)).toEqual([sYaml.vars.changeQueue, sYaml.vars.chunkQueue]);
    // Every ${vars.x} and ${env(…)} is resolved; the queue stack's outputs are known only when deploying.
    expect(run.stdout).not.toMatch(/\$\{(vars\.|env\()/);
    expect(run.stdout).toContain('${resources.queues.output.ChangeQueue}');
  });

  it('refuses to render without them', () => {
    const run = preview({});
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(`env('${ENV.apiToken}') not found`);
  });
});

describe('bundles (scripts/bundle.ts)', () => {
  let tmp: string | undefined;
  let out: string;
  let result: BundleResult;
  const load = (name: string) => createRequire(import.meta.url)(join(out, 'functions', name, 'index.js')) as { handler?: unknown };

  beforeAll(async () => {
    // Outside the repository, so a bundle that still needed node_modules would fail to load; under a
    // package.json like the repository's ("type": "module"), so the bundles must say they are CommonJS.
    tmp = mkdtempSync(join(tmpdir(), 'fc-dts-bundle-'));
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
    out = join(tmp, 'dist');
    const taskFile = join(tmp, 'task-source.yaml');
    writeFileSync(
      taskFile,
      'name: deploy-check\n' +
        "source: { host: 127.0.0.1, user: dts, password: '${SOURCE_PASSWORD}' }\n" +
        'destination: { type: mysql, host: 127.0.0.1, user: dts, password: p }\n' +
        'objects:\n  - database: shop\n',
    );
    result = await bundleFunctions({ taskFile, outDir: out });
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('builds one CommonJS file per function, with the task file beside it and the secrets it names listed', () => {
    expect(result.functions.map((f) => f.name)).toEqual(functionNames());
    expect(result.taskVariables).toEqual(['SOURCE_PASSWORD']);
    expect(result.warnings).toEqual([]);
    for (const f of result.functions) {
      expect(f.file).toBe(join(out, 'functions', f.name, 'index.js'));
      expect(readFileSync(join(out, 'functions', f.name, TASK_FILE_NAME), 'utf8')).toContain('${SOURCE_PASSWORD}');
    }
    expect(existsSync(join(out, TASK_FILE_NAME))).toBe(true);
  });

  it('inlines every npm dependency: at run time only Node built-ins and optional modules not installed at all', () => {
    const builtins = new Set(builtinModules);
    const fromRepo = createRequire(join(ROOT, 'package.json'));
    const installed = (name: string) => {
      try {
        fromRepo.resolve(name);
        return true;
      } catch {
        return false;
      }
    };
    for (const f of result.functions) {
      const text = readFileSync(f.file, 'utf8');
      // esbuild prints code with double quotes (single-quoted ones are inside error messages).
      const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
      // e.g. debug's try { require("supports-color") }: absent here too, so the bundle behaves as the sources do.
      const external = [...required].filter((r) => !builtins.has(r.replace(/^node:/, '')) && installed(r));
      expect({ name: f.name, external }).toEqual({ name: f.name, external: [] });
      // protobufjs's computed require of `long` is replaced (scripts/bundle.ts), or int64 would decode lossily.
      expect(text).not.toContain('var mod = require(moduleName)');
    }
  });

  it.each(functionNames())('%s: require() of the bundle yields handler(event, context)', (name) => {
    const mod = load(name);
    expect(typeof mod.handler).toBe('function');
    expect((mod.handler as Handler).length).toBe(2);
  });

  describe.each(HTTP_FUNCTIONS)('%s, invoked as FC 3.0 invokes an HTTP-triggered event function', (name) => {
    const token = `t-${randomBytes(12).toString('hex')}`;
    const saved: Record<string, string | undefined> = {};
    const context = fcContext({ name: `fc-dts-deploy-check-${name}`, timeout: fn(name).timeout ?? 60, memory: 512 });
    const event = (headers: Record<string, string>) =>
      Buffer.from(
        JSON.stringify({
          version: 'v1',
          rawPath: '/',
          body: '',
          isBase64Encoded: false,
          headers: { 'User-Agent': 'vitest', ...headers },
          queryParameters: {},
          requestContext: { accountId: '1234567890', domainName: 'x.cn-hangzhou.fcapp.run', http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'vitest' }, requestId: context.requestId, time: new Date().toUTCString(), timeEpoch: String(Date.now()) },
        }),
      );
    const invokeWith = (payload: Buffer) => (load(name).handler as Handler)(payload, context) as Promise<HttpReply>;
    const invoke = (headers: Record<string, string>) => invokeWith(event(headers));

    beforeAll(() => {
      for (const variable of Object.values(ENV)) {
        saved[variable] = process.env[variable];
        delete process.env[variable];
      }
      process.env[ENV.apiToken] = token;
      process.env[ENV.taskFile] = join(out, 'functions', name, TASK_FILE_NAME);
    });

    afterAll(() => {
      for (const [variable, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[variable];
        else process.env[variable] = value;
      }
    });

    it('without Authorization: 401, and the body does not contain the token', async () => {
      const reply = await invoke({});
      expect(reply.statusCode).toBe(401);
      expect(reply.body).not.toContain(token);
      expect(reply.headers['www-authenticate']).toBe('Bearer');
    });

    it('with a wrong token: 401', async () => {
      const reply = await invoke({ Authorization: `Bearer ${token}x` });
      expect(reply.statusCode).toBe(401);
      expect(reply.body).not.toContain(token);
    });

    it('with the right token: past the check, a missing setting named (400, the fc-dts error’s code, message and fix) and still no token in the body', async () => {
      const reply = await invoke({ authorization: `Bearer ${token}` });
      expect(reply.statusCode).toBe(400);
      expect(reply.body).toContain(ENV.mnsEndpoint);
      expect(reply.body).not.toContain(token);
      expect(JSON.parse(reply.body)).toEqual({ error: { code: 'USAGE', message: `environment variable ${ENV.mnsEndpoint} is not set`, fix: expect.stringContaining('s.yaml') } });
    });

    it('with an event that is not JSON: 400 with the fc-dts error, not a failed invocation', async () => {
      const reply = await invokeWith(Buffer.from('{"version":'));
      expect(reply.statusCode).toBe(400);
      expect(JSON.parse(reply.body)).toEqual({ error: { code: 'USAGE', message: 'the HTTP event is not JSON', fix: expect.any(String) } });
    });
  });
});
