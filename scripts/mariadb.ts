/** npm run mariadb -- start|stop|status [--dir DIR] [--port N]: the local MariaDB the demo and tests use. */
import { parseArgs } from 'node:util';
import { startMariaDb, stopMariaDb, runningServer, DEFAULT_PORT } from './lib/mariadb-server.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: 'string', default: '.local/mariadb' }, port: { type: 'string' } },
});
const command = positionals[0] ?? 'status';
const port = Number(values.port ?? process.env.FC_DTS_MARIADB_PORT ?? DEFAULT_PORT);
try {
  if (command === 'start') {
    const s = await startMariaDb({ dir: values.dir, port }, (l) => console.error(l));
    console.log(s.url);
  } else if (command === 'stop') {
    console.log((await stopMariaDb(values.dir)) ? 'stopped' : 'not running');
  } else if (command === 'status') {
    const s = runningServer(values.dir);
    console.log(s ? `running: ${s.url}` : 'not running');
  } else {
    console.error('usage: npm run mariadb -- start|stop|status [--dir DIR] [--port N]');
    process.exitCode = 2;
  }
} catch (e) {
  const err = e as { message: string; fix?: string };
  console.error(`error: ${err.message}${err.fix ? `\nfix: ${err.fix}` : ''}`);
  process.exitCode = 1;
}
