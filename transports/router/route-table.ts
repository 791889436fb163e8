/**
 * The static route table from the node's config: for each destination node
 * id, the neighbour that leads there, and under `*` the default route (the
 * way to the gateway, which appointments and other gateway-bound traffic
 * follow). No gossip: a mesh of a few dozen radios is configured by hand,
 * and every byte of routing chatter would cost airtime.
 */
import { InvalidInputError, checkInteger, checkObject } from '../../node/core/input.js';
import { isPublicKey } from '../../node/core/curve.js';

/** The key of the default route. */
export const DEFAULT_ROUTE = '*';
/** Entries at most: a table this large is a mistake, not a mesh. */
export const MAX_ROUTES = 10_000;
/** Channels on a static path at most (`routeLengths`): BOLT 4's 20 hops, with room. */
export const MAX_ROUTE_LENGTH = 64;

/**
 * What the router forwards by and the channel manager pays along: one table
 * per node, passed to both. Ids are lower-case hex. `RouteTable` is the
 * default, read from the config; the simulator passes views of one table
 * shared by all its nodes (`sim/route-matrix.ts`), so that 500 nodes do not
 * hold 500 copies of 499 routes.
 */
export interface StaticRoutes {
  /** The neighbour `destination`'s own entry names, ignoring the default route. */
  explicitRoute(destination: string): string | undefined;
  /** The neighbour for destinations without an entry, if any. */
  readonly defaultRoute: string | undefined;
  /** Destinations with an entry of their own. */
  destinations(): Iterable<string>;
  /** Channels on the static path to `destination`, when known to be more than two (the config's `routeLengths`). */
  channelsTo(destination: string): number | undefined;
}

export class RouteTable implements StaticRoutes {
  private constructor(
    private readonly routes: ReadonlyMap<string, string>,
    /** The neighbour for destinations without an entry, if any. */
    readonly defaultRoute: string | undefined,
    private readonly lengths: ReadonlyMap<string, number>,
  ) {}

  /**
   * Checks a table as written in the config (`{ "<node id hex>": "<neighbour id hex>", "*": "<neighbour id hex>" }`).
   * Ids are 33-byte compressed keys in hex, either case; an entry that is
   * not one, or a destination listed twice, is an `InvalidInputError` naming it.
   * `routeLengths` (destination to the channels on its path, 2 to 64) is
   * checked the same way.
   */
  static parse(table: Readonly<Record<string, string>>, field = 'routes', routeLengths: Readonly<Record<string, number>> = {}): RouteTable {
    checkObject(field, table);
    const entries = Object.entries(table);
    if (entries.length > MAX_ROUTES) throw new InvalidInputError(field, `${entries.length} entries, more than the ${MAX_ROUTES} allowed`);
    const routes = new Map<string, string>();
    let defaultRoute: string | undefined;
    for (const [destination, nextHop] of entries) {
      const entryField = `${field}[${JSON.stringify(destination)}]`;
      const neighbour = nodeIdOf(entryField, nextHop, 'the next hop');
      if (destination === DEFAULT_ROUTE) {
        defaultRoute = neighbour;
        continue;
      }
      const id = nodeIdOf(entryField, destination, 'the destination');
      if (routes.has(id)) throw new InvalidInputError(entryField, `destination ${id} is listed twice`);
      routes.set(id, neighbour);
    }
    return new RouteTable(routes, defaultRoute, parseLengths(routeLengths));
  }

  /** The neighbour an envelope for `destination` goes to: its own entry, else the default route, else undefined. */
  nextHop(destination: string): string | undefined {
    return this.routes.get(destination.toLowerCase()) ?? this.defaultRoute;
  }

  /** The neighbour of `destination`'s own entry, ignoring the default route. */
  explicitRoute(destination: string): string | undefined {
    return this.routes.get(destination.toLowerCase());
  }

  /** Every neighbour some entry leads to, the default route's included. */
  nextHops(): Set<string> {
    const hops = new Set(this.routes.values());
    if (this.defaultRoute) hops.add(this.defaultRoute);
    return hops;
  }

  destinations(): Iterable<string> {
    return this.routes.keys();
  }

  channelsTo(destination: string): number | undefined {
    return this.lengths.get(destination.toLowerCase());
  }
}

/** Every entry leads to one of our `neighbours`, and none is a route to ourselves (`nodeId`); else an `InvalidInputError` naming the entry. */
export function checkRoutesFrom(routes: StaticRoutes, nodeId: string, neighbours: ReadonlySet<string>): void {
  const entries: [string, string | undefined][] = [[DEFAULT_ROUTE, routes.defaultRoute]];
  for (const destination of routes.destinations()) entries.push([destination, routes.explicitRoute(destination)]);
  for (const [destination, nextHop] of entries) {
    const field = `routes[${JSON.stringify(destination)}]`;
    if (nextHop !== undefined && !neighbours.has(nextHop)) throw new InvalidInputError(field, `the next hop ${nextHop} is not one of our neighbours`);
    if (destination === nodeId) throw new InvalidInputError(field, 'is a route to ourselves');
  }
}

function parseLengths(routeLengths: Readonly<Record<string, number>>): Map<string, number> {
  checkObject('routeLengths', routeLengths);
  const lengths = new Map<string, number>();
  for (const [destination, length] of Object.entries(routeLengths)) {
    const field = `routeLengths[${JSON.stringify(destination)}]`;
    lengths.set(nodeIdOf(field, destination, 'the destination'), checkInteger(field, length, 2, MAX_ROUTE_LENGTH));
  }
  return lengths;
}

/** A node id as the table keeps it: lowercase hex of a valid compressed key. */
export function nodeIdOf(field: string, value: unknown, what: string): string {
  // Every envelope sent names its destination: ids already checked skip the curve.
  if (typeof value === 'string' && checkedNodeIds.has(value)) return value;
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{66}$/.test(value)) {
    throw new InvalidInputError(field, `${what} must be a node id (33 bytes in hex, 66 characters), got ${typeof value === 'string' ? JSON.stringify(value.length > 70 ? `${value.slice(0, 70)}...` : value) : typeof value}`);
  }
  const bytes = Uint8Array.from(Buffer.from(value, 'hex'));
  if (!isPublicKey(bytes)) throw new InvalidInputError(field, `${what} ${value} is not a valid compressed secp256k1 key`);
  const id = value.toLowerCase();
  if (checkedNodeIds.size >= CHECKED_NODE_IDS_MAX) checkedNodeIds.delete(checkedNodeIds.values().next().value!);
  checkedNodeIds.add(id);
  return id;
}

/** Node ids (lower-case hex) found valid; bounded, the oldest goes first. */
const checkedNodeIds = new Set<string>();
const CHECKED_NODE_IDS_MAX = 4096;
