// LDK's futures outlive a garbage collection. The node waits on LDK's
// futures (events to handle, state to persist) with a callback; in
// lightningdevkit a Future holds its callback, so a Future dropped after
// registering let the collector take the callback, and LDK's call to it
// then killed the process ("Got function call on GC'd JS object!"). Found by
// bench/bridge.ts, whose payments over LoRa leave the collector time. Here:
// full collections while both nodes wait, then a channel opened, which
// fires both nodes' futures.
import t from 'tap';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { eventually } from '../../../sim/kit/poll.js';
import { LOOPBACK, eventOf, startChain, startNode } from './lightning-test-kit.js';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const WAIT_MS = 20_000;

t.test('a channel opens after full garbage collections: the futures the nodes wait on are kept', async (t) => {
  const chain = await startChain(t);
  const a = await startNode(t, chain, 51, { coinHeights: [6] });
  const b = await startNode(t, chain, 52);
  // A WeakRef's target is kept until the job that made it ends: collect across several turns.
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    collect();
  }
  await a.node.connect(b.node.nodeId, LOOPBACK, await b.node.listen());
  await eventually('peers', () => (a.node.peers().length === 1 && b.node.peers().length === 1 ? true : undefined), WAIT_MS, 20);
  await a.node.openChannel(b.node.nodeId, 100_000);
  const pending = await eventually('the channel pending on both sides', () => (eventOf(b.events, 'channel-pending') ? eventOf(a.events, 'channel-pending') : undefined), WAIT_MS, 20);
  t.match(pending, { type: 'channel-pending', peerNodeId: Buffer.from(b.node.nodeId).toString('hex') }, 'A opened it, alive');
});
