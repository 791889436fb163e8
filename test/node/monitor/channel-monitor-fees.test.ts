// A claim that does not confirm goes again at a higher feerate (RBF): the
// same output, signed again, paying a quarter more or the fee estimator's
// rate, whichever is higher; and if a miner takes the version it replaced
// after all, that one is the claim. Sweeps, justice (the node holds the
// revocation secret) and, with anchors, the HTLC transactions on our own
// commitment, whose fee the wallet pays again with the same coins.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Transaction, addInput, addOutput } from '../../../node/bolt3/transaction.js';
import { hashToHex } from '../../../node/chain/block-header.js';
import type { ConfirmationTarget } from '../../../node/chain/fee-estimator.js';
import { SeedSigner } from '../../../node/keys/signer.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { NodeWallet } from '../../../node/wallet/node-wallet.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { type LoggedLine, recordingLogger } from '../../../sim/kit/logger.js';
import { testWallet } from '../../../sim/kit/test-wallet.js';
import { silentLogger } from '../../../node/core/logger.js';

const feeOf = (tx: Transaction, inputSatoshis: number) => inputSatoshis - tx.outs.reduce((sum, output) => sum + Number(output.value), 0);
const feerateOf = (tx: Transaction, inputSatoshis: number) => (feeOf(tx, inputSatoshis) * 1000) / tx.weight();

t.test("Bob's to_remote after Alice's close: bumped while it does not confirm, and the earlier version still counts", async (t) => {
  const sweepRate = [2500, 2500];
  const logged: LoggedLine[] = [];
  const network = createNetwork({
    nodes: 2,
    channels: {
      init: { channelType: 'static_remotekey' },
      // to_remote is a sweep: only Bob can spend it, it races no one.
      feeEstimator: (i) => ({ feeratePerKw: (target: ConfirmationTarget) => (target === 'sweep' ? sweepRate[i]! : target === 'commitment' ? 253 : 2500) }),
      logger: (i) => (i === 1 ? recordingLogger(logged) : silentLogger),
    },
  });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000, 300_000_000);

  alice.manager.forceClose(bob.id, handle);
  const commitment = alice.broadcast.at(-1)!;
  const height = 800;
  bob.manager.transactionsConfirmed(height, '', [commitment]);
  bob.manager.bestBlockUpdated(height);
  const first = bob.broadcast.at(-1)!;
  const vout = first.ins[0]!.index;
  const spent = { scriptPubKey: commitment.outs[vout]!.script, satoshis: Number(commitment.outs[vout]!.value) };
  t.equal(scriptResult(first, 0, spent), 'OK', 'Bob sweeps his to_remote at once');

  // Five blocks without it: nothing new. The sixth: the same claim at a higher rate.
  bob.manager.bestBlockUpdated(height + 5);
  t.equal(bob.broadcast.at(-1), first, 'not again before REBROADCAST_AFTER_BLOCKS');
  bob.manager.bestBlockUpdated(height + 6);
  const second = bob.broadcast.at(-1)!;
  t.not(second.getId(), first.getId(), 'a replacement');
  t.same([second.ins[0]!.index, Buffer.from(second.ins[0]!.hash).toString('hex')], [vout, Buffer.from(first.ins[0]!.hash).toString('hex')], 'of the same output');
  t.equal(scriptResult(second, 0, spent), 'OK', "signed again: bcoin's interpreter accepts it");
  t.match(logged.find((line) => line.message === 'claim fee bumped (RBF)'), { fields: { claim: 'to_remote', txid: second.getId(), replaces: first.getId() } }, "Bob's log says so");
  t.ok(feeOf(second, spent.satoshis) >= feeOf(first, spent.satoshis) * 1.25 - 1, `a quarter more fee at least (${feeOf(first, spent.satoshis)} -> ${feeOf(second, spent.satoshis)} sat)`);

  // The estimate for sweeps jumps: the next bump follows it.
  sweepRate[1] = 20_000;
  bob.manager.bestBlockUpdated(height + 12);
  const third = bob.broadcast.at(-1)!;
  t.ok(feerateOf(third, spent.satoshis) >= 19_900, `the estimator's rate (${Math.round(feerateOf(third, spent.satoshis))} sat/kw)`);
  t.equal(bob.manager.channelSummaries()[0]!.onchain!.claims.find((claim) => claim.description === 'to_remote')!.txid, third.getId(), 'lnmesh channels shows the version out now');

  // A miner had taken the first version: it is the claim, confirmed, and the money is Bob's.
  bob.manager.transactionsConfirmed(height + 13, '', [first]);
  bob.manager.bestBlockUpdated(height + 13);
  const claim = bob.manager.channelSummaries()[0]!.onchain!.claims.find((each) => each.description === 'to_remote')!;
  t.same([claim.state, claim.txid], ['confirmed', first.getId()], 'the earlier version confirmed is the claim, not a conflict');
  const spendable = bob.events.filter((event) => event.type === 'funds_spendable');
  t.same(spendable.map((event) => event.type === 'funds_spendable' && event.txid), [first.getId()], 'funds_spendable names it');
  const count = bob.broadcast.length;
  bob.manager.bestBlockUpdated(height + 30);
  t.equal(bob.broadcast.length, count, 'and nothing goes again');
});

t.test('a node catching up counts the blocks after the tip it was told, not those of its backlog', async (t) => {
  const network = createNetwork({
    nodes: 2,
    channels: { init: { channelType: 'static_remotekey' }, feeEstimator: () => ({ feeratePerKw: (target: ConfirmationTarget) => (target === 'commitment' ? 253 : 2500) }) },
  });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000, 300_000_000);
  alice.manager.forceClose(bob.id, handle);
  const commitment = alice.broadcast.at(-1)!;
  // Bob was away: the gateway's tip is 830, and Bob is at 800 when he learns of the close.
  const height = 800;
  bob.manager.chainTipSeen(height + 30);
  bob.manager.transactionsConfirmed(height, '', [commitment]);
  bob.manager.bestBlockUpdated(height);
  const first = bob.broadcast.at(-1)!;
  const sent = bob.broadcast.length;
  // The backlog, block by block: mined before his claim existed, so none of them says it is slow.
  for (let next = height + 1; next <= height + 35; next++) bob.manager.bestBlockUpdated(next);
  t.equal(bob.broadcast.length, sent, 'nothing again, nothing bumped, through the backlog and five blocks past the tip');
  bob.manager.bestBlockUpdated(height + 36);
  t.not(bob.broadcast.at(-1)!.getId(), first.getId(), 'the sixth block after the tip: bumped, once');
  t.equal(bob.broadcast.length, sent + 1);
});

type Rates = Record<Exclude<ConfirmationTarget, 'commitment'>, number>;

/** Alice (node 0) and Bob: fee estimators that read `rates[i]`, both logging to `logged`; Alice's wallet may be given. */
function network(channelType: 'anchors' | 'static_remotekey', rates: Rates[], logged: LoggedLine[], aliceWallet?: NodeWallet) {
  const built = createNetwork({
    nodes: 2,
    channels: {
      init: { channelType },
      wallet: (i) => (i === 0 && aliceWallet ? aliceWallet : testWallet(i)),
      feeEstimator: (i) => ({ feeratePerKw: (target: ConfirmationTarget) => (target === 'commitment' ? 253 : rates[i]![target]) }),
      logger: () => recordingLogger(logged),
    },
  });
  return built as typeof built & { nodes: [NonNullable<(typeof built.nodes)[0]>, NonNullable<(typeof built.nodes)[1]>] };
}

/** What each output of these transactions holds, by outpoint: to weigh fees and check scripts. */
function outputsOf(...txs: Transaction[]): Map<string, { scriptPubKey: Uint8Array; satoshis: number }> {
  return new Map(txs.flatMap((tx) => tx.outs.map((output, vout) => [`${tx.getId()}:${vout}`, { scriptPubKey: output.script, satoshis: Number(output.value) }] as const)));
}
const outpointOf = (input: { hash: Uint8Array; index: number }) => `${hashToHex(input.hash)}:${input.index}`;

/** Fee, feerate (per 1,000 weight) and whether bcoin accepts every input, for a transaction spending `known` outputs. */
function weigh(tx: Transaction, known: Map<string, { scriptPubKey: Uint8Array; satoshis: number }>) {
  const spent = tx.ins.map((input) => known.get(outpointOf(input))!);
  const fee = spent.reduce((sum, output) => sum + output.satoshis, 0) - tx.outs.reduce((sum, output) => sum + Number(output.value), 0);
  return { fee, feerate: (fee * 1000) / tx.weight(), scripts: spent.map((output, i) => scriptResult(tx, i, output)) };
}

t.test('justice on a breach: signed again at a rising feerate while it does not confirm', async (t) => {
  const rates: Rates[] = [{ claim: 2500, sweep: 2500, justice: 2500 }, { claim: 2500, sweep: 2500, justice: 2500 }];
  const logged: LoggedLine[] = [];
  const net = network('static_remotekey', rates, logged);
  const [alice, bob] = net.nodes;
  const handle = openChannel(net, alice, bob, 1_000_000, 300_000_000);
  const revoked = bob.manager.forceCloseTransaction(alice.id, handle);
  alice.manager.pay(bob.id, handle, bob.manager.receive(10_000_000, 800_000));
  net.run();

  const height = 800_010;
  alice.manager.transactionsConfirmed(height, '', [revoked]);
  alice.manager.bestBlockUpdated(height);
  const justiceTxid = () => alice.manager.channelSummaries()[0]!.onchain!.claims.find((claim) => claim.description === 'justice')!.txid;
  const first = alice.broadcast.find((tx) => tx.getId() === justiceTxid())!;
  t.ok(first, 'Alice broadcasts the justice she signed when Bob revoked that commitment');
  const known = outputsOf(revoked);
  t.same(weigh(first, known).scripts, first.ins.map(() => 'OK'), "bcoin's interpreter accepts it");

  alice.manager.bestBlockUpdated(height + 5);
  t.equal(justiceTxid(), first.getId(), 'the same before REBROADCAST_AFTER_BLOCKS');
  alice.manager.bestBlockUpdated(height + 6);
  const second = alice.broadcast.find((tx) => tx.getId() === justiceTxid())!;
  t.not(second.getId(), first.getId(), 'not confirmed six blocks on: a replacement');
  t.same(second.ins.map(outpointOf), first.ins.map(outpointOf), 'of the same outputs of the breach');
  const [before, after] = [weigh(first, known), weigh(second, known)];
  t.same(after.scripts, second.ins.map(() => 'OK'), "signed again with the revocation secret: bcoin's interpreter accepts it");
  t.ok(after.fee >= before.fee * 1.25 - 1 && after.feerate > before.feerate, `more in total and per weight (${before.fee} -> ${after.fee} sat)`);
  t.match(logged.find((line) => line.message === 'claim fee bumped (RBF)' && line.fields?.claim === 'justice'), { fields: { txid: second.getId(), replaces: first.getId() } }, "Alice's log says so");

  // The estimator's rate for justice jumps: the next version follows it.
  rates[0]!.justice = 20_000;
  alice.manager.bestBlockUpdated(height + 12);
  const third = alice.broadcast.find((tx) => tx.getId() === justiceTxid())!;
  t.ok(weigh(third, known).feerate >= 19_900, `the estimator's rate (${Math.round(weigh(third, known).feerate)} sat/kw)`);
  t.same(weigh(third, known).scripts, third.ins.map(() => 'OK'));

  // A miner had taken the second version: it is the justice, confirmed.
  alice.manager.transactionsConfirmed(height + 13, '', [second]);
  alice.manager.bestBlockUpdated(height + 13);
  const claim = alice.manager.channelSummaries()[0]!.onchain!.claims.find((each) => each.description === 'justice')!;
  t.same([claim.state, claim.txid], ['confirmed', second.getId()], 'the earlier version confirmed is the claim');
  const count = alice.broadcast.filter((tx) => tx.ins.some((input) => hashToHex(input.hash) === revoked.getId() && input.index === first.ins[0]!.index)).length;
  alice.manager.bestBlockUpdated(height + 30);
  t.equal(alice.broadcast.filter((tx) => tx.ins.some((input) => hashToHex(input.hash) === revoked.getId() && input.index === first.ins[0]!.index)).length, count, 'and no justice goes again');
});

t.test("second-stage justice: the cheater's HTLC-timeout output, punished and signed again while it does not confirm", async (t) => {
  const rates: Rates[] = [{ claim: 2500, sweep: 2500, justice: 2500 }, { claim: 2500, sweep: 2500, justice: 2500 }];
  const logged: LoggedLine[] = [];
  const net = network('static_remotekey', rates, logged);
  const [alice, bob] = net.nodes;
  const handle = openChannel(net, alice, bob, 1_000_000, 500_000_000);
  // Bob offers Alice an HTLC she cannot settle and keeps a copy of his state while it is pending (as in manager.test.ts).
  bob.manager.pay(alice.id, handle, { paymentHash: new Uint8Array(32).fill(9), amountMsat: 100_000_000, minFinalExpiry: 100, payee: alice.manager.receive(1, 0).payee });
  let backup: ReturnType<typeof bob.fork> | undefined;
  const oldTransactions: Parameters<typeof bob.fork>[0] = [];
  for (let next = net.queue.shift(); next; next = net.queue.shift()) {
    const [from, to, bytes] = next;
    (to === alice.id ? alice : bob).manager.handleMessage(from, bytes);
    if (!backup && alice.manager.balances()[0]!.pendingHtlcs === 1 && bob.manager.balances()[0]!.pendingHtlcs === 1) backup = bob.fork(oldTransactions);
  }
  backup!.forceClose(alice.id, handle);
  const [breach] = oldTransactions;
  backup!.blockConnected(150, [breach!]);
  backup!.blockConnected(151, []);
  const timeout = oldTransactions.find((tx) => tx.ins.some((input) => hashToHex(input.hash) === breach!.getId()))!;

  alice.manager.blockConnected(150, [breach!]);
  alice.manager.blockConnected(152, [timeout]);
  const spendsTimeout = (tx: Transaction) => tx.ins.some((input) => hashToHex(input.hash) === timeout.getId());
  const first = alice.broadcast.filter(spendsTimeout);
  t.equal(first.length, 1, 'Alice punishes the HTLC-timeout once');
  const known = outputsOf(timeout);
  t.same(weigh(first[0]!, known).scripts, ['OK'], "bcoin's interpreter accepts it");
  t.match(alice.manager.channelSummaries()[0]!.onchain!.claims.find((claim) => claim.description === 'second-stage justice'), { txid: first[0]!.getId(), state: 'broadcast' }, 'a claim of the revoked close: lnmesh channels shows it');

  alice.manager.bestBlockUpdated(157);
  t.equal(alice.broadcast.filter(spendsTimeout).length, 1, 'not again before REBROADCAST_AFTER_BLOCKS');
  rates[0]!.justice = 10_000;
  alice.manager.bestBlockUpdated(158);
  const second = alice.broadcast.filter(spendsTimeout).at(-1)!;
  t.not(second.getId(), first[0]!.getId(), 'not confirmed six blocks on: a replacement');
  t.same(second.ins.map(outpointOf), first[0]!.ins.map(outpointOf), 'of the same output');
  t.same(weigh(second, known).scripts, ['OK'], "signed again with the revocation secret: bcoin's interpreter accepts it");
  t.ok(weigh(second, known).fee > weigh(first[0]!, known).fee && weigh(second, known).feerate >= 9_900, `at the estimator's rate for justice (${Math.round(weigh(second, known).feerate)} sat/kw)`);

  alice.manager.blockConnected(159, [second]);
  const claim = alice.manager.channelSummaries()[0]!.onchain!.claims.find((each) => each.description === 'second-stage justice')!;
  t.same([claim.state, claim.txid], ['confirmed', second.getId()], 'confirmed');
  t.ok(alice.events.some((event) => event.type === 'funds_spendable' && event.txid === second.getId()), 'funds_spendable names it: the wallet takes it');
});

/** Alice's wallet: a NodeWallet holding 1,100,000 sat (to fund the channel) and 50,000 sat (for fees). */
function aliceWallet(): { wallet: NodeWallet; deposit: Transaction } {
  const wallet = new NodeWallet(new SeedSigner(sha256(Uint8Array.of(0x6b))).walletKey(), new MemoryPersister());
  const deposit = new Transaction();
  deposit.version = 2;
  addInput(deposit, { txid: 'dd'.repeat(32), vout: 0 }, 0xffffffff);
  addOutput(deposit, wallet.script, 1_100_000);
  addOutput(deposit, wallet.script, 50_000);
  wallet.addOutputsOf(deposit);
  return { wallet, deposit };
}

/** An anchors channel, Alice (whose wallet has coins to pay fees: `deposit`) paying 300,000 sat to Bob at the start; every rate 2,500 sat/kw until a test changes `rates`; both log to `logged`. */
function anchorsChannel() {
  const rates: Rates[] = [{ claim: 2500, sweep: 2500, justice: 2500 }, { claim: 2500, sweep: 2500, justice: 2500 }];
  const logged: LoggedLine[] = [];
  const { wallet, deposit } = aliceWallet();
  const net = network('anchors', rates, logged, wallet);
  const [alice, bob] = net.nodes;
  const handle = openChannel(net, alice, bob, 1_000_000, 300_000_000);
  return { rates, logged, wallet, deposit, net, alice, bob, handle, funding: alice.broadcast[0]! };
}

t.test("anchors: Alice's commitment does not confirm: a child spending her anchor pays for it (CPFP), bumped in turn", async (t) => {
  const { rates, wallet, deposit, alice, bob, handle, funding } = anchorsChannel();
  alice.manager.forceClose(bob.id, handle);
  const commitment = alice.broadcast.at(-1)!;
  alice.manager.bestBlockUpdated(700);
  alice.manager.bestBlockUpdated(705);
  t.equal(alice.broadcast.at(-1), commitment, 'nothing more before REBROADCAST_AFTER_BLOCKS');
  alice.manager.bestBlockUpdated(706);
  const [again, first] = alice.broadcast.slice(-2) as [Transaction, Transaction];
  t.equal(again.getId(), commitment.getId(), 'six blocks on, not confirmed: the commitment goes again');
  const known = outputsOf(deposit, funding, commitment);
  t.equal(known.get(outpointOf(first.ins[0]!))!.satoshis, 330, 'and a child spending an anchor of it');
  t.equal(hashToHex(first.ins[0]!.hash), commitment.getId());
  t.same(weigh(first, known).scripts, ['OK', 'OK'], "her anchor (the funding key) and a coin of her wallet: bcoin's interpreter accepts both");
  const commitmentFee = 1_000_000 - commitment.outs.reduce((sum, output) => sum + Number(output.value), 0);
  const packageRate = (child: Transaction) => ((commitmentFee + weigh(child, known).fee) * 1000) / (commitment.weight() + child.weight());
  t.ok(packageRate(first) >= 2500, `the two pay the estimator's rate together (${Math.round(packageRate(first))} sat/kw)`);

  rates[0]!.claim = 10_000;
  alice.manager.bestBlockUpdated(712);
  const second = alice.broadcast.at(-1)!;
  t.not(second.getId(), first.getId(), 'still not confirmed: a replacement child');
  t.same(second.ins.map(outpointOf), first.ins.map(outpointOf), 'of the same anchor, with the same coin');
  t.same(weigh(second, known).scripts, ['OK', 'OK'], "bcoin's interpreter accepts it");
  t.ok(weigh(second, known).fee > weigh(first, known).fee && packageRate(second) >= 10_000, `paying more: the estimate (${Math.round(packageRate(second))} sat/kw for both)`);
  const fundingChange = wallet.coins().find((coin) => coin.txid === funding.getId())!;
  const change = (tx: Transaction) => ({ txid: tx.getId(), vout: 0, satoshis: Number(tx.outs[0]!.value) });
  t.same(wallet.coins(), [fundingChange, change(second)].sort((a, b) => a.satoshis - b.satoshis), "the wallet counts the replacement's change only");

  // A miner takes the commitment with the first child.
  alice.manager.transactionsConfirmed(713, '', [commitment, first]);
  alice.manager.bestBlockUpdated(713);
  const claim = alice.manager.channelSummaries()[0]!.onchain!.claims.find((each) => each.description === 'anchor (CPFP)')!;
  t.same([claim.state, claim.txid], ['confirmed', first.getId()], 'the child mined is the claim');
  t.same(wallet.coins(), [fundingChange, change(first)].sort((a, b) => a.satoshis - b.satoshis), "and the wallet's coins follow it");
  const count = alice.broadcast.length;
  alice.manager.bestBlockUpdated(740);
  t.notOk(alice.broadcast.slice(count).some((tx) => tx.ins.some((input) => outpointOf(input) === outpointOf(first.ins[0]!))), 'no child goes again');
});

t.test("anchors: the HTLC-timeout on Alice's commitment, its fee paid by her wallet, built again at a rising feerate", async (t) => {
  const { rates, logged, wallet, deposit, net, alice, bob, handle, funding } = anchorsChannel();

  // An HTLC Bob will never settle: he goes quiet as soon as it is committed (as in force-close.test.ts).
  const expiry = 740;
  alice.manager.pay(bob.id, handle, { paymentHash: sha256(Uint8Array.of(43)), amountMsat: 200_000_000, minFinalExpiry: expiry, payee: new Uint8Array(33) });
  while (net.queue.length > 0) {
    const [from, to, bytes] = net.queue.shift()!;
    (to === alice.id ? alice : bob).manager.handleMessage(from, bytes);
    if (alice.manager.balances()[0]!.pendingHtlcs === 1 && bob.manager.balances()[0]!.pendingHtlcs === 1 && from === alice.id) net.queue.length = 0;
  }
  alice.manager.forceClose(bob.id, handle);
  const commitment = alice.broadcast.at(-1)!;
  alice.manager.transactionsConfirmed(701, '', [commitment]);
  alice.manager.bestBlockUpdated(701);
  alice.manager.bestBlockUpdated(expiry);
  const first = alice.broadcast.at(-1)!;
  t.equal(hashToHex(first.ins[0]!.hash), commitment.getId(), 'at the expiry Alice broadcasts her HTLC-timeout');
  t.equal(first.ins.length, 2, 'with a coin of her wallet for its fee');
  const known = outputsOf(deposit, funding, commitment);
  t.same(weigh(first, known).scripts, ['OK', 'OK'], "bcoin's interpreter accepts both inputs");

  alice.manager.bestBlockUpdated(expiry + 6);
  const second = alice.broadcast.at(-1)!;
  t.not(second.getId(), first.getId(), 'not confirmed six blocks on: a replacement');
  t.same(second.ins.map(outpointOf), first.ins.map(outpointOf), 'of the same HTLC output, with the same coin of the wallet (the versions conflict on both)');
  const [before, after] = [weigh(first, known), weigh(second, known)];
  t.same(after.scripts, ['OK', 'OK'], "Bob's SIGHASH_SINGLE|ANYONECANPAY signature still holds; bcoin's interpreter accepts it");
  t.ok(after.fee > before.fee && after.feerate >= before.feerate * 1.25 - 1, `more in total and per weight (${before.fee} -> ${after.fee} sat, ${Math.round(before.feerate)} -> ${Math.round(after.feerate)} sat/kw)`);
  t.same(second.outs[0], first.outs[0], 'its output, which Bob signed, as it was');
  t.match(logged.find((line) => line.message === 'claim fee bumped (RBF)'), { fields: { claim: /^htlc-timeout/, txid: second.getId(), replaces: first.getId() } }, "Alice's log says so");
  const change = (tx: Transaction) => ({ txid: tx.getId(), vout: 1, satoshis: Number(tx.outs[1]!.value) });
  const fundingChange = wallet.coins().find((coin) => coin.txid === funding.getId())!;
  t.same(wallet.coins(), [fundingChange, change(second)].sort((a, b) => a.satoshis - b.satoshis), "the wallet counts the replacement's change, not the replaced one's");

  // The estimate jumps: the next version follows it.
  rates[0]!.claim = 20_000;
  alice.manager.bestBlockUpdated(expiry + 12);
  const third = alice.broadcast.at(-1)!;
  t.ok(weigh(third, known).feerate >= 19_900, `the estimator's rate (${Math.round(weigh(third, known).feerate)} sat/kw)`);
  t.same(weigh(third, known).scripts, third.ins.map(() => 'OK'));

  // A miner had taken the first version: it is the claim, the wallet's change is its, and the second stage follows it.
  alice.manager.transactionsConfirmed(expiry + 13, '', [first]);
  alice.manager.bestBlockUpdated(expiry + 13);
  const claim = alice.manager.channelSummaries()[0]!.onchain!.claims.find((each) => each.description.startsWith('htlc-timeout of'))!;
  t.same([claim.state, claim.txid], ['confirmed', first.getId()], 'the earlier version confirmed is the claim');
  t.same(wallet.coins(), [fundingChange, change(first)].sort((a, b) => a.satoshis - b.satoshis), "the wallet counts the first version's change, and no other");
  alice.manager.bestBlockUpdated(expiry + 13 + 3000);
  const sweep = alice.broadcast.find((tx) => tx.ins.some((input) => outpointOf(input) === `${first.getId()}:0`));
  t.ok(sweep, "after the delay Alice sweeps the output of the version mined");
  t.same(weigh(sweep!, outputsOf(first)).scripts, ['OK'], "bcoin's interpreter accepts it");
  t.equal(bytesToHex(sweep!.outs[0]!.script), bytesToHex(wallet.script), 'into her wallet');
  alice.manager.bestBlockUpdated(expiry + 13 + 3006);
  const again = alice.broadcast.filter((tx) => tx.ins.some((input) => outpointOf(input) === `${first.getId()}:0`)).at(-1)!;
  t.not(again.getId(), sweep!.getId(), 'not confirmed six blocks on: that sweep too is replaced');
  t.same(weigh(again, outputsOf(first)).scripts, ['OK'], "bcoin's interpreter accepts it");
  t.ok(weigh(again, outputsOf(first)).fee > weigh(sweep!, outputsOf(first)).fee, 'paying more');
});
