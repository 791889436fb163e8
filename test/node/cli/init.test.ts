// `lnmesh init node|gateway`, run as a user runs it: a config that loads, a
// new seed or key readable only by its owner, the node id to hand out, and
// never an overwrite or a secret on the terminal.
import t, { type Test } from 'tap';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { loadGatewayConfig } from '../../../gateway/daemon/gateway-config.js';
import { loadNodeConfig } from '../../../node/config/node-config.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { nodeKeyFromSecret } from '../../../node/core/node-key.js';
import { readSeedFile, seedToWords } from '../../../node/keys/seed.js';
import { type Run, lnmesh } from './run-cli.js';

/** Every secret written so far, as hex and as words: none may ever be printed. */
const secrets: string[] = [];

function remember(path: string): void {
  const secret = readSeedFile(path);
  secrets.push(bytesToHex(secret), seedToWords(secret));
}

/** `lnmesh init ...`, checked for secrets on both streams. */
function init(t: Test, ...args: string[]): Run {
  const run = lnmesh('init', ...args);
  t.notOk(secrets.some((secret) => run.stdout.includes(secret) || run.stderr.includes(secret)), 'no secret written so far is printed');
  return run;
}

/** After a run, every secret it may have created must be absent from its output too. */
function checkNoSecretPrinted(t: Test, run: Run, ...secretFiles: string[]): void {
  for (const file of secretFiles) {
    const secret = readSeedFile(file);
    for (const text of [bytesToHex(secret), seedToWords(secret), seedToWords(secret).split(' ').slice(0, 3).join(' ')]) {
      t.notOk(run.stdout.includes(text) || run.stderr.includes(text), `the secret of ${file} is not printed`);
    }
  }
}

/** A refused command line: a non-zero exit, commander's usage line, nothing written in `dir`. */
function usageRefusal(t: Test, run: Run, reason: RegExp): void {
  t.not(run.status, 0, 'a non-zero exit');
  t.not(run.status, null, 'an exit, not a signal');
  t.match(run.stderr, reason, 'says what is wrong');
  t.match(run.stderr, /Usage: lnmesh init \[options\] <kind>/, 'with the usage line');
  t.equal(run.stdout, '');
}

t.test('init node writes a config that loads and a 0600 seed, and prints the node id', async (t) => {
  const dir = t.testdir();
  const config = join(dir, 'a.yaml');
  const run = init(t, 'node', '--config', config);
  t.equal(run.status, 0, `exit 0${run.status === 0 ? '' : `: ${run.stderr}`}`);
  t.equal(run.stderr, '');
  const seedFile = join(dir, 'a-data', 'seed');
  t.ok(existsSync(seedFile), 'the seed is in a-data beside a.yaml, named after it');
  remember(seedFile);
  checkNoSecretPrinted(t, run, seedFile);
  t.equal(statSync(seedFile).mode & 0o777, 0o600, 'the seed is 0600');
  t.equal(statSync(join(dir, 'a-data')).mode & 0o777, 0o700, 'the data directory is 0700');
  t.equal(statSync(config).mode & 0o777, 0o600, 'the config is 0600: it will hold passwords');

  const loaded = loadNodeConfig(config);
  t.equal(loaded.network, 'regtest', 'regtest unless asked');
  t.equal(loaded.dataDir, join(dir, 'a-data'));
  t.equal(loaded.seedFile, seedFile, 'the daemon will read the seed init wrote');
  t.equal(loaded.gateway, undefined);
  t.match(readFileSync(config, 'utf8'), 'dataDir: "./a-data"', 'the data directory relative to the config, so the pair can move');

  const nodeId = /^node id ([0-9a-f]{66})$/m.exec(run.stdout)?.[1];
  t.ok(nodeId, 'prints the node id');
  const seedId = lnmesh('seed', 'id', '--file', seedFile);
  t.equal(seedId.stdout, `${nodeId}\n`, 'the same node id lnmesh seed id prints');
  t.match(run.stdout, `wrote ${config}`);
  t.match(run.stdout, `created ${seedFile} (owner only)`);
  t.match(run.stdout, `lnmesh seed words --file ${seedFile}`, 'tells how to back the seed up, without showing it');
  t.match(run.stdout, `lnmesh node --config ${config}`, 'and what to run next');

  t.test('a second run refuses and changes nothing', async (t) => {
    const configText = readFileSync(config, 'utf8');
    const seedText = readFileSync(seedFile, 'utf8');
    const files = readdirSync(dir).sort();
    const again = init(t, 'node', '--config', config);
    t.equal(again.status, 2, 'exit 2: bad input');
    t.equal(again.stdout, '');
    t.equal(again.stderr, `lnmesh: --config: ${config} exists; refusing to overwrite a config (choose another path or remove it)\n`, 'names --config and the file');
    t.equal(readFileSync(config, 'utf8'), configText, 'the config is unchanged');
    t.equal(readFileSync(seedFile, 'utf8'), seedText, 'the seed is unchanged');
    t.same(readdirSync(dir).sort(), files, 'nothing else was written');
  });

  t.test('with its config removed, a new config keeps the existing seed', async (t) => {
    const seedText = readFileSync(seedFile, 'utf8');
    rmSync(config);
    const kept = init(t, 'node', '--config', config);
    t.equal(kept.status, 0);
    t.equal(readFileSync(seedFile, 'utf8'), seedText, 'the seed is never replaced');
    t.match(kept.stdout, `kept the existing seed ${seedFile}`);
    t.match(kept.stdout, `lnmesh seed id --file ${seedFile}`, 'and says how to see its node id');
    t.equal(loadNodeConfig(config).seedFile, seedFile);
  });
});

t.test("the README's walk-through: gw.yaml, a.yaml and b.yaml in one folder get a data directory and an identity each", async (t) => {
  const dir = t.testdir();
  const runs = [init(t, 'gateway', '--config', join(dir, 'gw.yaml')), init(t, 'node', '--config', join(dir, 'a.yaml')), init(t, 'node', '--config', join(dir, 'b.yaml'))];
  runs.forEach((run, index) => t.equal(run.status, 0, `init ${index} exits 0${run.status === 0 ? '' : `: ${run.stderr}`}`));
  const secretFiles = [join(dir, 'gw-data', 'gateway.key'), join(dir, 'a-data', 'seed'), join(dir, 'b-data', 'seed')];
  secretFiles.forEach(remember);
  runs.forEach((run) => t.notMatch(run.stdout, /kept the existing/, 'each created a secret of its own'));
  const dataDirs = [loadGatewayConfig(join(dir, 'gw.yaml')).dataDir, loadNodeConfig(join(dir, 'a.yaml')).dataDir, loadNodeConfig(join(dir, 'b.yaml')).dataDir];
  t.same(dataDirs, ['gw-data', 'a-data', 'b-data'].map((name) => join(dir, name)), 'each config names the directory beside it, after itself');
  const nodeIds = runs.map((run) => /^node id ([0-9a-f]{66})$/m.exec(run.stdout)?.[1]);
  t.ok(nodeIds.every(Boolean), 'each printed a node id');
  t.equal(new Set(nodeIds).size, 3, 'three different node ids');
  t.equal(new Set(secretFiles.map((file) => bytesToHex(readSeedFile(file)))).size, 3, 'from three different secrets');
});

t.test('an explicit --data-dir still wins over the name of the config', async (t) => {
  const dir = t.testdir();
  const run = init(t, 'node', '--config', join(dir, 'a.yaml'), '--data-dir', 'shared');
  t.equal(run.status, 0, `exit 0${run.status === 0 ? '' : `: ${run.stderr}`}`);
  remember(join(dir, 'shared', 'seed'));
  t.equal(loadNodeConfig(join(dir, 'a.yaml')).dataDir, join(dir, 'shared'));
  t.notOk(existsSync(join(dir, 'a-data')), 'no a-data is made');
});

t.test('an existing --data-dir that others can write is refused, naming it, its mode and the fix; nothing is written', async (t) => {
  const dir = t.testdir();
  const dataDir = join(dir, 'open');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o777);
  const config = join(dir, 'a.yaml');
  const run = init(t, 'node', '--config', config, '--data-dir', dataDir);
  t.equal(run.status, 1);
  t.equal(run.stdout, '');
  t.equal(run.stderr, `lnmesh: ${dataDir}: mode 0777: group or others can write it, so they could replace the stores, the lock or the control socket in it. Check that nothing in it is someone else's, then run chmod 700 ${dataDir}\n`);
  t.same(readdirSync(dataDir), [], 'no seed');
  t.notOk(existsSync(config), 'no config');
  t.equal(statSync(dataDir).mode & 0o777, 0o777, 'the mode is left for the user to fix');

  chmodSync(dataDir, 0o700); // the fix it names
  const fixed = init(t, 'node', '--config', config, '--data-dir', dataDir);
  t.equal(fixed.status, 0, `then init goes through${fixed.status === 0 ? '' : `: ${fixed.stderr}`}`);
  remember(join(dataDir, 'seed'));
});

t.test('an existing --data-dir that others can only read (as mkdir makes it) is made 0700, and init says so', async (t) => {
  const dir = t.testdir();
  const dataDir = join(dir, 'made-by-mkdir');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o755);
  const run = init(t, 'gateway', '--config', join(dir, 'gw.yaml'), '--data-dir', dataDir);
  t.equal(run.status, 0, `exit 0${run.status === 0 ? '' : `: ${run.stderr}`}`);
  remember(join(dataDir, 'gateway.key'));
  t.equal(statSync(dataDir).mode & 0o777, 0o700);
  t.match(run.stdout, `made ${dataDir} owner-only (0700; it was 0755)`);
});

t.test('init node --gateway fills in the gateway; --network and --data-dir are written', async (t) => {
  const dir = t.testdir();
  const gatewayId = bytesToHex(publicKeyOf(sha256(Uint8Array.of(42))));
  const config = join(dir, 'conf', 'node.yaml');
  const dataDir = join(dir, 'elsewhere', 'data');
  const run = init(t, 'node', '--config', config, '--gateway', gatewayId.toUpperCase(), '--network', 'signet', '--data-dir', dataDir);
  t.equal(run.status, 0, `exit 0${run.status === 0 ? '' : `: ${run.stderr}`}`);
  remember(join(dataDir, 'seed'));
  checkNoSecretPrinted(t, run, join(dataDir, 'seed'));
  const loaded = loadNodeConfig(config);
  t.same(loaded.gateway, { nodeId: gatewayId, pollIntervalMs: 600_000 }, 'the gateway section, in lower case');
  t.equal(loaded.network, 'signet');
  t.equal(loaded.dataDir, dataDir, 'an absolute --data-dir is written as given');
  t.equal(statSync(join(dataDir, 'seed')).mode & 0o777, 0o600);
});

t.test('init gateway writes gateway.yaml and gateway.key', async (t) => {
  const dir = t.testdir();
  const config = join(dir, 'gateway.yaml');
  const run = init(t, 'gateway', '--config', config, '--network', 'testnet');
  t.equal(run.status, 0, `exit 0${run.status === 0 ? '' : `: ${run.stderr}`}`);
  const keyFile = join(dir, 'gateway-data', 'gateway.key');
  remember(keyFile);
  checkNoSecretPrinted(t, run, keyFile);
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'the key is 0600');
  const loaded = loadGatewayConfig(config);
  t.equal(loaded.network, 'testnet');
  t.equal(loaded.keyFile, keyFile, 'the daemon will read the key init wrote');
  t.strictSame(loaded.chain, { backend: 'embedded' });
  t.equal(loaded.regtest.mineOnStart, false, 'no regtest section off regtest');
  t.match(run.stdout, `node id ${bytesToHex(nodeKeyFromSecret(readSeedFile(keyFile)).nodeId)}`, 'the gateway\'s node id, from its key');
  t.notMatch(run.stdout, /seed words/, 'a gateway key has no words to write down');
  t.match(run.stdout, `lnmesh gateway --config ${config}`);
});

t.test('bad arguments: the usage line, a non-zero exit, nothing written', async (t) => {
  const dir = t.testdir();
  const config = join(dir, 'x.yaml');
  usageRefusal(t, init(t, 'router', '--config', config), /value 'router' is invalid for argument 'kind'\. expected node or gateway/);
  usageRefusal(t, init(t, 'node', '--config', config, '--network', 'moonnet'), /'moonnet' is invalid\. expected one of mainnet, testnet, signet, regtest/);
  usageRefusal(t, init(t, 'node', '--config', config, '--gateway', '02abcd'), /'02abcd' is invalid\. expected a node id: 66 hex characters/);
  const offCurve = `02${'bb'.repeat(32)}`;
  usageRefusal(t, init(t, 'node', '--config', config, '--gateway', offCurve), /is invalid\. not a public key on secp256k1/);
  usageRefusal(t, init(t, 'node', '--config', config, '--colour', 'blue'), /unknown option '--colour'/);
  const gatewayWithGateway = init(t, 'gateway', '--config', config, '--gateway', bytesToHex(publicKeyOf(sha256(Uint8Array.of(1)))));
  t.equal(gatewayWithGateway.status, 2);
  t.equal(gatewayWithGateway.stderr, 'lnmesh: --gateway: only for a node\n');
  t.same(readdirSync(dir), [], 'nothing was written by any of them');
});
