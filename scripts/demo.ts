/**
 * `npm run demo [-- --destination tablestore]`: the main job on the embedded default. Starts a local MariaDB (installing it when
 * missing), creates the sample `shop` database, and runs the fc-dts commands a user would:
 * precheck, run (schema sync + full load into `shop_copy`), a few source changes replayed by incremental
 * sync from the binlog (`run --until caught-up`), verify, status.
 * With `--destination tablestore` the copy goes to a local Tablestore stand-in (the real `tablestore`
 * client speaking its wire protocol) instead of `shop_copy`.
 * FC_DTS_MYSQL_URL=mysql://user:pass@host:port/ uses an existing server instead.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { stringify } from 'yaml';
import { startMariaDb, DEFAULT_PORT } from './lib/mariadb-server.ts';
import { createSampleShop } from './lib/sample-shop.ts';
import { DEMO_DESTINATIONS, type DemoSetup } from './lib/demo-destinations.ts';
import { DESTINATION_TYPES } from '../shared/destinations/registry.ts';
import type { DestinationType } from '../shared/task/task.ts';

const DIR = resolve('.local/demo');
const say = (s: string) => process.stdout.write(`\n== ${s}\n`);

async function server(): Promise<{ host: string; port: number; user: string; password: string }> {
  const url = process.env.FC_DTS_MYSQL_URL;
  if (url) {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  }
  const s = await startMariaDb({ dir: '.local/mariadb', port: Number(process.env.FC_DTS_MARIADB_PORT ?? DEFAULT_PORT) }, (l) => console.log(l));
  return s;
}

/** Async, so that a stand-in running in this process keeps answering. */
async function fcDts(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  process.stdout.write(`$ fc-dts ${args.join(' ')}\n`);
  const child = spawn(process.execPath, ['bin/fc-dts.js', ...args], { stdio: 'inherit', env });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

function destinationKind(): DestinationType {
  const i = process.argv.indexOf('--destination');
  const kind = i >= 0 ? process.argv[i + 1] : 'mysql';
  const known = DESTINATION_TYPES.find((t) => t === kind);
  if (!known) throw new Error(`--destination ${kind}: use ${DESTINATION_TYPES.join(', ')}`);
  return known;
}

async function main(): Promise<number> {
  const kind = destinationKind();
  say('starting MariaDB');
  const s = await server();
  const conn = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, multipleStatements: true });
  say('creating the sample database "shop"');
  const started = performance.now();
  const counts = await createSampleShop(conn, 'shop');
  await conn.query('DROP DATABASE IF EXISTS shop_copy');
  await conn.end();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`${Object.entries(counts).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ')} — ${total.toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  mkdirSync(DIR, { recursive: true });
  const stateDir = join(DIR, 'state');
  rmSync(stateDir, { recursive: true, force: true });
  const taskFile = join(DIR, 'task.yaml');
  const setup = await DEMO_DESTINATIONS[kind](s, DIR, say);
  writeFileSync(taskFile, stringify({
    name: setup.taskName,
    source: { type: 'mysql', host: s.host, port: s.port, user: s.user, password: '${DEMO_DB_PASSWORD}' },
    destination: setup.destination,
    sync: { types: ['schema', 'full', 'incremental'], conflictMode: 'precheck-and-report' },
    objects: setup.objects,
    advanced: { fullLoad: { workers: 4, chunkRows: 20000 } },
  }));
  const secrets = ['DEMO_DB_PASSWORD', ...Object.keys(setup.env)].map((n) => `$${n}`).join(' and ');
  console.log(`task file: ${taskFile} (the secrets come from ${secrets})`);
  const env = { ...process.env, DEMO_DB_PASSWORD: s.password, ...setup.env };
  try {
    return await demo(kind, setup, stateDir, taskFile, env, total, counts, s);
  } finally {
    await setup.close();
  }
}

async function demo(
  kind: DestinationType, setup: DemoSetup, stateDir: string, taskFile: string, env: NodeJS.ProcessEnv, total: number,
  counts: Record<string, number>, s: { host: string; port: number; user: string; password: string },
): Promise<number> {
  say('precheck');
  if ((await fcDts(['precheck', '-c', taskFile], env)) !== 0) return 1;
  say('run: schema synchronization and full load');
  const runStarted = performance.now();
  if ((await fcDts(['run', '-c', taskFile, '--until', 'full-done', '--state', stateDir], env)) !== 0) return 1;
  const runSeconds = (performance.now() - runStarted) / 1000;

  say('changes on the source, then incremental sync from the binlog until caught up');
  const writer = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, multipleStatements: true });
  // Changes committed from this second on are after it: where the destination keeps history, the demo looks back to it.
  const beforeChanges = Math.floor(Date.now() / 1000);
  await writer.query(`USE shop;
    UPDATE orders SET status = 'shipped', note = CONCAT('shipped ', id) WHERE status = 'paid' AND id % 10 = 0;
    INSERT INTO orders SELECT 1000000 + seq, 1 + seq % 100, 'paid', seq * 1.5, NOW(6), 'new 😀' FROM seq_1_to_2000;
    DELETE FROM order_items WHERE order_id % 97 = 0;`);
  // The column change is replayed only where the destination takes DDL.
  const withDdl = setup.addedColumn !== undefined;
  if (withDdl) {
    await writer.query(`USE shop;
      ALTER TABLE customers ADD COLUMN ${setup.addedColumn};
      UPDATE customers SET loyalty_points = id % 500 WHERE id % 3 = 0;`);
  }
  await writer.end();
  console.log(`updated ~1,500 orders, inserted 2,000, deleted ~1,200 order items${withDdl ? ', added a column to customers and filled it' : ''}`);
  const incStarted = performance.now();
  if ((await fcDts(['run', '-c', taskFile, '--until', 'caught-up', '--state', stateDir], env)) !== 0) return 1;
  const incSeconds = (performance.now() - incStarted) / 1000;
  say('verify');
  const verified = await fcDts(['verify', '-c', taskFile], env);
  say('status');
  await fcDts(['status', '-c', taskFile, '--state', stateDir], env);
  const lookBack = setup.lookBack?.(taskFile, beforeChanges);
  if (lookBack) {
    say(`the orders table as it was before the changes (${new Date(beforeChanges * 1000).toISOString()}), ${counts.orders?.toLocaleString('en-US')} rows then`);
    if ((await fcDts(lookBack, env)) !== 0) return 1;
  }

  say('summary');
  console.log(setup.summary(total, Object.keys(counts).length));
  console.log(`precheck + schema + full load took ${runSeconds.toFixed(1)} s; incremental catch-up${withDdl ? ' (with a DDL)' : ''} ${incSeconds.toFixed(1)} s`);
  console.log(`verify: ${verified === 0 ? 'source and destination are identical' : 'DIFFERENCES FOUND'}`);
  console.log(`try it yourself: DEMO_DB_PASSWORD=<password> node bin/fc-dts.js status -c ${taskFile} --state ${stateDir}`);
  if (!process.env.FC_DTS_MYSQL_URL) console.log(`MariaDB keeps running on ${s.host}:${s.port}; stop it with: npm run mariadb -- stop --dir .local/mariadb`);
  return verified;
}

main().then(
  (code) => process.exit(code),
  (e: { message?: string; fix?: string }) => {
    console.error(`demo failed: ${e.message ?? String(e)}${e.fix ? `\nfix: ${e.fix}` : ''}`);
    process.exit(1);
  },
);
