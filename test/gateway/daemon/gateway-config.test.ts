// The gateway daemon's config file: the chain backend (embedded bcoin or
// Bitcoin Core), the regtest block clock, the tower depths, the links it
// shares with the node's config; every mistake a ConfigError at
// FILE:LINE:COLUMN naming the key; the template `lnmesh init gateway` writes
// stays valid, and its Meshtastic link block reads once uncommented.
import t from 'tap';
import { join, resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { loadGatewayConfig, parseGatewayConfig, towerStoreInit } from '../../../gateway/daemon/gateway-config.js';
import { gatewayConfigTemplate } from '../../../gateway/daemon/gateway-template.js';
import { ConfigError } from '../../../node/config/yaml-reader.js';
import { DEFAULT_MARGIN_BLOCKS, DEFAULT_OFFLINE_HORIZON_BLOCKS } from '../../../node/channel/policy.js';
import { publicKeyOf } from '../../../node/core/curve.js';

const FILE = '/srv/gateway/gateway.yaml';

function nodeId(name: string): string {
  return bytesToHex(publicKeyOf(sha256(new TextEncoder().encode(name))));
}

const NODE_A = nodeId('node a');
const NODE_B = nodeId('node b');

const CORE = `network: mainnet
dataDir: ./gateway-data
keyFile: /etc/lnmesh/gateway.key
controlSocket: ./gw.sock
log:
  level: warn
  format: pretty
chain:
  backend: core
  url: http://127.0.0.1:8332/
  username: rpcuser
  password: rpcpassword
  pollInterval: 2s
links:
  - transport:
      kind: mqtt
      url: mqtt://127.0.0.1:1883
      nodeName: gateway
    neighbours:
      - nodeId: ${NODE_A}
        address: node-a
        name: node-a
routes:
  ${NODE_B}: ${NODE_A}
tower:
  justiceBuriedDepth: 144
  fundingBuriedDepth: 12
`;

const REGTEST = `network: regtest
dataDir: gw
regtest:
  mineOnStart: false
  blockInterval: 30s
`;

function refusal(text: string): string {
  try {
    parseGatewayConfig(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'accepted';
}

function edit(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`${JSON.stringify(from)} is not in the text exactly once`);
  return text.replace(from, to);
}

t.test('a Bitcoin Core gateway config reads into what the daemon uses', async (t) => {
  t.strictSame(parseGatewayConfig(CORE, FILE), {
    file: FILE,
    network: 'mainnet',
    dataDir: '/srv/gateway/gateway-data',
    keyFile: '/etc/lnmesh/gateway.key',
    controlSocket: '/srv/gateway/gw.sock',
    log: { level: 'warn', format: 'pretty' },
    chain: { backend: 'core', url: 'http://127.0.0.1:8332/', username: 'rpcuser', password: 'rpcpassword', pollIntervalMs: 2_000 },
    regtest: { mineOnStart: false, blockIntervalMs: 0 },
    links: [{ transport: { kind: 'mqtt', url: 'mqtt://127.0.0.1:1883', nodeName: 'gateway' }, neighbours: [{ nodeId: NODE_A, address: 'node-a', name: 'node-a' }] }],
    routes: { [NODE_B]: NODE_A },
    tower: { justiceBuriedDepth: 144, fundingBuriedDepth: 12 },
    channels: {},
  });
});

t.test('defaults: the embedded chain, the key and socket in the data directory, mining on regtest', async (t) => {
  const regtest = parseGatewayConfig('network: regtest\ndataDir: gw\n', FILE);
  t.strictSame(regtest.chain, { backend: 'embedded' }, 'the embedded chain unless told');
  t.equal(regtest.keyFile, '/srv/gateway/gw/gateway.key');
  t.equal(regtest.controlSocket, '/srv/gateway/gw/control.sock');
  t.strictSame(regtest.log, { level: 'info', format: 'auto' });
  t.strictSame(regtest.regtest, { mineOnStart: true, blockIntervalMs: 0 }, 'a new regtest chain is mined to segwit on start');
  t.strictSame(regtest.tower, {});
  t.strictSame(regtest.channels, {}, "the channels' settings are the policy's defaults unless told");
  t.strictSame(regtest.links, []);
  t.strictSame(regtest.routes, {});
  t.strictSame(parseGatewayConfig('network: testnet\ndataDir: gw\n', FILE).regtest, { mineOnStart: false, blockIntervalMs: 0 }, 'never off regtest');
  const core = parseGatewayConfig(edit(CORE, 'network: mainnet', 'network: regtest'), FILE);
  t.equal(core.regtest.mineOnStart, false, 'nor with Bitcoin Core, which mines for itself');
  t.strictSame(parseGatewayConfig(REGTEST, FILE).regtest, { mineOnStart: false, blockIntervalMs: 30_000 }, 'the regtest section as written');
  t.strictSame(parseGatewayConfig('network: regtest\ndataDir: gw\nregtest: {}\n', FILE).regtest, { mineOnStart: true, blockIntervalMs: 0 }, 'an empty regtest section mines on start');
  t.strictSame(parseGatewayConfig('network: regtest\ndataDir: gw\nchain: { backend: embedded }\n', FILE).chain, { backend: 'embedded' });
  t.strictSame(parseGatewayConfig(edit(CORE, '  pollInterval: 2s\n', ''), FILE).chain, { backend: 'core', url: 'http://127.0.0.1:8332/', username: 'rpcuser', password: 'rpcpassword' }, 'no poll interval unless given');
});

t.test('Bitcoin Core needs its URL, user and password', async (t) => {
  t.equal(refusal(edit(CORE, '  url: http://127.0.0.1:8332/\n', '')), `${FILE}:9:3: chain.url: missing: Bitcoin Core's RPC, e.g. http://127.0.0.1:8332/`);
  t.equal(refusal(edit(CORE, '  username: rpcuser\n', '')), `${FILE}:9:3: chain.username: missing: rpcuser, or __cookie__`);
  t.equal(refusal(edit(CORE, '  password: rpcpassword\n', '')), `${FILE}:9:3: chain.password: missing: rpcpassword, or the cookie`);
  t.equal(refusal(edit(CORE, 'url: http://127.0.0.1:8332/', 'url: 127.0.0.1:8332')), `${FILE}:10:8: chain.url: expected an http:// or https:// URL`);
  t.equal(refusal(edit(CORE, 'pollInterval: 2s', 'pollInterval: 2')), `${FILE}:13:17: chain.pollInterval: a duration needs a unit (ms, s, m, h, d, w), e.g. 2m`);
  t.equal(refusal(edit(CORE, 'pollInterval: 2s', 'pollInterval: 50ms')), `${FILE}:13:17: chain.pollInterval: 50ms is shorter than 100ms`);
  t.equal(refusal(edit(CORE, 'pollInterval: 2s', 'pollInterval: 2h')), `${FILE}:13:17: chain.pollInterval: 2h is longer than 1h`);
  t.equal(refusal(edit(CORE, 'backend: core', 'backend: electrum')), `${FILE}:9:12: chain.backend: expected embedded or core`);
  t.equal(refusal(edit(CORE, '  backend: core\n', '')), `${FILE}:9:3: chain.backend: missing: embedded (bcoin in the data directory) or core (Bitcoin Core over JSON-RPC)`);
  t.equal(refusal(edit(CORE, '  pollInterval: 2s\n', '  pollInterval: 2s\n  wallets: main\n')), `${FILE}:14:3: chain.wallets: unknown key "wallets" (known: backend, url, username, password, pollInterval, wallet, rpc)`);
});

t.test("Bitcoin Core's wallet: chain.wallet names the one the gateway's Lightning channels are funded from", async (t) => {
  const core = parseGatewayConfig(edit(CORE, '  pollInterval: 2s\n', '  pollInterval: 2s\n  wallet: lnmesh-gw\n'), FILE);
  t.match(core.chain, { backend: 'core', wallet: 'lnmesh-gw' });
  t.equal(refusal(edit(CORE, '  pollInterval: 2s\n', '  pollInterval: 2s\n  wallet: "a/b"\n')), `${FILE}:14:11: chain.wallet: expected a wallet name of 1 to 64 letters, digits, dots, dashes or underscores`);
  t.equal(refusal(edit(CORE, '  pollInterval: 2s\n', '  pollInterval: 2s\n  rpc: { port: 18443, password: x }\n')), `${FILE}:14:8: chain.rpc: only for backend: embedded (Bitcoin Core serves its own RPC)`);
});

t.test("the embedded chain's JSON-RPC on loopback: chain.rpc with its port and password", async (t) => {
  const config = (rpc: string) => `network: regtest\ndataDir: gw\nchain:\n  backend: embedded\n  rpc: ${rpc}\n`;
  t.strictSame(parseGatewayConfig(config('{ port: 18443, password: "s3cret" }'), FILE).chain, { backend: 'embedded', rpc: { port: 18443, password: 's3cret' } });
  t.equal(refusal(config('{ password: x }')), `${FILE}:5:8: chain.rpc.port: missing: the loopback port, e.g. 18443`);
  t.equal(refusal(config('{ port: 0, password: x }')), `${FILE}:5:16: chain.rpc.port: 0 is outside [1, 65535]`);
  t.equal(refusal(config('{ port: 18443 }')), `${FILE}:5:8: chain.rpc.password: missing: what clients give as the HTTP basic-auth password`);
  t.equal(refusal(config('{ port: 18443, password: 1234 }')), `${FILE}:5:33: chain.rpc.password: expected a string (quote it); the value is not repeated here`);
  t.equal(refusal(config('{ port: 18443, password: x, host: 0.0.0.0 }')), `${FILE}:5:36: chain.rpc.host: unknown key "host" (known: port, password)`, 'loopback only');
});

t.test('the lightning section: on with its defaults, its listen address, the bridge fee and deadlines, each checked', async (t) => {
  const config = (section: string) => parseGatewayConfig(`network: regtest\ndataDir: gw\nlightning:${section}\n`, FILE).lightning;
  const defaults = { listen: { host: '127.0.0.1', port: 9735 }, bridgeFee: { baseMsat: 1000, proportionalMillionths: 1000 }, finalCltvExpiryDelta: 432, safetyBlocks: 36 };
  t.equal(parseGatewayConfig('network: regtest\ndataDir: gw\n', FILE).lightning, undefined, 'no section: no Lightning node');
  t.strictSame(config(''), defaults, 'an empty section: on, every default');
  t.strictSame(config(' {}'), defaults);
  t.strictSame(
    config('\n  listen: 0.0.0.0:9736\n  bridgeFee: { baseMsat: 0, proportionalMillionths: 2500 }\n  finalCltvExpiryDelta: 288\n  safetyBlocks: 72'),
    { listen: { host: '0.0.0.0', port: 9736 }, bridgeFee: { baseMsat: 0, proportionalMillionths: 2500 }, finalCltvExpiryDelta: 288, safetyBlocks: 72 },
  );
  t.strictSame(config(' { listen: "[::1]:0" }')!.listen, { host: '::1', port: 0 }, 'IPv6 in brackets; port 0: a free one');
  t.strictSame(config(' { bridgeFee: { baseMsat: 500 } }')!.bridgeFee, { baseMsat: 500, proportionalMillionths: 1000 }, 'what is not given keeps its default');
  const refused = (section: string) => refusal(`network: regtest\ndataDir: gw\nlightning:\n${section}\n`);
  t.equal(refused('  listen: 9735'), `${FILE}:4:11: lightning.listen: expected host:port, e.g. 127.0.0.1:9735, got 9735`);
  t.equal(refused('  listen: localhost'), `${FILE}:4:11: lightning.listen: expected host:port, e.g. 127.0.0.1:9735 or 0.0.0.0:9735, got "localhost"`);
  t.equal(refused('  listen: 127.0.0.1:70000'), `${FILE}:4:11: lightning.listen: port 70000 is outside [0, 65535]`);
  t.equal(refused('  bridgeFee: { baseMsat: -1 }'), `${FILE}:4:26: lightning.bridgeFee.baseMsat: -1 is outside [0, 1000000000]`);
  t.equal(refused('  bridgeFee: { proportionalMillionths: 200000 }'), `${FILE}:4:40: lightning.bridgeFee.proportionalMillionths: 200000 is outside [0, 100000]`, 'at most 10%');
  t.equal(refused('  bridgeFee: { base: 1 }'), `${FILE}:4:16: lightning.bridgeFee.base: unknown key "base" (known: baseMsat, proportionalMillionths)`);
  t.equal(refused('  safetyBlocks: 3'), `${FILE}:4:17: lightning.safetyBlocks: 3 is outside [6, 1000]`);
  t.equal(refused('  finalCltvExpiryDelta: 5000'), `${FILE}:4:25: lightning.finalCltvExpiryDelta: 5000 is outside [18, 2016]`, 'no public payer locks a payment that long');
  t.equal(refused('  finalCltvExpiryDelta: 114'), `${FILE}:4:25: lightning.finalCltvExpiryDelta: 114 leaves no hold window: it must exceed safetyBlocks + 78 (114)`);
  t.equal(refused('  safetyBlocks: 500'), `${FILE}:4:3: lightning: 432 leaves no hold window: it must exceed safetyBlocks + 78 (578)`, 'a default that no longer fits is named');
  t.match(refused('  holdWindowBlocks: 100'), /lightning\.holdWindowBlocks: the hold window is set by finalCltvExpiryDelta/);
  t.match(refused('  alias: gw'), /lightning\.alias: unknown key "alias" \(known: listen, bridgeFee, finalCltvExpiryDelta, holdWindowBlocks, safetyBlocks\)/);
});

t.test('the embedded chain refuses what only Bitcoin Core uses', async (t) => {
  for (const [key, value] of [['url', 'http://127.0.0.1:8332/'], ['username', 'rpcuser'], ['password', 'secret'], ['pollInterval', '2s'], ['wallet', 'lnmesh']] as const) {
    const text = `network: regtest\ndataDir: gw\nchain:\n  backend: embedded\n  ${key}: ${value}\n`;
    t.equal(refusal(text), `${FILE}:5:${key.length + 5}: chain.${key}: only for backend: core`, key);
  }
});

t.test('the regtest section is only for regtest with the embedded chain', async (t) => {
  t.equal(refusal(edit(REGTEST, 'network: regtest', 'network: testnet')), `${FILE}:4:3: regtest: only with network: regtest and the embedded chain`);
  const core = `${edit(CORE, 'network: mainnet', 'network: regtest')}regtest:\n  mineOnStart: true\n`;
  t.equal(refusal(core), `${FILE}:29:3: regtest: only with network: regtest and the embedded chain`, 'not with Bitcoin Core');
  t.equal(refusal(edit(REGTEST, 'mineOnStart: false', 'mineOnStart: yes')), `${FILE}:4:16: regtest.mineOnStart: expected true or false, got the string "yes"`, 'YAML 1.2: yes is a string, not a boolean');
  t.equal(refusal(edit(REGTEST, 'blockInterval: 30s', 'blockInterval: 2d')), `${FILE}:5:18: regtest.blockInterval: 2d is longer than 1d`);
  t.equal(refusal(edit(REGTEST, 'blockInterval: 30s', 'blockTime: 30s')), `${FILE}:5:3: regtest.blockTime: unknown key "blockTime" (known: mineOnStart, blockInterval)`);
});

t.test("the channels section: the funding depth the gateway asks, its policy's delays, each within the node's bounds", async (t) => {
  const config = (section: string) => parseGatewayConfig(`network: regtest\ndataDir: gw\nchannels:\n${section}`, FILE);
  t.strictSame(config('  minimumDepth: 6\n  offlineHorizonBlocks: 1008\n  marginBlocks: 72\n').channels, { minimumDepth: 6, offlineHorizonBlocks: 1008, marginBlocks: 72 });
  t.strictSame(config('  marginBlocks: 0\n').channels, { marginBlocks: 0 }, 'what is not given is left to the defaults');
  const refused = (section: string) => refusal(`network: regtest\ndataDir: gw\nchannels:\n${section}`);
  t.equal(refused('  minimumDepth: 0\n'), `${FILE}:4:17: channels.minimumDepth: 0 is outside [1, 100]`);
  t.equal(refused('  offlineHorizonBlocks: 60001\n'), `${FILE}:4:25: channels.offlineHorizonBlocks: 60001 is outside [1, 60000]`);
  t.match(refused('  feeratePerKw: 253\n'), /channels\.feeratePerKw: unknown key "feeratePerKw" \(known: minimumDepth, offlineHorizonBlocks, marginBlocks\)/, 'the nodes fund the channels: no feerate of its own');
});

t.test('tower depths are between 1 and 10000 blocks', async (t) => {
  t.equal(refusal(edit(CORE, 'justiceBuriedDepth: 144', 'justiceBuriedDepth: 0')), `${FILE}:26:23: tower.justiceBuriedDepth: 0 is outside [1, 10000]`);
  t.equal(refusal(edit(CORE, 'fundingBuriedDepth: 12', 'fundingBuriedDepth: 10001')), `${FILE}:27:23: tower.fundingBuriedDepth: 10001 is outside [1, 10000]`);
  t.equal(refusal(edit(CORE, 'fundingBuriedDepth: 12', 'fundingBuriedDepth: deep')), `${FILE}:27:23: tower.fundingBuriedDepth: expected a whole number, got the string "deep"`);
  t.equal(refusal(edit(CORE, 'fundingBuriedDepth: 12', 'reorgDepth: 12')), `${FILE}:27:3: tower.reorgDepth: unknown key "reorgDepth" (known: watch, justiceBuriedDepth, fundingBuriedDepth, maxAppointments, maxBytes, maxWatches, maxAppointmentsPerNode, maxBytesPerNode, maxWatchesPerNode, strangerShare, allowedNodes)`);
});

t.test("the tower's space: named nodes (neighbours, routes' destinations, tower.allowedNodes) and the strangers' share of the capacity", async (t) => {
  const NODE_C = nodeId('node c');
  const config = parseGatewayConfig(
    edit(CORE, '  fundingBuriedDepth: 12\n', `  fundingBuriedDepth: 12\n  allowedNodes:\n    - ${NODE_C.toUpperCase()}\n  maxAppointments: 5000\n  maxBytes: 1000000\n  maxWatches: 50\n  strangerShare: 0.05\n  maxAppointmentsPerNode: 2000\n  maxBytesPerNode: 400000\n  maxWatchesPerNode: 10\n`),
    FILE,
  );
  t.strictSame(config.tower, {
    justiceBuriedDepth: 144,
    fundingBuriedDepth: 12,
    maxAppointments: 5000,
    maxBytes: 1_000_000,
    maxWatches: 50,
    maxAppointmentsPerNode: 2000,
    maxBytesPerNode: 400_000,
    maxWatchesPerNode: 10,
    strangerShare: 0.05,
    allowedNodes: [NODE_C],
  });
  t.strictSame(
    towerStoreInit(config),
    { maxAppointments: 5000, maxBytes: 1_000_000, maxWatches: 50, maxAppointmentsPerNode: 2000, maxBytesPerNode: 400_000, maxWatchesPerNode: 10, strangerShare: 0.05, allowedNodes: [NODE_A, NODE_B, NODE_C] },
    'the store gets the space; the neighbour, the route destination and the listed node are named',
  );
  t.strictSame(towerStoreInit(parseGatewayConfig(REGTEST, FILE)), { allowedNodes: [] }, 'no links, no routes, no list: every node is a stranger, within the default space');

  t.equal(refusal(edit(CORE, 'fundingBuriedDepth: 12', 'strangerShare: 2')), `${FILE}:27:18: tower.strangerShare: 2 is outside [0, 1]`);
  t.equal(refusal(edit(CORE, 'fundingBuriedDepth: 12', 'maxBytes: -1')), `${FILE}:27:13: tower.maxBytes: -1 is outside [0, 17592186044416]`);
  t.equal(refusal(edit(CORE, 'fundingBuriedDepth: 12', 'maxAppointments: lots')), `${FILE}:27:20: tower.maxAppointments: expected a whole number, got the string "lots"`);
  t.equal(refusal(edit(CORE, 'fundingBuriedDepth: 12', 'allowedNodes: [02ab]')), `${FILE}:27:18: tower.allowedNodes[0]: expected a node id: 66 hex characters starting 02 or 03`);
  t.equal(refusal(edit(CORE, 'fundingBuriedDepth: 12', `allowedNodes: ${NODE_C}`)), `${FILE}:27:17: tower.allowedNodes: expected a list of node ids, got a string of 66 characters`);
  t.strictSame(parseGatewayConfig(edit(CORE, 'fundingBuriedDepth: 12', 'allowedNodes:'), FILE).tower, { justiceBuriedDepth: 144 }, 'an empty allowedNodes: none');
});

t.test('tower.watch: false switches the tower off (it keeps appointments, answers no breach); on unless told', async (t) => {
  t.equal(parseGatewayConfig(edit(CORE, 'justiceBuriedDepth: 144', 'watch: false'), FILE).tower.watch, false);
  t.equal(parseGatewayConfig(CORE, FILE).tower.watch, undefined);
  t.match(refusal(edit(CORE, 'justiceBuriedDepth: 144', 'watch: maybe')), /tower\.watch: expected/);
  t.strictSame(parseGatewayConfig(edit(CORE, '  fundingBuriedDepth: 12\n', ''), FILE).tower, { justiceBuriedDepth: 144 }, 'each depth is optional');
});

t.test('the rest is checked as in the node\'s config', async (t) => {
  t.equal(refusal(`${REGTEST}seedFile: x\n`), `${FILE}:6:1: seedFile: unknown key "seedFile" (known: network, dataDir, keyFile, controlSocket, log, chain, regtest, links, routes, hopLimit, tower, channels, lightning)`, 'a node-only key');
  t.equal(refusal('network: main\ndataDir: gw\n'), `${FILE}:1:10: network: unknown network "main": expected one of mainnet, testnet, signet, regtest`);
  t.equal(refusal('network: regtest\n'), `${FILE}:1:1: dataDir: missing: the folder of the gateway's stores and chain, e.g. ./gateway-data`);
  t.equal(refusal(edit(CORE, `  ${NODE_B}: ${NODE_A}`, `  ${NODE_A}: ${NODE_B}`)), `${FILE}:24:71: routes.${NODE_A}: the next hop must be a neighbour on one of the links`);
  t.equal(refusal(edit(CORE, 'nodeName: gateway', 'nodeName: 7')), `${FILE}:18:17: links[0].transport.nodeName: expected a string, got 7`);
  t.match(refusal(`${REGTEST}dataDir: other\n`), new RegExp(`^${FILE}:6:1: YAML: Map keys must be unique`), 'a duplicate key');
});

t.test('loadGatewayConfig reads the file; a missing one names it', async (t) => {
  const dir = t.testdir({ 'gateway.yaml': REGTEST });
  t.equal(loadGatewayConfig(join(dir, 'gateway.yaml')).dataDir, join(dir, 'gw'));
  t.throws(() => loadGatewayConfig(join(dir, 'none.yaml')), { name: 'ConfigError', message: `${join(dir, 'none.yaml')}:1:1: no such file (write one with \`lnmesh init\`)` });
});

t.test('the template lnmesh init gateway writes is a valid config on every network', async (t) => {
  for (const network of ['mainnet', 'testnet', 'signet', 'regtest']) {
    const config = parseGatewayConfig(gatewayConfigTemplate({ dataDir: './gateway-data', network }), FILE);
    t.equal(config.network, network);
    t.equal(config.dataDir, '/srv/gateway/gateway-data');
    t.strictSame(config.chain, { backend: 'embedded' });
    t.strictSame(config.regtest, { mineOnStart: network === 'regtest', blockIntervalMs: 0 }, `${network}: mines on start only on regtest`);
    t.equal(config.links.length, 1, 'one MQTT link');
    t.match(config.links[0]?.transport, { kind: 'mqtt', nodeName: 'gateway' });
  }
  t.equal(parseGatewayConfig(gatewayConfigTemplate({ dataDir: 'x' }), FILE).network, 'regtest', 'regtest unless asked');
  // The tower section's commented defaults, uncommented, read back as the defaults they say.
  /** A commented section of the template, uncommented. */
  const section = (name: string) => {
    const lines = gatewayConfigTemplate({ dataDir: 'x' }).split('\n');
    const from = lines.indexOf(`# ${name}:`);
    const to = lines.findIndex((line, i) => i > from && !line.startsWith('#'));
    return lines.slice(from, to === -1 ? undefined : to).filter((line) => !line.startsWith('#   #'));
  };
  const towerLines = section('tower');
  const tower = parseGatewayConfig(`network: regtest\ndataDir: x\n${towerLines.map((line) => line.slice(2)).join('\n')}\n`, FILE).tower;
  t.strictSame(tower, {
    watch: true,
    justiceBuriedDepth: 100,
    fundingBuriedDepth: 100,
    maxAppointments: 1_000_000,
    maxBytes: 256 * 1024 * 1024,
    maxWatches: 100_000,
    maxAppointmentsPerNode: 100_000,
    maxBytesPerNode: 64 * 1024 * 1024,
    maxWatchesPerNode: 1000,
    strangerShare: 0.1,
    allowedNodes: [],
  }, 'the template\'s tower section documents the defaults');
  const channels = parseGatewayConfig(`network: regtest\ndataDir: x\n${section('channels').map((line) => line.slice(2)).join('\n')}\n`, FILE).channels;
  const lightning = parseGatewayConfig(`network: regtest\ndataDir: x\n${section('lightning').map((line) => line.slice(2)).join('\n')}\n`, FILE).lightning;
  t.strictSame(lightning, { listen: { host: '127.0.0.1', port: 9735 }, bridgeFee: { baseMsat: 1000, proportionalMillionths: 1000 }, finalCltvExpiryDelta: 432, safetyBlocks: 36 }, 'its lightning section the defaults');
  t.equal(parseGatewayConfig(gatewayConfigTemplate({ dataDir: 'x' }), FILE).lightning, undefined, 'off as written: no Lightning port opens unless the operator says so');
  t.strictSame(channels, { minimumDepth: 3, offlineHorizonBlocks: DEFAULT_OFFLINE_HORIZON_BLOCKS, marginBlocks: DEFAULT_MARGIN_BLOCKS }, "and its channels section the channels' defaults");
  // Any folder name, quoted in the template, reads back as written.
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (dataDir) => parseGatewayConfig(gatewayConfigTemplate({ dataDir }), FILE).dataDir === resolve('/srv/gateway', dataDir)),
    { numRuns: 200 },
  );
});

t.test("lnmesh init gateway's template offers the node's Meshtastic link: uncommented, the gateway reads it beside its broker", async (t) => {
  const template = gatewayConfigTemplate({ dataDir: './gateway-data' });
  const start = template.indexOf('  # - transport:\n  #     kind: meshtastic');
  const end = template.indexOf('\n\n', start);
  t.ok(start > 0 && end > start, 'the template offers a Meshtastic link');
  // Uncommented as an operator would: the block's "# " markers, then its optional keys' own.
  const block = template
    .slice(start, end)
    .split('\n')
    .map((line) => line.replace(/^ {2}# /, '  ').replace(/^(\s+)# (port|channel|hopLimit|preset|wantAck):/, '$1$2:'))
    .join('\n')
    .replace('/dev/ttyUSB0', '/dev/ttyACM1')
    .replace('02...', NODE_A);
  const config = parseGatewayConfig(template.slice(0, start) + block + template.slice(end), FILE);
  t.equal(config.links.length, 2, 'the broker and the radio');
  t.match(config.links[0]?.transport, { kind: 'mqtt', nodeName: 'gateway' });
  t.strictSame(config.links[1], {
    transport: { kind: 'meshtastic', path: '/dev/ttyACM1', port: 256, channel: 0, hopLimit: 3, wantAck: false, preset: 'LongFast' },
    neighbours: [{ nodeId: NODE_A, address: '!aabbccdd' }],
  }, 'every setting uncommented is its default');
});

t.test('secrets are not repeated in errors, and stay out of URLs', async (t) => {
  const file = '/etc/lnmesh/gateway.yaml';
  const base = 'network: mainnet\ndataDir: ./g\n';
  let message = '';
  try {
    parseGatewayConfig(`${base}chain: { backend: core, url: "http://127.0.0.1:8332/", username: u, password: 12345678 }\n`, file);
  } catch (error) {
    message = (error as Error).message;
  }
  t.match(message, /chain\.password: expected a string \(quote it\)/, 'a password that is not a string is refused');
  t.notMatch(message, /12345678/, 'without repeating it');
  t.throws(() => parseGatewayConfig(`${base}chain: { backend: core, url: "http://u:secret@127.0.0.1:8332/", username: u, password: p }\n`, file), { message: /chain\.url: put the credentials in username and password/ });
});

t.test("hopLimit: the links the gateway's envelopes may cross", async (t) => {
  t.equal(parseGatewayConfig(`${REGTEST}hopLimit: 10\n`, FILE).hopLimit, 10);
  t.equal(parseGatewayConfig(REGTEST, FILE).hopLimit, undefined, "absent: the router's default");
  t.match(refusal(`${REGTEST}hopLimit: 300\n`), /hopLimit: 300 is outside \[1, 255\]/);
});
