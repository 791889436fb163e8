// The node daemon's config file: a full config read into what the daemon
// uses, paths relative to the file, defaults; every mistake a ConfigError at
// FILE:LINE:COLUMN naming the key; the template `lnmesh init node` writes
// stays a valid config.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { loadNodeConfig, parseNodeConfig, readConfigText } from '../../../node/config/node-config.js';
import { nodeConfigTemplate } from '../../../node/config/node-template.js';
import { ConfigError, MAX_YAML_BYTES } from '../../../node/config/yaml-reader.js';
import { isPublicKey, publicKeyOf } from '../../../node/core/curve.js';

const FILE = '/etc/lnmesh/node.yaml';

/** A node id from a name: a compressed public key, in hex. */
function nodeId(name: string): string {
  return bytesToHex(publicKeyOf(sha256(new TextEncoder().encode(name))));
}

const HILLTOP = nodeId('hilltop');
const WIRE = nodeId('wire');
const GATEWAY = nodeId('gateway');
const FAR = nodeId('far away');
/** 66 hex characters that are not a point of secp256k1 (x = 0xbbbb...bb has no y). */
const OFF_CURVE = `02${'bb'.repeat(32)}`;
const HEADER = 'ab'.repeat(80);

const FULL = `network: testnet
dataDir: ./data
seedFile: ../secrets/seed
controlSocket: /run/lnmesh/node.sock
log:
  level: debug
  format: json
gateway:
  nodeId: ${GATEWAY.toUpperCase()}
  pollInterval: 10m
  checkpoint:
    height: 850000
    header: ${HEADER}
links:
  - transport:
      kind: lora
      path: /dev/ttyACM0
      frequencyHz: 868100000
      bandwidthHz: 125000
      spreadingFactor: 9
      codingRate: 5
      txPowerDbm: 14
      dutyCycle: EU868
      answerTimeout: 2s
      baudRate: 115200
      preambleSymbols: 8
    neighbours:
      - nodeId: ${HILLTOP}
        name: hilltop
  - transport:
      kind: serial
      path: /dev/ttyUSB0
      baudRate: 57600
      mtu: 250
    neighbours:
      - nodeId: ${WIRE}
  - transport:
      kind: mqtt
      url: mqtts://broker.example:8883
      nodeName: my-node
      topicPrefix: mesh
      username: user
      password: pass
      mtu: 4096
      rejectUnauthorized: false
    neighbours:
      - nodeId: ${GATEWAY}
        address: gateway
    timing:
      retransmitBase: 5s
      retransmitBackoff: 1.5
      retransmitMax: 10m
      deadAfterSilentRounds: 4
      windowFragments: 8
      ackDelay: 200ms
      maxMessageBytes: 65536
routes:
  "*": ${GATEWAY}
  ${FAR}: ${HILLTOP}
channels:
  offlineHorizonBlocks: 1008
  marginBlocks: 72
  minimumDepth: 3
  feeratePerKw: 500
  channelType: static_remotekey
  forwardingFee:
    baseMsat: 2000
    proportionalMillionths: 100
`;

const MINIMAL = 'network: regtest\ndataDir: node-data\n';

/** `text` with `from` (which must be in it, once) replaced by `to`. */
function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`${JSON.stringify(from)} is not in the text exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** `LINE:COLUMN` (1-based) of the first occurrence of `needle` in `text`. */
function where(text: string, needle: string): string {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${JSON.stringify(needle)} is not in the text`);
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

/** The message of the ConfigError that parsing `text` throws; any other outcome fails the test. */
function refusal(text: string): string {
  try {
    parseNodeConfig(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'accepted';
}

t.test('a full config reads into what the daemon uses', async (t) => {
  const config = parseNodeConfig(FULL, FILE);
  t.equal(config.file, FILE);
  t.equal(config.network, 'testnet');
  t.equal(config.dataDir, '/etc/lnmesh/data', 'relative to the file');
  t.equal(config.seedFile, '/etc/secrets/seed', 'relative to the file, upwards too');
  t.equal(config.controlSocket, '/run/lnmesh/node.sock', 'absolute paths stay');
  t.strictSame(config.log, { level: 'debug', format: 'json' });
  t.equal(config.gateway?.nodeId, GATEWAY, 'node ids are read in lower case');
  t.equal(config.gateway?.pollIntervalMs, 600_000);
  t.equal(config.gateway?.checkpoint?.height, 850_000);
  t.equal(bytesToHex(config.gateway!.checkpoint!.header), HEADER, 'the checkpoint header as 80 bytes');
  t.equal(config.gateway?.checkpoint?.header.length, 80);
  t.strictSame(config.links, [
    {
      transport: { kind: 'lora', path: '/dev/ttyACM0', frequencyHz: 868_100_000, bandwidthHz: 125_000, spreadingFactor: 9, codingRate: 5, txPowerDbm: 14, baudRate: 115_200, preambleSymbols: 8, dutyCycle: 'EU868', answerTimeoutMs: 2_000 },
      neighbours: [{ nodeId: HILLTOP, name: 'hilltop' }],
    },
    {
      transport: { kind: 'serial', path: '/dev/ttyUSB0', baudRate: 57_600, mtu: 250 },
      neighbours: [{ nodeId: WIRE }],
    },
    {
      transport: { kind: 'mqtt', url: 'mqtts://broker.example:8883', nodeName: 'my-node', topicPrefix: 'mesh', username: 'user', password: 'pass', mtu: 4096, rejectUnauthorized: false },
      neighbours: [{ nodeId: GATEWAY, address: 'gateway' }],
      timing: { retransmitBaseMs: 5_000, retransmitMaxMs: 600_000, ackDelayMs: 200, retransmitBackoff: 1.5, deadAfterSilentRounds: 4, windowFragments: 8, maxMessageBytes: 65_536 },
    },
  ]);
  t.strictSame(config.routes, { '*': GATEWAY, [FAR]: HILLTOP }, 'the default route and a route through a neighbour');
  t.strictSame(config.channels, { offlineHorizonBlocks: 1008, marginBlocks: 72, minimumDepth: 3, feeratePerKw: 500, channelType: 'static_remotekey', forwardingFee: { baseMsat: 2000, proportionalMillionths: 100 } });
});

t.test('what is left out takes its default', async (t) => {
  const config = parseNodeConfig(MINIMAL, '/home/ann/node.yaml');
  t.strictSame(config, {
    file: '/home/ann/node.yaml',
    network: 'regtest',
    dataDir: '/home/ann/node-data',
    seedFile: '/home/ann/node-data/seed',
    controlSocket: '/home/ann/node-data/control.sock',
    log: { level: 'info', format: 'auto' },
    links: [],
    routes: {},
    channels: {},
  });
  t.equal(parseNodeConfig(MINIMAL, 'relative/node.yaml').file, join(process.cwd(), 'relative/node.yaml'), 'a relative file name is made absolute');
  t.equal(parseNodeConfig(MINIMAL, 'relative/node.yaml').dataDir, join(process.cwd(), 'relative/node-data'), 'and paths are relative to its folder, not the working directory');
  t.strictSame(parseNodeConfig(`${MINIMAL}log:\n  format: pretty\n`, FILE).log, { level: 'info', format: 'pretty' }, 'each log key has its own default');
  t.strictSame(parseNodeConfig(`${MINIMAL}gateway:\n  nodeId: ${GATEWAY}\n`, FILE).gateway, { nodeId: GATEWAY }, 'a gateway without poll interval or checkpoint');
});

t.test('an unknown key is refused at the key, naming the known ones', async (t) => {
  const bad = `${MINIMAL}colour: blue\n`;
  t.equal(refusal(bad), `${FILE}:3:1: colour: unknown key "colour" (known: network, dataDir, seedFile, controlSocket, log, gateway, links, routes, hopLimit, channels)`);
  t.match(refusal(edit(FULL, '    baseMsat: 2000', '    baseMsat: -1')), /channels\.forwardingFee\.baseMsat/, 'a negative base fee is refused at its key');
  t.match(refusal(edit(FULL, '    proportionalMillionths: 100', '    proportionalMillionths: 200000')), /channels\.forwardingFee\.proportionalMillionths/, 'a rate above 10% is refused at its key');
  t.equal(refusal(edit(FULL, '  level: debug', '  levle: debug')), `${FILE}:6:3: log.levle: unknown key "levle" (known: level, format)`);
  t.equal(refusal(edit(FULL, '    height: 850000', '    heigth: 850000')), `${FILE}:12:5: gateway.checkpoint.heigth: unknown key "heigth" (known: height, header)`);
  const timing = edit(FULL, '      ackDelay: 200ms', '      ackDelay: 200ms\n      jitter: 1s');
  t.equal(refusal(timing), `${FILE}:${where(timing, 'jitter')}: links[2].timing.jitter: unknown key "jitter" (known: retransmitBase, retransmitBackoff, retransmitMax, deadAfterSilentRounds, windowFragments, ackDelay, maxMessageBytes)`);
});

t.test('each transport kind has its own keys: another kind\'s key is refused', async (t) => {
  const cases = [
    { after: '      preambleSymbols: 8', extra: 'mtu: 200', field: 'links[0].transport.mtu', known: 'kind, path, baudRate, frequencyHz, bandwidthHz, spreadingFactor, codingRate, txPowerDbm, preambleSymbols, dutyCycle, answerTimeout' },
    { after: '      mtu: 250', extra: 'frequencyHz: 915000000', field: 'links[1].transport.frequencyHz', known: 'kind, path, baudRate, mtu' },
    { after: '      rejectUnauthorized: false', extra: 'path: /dev/ttyUSB1', field: 'links[2].transport.path', known: 'kind, url, nodeName, topicPrefix, mtu, username, password, rejectUnauthorized' },
  ];
  for (const { after, extra, field, known } of cases) {
    const bad = edit(FULL, after, `${after}\n      ${extra}`);
    const key = extra.split(':')[0]!;
    t.equal(refusal(bad), `${FILE}:${where(bad, extra)}: ${field}: unknown key "${key}" (known: ${known})`, field);
  }
  const neighbour = edit(FULL, '        name: hilltop', '        name: hilltop\n        power: 14');
  t.equal(refusal(neighbour), `${FILE}:30:9: links[0].neighbours[0].power: unknown key "power" (known: nodeId, address, name)`);
});

t.test('values of the wrong type are refused with the key and what was expected', async (t) => {
  t.equal(refusal('network: regtest\ndataDir: 5\n'), `${FILE}:2:10: dataDir: expected a string, got 5`);
  t.equal(refusal('network: regtest\ndataDir: [a, b]\n'), `${FILE}:2:10: dataDir: expected a string, got a list`);
  t.equal(refusal(edit(FULL, 'spreadingFactor: 9', 'spreadingFactor: "x"')), `${FILE}:20:24: links[0].transport.spreadingFactor: expected a whole number, got the string "x"`);
  t.equal(refusal(edit(FULL, 'spreadingFactor: 9', 'spreadingFactor: 9.5')), `${FILE}:20:24: links[0].transport.spreadingFactor: expected a whole number, got 9.5`);
  t.equal(refusal(edit(FULL, 'pollInterval: 10m', 'pollInterval: 10')), `${FILE}:10:17: gateway.pollInterval: a duration needs a unit (ms, s, m, h, d, w), e.g. 10m`);
  t.equal(refusal(edit(FULL, 'pollInterval: 10m', 'pollInterval: often')), `${FILE}:10:17: gateway.pollInterval: expected a number and a unit (ms, s, m, h, d, w), such as 10m, 36h or 14d`);
  const quotedNo = edit(FULL, 'rejectUnauthorized: false', 'rejectUnauthorized: "no"');
  t.equal(refusal(quotedNo), `${FILE}:${where(quotedNo, '"no"')}: links[2].transport.rejectUnauthorized: expected true or false, got the string "no"`);
  t.equal(refusal(`${MINIMAL}links:\n  kind: lora\n`), `${FILE}:4:3: links: expected a list, got a mapping`);
  t.equal(refusal(`${MINIMAL}gateway: ${GATEWAY}\n`), `${FILE}:3:10: gateway: expected a mapping, got a string of 66 characters`);
  t.equal(refusal('- network: regtest\n'), `${FILE}:1:1: expected a mapping of settings (network, dataDir, links, ...), got a list`, 'the root must be a mapping');
  t.equal(refusal(''), `${FILE}:1:1: expected a mapping of settings (network, dataDir, links, ...), got nothing`, 'an empty file');
  t.equal(refusal(edit(FULL, 'dutyCycle: EU868', 'dutyCycle: EU433')), `${FILE}:23:18: links[0].transport.dutyCycle: expected EU868 (1% in most of the band) or US915 (no duty cycle)`);
  t.equal(refusal(edit(FULL, 'channelType: static_remotekey', 'channelType: legacy')), `${FILE}:65:16: channels.channelType: expected anchors or static_remotekey`);
  t.equal(refusal(edit(FULL, 'format: json', 'format: xml')), `${FILE}:7:11: log.format: expected auto, json or pretty`);
  t.equal(refusal(edit(FULL, 'level: debug', 'level: verbose')), `${FILE}:6:10: log.level: expected one of trace, debug, info, warn, error, fatal`);
  const bareHost = edit(FULL, 'url: mqtts://broker.example:8883', 'url: broker.example');
  t.equal(refusal(bareHost), `${FILE}:${where(bareHost, 'broker.example')}: links[2].transport.url: expected a broker URL such as mqtt://host:1883 or mqtts://host:8883`);
  t.equal(refusal(edit(FULL, `header: ${HEADER}`, 'header: abcd')), `${FILE}:13:13: gateway.checkpoint.header: expected an 80-byte block header: 160 hex characters`);
});

t.test('numbers out of range are refused with the range', async (t) => {
  const cases: [string, string, string, string][] = [
    ['spreadingFactor: 9', 'spreadingFactor: 13', 'links[0].transport.spreadingFactor', '13 is outside [6, 12]'],
    ['frequencyHz: 868100000', 'frequencyHz: 2400000000', 'links[0].transport.frequencyHz', '2400000000 is outside [137000000, 1020000000]'],
    ['txPowerDbm: 14', 'txPowerDbm: -1', 'links[0].transport.txPowerDbm', '-1 is outside [0, 30]'],
    ['mtu: 250', 'mtu: 8', 'links[1].transport.mtu', '8 is outside [16, 65535]'],
    ['retransmitBackoff: 1.5', 'retransmitBackoff: 11', 'links[2].timing.retransmitBackoff', '11 is outside [1, 10]'],
    ['windowFragments: 8', 'windowFragments: 0', 'links[2].timing.windowFragments', '0 is outside [1, 256]'],
    ['height: 850000', 'height: -5', 'gateway.checkpoint.height', '-5 is outside [0, 10000000]'],
    ['feeratePerKw: 500', 'feeratePerKw: 100', 'channels.feeratePerKw', '100 is outside [253, 100000]'],
    ['minimumDepth: 3', 'minimumDepth: 0', 'channels.minimumDepth', '0 is outside [1, 100]'],
    ['offlineHorizonBlocks: 1008', 'offlineHorizonBlocks: 60001', 'channels.offlineHorizonBlocks', '60001 is outside [1, 60000]'],
    ['pollInterval: 10m', 'pollInterval: 500ms', 'gateway.pollInterval', '500ms is shorter than 1s'],
    ['pollInterval: 10m', 'pollInterval: 8d', 'gateway.pollInterval', '8d is longer than 1w'],
    ['answerTimeout: 2s', 'answerTimeout: 2m', 'links[0].transport.answerTimeout', '2m is longer than 1m'],
  ];
  for (const [from, to, field, reason] of cases) {
    const bad = edit(FULL, from, to);
    const value = to.slice(to.indexOf(': ') + 2);
    const [line, column] = where(bad, to).split(':').map(Number) as [number, number];
    t.equal(refusal(bad), `${FILE}:${line}:${column + to.indexOf(value)}: ${field}: ${reason}`, field);
  }
});

t.test('node ids must be 33-byte public keys on the curve', async (t) => {
  t.equal(refusal(edit(FULL, `      - nodeId: ${WIRE}`, `      - nodeId: ${WIRE.slice(0, 64)}`)), `${FILE}:36:17: links[1].neighbours[0].nodeId: expected a node id: 66 hex characters starting 02 or 03`, 'too short');
  t.equal(refusal(edit(FULL, `      - nodeId: ${WIRE}`, `      - nodeId: ${WIRE}00`)), `${FILE}:36:17: links[1].neighbours[0].nodeId: expected a node id: 66 hex characters starting 02 or 03`, 'too long');
  t.equal(refusal(edit(FULL, `      - nodeId: ${WIRE}`, `      - nodeId: 04${WIRE.slice(2)}`)), `${FILE}:36:17: links[1].neighbours[0].nodeId: expected a node id: 66 hex characters starting 02 or 03`, 'not a compressed key prefix');
  t.notOk(isPublicKey(Buffer.from(OFF_CURVE, 'hex')), 'the off-curve id really is off the curve');
  t.equal(refusal(edit(FULL, `  nodeId: ${GATEWAY.toUpperCase()}`, `  nodeId: ${OFF_CURVE}`)), `${FILE}:9:11: gateway.nodeId: not a public key on secp256k1`, 'not on the curve');
  t.equal(refusal(edit(FULL, `  nodeId: ${GATEWAY.toUpperCase()}`, '  nodeId: 1234')), `${FILE}:9:11: gateway.nodeId: expected a node id (66 hex characters), got 1234`, 'a number');
});

t.test('routes: destinations are node ids or *, next hops are neighbours', async (t) => {
  const notNeighbour = edit(FULL, `  ${FAR}: ${HILLTOP}`, `  ${FAR}: ${FAR}`);
  t.equal(refusal(notNeighbour), `${FILE}:${where(notNeighbour, `${FAR}: ${FAR}`).split(':')[0]}:71: routes.${FAR}: the next hop must be a neighbour on one of the links`);
  const badDestination = edit(FULL, `  ${FAR}: ${HILLTOP}`, `  somewhere: ${HILLTOP}`);
  t.equal(refusal(badDestination), `${FILE}:59:3: routes.somewhere: a destination is a node id or * for the default route: expected a node id: 66 hex characters starting 02 or 03`);
  t.equal(refusal(`${MINIMAL}routes:\n  "*": ${GATEWAY}\n`), `${FILE}:4:8: routes.*: the next hop must be a neighbour on one of the links`, 'without links, no route can be right');
  t.strictSame(parseNodeConfig(edit(FULL, `  ${FAR}: ${HILLTOP}`, `  ${FAR.toUpperCase()}: ${HILLTOP}`), FILE).routes[FAR], HILLTOP, 'destinations are read in lower case');
});

t.test('network and transport kind are names from a list', async (t) => {
  t.equal(refusal('network: moonnet\ndataDir: d\n'), `${FILE}:1:10: network: unknown network "moonnet": expected one of mainnet, testnet, signet, regtest`);
  t.equal(refusal(edit(FULL, 'kind: serial', 'kind: wifi')), `${FILE}:31:13: links[1].transport.kind: unknown transport kind "wifi": expected lora, meshtastic, serial or mqtt`);
});

t.test('a missing required key is refused where it belongs, with a hint', async (t) => {
  t.equal(refusal('dataDir: d\n'), `${FILE}:1:1: network: missing: mainnet, testnet, signet, regtest`);
  t.equal(refusal('network: regtest\n'), `${FILE}:1:1: dataDir: missing: the folder of the node's stores, e.g. ./node-data`);
  t.equal(refusal(edit(FULL, '      path: /dev/ttyACM0\n', '')), `${FILE}:16:7: links[0].transport.path: missing: the RNode serial device, e.g. /dev/ttyACM0`);
  t.equal(refusal(edit(FULL, '      kind: serial\n', '')), `${FILE}:31:7: links[1].transport.kind: missing: lora, meshtastic, serial or mqtt`);
  t.equal(refusal(edit(FULL, '      nodeName: my-node\n', '')), `${FILE}:${where(FULL, 'kind: mqtt').split(':')[0]}:7: links[2].transport.nodeName: missing: this node's address on the broker`);
  t.equal(refusal(`${MINIMAL}links:\n  - transport: { kind: serial, path: /dev/ttyS0 }\n`), `${FILE}:4:5: links[0].neighbours: missing: the nodes heard on this link`);
  t.equal(refusal(`${MINIMAL}gateway:\n  pollInterval: 1h\n`), `${FILE}:4:3: gateway.nodeId: missing: the gateway's node id`);
  t.equal(refusal(edit(FULL, `    header: ${HEADER}\n`, '')), `${FILE}:12:5: gateway.checkpoint.header: missing: the 80-byte header at that height, in hex`);
});

t.test('YAML mistakes are refused at their place', async (t) => {
  t.match(refusal(edit(FULL, 'marginBlocks: 72', 'marginBlocks: [72')), new RegExp(`^${FILE}:\\d+:\\d+: YAML: `), 'a syntax error');
  t.match(refusal('network: regtest\ndataDir: [a\nlinks: []\n'), new RegExp(`^${FILE}:3:1: YAML: .*\\]`), 'an unclosed bracket, where the next line starts');
  t.equal(refusal('network: regtest\n  dataDir: d\n'), `${FILE}:1:10: YAML: Nested mappings are not allowed in compact mappings (at "regtest")`, 'a key indented under a scalar');
  t.match(refusal(`${MINIMAL}network: mainnet\n`), new RegExp(`^${FILE}:3:1: YAML: Map keys must be unique \\(at "network"\\)`), 'a duplicate key, at the second one');
});

t.test('loadNodeConfig reads the file; a missing or oversized one is a ConfigError naming it', async (t) => {
  const dir = t.testdir({ 'node.yaml': MINIMAL, 'huge.yaml': `${MINIMAL}#${'x'.repeat(MAX_YAML_BYTES)}\n` });
  const config = loadNodeConfig(join(dir, 'node.yaml'));
  t.equal(config.file, join(dir, 'node.yaml'));
  t.equal(config.dataDir, join(dir, 'node-data'), 'relative to the file, wherever the process runs');
  const missing = join(dir, 'nothing.yaml');
  t.throws(() => loadNodeConfig(missing), { name: 'ConfigError', message: `${missing}:1:1: no such file (write one with \`lnmesh init\`)` });
  t.throws(() => loadNodeConfig(join(dir, 'huge.yaml')), { name: 'ConfigError', message: `${join(dir, 'huge.yaml')}:1:1: the file is over ${MAX_YAML_BYTES} bytes` });
  t.throws(() => readConfigText(dir), { name: 'ConfigError', message: `${dir}:1:1: cannot be read (EISDIR)` }, 'a folder is not a config');
  writeFileSync(join(dir, 'edge.yaml'), `${MINIMAL}#${'x'.repeat(MAX_YAML_BYTES - MINIMAL.length - 2)}\n`);
  t.equal(loadNodeConfig(join(dir, 'edge.yaml')).network, 'regtest', 'a file of exactly the limit is read');
});

t.test('the template lnmesh init writes is a valid config', async (t) => {
  const plain = parseNodeConfig(nodeConfigTemplate({ dataDir: './node-data' }), FILE);
  t.equal(plain.network, 'regtest', 'regtest unless asked');
  t.equal(plain.dataDir, '/etc/lnmesh/node-data');
  t.equal(plain.gateway, undefined, 'no gateway until one is named');
  t.strictSame(plain.links, []);
  t.strictSame(plain.channels, { offlineHorizonBlocks: 2016 });
  const uncommented = nodeConfigTemplate({ dataDir: './node-data' }).replace('  # forwardingFee:', '  forwardingFee:').replace('  #   baseMsat', '    baseMsat').replace('  #   proportionalMillionths', '    proportionalMillionths');
  t.strictSame(parseNodeConfig(uncommented, FILE).channels.forwardingFee, { baseMsat: 1000, proportionalMillionths: 0 }, 'the forwarding fee, uncommented, is the default');
  for (const network of ['mainnet', 'testnet', 'signet', 'regtest']) {
    const withGateway = parseNodeConfig(nodeConfigTemplate({ dataDir: '/var/lib/lnmesh', network, gatewayId: GATEWAY }), FILE);
    t.equal(withGateway.network, network);
    t.strictSame(withGateway.gateway, { nodeId: GATEWAY, pollIntervalMs: 600_000 }, `${network}: the gateway section is filled in`);
    t.equal(withGateway.dataDir, '/var/lib/lnmesh');
  }
});

t.test('any data directory survives the template: it is quoted as it must be', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (dataDir) => {
      return parseNodeConfig(nodeConfigTemplate({ dataDir }), FILE).dataDir === resolve('/etc/lnmesh', dataDir);
    }),
    { numRuns: 300 },
  );
  t.pass('300 data directories read back');
});

t.test('a mutated config either parses or is refused with a ConfigError, never another error', async (t) => {
  const lines = FULL.split('\n');
  const scalar = fc.oneof(
    fc.integer().map(String),
    fc.double().map(String),
    fc.constantFrom('true', 'false', 'null', '~', '[]', '{}', '""', '-', '*', '&a', '*a', '!!binary x', '0x10', '1e400', '.nan', '10m', '-5s', "'quoted'"),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 60, maxLength: 70 }),
  );
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), line: fc.nat(lines.length - 1) }),
    fc.record({ kind: fc.constant('value' as const), line: fc.nat(lines.length - 1), value: scalar }),
  );
  let parsed = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
      const mutated = [...lines];
      for (const change of mutations) {
        const index = Math.min(change.line, mutated.length - 1);
        if (change.kind === 'delete') mutated.splice(index, 1);
        else mutated[index] = mutated[index]!.replace(/^(\s*(?:- )?[^:\s]+:).*$/, `$1 ${change.value}`);
      }
      try {
        parseNodeConfig(mutated.join('\n'), FILE);
        parsed++;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        refused++;
      }
    }),
    { numRuns: 2000 },
  );
  t.ok(parsed > 0, `some mutations still parse (${parsed})`);
  t.ok(refused > 0, `some are refused (${refused})`);
});

t.test('hopLimit: the links an envelope may cross, for a mesh longer than the default 8', async (t) => {
  t.equal(parseNodeConfig(`${MINIMAL}hopLimit: 12\n`, FILE).hopLimit, 12);
  t.equal(parseNodeConfig(MINIMAL, FILE).hopLimit, undefined, "absent: the router's default");
  t.equal(refusal(`${MINIMAL}hopLimit: 0\n`), `${FILE}:3:11: hopLimit: 0 is outside [1, 255]`);
  t.equal(refusal(`${MINIMAL}hopLimit: many\n`), `${FILE}:3:11: hopLimit: expected a whole number, got the string "many"`);
});
