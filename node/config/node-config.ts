/**
 * The node daemon's config file (`lnmesh node --config FILE`): YAML, checked
 * whole when it is loaded, every mistake a `ConfigError` at its
 * FILE:LINE:COLUMN with its key. Paths are relative to the file's folder.
 * The schema, key by key, is the commented template `lnmesh init node`
 * writes (`node-template.ts`); node/README.md repeats it.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hexToBytes } from '@noble/hashes/utils.js';
import type { NetworkName } from '../chain/network-params.js';
import { MIN_FEERATE_PER_KW } from '../core/bolt-limits.js';
import { MAX_BASE_MSAT, MAX_PROPORTIONAL_MILLIONTHS } from '../channel/forwarding-fee.js';
import { type LinkEntry, readHopLimit, readLinks, readNodeId, readRoutes } from './links-section.js';
import { type LogSettings, readLogSection } from './log-section.js';
import { ConfigError, MAX_YAML_BYTES, type YamlMap, readYaml } from './yaml-reader.js';

export const NETWORK_NAMES: readonly NetworkName[] = ['mainnet', 'testnet', 'signet', 'regtest'];
/** The channel manager's network numbers (`ChannelManagerInit.network`). */
export const NETWORK_NUMBERS: Readonly<Record<NetworkName, number>> = { mainnet: 0, testnet: 1, signet: 2, regtest: 3 };

export interface NodeDaemonConfig {
  /** The file it was read from (absolute). */
  readonly file: string;
  readonly network: NetworkName;
  /** The node's stores, lock and, by default, seed and control socket. */
  readonly dataDir: string;
  readonly seedFile: string;
  readonly controlSocket: string;
  readonly log: LogSettings;
  readonly gateway?: {
    readonly nodeId: string;
    readonly pollIntervalMs?: number;
    readonly checkpoint?: { readonly height: number; readonly header: Uint8Array };
  };
  readonly links: readonly LinkEntry[];
  readonly routes: Readonly<Record<string, string>>;
  /** The links an envelope of this node's may cross (the router's default, 8, when absent). */
  readonly hopLimit?: number;
  readonly channels: {
    readonly offlineHorizonBlocks?: number;
    readonly marginBlocks?: number;
    readonly minimumDepth?: number;
    readonly feeratePerKw?: number;
    readonly channelType?: 'anchors' | 'static_remotekey';
    /** What this node charges to forward a payment (BOLT 7); by default 1000 msat + 0 ppm. */
    readonly forwardingFee?: { readonly baseMsat?: number; readonly proportionalMillionths?: number };
  };
}

const TOP_KEYS = ['network', 'dataDir', 'seedFile', 'controlSocket', 'log', 'gateway', 'links', 'routes', 'hopLimit', 'channels'];

/** Reads and checks `path`; a missing or unreadable file is a `ConfigError` too. */
export function loadNodeConfig(path: string): NodeDaemonConfig {
  return parseNodeConfig(readConfigText(path), resolve(path));
}

export function parseNodeConfig(text: string, file: string): NodeDaemonConfig {
  const root = readYaml(text, file).map(TOP_KEYS, 'a mapping of settings (network, dataDir, links, ...)');
  const base = dirname(resolve(file));
  const network = readNetwork(root);
  const dataDir = resolve(base, root.required('dataDir', 'the folder of the node\'s stores, e.g. ./node-data').string());
  const links = readLinks(root.optional('links'));
  const gatewayValue = root.optional('gateway');
  let gateway: NodeDaemonConfig['gateway'];
  if (gatewayValue) {
    const map = gatewayValue.map(['nodeId', 'pollInterval', 'checkpoint']);
    const pollIntervalMs = map.optional('pollInterval')?.duration(1_000, 7 * 86_400_000);
    const checkpointValue = map.optional('checkpoint');
    let checkpoint: { height: number; header: Uint8Array } | undefined;
    if (checkpointValue) {
      const checkpointMap = checkpointValue.map(['height', 'header']);
      const header = checkpointMap.required('header', 'the 80-byte header at that height, in hex');
      const headerHex = header.string();
      if (!/^[0-9a-fA-F]{160}$/.test(headerHex)) header.fail('expected an 80-byte block header: 160 hex characters');
      checkpoint = { height: checkpointMap.required('height').integer(0, 10_000_000), header: hexToBytes(headerHex) };
    }
    gateway = { nodeId: readNodeId(map.required('nodeId', "the gateway's node id")), ...(pollIntervalMs !== undefined && { pollIntervalMs }), ...(checkpoint && { checkpoint }) };
  }
  return {
    file: resolve(file),
    network,
    dataDir,
    seedFile: resolve(base, root.optional('seedFile')?.string() ?? resolve(dataDir, 'seed')),
    controlSocket: resolve(base, root.optional('controlSocket')?.string() ?? resolve(dataDir, 'control.sock')),
    log: readLogSection(root.optional('log')),
    ...(gateway && { gateway }),
    links,
    routes: readRoutes(root.optional('routes'), links),
    ...optionalHopLimit(root),
    channels: readChannels(root),
  };
}

/** `hopLimit` when the file sets it. */
export function optionalHopLimit(root: YamlMap): { hopLimit?: number } {
  const hopLimit = readHopLimit(root.optional('hopLimit'));
  return hopLimit === undefined ? {} : { hopLimit };
}

export function readNetwork(root: YamlMap): NetworkName {
  const value = root.required('network', NETWORK_NAMES.join(', '));
  const name = value.string();
  if (!(NETWORK_NAMES as readonly string[]).includes(name)) value.fail(`unknown network ${JSON.stringify(name)}: expected one of ${NETWORK_NAMES.join(', ')}`);
  return name as NetworkName;
}

function readChannels(root: YamlMap): NodeDaemonConfig['channels'] {
  const value = root.optional('channels');
  if (!value) return {};
  const map = value.map(['offlineHorizonBlocks', 'marginBlocks', 'minimumDepth', 'feeratePerKw', 'channelType', 'forwardingFee']);
  const channels: Record<string, unknown> = {};
  const integers = { offlineHorizonBlocks: [1, 60_000], marginBlocks: [0, 5_000], minimumDepth: [1, 100], feeratePerKw: [MIN_FEERATE_PER_KW, 100_000] } as const;
  for (const [key, [min, max]] of Object.entries(integers)) {
    const number = map.optional(key)?.integer(min, max);
    if (number !== undefined) channels[key] = number;
  }
  const channelType = map.optional('channelType');
  if (channelType) {
    const name = channelType.string();
    if (name !== 'anchors' && name !== 'static_remotekey') channelType.fail('expected anchors or static_remotekey');
    channels.channelType = name;
  }
  const fee = map.optional('forwardingFee');
  if (fee) {
    const feeMap = fee.map(['baseMsat', 'proportionalMillionths'], 'a mapping: baseMsat, proportionalMillionths');
    const baseMsat = feeMap.optional('baseMsat')?.integer(0, MAX_BASE_MSAT);
    const proportionalMillionths = feeMap.optional('proportionalMillionths')?.integer(0, MAX_PROPORTIONAL_MILLIONTHS);
    channels.forwardingFee = { ...(baseMsat !== undefined && { baseMsat }), ...(proportionalMillionths !== undefined && { proportionalMillionths }) };
  }
  return channels;
}

/** The text of a config file, refused when missing or too large, as a `ConfigError` naming the file. */
export function readConfigText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(path, 1, 1, '', code === 'ENOENT' ? 'no such file (write one with `lnmesh init`)' : `cannot be read (${code ?? (error as Error).message})`);
  }
  if (bytes.length > MAX_YAML_BYTES) throw new ConfigError(path, 1, 1, '', `the file is over ${MAX_YAML_BYTES} bytes`);
  return bytes.toString('utf8');
}
