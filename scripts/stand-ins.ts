/**
 * npm run stand-ins -- [--dir DIR]
 * Starts the local MNS, Tablestore, MaxCompute and Lindorm stand-ins on free loopback ports, prints one
 * JSON line with their endpoints and credentials (one AccessKey pair for the first three; the Lindorm
 * stand-in's MySQL host, port, user and password), and serves until stopped (Ctrl-C). With --dir their
 * state persists there (DIR/mns, DIR/tablestore, DIR/maxcompute, DIR/lindorm).
 */
import { parseArgs } from 'node:util';
import { newStandInKeys, startStandIns } from './lib/stand-ins.ts';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
const standIns = await startStandIns({
  ...(values.dir ? { dir: values.dir } : {}),
  ...newStandInKeys(),
});
process.stdout.write(JSON.stringify(standIns.describe()) + '\n');
const stop = async () => {
  await standIns.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
