/**
 * Test helper: routers over real `Link`s on one in-memory medium with a
 * virtual clock (see `sim/kit/virtual-clock.ts`), wired as a list of
 * neighbour pairs, each node with its own route table. A scenario names
 * its nodes and tables and reads like the scenario.
 */
import { createMemoryMedium } from '../../../transports/memory.js';
import type { Link } from '../../../transports/link/link.js';
import { nodeKeyFromSecret } from '../../../transports/router/end-to-end.js';
import { Router, type RouterInit } from '../../../transports/router/router.js';
import { MemorySeenMessages, type SeenMessages } from '../../../transports/router/seen-messages.js';
import { type Node, hex, makeNode } from '../../../sim/kit/link-node.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { createLink } from '../../../sim/kit/link-pair.js';
import { randomBytes } from '../../../sim/kit/random.js';

export interface MeshNode extends Node {
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

/** Nodes named `names`, neighbours along `edges` (pairs of names), with the given tables. */
export async function createMesh(names: readonly string[], edges: readonly (readonly [string, string])[], options: MeshOptions = {}) {
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ delayMs: 20, clock, mtu: options.mtu ?? 255 });
  const keys = new Map(names.map((name) => [name, makeNode(name)]));
  const idOf = (name: string) => {
    if (name === '*') return name;
    const node = keys.get(name);
    if (!node) throw new Error(`no node ${name} in this mesh`);
    return node.id;
  };
  const nameOf = (id: string) => [...keys.values()].find((node) => node.id === id)?.name ?? id;
  const neighboursOf = (name: string) => edges.flatMap(([a, b]) => (a === name ? [b] : b === name ? [a] : [])).map((other) => keys.get(other)!);
  const nodes = new Map<string, MeshNode>();
  for (const [name, node] of keys) {
    const neighbours = neighboursOf(name);
    const link = createLink(medium, clock, node, neighbours);
    const routes = Object.fromEntries(Object.entries(options.routes?.[name] ?? {}).map(([destination, nextHop]) => [idOf(destination), idOf(nextHop)]));
    const init = typeof options.init === 'function' ? options.init(name) : options.init;
    const router = new Router({ link, nodeKey: nodeKeyFromSecret(node.secretKey), randomBytes, seen: options.seen?.(name) ?? new MemorySeenMessages(), clock }, { routes, neighbours: neighbours.map((other) => other.id), ...init });
    const received: string[] = [];
    const envelopesSeen: string[] = [];
    link.on('message', (_peer, message) => envelopesSeen.push(hex(message)));
    router.on('message', (source, payload) => received.push(`${nameOf(source)}:${hex(payload)}`));
    router.start();
    nodes.set(name, { ...node, link, router, received, envelopesSeen });
  }
  await Promise.all([...nodes.values()].map((node) => node.link.start()));
  const node = (name: string) => nodes.get(name)!;
  return {
    clock,
    medium,
    node,
    idOf,
    /** Stops every link. */
    stop: () => Promise.all([...nodes.values()].map((each) => each.link.stop())),
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
