/**
 * Test helper: routers over real `Link`s on one in-memory medium with a
 * virtual clock (the kit's `createNetwork`, sim/kit/network.ts), wired as a list of
 * neighbour pairs, each node with its own route table. A scenario names
 * its nodes and tables and reads like the scenario.
 */
import type { Link } from '../../../transports/link/link.js';
import { nodeKeyFromSecret } from '../../../transports/router/end-to-end.js';
import { Router, type RouterInit } from '../../../transports/router/router.js';
import { MemorySeenMessages, type SeenMessages } from '../../../transports/router/seen-messages.js';
import { type Node, hex } from '../../../sim/kit/link-node.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { randomBytes } from '../../../sim/kit/random.js';

/** A node of a router test: its key, its link, its router, and what reached it (not node/mesh-node.ts's MeshNode). */
export interface RoutingNode extends Node {
  readonly link: Link;
  readonly router: Router;
  /** What the router delivered, as "sourceName:payloadHex", in order. */
  readonly received: string[];
  /** What the link delivered to this node (the envelopes, as the relay sees them), hex. */
  readonly envelopesSeen: string[];
}

export interface MeshOptions {
  /** Route table of each node, by node names: destination name (or `*`) to neighbour name. */
  readonly routes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly init?: Partial<Omit<RouterInit, 'routes' | 'neighbours'>> | ((name: string) => Partial<Omit<RouterInit, 'routes' | 'neighbours'>>);
  readonly mtu?: number;
  /** The seen-message set of a node; a `MemorySeenMessages` by default. */
  readonly seen?: (name: string) => SeenMessages | undefined;
}

/** Nodes named `names`, neighbours along `edges` (pairs of names), with the given tables: the kit's `createNetwork` with a router on each link. */
export async function createMesh(names: readonly string[], edges: readonly (readonly [string, string])[], options: MeshOptions = {}) {
  const network = createNetwork({ nodes: names, media: [{ delayMs: 20, mtu: options.mtu ?? 255, links: edges }] });
  const { clock, idOf, nameOf } = network;
  const nodes = new Map<string, RoutingNode>();
  for (const { links, neighbours, ...node } of network.nodes) {
    const link = links[0]!;
    const routes = Object.fromEntries(Object.entries(options.routes?.[node.name] ?? {}).map(([destination, nextHop]) => [idOf(destination), idOf(nextHop)]));
    const init = typeof options.init === 'function' ? options.init(node.name) : options.init;
    const router = new Router({ link, nodeKey: nodeKeyFromSecret(node.secretKey), randomBytes, seen: options.seen?.(node.name) ?? new MemorySeenMessages(), clock }, { routes, neighbours: neighbours.map((other) => other.id), ...init });
    const received: string[] = [];
    const envelopesSeen: string[] = [];
    link.on('message', (_peer, message) => envelopesSeen.push(hex(message)));
    router.on('message', (source, payload) => received.push(`${nameOf(source)}:${hex(payload)}`));
    router.start();
    nodes.set(node.name, { ...node, link, router, received, envelopesSeen });
  }
  await network.start();
  const node = (name: string) => nodes.get(name)!;
  return {
    clock,
    medium: network.media[0]!,
    node,
    idOf,
    /** Stops every link. */
    stop: () => network.stop(),
    /** Sum of a drop counter over all routers. */
    dropped: (reason: keyof Router['counters']['dropped']) => [...nodes.values()].reduce((sum, each) => sum + each.router.counters.dropped[reason], 0),
    forwarded: () => [...nodes.values()].reduce((sum, each) => sum + each.router.counters.forwarded, 0),
  };
}

/** A line `names[0] - names[1] - ...` where every node routes toward each non-neighbour along the line. */
export function lineRoutes(names: readonly string[]): Record<string, Record<string, string>> {
  return Object.fromEntries(
    names.map((name, i) => [name, Object.fromEntries(names.flatMap((other, j) => (Math.abs(j - i) > 1 ? [[other, names[j > i ? i + 1 : i - 1]!]] : [])))]),
  );
}

export const lineEdges = (names: readonly string[]) => names.slice(1).map((name, i) => [names[i]!, name] as const);
