/**
 * Every simulated node's static routes in one table: for each pair of nodes,
 * the index of the next hop and the channels on the path, in typed arrays.
 *
 * A mesh of N nodes has about N² routes. As one `Record` of ids per node,
 * 500 nodes held 250,000 entries several times over (the simulator's copy,
 * each node's init, its router's table, its channel manager's, its
 * `routeLengths`): about 60 of the 200 MB a grid500 held after ten virtual
 * minutes. Here they take 3 bytes a pair, and each node gets a view
 * (`routesOf`) that answers as its `RouteTable` would.
 */
import type { StaticRoutes } from '../transports/router/route-table.js';
import { DEFAULT_ROUTE } from './topology.js';

/** No entry: the destination is a neighbour, the node itself, or unreachable. */
const NONE = 0xffff;
/** Nodes at most: indexes are 16 bits, with NONE kept out. */
export const MAX_MATRIX_NODES = NONE;

export class RouteMatrix {
  private readonly indexOfName = new Map<string, number>();
  private readonly indexOfId = new Map<string, number>();
  /** next[owner * size + destination]: the next hop's index, or NONE. */
  private readonly next: Uint16Array;
  /** The default route's next hop per owner, or NONE. */
  private readonly defaults: Uint16Array;
  /** channels[owner * size + destination]: channels on the path when more than two, else 0. */
  private readonly channels: Uint8Array;
  private readonly size: number;
  /** Each node's id (lower-case hex), by index. */
  private readonly ids: readonly string[];

  /**
   * `names` are the nodes (the gateway included, if it routes), `tables`
   * each one's routes by name (`staticRoutes`, with what `nodeRoutes` adds),
   * `idOf` a name's node id (lower-case hex). Neither function is kept:
   * a closure would keep its context (the tables by names) with it.
   */
  constructor(
    private readonly names: readonly string[],
    tableOf: (name: string) => Readonly<Record<string, string>>,
    idOf: (name: string) => string,
  ) {
    if (names.length > MAX_MATRIX_NODES) throw new RangeError(`${names.length} nodes: the route matrix holds at most ${MAX_MATRIX_NODES}`);
    this.size = names.length;
    this.ids = names.map(idOf);
    names.forEach((name, index) => {
      this.indexOfName.set(name, index);
      this.indexOfId.set(this.ids[index]!, index);
    });
    this.next = new Uint16Array(this.size * this.size).fill(NONE);
    this.defaults = new Uint16Array(this.size).fill(NONE);
    this.channels = new Uint8Array(this.size * this.size);
    names.forEach((owner, row) => {
      for (const [destination, hop] of Object.entries(tableOf(owner))) {
        const next = this.indexOfName.get(hop)!;
        if (destination === DEFAULT_ROUTE) this.defaults[row] = next;
        else this.next[row * this.size + this.indexOfName.get(destination)!] = next;
      }
    });
  }

  /**
   * Fills in the channels on each path, walking `path` (the routes followed
   * as nodes do, neighbours reached directly): needed once, after the
   * matrix is built, by the channel managers' fees and expiries.
   */
  countChannels(path: (from: string, to: string) => readonly string[] | undefined): void {
    this.names.forEach((owner, row) => {
      this.names.forEach((destination, column) => {
        const nodes = row === column ? undefined : path(owner, destination);
        if (nodes && nodes.length > 3) this.channels[row * this.size + column] = Math.min(255, nodes.length - 1);
      });
    });
  }

  /** `from`'s table entry for `to` (a name, or `*` for the default route) by names, as in `RouteTables`; undefined without one. */
  nextHopByName(from: string, to: string): string | undefined {
    const row = this.indexOfName.get(from);
    if (row === undefined) return undefined;
    const hop = to === DEFAULT_ROUTE ? this.defaults[row]! : this.entry(row, this.indexOfName.get(to));
    return hop === NONE ? undefined : this.names[hop];
  }

  /** `owner`'s table by names, as `staticRoutes` gave it (its default route under `*`). */
  tableByName(owner: string): Record<string, string> {
    const table: Record<string, string> = {};
    for (const destination of [...this.names, DEFAULT_ROUTE]) {
      const hop = this.nextHopByName(owner, destination);
      if (hop !== undefined) table[destination] = hop;
    }
    return table;
  }

  /** `owner`'s routes as its router and channel manager read them: node ids, as its `RouteTable` would answer. */
  routesOf(owner: string): StaticRoutes {
    const row = this.indexOfName.get(owner);
    if (row === undefined) throw new RangeError(`${owner} is not in the route matrix`);
    const matrix = this;
    const idAt = (index: number) => (index === NONE ? undefined : matrix.ids[index]);
    const columnOf = (destination: string) => matrix.indexOfId.get(destination) ?? matrix.indexOfId.get(destination.toLowerCase());
    return {
      defaultRoute: idAt(this.defaults[row]!),
      explicitRoute: (destination) => idAt(matrix.entry(row, columnOf(destination))),
      *destinations() {
        for (let column = 0; column < matrix.size; column++) if (matrix.entry(row, column) !== NONE) yield matrix.ids[column]!;
      },
      channelsTo: (destination) => {
        const column = columnOf(destination);
        const channels = column === undefined ? 0 : matrix.channels[row * matrix.size + column]!;
        return channels === 0 ? undefined : channels;
      },
    };
  }

  private entry(row: number, column: number | undefined): number {
    return column === undefined ? NONE : this.next[row * this.size + column]!;
  }
}
