// The static route table as the config gives it: destination (or *) to neighbour, checked entry by entry.
import t from 'tap';
import { InvalidInputError } from '../../../node/core/input.js';
import { DEFAULT_ROUTE, RouteTable, checkRoutesFrom } from '../../../transports/router/route-table.js';
import { makeNode } from '../../../sim/kit/link-node.js';

const [gateway, relay, other, far] = ['gateway', 'relay', 'other', 'far'].map(makeNode);

function failure(table: Record<string, string>): { field: string; reason: string } | undefined {
  try {
    RouteTable.parse(table);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidInputError) return { field: error.field, reason: error.reason };
    throw error;
  }
}

t.test('next hops: a destination its own entry, anyone else the default route', async (t) => {
  const table = RouteTable.parse({ [far!.id]: other!.id, [DEFAULT_ROUTE]: relay!.id });
  t.equal(table.nextHop(far!.id), other!.id);
  t.equal(table.nextHop(far!.id.toUpperCase()), other!.id, 'ids in either case');
  t.equal(table.nextHop(gateway!.id), relay!.id, 'the gateway, with no entry, by the default route');
  t.equal(table.defaultRoute, relay!.id);
  t.same([...table.nextHops()].sort(), [other!.id, relay!.id].sort());
  t.same([...table.destinations()], [far!.id]);

  const noDefault = RouteTable.parse({ [far!.id.toUpperCase()]: other!.id.toUpperCase() });
  t.equal(noDefault.nextHop(far!.id), other!.id, 'stored lowercase');
  t.equal(noDefault.nextHop(gateway!.id), undefined, 'no entry, no default: no next hop');
  t.equal(RouteTable.parse({}).nextHop(far!.id), undefined, 'an empty table is a valid table');
});

t.test('a bad entry is an InvalidInputError naming it', async (t) => {
  t.same(failure({ '02abcd': relay!.id }), { field: 'routes["02abcd"]', reason: 'the destination must be a node id (33 bytes in hex, 66 characters), got "02abcd"' });
  t.match(failure({ [far!.id]: 'relay' }), { field: `routes["${far!.id}"]`, reason: /next hop must be a node id/ });
  t.match(failure({ '*': `04${'11'.repeat(32)}` }), { field: 'routes["*"]', reason: /next hop 04(11)+ is not a valid compressed secp256k1 key/ }, '33 bytes, but not a compressed key');
  t.match(failure({ [`02${'00'.repeat(32)}`]: relay!.id }), { field: /routes\["020+"\]/, reason: /not a valid compressed secp256k1 key/ }, 'x = 0 is not on the curve');
  t.match(failure({ [far!.id]: relay!.id, [far!.id.toUpperCase()]: other!.id }), { reason: /listed twice/ }, 'one destination twice, in two cases');
  t.match(failure({ [far!.id]: 5 as unknown as string }), { reason: /got number/ });
  t.match(failure(null as unknown as Record<string, string>), { field: 'routes', reason: /expected an object/ });
  t.match(failure(Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, 'x']))), { field: 'routes', reason: /more than the 10000 allowed/ });
});

t.test('route lengths: the channels on a path to a destination, more than two, checked as the routes are', async (t) => {
  const table = RouteTable.parse({ [far!.id]: other!.id }, 'routes', { [far!.id.toUpperCase()]: 4 });
  t.equal(table.channelsTo(far!.id), 4, 'its own length, the id in either case');
  t.equal(table.channelsTo(gateway!.id), undefined, 'none given: the caller assumes two');
  const lengthFailure = (lengths: Record<string, number>) => t.throws(() => RouteTable.parse({}, 'routes', lengths), InvalidInputError);
  lengthFailure({ [far!.id]: 1 });
  lengthFailure({ [far!.id]: 65 });
  lengthFailure({ [far!.id]: 2.5 });
  lengthFailure({ relay: 3 });
});

t.test('checkRoutesFrom: every next hop a neighbour, no route to ourselves, the bad entry named', async (t) => {
  const fieldOf = (check: () => void) => {
    try {
      check();
      return undefined;
    } catch (error) {
      return (error as InvalidInputError).field;
    }
  };
  const table = RouteTable.parse({ [far!.id]: other!.id, [DEFAULT_ROUTE]: relay!.id });
  t.equal(fieldOf(() => checkRoutesFrom(table, gateway!.id, new Set([other!.id, relay!.id]))), undefined, 'all next hops are neighbours');
  t.equal(fieldOf(() => checkRoutesFrom(table, gateway!.id, new Set([relay!.id]))), `routes[${JSON.stringify(far!.id)}]`, 'a next hop that is no neighbour');
  t.equal(fieldOf(() => checkRoutesFrom(table, gateway!.id, new Set([other!.id]))), 'routes["*"]', 'a default route to no neighbour');
  t.equal(fieldOf(() => checkRoutesFrom(table, far!.id, new Set([other!.id, relay!.id]))), `routes[${JSON.stringify(far!.id)}]`, 'a route to ourselves');
});
