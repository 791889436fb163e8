/**
 * Who hears whom: the nodes of a simulated mesh and the links between them,
 * generated (line, star, grid, random geometric) or given as a list of
 * edges, and the static route tables that follow from them.
 *
 * A mesh that falls apart into pieces is refused here: a node with no path
 * to the others could never pay, be paid or reach the watchtower, and every
 * figure about it would be noise.
 */
import { DEFAULT_HOP_LIMIT } from '../transports/router/router.js';

/** The name under which the gateway appears in route tables. No node may take it. */
export const GATEWAY = 'gateway';

/** The default route's key in a route table (as `transports/router/route-table.ts` reads it). */
export const DEFAULT_ROUTE = '*';

export type TopologySpec =
  /** n0 - n1 - ... - n(N-1). */
  | { readonly kind: 'line'; readonly nodes: number }
  /** n0 in the middle, every other node its neighbour only. */
  | { readonly kind: 'star'; readonly nodes: number }
  /** Row-major names (n(row * columns + column)), each node linked to the ones left, right, above and below. */
  | { readonly kind: 'grid'; readonly rows: number; readonly columns: number }
  /** Nodes dropped uniformly in the unit square, linked when at most `radius` apart; drawn again until connected. */
  | { readonly kind: 'random'; readonly nodes: number; readonly radius: number }
  /** Edges read from a file; nodes are named by the file, in order of first appearance. */
  | { readonly kind: 'file'; readonly path: string; readonly edges: readonly (readonly [string, string])[] };

export interface Position {
  readonly x: number;
  readonly y: number;
}

export interface Topology {
  readonly nodes: readonly string[];
  /** Each link once, as [a, b]; links carry both ways. */
  readonly edges: readonly (readonly [string, string])[];
  /** Where each node sits, for plots; absent for file topologies. */
  readonly positions?: Readonly<Record<string, Position>>;
}

/** A topology that cannot be built as asked; `reason` says why and what to change. */
export class TopologyError extends Error {
  override name = 'TopologyError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Random geometric graphs are drawn again this many times before the radius is declared too small. */
export const RANDOM_TOPOLOGY_ATTEMPTS = 100;

/**
 * The topology `spec` describes. `random` (uniform in [0, 1)) is used by
 * random geometric graphs only; pass a seeded source so that the same seed
 * gives the same mesh.
 */
export function buildTopology(spec: TopologySpec, random: () => number): Topology {
  switch (spec.kind) {
    case 'line':
      return lineTopology(spec.nodes);
    case 'star':
      return starTopology(spec.nodes);
    case 'grid':
      return gridTopology(spec.rows, spec.columns);
    case 'random':
      return randomGeometricTopology(spec.nodes, spec.radius, random);
    case 'file':
      return edgeListTopology(spec.edges);
  }
}

/** n0, n1, ... n(count - 1). */
export function generatedNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `n${index}`);
}

function lineTopology(count: number): Topology {
  atLeastTwo(count);
  const nodes = generatedNames(count);
  const edges = nodes.slice(1).map((node, index) => [nodes[index]!, node] as const);
  const positions = Object.fromEntries(nodes.map((node, index) => [node, { x: index, y: 0 }]));
  return { nodes, edges, positions };
}

function starTopology(count: number): Topology {
  atLeastTwo(count);
  const nodes = generatedNames(count);
  const hub = nodes[0]!;
  const edges = nodes.slice(1).map((node) => [hub, node] as const);
  const spokes = count - 1;
  const positions = Object.fromEntries(
    nodes.map((node, index) => [node, index === 0 ? { x: 0, y: 0 } : { x: Math.cos((2 * Math.PI * (index - 1)) / spokes), y: Math.sin((2 * Math.PI * (index - 1)) / spokes) }]),
  );
  return { nodes, edges, positions };
}

function gridTopology(rows: number, columns: number): Topology {
  atLeastTwo(rows * columns);
  const nodes = generatedNames(rows * columns);
  const at = (row: number, column: number): string => nodes[row * columns + column]!;
  const edges: (readonly [string, string])[] = [];
  const positions: Record<string, Position> = {};
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      positions[at(row, column)] = { x: column, y: row };
      if (column + 1 < columns) edges.push([at(row, column), at(row, column + 1)]);
      if (row + 1 < rows) edges.push([at(row, column), at(row + 1, column)]);
    }
  }
  return { nodes, edges, positions };
}

function randomGeometricTopology(count: number, radius: number, random: () => number): Topology {
  atLeastTwo(count);
  const nodes = generatedNames(count);
  for (let attempt = 0; attempt < RANDOM_TOPOLOGY_ATTEMPTS; attempt++) {
    const points = nodes.map(() => ({ x: random(), y: random() }));
    const edges: (readonly [string, string])[] = [];
    for (let i = 0; i < count; i++) {
      for (let j = i + 1; j < count; j++) {
        if (Math.hypot(points[i]!.x - points[j]!.x, points[i]!.y - points[j]!.y) <= radius) edges.push([nodes[i]!, nodes[j]!]);
      }
    }
    const topology = { nodes, edges, positions: Object.fromEntries(nodes.map((node, index) => [node, points[index]!])) };
    if (unreachableFrom(topology, nodes[0]!).length === 0) return topology;
  }
  // Around this radius a random geometric graph becomes connected (Penrose, 1997).
  const threshold = Math.sqrt(Math.log(count) / (Math.PI * count));
  throw new TopologyError(
    `${count} nodes within a radius of ${radius} were never connected in ${RANDOM_TOPOLOGY_ATTEMPTS} draws: raise the radius (such graphs connect from about ${threshold.toFixed(2)} up)`,
  );
}

function edgeListTopology(edgeList: readonly (readonly [string, string])[]): Topology {
  const nodes: string[] = [];
  const known = new Set<string>();
  const pairs = new Set<string>();
  const edges: (readonly [string, string])[] = [];
  for (const [a, b] of edgeList) {
    if (a === b) throw new TopologyError(`the edge [${a}, ${b}] links a node to itself`);
    if (a === GATEWAY || b === GATEWAY) throw new TopologyError(`"${GATEWAY}" is the gateway's name: give the node another`);
    const key = pairKey(a, b);
    if (pairs.has(key)) throw new TopologyError(`the edge [${a}, ${b}] is listed twice`);
    pairs.add(key);
    edges.push([a, b]);
    for (const node of [a, b]) {
      if (!known.has(node)) {
        known.add(node);
        nodes.push(node);
      }
    }
  }
  atLeastTwo(nodes.length);
  const topology = { nodes, edges };
  const unreachable = unreachableFrom(topology, nodes[0]!);
  if (unreachable.length > 0) throw new TopologyError(`the mesh is not connected: ${listSome(unreachable)} cannot reach ${nodes[0]}`);
  return topology;
}

function atLeastTwo(count: number): void {
  if (!(count >= 2)) throw new TopologyError(`a mesh needs at least two nodes, this one has ${count}`);
}

/** Each node's neighbours, in the order its edges are listed. */
export function neighboursOf(topology: Topology): Map<string, string[]> {
  const neighbours = new Map<string, string[]>(topology.nodes.map((node) => [node, []]));
  for (const [a, b] of topology.edges) {
    neighbours.get(a)?.push(b);
    neighbours.get(b)?.push(a);
  }
  return neighbours;
}

/** A key for the unordered pair {a, b}. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** Whether a and b share a link. */
export function edgeSet(topology: Topology): Set<string> {
  return new Set(topology.edges.map(([a, b]) => pairKey(a, b)));
}

/** Hops from `origin` to every node it reaches, by breadth-first search. */
function hopCounts(neighbours: ReadonlyMap<string, readonly string[]>, origin: string): Map<string, number> {
  const hops = new Map([[origin, 0]]);
  const queue = [origin];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    const next = hops.get(node)! + 1;
    for (const neighbour of neighbours.get(node) ?? []) {
      if (hops.has(neighbour)) continue;
      hops.set(neighbour, next);
      queue.push(neighbour);
    }
  }
  return hops;
}

function unreachableFrom(topology: Topology, origin: string): string[] {
  const hops = hopCounts(neighboursOf(topology), origin);
  return topology.nodes.filter((node) => !hops.has(node));
}

/**
 * The hop limit that lets every routed envelope arrive: the most link hops
 * between any two of the nodes and the gateway (one hop beyond each node in
 * `gatewayAttachments`), and never less than the router's default. A node of
 * a 500-node grid is 9 hops from the gateway; at the default of 8 the relay
 * before the gateway dropped what it sent, funding transactions included.
 */
export function hopLimitCovering(topology: Topology, gatewayAttachments: readonly string[]): number {
  // Between nodes, routes stay on the mesh (never through the gateway); to and from the gateway, through the nearest attachment.
  const neighbours = neighboursOf(topology);
  let longest = 0;
  for (const origin of topology.nodes) for (const hops of hopCounts(neighbours, origin).values()) longest = Math.max(longest, hops);
  if (gatewayAttachments.length > 0) for (const hops of hopCounts(withGateway(neighbours, gatewayAttachments), GATEWAY).values()) longest = Math.max(longest, hops);
  return Math.max(DEFAULT_HOP_LIMIT, longest);
}

/** The mesh's links and the gateway's: one hop between it and each node in `gatewayAttachments`. */
function withGateway(neighbours: ReadonlyMap<string, readonly string[]>, gatewayAttachments: readonly string[]): Map<string, readonly string[]> {
  const links = new Map(neighbours);
  links.set(GATEWAY, [...gatewayAttachments]);
  for (const attached of gatewayAttachments) links.set(attached, [GATEWAY, ...(neighbours.get(attached) ?? [])]);
  return links;
}

/** Every node's route table and the gateway's: table owner to (destination or `*`) to next hop. */
export type RouteTables = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * The static route tables of every node and of the gateway (under
 * `GATEWAY`), by shortest paths:
 *
 * - a node has an entry for every other node that is not its neighbour
 *   (neighbours are reached directly), naming the neighbour one hop closer;
 *   payments take these routes too (a channel per hop), so they never pass
 *   through the gateway, which holds no channels;
 * - `*`, the default route, names the neighbour one hop closer to the
 *   gateway (the gateway itself for the nodes in `gatewayAttachments`);
 * - the gateway has an entry for every node it is not attached to, naming
 *   the attached node one hop closer.
 *
 * Among equally short next hops the first in the node's edge order wins, so
 * the tables depend on the topology only. Each next hop is one hop closer
 * to the destination, so no route loops.
 */
export function staticRoutes(topology: Topology, gatewayAttachments: readonly string[]): RouteTables {
  const neighbours = neighboursOf(topology);
  const tables = new Map<string, Record<string, string>>(topology.nodes.map((node) => [node, {}]));
  const gatewayTable: Record<string, string> = {};
  for (const destination of topology.nodes) {
    const hops = hopCounts(neighbours, destination);
    for (const node of topology.nodes) {
      const distance = hops.get(node);
      if (distance === undefined || distance < 2) continue;
      tables.get(node)![destination] = closerNeighbour(neighbours.get(node)!, hops, distance);
    }
    // The gateway is one hop beyond the attached node closest to the destination.
    const viaAttached = nearest(gatewayAttachments, hops);
    if (viaAttached !== undefined && hops.get(viaAttached)! > 0) gatewayTable[destination] = viaAttached;
  }
  if (gatewayAttachments.length > 0) {
    const links = withGateway(neighbours, gatewayAttachments);
    const hops = hopCounts(links, GATEWAY);
    for (const node of topology.nodes) {
      const distance = hops.get(node);
      if (distance !== undefined) tables.get(node)![DEFAULT_ROUTE] = closerNeighbour(links.get(node)!, hops, distance);
    }
    tables.set(GATEWAY, gatewayTable);
  }
  return Object.fromEntries(tables);
}

/** The first of `candidates` one hop closer than `distance` to where `hops` counts from. */
function closerNeighbour(candidates: readonly string[], hops: ReadonlyMap<string, number>, distance: number): string {
  const closer = candidates.find((candidate) => hops.get(candidate) === distance - 1);
  if (closer === undefined) throw new Error('no neighbour is one hop closer: the hop counts are inconsistent');
  return closer;
}

/** The first of `candidates` with the fewest hops, if any is reached. */
function nearest(candidates: readonly string[], hops: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  for (const candidate of candidates) {
    const distance = hops.get(candidate);
    if (distance !== undefined && (best === undefined || distance < hops.get(best)!)) best = candidate;
  }
  return best;
}

/**
 * A function that gives the nodes a message or a payment from `from` to
 * `to` crosses, both ends included, following `tables` as the router does
 * (the destination's own entry, else a neighbour directly, else the default
 * route). The gateway may be either end. Undefined when the route breaks or loops.
 */
export function routeFinder(topology: Topology, tables: RouteTables | RouteLookup): (from: string, to: string) => string[] | undefined {
  const entry: RouteLookup = typeof tables === 'function' ? tables : (owner, destination) => tables[owner]?.[destination];
  const neighbours = neighboursOf(topology);
  const attached = topology.nodes.filter((node) => entry(node, DEFAULT_ROUTE) === GATEWAY);
  neighbours.set(GATEWAY, attached);
  for (const node of attached) neighbours.get(node)!.push(GATEWAY);
  return (from, to) => {
    const path = [from];
    const visited = new Set(path);
    let node = from;
    while (node !== to) {
      const next = entry(node, to) ?? (neighbours.get(node)?.includes(to) ? to : entry(node, DEFAULT_ROUTE));
      if (next === undefined || visited.has(next)) return undefined;
      path.push(next);
      visited.add(next);
      node = next;
    }
    return path;
  };
}

/** `owner`'s table entry for `destination` (a name, or `*`), by names, as `RouteTables` holds it: what `routeFinder` follows. */
export type RouteLookup = (owner: string, destination: string) => string | undefined;

function listSome(names: readonly string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
