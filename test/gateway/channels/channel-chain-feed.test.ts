// The gateway's channels hear the chain whole, from its own backend: a real
// embedded bcoin regtest chain and the channels' lmdb store (reopened to
// stand for a restart). A recording listener stands for the channel manager.
// A new feed starts at the tip; each block arrives as its transactions then
// the new tip, in order; blocks mined while stopped are delivered at the
// next start, before it resolves; a reorg, running or while stopped,
// disconnects what left before delivering the new branch; mempool
// transactions are passed on; so is the backend's fee estimate.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { coinbaseAt, mineToSegwit, spendAnyoneCanSpend } from '../../../gateway/chain/regtest-coins.js';
import { ChannelChainFeed, type ChannelChainListener } from '../../../gateway/channels/channel-chain-feed.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import { p2wsh } from '../../../node/bolt3/scripts.js';
import { OP_TRUE_SCRIPT } from '../../../gateway/chain/regtest-miner.js';

/** What reaches the channels, in order: `+H` transactions of block H (how many), `tip H`, `-H` disconnected, `mempool TXID`, `synced B`. */
class RecordingListener implements ChannelChainListener {
  readonly log: string[] = [];
  transactionsConfirmed(height: number, _hash: string, transactions: readonly Transaction[]): void {
    this.log.push(`+${height}:${transactions.length}`);
  }
  bestBlockUpdated(height: number): void {
    this.log.push(`tip ${height}`);
  }
  blockDisconnected(height: number): void {
    this.log.push(`-${height}`);
  }
  transactionUnconfirmedSeen(tx: Transaction): void {
    this.log.push(`mempool ${tx.getId()}`);
  }
  setChainSynced(synced: boolean): void {
    this.log.push(`synced ${synced}`);
  }
  take(): string[] {
    return this.log.splice(0);
  }
}

async function setUp(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-channel-feed-'));
  const chain = new EmbeddedChain({});
  await chain.open();
  let store = new LmdbPersister(join(dir, 'channels'));
  t.teardown(async () => {
    store.close();
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const listener = new RecordingListener();
  const feerates: number[] = [];
  const feed = () => new ChannelChainFeed({ chain, listener, store, feerateSeen: (feeratePerKw) => feerates.push(feeratePerKw) });
  /** The store closed and opened again, as at a restart. */
  const reopen = () => {
    store.close();
    store = new LmdbPersister(join(dir, 'channels'));
  };
  return { chain, listener, feed, reopen, feerates };
}

t.test('a new feed starts at the tip; each block then comes whole, transactions before the tip', async (t) => {
  const { chain, listener, feed, feerates } = await setUp(t);
  await chain.mine(5);
  const running = feed();
  await running.start();
  t.same(listener.take(), ['synced false', 'tip 5', 'synced true'], 'nothing of older blocks: new channels have nothing in them');
  await chain.mine(2);
  await running.idle();
  t.same(listener.take(), ['+6:1', 'tip 6', '+7:1', 'tip 7'], 'each block: its transactions (the coinbase here), then the new tip');
  t.same(running.lastDelivered()?.height, 7, 'the last block delivered is kept');
  const estimate = await chain.estimateFeerate(6);
  t.ok(estimate !== undefined && estimate >= 253, 'the regtest chain has an estimate (its fallback)');
  t.same(feerates, [estimate, estimate, estimate], "the backend's fee estimate after the catch-up and after each block");
  await running.stop();
});

t.test('blocks mined while stopped are delivered at the next start, before it resolves', async (t) => {
  const { chain, listener, feed, reopen } = await setUp(t);
  await mineToSegwit(chain);
  const first = feed();
  await first.start();
  const start = (await chain.tip()).height;
  await first.stop();
  listener.take();
  await chain.mine(3);
  reopen();
  await feed().start();
  t.same(
    listener.take(),
    ['synced false', `tip ${start}`, `+${start + 1}:1`, `tip ${start + 1}`, `+${start + 2}:1`, `tip ${start + 2}`, `+${start + 3}:1`, `tip ${start + 3}`, 'synced true'],
    'the height it left at first, then every missed block in order, then synced',
  );
});

t.test('a reorg while running, and one while stopped, disconnect what left before the new branch', async (t) => {
  const { chain, listener, feed, reopen } = await setUp(t);
  await mineToSegwit(chain);
  const running = feed();
  await running.start();
  const tip = (await chain.tip()).height;
  listener.take();
  await chain.reorg(2);
  await running.idle();
  t.same(listener.take(), [`-${tip}`, `-${tip - 1}`, `+${tip - 1}:1`, `tip ${tip - 1}`, `+${tip}:1`, `tip ${tip}`, `+${tip + 1}:1`, `tip ${tip + 1}`], 'running: tip first, then the longer branch');
  await running.stop();

  await chain.reorg(3);
  reopen();
  await feed().start();
  const log = listener.take();
  t.same(log.slice(0, 2), ['synced false', `tip ${tip + 1}`], 'stopped: it resumes at the height it left');
  t.same(log.slice(2, 5), [`-${tip + 1}`, `-${tip}`, `-${tip - 1}`], 'then disconnects the three blocks that left, found by their hashes');
  t.same(log.slice(5), [`+${tip - 1}:1`, `tip ${tip - 1}`, `+${tip}:1`, `tip ${tip}`, `+${tip + 1}:1`, `tip ${tip + 1}`, `+${tip + 2}:1`, `tip ${tip + 2}`, 'synced true'], 'and delivers the new branch');
});

t.test('a mempool transaction is passed on as seen unconfirmed', async (t) => {
  const { chain, listener, feed } = await setUp(t);
  await mineToSegwit(chain);
  const running = feed();
  await running.start();
  listener.take();
  const tx = spendAnyoneCanSpend(await coinbaseAt(chain, 1), p2wsh(OP_TRUE_SCRIPT));
  t.match(await chain.broadcast(tx), { accepted: true });
  for (let i = 0; i < 50 && listener.log.length === 0; i++) await sleep(20);
  await running.idle();
  t.same(listener.take(), [`mempool ${tx.getId()}`]);
  await running.stop();
});
