/**
 * A private MariaDB server for tests, the demo and benchmarks: its own data directory and port,
 * bound to 127.0.0.1, with the binlog settings fc-dts needs (ROW, FULL images, FULL row metadata).
 * Installs mariadb-server from the OS packages when it is missing.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, openSync, closeSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { FcDtsError } from '../../shared/errors.ts';

const run = promisify(execFile);

export interface MariaDbServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  readonly socket: string;
  /** mysql://user:password@127.0.0.1:port/ */
  readonly url: string;
}

export interface StartOptions {
  /** Directory holding data/, the socket, the pid file and the error log. */
  readonly dir: string;
  readonly port?: number;
  /** Extra mariadbd options, e.g. ['--default-time-zone=+03:00']. */
  readonly extraArgs?: readonly string[];
}

export const DEFAULT_PORT = 3407;
const USER = 'fcdts';
const PASSWORD = 'fcdts-local';

async function which(cmd: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Installs mariadb-server with apt when mariadbd is missing. */
export async function ensureMariaDbInstalled(log: (line: string) => void = () => {}): Promise<void> {
  if ((await which('mariadbd')) && (await which('mariadb-install-db'))) return;
  if (process.getuid?.() !== 0) {
    throw new FcDtsError(
      'ENVIRONMENT',
      'MariaDB is not installed and this process is not root, so it cannot install it',
      'install it yourself (sudo apt-get install -y mariadb-server mariadb-client), or set FC_DTS_MYSQL_URL=mysql://user:pass@host:port/ to use an existing server',
    );
  }
  if (!(await which('apt-get'))) {
    throw new FcDtsError(
      'ENVIRONMENT',
      'MariaDB is not installed and this system has no apt-get',
      'install MariaDB 10.6+ with your package manager, or set FC_DTS_MYSQL_URL to an existing server',
    );
  }
  log('installing mariadb-server from the OS packages (apt-get) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update'], { env, maxBuffer: 64 << 20 });
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'mariadb-server', 'mariadb-client'], {
      env,
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    throw new FcDtsError(
      'ENVIRONMENT',
      `apt-get could not install mariadb-server: ${(e as Error).message.split('\n')[0]}`,
      'check that the Debian package mirror is reachable, or set FC_DTS_MYSQL_URL to an existing server',
    );
  }
}

function paths(dir: string) {
  const root = resolve(dir);
  return {
    root,
    data: join(root, 'data'),
    socket: join(root, 'mariadb.sock'),
    pid: join(root, 'mariadb.pid'),
    log: join(root, 'error.log'),
    port: join(root, 'port'),
  };
}

function serverInfo(dir: string, port: number): MariaDbServer {
  const p = paths(dir);
  return {
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    dataDir: p.data,
    socket: p.socket,
    url: `mysql://${USER}:${PASSWORD}@127.0.0.1:${port}/`,
  };
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ host: '127.0.0.1', port, user: USER, password: PASSWORD, connectTimeout: 1000 });
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Whether a process with this pid exists (signal 0 probes without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
}

/** Starts the server in `dir` (initializing it on first use), or reuses one already running there. */
export async function startMariaDb(opts: StartOptions, log: (line: string) => void = () => {}): Promise<MariaDbServer> {
  const p = paths(opts.dir);
  const port = opts.port ?? DEFAULT_PORT;
  if (pidAlive(p.pid) && existsSync(p.port)) {
    const running = Number(readFileSync(p.port, 'utf8'));
    if (await canConnect(running)) return serverInfo(opts.dir, running);
  }
  await ensureMariaDbInstalled(log);
  mkdirSync(p.root, { recursive: true });
  const fresh = !existsSync(join(p.data, 'mysql'));
  if (fresh) {
    log(`initializing a MariaDB data directory in ${p.data}`);
    rmSync(p.data, { recursive: true, force: true });
    await run('mariadb-install-db', [
      `--datadir=${p.data}`,
      '--user=root',
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
    ], { maxBuffer: 64 << 20 });
  }
  const args = [
    '--no-defaults',
    `--datadir=${p.data}`,
    `--socket=${p.socket}`,
    `--pid-file=${p.pid}`,
    `--log-error=${p.log}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--user=root',
    '--skip-name-resolve',
    // The binlog as fc-dts requires it of every source (precheck items).
    '--log-bin=mariadb-bin',
    '--server-id=1',
    '--binlog-format=ROW',
    '--binlog-row-image=FULL',
    '--binlog-row-metadata=FULL',
    '--log-slave-updates=ON',
    '--expire-logs-days=7',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--max-allowed-packet=256M',
    '--max-connections=500',
    '--innodb-buffer-pool-size=1G',
    '--innodb-log-file-size=512M',
    // A local test server: durability is relaxed for speed; production sources keep their own settings.
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    ...(opts.extraArgs ?? []),
  ];
  const out = openSync(p.log, 'a');
  const child = spawn('mariadbd', args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  closeSync(out);
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw startFailure(p.log, port);
    if (existsSync(p.socket) && (await setUpAccount(p.socket))) break;
    if (Date.now() > deadline) throw startFailure(p.log, port);
    await new Promise((r) => setTimeout(r, 200));
  }
  writeFileSync(p.port, String(port));
  if (!(await canConnect(port))) throw startFailure(p.log, port);
  log(`MariaDB running on 127.0.0.1:${port} (data in ${p.data})`);
  return serverInfo(opts.dir, port);
}

function startFailure(logFile: string, port: number): FcDtsError {
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).slice(-5).join(' | ') : '';
  return new FcDtsError(
    'ENVIRONMENT',
    `MariaDB did not start on 127.0.0.1:${port}: ${tail}`,
    `see ${logFile}; if the port is taken, pass another with --port or FC_DTS_MARIADB_PORT`,
  );
}

/** Creates the TCP account over the root socket (root authenticates by unix_socket as we are root). */
async function setUpAccount(socket: string): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ socketPath: socket, user: 'root' });
    await c.query(`CREATE USER IF NOT EXISTS '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`);
    await c.query(`GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'127.0.0.1' WITH GRANT OPTION`);
    await c.end();
    return true;
  } catch {
    return false;
  }
}

export async function stopMariaDb(dir: string): Promise<boolean> {
  const p = paths(dir);
  const pid = pidAlive(p.pid);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, 'SIGKILL');
  return true;
}

/** The pid of the server running in `dir`, if one is. */
export function serverPid(dir: string): number | undefined {
  return pidAlive(paths(dir).pid);
}

export function runningServer(dir: string): MariaDbServer | undefined {
  const p = paths(dir);
  if (!pidAlive(p.pid) || !existsSync(p.port)) return undefined;
  return serverInfo(dir, Number(readFileSync(p.port, 'utf8')));
}
