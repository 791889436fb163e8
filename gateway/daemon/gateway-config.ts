/**
 * The gateway daemon's config file (`lnmesh gateway --config FILE`): YAML,
 * checked whole on load like the node's (`node/config/node-config.ts`),
 * every mistake a `ConfigError` at FILE:LINE:COLUMN with its key. The
 * commented template `lnmesh init gateway` writes documents each key.
 */
import { dirname, resolve } from 'node:path';
import type { NetworkName } from '../../node/chain/network-params.js';
import { type LinkEntry, readLinks, readNodeId, readRoutes, readSecret } from '../../node/config/links-section.js';
import { type LogSettings, readLogSection } from '../../node/config/log-section.js';
import { optionalHopLimit, readConfigText, readNetwork } from '../../node/config/node-config.js';
import { type YamlMap, type YamlValue, readYaml } from '../../node/config/yaml-reader.js';
import type { AppointmentStoreInit } from '../tower/appointment-store.js';
import { type LightningSection, readLightning } from './lightning-section.js';

export interface GatewayDaemonConfig {
  readonly file: string;
  readonly network: NetworkName;
  readonly dataDir: string;
  /** The gateway's secret key (32 bytes, the seed file format): its node id, and the signature of receipts and alerts. */
  readonly keyFile: string;
  readonly controlSocket: string;
  readonly log: LogSettings;
  readonly chain:
    /** `rpc`: bcoin answers Core's JSON-RPC calls on 127.0.0.1:port with this password (another program on the same chain: a second Lightning node). */
    | { readonly backend: 'embedded'; readonly rpc?: { readonly port: number; readonly password: string } }
    /** `wallet`: the Core wallet the gateway funds its Lightning channels from (`<url>/wallet/NAME`); absent, Core's only loaded wallet. */
    | { readonly backend: 'core'; readonly url: string; readonly username: string; readonly password: string; readonly pollIntervalMs?: number; readonly wallet?: string };
  /** Regtest only, embedded chain only: blocks to make coins spendable, and a block clock. */
  readonly regtest: { readonly mineOnStart: boolean; readonly blockIntervalMs: number };
  readonly links: readonly LinkEntry[];
  readonly routes: Readonly<Record<string, string>>;
  /** The links an envelope of the gateway's may cross (the router's default, 8, when absent). */
  readonly hopLimit?: number;
  readonly tower: TowerSection;
  readonly channels: ChannelsSection;
  /** Present: the gateway runs its Lightning node (and its on-chain wallet). */
  readonly lightning?: LightningSection;
}

/**
 * The `channels:` section: what the gateway asks of the channels nodes open
 * to it (the depth of their funding, and its policy's delays, as in a
 * node's config). The nodes fund them, so a feerate or channel type of its
 * own does not apply.
 */
export interface ChannelsSection {
  readonly minimumDepth?: number;
  readonly offlineHorizonBlocks?: number;
  readonly marginBlocks?: number;
}

/** The `tower:` section: the watchtower's depths, and its space (`gateway/tower/tower-space.ts`). */
export interface TowerSection {
  readonly watch?: boolean;
  readonly justiceBuriedDepth?: number;
  readonly fundingBuriedDepth?: number;
  /** Node ids named beyond the links' neighbours and the routes' destinations: not strangers to the tower. */
  readonly allowedNodes?: readonly string[];
  readonly maxAppointments?: number;
  readonly maxBytes?: number;
  readonly maxWatches?: number;
  readonly strangerShare?: number;
  readonly maxAppointmentsPerNode?: number;
  readonly maxBytesPerNode?: number;
  readonly maxWatchesPerNode?: number;
}

/** Node ids in `tower.allowedNodes`: a list to read by eye, and as many as a community mesh has. */
const MAX_ALLOWED_NODES = 10_000;

/**
 * The watchtower store's settings: the tower section's space, and as named
 * nodes every node the config names (the links' neighbours, the routes'
 * destinations, \`tower.allowedNodes\`): the operator knows them, so a
 * stranger's fresh keys cannot crowd them out.
 */
export function towerStoreInit(config: Pick<GatewayDaemonConfig, 'links' | 'routes' | 'tower'>): AppointmentStoreInit {
  const { watch: _watch, justiceBuriedDepth: _justice, fundingBuriedDepth: _funding, allowedNodes = [], ...space } = config.tower;
  const named = new Set([
    ...config.links.flatMap((link) => link.neighbours.map((neighbour) => neighbour.nodeId)),
    ...Object.keys(config.routes).filter((destination) => destination !== '*'),
    ...allowedNodes,
  ]);
  return { ...space, allowedNodes: [...named] };
}

const TOP_KEYS = ['network', 'dataDir', 'keyFile', 'controlSocket', 'log', 'chain', 'regtest', 'links', 'routes', 'hopLimit', 'tower', 'channels', 'lightning'];

export function loadGatewayConfig(path: string): GatewayDaemonConfig {
  return parseGatewayConfig(readConfigText(path), resolve(path));
}

export function parseGatewayConfig(text: string, file: string): GatewayDaemonConfig {
  const root = readYaml(text, file).map(TOP_KEYS, 'a mapping of settings (network, dataDir, chain, links, ...)');
  const base = dirname(resolve(file));
  const network = readNetwork(root);
  const dataDir = resolve(base, root.required('dataDir', "the folder of the gateway's stores and chain, e.g. ./gateway-data").string());
  const chain = readChain(root);
  const regtest = readRegtest(root, network, chain.backend);
  const links = readLinks(root.optional('links'));
  const lightning = readLightning(root);
  return {
    file: resolve(file),
    network,
    dataDir,
    keyFile: resolve(base, root.optional('keyFile')?.string() ?? resolve(dataDir, 'gateway.key')),
    controlSocket: resolve(base, root.optional('controlSocket')?.string() ?? resolve(dataDir, 'control.sock')),
    log: readLogSection(root.optional('log')),
    chain,
    regtest,
    links,
    routes: readRoutes(root.optional('routes'), links),
    ...optionalHopLimit(root),
    tower: readTower(root),
    channels: readChannels(root),
    ...(lightning && { lightning }),
  };
}

function readChain(root: YamlMap): GatewayDaemonConfig['chain'] {
  const value = root.optional('chain');
  if (!value) return { backend: 'embedded' };
  const map = value.map(['backend', 'url', 'username', 'password', 'pollInterval', 'wallet', 'rpc']);
  const backend = map.required('backend', 'embedded (bcoin in the data directory) or core (Bitcoin Core over JSON-RPC)');
  const name = backend.string();
  if (name === 'embedded') {
    for (const key of ['url', 'username', 'password', 'pollInterval', 'wallet']) map.optional(key)?.fail('only for backend: core');
    const rpc = readEmbeddedRpc(map.optional('rpc'));
    return { backend: 'embedded', ...(rpc && { rpc }) };
  }
  if (name !== 'core') backend.fail('expected embedded or core');
  map.optional('rpc')?.fail('only for backend: embedded (Bitcoin Core serves its own RPC)');
  const wallet = map.optional('wallet')?.string("the name of a wallet loaded in Bitcoin Core, e.g. lnmesh");
  if (wallet !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(wallet)) map.required('wallet').fail('expected a wallet name of 1 to 64 letters, digits, dots, dashes or underscores');
  const url = map.required('url', "Bitcoin Core's RPC, e.g. http://127.0.0.1:8332/");
  if (!/^https?:\/\/\S+$/.test(url.string())) url.fail('expected an http:// or https:// URL');
  if (/^https?:\/\/[^/]*@/.test(url.string())) url.fail('put the credentials in username and password, not in the URL');
  const pollIntervalMs = map.optional('pollInterval')?.duration(100, 3_600_000);
  return {
    backend: 'core',
    url: url.string(),
    username: map.required('username', 'rpcuser, or __cookie__').string(),
    password: readSecret(map.required('password', 'rpcpassword, or the cookie'))!,
    ...(pollIntervalMs !== undefined && { pollIntervalMs }),
    ...(wallet !== undefined && { wallet }),
  };
}

/** `rpc: { port, password }`: the embedded chain's JSON-RPC, on loopback only. */
function readEmbeddedRpc(value: YamlValue | undefined): { port: number; password: string } | undefined {
  if (!value) return undefined;
  const map = value.map(['port', 'password'], 'a mapping: { port, password }');
  const port = map.required('port', 'the loopback port, e.g. 18443').integer(1, 65535);
  const password = readSecret(map.required('password', 'what clients give as the HTTP basic-auth password'))!;
  if (password.length === 0 || password.length > 255) map.required('password').fail('expected 1 to 255 characters');
  return { port, password };
}

function readRegtest(root: YamlMap, network: NetworkName, backend: string): GatewayDaemonConfig['regtest'] {
  const value = root.optional('regtest');
  if (!value) return { mineOnStart: network === 'regtest' && backend === 'embedded', blockIntervalMs: 0 };
  if (network !== 'regtest' || backend !== 'embedded') value.fail('only with network: regtest and the embedded chain');
  const map = value.map(['mineOnStart', 'blockInterval']);
  return { mineOnStart: map.optional('mineOnStart')?.boolean() ?? true, blockIntervalMs: map.optional('blockInterval')?.duration(0, 86_400_000) ?? 0 };
}

/** The bounds of each count of the tower section, as `TowerSpace` and `AppointmentStore` check them. */
const TOWER_COUNTS = {
  justiceBuriedDepth: [1, 10_000],
  fundingBuriedDepth: [1, 10_000],
  maxAppointments: [0, 1_000_000_000],
  maxBytes: [0, 2 ** 44],
  maxWatches: [0, 100_000_000],
  maxAppointmentsPerNode: [1, 100_000_000],
  maxBytesPerNode: [1, 2 ** 40],
  maxWatchesPerNode: [0, 10_000_000],
} as const;

function readTower(root: YamlMap): TowerSection {
  const value = root.optional('tower');
  if (!value) return {};
  const map = value.map(['watch', ...Object.keys(TOWER_COUNTS), 'strangerShare', 'allowedNodes']);
  const tower: { -readonly [key in keyof TowerSection]: TowerSection[key] } = {};
  const watch = map.optional('watch')?.boolean();
  if (watch !== undefined) tower.watch = watch;
  for (const [key, [min, max]] of Object.entries(TOWER_COUNTS) as [keyof typeof TOWER_COUNTS, readonly [number, number]][]) {
    const count = map.optional(key)?.integer(min, max);
    if (count !== undefined) tower[key] = count;
  }
  const share = map.optional('strangerShare')?.number(0, 1);
  if (share !== undefined) tower.strangerShare = share;
  const allowed = map.optional('allowedNodes');
  if (allowed && allowed.scalar() !== null) tower.allowedNodes = allowed.list(0, MAX_ALLOWED_NODES, 'a list of node ids').map(readNodeId);
  return tower;
}

/** The bounds of the channels section, as the node's config checks them. */
const CHANNEL_COUNTS = { minimumDepth: [1, 100], offlineHorizonBlocks: [1, 60_000], marginBlocks: [0, 5_000] } as const;

function readChannels(root: YamlMap): ChannelsSection {
  const value = root.optional('channels');
  if (!value) return {};
  const map = value.map(Object.keys(CHANNEL_COUNTS));
  const channels: { -readonly [key in keyof ChannelsSection]: ChannelsSection[key] } = {};
  for (const [key, [min, max]] of Object.entries(CHANNEL_COUNTS) as [keyof typeof CHANNEL_COUNTS, readonly [number, number]][]) {
    const count = map.optional(key)?.integer(min, max);
    if (count !== undefined) channels[key] = count;
  }
  return channels;
}
