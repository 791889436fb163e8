/**
 * The `links:` and `routes:` sections of a daemon's config, shared by the
 * node and the gateway: per transport, the medium and the neighbours heard
 * on it; then the static route table. Each value is checked where it stands,
 * so a mistake is reported at its line with its key (`links[0].transport.url`).
 */
import type { LinkConfig } from '../../transports/config/link-config.js';
import type { TransportSpec } from '../../transports/config/create-transport.js';
import { HOP_MAX, MAX_CHANNEL_INDEX, PortNum } from '../../transports/meshtastic/client-messages.js';
import { checkMeshtasticOptions, MESHTASTIC_PRESETS, type MeshtasticPresetName } from '../../transports/meshtastic/meshtastic-options.js';
import { checkRadioNodeNumber, parseNodeNumber } from '../../transports/meshtastic/node-number.js';
import { InvalidInputError } from '../core/input.js';
import { nodeIdProblem } from '../keys/node-id.js';
import type { YamlMap, YamlValue } from './yaml-reader.js';

/** A neighbour as the config names it: its node id, its address on the medium, and a name for people. */
export interface NeighbourEntry {
  readonly nodeId: string;
  readonly address?: string;
  /** Shown by `lnmesh peers`; the node id otherwise. */
  readonly name?: string;
}

export interface LinkEntry extends LinkConfig {
  readonly transport: TransportSpec;
  readonly neighbours: readonly NeighbourEntry[];
}

export const MAX_LINKS = 16;
export const MAX_NEIGHBOURS_PER_LINK = 256;
export const MAX_ROUTES = 10_000;

/** A node id: 33 bytes of a compressed public key, in hex. */
export function readNodeId(value: YamlValue): string {
  const text = value.string('a node id (66 hex characters)');
  const problem = nodeIdProblem(text);
  if (problem) value.fail(problem);
  return text.toLowerCase();
}

/** `links:` left empty (null) is no links, as `links: []` is. */
export function readLinks(value: YamlValue | undefined): LinkEntry[] {
  if (!value || value.scalar() === null) return [];
  return value.list(0, MAX_LINKS).map((item) => {
    const map = item.map(['transport', 'neighbours', 'timing']);
    const transport = readTransport(map.required('transport', `the medium: kind ${KIND_NAMES}, and its settings`));
    return {
      transport,
      neighbours: map.required('neighbours', 'the nodes heard on this link').list(0, MAX_NEIGHBOURS_PER_LINK).map((neighbour) => readNeighbour(neighbour, transport.kind)),
      ...(map.has('timing') && { timing: readTiming(map.required('timing')) }),
    };
  });
}

function readNeighbour(value: YamlValue, kind: TransportSpec['kind']): NeighbourEntry {
  const map = value.map(['nodeId', 'address', 'name']);
  const address = kind === 'meshtastic' ? readNodeNumber(map.required('address', 'its radio\'s node number, like "!aabbccdd"')) : map.optional('address')?.string();
  const name = map.optional('name')?.string();
  return { nodeId: readNodeId(map.required('nodeId')), ...(address !== undefined && { address }), ...(name !== undefined && { name }) };
}

/** A neighbour's Meshtastic node number, `!aabbccdd` (lowercased, as the firmware prints it). */
function readNodeNumber(value: YamlValue): string {
  const text = value.string('a node number like "!aabbccdd"');
  try {
    checkRadioNodeNumber('address', parseNodeNumber(text));
  } catch (error) {
    if (error instanceof InvalidInputError) value.fail(error.reason);
    throw error;
  }
  return text.toLowerCase();
}

const TRANSPORT_KEYS = {
  lora: ['kind', 'path', 'baudRate', 'frequencyHz', 'bandwidthHz', 'spreadingFactor', 'codingRate', 'txPowerDbm', 'preambleSymbols', 'dutyCycle', 'answerTimeout'],
  meshtastic: ['kind', 'path', 'port', 'channel', 'hopLimit', 'wantAck', 'preset'],
  serial: ['kind', 'path', 'baudRate', 'mtu'],
  mqtt: ['kind', 'url', 'nodeName', 'topicPrefix', 'mtu', 'username', 'password', 'rejectUnauthorized'],
} as const;
const KIND_NAMES = 'lora, meshtastic, serial or mqtt';

function readTransport(value: YamlValue): TransportSpec {
  const kind = value.map([]).required('kind', KIND_NAMES);
  const kindName = kind.string();
  if (!Object.hasOwn(TRANSPORT_KEYS, kindName)) kind.fail(`unknown transport kind ${JSON.stringify(kindName)}: expected ${KIND_NAMES}`);
  const map = value.map(TRANSPORT_KEYS[kindName as keyof typeof TRANSPORT_KEYS]);
  const optionalInteger = (key: string, min: number, max: number) => map.optional(key)?.integer(min, max);
  switch (kindName) {
    case 'lora': {
      const dutyCycle = map.optional('dutyCycle');
      const dutyCycleName = dutyCycle?.string();
      if (dutyCycle && dutyCycleName !== 'EU868' && dutyCycleName !== 'US915') dutyCycle.fail('expected EU868 (1% in most of the band) or US915 (no duty cycle)');
      const answerTimeoutMs = map.optional('answerTimeout')?.duration(100, 60_000);
      const baudRate = optionalInteger('baudRate', 1200, 4_000_000);
      const preambleSymbols = optionalInteger('preambleSymbols', 6, 65_535);
      return {
        kind: 'lora',
        path: map.required('path', 'the RNode serial device, e.g. /dev/ttyACM0').string(),
        frequencyHz: map.required('frequencyHz', 'e.g. 868100000').integer(137_000_000, 1_020_000_000),
        bandwidthHz: map.required('bandwidthHz', 'e.g. 125000').integer(7_800, 500_000),
        spreadingFactor: map.required('spreadingFactor', '6 to 12').integer(6, 12),
        codingRate: map.required('codingRate', '5 for 4/5 ... 8 for 4/8').integer(5, 8),
        txPowerDbm: map.required('txPowerDbm', 'e.g. 14').integer(0, 30),
        ...(baudRate !== undefined && { baudRate }),
        ...(preambleSymbols !== undefined && { preambleSymbols }),
        ...(dutyCycleName !== undefined && { dutyCycle: dutyCycleName as 'EU868' | 'US915' }),
        ...(answerTimeoutMs !== undefined && { answerTimeoutMs }),
      };
    }
    case 'meshtastic':
      return readMeshtastic(map);
    case 'serial': {
      const baudRate = optionalInteger('baudRate', 1200, 4_000_000);
      const mtu = optionalInteger('mtu', 16, 65_535);
      return { kind: 'serial', path: map.required('path', 'the serial device, e.g. /dev/ttyUSB0').string(), ...(baudRate !== undefined && { baudRate }), ...(mtu !== undefined && { mtu }) };
    }
    default: {
      const url = map.required('url', 'the broker, e.g. mqtt://localhost:1883');
      const urlText = url.string();
      if (!/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/.test(urlText)) url.fail('expected a broker URL such as mqtt://host:1883 or mqtts://host:8883');
      const strings: Record<string, string> = {};
      for (const key of ['topicPrefix', 'username', 'password'] as const) {
        const text = key === 'password' ? readSecret(map.optional(key)) : map.optional(key)?.string();
        if (text !== undefined) strings[key] = text;
      }
      const mtu = optionalInteger('mtu', 64, 1 << 20);
      const rejectUnauthorized = map.optional('rejectUnauthorized')?.boolean();
      return {
        kind: 'mqtt',
        url: urlText,
        nodeName: map.required('nodeName', "this node's address on the broker").string(),
        ...strings,
        ...(mtu !== undefined && { mtu }),
        ...(rejectUnauthorized !== undefined && { rejectUnauthorized }),
      };
    }
  }
}

/** A Meshtastic radio on serial or TCP, refused here for anything its transport would refuse (meshtastic-options.ts). */
function readMeshtastic(map: YamlMap): TransportSpec {
  const path = map.required('path', 'the radio: a serial device (/dev/ttyUSB0) or tcp://host:4403');
  const port = map.optional('port')?.integer(PortNum.privateApp, PortNum.max);
  const channel = map.optional('channel')?.integer(0, MAX_CHANNEL_INDEX);
  const hopLimit = map.optional('hopLimit')?.integer(1, HOP_MAX);
  const wantAck = map.optional('wantAck')?.boolean();
  const preset = map.optional('preset');
  const presetName = preset?.string();
  if (preset && !Object.hasOwn(MESHTASTIC_PRESETS, presetName!)) preset.fail(`unknown modem preset: expected one of ${Object.keys(MESHTASTIC_PRESETS).join(', ')}`);
  const spec = {
    kind: 'meshtastic' as const,
    path: path.string(),
    ...(port !== undefined && { port }),
    ...(channel !== undefined && { channel }),
    ...(hopLimit !== undefined && { hopLimit }),
    ...(wantAck !== undefined && { wantAck }),
    ...(presetName !== undefined && { preset: presetName as MeshtasticPresetName }),
  };
  try {
    checkMeshtasticOptions(spec);
  } catch (error) {
    // What the checks above leave to the transport (a tcp:// path's form and port), at its key's line.
    if (error instanceof InvalidInputError) (map.optional(error.field) ?? path).fail(error.reason);
    throw error;
  }
  return spec;
}

/** A password: a string, refused without repeating it (errors reach logs). */
export function readSecret(value: YamlValue | undefined): string | undefined {
  if (!value) return undefined;
  const secret = value.scalar();
  if (typeof secret === 'string') return secret;
  return value.fail('expected a string (quote it); the value is not repeated here');
}

/** Link timing as durations (`retransmitBase: 5s`) and counts; see `LinkInit`. */
function readTiming(value: YamlValue): NonNullable<LinkConfig['timing']> {
  const map = value.map(['retransmitBase', 'retransmitBackoff', 'retransmitMax', 'deadAfterSilentRounds', 'windowFragments', 'ackDelay', 'maxMessageBytes']);
  const timing: Record<string, number> = {};
  const durations = { retransmitBase: 'retransmitBaseMs', retransmitMax: 'retransmitMaxMs', ackDelay: 'ackDelayMs' } as const;
  for (const [key, field] of Object.entries(durations)) {
    const ms = map.optional(key)?.duration(1, 7 * 86_400_000);
    if (ms !== undefined) timing[field] = ms;
  }
  const backoff = map.optional('retransmitBackoff')?.number(1, 10);
  if (backoff !== undefined) timing.retransmitBackoff = backoff;
  const counts = { deadAfterSilentRounds: [1, 1000], windowFragments: [1, 256], maxMessageBytes: [1024, 1 << 20] } as const;
  for (const [key, [min, max]] of Object.entries(counts)) {
    const count = map.optional(key)?.integer(min, max);
    if (count !== undefined) timing[key] = count;
  }
  return timing;
}

/**
 * `routes:` destination node id (or `*`, the default route) to the neighbour
 * that leads there; the neighbour must be on one of the links.
 */
/** `hopLimit:` the links an envelope of ours may cross: at least the hops to the farthest node we route to. */
export function readHopLimit(value: YamlValue | undefined): number | undefined {
  return value?.integer(1, 255);
}

export function readRoutes(value: YamlValue | undefined, links: readonly LinkEntry[]): Record<string, string> {
  if (!value || value.scalar() === null) return {};
  const neighbours = new Set(links.flatMap((link) => link.neighbours.map((neighbour) => neighbour.nodeId)));
  const map: YamlMap = value.map([]);
  const entries = map.keys();
  if (entries.length > MAX_ROUTES) value.fail(`at most ${MAX_ROUTES} routes`);
  const routes: Record<string, string> = {};
  for (const { name, value: keyValue } of entries) {
    const destination = name === '*' ? '*' : name.toLowerCase();
    if (destination !== '*' && nodeIdProblem(destination)) keyValue.fail(`a destination is a node id or * for the default route: ${nodeIdProblem(destination)!}`);
    if (destination in routes) keyValue.fail('this destination has a route already (node ids are the same in either case)');
    const nextHop = map.required(name);
    const neighbour = readNodeId(nextHop);
    if (!neighbours.has(neighbour)) nextHop.fail('the next hop must be a neighbour on one of the links');
    routes[destination] = neighbour;
  }
  return routes;
}
