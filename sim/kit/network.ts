/**
 * `createNetwork(spec)`: the one way to wire several nodes in one process
 * (issue 16). The spec comes in layers, each optional but the first:
 *
 * - `nodes`: names, or a count (named n0, n1, ...). Node `i` (its place in
 *   `nodes`) has `signerOf(i)`'s keys, and the same id in every layer.
 * - `media`: an in-memory medium per entry, on the network's clock (a
 *   virtual one unless the spec gives its own), or transports the caller
 *   made (real radios, a broker); on each, a `Link` from every node on it to
 *   its neighbours there.
 * - `channels`: a `ChannelManager` per node. Without media they talk through
 *   a queue that `run()` delivers (channels.ts; opening a channel:
 *   `openChannel`); over media each node is a whole `MeshNode` (mesh.ts).
 *
 * What else runs above bare links (a `Router`) is the caller's: the router
 * tests' `createMesh` is built on it (test/transports/router/router-network.ts).
 */
import { bytesToHex } from '../../node/core/hex.js';
import type { Clock } from '../../node/core/clock.js';
import type { SeedSigner } from '../../node/keys/signer.js';
import type { LinkConfig } from '../../node/mesh-node.js';
import type { Link, LinkInit } from '../../transports/link/link.js';
import { type MemoryMedium, type MemoryMediumOptions, createMemoryMedium } from '../../transports/memory.js';
import type { Transport } from '../../transports/transport.js';
import { type ChannelParts, type ChannelsSpec, type QueuedMessage, deliverAll, withChannels } from './channels.js';
import type { Node } from './link-node.js';
import { type MeshChannelsSpec, type MeshParts, withMesh } from './mesh.js';
import { nodeSecretOf, signerOf } from './signer-of.js';
import { TEST_TIMING, linkOver } from './test-link.js';
import { VirtualClock } from './virtual-clock.js';

/** An in-memory medium the network makes. */
export interface MemoryMediumSpec extends Omit<MemoryMediumOptions, 'clock'> {
  /** The nodes on this medium (each gets a link on it, neighbours or not); default every node. */
  readonly nodes?: readonly string[];
  /** Pairs of node names that are neighbours on this medium. */
  readonly links: readonly (readonly [string, string])[];
}

/** A medium the caller made: each node's transport on it, by name (the nodes on it are those). */
export interface GivenMediumSpec {
  readonly transports: Readonly<Record<string, Transport>>;
  /** Each node's address there, by name, if the medium has addresses. */
  readonly addresses?: Readonly<Record<string, string>>;
  /** Its links' timing; by default the link's own (which suits LoRa). */
  readonly timing?: LinkConfig['timing'];
  readonly links: readonly (readonly [string, string])[];
}

export type MediumSpec = MemoryMediumSpec | GivenMediumSpec;

export interface NetworkSpec<C extends Clock = VirtualClock> {
  /** The nodes' names, which are also their addresses on every memory medium; or how many (n0, n1, ...). */
  readonly nodes: readonly string[] | number;
  readonly media?: readonly MediumSpec[];
  /** Where time is kept; a new `VirtualClock` by default. */
  readonly clock?: C;
  /** Link settings of a node, over the kit's test timing on memory media. */
  readonly linkInit?: (name: string) => Partial<LinkInit>;
}

/** With a channel manager on each node (`{}` for the defaults): over media each a `MeshNode`, without them on the queue `run()` delivers. */
type WithChannels<S> = { readonly channels: S };

/** A node's place, name, keys and neighbours: what every layer has. */
export interface KeyedNode extends Node {
  /** Its place in `nodes`: node `i` has `signerOf(i)`'s keys. */
  readonly index: number;
  readonly signer: SeedSigner;
  /** The transport it has on each medium it is on, in the order of `media`. */
  readonly transports: readonly Transport[];
  /** Its neighbours on any medium. */
  readonly neighbours: readonly Node[];
}

export interface NetworkNode extends KeyedNode {
  /** One link per medium the node is on, in the order of `media`. */
  readonly links: readonly Link[];
}

export interface ChannelNode extends NetworkNode, ChannelParts {}

export interface MeshNetworkNode extends KeyedNode, MeshParts {}

export interface Network<N extends KeyedNode = NetworkNode, C extends Clock = VirtualClock> {
  readonly clock: C;
  /** The media the network made, in the order of `media` (undefined where the spec gave its transports). */
  readonly media: readonly (MemoryMedium | undefined)[];
  node(name: string): N;
  readonly nodes: readonly N[];
  /** A node's id by name (`*`, the default route, stays itself). */
  idOf(name: string): string;
  /** A node's name by id, or the id of a stranger. */
  nameOf(id: string): string;
  /** Starts every link (or mesh node): call once what runs above them is listening. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ChannelNetwork<C extends Clock = VirtualClock> extends Network<ChannelNode, C> {
  /** Delivers queued messages until none is left (at most 10,000). Returns how many were delivered. */
  run(): number;
  /** Messages waiting, as [from, to, bytes]. */
  readonly queue: QueuedMessage[];
}

export function createNetwork<C extends Clock = VirtualClock>(spec: NetworkSpec<C> & { readonly media: readonly MediumSpec[] } & WithChannels<MeshChannelsSpec>): Network<MeshNetworkNode, C>;
export function createNetwork<C extends Clock = VirtualClock>(spec: NetworkSpec<C> & { readonly media?: undefined } & WithChannels<ChannelsSpec>): ChannelNetwork<C>;
export function createNetwork<C extends Clock = VirtualClock>(spec: NetworkSpec<C>): Network<NetworkNode, C>;
export function createNetwork<C extends Clock>(spec: NetworkSpec<C> & Partial<WithChannels<ChannelsSpec | MeshChannelsSpec>>): Network<KeyedNode, C> | ChannelNetwork<C> {
  // Only here: without a clock in the spec, C is VirtualClock (its default).
  const clock = spec.clock ?? (new VirtualClock() as Clock as C);
  const names = typeof spec.nodes === 'number' ? Array.from({ length: spec.nodes }, (_, i) => `n${i}`) : spec.nodes;
  if (new Set(names).size !== names.length) throw new Error('two nodes of a network have one name');
  const keys = names.map((name, index) => {
    const signer = signerOf(index);
    return { name, index, signer, secretKey: nodeSecretOf(index, signer), id: bytesToHex(signer.nodeId) };
  });
  const specs = spec.media ?? [];
  const media = specs.map((medium) => ('transports' in medium ? undefined : createMemoryMedium({ ...memoryOptions(medium), clock })));
  const nodes = attach(keys, specs, media, spec.linkInit);
  // The overloads match the channels' spec to the media: a mesh spec over media, a queue spec without.
  if (spec.channels && spec.media) {
    const meshes = withMesh(nodes, spec.channels as MeshChannelsSpec, clock);
    const everyMesh = (step: (node: (typeof meshes)[number]) => Promise<void>) => async () => void (await Promise.all(meshes.map(step)));
    return { ...view(clock, media, meshes), start: everyMesh((node) => node.mesh.start()), stop: everyMesh((node) => node.mesh.stop()) };
  }
  const linked = nodes.map(({ attachments, ...node }) => ({ ...node, links: attachments.map((each) => linkOver(each.transport, clock, node, each.neighbours, { init: each.timing })) }));
  if (!spec.channels) return view(clock, media, linked);
  const queue: QueuedMessage[] = [];
  const channelNodes = withChannels(linked, spec.channels as ChannelsSpec, queue);
  const byId = new Map(channelNodes.map((node) => [node.id, node]));
  return { ...view(clock, media, channelNodes), queue, run: () => deliverAll(queue, (id) => byId.get(id)?.manager) };
}

function memoryOptions({ links: _links, nodes: _nodes, ...options }: MemoryMediumSpec): Omit<MemoryMediumOptions, 'clock'> {
  return options;
}

type Keyed = Node & Pick<KeyedNode, 'index' | 'signer'>;

/**
 * Each node's transport on each medium it is on, with its neighbours there,
 * as a link config (timing: the kit's on memory media, the medium's own on
 * the caller's; `linkInit` over both).
 */
function attach<K extends Keyed>(keys: readonly K[], specs: readonly MediumSpec[], media: readonly (MemoryMedium | undefined)[], linkInit: NetworkSpec['linkInit']) {
  const keyOf = (name: string) => {
    const key = keys.find((each) => each.name === name);
    if (!key) throw new Error(`no node ${name} in this network`);
    return key;
  };
  const neighboursOn = (medium: MediumSpec, name: string) => medium.links.flatMap(([a, b]) => (a === name ? [b] : b === name ? [a] : [])).map(keyOf);
  const isOn = (medium: MediumSpec, name: string) => ('transports' in medium ? name in medium.transports : (medium.nodes ?? keys.map((each) => each.name)).includes(name));
  return keys.map((key) => {
    const on = specs.flatMap((medium, i) => (isOn(medium, key.name) ? [i] : []));
    const attachments = on.map((i): LinkConfig & { transport: Transport } => {
      const medium = specs[i]!;
      const given = 'transports' in medium ? medium : undefined;
      const { knownPeers: _peers, addresses: _addresses, ...init } = linkInit?.(key.name) ?? {};
      // The kit's short timing on its memory media; on the caller's, the medium's own (else the link's defaults).
      const base = given ? given.timing : TEST_TIMING;
      const timing = base || linkInit ? { ...base, ...init } : undefined;
      const neighbours = neighboursOn(medium, key.name).map((peer) => {
        const address = given ? given.addresses?.[peer.name] : peer.name;
        return { nodeId: peer.id, ...(address !== undefined && { address }) };
      });
      return { transport: given ? given.transports[key.name]! : media[i]!.createTransport(key.name), neighbours, ...(timing && { timing }) };
    });
    const transports = attachments.map((each) => each.transport);
    const neighbours = [...new Set(on.flatMap((i) => neighboursOn(specs[i]!, key.name)))];
    return { ...key, attachments, transports, neighbours };
  });
}

/** The network as its users see it: nodes by name, ids and names, links started and stopped together. */
function view<N extends KeyedNode & { readonly links?: readonly Link[] }, C extends Clock>(clock: C, media: readonly (MemoryMedium | undefined)[], nodes: readonly N[]): Network<N, C> {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const allLinks = () => nodes.flatMap((node) => node.links ?? []);
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
