/**
 * The binlog files real MySQL and MariaDB servers wrote (../shared/fixtures/mysql-binlogs beside the
 * repository, its README.md says what each holds). Tests read them there and never copy them; a
 * missing folder fails the test that needs it, naming the folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BINLOG_FIXTURES = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'mysql-binlogs');

export function binlogFixturePath(file: string): string {
  if (!existsSync(BINLOG_FIXTURES)) throw new Error(`the MySQL binlog fixtures folder ${BINLOG_FIXTURES} (../shared/fixtures/mysql-binlogs beside the repository) is missing`);
  return join(BINLOG_FIXTURES, file);
}

export function readBinlogFixture(file: string): Buffer {
  return readFileSync(binlogFixturePath(file));
}
