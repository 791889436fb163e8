/**
 * `createNetwork({ nodes, media })`: the one way to wire several nodes in
 * one process (issue 16), growing to replace the harnesses one at a time.
 * Today it gives named nodes, each with its key, one virtual clock, an
 * in-memory medium per entry of `media`, and on each medium a `Link` from
 * every node on it to its neighbours there. What runs above the links (a
 * `Router`, a `ChannelManager`, a `MeshNode`) is the caller's: the router
 * tests' `createMesh` is built on it (test/transports/router/router-network.ts).
 */
import type { Link, LinkInit } from '../../transports/link/link.js';
import { type MemoryMedium, type MemoryMediumOptions, createMemoryMedium } from '../../transports/memory.js';
import { type Node, makeNode } from './link-node.js';
import { createLink } from './link-pair.js';
import { VirtualClock } from './virtual-clock.js';

export interface MediumSpec extends Omit<MemoryMediumOptions, 'clock'> {
  /** The nodes on this medium (each gets a link on it, neighbours or not); default every node. */
  readonly nodes?: readonly string[];
  /** Pairs of node names that are neighbours on this medium. */
  readonly links: readonly (readonly [string, string])[];
}

export interface NetworkSpec {
  /** The nodes' names, which are also their addresses on every medium. */
  readonly nodes: readonly string[];
  readonly media: readonly MediumSpec[];
  /** Link settings of a node, over the kit's test timing. */
  readonly linkInit?: (name: string) => Partial<LinkInit>;
}

export interface NetworkNode extends Node {
  /** One link per medium the node is on, in the order of `media`. */
  readonly links: readonly Link[];
  /** Its neighbours on any medium. */
  readonly neighbours: readonly Node[];
}

export interface Network {
  readonly clock: VirtualClock;
  readonly media: readonly MemoryMedium[];
  node(name: string): NetworkNode;
  readonly nodes: readonly NetworkNode[];
  /** A node's id by name (`*`, the default route, stays itself). */
  idOf(name: string): string;
  /** A node's name by id, or the id of a stranger. */
  nameOf(id: string): string;
  /** Starts every link: call once what runs above them is listening. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createNetwork(spec: NetworkSpec): Network {
  const clock = new VirtualClock();
  const keys = new Map(spec.nodes.map((name) => [name, makeNode(name)]));
  const keyOf = (name: string) => {
    const node = keys.get(name);
    if (!node) throw new Error(`no node ${name} in this network`);
    return node;
  };
  const media = spec.media.map(({ links: _links, nodes: _nodes, ...options }) => createMemoryMedium({ ...options, clock }));
  const neighboursOn = (medium: MediumSpec, name: string) => medium.links.flatMap(([a, b]) => (a === name ? [b] : b === name ? [a] : [])).map(keyOf);
  const nodes = [...keys.values()].map((key): NetworkNode => {
    const on = spec.media.flatMap((medium, i) => ((medium.nodes ?? spec.nodes).includes(key.name) ? [i] : []));
    const links = on.map((i) => createLink(media[i]!, clock, key, neighboursOn(spec.media[i]!, key.name), { init: spec.linkInit?.(key.name) ?? {} }));
    const neighbours = [...new Set(on.flatMap((i) => neighboursOn(spec.media[i]!, key.name)))];
    return { ...key, links, neighbours };
  });
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const allLinks = () => nodes.flatMap((node) => node.links);
  return {
    clock,
    media,
    nodes,
    node: (name) => {
      const node = byName.get(name);
      if (!node) throw new Error(`no node ${name} in this network`);
      return node;
    },
    idOf: (name) => (name === '*' ? name : keyOf(name).id),
    nameOf: (id) => nodes.find((node) => node.id === id)?.name ?? id,
    start: async () => void (await Promise.all(allLinks().map((link) => link.start()))),
    stop: async () => void (await Promise.all(allLinks().map((link) => link.stop()))),
  };
}
