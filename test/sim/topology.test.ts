import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import t from 'tap';
import { RouteTable } from '../../transports/router/route-table.js';
import { SeededRandom } from '../../sim/random.js';
import { DEFAULT_ROUTE, GATEWAY, type Topology, type TopologySpec, buildTopology, hopLimitCovering, neighboursOf, routeFinder, staticRoutes } from '../../sim/topology.js';
import { DEFAULT_HOP_LIMIT } from '../../transports/router/router.js';

const noRandomness = (): number => {
  throw new Error('this topology should not draw random numbers');
};

/** Hops between every pair, by breadth-first search: what shortest routes must match. */
function distances(topology: Topology, from: string): Map<string, number> {
  const neighbours = neighboursOf(topology);
  const hops = new Map([[from, 0]]);
  const queue = [from];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of neighbours.get(node)!) {
      if (!hops.has(next)) {
        hops.set(next, hops.get(node)! + 1);
        queue.push(next);
      }
    }
  }
  return hops;
}

function isConnected(topology: Topology): boolean {
  return distances(topology, topology.nodes[0]!).size === topology.nodes.length;
}

t.test('a line: n0 - n1 - ... in order', async (t) => {
  const line = buildTopology({ kind: 'line', nodes: 4 }, noRandomness);
  t.same(line.nodes, ['n0', 'n1', 'n2', 'n3']);
  t.same(line.edges, [
    ['n0', 'n1'],
    ['n1', 'n2'],
    ['n2', 'n3'],
  ]);
  t.same(line.positions?.n3, { x: 3, y: 0 });
});

t.test('a star: n0 in the middle, everyone its neighbour only', async (t) => {
  const star = buildTopology({ kind: 'star', nodes: 5 }, noRandomness);
  t.equal(star.edges.length, 4);
  t.ok(star.edges.every(([hub]) => hub === 'n0'));
  t.same(star.positions?.n0, { x: 0, y: 0 });
  t.ok(Math.abs(Math.hypot(star.positions!.n3!.x, star.positions!.n3!.y) - 1) < 1e-9, 'spokes on the unit circle');
});

t.test('a grid: row-major names, links left-right and up-down', async (t) => {
  const grid = buildTopology({ kind: 'grid', rows: 5, columns: 10 }, noRandomness);
  t.equal(grid.nodes.length, 50);
  t.equal(grid.edges.length, 5 * 9 + 10 * 4);
  const neighbours = neighboursOf(grid);
  t.same(neighbours.get('n0')?.sort(), ['n1', 'n10'], 'a corner has two');
  t.same(neighbours.get('n24')?.sort(), ['n14', 'n23', 'n25', 'n34'], 'an inner node has four');
  t.same(grid.positions?.n24, { x: 4, y: 2 });
  t.ok(isConnected(grid));
});

t.test('a random geometric mesh is connected, and the same seed draws the same mesh', async (t) => {
  const spec: TopologySpec = { kind: 'random', nodes: 40, radius: 0.3 };
  const first = buildTopology(spec, new SeededRandom(7).next);
  const again = buildTopology(spec, new SeededRandom(7).next);
  const other = buildTopology(spec, new SeededRandom(8).next);
  t.ok(isConnected(first));
  t.same(again, first, 'same seed, same nodes, positions and edges');
  t.not(JSON.stringify(other.edges), JSON.stringify(first.edges), 'another seed, another mesh');
  const tooLong = first.edges.filter(([a, b]) => Math.hypot(first.positions![a]!.x - first.positions![b]!.x, first.positions![a]!.y - first.positions![b]!.y) > 0.3);
  t.same(tooLong, [], 'every link within the radius');
  t.ok(first.edges.length >= 39, 'at least a spanning tree');
});

t.test('a radius too small to connect the mesh is refused with the radius that would', async (t) => {
  t.throws(() => buildTopology({ kind: 'random', nodes: 50, radius: 0.01 }, new SeededRandom(1).next), {
    name: 'TopologyError',
    message: /never connected in 100 draws: raise the radius \(such graphs connect from about 0\.16 up\)/,
  });
});

t.test('a mesh from a list of edges names its nodes in order of appearance', async (t) => {
  const village = buildTopology(
    {
      kind: 'file',
      path: 'village.edges.yaml',
      edges: [
        ['school', 'clinic'],
        ['clinic', 'market'],
        ['clinic', 'well'],
      ],
    },
    noRandomness,
  );
  t.same(village.nodes, ['school', 'clinic', 'market', 'well']);
  t.equal(village.positions, undefined);
  const refusals: [(readonly [string, string])[], RegExp][] = [
    [[['a', 'a']], /links a node to itself/],
    [
      [
        ['a', 'b'],
        ['b', 'a'],
      ],
      /\[b, a\] is listed twice/,
    ],
    [
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      /not connected: c, d cannot reach a/,
    ],
    [[['a', GATEWAY]], /the gateway's name/],
    [[], /at least two nodes/],
  ];
  for (const [edges, message] of refusals) {
    t.throws(() => buildTopology({ kind: 'file', path: 'x', edges }, noRandomness), { name: 'TopologyError', message });
  }
});

t.test('static routes on a line: every destination, and the default route toward the gateway', async (t) => {
  const line = buildTopology({ kind: 'line', nodes: 4 }, noRandomness);
  const routes = staticRoutes(line, ['n0']);
  t.same(routes.n3, { n0: 'n2', n1: 'n2', [DEFAULT_ROUTE]: 'n2' }, 'neighbours need no entry');
  t.same(routes.n1, { n3: 'n2', [DEFAULT_ROUTE]: 'n0' });
  t.same(routes.n0, { n2: 'n1', n3: 'n1', [DEFAULT_ROUTE]: GATEWAY });
  t.same(routes[GATEWAY], { n1: 'n0', n2: 'n0', n3: 'n0' }, 'the gateway reaches the nodes through the one it is attached to');
  t.same(routeFinder(line, routes)('n3', GATEWAY), ['n3', 'n2', 'n1', 'n0', GATEWAY]);
  t.same(routeFinder(line, routes)(GATEWAY, 'n3'), [GATEWAY, 'n0', 'n1', 'n2', 'n3']);
});

t.test('with two attachments the gateway is reached, and reaches, by the nearer one', async (t) => {
  const line = buildTopology({ kind: 'line', nodes: 6 }, noRandomness);
  const routes = staticRoutes(line, ['n0', 'n5']);
  t.equal(routes.n1?.[DEFAULT_ROUTE], 'n0');
  t.equal(routes.n4?.[DEFAULT_ROUTE], 'n5');
  t.equal(routes[GATEWAY]?.n1, 'n0');
  t.equal(routes[GATEWAY]?.n4, 'n5');
  t.equal(routes.n1?.n4, 'n2', 'node to node, routes stay in the mesh: the gateway holds no channels');
});

t.test('routes on generated meshes reach every node and the gateway by shortest paths', async (t) => {
  const meshes = fc.oneof(
    fc.record({ kind: fc.constant('grid' as const), rows: fc.integer({ min: 1, max: 7 }), columns: fc.integer({ min: 2, max: 7 }) }),
    fc.record({ kind: fc.constant('star' as const), nodes: fc.integer({ min: 2, max: 12 }) }),
    fc.record({ kind: fc.constant('random' as const), nodes: fc.integer({ min: 2, max: 25 }), radius: fc.constant(0.5) }),
  );
  fc.assert(
    fc.property(meshes, fc.nat(1000), fc.integer({ min: 1, max: 3 }), (spec, seed, attachments) => {
      const topology = buildTopology(spec, new SeededRandom(seed).next);
      const attached = topology.nodes.slice(0, Math.min(attachments, topology.nodes.length));
      const routes = staticRoutes(topology, attached);
      const route = routeFinder(topology, routes);
      for (const from of topology.nodes) {
        const hops = distances(topology, from);
        for (const to of topology.nodes) {
          if (from === to) continue;
          const path = route(from, to);
          if (path?.length !== hops.get(to)! + 1) throw new Error(`${from} to ${to}: ${path?.join(' - ')}, not ${hops.get(to)} hops`);
        }
        const toGateway = route(from, GATEWAY);
        const nearest = Math.min(...attached.map((node) => hops.get(node)!));
        if (toGateway?.length !== nearest + 2) throw new Error(`${from} to the gateway: ${toGateway?.join(' - ')}`);
        if (route(GATEWAY, from)?.length !== nearest + 2) throw new Error(`the gateway to ${from}: ${route(GATEWAY, from)?.join(' - ')}`);
      }
    }),
    { numRuns: 60 },
  );
  t.pass('every route checked against breadth-first distances');
});

t.test("the route tables are what the router reads: node ids to neighbours' ids", async (t) => {
  const grid = buildTopology({ kind: 'grid', rows: 3, columns: 3 }, noRandomness);
  const names = [...grid.nodes, GATEWAY];
  const ids = new Map(names.map((name, index) => [name, bytesToHex(secp256k1.getPublicKey(Uint8Array.from({ length: 32 }, (_, byte) => (byte === 31 ? index + 1 : 0))))]));
  const neighbours = neighboursOf(grid);
  const routes = staticRoutes(grid, ['n4']);
  for (const [owner, table] of Object.entries(routes)) {
    const translated = Object.fromEntries(Object.entries(table).map(([destination, next]) => [destination === DEFAULT_ROUTE ? DEFAULT_ROUTE : ids.get(destination)!, ids.get(next)!]));
    const parsed = RouteTable.parse(translated);
    const ownNeighbours = owner === GATEWAY ? ['n4'] : [...neighbours.get(owner)!, ...(owner === 'n4' ? [GATEWAY] : [])];
    t.ok(
      [...parsed.nextHops()].every((hop) => ownNeighbours.some((name) => ids.get(name) === hop)),
      `${owner}: every next hop is a neighbour`,
    );
    t.equal([...parsed.destinations()].length, owner === GATEWAY ? 8 : 8 - neighbours.get(owner)!.length, `${owner}: an entry per node that is not a neighbour`);
  }
});

t.test('the hop limit covers the longest route, the hop to the gateway included, and is never below the default', async (t) => {
  const line = (nodes: number) => buildTopology({ kind: 'line', nodes }, noRandomness);
  t.equal(hopLimitCovering(line(5), ['n0']), DEFAULT_HOP_LIMIT, 'a short line: the default');
  t.equal(hopLimitCovering(line(10), ['n0']), 10, 'n9 is nine hops from n0 and ten from the gateway behind it');
  t.equal(hopLimitCovering(line(10), ['n0', 'n9']), 9, 'n0 to n9 is the longest then: nodes reach each other over the mesh, not through the gateway');
  t.equal(hopLimitCovering(line(12), []), 11, 'without a gateway: the line itself');
  const grid = buildTopology({ kind: 'grid', rows: 20, columns: 25 }, noRandomness);
  const attached = ['n128', 'n134', 'n140', 'n146', 'n353', 'n359', 'n365', 'n371'];
  t.equal(hopLimitCovering(grid, attached), 43, "grid500: its corners are 43 hops apart; they are 9 from the gateway");
});
