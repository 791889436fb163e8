/**
 * The static route table from the node's config: for each destination node
 * id, the neighbour that leads there, and under `*` the default route (the
 * way to the gateway, which appointments and other gateway-bound traffic
 * follow). No gossip: a mesh of a few dozen radios is configured by hand,
 * and every byte of routing chatter would cost airtime.
 */
import { InvalidInputError, checkObject } from '../../node/core/input.js';
import { isPublicKey } from '../../node/core/curve.js';

/** The key of the default route. */
export const DEFAULT_ROUTE = '*';
/** Entries at most: a table this large is a mistake, not a mesh. */
export const MAX_ROUTES = 10_000;

export class RouteTable {
  private constructor(
    private readonly routes: ReadonlyMap<string, string>,
    /** The neighbour for destinations without an entry, if any. */
    readonly defaultRoute: string | undefined,
  ) {}

  /**
   * Checks a table as written in the config (`{ "<node id hex>": "<neighbour id hex>", "*": "<neighbour id hex>" }`).
   * Ids are 33-byte compressed keys in hex, either case; an entry that is
   * not one, or a destination listed twice, is an `InvalidInputError` naming it.
   */
  static parse(table: Readonly<Record<string, string>>, field = 'routes'): RouteTable {
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
    return new RouteTable(routes, defaultRoute);
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

  /** Destinations with an entry of their own. */
  destinations(): string[] {
    return [...this.routes.keys()];
  }
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
