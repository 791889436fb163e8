import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { type Scenario, ScenarioError, linkModelBetween, loadScenario, parseScenario } from '../../sim/scenario.js';

const here = dirname(fileURLToPath(import.meta.url));
const shipped = join(here, '../../sim/scenarios');
const fixtures = join(here, 'fixtures');
const DAY = 86_400_000;

/** The ScenarioError that loading `file` throws (the test fails if none). */
function errorOf(load: () => Scenario): ScenarioError {
  try {
    load();
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

t.test('every shipped scenario loads', async (t) => {
  const files = readdirSync(shipped).filter((file) => file.endsWith('.yaml'));
  t.same(files.sort(), ['breach-tower-down.yaml', 'flood.yaml', 'gateway-outage.yaml', 'headline.yaml', 'line5-eu868.yaml', 'line5-idle.yaml', 'lora-grid-50.yaml', 'meshtastic-longfast.yaml', 'neighbour-asleep.yaml', 'partition-heal.yaml', 'payee-gone.yaml', 'unilateral-close.yaml', 'village-lightning.yaml']);
  for (const file of files) {
    const scenario = loadScenario(join(shipped, file));
    t.equal(`${scenario.name}.yaml`, file, `${file} is named after its file`);
    t.ok(scenario.description.length > 0, `${file} says what it shows`);
  }
});

t.test('the headline: n1 offline for ten days while n2 cheats on it', async (t) => {
  const headline = loadScenario(join(shipped, 'headline.yaml'));
  const offline = headline.events.find((event) => event.kind === 'nodeOffline');
  const online = headline.events.find((event) => event.kind === 'nodeOnline');
  const breach = headline.events.find((event) => event.kind === 'breach');
  t.same(offline && { node: offline.node, atMs: offline.atMs }, { node: 'n1', atMs: 2 * DAY });
  t.equal(online!.atMs - offline!.atMs, 10 * DAY, 'ten days away');
  t.same(breach, { atMs: 3 * DAY, kind: 'breach', cheater: 'n2', victim: 'n1' }, 'the counterparty cheats while it is away');
  t.equal(headline.nodes.n1?.offlineHorizonBlocks, 2016, 'a 14-day horizon is 2016 blocks of 10 minutes');
  t.same(headline.channels[1], { funder: 'n2', fundee: 'n1', capacitySatoshis: 1_000_000, pushSatoshis: 0 });
  t.same(headline.workload?.endpoints, [['n2', 'n1']], 'n2 pays n1 first: its older states gave it more');
  t.same(headline.gateway.attachedTo, ['n0'], 'the victim reaches the tower through n0, not through the cheater');
});

t.test('the partition: a payment over three hops sent while the mesh is cut', async (t) => {
  const scenario = loadScenario(join(shipped, 'partition-heal.yaml'));
  t.same(
    scenario.events.map((event) => event.kind),
    ['partition', 'payment', 'heal'],
  );
  t.same(scenario.events[0], { atMs: 2 * 3_600_000, kind: 'partition', groups: [['n0', 'n1'], ['n2', 'n3']] });
  t.same(scenario.events[1], { atMs: 3 * 3_600_000, kind: 'payment', from: 'n0', to: 'n3', amountSatoshis: 10_000 });
  t.equal(scenario.channels.length, 3, 'a channel on each of the three links');
});

t.test('the 50-node LoRa grid: one payment per node per hour, 30 days', async (t) => {
  const grid = loadScenario(join(shipped, 'lora-grid-50.yaml'));
  t.equal(grid.topology.nodes.length, 50);
  t.equal(grid.channels.length, grid.topology.edges.length, 'a channel on every link');
  t.equal(grid.durationMs, 30 * DAY);
  t.equal(grid.workload?.meanIntervalMs, 3_600_000);
  t.equal(grid.workload?.endpoints, 'random');
  t.same(linkModelBetween(grid, 'n0', 'n1'), { kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000, codingRate: 5, dutyCycle: 'US915', lossRate: 0.01 });
});

t.test('the gateway outage lasts a day', async (t) => {
  const outage = loadScenario(join(shipped, 'gateway-outage.yaml'));
  t.same(outage.events, [{ atMs: DAY, kind: 'gatewayOutage', durationMs: DAY }]);
  t.ok(outage.workload, 'payments go on through it');
});

t.test('a minimal scenario is filled in with the documented defaults', async (t) => {
  const scenario = parseScenario('name: minimal\nduration: 1d\ntopology: { kind: line, nodes: 2 }\n', 'minimal.yaml');
  t.equal(scenario.seed, 1);
  t.same(scenario.chain, { blockIntervalMs: 600_000, jitter: 0.5 });
  t.same(scenario.links.default, { kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000, codingRate: 5, dutyCycle: 'EU868', lossRate: 0 });
  t.same(scenario.links.overrides, []);
  t.same(scenario.gateway, { attachedTo: ['n0'], link: { kind: 'mqtt', latencyMs: 100, mtu: 4096, lossRate: 0 } });
  const node = { horizonMs: 14 * DAY, offlineHorizonBlocks: 2016, pollIntervalMs: 600_000, forwardingFee: { baseMsat: 1000, proportionalMillionths: 0 } };
  t.same(scenario.nodes, { n0: node, n1: node }, "the node code's defaults: a 14-day horizon, 1 sat a forward");
  t.same(scenario.channels, []);
  t.equal(scenario.workload, undefined);
  t.same(scenario.events, []);
  t.equal(scenario.description, '');
});

t.test('every part of the schema, written out', async (t) => {
  const scenario = parseScenario(
    `
name: everything
description: each key at least once
seed: 42
duration: 20d
chain: { blockInterval: 1m, jitter: 0 }
topology: { kind: grid, rows: 2, columns: 3 }
links:
  default: { kind: lora, spreadingFactor: 9, bandwidthHz: 250000, codingRate: 8, dutyCycle: US915, lossRate: 0.05 }
  overrides:
    - { between: [n0, n1], model: { kind: serial, baudRate: 9600 } }
    - { between: [n1, n2], model: { kind: mqtt, latency: 2s, mtu: 1024 } }
gateway: { attachedTo: [n0, n5], link: { kind: serial, baudRate: 57600, mtu: 512 } }
nodes:
  defaults: { horizon: 7d, forwardingFee: { proportionalMillionths: 50 } }
  overrides: { n2: { horizon: 170h, pollInterval: 1h, forwardingFee: { baseMsat: 0 } } }
channels:
  - { adjacent: true, capacity: 500000, push: 250000 }
workload: { rate: 4/h, amount: { min: 100, max: 900 }, endpoints: [[n0, n5], [n2, n3]], start: 2h, stop: 10d }
events:
  - { at: 1d, linkDown: [n1, n2] }
  - { at: 2d, linkUp: [n2, n1] }
  - { at: 1d, nodeOffline: n2 }
  - { at: 11d, nodeOnline: n2 }
  - { at: 3d, partition: [[n0, n1], [n2]] }
  - { at: 4d, heal: true }
  - { at: 2d, gatewayOutage: 1d }
  - { at: 5d, breach: { cheater: n0, victim: n1 } }
  - { at: 6d, reorg: 2 }
  - { at: 7d, payment: { from: n3, to: n2, amount: 1234 } }
`,
    'everything.yaml',
  );
  t.equal(scenario.seed, 42);
  t.same(scenario.chain, { blockIntervalMs: 60_000, jitter: 0 });
  t.same(linkModelBetween(scenario, 'n1', 'n0'), { kind: 'serial', baudRate: 9600, mtu: 255, lossRate: 0 }, 'an override, whichever way round');
  t.same(linkModelBetween(scenario, 'n2', 'n1'), { kind: 'mqtt', latencyMs: 2000, mtu: 1024, lossRate: 0 });
  t.same(linkModelBetween(scenario, 'n3', 'n4'), { kind: 'lora', spreadingFactor: 9, bandwidthHz: 250_000, codingRate: 8, dutyCycle: 'US915', lossRate: 0.05 });
  t.same(scenario.gateway, { attachedTo: ['n0', 'n5'], link: { kind: 'serial', baudRate: 57600, mtu: 512, lossRate: 0 } });
  t.same(scenario.nodes.n0, { horizonMs: 7 * DAY, offlineHorizonBlocks: 7 * 1440, pollIntervalMs: 600_000, forwardingFee: { baseMsat: 1000, proportionalMillionths: 50 } }, "blocks of the chain's own interval");
  t.same(scenario.nodes.n2, { horizonMs: 170 * 3_600_000, offlineHorizonBlocks: 170 * 60, pollIntervalMs: 3_600_000, forwardingFee: { baseMsat: 0, proportionalMillionths: 50 } }, 'an override inherits nothing it does not name but the defaults');
  t.equal(scenario.channels.length, 7, 'a channel per link of a 2 x 3 grid');
  t.same(scenario.channels[0], { funder: 'n0', fundee: 'n1', capacitySatoshis: 500_000, pushSatoshis: 250_000 });
  t.same(scenario.workload, { meanIntervalMs: 900_000, amountSatoshis: { min: 100, max: 900 }, endpoints: [['n0', 'n5'], ['n2', 'n3']], startMs: 2 * 3_600_000, stopMs: 10 * DAY });
  t.same(
    scenario.events.map((event) => event.kind),
    ['linkDown', 'linkUp', 'nodeOffline', 'nodeOnline', 'partition', 'heal', 'gatewayOutage', 'breach', 'reorg', 'payment'],
    'in file order',
  );
  t.same(scenario.events[6], { atMs: 2 * DAY, kind: 'gatewayOutage', durationMs: DAY });
  t.same(scenario.events[8], { atMs: 6 * DAY, kind: 'reorg', depth: 2 });
});

t.test('a mesh given as a file of edges, read relative to the scenario', async (t) => {
  const village = loadScenario(join(fixtures, 'file-topology.yaml'));
  t.same(village.topology.nodes, ['school', 'clinic', 'market', 'farm', 'well']);
  t.same(village.gateway.attachedTo, ['school']);
  t.equal(village.channels.length, 4);
  t.same(village.workload?.amountSatoshis, { min: 5000, max: 5000 }, 'a single amount is a fixed one');
});

/** Each bad file, and what its error must say: where, which field, and why. */
const BAD_FILES: [file: string, line: number, column: number, field: string, reason: RegExp][] = [
  ['unknown-key.yaml', 2, 1, 'duraton', /^unknown key "duraton" \(known: name, description, seed, duration, /],
  ['unknown-nested-key.yaml', 6, 5, 'channels[0].capasity', /^unknown key "capasity" \(known: between, adjacent, capacity, push\)/],
  ['wrong-type.yaml', 5, 10, 'topology.nodes', /^expected a whole number, got the string "three"/],
  ['wrong-type-channels.yaml', 5, 3, 'channels', /^expected a list, got a mapping/],
  ['missing-node-channel.yaml', 6, 21, 'channels[1].between[1]', /^unknown node "n3" \(the mesh has n0 to n2\)/],
  ['missing-node-event.yaml', 6, 27, 'events[1].nodeOnline', /^unknown node "alice" \(the mesh has n0 to n3\)/],
  ['missing-node-override.yaml', 8, 5, 'nodes.overrides.n4', /^unknown node "n4"/],
  ['missing-node-gateway.yaml', 5, 20, 'gateway.attachedTo[1]', /^unknown node "n9"/],
  ['channel-too-small.yaml', 5, 36, 'channels[0].capacity', /^19999 sat is below the smallest channel, 20000 sat/],
  ['channel-wumbo.yaml', 6, 15, 'channels[0].capacity', /^16777216 sat is above 16777215 sat \(2\^24 - 1\), the largest channel without option_large_channel \("wumbo"\)/],
  ['channel-push-over-capacity.yaml', 5, 50, 'channels[0].push', /^a push of 100001 sat is more than the capacity of 100000 sat/],
  ['channel-push-dust.yaml', 5, 50, 'channels[0].push', /below the 354-sat dust limit/],
  ['channel-push-reserve.yaml', 5, 50, 'channels[0].push', /leaves the funder 200 sat, below its 1000-sat channel reserve/],
  ['channel-not-neighbours.yaml', 5, 16, 'channels[0].between', /^n0 and n2 are not neighbours in the topology/],
  ['channel-duplicate.yaml', 6, 5, 'channels[1]', /^a second channel between n1 and n0 \(the first is channels\[0\]\)/],
  ['bad-duration.yaml', 2, 11, 'duration', /^no space between the number and the unit/],
  ['bare-number-duration.yaml', 5, 11, 'events[0].at', /^a duration needs a unit \(ms, s, m, h, d, w\), e\.g\. 10m/],
  ['event-after-end.yaml', 6, 11, 'events[1].at', /^49h is after the end of the scenario \(duration 2d\)/],
  ['breach-without-channel.yaml', 8, 36, 'events[0].breach.victim', /^n2 and n1 have no channel/],
  ['payment-without-channels.yaml', 8, 24, 'events[0].payment', /its route n0 - n1 - n2 - n3 has no channel between n1 and n2/],
  ['channel-horizons-apart.yaml', 8, 16, 'channels[1].between', /^the channel between n1 and n2 would never open: n2 would refuse it: the counterparty's cltv_expiry_delta of 2160 blocks is below our offline horizon of 4320 blocks/],
  ['horizon-beyond-csv.yaml', 6, 20, 'nodes.overrides.n1.horizon', /^a horizon of 500d is 72000 blocks of 10m: with the 144-block margin it is beyond the CSV limit of 65535 blocks/],
  ['forwarding-fee-too-high.yaml', 6, 52, 'nodes.overrides.n1.forwardingFee.proportionalMillionths', /200000/],
  ['yaml-syntax.yaml', 5, 42, '', /^YAML: Flow sequence .* end with a \]/],
  ['duplicate-key.yaml', 4, 1, '', /^YAML: Map keys must be unique \(at "duration"\)/],
  ['file-topology-disconnected.yaml', 4, 3, 'topology', /^the mesh is not connected: c, d cannot reach a/],
];

t.test('bad scenario files fail with the file, line, column and field', async (t) => {
  const bad = readdirSync(fixtures).filter((file) => file.endsWith('.yaml') && !file.endsWith('.edges.yaml') && !['file-topology.yaml', 'file-topology-bad-edge.yaml'].includes(file));
  t.same(bad.sort(), BAD_FILES.map(([file]) => file).sort(), 'every bad fixture is listed here');
  for (const [file, line, column, field, reason] of BAD_FILES) {
    const path = join(fixtures, file);
    const error = errorOf(() => loadScenario(path));
    t.same({ file: error.file, line: error.line, column: error.column, field: error.field }, { file: path, line, column, field }, file);
    t.match(error.reason, reason, `${file}: the reason`);
    t.equal(error.message, `${path}:${line}:${column}: ${field === '' ? '' : `${field}: `}${error.reason}`, `${file}: FILE:LINE:COLUMN: field: reason`);
  }
});

t.test('a mistake in an edges file points into that file', async (t) => {
  const error = errorOf(() => loadScenario(join(fixtures, 'file-topology-bad-edge.yaml')));
  t.same({ file: error.file, line: error.line, column: error.column, field: error.field }, { file: join(fixtures, 'bad.edges.yaml'), line: 2, column: 3, field: 'edges[1]' });
  t.match(error.reason, /expected at most 2 items, got 3/);
});

t.test('a file that is not there', async (t) => {
  const error = errorOf(() => loadScenario(join(fixtures, 'no-such-scenario.yaml')));
  t.same([error.line, error.column], [1, 1]);
  t.match(error.reason, /cannot read the file: ENOENT/);
});

t.test('more refusals, from text', async (t) => {
  const base = 'name: t\nduration: 2d\ntopology: { kind: line, nodes: 3 }\n';
  const cases: [text: string, field: string, reason: RegExp][] = [
    ['duration: 2d\ntopology: { kind: line, nodes: 3 }\n', 'name', /^missing: give the scenario a name/],
    ['name: t\nduration: 2d\ntopology: { kind: ring, nodes: 3 }\n', 'topology.kind', /unknown topology "ring" \(known: line, star, grid, random, file\)/],
    ['name: t\nduration: 2d\ntopology: { kind: line, nodes: 3, rows: 2 }\n', 'topology.rows', /unknown key "rows" \(known: kind, nodes\)/],
    ['name: t\nduration: 2d\ntopology: { kind: line, nodes: 9999 }\n', 'topology.nodes', /outside \[2, 5000\]/],
    ['name: t\nduration: 2d\ntopology: { kind: random, nodes: 30, radius: 0.02, seed: 3 }\n', 'topology', /never connected/],
    [`${base}links: { default: { kind: wifi } }\n`, 'links.default.kind', /unknown link kind "wifi" \(known: lora, meshtastic, serial, mqtt\)/],
    [`${base}links: { default: { kind: serial, spreadingFactor: 7 } }\n`, 'links.default.spreadingFactor', /unknown key "spreadingFactor" \(known: kind, baudRate, mtu, lossRate\)/],
    [`${base}links: { default: { kind: lora, dutyCycle: EU433 } }\n`, 'links.default.dutyCycle', /expected EU868 .* or US915/],
    [`${base}links: { default: { kind: lora, lossRate: 1.5 } }\n`, 'links.default.lossRate', /1\.5 is outside \[0, 1\]/],
    [`${base}links: { overrides: [{ between: [n0, n2], model: { kind: mqtt } }] }\n`, 'links.overrides[0].between', /not neighbours/],
    [`${base}links: { default: { kind: meshtastic, preset: LongFastest, region: EU_868 } }\n`, 'links.default.preset', /unknown modem preset "LongFastest" \(known: LongFast, LongModerate, LongSlow, LongTurbo, MediumSlow, .*, ShortTurbo\)/],
    [`${base}links: { default: { kind: meshtastic, preset: LongFast, region: EU_433 } }\n`, 'links.default.region', /unknown region "EU_433": expected EU_868 \(10% of each hour\) or US \(no duty cycle\)/],
    [`${base}links: { default: { kind: meshtastic, region: US } }\n`, 'links.default.preset', /missing: a modem preset: LongFast, LongModerate, /],
    [`${base}links: { default: { kind: meshtastic, preset: ShortTurbo, region: EU_868 } }\n`, 'links.default.preset', /ShortTurbo is not allowed in EU_868 \(500 kHz does not fit its band\)/],
    [`${base}links: { default: { kind: meshtastic, preset: LongFast, region: US, hops: 8 } }\n`, 'links.default.hops', /8 is outside \[1, 7\]/],
    [`${base}links: { default: { kind: meshtastic, preset: LongFast, region: US, hops: 0 } }\n`, 'links.default.hops', /0 is outside \[1, 7\]/],
    [`${base}links: { default: { kind: meshtastic, preset: LongFast, region: US, encryption: aes } }\n`, 'links.default.encryption', /expected pkc .* or channel/],
    [`${base}links: { default: { kind: meshtastic, preset: LongFast, region: US, spreadingFactor: 9 } }\n`, 'links.default.spreadingFactor', /unknown key "spreadingFactor" \(known: kind, preset, region, hops, encryption, lossRate\)/],
    [`${base}links: { default: { kind: meshtastic, preset: LongFast, region: EU_868 }, overrides: [{ between: [n1, n2], model: { kind: meshtastic, preset: MediumFast, region: EU_868 } }] }\n`, 'links.overrides[0].model', /n1 has one Meshtastic radio, at LongFast EU_868 on its other links, not MediumFast EU_868/],
    [`${base}chain: { jitter: 2 }\n`, 'chain.jitter', /outside \[0, 1\]/],
    [`${base}gateway: { attachedTo: [n0, n0] }\n`, 'gateway.attachedTo', /n0 is listed twice/],
    [`${base}workload: { rate: 1/h }\n`, 'workload', /random payments .* need a channel on every link, and n0 - n1 has none/],
    [`${base}channels: [{ adjacent: true, capacity: 100000 }]\nworkload: { rate: 1/fortnight }\n`, 'workload.rate', /the period: unknown unit "fortnight"/],
    [`${base}channels: [{ adjacent: true, capacity: 100000 }]\nworkload: { rate: 1/h, amount: { min: 10, max: 5 } }\n`, 'workload.amount.max', /5 is below the minimum of 10/],
    [`${base}channels: [{ adjacent: true, capacity: 100000 }]\nworkload: { rate: 1/h, start: 1d, stop: 1h }\n`, 'workload.stop', /would stop \(1h\) before they start \(1d\)/],
    [`${base}channels: [{ capacity: 100000 }]\n`, 'channels[0].between', /missing: the two neighbours/],
    [`${base}channels: [{ adjacent: false, capacity: 100000 }]\n`, 'channels[0].adjacent', /write adjacent: true/],
    [`${base}events: [{ at: 1d }]\n`, 'events[0]', /an event needs one of linkDown, linkUp, /],
    [`${base}events: [{ at: 1d, nodeOffline: n1, nodeOnline: n2 }]\n`, 'events[0].nodeOnline', /one event per entry: this one has nodeOffline and nodeOnline/],
    [`${base}events: [{ at: 1d, partition: [[n0, n1], [n1, n2]] }]\n`, 'events[0].partition[1][0]', /n1 is in two groups/],
    [`${base}events: [{ at: 1d, linkDown: [n0, n2] }]\n`, 'events[0].linkDown', /not neighbours/],
    [`${base}events: [{ at: 1d, heal: no }]\n`, 'events[0].heal', /expected true or false, got the string "no"/],
    [`${base}events: [{ at: 1d, reorg: 0 }]\n`, 'events[0].reorg', /0 is outside \[1, 100\]/],
    [`${base}events: [{ at: 1d, gatewayOutage: forever }]\n`, 'events[0].gatewayOutage', /expected a number and a unit/],
    [`${base}events: [{ at: 1d, flood: { from: n1, kind: gossip, rate: 1/s, for: 1h } }]\n`, 'events[0].flood.kind', /one of handshake, envelope, appointment/],
    [`${base}events: [{ at: 1d, flood: { from: n7, kind: handshake, rate: 1/s, for: 1h } }]\n`, 'events[0].flood.from', /unknown node "n7"/],
    [`${base}events: [{ at: 1d, flood: { from: n1, kind: handshake, rate: 1000/s, for: 1d } }]\n`, 'events[0].flood.for', /86,400,000 messages at that rate: at most 1,000,000 per flood/],
    [`${base}events: [{ at: 1d, flood: { from: n1, kind: handshake, rate: 1/s, for: 2d } }]\n`, 'events[0].flood.for', /2d from 1d runs past the end of the scenario \(duration 2d\)/],
    [`${base}events: [{ at: 1d, flood: { from: n1, kind: handshake, rate: 1/s } }]\n`, 'events[0].flood.for', /missing: how long/],
    [`${base}seed: -1\n`, 'seed', /outside \[0, /],
    ['', '', /expected a scenario .*, got nothing/],
    ['- name: t\n', '', /expected a scenario .*, got a list/],
    [`${base}chain: { blockInterval: 1s }\n`, 'chain.blockInterval', /a horizon of 2w is 1209600 blocks of 1s/],
  ];
  for (const [text, field, reason] of cases) {
    const error = errorOf(() => parseScenario(text, 'text.yaml'));
    t.equal(error.field, field, `${field}: the field`);
    t.match(error.reason, reason, `${field}: the reason`);
    t.equal(error.file, 'text.yaml');
  }
});

t.test('the gateway on the Lightning Network: its channels, its fee, and the two bridge events', async (t) => {
  const scenario = parseScenario(
    `name: t
duration: 2d
topology: { kind: line, nodes: 3 }
gateway:
  attachedTo: [n0]
  lightning: { outsideChannel: { capacity: 1000000, push: 400000 }, meshChannel: { capacity: 500000, push: 200000 } }
channels: [{ between: [n0, n1], capacity: 300000, push: 100000 }]
events:
  - { at: 1h, payOutside: { from: n1, amount: 20000 } }
  - { at: 2h, payFromOutside: { to: n0, amount: 15000 } }
`,
    'text.yaml',
  );
  const lightning = scenario.gateway.lightning!;
  t.same(lightning.outsideChannel, { capacitySatoshis: 1_000_000, pushSatoshis: 400_000 });
  t.same(lightning.meshChannels, [{ funder: 'n0', fundee: 'gateway', capacitySatoshis: 500_000, pushSatoshis: 200_000 }], 'one channel per attached node, funded by the node');
  t.same(lightning.fee, { baseMsat: 1000, proportionalMillionths: 2000 }, 'the default bridge fee');
  t.equal(lightning.offlineHorizonBlocks, 2016, 'the gateway takes the attached nodes\' horizon');
  t.equal(lightning.finalCltvExpiryDelta, 432, 'the bridge\'s default: a hold window of 318 blocks');
  t.same(scenario.events, [
    { atMs: 3_600_000, kind: 'payOutside', from: 'n1', amountSatoshis: 20_000 },
    { atMs: 7_200_000, kind: 'payFromOutside', to: 'n0', amountSatoshis: 15_000 },
  ], 'n1 pays out two hops from the gateway; n0, attached, is paid in');
  t.equal(parseScenario('name: t\nduration: 2d\ntopology: { kind: line, nodes: 3 }\n', 'text.yaml').gateway.lightning, undefined, 'no Lightning side unless asked');
});

t.test('bad bridge input is refused on load, naming the field', async (t) => {
  const base = 'name: t\nduration: 2d\ntopology: { kind: line, nodes: 3 }\n';
  const lightning = `${base}gateway: { attachedTo: [n0], lightning: { outsideChannel: { capacity: 1000000, push: 400000 }, meshChannel: { capacity: 500000, push: 200000 } } }\nchannels: [{ between: [n0, n1], capacity: 300000, push: 100000 }]\n`;
  const cases: [text: string, field: string, reason: RegExp][] = [
    [`${base}events: [{ at: 1h, payOutside: { from: n0, amount: 1000 } }]\n`, 'events[0].payOutside', /payOutside needs a gateway on the Lightning Network: add gateway.lightning/],
    [`${base}events: [{ at: 1h, payFromOutside: { to: n0, amount: 1000 } }]\n`, 'events[0].payFromOutside', /payFromOutside needs a gateway on the Lightning Network/],
    [`${lightning}events: [{ at: 1h, payOutside: { from: n7, amount: 1000 } }]\n`, 'events[0].payOutside.from', /unknown node "n7" \(the mesh has n0 to n2\)/],
    [`${lightning}events: [{ at: 1h, payOutside: { from: n0, amount: 0 } }]\n`, 'events[0].payOutside.amount', /0 is outside \[1, /],
    [`${lightning}events: [{ at: 1h, payOutside: { from: n0, amount: -5 } }]\n`, 'events[0].payOutside.amount', /-5 is outside \[1, /],
    [`${lightning}events: [{ at: 1h, payOutside: { from: n0, amount: lots } }]\n`, 'events[0].payOutside.amount', /expected a whole number, got the string "lots"/],
    [`${lightning}events: [{ at: 1h, payOutside: { from: n0, amount: 1.5 } }]\n`, 'events[0].payOutside.amount', /expected a whole number, got 1.5/],
    [`${lightning}events: [{ at: 1h, payOutside: { from: n0 } }]\n`, 'events[0].payOutside.amount', /missing: in satoshis/],
    [`${lightning}events: [{ at: 1h, payOutside: { from: n0, amount: 300000 } }]\n`, 'events[0].payOutside.amount', /300000 sat is more than the 300000 sat the node starts with/],
    [`${lightning}events: [{ at: 1h, payFromOutside: { to: n0, amount: 250000 } }]\n`, 'events[0].payFromOutside.amount', /more than the 200000 sat the gateway starts with/],
    [`${lightning}events: [{ at: 1h, payOutside: { to: n0, amount: 1000 } }]\n`, 'events[0].payOutside.to', /unknown key "to" \(known: from, amount\)/],
    [`${lightning}events: [{ at: 1h, payOutside: { from: n2, amount: 1000 } }]\n`, 'events[0].payOutside.from', /n2 could never reach the gateway's bridge: its route n2 - n1 - n0 - gateway has no channel between n2 and n1/],
    [`${lightning}events: [{ at: 1h, payFromOutside: { to: n1, amount: 1000 } }]\n`, 'events[0].payFromOutside.to', /the gateway pays in only over its own channels, and n1 is not attached to it/],
    [`${lightning}events: [{ at: 3d, payFromOutside: { to: n0, amount: 1000 } }]\n`, 'events[0].at', /after the end of the scenario/],
    [`${base}gateway: { lightning: { meshChannel: { capacity: 500000 } } }\n`, 'gateway.lightning.outsideChannel', /missing: the gateway's channel with the outside node/],
    [`${base}gateway: { lightning: { outsideChannel: { capacity: 500000 } } }\n`, 'gateway.lightning.meshChannel', /missing: what each attached node opens with the gateway/],
    [`${base}gateway: { lightning: { outsideChannel: { capacity: 500000, push: 600000 }, meshChannel: { capacity: 500000 } } }\n`, 'gateway.lightning.outsideChannel.push', /more than the capacity/],
    [`${base}gateway: { lightning: { outsideChannel: { capacity: 500000 }, meshChannel: { capacity: 100 } } }\n`, 'gateway.lightning.meshChannel.capacity', /below the smallest channel/],
    [`${base}gateway: { lightning: { outsideChannel: { capacity: 500000 }, meshChannel: { capacity: 500000 }, fee: { baseMsat: -1 } } }\n`, 'gateway.lightning.fee.baseMsat', /outside \[0, /],
    [`${base}gateway: { lightning: { outsideChannel: { capacity: 500000 }, meshChannel: { capacity: 500000 }, hold: 3d } }\n`, 'gateway.lightning.hold', /unknown key "hold" \(known: outsideChannel, meshChannel, fee, finalCltvExpiryDelta\)/],
    [`${base}gateway: { lightning: { outsideChannel: { capacity: 500000 }, meshChannel: { capacity: 500000 }, finalCltvExpiryDelta: 114 } }\n`, 'gateway.lightning.finalCltvExpiryDelta', /114 is outside \[115, 2016\]/],
  ];
  for (const [text, field, reason] of cases) {
    const error = errorOf(() => parseScenario(text, 'text.yaml'));
    t.equal(error.field, field, `${field}: the field`);
    t.match(error.reason, reason, `${field}: the reason (${error.reason})`);
  }
});

/** The example of sim/README.md that writes out every key: the schema as documented must load. */
function readmeExample(): string {
  const readme = readFileSync(join(here, '../../sim/README.md'), 'utf8');
  const example = /Every key, with its default:\n\n```yaml\n([^]*?)```/.exec(readme)?.[1];
  if (example === undefined) throw new Error('sim/README.md has no longer its example of every key');
  return example;
}

t.test("the README's example of every key loads", async (t) => {
  const scenario = parseScenario(readmeExample(), 'README.yaml');
  t.equal(scenario.nodes.n2?.horizonMs, 15 * DAY, 'n2 has a longer horizon than its neighbour');
  t.equal(scenario.channels.length, 2);
});

t.test("neighbours' horizons further apart than the policy's margin: their channel is refused on load, with the node code's reason", async (t) => {
  const example = readmeExample();
  t.match(example, 'overrides: { n2: { horizon: 15d } }');
  const error = errorOf(() => parseScenario(example.replace('horizon: 15d', 'horizon: 30d'), 'README.yaml'));
  t.equal(error.field, 'channels[1].between', 'the channel is named');
  t.match(error.reason, /^the channel between n1 and n2 would never open: n2 would refuse it: /, 'and its two nodes, and which refuses');
  t.match(error.reason, "the counterparty's cltv_expiry_delta of 2160 blocks is below our offline horizon of 4320 blocks: an HTLC could expire while we are away", 'the reason, as channelRefusals words it');
  t.match(error.reason, "n1's 2w (2016 blocks) and n2's 30d (4320 blocks)");

  const adjacent = `name: t\nduration: 2d\ntopology: { kind: star, nodes: 3 }\nnodes: { overrides: { n0: { horizon: 60d } } }\nchannels: [{ adjacent: true, capacity: 100000 }]\n`;
  const both = errorOf(() => parseScenario(adjacent, 'adjacent.yaml'));
  t.equal(both.field, 'channels[0].adjacent', 'a channel on every link points at adjacent');
  t.match(both.reason, /^the channel between n0 and n1 would never open: n0 would refuse it: .*; n1 would refuse it: the counterparty's to_self_delay of 8784 blocks on our outputs is above the 8064 blocks we accept/, 'both sides refuse when the horizons are four times apart');

  const withinMargin = parseScenario(adjacent.replace('60d', '15d'), 'adjacent.yaml');
  t.equal(withinMargin.channels.length, 2, 'a day apart (144 blocks of 10 minutes) is within the margin');
});

t.test('anchors and aliases repeat a link model', async (t) => {
  const scenario = parseScenario(
    `name: anchors
duration: 1d
topology: { kind: line, nodes: 3 }
links:
  default: &radio { kind: lora, spreadingFactor: 10 }
  overrides: [{ between: [n1, n2], model: *radio }]
`,
    'anchors.yaml',
  );
  t.equal(linkModelBetween(scenario, 'n1', 'n2').kind, 'lora');
  t.same(linkModelBetween(scenario, 'n1', 'n2'), scenario.links.default);
});
