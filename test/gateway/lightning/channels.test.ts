// A force close on a real regtest chain: A broadcasts its commitment, both
// see the channel closed, and what LDK hands over as spendable (B's output
// at once, A's after its delay) is on disk under spendable_outputs/ for a
// sweeper: nothing is forgotten.
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SPENDABLE_OUTPUTS_DIR } from '../../../gateway/lightning/spendable-outputs.js';
import { eventually } from '../../../sim/kit/poll.js';
import { LOOPBACK, eventOf, startChain, startNode, type TestNode } from './lightning-test-kit.js';

const chain = await startChain(t);
const WAIT_MS = 20_000;

function spendable(side: TestNode): string[] {
  const directory = join(side.dataDir, SPENDABLE_OUTPUTS_DIR);
  return existsSync(directory) ? readdirSync(directory).filter((name) => !name.startsWith('.')) : [];
}

t.test('a force close: both see it closed, and their outputs are kept on disk as they become spendable', async (t) => {
  const a = await startNode(t, chain, 1, { coinHeights: [5] });
  const b = await startNode(t, chain, 2);
  await a.node.connect(b.node.nodeId, LOOPBACK, await b.node.listen());
  await eventually('peers', () => (a.node.peers().length === 1 ? true : undefined), WAIT_MS, 20);
  const channelId = await a.node.openChannel(b.node.nodeId, 500_000, { pushMsat: 100_000_000 });
  const { fundingTxid } = await eventually('channel-pending', () => eventOf(a.events, 'channel-pending'), WAIT_MS, 20);
  await eventually('the funding in the mempool', async () => ((await chain.status(fundingTxid)).state === 'mempool' ? true : undefined), WAIT_MS, 20);
  await chain.mine(6);
  await eventually('usable', () => (a.node.channels()[0]?.usable && b.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);

  // A's commitment reaches the mempool (heard from before the close: LDK may broadcast it at once), then six
  // blocks: LDK's anti-reorg delay.
  let commitment: string | undefined;
  chain.on('transaction', (tx) => void (commitment ??= tx.ins.some((input) => Buffer.from(input.hash).reverse().toString('hex') === fundingTxid) ? tx.getId() : undefined));
  a.node.closeChannel(channelId, { force: true });
  const closed = await eventually('A sees it closed', () => eventOf(a.events, 'channel-closed'), WAIT_MS, 20);
  t.equal(closed.channelId, channelId);
  t.match(closed.reason, /force|closed by the operator/i, 'LDK says why');
  t.same(a.node.channels(), [], 'A lists it no more');
  await eventually('the commitment broadcast', () => commitment, WAIT_MS, 20);
  await chain.mine(6);
  await eventually('B sees it closed', () => eventOf(b.events, 'channel-closed'), WAIT_MS, 20);
  await eventually('B’s output kept on disk', () => (spendable(b).length === 1 ? true : undefined), WAIT_MS, 20);
  t.same(spendable(a), [], 'A’s own output waits for its delay');
  await chain.mine(144);
  await eventually('A’s output kept on disk after its delay', () => (spendable(a).length === 1 ? true : undefined), WAIT_MS, 20);
  t.pass('each side has its spendable output on disk');
});
