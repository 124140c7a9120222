/** Precheck: the decision functions without a server, and runPrecheck against the real MariaDB. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { formatPrecheckReport, runPrecheck, type CheckResult, type PrecheckReport } from '../shared/precheck/precheck.ts';
import { binlogFeaturesVerdict, switchoverVerdict } from '../shared/precheck/binlog-features.ts';
import {
  binlogVerdict,
  effectiveRetentionSeconds,
  grantPatternMatches,
  holdsPrivilege,
  logSlaveUpdatesVerdict,
  parseGrantLine,
  retentionVerdict,
  rowMetadataVerdict,
  tableLimitVerdict,
  type Grant,
} from '../shared/precheck/source-checks.ts';
import { fourByteCondition, localInfileVerdict, maxAllowedPacketVerdict } from '../shared/destinations/mysql/mysql-checks.ts';
import { isMysqlReservedWord } from '../shared/precheck/mysql-reserved-words.ts';
import { validateTask } from '../shared/task/task-file.ts';
import type { DatabaseMapping } from '../shared/task/object-mapper.ts';
import type { Task } from '../shared/task/task.ts';
import { adminConnection, taskDoc, testEndpoint, uniqueName } from './helpers/mariadb.ts';

const DAY = 86_400;

function grantOf(line: string): Grant {
  const g = parseGrantLine(line);
  if (!g || !('grant' in g)) throw new Error(`not a privilege grant: ${line}`);
  return g.grant;
}

describe('decision functions', () => {
  it('binlog retention: 7 days with a full load, 24 hours without, 0 = never purged', () => {
    expect(retentionVerdict(7 * DAY, true).status).toBe('passed');
    const short = retentionVerdict(3 * DAY, true);
    expect(short.status).toBe('warning');
    expect(short.reason).toContain('3 days');
    expect(short.reason).toContain('7 days');
    expect(short.fix).toContain('binlog_expire_logs_seconds = 604800');
    expect(retentionVerdict(DAY, false).status).toBe('passed');
    expect(retentionVerdict(12 * 3600, false).reason).toContain('12 hours');
    expect(retentionVerdict(12 * 3600, false).status).toBe('warning');
    expect(retentionVerdict(0, true).status).toBe('passed');
    expect(retentionVerdict(DAY, true, 'polardb-mysql').fix).toContain('loose_expire_logs_hours');
  });

  it('effective retention: seconds win, then days; auto-purge off means never', () => {
    expect(effectiveRetentionSeconds(new Map([['binlog_expire_logs_seconds', '604800'], ['expire_logs_days', '7.000000']]))).toBe(604800);
    expect(effectiveRetentionSeconds(new Map([['binlog_expire_logs_seconds', '0'], ['expire_logs_days', '2.5']]))).toBe(2.5 * DAY);
    expect(effectiveRetentionSeconds(new Map([['expire_logs_days', '0']]))).toBe(0);
    expect(effectiveRetentionSeconds(new Map([['binlog_expire_logs_seconds', '3600'], ['binlog_expire_logs_auto_purge', 'OFF']]))).toBe(0);
  });

  it('binlog settings: each wrong one is named with its fix', () => {
    const ok = new Map([['log_bin', 'ON'], ['binlog_format', 'ROW'], ['binlog_row_image', 'FULL']]);
    expect(binlogVerdict(ok, 'mysql').status).toBe('passed');
    const bad = binlogVerdict(new Map([['log_bin', 'OFF'], ['binlog_format', 'MIXED'], ['binlog_row_image', 'MINIMAL']]), 'mysql');
    expect(bad.status).toBe('failed');
    expect(bad.reason).toMatch(/log_bin = OFF.*MIXED.*MINIMAL/);
    expect(bad.fix).toContain("SET GLOBAL binlog_format = 'ROW'");
    expect(bad.fix).toContain("SET GLOBAL binlog_row_image = 'FULL'");
    expect(binlogVerdict(new Map([['log_bin', 'OFF']]), 'polardb-mysql').fix).toContain('loose_polar_log_bin');
  });

  it('binlog_row_metadata: FULL passes; MINIMAL and absent (MySQL 5.7, PolarDB-X) pass with a warning: the schema history decodes them', () => {
    expect(rowMetadataVerdict('FULL', 'mysql').status).toBe('passed');
    const minimal = rowMetadataVerdict('MINIMAL', 'mysql');
    expect(minimal.status).toBe('warning');
    expect(minimal.reason).toContain('binlog_row_metadata is MINIMAL');
    expect(minimal.reason).toContain('decodes them with its schema history');
    expect(minimal.fix).toContain('binlog_row_metadata');
    const absent = rowMetadataVerdict(undefined, 'mysql');
    expect(absent.status).toBe('warning');
    expect(absent.reason).toContain('schema history');
    expect(absent.fix).toContain('set it to FULL');
    const polardbX = rowMetadataVerdict(undefined, 'polardb-x');
    expect(polardbX.status).toBe('warning');
    expect(polardbX.reason).toContain('PolarDB-X global binlog');
    expect(polardbX.fix).toContain('run no DDL fc-dts cannot follow');
  });

  it('binlog features: compressed transactions and partial JSON are read; an unknown checksum, or partial JSON without whole before images, fail with their fixes', () => {
    const vars = (entries: Array<[string, string]>) => new Map(entries);
    const clean = binlogFeaturesVerdict(vars([['binlog_checksum', 'CRC32'], ['binlog_transaction_compression', 'OFF'], ['binlog_row_value_options', '']]), 'mysql');
    expect(clean).toEqual({ status: 'passed', reason: 'binlog_checksum CRC32 (verified per binlog file), transaction compression OFF, whole JSON values in updates' });
    expect(binlogFeaturesVerdict(vars([]), 'mysql')).toEqual({ status: 'passed', reason: 'binlog_checksum NONE (verified per binlog file)' });
    const features = binlogFeaturesVerdict(vars([['binlog_transaction_compression', 'ON'], ['binlog_row_value_options', 'PARTIAL_JSON'], ['binlog_checksum', 'CRC32'], ['binlog_row_image', 'FULL']]), 'mysql');
    expect(features).toEqual({ status: 'passed', reason: 'binlog_checksum CRC32 (verified per binlog file), compressed transactions (zstd) are decompressed, partial JSON updates are applied to the whole before image' });
    const minimal = binlogFeaturesVerdict(vars([['binlog_row_value_options', 'PARTIAL_JSON'], ['binlog_row_image', 'MINIMAL']]), 'mysql');
    expect(minimal.status).toBe('failed');
    expect(minimal.reason).toContain('binlog_row_image is MINIMAL');
    expect(minimal.fix).toContain("SET GLOBAL binlog_row_image = 'FULL'");
    expect(minimal.fix).toContain("SET GLOBAL binlog_row_value_options = ''");
    expect(binlogFeaturesVerdict(vars([['binlog_checksum', 'SHA1']]), 'polardb-mysql')).toMatchObject({ status: 'failed', fix: expect.stringContaining('PolarDB console') });
    // MariaDB's own compression: compressed QUERY and row events are not read.
    expect(binlogFeaturesVerdict(vars([['log_bin_compress', 'ON']]), 'mysql')).toMatchObject({ status: 'failed', reason: expect.stringContaining('log_bin_compress is ON'), fix: expect.stringContaining('SET GLOBAL log_bin_compress = OFF') });
    expect(binlogFeaturesVerdict(vars([['log_bin_compress', 'OFF']]), 'mysql').status).toBe('passed');
  });

  it('switchover: with gtid_mode ON a switchover resumes by GTID; OFF warns with the fix; MariaDB needs a new full load', () => {
    const on = switchoverVerdict(new Map([['gtid_mode', 'ON']]), 'mysql');
    expect(on.status).toBe('passed');
    expect(on.reason).toMatch(/gtid_mode is ON: .*resumes on the new server by GTID/);
    const off = switchoverVerdict(new Map([['gtid_mode', 'OFF']]), 'mysql');
    expect(off).toMatchObject({ status: 'warning', reason: expect.stringContaining('needs a new full load'), fix: expect.stringContaining("SET GLOBAL gtid_mode = 'ON'") });
    expect(switchoverVerdict(new Map([['gtid_binlog_pos', '0-1-5']]), 'polardb-mysql').reason).toMatch(/^MariaDB GTIDs are on, but .*cluster fails over, the task stops and needs a new full load/);
  });

  it('log_slave_updates matters only on a replica', () => {
    expect(logSlaveUpdatesVerdict(true, false).status).toBe('failed');
    expect(logSlaveUpdatesVerdict(true, true).status).toBe('passed');
    expect(logSlaveUpdatesVerdict(false, false).reason).toContain('not a replica');
    expect(logSlaveUpdatesVerdict(undefined, false).status).toBe('warning');
    expect(logSlaveUpdatesVerdict(undefined, true).status).toBe('passed');
  });

  it('max_allowed_packet must hold a batch plus 1 MiB', () => {
    expect(maxAllowedPacketVerdict(16 << 20, 4 << 20).status).toBe('passed');
    const bad = maxAllowedPacketVerdict(4 << 20, 4 << 20);
    expect(bad.status).toBe('failed');
    expect(bad.fix).toContain(`SET GLOBAL max_allowed_packet = ${5 << 20}`);
  });

  it('local_infile OFF is a warning that the full load falls back to INSERTs', () => {
    const base = { name: 't', source: { host: 'h', user: 'u' }, destination: { type: 'mysql', host: 'h', user: 'u' }, objects: [{ database: 'd' }] };
    const task = validateTask(base);
    expect(localInfileVerdict(true, task).status).toBe('passed');
    const off = localInfileVerdict(false, task);
    expect(off.status).toBe('warning');
    expect(off.reason).toContain('falls back to multi-row INSERTs');
    expect(off.fix).toContain('SET GLOBAL local_infile = ON');
    expect(localInfileVerdict(false, validateTask({ ...base, advanced: { fullLoad: { loadData: false } } })).status).toBe('passed');
    expect(localInfileVerdict(false, validateTask({ ...base, sync: { types: ['schema'] } })).reason).toBe('no full load in this task');
  });

  it('table limit: MySQL sources 1,000 tables selected one by one, renamed or not; PolarDB only when renaming', () => {
    const fake = (n: number, renamed: boolean, whole = false) =>
      [{ whole, tables: Array.from({ length: n }, () => ({ renamed })) }] as unknown as DatabaseMapping[];
    // RDS MySQL / self-managed MySQL (reference 003): "Max 1,000 tables per task (when selecting tables as objects)".
    expect(tableLimitVerdict(fake(1001, true), 'mysql').status).toBe('failed');
    const plain = tableLimitVerdict(fake(1001, false), 'mysql');
    expect(plain.status).toBe('failed');
    expect(plain.reason).toBe('1,001 tables are selected one by one; a task with a mysql source supports at most 1,000 (renamed or not)');
    expect(plain.fix).toContain('select whole databases');
    expect(tableLimitVerdict(fake(1000, false), 'mysql').status).toBe('passed');
    expect(tableLimitVerdict(fake(1001, false, true), 'mysql').status).toBe('passed'); // a whole database
    // PolarDB for MySQL (002, 004): 1,000 when tables or columns are renamed; PolarDB-X (000): 5,000.
    expect(tableLimitVerdict(fake(1001, true), 'polardb-mysql').reason).toContain('1,000');
    expect(tableLimitVerdict(fake(1001, true), 'polardb-mysql').status).toBe('failed');
    expect(tableLimitVerdict(fake(1001, false), 'polardb-mysql').status).toBe('passed');
    expect(tableLimitVerdict(fake(1000, true), 'polardb-mysql').status).toBe('passed');
    expect(tableLimitVerdict(fake(1001, true), 'polardb-x').status).toBe('passed');
    expect(tableLimitVerdict(fake(5001, true), 'polardb-x').status).toBe('failed');
  });

  it('reserved words', () => {
    for (const w of ['select', 'SELECT', 'order', 'interval', 'window', 'lateral', 'key']) expect(isMysqlReservedWord(w)).toBe(true);
    for (const w of ['orders', 'user', 'status', 'name', 'action']) expect(isMysqlReservedWord(w)).toBe(false);
  });

  it('parses SHOW GRANTS lines of MariaDB and MySQL', () => {
    const all = grantOf("GRANT ALL PRIVILEGES ON *.* TO `fcdts`@`127.0.0.1` IDENTIFIED BY PASSWORD '*FC40F67E' WITH GRANT OPTION");
    expect(all).toEqual({ revoke: false, privileges: new Set(['ALL']), database: null, table: null });
    const repl = grantOf('GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `u`@`%`');
    expect([...repl.privileges]).toEqual(['REPLICATION SLAVE', 'REPLICATION CLIENT']);
    const db = grantOf('GRANT SELECT, SHOW VIEW ON `sh\\_op`.* TO `u`@`%`');
    expect(db).toMatchObject({ database: 'sh\\_op', table: null });
    expect(grantOf('GRANT SELECT ON `we``ird`.* TO `u`@`%`').database).toBe('we`ird');
    expect(grantOf('GRANT INSERT ON `shop`.`orders` TO `u`@`%`')).toMatchObject({ database: 'shop', table: 'orders' });
    expect(grantOf('GRANT SELECT (`Host`), INSERT ON `mysql`.`user` TO `u`@`%`').privileges).toEqual(new Set(['INSERT']));
    expect(grantOf('REVOKE SELECT ON `secret`.* FROM `u`@`%`')).toMatchObject({ revoke: true, database: 'secret' });
    expect(parseGrantLine('GRANT `r1` TO `u2`@`127.0.0.1`')).toEqual({ roles: ['`r1`'] });
    expect(parseGrantLine('GRANT `r1`@`%`,`r2`@`%` TO `u`@`%`')).toEqual({ roles: ['`r1`@`%`', '`r2`@`%`'] });
    expect(parseGrantLine("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION")).toBeUndefined();
    expect(parseGrantLine('GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `u`@`%`')).toBeUndefined();
  });

  it('database-level grants are LIKE patterns with \\ escapes', () => {
    expect(grantPatternMatches('sh\\_op', 'sh_op', false)).toBe(true);
    expect(grantPatternMatches('sh\\_op', 'shXop', false)).toBe(false);
    expect(grantPatternMatches('sh_op', 'shXop', false)).toBe(true);
    expect(grantPatternMatches('app%', 'app_2024', false)).toBe(true);
    expect(grantPatternMatches('Shop', 'shop', false)).toBe(false);
    expect(grantPatternMatches('Shop', 'shop', true)).toBe(true);
    const grants = [grantOf('GRANT SELECT ON *.* TO `u`@`%`'), grantOf('REVOKE SELECT ON `hr`.* FROM `u`@`%`'), grantOf('GRANT SHOW VIEW ON `shop`.`t1` TO `u`@`%`')];
    expect(holdsPrivilege(grants, 'SELECT', { database: 'shop' }, false)).toBe(true);
    expect(holdsPrivilege(grants, 'SELECT', { database: 'hr' }, false)).toBe(false);
    expect(holdsPrivilege(grants, 'SELECT', {}, false)).toBe(true);
    expect(holdsPrivilege(grants, 'SHOW VIEW', { database: 'shop' }, false)).toBe(false);
    expect(holdsPrivilege(grants, 'SHOW VIEW', { database: 'shop', table: 't1' }, false)).toBe(true);
    // ALL on a database does not give global-only privileges.
    expect(holdsPrivilege([grantOf('GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`')], 'REPLICATION SLAVE', {}, false)).toBe(false);
  });

  it('formats one line per item, a fix under warnings and failures, and a summary', () => {
    const report: PrecheckReport = {
      task: 'shop-to-rds',
      ok: false,
      items: [
        { id: 'source-connectivity', name: 'Source connectivity', side: 'source', status: 'passed', reason: 'connected', fix: 'unused' },
        { id: 'source-fk-cascade', name: 'Cascading foreign keys', side: 'source', status: 'warning', reason: 'shop.child (fk: ON DELETE CASCADE)', fix: 'delete children first' },
        { id: 'source-primary-keys', name: 'Primary keys of selected tables', side: 'source', status: 'failed', reason: 'shop.log has no key', fix: 'add a primary key' },
      ],
    };
    const text = formatPrecheckReport(report);
    const lines = text.split('\n');
    expect(lines[0]).toContain('shop-to-rds');
    expect(lines[1]).toMatch(/✓.*Source connectivity: connected$/);
    expect(lines[2]).toMatch(/!.*Cascading foreign keys: shop\.child/);
    expect(lines[3]).toMatch(/^\s+fix: delete children first$/);
    expect(lines[4]).toMatch(/✗.*Primary keys of selected tables: shop\.log has no key/);
    expect(lines[5]).toMatch(/^\s+fix: add a primary key$/);
    expect(lines[6]).toBe('1 passed, 1 warning, 1 failed: the task cannot start until the failed items are fixed.');
    expect(text).not.toContain('unused');
  });
});

describe('runPrecheck against MariaDB', () => {
  let admin: Connection;
  const dbs: string[] = [];
  const users: string[] = [];
  const db = (prefix: string) => {
    const name = uniqueName(prefix);
    dbs.push(name);
    return name;
  };
  const src = db('pc_src');
  const srcCopy = db('pc_src_copy'); // never created: schema sync would create it
  const keyless = db('pc_keyless');
  const fk = db('pc_fk');
  const invis = db('pc_invis');
  const px = db('pc_px');
  const conflictSrc = db('pc_cf_src');
  const conflictDst = db('pc_cf_dst');
  const csSrc = db('pc_cs_src');
  const csDst = db('pc_cs_dst');
  const ukSrc = db('pc_uk_src');
  const ukDst = db('pc_uk_dst');

  beforeAll(async () => {
    admin = await adminConnection();
    await admin.query(`
      CREATE DATABASE \`${src}\` CHARACTER SET utf8mb4;
      CREATE TABLE \`${src}\`.customers (id INT PRIMARY KEY, name VARCHAR(50));
      CREATE TABLE \`${src}\`.orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, note VARCHAR(100), KEY (customer_id));
      CREATE TABLE \`${src}\`.codes (code VARCHAR(10) NOT NULL, UNIQUE KEY (code));
      CREATE DATABASE \`${keyless}\`;
      CREATE TABLE \`${keyless}\`.with_key (id INT PRIMARY KEY);
      CREATE TABLE \`${keyless}\`.nokey (a INT, b INT, UNIQUE KEY (a));
      CREATE DATABASE \`${fk}\`;
      CREATE TABLE \`${fk}\`.parent (id INT PRIMARY KEY) ENGINE=InnoDB;
      CREATE TABLE \`${fk}\`.child (id INT PRIMARY KEY, parent_id INT, CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE) ENGINE=InnoDB;
      CREATE DATABASE \`${invis}\`;
      CREATE TABLE \`${invis}\`.accounts (id INT PRIMARY KEY, secret VARCHAR(20) INVISIBLE);
      CREATE DATABASE \`${px}\`;
      CREATE TABLE \`${px}\`.\`select\` (id INT PRIMARY KEY);
      CREATE TABLE \`${px}\`.\`Orders\` (id INT PRIMARY KEY);
      CREATE DATABASE \`${conflictSrc}\`;
      CREATE TABLE \`${conflictSrc}\`.t1 (id INT PRIMARY KEY);
      CREATE TABLE \`${conflictSrc}\`.t2 (id INT PRIMARY KEY);
      CREATE DATABASE \`${conflictDst}\`;
      CREATE TABLE \`${conflictDst}\`.t1 (id INT PRIMARY KEY);
      CREATE DATABASE \`${csSrc}\` CHARACTER SET utf8mb4;
      CREATE TABLE \`${csSrc}\`.msgs (id INT PRIMARY KEY, body VARCHAR(100) CHARACTER SET utf8mb4, title VARCHAR(100) CHARACTER SET utf8mb4);
      INSERT INTO \`${csSrc}\`.msgs VALUES (1, 'plain', 'plain'), (2, 'héllo wörld', 'ünïcode but BMP'), (3, 'party 🎉 time', 'no emoji');
      CREATE TABLE \`${csSrc}\`.wide (id INT PRIMARY KEY, a TEXT CHARACTER SET utf16, b TEXT CHARACTER SET utf32, c TEXT CHARACTER SET utf8mb4);
      INSERT INTO \`${csSrc}\`.wide VALUES (1, 'ü 中', 'ü 中', 'ü 中'), (2, 'x 🎉', 'x 🎉', 'x 🎉'), (3, NULL, NULL, NULL);
      CREATE DATABASE \`${csDst}\`;
      CREATE TABLE \`${csDst}\`.msgs (id INT PRIMARY KEY, body VARCHAR(100) CHARACTER SET latin1, title VARCHAR(100) CHARACTER SET utf8mb3);
      CREATE DATABASE \`${ukSrc}\`;
      CREATE TABLE \`${ukSrc}\`.users (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, nick VARCHAR(20), UNIQUE KEY uemail (email));
      CREATE TABLE \`${ukSrc}\`.plain (id INT PRIMARY KEY, v INT);
      CREATE DATABASE \`${ukDst}\`;
      CREATE TABLE \`${ukDst}\`.users (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, nick VARCHAR(20), UNIQUE KEY uemail (email), UNIQUE KEY unick (nick));
    `);
  });

  afterAll(async () => {
    for (const u of users) await admin.query(`DROP USER IF EXISTS ${u}`);
    for (const d of dbs) await admin.query(`DROP DATABASE IF EXISTS \`${d}\``);
    await admin.end();
  });

  const task = (overrides: Record<string, unknown>): Task => validateTask(taskDoc(overrides));
  const item = (r: PrecheckReport, id: string): CheckResult => {
    const found = r.items.find((i) => i.id === id);
    if (!found) throw new Error(`no item ${id} in ${r.items.map((i) => i.id).join(', ')}`);
    return found;
  };

  it('passes every item on a well-formed task', async () => {
    const report = await runPrecheck(task({ name: 'all-pass', objects: [{ database: src, as: srcCopy }] }));
    const notPassed = report.items.filter((i) => i.status !== 'passed');
    expect(notPassed).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.task).toBe('all-pass');
    expect(report.items.map((i) => i.id)).toEqual([
      'source-connectivity',
      'source-privileges',
      'source-binlog',
      'source-binlog-row-metadata',
      'source-binlog-features',
      'source-switchover',
      'source-binlog-retention',
      'source-log-slave-updates',
      'task-objects',
      'task-table-limit',
      'source-primary-keys',
      'source-unique-keys',
      'source-invisible-columns',
      'source-fk-cascade',
      'destination-connectivity',
      'destination-privileges',
      'destination-name-conflicts',
      'destination-unique-keys',
      'destination-charset',
      'destination-max-allowed-packet',
      'destination-local-infile',
    ]);
    expect(item(report, 'task-objects').reason).toBe('3 tables in 1 database');
    expect(item(report, 'source-binlog-retention').reason).toContain('7 days');
    expect(item(report, 'source-connectivity').reason).toContain('MariaDB');
    expect(formatPrecheckReport(report)).toContain('21 passed, 0 warnings, 0 failed: the task can start.');
  });

  it('unique keys: names the source tables applied in binlog order, and warns of a unique key only the destination has', async () => {
    const report = await runPrecheck(task({ name: 'uk', objects: [{ database: ukSrc, as: ukDst }], sync: { conflictMode: 'ignore-and-proceed' } }));
    expect(item(report, 'source-unique-keys')).toMatchObject({ status: 'passed', objects: [`${ukSrc}.users`], reason: expect.stringMatching(/^1 table with unique keys beside the primary key .*: their changes apply in binlog order, one bucket per table/) });
    expect(item(report, 'destination-unique-keys')).toMatchObject({ status: 'warning', objects: [`${ukDst}.users (unick)`], fix: expect.stringContaining('drop those keys in the destination') });
    const none = await runPrecheck(task({ name: 'uk-none', objects: [{ database: ukSrc, as: db('pc_uk_new'), tables: [{ name: 'plain' }] }] }));
    expect(item(none, 'source-unique-keys').reason).toBe('no selected table has a unique key beside its primary key');
    expect(item(none, 'destination-unique-keys').status).toBe('passed');
  });

  it('names missing privileges with the exact GRANT statements that fix them', async () => {
    const ep = testEndpoint();
    const name = `pcu${process.pid % 10000}_${Date.now() % 100000}`;
    const account = `'${name}'@'127.0.0.1'`;
    users.push(account);
    const password = 'pc-secret-pass-42';
    await admin.query(`CREATE USER ${account} IDENTIFIED BY '${password}'; GRANT SELECT ON \`${src}\`.* TO ${account}; GRANT REPLICATION SLAVE ON *.* TO ${account};
      GRANT SELECT, INSERT ON \`${srcCopy}\`.* TO ${account}`);
    const restricted = { host: ep.host, port: ep.port, user: name, password };
    const t = task({ objects: [{ database: src, as: srcCopy }], source: { type: 'mysql', ...restricted }, destination: { type: 'mysql', ...restricted } });

    const before = await runPrecheck(t);
    const srcPriv = item(before, 'source-privileges');
    expect(srcPriv.status).toBe('failed');
    expect(srcPriv.reason).toContain('REPLICATION CLIENT (global)');
    expect(srcPriv.reason).toContain(`SHOW VIEW on database ${src}`);
    expect(srcPriv.reason).not.toContain('REPLICATION SLAVE');
    expect(srcPriv.fix).toContain(`GRANT REPLICATION CLIENT ON *.* TO '${name}'@'127.0.0.1';`);
    const dstPriv = item(before, 'destination-privileges');
    expect(dstPriv.status).toBe('failed');
    expect(dstPriv.reason).toMatch(/UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES, CREATE VIEW, TRIGGER, CREATE ROUTINE, ALTER ROUTINE on database/);
    expect(dstPriv.reason).toContain('does not exist yet');
    expect(before.ok).toBe(false);
    // Without SHOW REPLICA STATUS rights the check still answers (from Slaves_running).
    expect(item(before, 'source-log-slave-updates').status).toBe('passed');
    expect(JSON.stringify(before)).not.toContain(password);

    // The fixes are runnable as given, and then the items pass.
    for (const fix of [srcPriv.fix!, dstPriv.fix!]) await admin.query(fix.replace(/^run as an administrator: /, ''));
    const after = await runPrecheck(t);
    expect(item(after, 'source-privileges').status).toBe('passed');
    expect(item(after, 'destination-privileges').status).toBe('passed');
  });

  it('reports a wrong password as a failed connectivity item without the password', async () => {
    const password = 'definitely-wrong-pw-9';
    const t = task({ objects: [{ database: src, as: srcCopy }], source: { type: 'mysql', ...testEndpoint(), password } });
    const report = await runPrecheck(t);
    const conn = item(report, 'source-connectivity');
    expect(conn.status).toBe('failed');
    expect(conn.reason).toMatch(/access denied/i);
    expect(conn.fix).toContain('source.password');
    expect(report.ok).toBe(false);
    expect(report.items.some((i) => i.id === 'source-privileges' || i.id === 'task-objects')).toBe(false);
    expect(item(report, 'destination-connectivity').status).toBe('passed');
    expect(JSON.stringify(report)).not.toContain(password);
    expect(formatPrecheckReport(report)).not.toContain(password);
  });

  it('reports an unreachable destination and leaves out what needs it', async () => {
    const t = task({ objects: [{ database: src, as: srcCopy }], destination: { type: 'mysql', ...testEndpoint(), port: 1 } });
    const report = await runPrecheck(t);
    const conn = item(report, 'destination-connectivity');
    expect(conn.status).toBe('failed');
    expect(conn.reason).toContain('127.0.0.1:1');
    expect(conn.reason).toContain('refused');
    expect(conn.fix).toContain('destination.port');
    expect(report.items.filter((i) => i.side === 'destination').map((i) => i.id)).toEqual(['destination-connectivity']);
    expect(item(report, 'source-binlog').status).toBe('passed');
  });

  it('fails on objects that do not exist instead of throwing', async () => {
    const report = await runPrecheck(task({ objects: [{ database: src, tables: ['nope'] }] }));
    const objects = item(report, 'task-objects');
    expect(objects.status).toBe('failed');
    expect(objects.reason).toContain(`${src}.nope`);
    expect(objects.fix).toBeTruthy();
    expect(report.items.some((i) => i.id === 'source-primary-keys' || i.id === 'destination-name-conflicts')).toBe(false);
  });

  it('fails on a table without a primary or NOT NULL unique key', async () => {
    const report = await runPrecheck(task({ objects: [{ database: keyless, as: db('pc_keyless_copy') }] }));
    const pk = item(report, 'source-primary-keys');
    expect(pk.status).toBe('failed');
    expect(pk.reason).toContain(`${keyless}.nokey`);
    expect(pk.reason).not.toContain('with_key');
    expect(pk.objects).toEqual([`${keyless}.nokey`]);
    expect(pk.fix).toContain('PRIMARY KEY');
  });

  it('name conflicts: failed, warning with ignore-and-proceed, none for tables the task owns', async () => {
    const objects = [{ database: conflictSrc, as: conflictDst }];
    const strict = await runPrecheck(task({ objects }));
    const c1 = item(strict, 'destination-name-conflicts');
    expect(c1.status).toBe('failed');
    expect(c1.reason).toContain(`${conflictDst}.t1`);
    expect(c1.reason).not.toContain(`${conflictDst}.t2`);
    expect(c1.fix).toContain('ignore-and-proceed');

    const lenient = await runPrecheck(task({ objects, sync: { conflictMode: 'ignore-and-proceed' } }));
    const c2 = item(lenient, 'destination-name-conflicts');
    expect(c2.status).toBe('warning');
    expect(c2.reason).toContain('keeps their rows');

    const owned = await runPrecheck(task({ objects }), { ownedTables: new Set([`${conflictDst}.t1`.toLowerCase()]) });
    const c3 = item(owned, 'destination-name-conflicts');
    expect(c3.status).toBe('passed');
    expect(c3.reason).toContain('earlier run');

    const incremental = await runPrecheck(task({ objects, sync: { types: ['incremental'] } }));
    expect(item(incremental, 'destination-name-conflicts').status).toBe('passed');
  });

  it('warns about cascading foreign keys and invisible columns', async () => {
    const report = await runPrecheck(task({ objects: [{ database: fk, as: db('pc_fk_copy') }, { database: invis, as: db('pc_invis_copy') }] }));
    const cascade = item(report, 'source-fk-cascade');
    expect(cascade.status).toBe('warning');
    expect(cascade.reason).toContain(`${fk}.child (fk_child_parent: ON DELETE CASCADE)`);
    expect(cascade.reason).toContain('binlog');
    const hidden = item(report, 'source-invisible-columns');
    expect(hidden.status).toBe('warning');
    expect(hidden.reason).toContain(`${invis}.accounts.secret`);
    expect(hidden.reason).toContain('ARE copied');
    expect(report.ok).toBe(true);
  });

  it('PolarDB-X: reserved-word table names fail, upper-case names warn', async () => {
    const reserved = await runPrecheck(task({ source: { type: 'polardb-x', ...testEndpoint() }, objects: [{ database: px, as: db('pc_px_copy1'), tables: ['select'] }] }));
    const r = item(reserved, 'source-object-names');
    expect(r.status).toBe('failed');
    expect(r.reason).toContain(`${px}.select`);
    expect(r.reason).toContain('reserved');
    expect(r.fix).toContain(`RENAME TABLE \`${px}\`.\`select\` TO \`${px}\`.\`select_t\``);

    const upper = await runPrecheck(task({ source: { type: 'polardb-x', ...testEndpoint() }, objects: [{ database: px, as: db('pc_px_copy2'), tables: ['Orders'] }] }));
    const u = item(upper, 'source-object-names');
    expect(u.status).toBe('warning');
    expect(u.reason).toContain(`${px}.Orders`);
    expect(u.reason).toContain('only schema synchronization is supported');

    // Other source types do not have the item.
    const mysql = await runPrecheck(task({ objects: [{ database: px, as: db('pc_px_copy3'), tables: ['select'] }] }));
    expect(mysql.items.some((i) => i.id === 'source-object-names')).toBe(false);
  });

  it('destination charset: an existing latin1/utf8mb3 table fails for a column holding an emoji and warns for one without', async () => {
    const report = await runPrecheck(task({ objects: [{ database: csSrc, as: csDst }], sync: { conflictMode: 'ignore-and-proceed' } }));
    const cs = item(report, 'destination-charset');
    expect(cs.status).toBe('failed');
    expect(cs.reason).toContain(`${csDst}.msgs.body (latin1)`);
    expect(cs.reason).toContain('4-byte');
    expect(cs.objects).toEqual([`${csDst}.msgs.body`, `${csDst}.msgs.title`]);
    expect(cs.fix).toContain(`ALTER TABLE \`${csDst}\`.\`msgs\` CONVERT TO CHARACTER SET utf8mb4`);

    // The scan condition is right for every character set that can hold a 4-byte character.
    for (const col of ['a', 'b', 'c']) {
      const [rows] = await admin.query(`SELECT id FROM \`${csSrc}\`.wide WHERE ${fourByteCondition(col)}`);
      expect(rows).toEqual([{ id: 2 }]);
    }

    // Only the emoji-free column: a warning (a 4-byte character written later would be rejected).
    const titleOnly = await runPrecheck(
      task({ objects: [{ database: csSrc, as: csDst, tables: [{ name: 'msgs', columns: ['id', 'title'] }] }], sync: { conflictMode: 'ignore-and-proceed' } }),
    );
    const w = item(titleOnly, 'destination-charset');
    expect(w.status).toBe('warning');
    expect(w.reason).toContain(`${csDst}.msgs.title (utf8mb3)`);
  });

  it('fails when max_allowed_packet cannot hold a full-load batch', async () => {
    const report = await runPrecheck(task({ objects: [{ database: src, as: srcCopy }], advanced: { fullLoad: { batchBytes: 256 << 20 } } }));
    const p = item(report, 'destination-max-allowed-packet');
    expect(p.status).toBe('failed');
    expect(p.reason).toContain('256 MiB');
    expect(p.fix).toContain('SET GLOBAL max_allowed_packet');
  });
});
