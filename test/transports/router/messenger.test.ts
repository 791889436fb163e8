// The router as a ChannelManager's Messenger: a peer two hops away, and the way back to handleMessage.
import t from 'tap';
import { hex } from '../../../sim/kit/link-node.js';
import { deliverToHandler, routerMessenger } from '../../../transports/router/messenger.js';
import { createMesh, lineEdges, lineRoutes } from './router-network.js';

t.test('messages to a non-neighbour peer go through the router and come back to handleMessage under the sender id', async (t) => {
  const names = ['A', 'B', 'C'];
  const mesh = await createMesh(names, lineEdges(names), { routes: lineRoutes(names) });
  const [a, b, c] = names.map(mesh.node);
  const handled: string[] = [];
  const undo = deliverToHandler(c!.router, { handleMessage: (peer, bytes) => handled.push(`${peer}:${hex(bytes)}`) });
  const messenger = routerMessenger(a!.router);
  messenger.send(c!.id, Uint8Array.of(1, 2, 3));
  messenger.send(c!.id, Uint8Array.of(4));
  t.ok(await mesh.clock.runUntil(() => handled.length === 2, 60_000));
  t.same(handled, [`${a!.id}:010203`, `${a!.id}:04`], 'in order, as from A, not from the relay B');
  t.equal(b!.router.counters.forwarded, 2);
  undo();
  messenger.send(c!.id, Uint8Array.of(5));
  t.ok(await mesh.clock.runUntil(() => c!.received.length === 3, 60_000));
  t.equal(handled.length, 2, 'undone: no longer handed over');
  t.throws(() => routerMessenger(a!.router).send('not a node id', Uint8Array.of(1)), { name: 'InvalidInputError' }, 'a bad peer id is the caller’s error');
  await mesh.stop();
});
