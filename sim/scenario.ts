/**
 * A scenario: what the simulator runs, read from a YAML file (the schema is
 * in sim/README.md) into a fully defaulted, checked `Scenario`.
 *
 * Everything that can be known wrong before a run is refused on load, with
 * the file, line, column and field: unknown keys, wrong types, names of nodes
 * that do not exist, channels the node code would refuse (the limits of
 * `ChannelManager.openChannel`), channels between nodes that do not hear
 * each other or whose horizons one of them would refuse (the channel
 * policy's own rule), payments along routes without channels, events after
 * the end.
 * A run that starts is a run whose outcome says something about the code.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ChannelPolicy, type ChannelTerms, DEFAULT_MARGIN_BLOCKS, MAX_CSV_DELAY, channelPolicy, channelRefusals, delaysFor } from '../node/channel/policy.js';
import { channelReserveSatoshis } from '../node/channel/reserve.js';
import { DEFAULT_FORWARDING_FEE, type ForwardingFee, MAX_BASE_MSAT, MAX_PROPORTIONAL_MILLIONTHS } from '../node/channel/forwarding-fee.js';
import { MAX_FUNDING_SATOSHIS, MIN_DUST_LIMIT_SATOSHIS, MIN_FUNDING_SATOSHIS } from '../node/core/bolt-limits.js';
import { InvalidInputError } from '../node/core/input.js';
import { formatDuration } from '../node/config/duration.js';
import { type LinkModel, type MeshtasticLinkModel, checkLinkModel } from './link-model.js';
import { MESHTASTIC_PRESET_NAMES, MESHTASTIC_REGIONS, MESHTASTIC_REGION_NAMES, type MeshtasticEncryption, type MeshtasticPreset, type MeshtasticRegion } from './meshtastic-air.js';
import { HOP_MAX } from '../transports/meshtastic/client-messages.js';
import { SeededRandom } from './random.js';
import { ConfigError as ScenarioError, type YamlMap, type YamlValue, readYaml } from '../node/config/yaml-reader.js';
import { GATEWAY, type Topology, TopologyError, type TopologySpec, buildTopology, edgeSet, pairKey, routeFinder, staticRoutes } from './topology.js';

/** A mistake in a scenario file, at its FILE:LINE:COLUMN (the config reader's error). */
export { ConfigError as ScenarioError } from '../node/config/yaml-reader.js';

// ---- the limits ------------------------------------------------------------------

/** Nodes at most: the 500-node grid of the benchmark, with room to spare. */
export const MAX_NODES = 5_000;
export const MAX_EVENTS = 10_000;
/** Ten years of virtual time at most. */
export const MAX_DURATION_MS = 3650 * 86_400_000;
/** A reorg deeper than this is not a reorg but a different chain. */
export const MAX_REORG_DEPTH = 100;
/** Frames or messages one flood sends at most: a run stays minutes, not hours. */
export const MAX_FLOOD_MESSAGES = 1_000_000;
/** What a flood sends: see `sim/stranger.ts`. */
export const FLOOD_KINDS = ['handshake', 'envelope', 'appointment'] as const;
export type FloodKind = (typeof FLOOD_KINDS)[number];

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

// ---- the scenario ----------------------------------------------------------------

export interface LinkOverride {
  readonly between: readonly [string, string];
  readonly model: LinkModel;
}

export interface NodeSettings {
  /** How long the node may be unreachable. */
  readonly horizonMs: number;
  /** The same in blocks at the chain's mean block interval (rounded up): the node's `offlineHorizonBlocks`. */
  readonly offlineHorizonBlocks: number;
  /** How often the node asks its gateway for headers, proofs and fee estimates (the uplink's `pollIntervalMs`). */
  readonly pollIntervalMs: number;
  /** What it charges to forward a payment (BOLT 7); by default the node's own default, 1000 msat + 0 ppm. */
  readonly forwardingFee: ForwardingFee;
}

export interface ChannelSpec {
  /** Opens and funds the channel. */
  readonly funder: string;
  readonly fundee: string;
  readonly capacitySatoshis: number;
  /** What the funder gives the fundee at the start. */
  readonly pushSatoshis: number;
}

/** The gateway's Lightning side (issue 17): its LDK node, an outside LDK node behind it, the bridge between them and the mesh. */
export interface GatewayLightning {
  /** The channel from the gateway's LDK node to the outside node: funded by the gateway, `pushSatoshis` given to the outside node (so that it can pay in). */
  readonly outsideChannel: { readonly capacitySatoshis: number; readonly pushSatoshis: number };
  /** One per node attached to the gateway: the node funds it and pushes `pushSatoshis` to the gateway (so that the gateway can pay it). */
  readonly meshChannels: readonly ChannelSpec[];
  /** The bridge's fee, on top of a payment out and taken from a payment in. */
  readonly fee: ForwardingFee;
  /** The gateway's mesh channel policy: the shortest horizon of the attached nodes, in blocks. */
  readonly offlineHorizonBlocks: number;
  /** The final CLTV delta of the invoices the bridge issues for nodes: its hold window plus `BRIDGE_MARGIN_BLOCKS`. */
  readonly finalCltvExpiryDelta: number;
}

/** What a bridge invoice's final CLTV delta keeps beside the hold window: the bridge's safety (36 blocks) and what a node needs left (78). */
export const BRIDGE_MARGIN_BLOCKS = 36 + 78;
/** The bridge's default final CLTV delta: 432 blocks, about three days of holding for a node away. */
export const DEFAULT_FINAL_CLTV_EXPIRY_DELTA = 432;

export interface Workload {
  /** Mean time between two payments of one source (exponentially distributed arrivals). */
  readonly meanIntervalMs: number;
  readonly amountSatoshis: { readonly min: number; readonly max: number };
  /** `random`: every node pays, each time to another node drawn at random; or fixed (payer, payee) pairs, each paying at the rate. */
  readonly endpoints: 'random' | readonly (readonly [string, string])[];
  readonly startMs: number;
  readonly stopMs: number;
}

export type ScenarioEvent = { readonly atMs: number } & (
  | { readonly kind: 'linkDown'; readonly between: readonly [string, string] }
  | { readonly kind: 'linkUp'; readonly between: readonly [string, string] }
  | { readonly kind: 'nodeOffline'; readonly node: string }
  | { readonly kind: 'nodeOnline'; readonly node: string }
  /** Links between nodes of different groups go down; nodes in no group form one more group. */
  | { readonly kind: 'partition'; readonly groups: readonly (readonly string[])[] }
  /** Every link a partition cut comes back (links taken down by `linkDown` stay down). */
  | { readonly kind: 'heal' }
  | { readonly kind: 'gatewayOutage'; readonly durationMs: number }
  /** The gateway's watchtower stops watching for this long; the chain, the feed and the relay go on. */
  | { readonly kind: 'towerOutage'; readonly durationMs: number }
  /** `by` closes its channel with `with` unilaterally: it broadcasts its latest commitment. */
  | { readonly kind: 'forceClose'; readonly by: string; readonly with: string }
  /** The cheater broadcasts a revoked commitment of its channel with the victim. */
  | { readonly kind: 'breach'; readonly cheater: string; readonly victim: string }
  | { readonly kind: 'reorg'; readonly depth: number }
  | { readonly kind: 'payment'; readonly from: string; readonly to: string; readonly amountSatoshis: number }
  /** A hostile transmitter at `from` sends `flood` every `intervalMs` for `durationMs` (see `sim/stranger.ts`). */
  | { readonly kind: 'flood'; readonly from: string; readonly flood: FloodKind; readonly intervalMs: number; readonly durationMs: number }
  /** `from` pays a BOLT 11 invoice of `amountSatoshis` of the outside LDK node, through the gateway's bridge. */
  | { readonly kind: 'payOutside'; readonly from: string; readonly amountSatoshis: number }
  /** The outside LDK node pays `to` `amountSatoshis`: a public invoice of `to`'s, or, if it is away, one from a payment hash it left. */
  | { readonly kind: 'payFromOutside'; readonly to: string; readonly amountSatoshis: number }
);

export type EventKind = ScenarioEvent['kind'];
export const EVENT_KINDS: readonly EventKind[] = ['linkDown', 'linkUp', 'nodeOffline', 'nodeOnline', 'partition', 'heal', 'gatewayOutage', 'towerOutage', 'forceClose', 'breach', 'reorg', 'payment', 'flood', 'payOutside', 'payFromOutside'];

export interface Scenario {
  /** The file it was read from. */
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly chain: {
    readonly blockIntervalMs: number;
    /** 0: every interval is `blockIntervalMs`; 1: exponential with that mean, as Bitcoin's; see sim/README.md. */
    readonly jitter: number;
  };
  readonly topologySpec: TopologySpec;
  readonly topology: Topology;
  readonly links: { readonly default: LinkModel; readonly overrides: readonly LinkOverride[] };
  readonly gateway: { readonly attachedTo: readonly string[]; readonly link: LinkModel; readonly lightning?: GatewayLightning };
  /** Every node's settings, by name. */
  readonly nodes: Readonly<Record<string, NodeSettings>>;
  readonly channels: readonly ChannelSpec[];
  /** Undefined when the scenario has no steady payments. */
  readonly workload: Workload | undefined;
  /** In file order. */
  readonly events: readonly ScenarioEvent[];
}

/** The link model between neighbours `a` and `b`: their override, else the default. */
export function linkModelBetween(scenario: Scenario, a: string, b: string): LinkModel {
  const key = pairKey(a, b);
  return scenario.links.overrides.find((override) => pairKey(...override.between) === key)?.model ?? scenario.links.default;
}

/** Reads and checks the scenario file at `path`; a problem is a `ScenarioError` pointing into it. */
export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(path, 1, 1, '', `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseScenario(text, path);
}

/** Checks the scenario in `text`; `fileName` names it in errors, and file topologies are read relative to it. */
export function parseScenario(text: string, fileName: string): Scenario {
  const root = readYaml(text, fileName).map(
    ['name', 'description', 'seed', 'duration', 'chain', 'topology', 'links', 'gateway', 'nodes', 'channels', 'workload', 'events'],
    'a scenario (a mapping with name, duration, topology, ...)',
  );
  const name = root.required('name', 'give the scenario a name').string('a name');
  if (!NAME_PATTERN.test(name)) root.required('name').fail(`${JSON.stringify(name)} is not a name: letters, digits, "_", "." and "-", starting with a letter, at most 64`);
  const description = root.optional('description')?.string() ?? '';
  if (description.length > 2000) root.required('description').fail('longer than 2000 characters');
  const seed = root.optional('seed')?.integer(0, Number.MAX_SAFE_INTEGER) ?? 1;
  const durationMs = root.required('duration', 'how much virtual time to simulate, such as 15d').duration(1000, MAX_DURATION_MS);
  const chainValue = root.optional('chain');
  const chain = readChain(chainValue);
  const { spec: topologySpec, topology } = readTopology(root.required('topology', 'such as { kind: line, nodes: 3 }'), seed, fileName);
  const names = new NodeNames(topology);
  const links = readLinks(root.optional('links'), names);
  const gateway = readGateway(root.optional('gateway'), names);
  const nodes = readNodes(root.optional('nodes'), names, chain.blockIntervalMs, chainValue?.map([]).optional('blockInterval') ?? root.asValue());
  const lightning = readLightning(root.optional('gateway')?.map([]).optional('lightning'), gateway.attachedTo, nodes);
  const channels = readChannels(root.optional('channels'), names, nodes);
  const paths = new PaymentPaths(topology, gateway.attachedTo, [...channels, ...(lightning?.meshChannels ?? [])]);
  const workload = readWorkload(root.optional('workload'), names, paths, durationMs, chain.blockIntervalMs);
  const events = readEvents(root.optional('events'), names, paths, channels, durationMs, lightning);
  return { file: fileName, name, description, seed, durationMs, chain, topologySpec, topology, links, gateway: { ...gateway, ...(lightning && { lightning }) }, nodes, channels, workload, events };
}

// ---- names -----------------------------------------------------------------------

/** The mesh's node names, to check references against. */
class NodeNames {
  readonly all: ReadonlySet<string>;
  readonly edges: ReadonlySet<string>;

  constructor(readonly topology: Topology) {
    this.all = new Set(topology.nodes);
    this.edges = edgeSet(topology);
  }

  /** A node of the mesh. */
  node(value: YamlValue): string {
    const name = value.scalar();
    if (typeof name !== 'string') value.fail(`expected a node name, got ${value.describe()}`);
    if (!this.all.has(name)) value.fail(`unknown node ${JSON.stringify(name)} (the mesh has ${this.describe()})`);
    return name;
  }

  /** Two different nodes, as `[a, b]`. */
  pair(value: YamlValue): readonly [string, string] {
    const [first, second] = value.list(2, 2, 'a pair of nodes, such as [n0, n1]');
    const pair = [this.node(first!), this.node(second!)] as const;
    if (pair[0] === pair[1]) value.fail(`both ends are ${pair[0]}`);
    return pair;
  }

  /** Two nodes that share a link in the topology. */
  neighbours(value: YamlValue): readonly [string, string] {
    const pair = this.pair(value);
    if (!this.edges.has(pairKey(...pair))) value.fail(`${pair[0]} and ${pair[1]} are not neighbours in the topology`);
    return pair;
  }

  /** The names, briefly: `n0 to n49`, or the first few. */
  describe(): string {
    const nodes = this.topology.nodes;
    if (nodes.every((node, index) => node === `n${index}`)) return `n0 to n${nodes.length - 1}`;
    return nodes.length <= 8 ? nodes.join(', ') : `${nodes.slice(0, 8).join(', ')} and ${nodes.length - 8} more`;
  }
}

// ---- sections ----------------------------------------------------------------------

function readChain(value: YamlValue | undefined): Scenario['chain'] {
  const chain = value?.map(['blockInterval', 'jitter']);
  return {
    blockIntervalMs: chain?.optional('blockInterval')?.duration(1000, 86_400_000) ?? 600_000,
    jitter: chain?.optional('jitter')?.number(0, 1) ?? 0.5,
  };
}

const TOPOLOGY_KEYS: Readonly<Record<TopologySpec['kind'], readonly string[]>> = {
  line: ['nodes'],
  star: ['nodes'],
  grid: ['rows', 'columns'],
  random: ['nodes', 'radius', 'seed'],
  file: ['path'],
};

function readTopology(value: YamlValue, scenarioSeed: number, fileName: string): { spec: TopologySpec; topology: Topology } {
  const kinds = Object.keys(TOPOLOGY_KEYS) as TopologySpec['kind'][];
  const kindValue = value.map([]).required('kind', `one of ${kinds.join(', ')}`);
  const kind = kindValue.string() as TopologySpec['kind'];
  if (!kinds.includes(kind)) kindValue.fail(`unknown topology ${JSON.stringify(kind)} (known: ${kinds.join(', ')})`);
  const topology = value.map(['kind', ...TOPOLOGY_KEYS[kind]]);
  const count = (): number => topology.required('nodes', 'how many').integer(2, MAX_NODES);
  let spec: TopologySpec;
  let seed = scenarioSeed;
  switch (kind) {
    case 'line':
    case 'star':
      spec = { kind, nodes: count() };
      break;
    case 'grid': {
      const rows = topology.required('rows').integer(1, MAX_NODES);
      const columns = topology.required('columns').integer(1, MAX_NODES);
      if (rows * columns < 2 || rows * columns > MAX_NODES) topology.asValue().fail(`a grid of ${rows} x ${columns} = ${rows * columns} nodes: a mesh has 2 to ${MAX_NODES}`);
      spec = { kind, rows, columns };
      break;
    }
    case 'random':
      spec = { kind, nodes: count(), radius: topology.required('radius', 'how far a node reaches, in a unit square').number(0.001, 1.5) };
      seed = topology.optional('seed')?.integer(0, Number.MAX_SAFE_INTEGER) ?? scenarioSeed;
      break;
    case 'file': {
      const pathValue = topology.required('path', 'a YAML file of edges, relative to the scenario');
      spec = { kind, path: pathValue.string('a file path'), edges: readEdgeFile(pathValue, resolve(dirname(fileName), pathValue.string())) };
      break;
    }
  }
  if (spec.kind === 'file' && new Set(spec.edges.flat()).size > MAX_NODES) topology.asValue().fail(`more than ${MAX_NODES} nodes`);
  try {
    // The mesh comes from the file's seed, not the run's: `--seed` varies a run on the same mesh.
    return { spec, topology: buildTopology(spec, new SeededRandom(seed).fork('topology').next) };
  } catch (error) {
    if (error instanceof TopologyError) topology.asValue().fail(error.reason);
    throw error;
  }
}

/** The edges of a file topology: a YAML list of `[a, b]` pairs of node names. */
function readEdgeFile(pathValue: YamlValue, path: string): (readonly [string, string])[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    pathValue.fail(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const edges = readYaml(text, path, 'edges').list(1, 100_000, 'a list of edges, such as [[a, b], [b, c]]');
  return edges.map((edge) => {
    const [a, b] = edge.list(2, 2, 'an edge: a pair of node names, such as [a, b]').map((end) => nodeNameOf(end));
    return [a!, b!] as const;
  });
}

/** A name for a node of a file topology. */
function nodeNameOf(value: YamlValue): string {
  const name = value.scalar();
  if (typeof name !== 'string') value.fail(`expected a node name, got ${value.describe()} (a name starts with a letter)`);
  if (!NAME_PATTERN.test(name)) value.fail(`${JSON.stringify(name)} is not a node name: letters, digits, "_", "." and "-", starting with a letter, at most 64`);
  if (name === GATEWAY) value.fail(`"${GATEWAY}" is the gateway's name: call the node something else`);
  return name;
}

const LINK_KEYS: Readonly<Record<LinkModel['kind'], readonly string[]>> = {
  lora: ['spreadingFactor', 'bandwidthHz', 'codingRate', 'dutyCycle', 'lossRate'],
  meshtastic: ['preset', 'region', 'hops', 'encryption', 'lossRate'],
  serial: ['baudRate', 'mtu', 'lossRate'],
  mqtt: ['latency', 'mtu', 'lossRate'],
};

const DEFAULT_LINK: LinkModel = { kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000, codingRate: 5, dutyCycle: 'EU868', lossRate: 0 };
const DEFAULT_GATEWAY_LINK: LinkModel = { kind: 'mqtt', latencyMs: 100, mtu: 4096, lossRate: 0 };

/** A link model (`sim/link-model.ts`), every setting given or defaulted. */
function readLinkModel(value: YamlValue): LinkModel {
  const kinds = Object.keys(LINK_KEYS) as LinkModel['kind'][];
  const kindValue = value.map([], 'a link model, such as { kind: lora }').required('kind', `one of ${kinds.join(', ')}`);
  const kind = kindValue.string() as LinkModel['kind'];
  if (!kinds.includes(kind)) kindValue.fail(`unknown link kind ${JSON.stringify(kind)} (known: ${kinds.join(', ')})`);
  const settings = value.map(['kind', ...LINK_KEYS[kind]]);
  const lossRate = settings.optional('lossRate')?.number(0, 1) ?? 0;
  let model: LinkModel;
  switch (kind) {
    case 'lora': {
      const dutyCycleValue = settings.optional('dutyCycle');
      const dutyCycle: unknown = dutyCycleValue?.scalar() ?? 'EU868';
      if (dutyCycle !== 'EU868' && dutyCycle !== 'US915') throw dutyCycleValue!.error(`expected EU868 (1% of each hour) or US915 (no duty cycle), got ${dutyCycleValue!.describe()}`);
      model = {
        kind,
        spreadingFactor: settings.optional('spreadingFactor')?.integer(6, 12) ?? 7,
        bandwidthHz: settings.optional('bandwidthHz')?.integer(7800, 500_000) ?? 125_000,
        codingRate: settings.optional('codingRate')?.integer(5, 8) ?? 5,
        dutyCycle,
        lossRate,
      };
      break;
    }
    case 'meshtastic':
      model = readMeshtasticModel(settings, lossRate);
      break;
    case 'serial':
      model = { kind, baudRate: settings.optional('baudRate')?.integer(1200, 4_000_000) ?? 115_200, mtu: settings.optional('mtu')?.integer(1, 65_535) ?? 255, lossRate };
      break;
    case 'mqtt':
      model = { kind, latencyMs: settings.optional('latency')?.duration(0, 3_600_000) ?? 100, mtu: settings.optional('mtu')?.integer(1, 1 << 20) ?? 4096, lossRate };
      break;
  }
  try {
    // The simulator's own check, in case it knows a limit this reader does not.
    return checkLinkModel(model);
  } catch (error) {
    if (error instanceof InvalidInputError) value.fail(`${error.field}: ${error.reason}`);
    throw error;
  }
}

/** A `meshtastic` link model: `preset` and `region` required, each refused with the names it could be. */
function readMeshtasticModel(settings: YamlMap, lossRate: number): MeshtasticLinkModel {
  const presetValue = settings.required('preset', `a modem preset: ${MESHTASTIC_PRESET_NAMES.join(', ')}`);
  const preset = presetValue.scalar();
  if (typeof preset !== 'string' || !MESHTASTIC_PRESET_NAMES.includes(preset as MeshtasticPreset)) {
    presetValue.fail(`unknown modem preset ${typeof preset === 'string' ? JSON.stringify(preset) : presetValue.describe()} (known: ${MESHTASTIC_PRESET_NAMES.join(', ')})`);
  }
  const regionValue = settings.required('region', `${MESHTASTIC_REGION_NAMES.join(' or ')}`);
  const region = regionValue.scalar();
  if (typeof region !== 'string' || !MESHTASTIC_REGION_NAMES.includes(region as MeshtasticRegion)) {
    regionValue.fail(`unknown region ${typeof region === 'string' ? JSON.stringify(region) : regionValue.describe()}: expected EU_868 (10% of each hour) or US (no duty cycle)`);
  }
  const allowed: readonly string[] = MESHTASTIC_REGIONS[region as MeshtasticRegion].presets;
  if (!allowed.includes(preset as string)) presetValue.fail(`${String(preset)} is not allowed in ${String(region)} (500 kHz does not fit its band): one of ${allowed.join(', ')}`);
  const encryptionValue = settings.optional('encryption');
  const encryption: unknown = encryptionValue?.scalar() ?? 'pkc';
  if (encryption !== 'pkc' && encryption !== 'channel') encryptionValue!.fail(`expected pkc (to the neighbour's key, the firmware's way for a packet to one node) or channel, got ${encryptionValue!.describe()}`);
  const hops = settings.optional('hops')?.integer(1, HOP_MAX) ?? 1;
  return { kind: 'meshtastic', preset: preset as MeshtasticPreset, region: region as MeshtasticRegion, hops, encryption: encryption as MeshtasticEncryption, lossRate };
}

function readLinks(value: YamlValue | undefined, names: NodeNames): Scenario['links'] {
  const links = value?.map(['default', 'overrides']);
  const defaultValue = links?.optional('default');
  const seen = new Set<string>();
  const overrides = (links?.optional('overrides')?.list() ?? []).map((item) => {
    const override = item.map(['between', 'model']);
    const between = names.neighbours(override.required('between', 'the two neighbours, such as [n0, n1]'));
    if (seen.has(pairKey(...between))) item.fail(`a second override for ${between[0]} - ${between[1]}`);
    seen.add(pairKey(...between));
    const modelValue = override.required('model', 'such as { kind: serial }');
    return { between, model: readLinkModel(modelValue), modelValue };
  });
  const result = { default: defaultValue ? readLinkModel(defaultValue) : DEFAULT_LINK, overrides: overrides.map(({ between, model }) => ({ between, model })) };
  checkOneMeshtasticRadio(names.topology, result, overrides);
  return result;
}

/** A node has one Meshtastic radio: all its Meshtastic links share a preset and region (radios at others cannot hear it). */
function checkOneMeshtasticRadio(topology: Topology, links: Scenario['links'], overrides: readonly { between: readonly [string, string]; modelValue: YamlValue }[]): void {
  const radioOf = new Map<string, string>();
  const setting = (model: LinkModel) => (model.kind === 'meshtastic' ? `${model.preset} ${model.region}` : undefined);
  // The default's links first: a clash is then always an override's, and named there.
  const overridden = new Map(overrides.map((override) => [pairKey(...override.between), override]));
  const edges = [...topology.edges].sort(([a, b], [c, d]) => Number(overridden.has(pairKey(a, b))) - Number(overridden.has(pairKey(c, d))));
  for (const [a, b] of edges) {
    const override = overridden.get(pairKey(a, b));
    const mine = setting(override ? links.overrides.find((entry) => pairKey(...entry.between) === pairKey(a, b))!.model : links.default);
    if (mine === undefined) continue;
    for (const node of [a, b]) {
      const theirs = radioOf.get(node);
      if (theirs !== undefined && theirs !== mine) override!.modelValue.fail(`${node} has one Meshtastic radio, at ${theirs} on its other links, not ${mine}`);
      radioOf.set(node, mine);
    }
  }
}

function readGateway(value: YamlValue | undefined, names: NodeNames): Scenario['gateway'] {
  const gateway = value?.map(['attachedTo', 'link', 'lightning']);
  const attachedValue = gateway?.optional('attachedTo');
  const attachedTo = attachedValue?.list(1, MAX_NODES, 'a list of nodes, such as [n0]').map((item) => names.node(item)) ?? [names.topology.nodes[0]!];
  const duplicate = attachedTo.find((node, index) => attachedTo.indexOf(node) !== index);
  if (duplicate !== undefined) attachedValue!.fail(`${duplicate} is listed twice`);
  const linkValue = gateway?.optional('link');
  return { attachedTo, link: linkValue ? readLinkModel(linkValue) : DEFAULT_GATEWAY_LINK };
}

/** `blockInterval`: where to point when the default horizon does not fit the chain's block interval. */
function readNodes(value: YamlValue | undefined, names: NodeNames, blockIntervalMs: number, blockInterval: YamlValue): Scenario['nodes'] {
  const nodes = value?.map(['defaults', 'overrides']);
  const defaults = readNodeSettings(nodes?.optional('defaults'), { horizonMs: DEFAULT_HORIZON_MS, pollIntervalMs: DEFAULT_POLL_INTERVAL_MS, forwardingFee: DEFAULT_FORWARDING_FEE }, blockIntervalMs, blockInterval);
  const settings: Record<string, NodeSettings> = Object.fromEntries(names.topology.nodes.map((node) => [node, defaults]));
  const overrides = nodes?.optional('overrides')?.map([], 'a mapping of node names to settings, such as { n2: { horizon: 30d } }');
  for (const { name, value: key } of overrides?.keys() ?? []) {
    if (!names.all.has(name)) key.fail(`unknown node ${JSON.stringify(name)} (the mesh has ${names.describe()})`);
    settings[name] = readNodeSettings(overrides!.required(name), defaults, blockIntervalMs, blockInterval);
  }
  return settings;
}

const DEFAULT_HORIZON_MS = 14 * 86_400_000;
/** The node code's default (`Uplink`): every ten minutes. */
const DEFAULT_POLL_INTERVAL_MS = 600_000;

function readNodeSettings(value: YamlValue | undefined, defaults: Omit<NodeSettings, 'offlineHorizonBlocks'>, blockIntervalMs: number, blockInterval: YamlValue): NodeSettings {
  const settings = value?.map(['horizon', 'pollInterval', 'forwardingFee']);
  const horizonValue = settings?.optional('horizon');
  const horizonMs = horizonValue?.duration(1000, MAX_DURATION_MS) ?? defaults.horizonMs;
  const pollIntervalMs = settings?.optional('pollInterval')?.duration(1000, 86_400_000) ?? defaults.pollIntervalMs;
  const offlineHorizonBlocks = Math.ceil(horizonMs / blockIntervalMs);
  if (offlineHorizonBlocks + DEFAULT_MARGIN_BLOCKS > MAX_CSV_DELAY) {
    const longest = `about ${Math.floor(((MAX_CSV_DELAY - DEFAULT_MARGIN_BLOCKS) * blockIntervalMs) / 86_400_000)} days`;
    (horizonValue ?? blockInterval).fail(
      `a horizon of ${formatDuration(horizonMs)} is ${offlineHorizonBlocks} blocks of ${formatDuration(blockIntervalMs)}: with the ${DEFAULT_MARGIN_BLOCKS}-block margin it is beyond the CSV limit of ${MAX_CSV_DELAY} blocks (the longest horizon is ${longest})`,
    );
  }
  try {
    // The node code's own check: the horizon plus its margin must fit a CSV delay.
    channelPolicy({ offlineHorizonBlocks });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    (horizonValue ?? blockInterval).fail(`a horizon of ${formatDuration(horizonMs)} is ${offlineHorizonBlocks} blocks of ${formatDuration(blockIntervalMs)}: ${error.reason}`);
  }
  return { horizonMs, offlineHorizonBlocks, pollIntervalMs, forwardingFee: readForwardingFee(settings?.optional('forwardingFee'), defaults.forwardingFee) };
}

/** `forwardingFee: { baseMsat, proportionalMillionths }`, each key over the defaults, in the node code's bounds. */
function readForwardingFee(value: YamlValue | undefined, defaults: ForwardingFee): ForwardingFee {
  const fee = value?.map(['baseMsat', 'proportionalMillionths'], 'a mapping: baseMsat, proportionalMillionths');
  return {
    baseMsat: fee?.optional('baseMsat')?.integer(0, MAX_BASE_MSAT) ?? defaults.baseMsat,
    proportionalMillionths: fee?.optional('proportionalMillionths')?.integer(0, MAX_PROPORTIONAL_MILLIONTHS) ?? defaults.proportionalMillionths,
  };
}

function readChannels(value: YamlValue | undefined, names: NodeNames, nodes: Scenario['nodes']): ChannelSpec[] {
  const channels: ChannelSpec[] = [];
  const openedAt = new Map<string, string>();
  for (const item of value?.list() ?? []) {
    const entry = item.map(['between', 'adjacent', 'capacity', 'push'], 'a channel, such as { between: [n0, n1], capacity: 1000000 }');
    const { capacitySatoshis, pushSatoshis } = readFunding(entry);
    const pairs: (readonly [string, string])[] = [];
    const betweenValue = entry.optional('between');
    const adjacentValue = entry.optional('adjacent');
    if (betweenValue && adjacentValue) adjacentValue.fail('a channel is either between two nodes or on every link (adjacent: true), not both');
    if (betweenValue) pairs.push(names.neighbours(betweenValue));
    else if (adjacentValue) {
      if (!adjacentValue.boolean()) adjacentValue.fail('write adjacent: true for a channel on every link, or give between: [a, b]');
      pairs.push(...names.topology.edges);
    } else entry.required('between', 'the two neighbours, such as [n0, n1], or adjacent: true for a channel on every link');
    for (const [funder, fundee] of pairs) {
      const key = pairKey(funder, fundee);
      const earlier = openedAt.get(key);
      if (earlier !== undefined) item.fail(`a second channel between ${funder} and ${fundee} (the first is ${earlier}): one channel per pair of neighbours`);
      const refused = horizonRefusals(funder, fundee, nodes);
      if (refused) (betweenValue ?? adjacentValue!).fail(refused);
      openedAt.set(key, item.field);
      channels.push({ funder, fundee, capacitySatoshis, pushSatoshis });
    }
  }
  return channels;
}

/** A channel's `capacity` and `push`, in the node code's own limits (`ChannelManager.openChannel`'s), dust limit (the one it announces) and reserve. */
function readFunding(entry: YamlMap): { capacitySatoshis: number; pushSatoshis: number } {
  const capacityValue = entry.required('capacity', 'in satoshis');
  const capacitySatoshis = capacityValue.integer(0, Number.MAX_SAFE_INTEGER);
  if (capacitySatoshis < MIN_FUNDING_SATOSHIS) capacityValue.fail(`${capacitySatoshis} sat is below the smallest channel, ${MIN_FUNDING_SATOSHIS} sat`);
  if (capacitySatoshis > MAX_FUNDING_SATOSHIS) capacityValue.fail(`${capacitySatoshis} sat is above ${MAX_FUNDING_SATOSHIS} sat (2^24 - 1), the largest channel without option_large_channel ("wumbo"), which lnmesh does not offer`);
  const pushValue = entry.optional('push');
  const pushSatoshis = pushValue?.integer(0, Number.MAX_SAFE_INTEGER) ?? 0;
  if (pushSatoshis > capacitySatoshis) pushValue!.fail(`a push of ${pushSatoshis} sat is more than the capacity of ${capacitySatoshis} sat`);
  if (pushSatoshis > 0 && pushSatoshis < MIN_DUST_LIMIT_SATOSHIS) pushValue!.fail(`a push of ${pushSatoshis} sat is below the ${MIN_DUST_LIMIT_SATOSHIS}-sat dust limit: it would go to fees`);
  const reserve = channelReserveSatoshis(capacitySatoshis);
  if (capacitySatoshis - pushSatoshis < reserve) pushValue!.fail(`a push of ${pushSatoshis} sat leaves the funder ${capacitySatoshis - pushSatoshis} sat, below its ${reserve}-sat channel reserve`);
  return { capacitySatoshis, pushSatoshis };
}

/**
 * `gateway.lightning`: the outside channel, the attached nodes' channels
 * with the gateway (each checked as the node and a gateway with the shortest
 * attached horizon would check it), the bridge fee.
 */
function readLightning(value: YamlValue | undefined, attachedTo: readonly string[], nodes: Scenario['nodes']): GatewayLightning | undefined {
  if (!value) return undefined;
  const lightning = value.map(['outsideChannel', 'meshChannel', 'fee', 'finalCltvExpiryDelta'], 'a mapping: outsideChannel, meshChannel, fee, finalCltvExpiryDelta');
  const outsideChannel = readFunding(lightning.required('outsideChannel', 'the gateway\'s channel with the outside node, such as { capacity: 1000000, push: 400000 }').map(['capacity', 'push']));
  const meshValue = lightning.required('meshChannel', 'what each attached node opens with the gateway, such as { capacity: 500000, push: 200000 }');
  const mesh = readFunding(meshValue.map(['capacity', 'push']));
  const offlineHorizonBlocks = Math.min(...attachedTo.map((node) => nodes[node]!.offlineHorizonBlocks));
  const gatewayPolicy = channelPolicy({ offlineHorizonBlocks });
  for (const node of attachedTo) {
    const policy = nodePolicy(nodes[node]!);
    const reasons = [...channelRefusals(policy, termsSeenBy(policy, gatewayPolicy)), ...channelRefusals(gatewayPolicy, termsSeenBy(gatewayPolicy, policy))];
    if (reasons.length > 0) meshValue.fail(`the channel between ${node} and the gateway (which takes the shortest attached horizon, ${offlineHorizonBlocks} blocks) would never open: ${reasons.join('; ')}`);
  }
  const meshChannels = attachedTo.map((node) => ({ funder: node, fundee: GATEWAY, ...mesh }));
  const fee = readForwardingFee(lightning.optional('fee'), { baseMsat: 1000, proportionalMillionths: 2000 });
  // The bridge's own bounds (gateway/bridge/bridge.ts): at least a block of hold window, at most two weeks of blocks.
  const finalCltvExpiryDelta = lightning.optional('finalCltvExpiryDelta')?.integer(BRIDGE_MARGIN_BLOCKS + 1, 2016) ?? DEFAULT_FINAL_CLTV_EXPIRY_DELTA;
  return { outsideChannel: { capacitySatoshis: outsideChannel.capacitySatoshis, pushSatoshis: outsideChannel.pushSatoshis }, meshChannels, fee, offlineHorizonBlocks, finalCltvExpiryDelta };
}

/**
 * Why one of `a` and `b` would refuse their channel for its delays, in the
 * node code's own words, or undefined when both accept it. Each node's
 * policy is its horizon with the default margin, as the run gives it; each
 * side checks the other's announced delays as `ChannelManager` checks an
 * offer. Left to the run, the refusal would only show as a channel that
 * never opens.
 */
function horizonRefusals(a: string, b: string, nodes: Scenario['nodes']): string | undefined {
  const [policyA, policyB] = [nodePolicy(nodes[a]!), nodePolicy(nodes[b]!)];
  const reasons = [
    ...channelRefusals(policyA, termsSeenBy(policyA, policyB)).map((reason) => `${a} would refuse it: ${reason}`),
    ...channelRefusals(policyB, termsSeenBy(policyB, policyA)).map((reason) => `${b} would refuse it: ${reason}`),
  ];
  if (reasons.length === 0) return undefined;
  const horizon = (node: string) => `${node}'s ${formatDuration(nodes[node]!.horizonMs)} (${nodes[node]!.offlineHorizonBlocks} blocks)`;
  return `the channel between ${a} and ${b} would never open: ${reasons.join('; ')}. Their horizons are ${horizon(a)} and ${horizon(b)}: give them closer horizons (nodes.overrides)`;
}

/** A node's channel policy as the run sets it: its horizon, the default margin. */
function nodePolicy(settings: NodeSettings): ChannelPolicy {
  return channelPolicy({ offlineHorizonBlocks: settings.offlineHorizonBlocks });
}

/** The delays of a channel as `ours` sees them, each side announcing `delaysFor` its policy. */
function termsSeenBy(ours: ChannelPolicy, theirs: ChannelPolicy): ChannelTerms {
  const our = delaysFor(ours);
  const their = delaysFor(theirs);
  return { ourToSelfDelay: our.toSelfDelay, theirToSelfDelay: their.toSelfDelay, theirCltvExpiryDelta: their.cltvExpiryDelta, finalExpiryDelta: our.finalExpiryDelta };
}

/** The routes payments take (the static routes, node to node), and whether each hop has a channel. */
class PaymentPaths {
  /** Built on first use: the tables of a large mesh are large, and most scenarios name no route. */
  private find: ((from: string, to: string) => string[] | undefined) | undefined;
  private readonly withChannel: ReadonlySet<string>;

  constructor(
    private readonly topology: Topology,
    private readonly gatewayAttachments: readonly string[],
    channels: readonly ChannelSpec[],
  ) {
    this.withChannel = new Set(channels.map((channel) => pairKey(channel.funder, channel.fundee)));
  }

  /** Why a payment from `from` to `to` could never move, or undefined if every hop of its route has a channel. */
  problem(from: string, to: string): string | undefined {
    this.find ??= routeFinder(this.topology, staticRoutes(this.topology, this.gatewayAttachments));
    const path = this.find(from, to);
    if (!path) return `no route from ${from} to ${to}`;
    for (let hop = 1; hop < path.length; hop++) {
      if (!this.withChannel.has(pairKey(path[hop - 1]!, path[hop]!))) return `its route ${path.join(' - ')} has no channel between ${path[hop - 1]} and ${path[hop]}`;
    }
    return undefined;
  }

  /** A link without a channel, if any: random payments between neighbours would need it. */
  linkWithoutChannel(): readonly [string, string] | undefined {
    return this.topology.edges.find(([a, b]) => !this.withChannel.has(pairKey(a, b)));
  }
}

function readWorkload(value: YamlValue | undefined, names: NodeNames, paths: PaymentPaths, durationMs: number, blockIntervalMs: number): Workload | undefined {
  if (!value) return undefined;
  const workload = value.map(['rate', 'amount', 'endpoints', 'start', 'stop']);
  const meanIntervalMs = workload.required('rate', 'payments per source, such as 1/h').rate();
  const amountValue = workload.optional('amount');
  let amountSatoshis = { min: 1000, max: 50_000 };
  if (amountValue && !amountValue.isMap()) {
    const fixed = amountValue.integer(1, MAX_FUNDING_SATOSHIS);
    amountSatoshis = { min: fixed, max: fixed };
  } else if (amountValue) {
    const amount = amountValue.map(['min', 'max']);
    const min = amount.required('min', 'in satoshis').integer(1, MAX_FUNDING_SATOSHIS);
    const maxValue = amount.required('max', 'in satoshis');
    const max = maxValue.integer(1, MAX_FUNDING_SATOSHIS);
    if (max < min) maxValue.fail(`${max} is below the minimum of ${min}`);
    amountSatoshis = { min, max };
  }
  const endpointsValue = workload.optional('endpoints');
  let endpoints: Workload['endpoints'] = 'random';
  if (endpointsValue && !endpointsValue.isList()) {
    if (endpointsValue.scalar() !== 'random') endpointsValue.fail(`expected random, or a list of [payer, payee] pairs such as [[n0, n2]], got ${endpointsValue.describe()}`);
    const bare = paths.linkWithoutChannel();
    if (bare) endpointsValue.fail(`random payments need a channel on every link (neighbours pay each other directly), and ${bare[0]} - ${bare[1]} has none: add { adjacent: true, capacity: ... } to channels`);
  } else if (endpointsValue) {
    endpoints = endpointsValue.list(1, 100_000).map((pairValue) => {
      const pair = names.pair(pairValue);
      const problem = paths.problem(...pair);
      if (problem) pairValue.fail(`payments from ${pair[0]} to ${pair[1]} could never move: ${problem}`);
      return pair;
    });
  } else {
    const bare = paths.linkWithoutChannel();
    if (bare) workload.asValue().fail(`random payments (the default endpoints) need a channel on every link, and ${bare[0]} - ${bare[1]} has none: add { adjacent: true, capacity: ... } to channels`);
  }
  // Channels opened at the start need their confirmations (three blocks) before they carry payments.
  const startMs = workload.optional('start')?.duration(0, durationMs) ?? Math.min(6 * blockIntervalMs, durationMs);
  const stopValue = workload.optional('stop');
  const stopMs = stopValue?.duration(0, durationMs) ?? durationMs;
  if (stopMs <= startMs) (stopValue ?? workload.asValue()).fail(`payments would stop (${formatDuration(stopMs)}) before they start (${formatDuration(startMs)})`);
  return { meanIntervalMs, amountSatoshis, endpoints, startMs, stopMs };
}

function readEvents(value: YamlValue | undefined, names: NodeNames, paths: PaymentPaths, channels: readonly ChannelSpec[], durationMs: number, lightning: GatewayLightning | undefined): ScenarioEvent[] {
  const withChannel = new Set(channels.map((channel) => pairKey(channel.funder, channel.fundee)));
  return (value?.list(0, MAX_EVENTS) ?? []).map((item): ScenarioEvent => {
    const event = item.map(['at', ...EVENT_KINDS], 'an event, such as { at: 1d, nodeOffline: n2 }');
    const atValue = event.required('at', 'when, such as 1d');
    const atMs = atValue.duration(0, MAX_DURATION_MS);
    if (atMs > durationMs) atValue.fail(`${formatDuration(atMs)} is after the end of the scenario (duration ${formatDuration(durationMs)})`);
    const kinds = EVENT_KINDS.filter((kind) => event.has(kind));
    if (kinds.length === 0) event.asValue().fail(`an event needs one of ${EVENT_KINDS.join(', ')}`);
    if (kinds.length > 1) event.required(kinds[1]!).fail(`one event per entry: this one has ${kinds.join(' and ')}`);
    const kind = kinds[0]!;
    const body = event.required(kind);
    switch (kind) {
      case 'linkDown':
      case 'linkUp':
        return { atMs, kind, between: names.neighbours(body) };
      case 'nodeOffline':
      case 'nodeOnline':
        return { atMs, kind, node: names.node(body) };
      case 'partition':
        return { atMs, kind, groups: readGroups(body, names) };
      case 'heal':
        if (!body.boolean()) body.fail('write heal: true');
        return { atMs, kind };
      case 'gatewayOutage':
      case 'towerOutage':
        return { atMs, kind, durationMs: body.duration(1, MAX_DURATION_MS) };
      case 'forceClose': {
        const close = body.map(['by', 'with'], 'a mapping, such as { by: n0, with: n1 }');
        const by = names.node(close.required('by', 'the node that broadcasts its commitment'));
        const withValue = close.required('with', 'its counterparty');
        const counterparty = names.node(withValue);
        if (!withChannel.has(pairKey(by, counterparty))) withValue.fail(`${by} and ${counterparty} have no channel: add one to channels`);
        return { atMs, kind, by, with: counterparty };
      }
      case 'breach': {
        const breach = body.map(['cheater', 'victim'], 'a mapping, such as { cheater: n0, victim: n1 }');
        const cheater = names.node(breach.required('cheater', 'the node that broadcasts a revoked state'));
        const victimValue = breach.required('victim', 'its counterparty');
        const victim = names.node(victimValue);
        if (cheater === victim) victimValue.fail(`${victim} would cheat itself`);
        if (!withChannel.has(pairKey(cheater, victim))) victimValue.fail(`${cheater} and ${victim} have no channel: add one to channels`);
        return { atMs, kind, cheater, victim };
      }
      case 'reorg':
        return { atMs, kind, depth: body.integer(1, MAX_REORG_DEPTH) };
      case 'payment': {
        const payment = body.map(['from', 'to', 'amount'], 'a mapping, such as { from: n0, to: n3, amount: 10000 }');
        const from = names.node(payment.required('from', 'the payer'));
        const toValue = payment.required('to', 'the payee');
        const to = names.node(toValue);
        if (from === to) toValue.fail(`${to} would pay itself`);
        const problem = paths.problem(from, to);
        if (problem) body.fail(`this payment could never move: ${problem}`);
        return { atMs, kind, from, to, amountSatoshis: payment.required('amount', 'in satoshis').integer(1, MAX_FUNDING_SATOSHIS) };
      }
      case 'flood': {
        const flood = body.map(['from', 'kind', 'rate', 'for'], 'a mapping, such as { from: n4, kind: handshake, rate: 10/s, for: 6h }');
        const from = names.node(flood.required('from', 'the node the hostile transmitter sits beside'));
        const kindValue = flood.required('kind', FLOOD_KINDS.join(', '));
        const floodKind = kindValue.string() as FloodKind;
        if (!FLOOD_KINDS.includes(floodKind)) kindValue.fail(`one of ${FLOOD_KINDS.join(', ')}`);
        const intervalMs = flood.required('rate', 'how often, such as 10/s').rate();
        const forValue = flood.required('for', 'how long, such as 6h');
        const floodMs = forValue.duration(1, MAX_DURATION_MS);
        if (atMs + floodMs > durationMs) forValue.fail(`${formatDuration(floodMs)} from ${formatDuration(atMs)} runs past the end of the scenario (duration ${formatDuration(durationMs)})`);
        if (floodMs / intervalMs > MAX_FLOOD_MESSAGES) forValue.fail(`${Math.ceil(floodMs / intervalMs).toLocaleString('en-US')} messages at that rate: at most ${MAX_FLOOD_MESSAGES.toLocaleString('en-US')} per flood`);
        return { atMs, kind, from, flood: floodKind, intervalMs, durationMs: floodMs };
      }
      case 'payOutside':
      case 'payFromOutside':
        return readBridgeEvent(atMs, kind, body, names, paths, lightning);
    }
  });
}

/** `payOutside: { from, amount }` or `payFromOutside: { to, amount }`: the gateway must run the Lightning side, and the mesh end reach it along channels. */
function readBridgeEvent(atMs: number, kind: 'payOutside' | 'payFromOutside', body: YamlValue, names: NodeNames, paths: PaymentPaths, lightning: GatewayLightning | undefined): ScenarioEvent {
  const end = kind === 'payOutside' ? 'from' : 'to';
  const payment = body.map([end, 'amount'], `a mapping, such as { ${end}: n0, amount: 10000 }`);
  if (!lightning) body.fail(`${kind} needs a gateway on the Lightning Network: add gateway.lightning (outsideChannel, meshChannel)`);
  const nodeValue = payment.required(end, kind === 'payOutside' ? 'the mesh node that pays' : 'the mesh node paid');
  const node = names.node(nodeValue);
  const amountValue = payment.required('amount', 'in satoshis');
  const amountSatoshis = amountValue.integer(1, MAX_FUNDING_SATOSHIS);
  const problem = paths.problem(node, GATEWAY);
  if (problem) nodeValue.fail(`${node} could never reach the gateway's bridge: ${problem}`);
  if (kind === 'payFromOutside' && !lightning.meshChannels.some((channel) => channel.funder === node)) {
    nodeValue.fail(`the gateway pays in only over its own channels, and ${node} is not attached to it (gateway.attachedTo)`);
  }
  const channel = lightning.meshChannels[0]!;
  const room = kind === 'payOutside' ? channel.capacitySatoshis - channel.pushSatoshis : channel.pushSatoshis;
  if (amountSatoshis >= room) amountValue.fail(`${amountSatoshis} sat is more than the ${room} sat the ${kind === 'payOutside' ? 'node' : 'gateway'} starts with in their channel (gateway.lightning.meshChannel)`);
  return kind === 'payOutside' ? { atMs, kind, from: node, amountSatoshis } : { atMs, kind, to: node, amountSatoshis };
}

function readGroups(value: YamlValue, names: NodeNames): string[][] {
  const seen = new Set<string>();
  return value.list(1, MAX_NODES, 'a list of groups of nodes, such as [[n0, n1], [n2]]').map((groupValue) =>
    groupValue.list(1, MAX_NODES, 'a group: a list of nodes').map((nodeValue) => {
      const node = names.node(nodeValue);
      if (seen.has(node)) nodeValue.fail(`${node} is in two groups`);
      seen.add(node);
      return node;
    }),
  );
}
