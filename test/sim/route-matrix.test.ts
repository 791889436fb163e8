// The simulator's shared route table: each node's view answers as the
// RouteTable its config would give it, and the paths it leads along are
// those of the tables it was built from.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import t from 'tap';
import { RouteTable, checkRoutesFrom } from '../../transports/router/route-table.js';
import { RouteMatrix } from '../../sim/route-matrix.js';
import { DEFAULT_ROUTE, GATEWAY, buildTopology, neighboursOf, routeFinder, staticRoutes } from '../../sim/topology.js';

const noRandomness = (): number => {
  throw new Error('this topology should not draw random numbers');
};

/** A 4 x 5 grid whose gateway is attached to n7, with a node id per name. */
function gridWithGateway() {
  const grid = buildTopology({ kind: 'grid', rows: 4, columns: 5 }, noRandomness);
  const names = [...grid.nodes, GATEWAY];
  const ids = new Map(names.map((name, index) => [name, bytesToHex(secp256k1.getPublicKey(Uint8Array.from({ length: 32 }, (_, byte) => (byte === 31 ? index + 1 : 0))))]));
  const tables = staticRoutes(grid, ['n7']);
  const matrix = new RouteMatrix(names, (name) => tables[name] ?? {}, (name) => ids.get(name)!);
  const findRoute = routeFinder(grid, tables);
  matrix.countChannels(findRoute);
  return { grid, names, ids, tables, matrix, findRoute };
}

t.test("each node's view answers as the RouteTable of its own table, in node ids", async (t) => {
  const { names, ids, tables, matrix, findRoute } = gridWithGateway();
  for (const owner of names) {
    const byId = Object.fromEntries(Object.entries(tables[owner]!).map(([destination, next]) => [destination === DEFAULT_ROUTE ? DEFAULT_ROUTE : ids.get(destination)!, ids.get(next)!]));
    const lengths = Object.fromEntries(names.flatMap((other) => {
      const path = other === owner ? undefined : findRoute(owner, other);
      return path && path.length > 3 ? [[ids.get(other)!, path.length - 1]] : [];
    }));
    const expected = RouteTable.parse(byId, 'routes', lengths);
    const view = matrix.routesOf(owner);
    t.same([...view.destinations()], [...expected.destinations()], `${owner}: the same destinations, in the same order`);
    t.equal(view.defaultRoute, expected.defaultRoute, `${owner}: the same default route`);
    for (const other of names) {
      const id = ids.get(other)!;
      t.equal(view.explicitRoute(id), expected.explicitRoute(id), `${owner} to ${other}: the same entry`);
      t.equal(view.explicitRoute(id.toUpperCase()), expected.explicitRoute(id), `${owner} to ${other}: the id in either case`);
      t.equal(view.channelsTo(id), expected.channelsTo(id), `${owner} to ${other}: the same channels on the path`);
    }
    t.same(matrix.tableByName(owner), tables[owner], `${owner}: its table by names, as staticRoutes gave it`);
  }
});

t.test('the views pass the router\'s checks, and an id the matrix does not know has no route', async (t) => {
  const { grid, ids, matrix } = gridWithGateway();
  const neighbours = neighboursOf(grid);
  for (const owner of grid.nodes) {
    const own = new Set([...neighbours.get(owner)!, ...(owner === 'n7' ? [GATEWAY] : [])].map((name) => ids.get(name)!));
    t.doesNotThrow(() => checkRoutesFrom(matrix.routesOf(owner), ids.get(owner)!, own), `${owner}: every next hop is a neighbour`);
  }
  const stranger = bytesToHex(secp256k1.getPublicKey(Uint8Array.from({ length: 32 }, (_, byte) => (byte === 31 ? 200 : 0))));
  t.equal(matrix.routesOf('n0').explicitRoute(stranger), undefined);
  t.equal(matrix.routesOf('n0').channelsTo(stranger), undefined);
  t.throws(() => matrix.routesOf('n99'), RangeError, 'a name not in the matrix');
});

t.test('routes followed through the matrix are the paths of the tables it was built from', async (t) => {
  const { grid, names, matrix, findRoute } = gridWithGateway();
  const throughMatrix = routeFinder(grid, (owner, destination) => matrix.nextHopByName(owner, destination));
  for (const from of names) for (const to of names) t.same(throughMatrix(from, to), findRoute(from, to), `${from} to ${to}`);
});
