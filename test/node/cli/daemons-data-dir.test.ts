/**
 * Both daemons, run as a user runs them, on their data directory: one that
 * others can write is refused at start (naming it, its mode and the chmod
 * that fixes it) before anything is written in it; one they can only read
 * is made 0700 with a warning; and every file the daemon makes in it (its
 * stores and their lock files, the daemon's lock, the control socket) is
 * owner-only.
 */
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t, { type Test } from 'tap';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { initDaemon, shortTempDir, startDaemon } from './mesh-cluster.js';
import { lnmeshAsync } from './run-cli.js';

t.setTimeout(240_000);

/** Every entry under `dir` with its permission bits, relative paths sorted. */
function modesUnder(dir: string): Map<string, number> {
  const modes = new Map<string, number>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      modes.set(relative(dir, path), statSync(path).mode & 0o777);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return new Map([...modes].sort(([a], [b]) => a.localeCompare(b)));
}

/** The daemon on a 0777 data directory: exit 1, the message, and nothing new in the directory. */
async function refusedOnOpenDir(t: Test, kind: 'node' | 'gateway', config: string, dataDir: string): Promise<void> {
  const before = [...modesUnder(dataDir).keys()];
  chmodSync(dataDir, 0o777);
  const run = await lnmeshAsync(kind, '--config', config);
  t.equal(run.status, 1, `the ${kind} daemon exits 1`);
  t.equal(
    run.stderr,
    `lnmesh: ${dataDir}: mode 0777: group or others can write it, so they could replace the stores, the lock or the control socket in it. Check that nothing in it is someone else's, then run chmod 700 ${dataDir}\n`,
    'naming the directory, its mode and the fix',
  );
  t.same([...modesUnder(dataDir).keys()], before, 'nothing was written in it');
  t.equal(statSync(dataDir).mode & 0o777, 0o777, 'and its mode is left for the user to fix');
}

/** After a start on a 0755 directory: the directory 0700, and no entry under it with a bit for group or others. */
function checkOwnerOnly(t: Test, dataDir: string, expected: readonly string[]): void {
  t.equal(statSync(dataDir).mode & 0o777, 0o700, 'the data directory was made 0700');
  const modes = modesUnder(dataDir);
  for (const name of expected) t.ok(modes.has(name), `${name} is there`);
  const open = [...modes].filter(([, mode]) => (mode & 0o077) !== 0).map(([name, mode]) => `${name} ${mode.toString(8)}`);
  t.same(open, [], `none of the ${modes.size} entries is open to group or others`);
  for (const [name, mode] of modes) if (statSync(join(dataDir, name)).isFile()) t.equal(mode, 0o600, `${name} is 0600`);
}

t.test('the node daemon refuses a world-writable data directory, tightens a readable one, and makes its stores 0600', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const node = await initDaemon(dir.path, 'node', 'solo');
  const dataDir = join(dir.path, 'solo-data');
  await refusedOnOpenDir(t, 'node', node.config, dataDir);

  chmodSync(dataDir, 0o755);
  const daemon = await startDaemon('node', node.config);
  t.teardown(daemon.stop);
  t.match(daemon.output(), /the data directory was readable by group or others: made 0700/);
  t.match(daemon.output(), /"was":"0755"|was: "0755"/);
  checkOwnerOnly(t, dataDir, ['seed', 'lock', 'control.sock', 'node', 'node/data.mdb', 'node/lock.mdb', 'outbox', 'outbox/data.mdb', 'outbox/lock.mdb']);
  t.equal(statSync(join(dataDir, 'node')).mode & 0o777, 0o700, 'each store\'s folder is 0700');
  t.equal(await daemon.stop(), 0);
});

t.test('the gateway daemon refuses a world-writable data directory, tightens a readable one, and makes its stores 0600', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const mqttUrl = await mqttBrokerUrl(t);
  const gateway = await initDaemon(dir.path, 'gateway', 'gw');
  // The config init wrote, pointed at this test's broker.
  writeFileSync(gateway.config, readFileSync(gateway.config, 'utf8').replace('mqtt://127.0.0.1:1883', mqttUrl));
  const dataDir = join(dir.path, 'gw-data');
  await refusedOnOpenDir(t, 'gateway', gateway.config, dataDir);

  chmodSync(dataDir, 0o750);
  const daemon = await startDaemon('gateway', gateway.config);
  t.teardown(daemon.stop);
  t.match(daemon.output(), /the data directory was readable by group or others: made 0700/);
  // Stores opened by the tower, the mailbox, the link outbox and the chain feed: owner-only through the daemon's umask.
  checkOwnerOnly(t, dataDir, ['gateway.key', 'lock', 'control.sock', 'tower-appointments/data.mdb', 'tower-responses/data.mdb', 'mailbox/data.mdb', 'outbox/data.mdb', 'chain-feed/data.mdb']);
  t.equal(await daemon.stop(), 0);
});
