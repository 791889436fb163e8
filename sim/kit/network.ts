/**
 * `createNetwork(spec)`: the one way to wire several nodes in one process
 * (issue 16). The spec comes in layers, each optional but the first:
 *
 * - `nodes`: names, or a count (named n0, n1, ...). Node `i` (its place in
 *   `nodes`) has `signerOf(i)`'s keys, and the same id in every layer.
 * - `media`: an in-memory medium per entry, on the network's one virtual
 *   clock, and on each a `Link` from every node on it to its neighbours there.
 * - `channels`: a `ChannelManager` per node, talking through a queue that
 *   `run()` delivers (channels.ts). Opening a channel: `openChannel`.
 *
 * What else runs above the links (a `Router`) is the caller's: the router
 * tests' `createMesh` is built on it (test/transports/router/router-network.ts).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { SeedSigner } from '../../node/keys/signer.js';
import type { Link, LinkInit } from '../../transports/link/link.js';
import { type MemoryMedium, type MemoryMediumOptions, createMemoryMedium } from '../../transports/memory.js';
import type { Transport } from '../../transports/transport.js';
import { type ChannelParts, type ChannelsSpec, type QueuedMessage, deliverAll, withChannels } from './channels.js';
import type { Node } from './link-node.js';
import { createLink } from './test-link.js';
import { nodeSecretOf, signerOf } from './signer-of.js';
import { VirtualClock } from './virtual-clock.js';

export interface MediumSpec extends Omit<MemoryMediumOptions, 'clock'> {
  /** The nodes on this medium (each gets a link on it, neighbours or not); default every node. */
  readonly nodes?: readonly string[];
  /** Pairs of node names that are neighbours on this medium. */
  readonly links: readonly (readonly [string, string])[];
}

export interface NetworkSpec {
  /** The nodes' names, which are also their addresses on every medium; or how many (n0, n1, ...). */
  readonly nodes: readonly string[] | number;
  readonly media?: readonly MediumSpec[];
  /** Link settings of a node, over the kit's test timing. */
  readonly linkInit?: (name: string) => Partial<LinkInit>;
  /** A channel manager on each node; `{}` for the defaults. */
  readonly channels?: ChannelsSpec;
}

export interface NetworkNode extends Node {
  /** Its place in `nodes`: node `i` has `signerOf(i)`'s keys. */
  readonly index: number;
  readonly signer: SeedSigner;
  /** One link per medium the node is on, in the order of `media`. */
  readonly links: readonly Link[];
  /** The transport under each of `links`. */
  readonly transports: readonly Transport[];
  /** Its neighbours on any medium. */
  readonly neighbours: readonly Node[];
}

export interface ChannelNode extends NetworkNode, ChannelParts {}

export interface Network<N extends NetworkNode = NetworkNode> {
  readonly clock: VirtualClock;
  readonly media: readonly MemoryMedium[];
  node(name: string): N;
  readonly nodes: readonly N[];
  /** A node's id by name (`*`, the default route, stays itself). */
  idOf(name: string): string;
  /** A node's name by id, or the id of a stranger. */
  nameOf(id: string): string;
  /** Starts every link: call once what runs above them is listening. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ChannelNetwork extends Network<ChannelNode> {
  /** Delivers queued messages until none is left (at most 10,000). Returns how many were delivered. */
  run(): number;
  /** Messages waiting, as [from, to, bytes]. */
  readonly queue: QueuedMessage[];
}

export function createNetwork(spec: NetworkSpec & { readonly channels: ChannelsSpec }): ChannelNetwork;
export function createNetwork(spec: NetworkSpec): Network;
export function createNetwork(spec: NetworkSpec): Network | ChannelNetwork {
  const clock = new VirtualClock();
  const names = typeof spec.nodes === 'number' ? Array.from({ length: spec.nodes }, (_, i) => `n${i}`) : spec.nodes;
  if (new Set(names).size !== names.length) throw new Error('two nodes of a network have one name');
  const keys = names.map((name, index) => {
    const signer = signerOf(index);
    return { name, index, signer, secretKey: nodeSecretOf(index, signer), id: bytesToHex(signer.nodeId) };
  });
  const media = (spec.media ?? []).map(({ links: _links, nodes: _nodes, ...options }) => createMemoryMedium({ ...options, clock }));
  const nodes = withLinks(keys, spec, media, clock);
  if (!spec.channels) return view(clock, media, nodes);
  const queue: QueuedMessage[] = [];
  const channelNodes = withChannels(nodes, spec.channels, queue);
  const byId = new Map(channelNodes.map((node) => [node.id, node]));
  return { ...view(clock, media, channelNodes), queue, run: () => deliverAll(queue, (id) => byId.get(id)?.manager) };
}

type Keyed = Node & Pick<NetworkNode, 'index' | 'signer'>;

/** Each node with a link (and its transport) on each medium it is on. */
function withLinks(keys: readonly Keyed[], spec: NetworkSpec, media: readonly MemoryMedium[], clock: VirtualClock): NetworkNode[] {
  const keyOf = (name: string) => {
    const key = keys.find((each) => each.name === name);
    if (!key) throw new Error(`no node ${name} in this network`);
    return key;
  };
  const specs = spec.media ?? [];
  const neighboursOn = (medium: MediumSpec, name: string) => medium.links.flatMap(([a, b]) => (a === name ? [b] : b === name ? [a] : [])).map(keyOf);
  return keys.map((key) => {
    const on = specs.flatMap((medium, i) => ((medium.nodes ?? keys.map((each) => each.name)).includes(key.name) ? [i] : []));
    const transports = on.map((i) => media[i]!.createTransport(key.name));
    const links = on.map((i, j) => createLink(media[i]!, clock, key, neighboursOn(specs[i]!, key.name), { init: spec.linkInit?.(key.name) ?? {}, transport: transports[j]! }));
    const neighbours = [...new Set(on.flatMap((i) => neighboursOn(specs[i]!, key.name)))];
    return { ...key, links, transports, neighbours };
  });
}

/** The network as its users see it: nodes by name, ids and names, links started and stopped together. */
function view<N extends NetworkNode>(clock: VirtualClock, media: readonly MemoryMedium[], nodes: readonly N[]): Network<N> {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const allLinks = () => nodes.flatMap((node) => node.links);
  const node = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new Error(`no node ${name} in this network`);
    return found;
  };
  return {
    clock,
    media,
    nodes,
    node,
    idOf: (name) => (name === '*' ? name : node(name).id),
    nameOf: (id) => nodes.find((each) => each.id === id)?.name ?? id,
    start: async () => void (await Promise.all(allLinks().map((link) => link.start()))),
    stop: async () => void (await Promise.all(allLinks().map((link) => link.stop()))),
  };
}
