// The LDK bindings hold a JavaScript callback only weakly (through the object
// it was handed to): a LightningNode must keep alive what LDK will call back
// later. Here the garbage collector runs hard between steps (the test exposes
// it) and the node must carry on: connect, open a channel, pay. A callback
// collected too early shows as "Got function call on GC'd JS object!" from
// inside LDK, failing the call that woke it.
import t from 'tap';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { eventually } from '../../../sim/kit/poll.js';
import { LOOPBACK, eventOf, startChain, startNode } from './lightning-test-kit.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** A full collection, twice (weak references are cleared on the collection after the one that found them unreachable). */
const collect = async () => {
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
};
const WAIT_MS = 20_000;

t.test('a LightningNode keeps alive every callback LDK will make: the garbage collector between steps changes nothing', async (t) => {
  const chain = await startChain(t);
  let a = await startNode(t, chain, 11, { coinHeights: [1] });
  const b = await startNode(t, chain, 12);
  const port = await b.node.listen();
  await collect();
  await a.node.connect(b.node.nodeId, LOOPBACK, port);
  await eventually('the peers to connect', () => (a.node.peers().length > 0 && b.node.peers().length > 0 ? true : undefined), WAIT_MS, 20);
  await collect();
  await a.node.openChannel(b.node.nodeId, 500_000);
  const pending = await eventually('channel-pending', () => eventOf(a.events, 'channel-pending'), WAIT_MS, 20);
  await eventually('the funding in the mempool', async () => ((await chain.status(pending.fundingTxid)).state === 'mempool' ? true : undefined), WAIT_MS, 20);
  await chain.mine(6);
  await eventually('the channel usable', () => (a.node.channels()[0]?.usable && b.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);
  await collect();
  const invoice = b.node.createInvoice({ amountMsat: 10_000_000, description: 'after a collection', expirySecs: 600 });
  await collect();
  const sent = await a.node.payInvoice(invoice.bolt11);
  t.equal(sent.paymentHash, invoice.paymentHash, 'paid, with collections between every step');
  const claimed = await eventually('B to claim', () => eventOf(b.events, 'payment-claimed', (event) => event.paymentHash === invoice.paymentHash), WAIT_MS, 20);
  t.equal(claimed.amountMsat, 10_000_000, 'B claimed what it was paid');

  // Restarted, A reads its channel manager and monitors back (another way into LDK, with its own references).
  await a.node.stop();
  a = await startNode(t, chain, 11, { dataDir: a.dataDir, wallet: a.wallet });
  await collect();
  await a.node.connect(b.node.nodeId, LOOPBACK, port);
  await eventually('the channel usable again', () => (a.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);
  await collect();
  const second = b.node.createInvoice({ amountMsat: 20_000_000, description: 'after a restart and a collection', expirySecs: 600 });
  await collect();
  t.equal((await a.node.payInvoice(second.bolt11)).paymentHash, second.paymentHash, 'paid again after a restart');
  await eventually('B to claim again', () => eventOf(b.events, 'payment-claimed', (event) => event.paymentHash === second.paymentHash), WAIT_MS, 20);
  await a.node.stop();
  await collect();
  t.pass('stopped after a collection');
});
