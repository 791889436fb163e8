import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { connect } from 'node:net';
import t from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain, REGTEST_FALLBACK_FEERATE_PER_KW } from '../../../gateway/chain/embedded-chain.js';
import { ANYONE_CAN_SPEND_OUTPUT } from '../../../gateway/chain/regtest-miner.js';
import type { ChainBlock } from '../../../gateway/chain/chain-source.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { coinbaseAt, mineToSegwit, spendAnyoneCanSpend } from '../../../gateway/chain/regtest-coins.js';
import { behavesAsAChainSource } from '../../../sim/kit/behaves-as-a-chain-source.js';
import { recordChainEvents } from '../../../sim/kit/chain-events.js';
import { warningsInto } from '../../../sim/kit/logger.js';


const someScript = p2wpkh(publicKeyOf(new Uint8Array(32).fill(7)));

behavesAsAChainSource(t, 'EmbeddedChain', async (t, { matureCoins }) => {
  const chain = new EmbeddedChain();
  await chain.open();
  if (matureCoins) await mineToSegwit(chain);
  t.teardown(() => chain.close());
  return { source: chain, backend: chain, sync: async () => undefined };
});

t.test('mines blocks on demand and tells each one, in order', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  const blocks: ChainBlock[] = [];
  chain.on('connect', (block) => blocks.push(block));

  const hashes = await chain.mine(3);
  t.same(blocks.map((block) => [block.height, block.hash]), [[1, hashes[0]], [2, hashes[1]], [3, hashes[2]]]);
  t.same(await chain.tip(), { height: 3, hash: hashes[2] });
  t.equal(bytesToHex((await chain.headerAt(2))!), bytesToHex(blocks[1]!.header), 'headerAt serves the header the event carried');
  const second = (await chain.blockAt(2))!;
  t.equal(second.hash, hashes[1]);
  t.equal(bytesToHex(second.transactions[0]!.outs[0]!.script), bytesToHex(ANYONE_CAN_SPEND_OUTPUT), 'coinbases pay anyone-can-spend by default');
  t.equal((await chain.headerAt(0))!.length, 80, 'genesis is there');
  t.equal(await chain.headerAt(4), undefined, 'nothing above the tip');
  t.equal(await chain.blockAt(4), undefined);

  const [paid] = await chain.mine(1, someScript);
  const block = (await chain.blockAt(4))!;
  t.equal(block.hash, paid);
  t.equal(bytesToHex(block.transactions[0]!.outs[0]!.script), bytesToHex(someScript), 'a block can pay a script of ours');
  await t.rejects(chain.mine(1, Uint8Array.of(0x6a)), { name: 'InvalidInputError' }, 'an OP_RETURN script cannot take a coinbase here');
  await t.rejects(chain.mine(0), { name: 'InvalidInputError' });
});

t.test('a transaction: accepted, told, found, confirmed', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  await mineToSegwit(chain);
  const events = recordChainEvents(chain);
  const tx = spendAnyoneCanSpend(await coinbaseAt(chain, 1), someScript);
  const txid = tx.getId();

  t.same(await chain.broadcast(tx), { accepted: true, txid });
  t.same(events, [`transaction ${txid}`], 'the mempool told it');
  t.same(await chain.status(txid), { state: 'mempool' });
  t.equal((await chain.transaction(txid))?.toHex(), tx.toHex(), 'found in the mempool');
  t.same(await chain.broadcast(tx), { accepted: true, txid }, 'a rebroadcast is no failure (as with Core)');

  const [hash] = await chain.mine(1);
  const height = (await chain.tip()).height;
  const connected = (await chain.blockAt(height))!;
  t.ok(connected.transactions.some((included) => included.getId() === txid), 'the block holds it');
  t.same(await chain.status(txid), { state: 'confirmed', blockHash: hash, height, confirmations: 1 });
  await chain.mine(2);
  t.same(await chain.status(txid), { state: 'confirmed', blockHash: hash, height, confirmations: 3 });
  t.equal((await chain.transaction(txid))?.toHex(), tx.toHex(), 'found in its block');
  t.same(await chain.status('00'.repeat(32)), { state: 'unknown' });
  t.equal(await chain.transaction('00'.repeat(32)), undefined);
  await t.rejects(chain.status('not a txid'), { name: 'InvalidInputError' });
});

t.test('a double spend that pays no more is refused with the reason, and nothing is thrown', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  await mineToSegwit(chain);
  const coin = await coinbaseAt(chain, 1);
  const first = spendAnyoneCanSpend(coin, someScript);
  const second = spendAnyoneCanSpend(coin, ANYONE_CAN_SPEND_OUTPUT, 1_000);

  t.equal((await chain.broadcast(first)).accepted, true);
  t.match(await chain.broadcast(second), { accepted: false, txid: second.getId(), reason: /^insufficient fee: the replacement's feerate is not above / }, 'against the mempool: the same fee is no replacement');
  t.same(await chain.status(first.getId()), { state: 'mempool' }, 'the first stays');
  await chain.mine(1);
  t.same(await chain.broadcast(second), { accepted: false, txid: second.getId(), reason: 'bad-txns-inputs-missingorspent' }, 'against a block (Core words it so)');
  t.same(await chain.status(second.getId()), { state: 'unknown' }, 'and it is kept nowhere');

  const orphan = spendAnyoneCanSpend({ txid: 'ab'.repeat(32), vout: 0, satoshis: 10_000 }, someScript);
  t.same(await chain.broadcast(orphan), { accepted: false, txid: orphan.getId(), reason: 'bad-txns-inputs-missingorspent' }, 'unknown inputs');
  await chain.mine(1);
  t.same(await chain.status(orphan.getId()), { state: 'unknown' }, 'bcoin did not keep it as an orphan to accept later');
});

t.test("full replace-by-fee, as Core's: a double spend paying more replaces what it conflicts with and its children", async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  await mineToSegwit(chain);
  const coin = await coinbaseAt(chain, 1);
  const first = spendAnyoneCanSpend(coin, ANYONE_CAN_SPEND_OUTPUT, 1_000);
  const child = spendAnyoneCanSpend({ txid: first.getId(), vout: 0, satoshis: coin.satoshis - 1_000 }, someScript, 1_000);
  t.equal((await chain.broadcast(first)).accepted, true);
  t.equal((await chain.broadcast(child)).accepted, true, 'a child of it in the mempool too');

  const short = spendAnyoneCanSpend(coin, someScript, 1_500);
  t.match(await chain.broadcast(short), { accepted: false, reason: /^insufficient fee: 1500 sat does not pay the 2000 sat it replaces/ }, 'a higher feerate, but less than the fees of both it would evict');
  const bump = spendAnyoneCanSpend(coin, someScript, 3_000);
  t.same(await chain.broadcast(bump), { accepted: true, txid: bump.getId() }, 'paying for both and the relay: accepted');
  t.same([await chain.status(first.getId()), await chain.status(child.getId()), await chain.status(bump.getId())], [{ state: 'unknown' }, { state: 'unknown' }, { state: 'mempool' }], 'the replaced one and its child are gone');
  const [hash] = await chain.mine(1);
  t.match(await chain.status(bump.getId()), { state: 'confirmed', blockHash: hash }, 'and the replacement confirms');

  const coin2 = await coinbaseAt(chain, 2);
  const out = spendAnyoneCanSpend(coin2, ANYONE_CAN_SPEND_OUTPUT, 1_000);
  t.equal((await chain.broadcast(out)).accepted, true);
  const badWitness = spendAnyoneCanSpend(coin2, someScript, 5_000);
  badWitness.setWitness(0, [Uint8Array.of(0x52)]); // OP_2: not the script the output commits to
  t.equal((await chain.broadcast(badWitness)).accepted, false, 'an invalid replacement is refused');
  t.same(await chain.status(out.getId()), { state: 'mempool' }, 'and what it would have replaced is back in the mempool');
});

t.test('a reorg: disconnects from the tip down, then connects the new branch; the transaction returns to the mempool', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  await mineToSegwit(chain);
  // bcoin drops every spend of a coinbase from the mempool after a reorg (Core only those no longer mature): spend a spend.
  const parent = spendAnyoneCanSpend(await coinbaseAt(chain, 1), ANYONE_CAN_SPEND_OUTPUT);
  await chain.broadcast(parent);
  await chain.mine(1);
  const tx = spendAnyoneCanSpend({ txid: parent.getId(), vout: 0, satoshis: Number(parent.outs[0]!.value) }, someScript);
  const txid = tx.getId();
  t.equal((await chain.broadcast(tx)).accepted, true);
  const [confirmedIn, above] = await chain.mine(2);
  const { height } = await chain.tip();
  t.same(await chain.status(txid), { state: 'confirmed', blockHash: confirmedIn, height: height - 1, confirmations: 2 });

  const events = recordChainEvents(chain);
  const branch = await chain.reorg(2);
  t.equal(branch.length, 3);
  t.same(events, [
    `disconnect ${height} ${above}`,
    `disconnect ${height - 1} ${confirmedIn}`,
    `transaction ${txid}`,
    `connect ${height - 1} ${branch[0]}`,
    `connect ${height} ${branch[1]}`,
    `connect ${height + 1} ${branch[2]}`,
  ], 'the old blocks leave tip first, the transaction goes back to the mempool, the new branch comes in order');
  t.same(await chain.tip(), { height: height + 1, hash: branch[2] });
  t.same(await chain.status(txid), { state: 'mempool' }, 'the new branch does not hold it');
  t.same(await chain.status(parent.getId()), { state: 'confirmed', blockHash: (await chain.blockAt(height - 2))!.hash, height: height - 2, confirmations: 4 }, 'below the fork, nothing changed');

  const [again] = await chain.mine(1);
  t.same(await chain.status(txid), { state: 'confirmed', blockHash: again, height: height + 2, confirmations: 1 }, 'mined again on the new branch');
  await t.rejects(chain.reorg(10_000), { name: 'InvalidInputError' });
});

t.test('after a reorg a spend of a mature coinbase stays in the mempool, as Core keeps it (bcoin alone evicts every such spend)', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  await mineToSegwit(chain);
  // A channel funded from a miner's coins: the funding must come back after a reorg takes its block.
  const tx = spendAnyoneCanSpend(await coinbaseAt(chain, 1), ANYONE_CAN_SPEND_OUTPUT);
  await chain.broadcast(tx);
  await chain.mine(1);
  await chain.reorg(1);
  t.same(await chain.status(tx.getId()), { state: 'mempool' }, 'back in the mempool');
  await chain.mine(1);
  t.equal((await chain.status(tx.getId())).state, 'confirmed', 'and mined again');
});

t.test('mines on a schedule, from the clock it is given', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  const clock = new VirtualClock();
  chain.startMining(1_000, clock);

  clock.tick(999);
  t.equal((await chain.tip()).height, 0, 'not yet');
  const first = once(chain, 'connect');
  clock.tick(1);
  t.equal(((await first)[0] as ChainBlock).height, 1);
  await new Promise((resolve) => setImmediate(resolve)); // the next timer is set once the block is in
  const second = once(chain, 'connect');
  clock.tick(1_000);
  t.equal(((await second)[0] as ChainBlock).height, 2);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(clock.pending, 1, 'the next block is scheduled');
  chain.stopMining();
  t.equal(clock.pending, 0, 'stopped: nothing scheduled');
  clock.tick(10_000);
  t.equal((await chain.tip()).height, 2);
});

t.test('keeps its chain on disk across close and open', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'lnmesh-embedded-chain-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  const before = new EmbeddedChain({ dataDirectory: directory });
  await before.open();
  await before.mine(5);
  const tip = await before.tip();
  const header = bytesToHex((await before.headerAt(3))!);
  await before.close();

  const after = new EmbeddedChain({ dataDirectory: directory });
  await after.open();
  t.teardown(() => after.close());
  const second = new EmbeddedChain({ dataDirectory: directory });
  await t.rejects(second.open(), { name: 'EmbeddedChainError', message: new RegExp(`cannot open the regtest node in ${directory}: .*lock`) }, 'one node per data directory');
  t.same(await after.tip(), tip, 'the same tip');
  t.equal(bytesToHex((await after.headerAt(3))!), header);
  await after.mine(1);
  t.equal((await after.tip()).height, 6, 'and it grows from there');
});

t.test('estimates feerates: the regtest fallback while bcoin has no data', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  t.equal(await chain.estimateFeerate(6), REGTEST_FALLBACK_FEERATE_PER_KW);
  t.equal(REGTEST_FALLBACK_FEERATE_PER_KW * 4 >= 1_000, true, 'at least the minimum relay fee of 1,000 sat/kvB');
  await t.rejects(chain.estimateFeerate(0), { name: 'InvalidInputError' });
  const custom = new EmbeddedChain({ fallbackFeeratePerKw: 2_500 });
  await custom.open();
  t.teardown(() => custom.close());
  t.equal(await custom.estimateFeerate(1), 2_500);
});

t.test('refuses use before open, and mining off regtest', async (t) => {
  const chain = new EmbeddedChain();
  await t.rejects(chain.tip(), { name: 'EmbeddedChainError' });
  t.throws(() => chain.startMining(1_000, new VirtualClock()), { name: 'EmbeddedChainError' });
  t.throws(() => new EmbeddedChain({ network: 'nowhere' as never }), { name: 'InvalidInputError' });

  const testnet = new EmbeddedChain({ network: 'testnet' });
  await testnet.open();
  t.teardown(() => testnet.close());
  t.equal((await testnet.tip()).hash, '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943', "testnet3's genesis");
  await t.rejects(testnet.mine(1), { name: 'EmbeddedChainError', message: /regtest only/ });
  t.equal(await testnet.estimateFeerate(2), undefined, 'no estimate and no fallback off regtest');
});

t.test('a listener that throws does not break the chain: it becomes a warning', async (t) => {
  const warnings: string[] = [];
  const chain = new EmbeddedChain({ logger: warningsInto(warnings) });
  await chain.open();
  t.teardown(() => chain.close());
  chain.on('connect', () => {
    throw new Error('listener bug');
  });
  await chain.mine(2);
  t.equal((await chain.tip()).height, 2);
  t.same(warnings, ["a 'connect' listener threw: listener bug", "a 'connect' listener threw: listener bug"]);
});

t.test('closes while a JSON-RPC client holds a request open: the client is cut, nothing is left open', async (t) => {
  const chain = new EmbeddedChain({ rpc: { apiKey: 'a key' } });
  await chain.open();
  const { port } = new URL(chain.rpcUrl);
  // A request whose body never finishes: left alone, its connection outlives the chain and holds the process.
  const client = connect(Number(port), '127.0.0.1');
  await once(client, 'connect');
  client.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"method":');
  client.on('error', () => undefined); // ECONNRESET: the cut
  const cut = new Promise((resolve) => client.once('close', resolve));
  const closed = chain.close().then(() => 'closed');
  const waited = new Promise((resolve) => setTimeout(resolve, 10_000, 'still waiting after 10 s'));
  t.equal(await Promise.race([closed, waited]), 'closed', 'the chain closed');
  await cut;
  t.pass('and the client was disconnected');
});
