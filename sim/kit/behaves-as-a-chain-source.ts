/**
 * The compliance suite of `ChainSource` (gateway/chain/chain-source.ts): what
 * the gateway relies on from any chain backend, run against each of them
 * (the embedded bcoin node, and Bitcoin Core's RPC played by bcoin's).
 *
 * Each backend tells events in its own order within one change (the embedded
 * node tells a transaction back to the mempool before the new branch; Core's
 * client polls blocks first, then the mempool), so the suite checks the order
 * of block events and that the transaction was told, not where.
 */
import type { Test } from 'tap';
import type { ChainSource } from '../../gateway/chain/chain-source.js';
import type { EmbeddedChain } from '../../gateway/chain/embedded-chain.js';
import { ANYONE_CAN_SPEND_OUTPUT } from '../../gateway/chain/regtest-miner.js';
import { coinbaseAt, spendAnyoneCanSpend } from '../../gateway/chain/regtest-coins.js';
import { p2wpkh } from '../../node/bolt3/scripts.js';
import { blockEvents, recordChainEvents, transactionEvents } from './chain-events.js';
import { hashToHex, headerHash } from '../../node/chain/block-header.js';
import { publicKeyOf } from '../../node/core/curve.js';
import { MIN_FEERATE_PER_KW } from '../../node/core/bolt-limits.js';

export interface ChainUnderTest {
  /** The source under test, open. */
  readonly source: ChainSource;
  /** The regtest node behind it, which mines and reorganises (the source itself, for the embedded chain). */
  readonly backend: EmbeddedChain;
  /** Brings the source up to date with the backend (a polling client polls; the embedded chain has nothing to do). */
  sync(): Promise<void>;
}

const someScript = p2wpkh(publicKeyOf(new Uint8Array(32).fill(5)));

/** A block's hash as Bitcoin shows it: the double SHA256 of its header, byte-reversed. */
const hashOfHeader = (header: Uint8Array) => hashToHex(headerHash(header));

type Open = (t: Test, options: { matureCoins: boolean }) => Promise<ChainUnderTest>;

/**
 * Runs the suite on the chain sources `open` makes: a fresh regtest chain for each subtest, which `open` tears down with
 * `t`. With `matureCoins`, `open` mines the backend past segwit's activation (mineToSegwit) before it opens the source, so
 * that a polling client does not fetch those 432 blocks one by one.
 */
export function behavesAsAChainSource(t: Test, name: string, open: Open): void {
  t.test(`${name} behaves as a ChainSource`, async (t) => {
    t.test('tells each new block in order, and serves the same tip, headers and blocks', (t) => servesBlocks(t, open));
    t.test('a broadcast transaction: accepted, told, found, confirmed; a conflicting one refused with a reason', (t) => broadcasts(t, open));
    t.test('a reorg: the old blocks leave tip first, the new branch comes in order, the transaction returns to the mempool', (t) => followsReorgs(t, open));
    t.test('estimates a feerate, or says it has none', (t) => estimatesFeerates(t, open));
  });
}

async function servesBlocks(t: Test, open: Open): Promise<void> {
  const { source, backend, sync } = await open(t, { matureCoins: false });
  const seen = recordChainEvents(source);
  const before = (await source.tip()).height;
  const hashes = await backend.mine(3);
  await sync();
  t.same(blockEvents(seen), hashes.map((hash, index) => `connect ${before + index + 1} ${hash}`), 'one connect per block, lowest first');
  const tip = await source.tip();
  t.same(tip, { height: before + 3, hash: hashes[2] });
  const header = (await source.headerAt(tip.height))!;
  t.equal(hashOfHeader(header), tip.hash, 'headerAt(tip) is the header whose hash is the tip');
  const block = (await source.blockAt(tip.height - 1))!;
  t.equal(block.hash, hashes[1]);
  t.equal(hashOfHeader(block.header), block.hash, "a block's header hashes to its hash");
  t.equal((await source.headerAt(0))!.length, 80, 'the genesis header is there');
  t.equal(await source.headerAt(tip.height + 1), undefined, 'no header above the tip');
  t.equal(await source.blockAt(tip.height + 1), undefined, 'no block above the tip');
}

async function broadcasts(t: Test, open: Open): Promise<void> {
  const { source, backend, sync } = await open(t, { matureCoins: true });
  const seen = recordChainEvents(source);
  const coin = await coinbaseAt(source, 1);
  const tx = spendAnyoneCanSpend(coin, someScript);
  const txid = tx.getId();
  t.same(await source.broadcast(tx), { accepted: true, txid });
  await sync();
  t.ok(transactionEvents(seen).includes(txid), 'the mempool told it');
  t.same(await source.status(txid), { state: 'mempool' });
  t.equal((await source.transaction(txid))?.toHex(), tx.toHex(), 'found in the mempool');

  // Paying no more than the one in the mempool: no replacement (Core's full RBF, and the embedded chain's).
  const conflict = spendAnyoneCanSpend(coin, ANYONE_CAN_SPEND_OUTPUT, 1_000);
  const refused = await source.broadcast(conflict);
  t.equal(refused.accepted, false, 'a spend of the same coin paying no more is refused');
  t.ok(!refused.accepted && refused.reason.length > 0, `with the backend's reason (${refused.accepted ? '' : refused.reason})`);

  const [hash] = await backend.mine(1);
  await sync();
  const { height } = await source.tip();
  t.same(await source.status(txid), { state: 'confirmed', blockHash: hash, height, confirmations: 1 });
  t.equal((await source.transaction(txid))?.toHex(), tx.toHex(), 'found in its block');
  t.same(await source.status(conflict.getId()), { state: 'unknown' }, 'the refused one is kept nowhere');
  await t.rejects(source.status('not a txid'), { name: 'InvalidInputError' }, 'a malformed txid is bad input, not a lookup');
}

async function followsReorgs(t: Test, open: Open): Promise<void> {
  const { source, backend, sync } = await open(t, { matureCoins: true });
  // bcoin drops every spend of a coinbase from its mempool after a reorg: spend a spend.
  const parent = spendAnyoneCanSpend(await coinbaseAt(backend, 1), ANYONE_CAN_SPEND_OUTPUT);
  await backend.broadcast(parent);
  await backend.mine(1);
  await sync();
  const tx = spendAnyoneCanSpend({ txid: parent.getId(), vout: 0, satoshis: Number(parent.outs[0]!.value) }, someScript);
  const txid = tx.getId();
  t.equal((await source.broadcast(tx)).accepted, true);
  const [confirmedIn, above] = await backend.mine(2);
  await sync();
  const { height } = await source.tip();

  const seen = recordChainEvents(source);
  const branch = await backend.reorg(2);
  await sync();
  t.same(blockEvents(seen), [
    `disconnect ${height} ${above}`,
    `disconnect ${height - 1} ${confirmedIn}`,
    `connect ${height - 1} ${branch[0]}`,
    `connect ${height} ${branch[1]}`,
    `connect ${height + 1} ${branch[2]}`,
  ]);
  t.ok(transactionEvents(seen).includes(txid), 'the transaction was told again, back in the mempool');
  t.same(await source.tip(), { height: height + 1, hash: branch[2] });
  t.same(await source.status(txid), { state: 'mempool' });
}

async function estimatesFeerates(t: Test, open: Open): Promise<void> {
  const { source } = await open(t, { matureCoins: false });
  const feerate = await source.estimateFeerate(6);
  t.ok(feerate === undefined || (Number.isInteger(feerate) && feerate >= MIN_FEERATE_PER_KW), `a whole number of sat per 1000 weight, at least the floor of ${MIN_FEERATE_PER_KW}, or undefined (${String(feerate)})`);
}
