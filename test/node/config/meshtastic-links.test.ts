// A link over a Meshtastic radio in the daemons' config: the radio by serial
// path or tcp://host:4403, lnmesh's port, channel, hop limit and the preset
// set on the radio; each neighbour by its radio's node number `!aabbccdd`,
// checked when the file is read. The gateway reads links the same way, and
// the Meshtastic block of `lnmesh init node`'s template parses uncommented.
import t from 'tap';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { parseGatewayConfig } from '../../../gateway/daemon/gateway-config.js';
import { parseNodeConfig } from '../../../node/config/node-config.js';
import { nodeConfigTemplate } from '../../../node/config/node-template.js';
import { ConfigError } from '../../../node/config/yaml-reader.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { meshtasticRetransmitBaseMs } from '../../../transports/config/meshtastic-timing.js';
import { readmeSection, readmeSteps } from '../cli/readme-steps.js';

const FILE = '/etc/lnmesh/node.yaml';
const HILLTOP = bytesToHex(publicKeyOf(sha256(new TextEncoder().encode('hilltop'))));
const VALLEY = bytesToHex(publicKeyOf(sha256(new TextEncoder().encode('valley'))));

const CONFIG = `network: regtest
dataDir: node-data
links:
  - transport:
      kind: meshtastic
      path: /dev/ttyUSB0
      port: 300
      channel: 1
      hopLimit: 2
      preset: MediumFast
      wantAck: true
    neighbours:
      - nodeId: ${HILLTOP}
        address: "!A1B2C3D4"
        name: hilltop
  - transport: { kind: meshtastic, path: "tcp://192.168.1.20:4403" }
    neighbours:
      - { nodeId: ${VALLEY}, address: "!0000beef" }
`;

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

/** CONFIG with `from` (there exactly once) replaced by `to`. */
function edit(from: string, to: string): string {
  if (CONFIG.split(from).length !== 2) throw new Error(`${JSON.stringify(from)} is not in the config exactly once`);
  return CONFIG.replace(from, to);
}

t.test('a Meshtastic link reads into the transport spec and node numbers the link uses', async (t) => {
  const { links } = parseNodeConfig(CONFIG, FILE);
  t.strictSame(links[0], {
    transport: { kind: 'meshtastic', path: '/dev/ttyUSB0', port: 300, channel: 1, hopLimit: 2, wantAck: true, preset: 'MediumFast' },
    neighbours: [{ nodeId: HILLTOP, address: '!a1b2c3d4', name: 'hilltop' }],
  }, 'every option, the node number lowercased as the firmware prints it');
  t.strictSame(links[1], { transport: { kind: 'meshtastic', path: 'tcp://192.168.1.20:4403' }, neighbours: [{ nodeId: VALLEY, address: '!0000beef' }] }, 'a radio on the network, defaults left to the transport');
});

t.test('the gateway reads the same links', async (t) => {
  const links = parseGatewayConfig(CONFIG.replace('dataDir: node-data', 'dataDir: gw-data'), '/srv/gateway/gateway.yaml').links;
  t.strictSame(links, parseNodeConfig(CONFIG, FILE).links);
});

t.test('a neighbour on a Meshtastic link is named by its node number, checked where it stands', async (t) => {
  t.equal(refusal(edit('        address: "!A1B2C3D4"\n', '')), `${FILE}:13:9: links[0].neighbours[0].address: missing: its radio's node number, like "!aabbccdd"`);
  t.equal(refusal(edit('"!A1B2C3D4"', 'a1b2c3d4')), `${FILE}:14:18: links[0].neighbours[0].address: expected "!" and 8 hex digits (like "!aabbccdd") or "^all", got "a1b2c3d4"`);
  t.equal(refusal(edit('"!A1B2C3D4"', '"!a1b2c3"')), `${FILE}:14:18: links[0].neighbours[0].address: expected "!" and 8 hex digits (like "!aabbccdd") or "^all", got "!a1b2c3"`);
  t.equal(refusal(edit('"!0000beef"', '"!ffffffff"')), `${FILE}:18:96: links[1].neighbours[0].address: !ffffffff is broadcast, not a radio`);
  t.equal(refusal(edit('"!0000beef"', '"^all"')), `${FILE}:18:96: links[1].neighbours[0].address: !ffffffff is broadcast, not a radio`);
  t.equal(refusal(edit('"!0000beef"', '"!00000000"')), `${FILE}:18:96: links[1].neighbours[0].address: 0 is not a node number`);
  t.equal(refusal(edit('"!0000beef"', '"!00000001"')), `${FILE}:18:96: links[1].neighbours[0].address: !00000001 is reserved, not a radio`);
  t.equal(refusal(edit('"!0000beef"', '12345')), `${FILE}:18:96: links[1].neighbours[0].address: expected a node number like "!aabbccdd", got 12345`);
});

t.test('each Meshtastic setting is refused out of its range, at its line, naming the field', async (t) => {
  const cases: [string, string, string][] = [
    ['port: 300', 'port: 80', '7:13: links[0].transport.port: 80 is outside [256, 511]'],
    ['channel: 1', 'channel: 8', '8:16: links[0].transport.channel: 8 is outside [0, 7]'],
    ['hopLimit: 2', 'hopLimit: 0', '9:17: links[0].transport.hopLimit: 0 is outside [1, 7]'],
    ['hopLimit: 2', 'hopLimit: 8', '9:17: links[0].transport.hopLimit: 8 is outside [1, 7]'],
    ['preset: MediumFast', 'preset: VeryFast', '10:15: links[0].transport.preset: unknown modem preset: expected one of LongFast, LongModerate, LongSlow, LongTurbo, MediumSlow, MediumFast, MediumTurbo, ShortSlow, ShortFast, ShortTurbo'],
    ['wantAck: true', 'wantAck: maybe', '11:16: links[0].transport.wantAck: expected true or false, got the string "maybe"'],
    ['"tcp://192.168.1.20:4403"', '"tcp://192.168.1.20:port"', '16:42: links[1].transport.path: expected tcp://host:port (like tcp://192.168.1.20:4403), got a string of 23 characters'],
    ['"tcp://192.168.1.20:4403"', '"tcp://192.168.1.20:99999"', '16:42: links[1].transport.path: 99999 is outside [1, 65535]'],
    ['"tcp://192.168.1.20:4403"', '""', '16:42: links[1].transport.path: expected a serial device path or tcp://host:4403'],
    ['      preset: MediumFast\n', '      preset: MediumFast\n      baudRate: 115200\n', '11:7: links[0].transport.baudRate: unknown key "baudRate" (known: kind, path, port, channel, hopLimit, wantAck, preset)'],
    ['      path: /dev/ttyUSB0\n', '', '5:7: links[0].transport.path: missing: the radio: a serial device (/dev/ttyUSB0) or tcp://host:4403'],
  ];
  for (const [from, to, message] of cases) {
    t.equal(refusal(edit(from, to)), `${FILE}:${message}`, `${to.trim() || from.trim()} is refused`);
  }
});

t.test("lnmesh init node's template, its Meshtastic block uncommented, is a Meshtastic link", async (t) => {
  const template = nodeConfigTemplate({ dataDir: './node-data' });
  const start = template.indexOf('# - transport:\n#     kind: meshtastic');
  const end = template.indexOf('# - transport:', start + 1);
  t.ok(start > 0 && end > start, 'the template offers a Meshtastic link');
  const block = template
    .slice(start, end)
    .split('\n')
    .map((line) => line.replace(/^# /, '  ').replace(/^(\s+)# (port|channel|hopLimit|preset|wantAck):/, '$1$2:'))
    .join('\n')
    .replace('/dev/ttyUSB0', '/dev/pts/7')
    .replace('02...', HILLTOP);
  const config = parseNodeConfig(template.replace('links: []\n', `links:\n${block}`), FILE);
  t.strictSame(config.links, [{
    transport: { kind: 'meshtastic', path: '/dev/pts/7', port: 256, channel: 0, hopLimit: 3, wantAck: false, preset: 'LongFast' },
    neighbours: [{ nodeId: HILLTOP, address: '!aabbccdd' }],
  }], 'every setting uncommented is its default');
});

t.test('the README\'s Meshtastic config block is a Meshtastic link', async (t) => {
  const section = readmeSection('A node on a Meshtastic radio');
  const block = /\n```yaml\n([\s\S]*?)\n```\n/.exec(section)?.[1];
  if (block === undefined) return t.fail('the section has a yaml block');
  t.strictSame(parseNodeConfig(`network: regtest\ndataDir: node-data\n${block}\n`, FILE).links, [{
    transport: { kind: 'meshtastic', path: '/dev/ttyUSB0', preset: 'LongFast', hopLimit: 2 },
    neighbours: [{ nodeId: HILLTOP, address: '!a1b2c3d4', name: 'hilltop' }],
  }]);
  t.strictSame(readmeSteps(section), [], 'nothing in it is a walk-through step');
  const seconds = (hopLimit: number) => `${(meshtasticRetransmitBaseMs({ path: '/dev/ttyUSB0', hopLimit }) / 1000).toFixed(1)} s`;
  t.match(section.replace(/\s+/g, ' '), `LongFast is ${seconds(1).replace('.0 s', ' s')} in range, ${seconds(2)} with \`hopLimit: 2\`, ${seconds(3)} with the default 3`, 'its retransmission figures are the computed ones');
});

t.test('a node number left unquoted is a YAML tag, refused with a hint', async (t) => {
  t.equal(refusal(edit('"!A1B2C3D4"', '!a1b2c3d4')), `${FILE}:14:18: YAML: Unresolved tag: !a1b2c3d4 (at "!a1b2c3d4"); quote it ("!a1b2c3d4") if it is a node number`);
});

t.test('a mutated Meshtastic link either parses or is refused with a ConfigError, never another error', async (t) => {
  const lines = CONFIG.split('\n');
  const scalar = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.constantFrom('true', 'null', '[]', '{}', '""', '"!"', '"!ffffffff"', '"^all"', '"!0000000g"', '!x', 'tcp://', '"tcp://h:99999"', 'LongFast', 'toString', '__proto__'),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: fc.constantFrom(...'!0123456789abcdefABCDEF'), maxLength: 10 }).map((text) => JSON.stringify(text)),
  );
  const mutation = fc.record({ line: fc.nat(lines.length - 1), value: scalar });
  const outcomes = { parsed: 0, refused: 0 };
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
      const mutated = [...lines];
      for (const { line, value } of mutations) mutated[line] = mutated[line]!.replace(/^(\s*(?:- )?[^:\s]+:).*$/, `$1 ${value}`);
      try {
        parseNodeConfig(mutated.join('\n'), FILE);
        outcomes.parsed++;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        outcomes.refused++;
      }
    }),
    { numRuns: 2000 },
  );
  t.ok(outcomes.parsed > 0 && outcomes.refused > 0, `some parse (${outcomes.parsed}), some are refused (${outcomes.refused})`);
});
