// The chain as LDK sees it, through a LightningNode on a real regtest
// chain: it starts at the tip, follows new blocks and a reorg as they
// happen, and after a restart catches up with blocks mined while it was
// away, undoing what a reorg it missed took out of the chain (a funding
// transaction LDK had seen confirmed is unconfirmed again).
import t from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import { ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import { RegtestCoinbaseWallet } from '../../../gateway/wallet/regtest-coinbase-wallet.js';
import { previousHash } from '../../../gateway/lightning/ldk-chain-feed.js';
import { eventually } from '../../../sim/kit/poll.js';
import { LOOPBACK, eventOf, startChain, startNode } from './lightning-test-kit.js';

const chain = await startChain(t);
const WAIT_MS = 20_000;

/** LDK's own best block (the ChannelManager's), display-order hash. */
function ldkBest(node: LightningNode): { height: number; hash: string } {
  const best = node.channelManager.current_best_block();
  return { height: best.get_height(), hash: bytesToHex(best.get_block_hash().slice().reverse()) };
}

async function caughtUp(node: LightningNode): Promise<void> {
  const tip = await chain.tip();
  await eventually('LDK at the tip', () => (ldkBest(node).hash === tip.hash ? true : undefined), WAIT_MS, 20);
}

t.test('a new node starts at the tip and follows blocks and a live reorg', async (t) => {
  const { node } = await startNode(t, chain, 1);
  t.same(ldkBest(node), await chain.tip(), 'starts at the tip');
  await chain.mine(3);
  await caughtUp(node);
  t.same(node.bestBlock, await chain.tip(), 'three blocks later: at the new tip');
  const replaced = await chain.tip();
  await chain.reorg(2);
  await caughtUp(node);
  const tip = await chain.tip();
  t.equal(tip.height, replaced.height + 1, 'the branch is one block longer');
  t.same(ldkBest(node), tip, 'LDK follows the reorg to the new tip');
});

t.test('after a restart: catches up, and unconfirms a funding a missed reorg took out', async (t) => {
  const a = await startNode(t, chain, 3, { coinHeights: [3] });
  const b = await startNode(t, chain, 4);
  await a.node.connect(b.node.nodeId, LOOPBACK, await b.node.listen());
  await eventually('peers', () => (a.node.peers().length === 1 ? true : undefined), WAIT_MS, 20);
  await a.node.openChannel(b.node.nodeId, 200_000);
  const { fundingTxid } = await eventually('channel-pending', () => eventOf(a.events, 'channel-pending'), WAIT_MS, 20);
  await eventually('the funding in the mempool', async () => ((await chain.status(fundingTxid)).state === 'mempool' ? true : undefined), WAIT_MS, 20);
  await chain.mine(2);
  await caughtUp(a.node);
  t.equal(a.node.channels()[0]!.confirmations, 2, 'A sees the funding two blocks deep');

  await a.node.stop();
  await b.node.stop();
  const funded = await chain.status(fundingTxid);
  // Three empty blocks replace the funding's block and the one above it; the funding goes back to the mempool.
  await chain.reorg(2);
  t.not((await chain.status(fundingTxid)).state, 'confirmed', 'the funding is out of the chain');
  const again = await startNode(t, chain, 3, { dataDir: a.dataDir, wallet: a.wallet });
  const tip = await chain.tip();
  t.same(ldkBest(again.node), tip, 'the restarted node is at the new tip when create resolves');
  t.equal(funded.state === 'confirmed' && funded.height, tip.height - 2, 'it had been confirmed in a block the reorg replaced');
  t.equal(again.node.channels()[0]?.confirmations, 0, 'the funding LDK saw confirmed is unconfirmed again');
  t.equal(previousHash((await chain.headerAt(tip.height))!), (await chain.blockAt(tip.height - 1))!.hash, 'headers name their parent (display order)');
});

t.test('a node whose chain cannot be read does not start', async (t) => {
  const closed = new EmbeddedChain({}); // never opened
  const dataDir = mkdtempSync(join(tmpdir(), 'lnmesh-ldk-nochain-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  await t.rejects(
    LightningNode.create(
      { broadcaster: { broadcast() {} }, feeEstimator: new ObservedFeerates(), chain: closed, wallet: new RegtestCoinbaseWallet([]) },
      { seed: new Uint8Array(32).fill(9), network: 'regtest', dataDir, listen: { host: LOOPBACK, port: 0 } },
    ),
    { name: 'EmbeddedChainError' },
  );
  t.equal(closed.listenerCount('connect'), 0, 'nothing left listening to the chain');
});
