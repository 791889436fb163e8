/**
 * Bad input at the command line: every daemon verb, given missing or wrong
 * arguments, prints a usage line and exits non-zero before it talks to any
 * daemon; a config with an unknown key or a wrong type is refused naming
 * the key; a second daemon on a data directory in use refuses to start; a
 * running daemon's refusals name their field once, and it opens channels
 * with neighbours only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { initDaemon, shortTempDir, startDaemon } from './mesh-cluster.js';
import { lnmeshAsync } from './run-cli.js';

t.setTimeout(240_000);

const NODE_ID = `02${'79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'}`;
const TXID = 'ab'.repeat(32);

/** Each case: arguments, and what the error must say. */
const USAGE_CASES: [args: string[], says: RegExp][] = [
  [['open'], /missing required argument 'peer'/],
  [['open', NODE_ID], /missing required argument 'satoshis'/],
  [['open', 'bob', '100000'], /expected a node id/],
  [['open', NODE_ID, 'lots'], /satoshis must be a whole number/],
  [['open', NODE_ID, '1000'], /satoshis must be a whole number from 20000/],
  [['open', NODE_ID, '100000', '--push', '-5'], /push must be a whole number/],
  [['open', NODE_ID, '100000', '--timeout', '10'], /a duration needs a unit/],
  [['close'], /missing required argument 'peer'/],
  [['close', NODE_ID], /missing required argument 'handle'/],
  [['close', NODE_ID, 'first'], /handle must be a whole number/],
  [['invoice'], /missing required argument 'satoshis'/],
  [['invoice', '0'], /satoshis must be a whole number from 1/],
  [['invoice', '1.5'], /satoshis must be a whole number/],
  [['invoice', '--leave', '17'], /leave must be a whole number from 1 to 16/],
  [['invoice', '5', '--leave', '2'], /--leave takes no amount/],
  [['pay'], /missing required argument 'request'/],
  [['pay', 'lnm1xyz', '--timeout', 'soon'], /duration/],
  [['deposit'], /missing required argument 'txid'/],
  [['deposit', 'abc'], /expected a transaction id/],
  [['faucet'], /missing required argument 'address'/],
  [['faucet', 'bcrt1qxyz'], /missing required argument 'satoshis'/],
  [['faucet', 'bcrt1qxyz', '5'], /satoshis must be a whole number from 1000/],
  [['mine', '0'], /blocks must be a whole number from 1/],
  [['mine', '1001'], /blocks must be a whole number from 1 to 1000/],
  [['reorg'], /missing required argument 'depth'/],
  [['reorg', '145'], /depth must be a whole number from 1 to 144/],
  [['checkpoint', '--depth', '145'], /depth must be a whole number from 0 to 144/],
  [['checkpoint', '--depth'], /option '--depth <blocks>' argument missing/],
  [['status', 'extra'], /too many arguments/],
  [['peers', '--bogus'], /unknown option '--bogus'/],
  [['channels', '--bogus'], /unknown option/],
  [['payments', 'x'], /too many arguments/],
  [['routes', '--bogus'], /unknown option/],
  [['outbox', '--bogus'], /unknown option/],
  [['tower', '--bogus'], /unknown option/],
  [['wallet', '--bogus'], /unknown option/],
  [['wallet', 'fund-channels'], /missing required argument 'satoshis'/],
  [['wallet', 'fund-channels', 'lots'], /satoshis must be a whole number/],
  [['init'], /missing required argument 'kind'/],
  [['init', 'router'], /expected node or gateway/],
  [['init', 'node', '--network', 'moonnet'], /expected one of mainnet/],
  [['init', 'node', '--gateway', 'nope'], /expected a node id/],
  [['node', '--bogus'], /unknown option/],
  [['gateway', 'extra'], /too many arguments/],
  [['ln', 'connect', `${NODE_ID}@127.0.0.1`], /expected NODE_ID@HOST:PORT/],
  [['ln', 'connect', 'bob@127.0.0.1:9735'], /expected a node id/],
  [['ln', 'open', NODE_ID], /missing required argument 'satoshis'/],
  [['ln', 'open', NODE_ID, '500'], /satoshis must be a whole number from 1000/],
  [['ln', 'close', 'abc'], /channel-id must be 64 hex characters/],
  [['ln', 'pay'], /missing required argument 'bolt11'/],
  [['ln', 'invoice', '10', '--expiry', '5'], /expiry must be a whole number from 60/],
  [['ln', 'invoice', '10', '--for', '02ab'], /node id/],
  [['ln', 'pay', 'lnbcrt1x', '--max-fee-msat', '-1'], /max-fee-msat must be a whole number/],
];

t.test('every verb with missing or wrong arguments prints a usage line and exits non-zero', async (t) => {
  // Six at a time: each is a process of its own.
  for (let start = 0; start < USAGE_CASES.length; start += 6) {
    const batch = USAGE_CASES.slice(start, start + 6);
    const runs = await Promise.all(batch.map(([args]) => lnmeshAsync(...args)));
    batch.forEach(([args, says], index) => {
      const run = runs[index]!;
      t.not(run.status, 0, `lnmesh ${args.join(' ')} exits non-zero`);
      t.match(run.stderr, says, `lnmesh ${args.join(' ')} says what is wrong`);
      t.match(run.stderr, /Usage: lnmesh /, `lnmesh ${args.join(' ')} prints its usage`);
      t.equal(run.stdout, '', `lnmesh ${args.join(' ')} prints nothing else`);
    });
  }
});

t.test('mine --help states how many blocks one call makes at most', async (t) => {
  const help = await lnmeshAsync('mine', '--help');
  t.equal(help.status, 0);
  t.match(help.stdout, /at most 1000 per\s+call/);
});

t.test('a verb with no daemon to talk to says so', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const config = join(dir.path, 'node.yaml');
  writeFileSync(config, `network: regtest\ndataDir: ./data\n`);
  const run = await lnmeshAsync('status', '--config', config);
  t.equal(run.status, 1);
  t.match(run.stderr, /no daemon listens at .*data\/control\.sock: is it running\?/);
  const missing = await lnmeshAsync('channels', '--config', join(dir.path, 'absent.yaml'));
  t.equal(missing.status, 2, 'a missing config file is bad input');
  t.match(missing.stderr, /absent\.yaml.*no such file/);
});

t.test('a config with an unknown key or a wrong type is refused, naming the key', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const cases: [kind: 'node' | 'gateway', text: string, says: RegExp][] = [
    ['node', 'network: regtest\ndataDir: ./d\nlinkz: []\n', /node\.yaml:3:1: linkz: unknown key "linkz"/],
    ['node', 'network: regtest\ndataDir: 5\n', /node\.yaml:2:10: dataDir: expected a string, got 5/],
    ['node', 'network: regtest\ndataDir: ./d\ngateway: { nodeId: 02ab, pollInterval: 10m }\n', /gateway\.nodeId: expected a node id/],
    ['node', 'network: regtest\ndataDir: ./d\nlinks:\n  - transport: { kind: serial, path: /dev/x, baud: 9600 }\n    neighbours: []\n', /links\[0\]\.transport\.baud: unknown key/],
    ['node', `network: regtest\ndataDir: ./d\nlinks:\n  - transport: { kind: lora, path: /dev/x, frequencyHz: 868100000, bandwidthHz: 125000, spreadingFactor: fast, codingRate: 5, txPowerDbm: 14 }\n    neighbours: []\n`, /links\[0\]\.transport\.spreadingFactor: expected a whole number/],
    ['gateway', 'network: regtest\ndataDir: ./g\nchain: { backend: core }\n', /chain\.url: missing/],
    ['gateway', 'network: mainnet\ndataDir: ./g\nregtest: { mineOnStart: true }\n', /regtest: only with network: regtest/],
  ];
  const files = cases.map(([kind, text], index) => {
    mkdirSync(join(dir.path, `${index}`));
    const file = join(dir.path, `${index}`, `${kind}.yaml`);
    writeFileSync(file, text);
    return file;
  });
  const runs = await Promise.all(cases.map(([kind], index) => lnmeshAsync(kind, '--config', files[index]!)));
  cases.forEach(([kind, , says], index) => {
    t.equal(runs[index]!.status, 2, `${kind} config ${index} is bad input`);
    t.match(runs[index]!.stderr, says, `${kind} config ${index}: ${says.source}`);
  });
});

t.test('a second daemon on a data directory in use refuses to start; the first one refuses bad verbs naming the field once', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const node = await initDaemon(dir.path, 'node', 'solo');
  const first = await startDaemon('node', node.config);
  t.teardown(first.stop);
  const second = await lnmeshAsync('node', '--config', node.config);
  t.equal(second.status, 1, 'the second daemon exits 1');
  t.match(second.stderr, new RegExp(`solo-data is in use by another lnmesh daemon \\(pid ${first.child.pid}\\)`), 'and names the process that holds it');
  const ln = await lnmeshAsync('ln', 'info', '--config', node.config);
  t.equal(ln.status, 1, "a node has no Lightning verbs: they are the gateway's");
  t.match(ln.stderr, /has no Lightning verbs: is it a gateway/);
  const status = await lnmeshAsync('status', '--json', '--config', node.config);
  t.equal(JSON.parse(status.stdout).nodeId, node.nodeId, 'the first daemon runs on, undisturbed');

  // While it runs: its refusals, as the user sees them.
  const [close, open] = await Promise.all([lnmeshAsync('close', '--config', node.config, NODE_ID, '7'), lnmeshAsync('open', '--config', node.config, NODE_ID, '100000')]);
  t.equal(close.status, 2, 'closing an unknown channel is bad input');
  t.equal(close.stderr, `lnmesh: handle: no channel 7 with ${NODE_ID} (see lnmesh channels)\n`, 'naming the handle once');
  t.equal(open.status, 2, 'opening a channel with a node that is not a neighbour is bad input');
  t.equal(open.stderr, `lnmesh: peer: ${NODE_ID} is not a neighbour of this node: a channel must be with a neighbour listed under links: in the config (lnmesh peers shows them)\n`, 'naming the peer and where neighbours are listed');
  const fund = await lnmeshAsync('wallet', 'fund-channels', '100000', '--config', node.config);
  t.equal(fund.status, 2, "a node has no mesh channels' wallet to fund");
  t.match(fund.stderr, /only a gateway has a mesh channels' wallet to fund \(a node's wallet takes deposits: lnmesh deposit\)/);
  t.equal(await first.stop(), 0, 'and stops cleanly');
  const again = await startDaemon('node', node.config);
  t.equal(await again.stop(), 0, 'once it is gone, the directory can be used again');
});

t.test("a gateway without a lightning: section: its mesh channels' wallet has nothing to be funded from, and says so", async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const gateway = await initDaemon(dir.path, 'gateway', 'gw');
  const daemon = await startDaemon('gateway', gateway.config);
  t.teardown(daemon.stop);
  const [fund, open, wallet] = await Promise.all([
    lnmeshAsync('wallet', 'fund-channels', '100000', '--config', gateway.config),
    lnmeshAsync('open', '--config', gateway.config, NODE_ID, '100000'),
    lnmeshAsync('wallet', '--json', '--config', gateway.config),
  ]);
  t.equal(fund.status, 1, 'fund-channels fails');
  t.match(fund.stderr, /funded from the gateway's on-chain wallet, which runs with a lightning: section: add one to .*gw\.yaml/, 'saying what is needed');
  t.equal(open.status, 2, 'opening to a node that is not its neighbour is bad input');
  t.match(open.stderr, /is not a neighbour of this gateway/);
  t.match(JSON.parse(wallet.stdout), { satoshis: 0, coins: [], depositsWaiting: [] }, "lnmesh wallet on the gateway: its mesh channels' wallet, empty");
  // Not an error: what a node on a slow link pastes into its config (regtest: 432 blocks mined at start).
  const checkpoint = await lnmeshAsync('checkpoint', '--config', gateway.config);
  t.match(checkpoint.stdout, /^# under gateway: in the node's config\n {2}checkpoint:\n {4}height: 426\n {4}header: [0-9a-f]{160}\n$/, 'lnmesh checkpoint: six blocks below the tip, as YAML for the node');
  t.match(JSON.parse((await lnmeshAsync('checkpoint', '--depth', '0', '--json', '--config', gateway.config)).stdout), { height: 432, header: /^[0-9a-f]{160}$/ }, '--depth 0: the tip');
  t.equal(await daemon.stop(), 0);
});
