/** Config files and the values in them (node/config, gateway/daemon/gateway-config.ts): YAML, durations and rates, both daemons' configs. */
import { parseGatewayConfig, towerStoreInit } from '../../../gateway/daemon/gateway-config.js';
import { TowerSpace } from '../../../gateway/tower/tower-space.js';
import { gatewayConfigTemplate } from '../../../gateway/daemon/gateway-template.js';
import { DurationError, formatDuration, parseDuration, parseRate } from '../../../node/config/duration.js';
import { parseNodeConfig } from '../../../node/config/node-config.js';
import { nodeConfigTemplate } from '../../../node/config/node-template.js';
import { ConfigError, type YamlValue, readYaml } from '../../../node/config/yaml-reader.js';
import { mutateYamlLines } from '../text-mutations.js';
import { type FuzzTarget, hex, refusedWith, text, utf8 } from '../target.js';
import { gatewayId, nodeId, otherId } from './fixtures.js';
import { MESHTASTIC_GATEWAY_CONFIG, MESHTASTIC_NODE_CONFIG, meshtasticSeeds } from './meshtastic-links.js';

const YAML_DICTIONARY = [': ', '- ', '\n', '\n  ', '#', '&a ', '*a', '<<: *a', '!!binary ', '!!set ', '!!omap ', '%YAML 1.1\n---\n', '? ', '{', '}', '[', ']', '"', "'", '|', '>', '~', '1e400', '10m', '1/h', '\t'].map(utf8);

/** A node config that uses every section, each transport kind and timing. */
const FULL_NODE_CONFIG = `network: regtest
dataDir: ./data
seedFile: ./seed
controlSocket: ./control.sock
log: { level: debug, format: json }
gateway:
  nodeId: ${hex(gatewayId)}
  pollInterval: 10m
  checkpoint:
    height: 100
    header: "${'00'.repeat(80)}"
links:
  - transport: { kind: lora, path: /dev/ttyACM0, frequencyHz: 868100000, bandwidthHz: 125000, spreadingFactor: 9, codingRate: 5, txPowerDbm: 14, dutyCycle: EU868, answerTimeout: 2s, baudRate: 115200, preambleSymbols: 8 }
    neighbours:
      - { nodeId: ${hex(otherId)}, name: hilltop }
    timing: { retransmitBase: 5s, retransmitBackoff: 2, retransmitMax: 10m, deadAfterSilentRounds: 5, windowFragments: 16, ackDelay: 500ms, maxMessageBytes: 65536 }
  - transport:
      kind: mqtt
      url: mqtt://127.0.0.1:1883
      nodeName: me
      topicPrefix: lnmesh
      username: user
      password: "secret"
      mtu: 1024
      rejectUnauthorized: false
    neighbours:
      - nodeId: ${hex(gatewayId)}
        address: gateway
  - transport: { kind: serial, path: /dev/ttyUSB0, baudRate: 9600, mtu: 255 }
    neighbours: []
routes:
  "*": ${hex(gatewayId)}
  ${hex(nodeId)}: ${hex(otherId)}
channels: { offlineHorizonBlocks: 1008, marginBlocks: 144, minimumDepth: 3, feeratePerKw: 253, channelType: anchors }
`;

const FULL_GATEWAY_CONFIG = `network: regtest
dataDir: ./gateway-data
keyFile: ./gateway.key
log: { level: info, format: auto }
chain: { backend: core, url: "http://127.0.0.1:8332/", username: rpcuser, password: rpcpassword, pollInterval: 5s }
links:
  - transport: { kind: serial, path: /dev/ttyUSB0 }
    neighbours:
      - nodeId: ${hex(nodeId)}
routes:
  ${hex(otherId)}: ${hex(nodeId)}
tower:
  watch: true
  justiceBuriedDepth: 6
  fundingBuriedDepth: 100
  maxAppointments: 1000000
  maxBytes: 268435456
  maxWatches: 100000
  strangerShare: 0.1
  maxAppointmentsPerNode: 100000
  maxBytesPerNode: 67108864
  maxWatchesPerNode: 1000
  allowedNodes:
    - ${hex(otherId)}
    - ${hex(gatewayId)}
`;

const REGTEST_GATEWAY_CONFIG = `network: regtest
dataDir: ./gateway-data
chain:
  backend: embedded
regtest:
  mineOnStart: true
  blockInterval: 30s
log: &log { level: warn }
tower: { watch: false }
`;

/**
 * Reads a YAML document and asks every value for every kind (mapping,
 * list, string, whole number, number, boolean, duration, rate): each answer
 * is a value or a ConfigError at its place.
 */
export const yamlReader: FuzzTarget<number> = {
  name: 'config/yaml-reader',
  exercises: 'readYaml and every YamlValue getter (node/config/yaml-reader.ts)',
  weight: 0.4,
  seeds: () => [FULL_NODE_CONFIG, FULL_GATEWAY_CONFIG, REGTEST_GATEWAY_CONFIG].map(utf8),
  dictionary: YAML_DICTIONARY,
  mutate: mutateYamlLines,
  maxInputBytes: 8192,
  decode: (input) => {
    let visited = 0;
    const walk = (value: YamlValue, depth: number): void => {
      visited++;
      const asks: (() => unknown)[] = [
        () => value.string(),
        () => value.integer(-1e6, 1e6),
        () => value.number(-1e300, 1e300),
        () => value.boolean(),
        () => value.duration(0, 7 * 86_400_000),
        () => value.rate(),
        () => value.describe(),
        () => value.scalar(),
      ];
      for (const ask of asks) {
        try {
          ask();
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
        }
      }
      if (depth > 20) return;
      if (value.isMap()) {
        const map = value.map([]);
        for (const key of map.keys()) walk(map.required(key.name), depth + 1);
      } else if (value.isList()) {
        for (const item of value.list()) walk(item, depth + 1);
      }
    };
    walk(readYaml(text(input), 'fuzz.yaml'), 0);
    return visited;
  },
  refuses: refusedWith(ConfigError),
};

export const nodeConfig: FuzzTarget<unknown> = {
  name: 'config/node-config',
  exercises: 'parseNodeConfig (node/config/node-config.ts, links-section.ts, log-section.ts)',
  weight: 0.8,
  seeds: () => [FULL_NODE_CONFIG, nodeConfigTemplate({ dataDir: './data', gatewayId: hex(gatewayId) }), nodeConfigTemplate({ dataDir: 'd', network: 'signet' }), ...meshtasticSeeds(MESHTASTIC_NODE_CONFIG)].map(utf8),
  dictionary: YAML_DICTIONARY,
  mutate: mutateYamlLines,
  maxInputBytes: 8192,
  decode: (input) => parseNodeConfig(text(input), '/fuzz/node.yaml'),
  refuses: refusedWith(ConfigError),
};

export const gatewayConfig: FuzzTarget<unknown> = {
  name: 'config/gateway-config',
  exercises: 'parseGatewayConfig, towerStoreInit (gateway/daemon/gateway-config.ts), the TowerSpace it makes',
  weight: 1.5,
  seeds: () => [FULL_GATEWAY_CONFIG, REGTEST_GATEWAY_CONFIG, gatewayConfigTemplate({ dataDir: './gw' }), ...meshtasticSeeds(MESHTASTIC_GATEWAY_CONFIG)].map(utf8),
  dictionary: YAML_DICTIONARY,
  mutate: mutateYamlLines,
  maxInputBytes: 8192,
  decode: (input) => {
    const config = parseGatewayConfig(text(input), '/fuzz/gateway.yaml');
    // What the daemon builds from it at start: a config that was accepted must not be refused there.
    new TowerSpace(towerStoreInit(config));
    return config;
  },
  refuses: refusedWith(ConfigError),
};

const DURATION_DICTIONARY = ['ms', 's', 'm', 'h', 'd', 'w', '.', '/', ' ', '-', '0', '9007199254740993', '1e3', '٣', '\u00a0'].map(utf8);

/** A duration and a rate from the same text; a duration read must format and read back to the same milliseconds. */
export const duration: FuzzTarget<{ ms?: number; rate?: number }> = {
  name: 'config/duration',
  exercises: 'parseDuration, parseRate, formatDuration (node/config/duration.ts)',
  weight: 4,
  seeds: () => ['10m', '36h', '0s', '1.5h', '500ms', '2w', '1/h', '0.5/d', '6/10m', '/h', '9007199254740991ms', '0.001s'].map(utf8),
  dictionary: DURATION_DICTIONARY,
  maxInputBytes: 48,
  decode: (input) => readBoth(text(input)),
  refuses: refusedWith(DurationError),
  roundTrip: ({ ms }) => {
    if (ms === undefined) return undefined;
    const again = parseDuration(formatDuration(ms));
    return again === ms ? undefined : `formatDuration(${ms}) = ${formatDuration(ms)} reads back as ${again}`;
  },
};

/** The value read as a duration and as a rate: refused only when it is neither. */
function readBoth(value: unknown): { ms?: number; rate?: number } {
  let refusal: unknown;
  const read: { ms?: number; rate?: number } = {};
  try {
    read.rate = parseRate(value);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    refusal = error;
  }
  try {
    read.ms = parseDuration(value);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    refusal = error;
  }
  if (read.ms === undefined && read.rate === undefined) throw refusal;
  return read;
}

/**
 * Values that are not text, as a YAML or JSON reader may hand them over
 * (the first byte picks the kind, the rest is its content): a number, a
 * boolean, null, a list, an object, an object without a prototype, a date,
 * bytes, a bigint, a symbol.
 */
export function valueOf(input: Uint8Array): unknown {
  const rest = input.subarray(1);
  const content = text(rest);
  switch ((input[0] ?? 0) % 13) {
    case 0:
      return content;
    case 1:
      return rest.length > 0 ? new DataView(Uint8Array.from([...rest, 0, 0, 0, 0, 0, 0, 0, 0]).buffer).getFloat64(0) : NaN;
    case 2:
      return (rest[0] ?? 0) % 2 === 1;
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return [content];
    case 6:
      return { value: content };
    case 7:
      return Object.assign(Object.create(null) as object, rest.length > 0 ? { value: content } : {});
    case 8:
      return new Date((rest[0] ?? 0) * 1e10);
    case 9:
      return Uint8Array.from(rest);
    case 10:
      return BigInt(rest.length);
    case 11:
      return Symbol(content);
    default:
      return { toString: () => content };
  }
}

export const durationValues: FuzzTarget<{ ms?: number; rate?: number }> = {
  name: 'config/duration-values',
  exercises: 'parseDuration, parseRate on values other than text (node/config/duration.ts)',
  weight: 1,
  // Text, a number, a list, an object, a symbol, an object with its own toString (the corpus holds the one without a prototype).
  seeds: () => [Uint8Array.of(0, ...utf8('10m')), Uint8Array.of(1, 0x40, 0x24), Uint8Array.of(5, 0x31), Uint8Array.of(6), Uint8Array.of(11, 0x61), Uint8Array.of(12, ...utf8('5m'))],
  maxInputBytes: 40,
  decode: (input) => readBoth(valueOf(input)),
  refuses: refusedWith(DurationError),
};
