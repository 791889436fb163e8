// Opening a channel when it cannot be funded or opened: the wallet refuses
// (no coins), the node id is no peer, the input is bad. Each is refused
// with a typed error, and nothing is left behind on either side.
import t from 'tap';
import { LightningError } from '../../../gateway/lightning/lightning-errors.js';
import { eventually } from '../../../sim/kit/poll.js';
import { LOOPBACK, eventOf, startChain, startNode } from './lightning-test-kit.js';

const chain = await startChain(t);
const WAIT_MS = 20_000;

t.test('a wallet that cannot pay: the channel is dropped on both sides and openChannel rejects', async (t) => {
  const a = await startNode(t, chain, 1); // a test wallet with no coins
  const b = await startNode(t, chain, 2);
  await a.node.connect(b.node.nodeId, LOOPBACK, await b.node.listen());
  await eventually('peers', () => (a.node.peers().length === 1 && b.node.peers().length === 1 ? true : undefined), WAIT_MS, 20);

  await t.rejects(a.node.openChannel(b.node.nodeId, 100_000), { name: 'LightningError', code: 'funding-failed', message: /the wallet cannot fund it: the wallet has 0 sat it can spend but this needs 110000 sat/ });
  const failed = eventOf(a.events, 'channel-funding-failed');
  t.ok(failed, 'channel-funding-failed is told');
  t.match(failed?.reason, /needs 110000 sat .*send it at least 110000 sat more/, 'with the wallet’s words: what it holds, what it needs');
  t.same(a.node.channels(), [], 'A keeps no channel');
  await eventually('B to drop it too', () => (b.node.channels().length === 0 ? true : undefined), WAIT_MS, 20);
  t.equal(a.node.peers().length, 1, 'and the peers stay connected');
});

t.test('opening to a node that is no peer, or with bad amounts, is refused and changes nothing', async (t) => {
  const a = await startNode(t, chain, 3, { coinHeights: [4] });
  const stranger = new Uint8Array(33).fill(2);
  await t.rejects(a.node.openChannel(stranger, 100_000), { code: 'channel-refused', message: /cannot open a channel to 0202.*: .*/ });
  await t.rejects(a.node.openChannel(new Uint8Array(32), 100_000), /nodeId: expected 33 bytes/);
  await t.rejects(a.node.openChannel(stranger, 0), /satoshis/);
  await t.rejects(a.node.openChannel(stranger, 100_000, { pushMsat: 100_000_001 }), /pushMsat/);
  t.same(a.node.channels(), [], 'no channel');
  t.throws(() => a.node.closeChannel('00'.repeat(32)), new LightningError('unknown-channel', `no open channel ${'00'.repeat(32)}`));
});
