// The node's on-chain wallet over a real lmdb store: deposits counted once,
// channels funded and HTLC fees paid with signatures a script interpreter
// accepts, change kept, nothing spent when the money is not there, and all
// of it still there after reopening the store.
import t from 'tap';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { fundingOutputScript } from '../../../node/bolt3/funding.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { Transaction, addInput, addOutput } from '../../../node/bolt3/transaction.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { SeedSigner } from '../../../node/keys/signer.js';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import { NodeWallet, type WalletCoin, WalletError } from '../../../node/wallet/node-wallet.js';
import { verifyInput } from '../bolt3/interpreter.js';

const signer = new SeedSigner(sha256(new TextEncoder().encode('node-wallet test seed')));
const walletKey = signer.walletKey();
const localFundingPubkey = publicKeyOf(sha256(Uint8Array.of(1)));
const remoteFundingPubkey = publicKeyOf(sha256(Uint8Array.of(2)));
const stranger = p2wpkh(publicKeyOf(sha256(Uint8Array.of(3))));

/** A transaction from somewhere (a deposit): one made-up input, the given outputs. */
function deposit(tag: number, outputs: { script: Uint8Array; satoshis: number }[]): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  addInput(tx, { txid: bytesToHex(sha256(Uint8Array.of(0xd0, tag))), vout: 0 }, 0xffffffff);
  for (const output of outputs) addOutput(tx, output.script, output.satoshis);
  return tx;
}

/** The txid (display hex) and vout an input of `tx` spends. */
function spentBy(tx: Transaction, index: number): string {
  const input = tx.ins[index]!;
  return `${bytesToHex(Uint8Array.from(input.hash).reverse())}:${input.index}`;
}

/** Checks every input of `tx` that spends one of `coins` with bcoin's script interpreter; returns how many it checked. */
function verifyWalletInputs(tx: Transaction, coins: readonly WalletCoin[], script: Uint8Array): number {
  let checked = 0;
  tx.ins.forEach((_, index) => {
    const coin = coins.find((c) => `${c.txid}:${c.vout}` === spentBy(tx, index));
    if (!coin) return;
    verifyInput(tx, index, { scriptPubKey: script, satoshis: coin.satoshis });
    checked++;
  });
  return checked;
}

function openWallet(path: string): { store: LmdbPersister; wallet: NodeWallet } {
  const store = new LmdbPersister(path);
  return { store, wallet: new NodeWallet(walletKey, store) };
}

t.test('the wallet pays to one P2WPKH of the seed\'s wallet key', async (t) => {
  const { store, wallet } = openWallet(join(t.testdir(), 'store'));
  t.teardown(() => store.close());
  t.equal(bytesToHex(wallet.script), bytesToHex(p2wpkh(walletKey.publicKey)));
  t.equal(bytesToHex(wallet.sweepScript()), bytesToHex(wallet.script), 'closes and sweeps pay back to it');
  t.equal(wallet.balance(), 0, 'a new wallet is empty');
  t.same(wallet.coins(), []);
});

t.test('addOutputsOf counts only outputs to the wallet, and each once', async (t) => {
  const { store, wallet } = openWallet(join(t.testdir(), 'store'));
  t.teardown(() => store.close());
  const tx = deposit(1, [
    { script: stranger, satoshis: 70_000 },
    { script: wallet.script, satoshis: 250_000 },
    { script: wallet.script, satoshis: 40_000 },
  ]);
  t.equal(wallet.addOutputsOf(tx), 290_000, 'two outputs are the wallet\'s');
  t.equal(wallet.addOutputsOf(tx), 0, 'the same deposit again adds nothing');
  t.equal(wallet.balance(), 290_000);
  t.same(wallet.coins(), [
    { txid: tx.getId(), vout: 2, satoshis: 40_000 },
    { txid: tx.getId(), vout: 1, satoshis: 250_000 },
  ], 'smallest first, by outpoint');
  t.equal(wallet.addOutputsOf(deposit(2, [{ script: stranger, satoshis: 1_000 }])), 0, 'a transaction paying someone else adds nothing');
  t.equal(wallet.addOutputsOf(deposit(3, [{ script: wallet.script.slice(0, 21), satoshis: 1_000 }])), 0, 'nor one to a script that merely starts like it');
});

t.test('fund: one coin that suffices, removed; change back to the wallet; signatures valid; kept across reopening', async (t) => {
  const path = join(t.testdir(), 'store');
  const first = openWallet(path);
  const tx0 = deposit(1, [
    { script: first.wallet.script, satoshis: 50_000 },
    { script: first.wallet.script, satoshis: 300_000 },
    { script: first.wallet.script, satoshis: 2_000_000 },
  ]);
  first.wallet.addOutputsOf(tx0);
  const before = first.wallet.coins();

  const { tx, outputIndex } = first.wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 200_000, feeratePerKw: 1_000 });
  t.equal(tx.ins.length, 1, 'one coin');
  t.equal(spentBy(tx, 0), `${tx0.getId()}:1`, 'the smallest coin that covers the channel and its fee (300000 sat)');
  t.equal(bytesToHex(tx.outs[outputIndex]!.script), bytesToHex(fundingOutputScript(localFundingPubkey, remoteFundingPubkey)), 'the funding output is the 2-of-2');
  t.equal(Number(tx.outs[outputIndex]!.value), 200_000);
  const change = tx.outs.findIndex((output) => bytesToHex(output.script) === bytesToHex(first.wallet.script));
  t.not(change, -1, 'change goes back to the wallet');
  const changeSatoshis = Number(tx.outs[change]!.value);
  const fee = 300_000 - 200_000 - changeSatoshis;
  // At 1000 sat per 1000 weight units the fee is about the weight (signatures were weighed at their largest).
  t.ok(fee >= tx.weight() && fee <= tx.weight() + 4, `the fee (${fee} sat) pays the feerate at the weight (${tx.weight()})`);
  t.equal(verifyWalletInputs(tx, before, first.wallet.script), 1, 'bcoin\'s interpreter accepts the signature');
  const forged = tx.clone();
  forged.outs[outputIndex]!.value = 200_001n;
  t.throws(() => verifyWalletInputs(forged, before, first.wallet.script), 'and refuses it once an output is changed');

  const after = [
    { txid: tx0.getId(), vout: 0, satoshis: 50_000 },
    { txid: tx.getId(), vout: change, satoshis: changeSatoshis },
    { txid: tx0.getId(), vout: 2, satoshis: 2_000_000 },
  ];
  t.same(first.wallet.coins(), after, 'the coin is gone, the change is in');
  t.equal(first.wallet.balance(), 2_050_000 + changeSatoshis);
  t.equal(first.wallet.addOutputsOf(tx), 0, 'seeing its own funding transaction later adds nothing');
  first.store.close();

  const second = openWallet(path);
  t.teardown(() => second.store.close());
  t.same(second.wallet.coins(), after, 'all of it is on disk');
});

t.test('fund: without a single coin large enough, the largest coins together', async (t) => {
  const { store, wallet } = openWallet(join(t.testdir(), 'store'));
  t.teardown(() => store.close());
  const tx0 = deposit(1, [100_000, 400_000, 30_000, 500_000].map((satoshis) => ({ script: wallet.script, satoshis })));
  wallet.addOutputsOf(tx0);
  const before = wallet.coins();
  const { tx, outputIndex } = wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 950_000, feeratePerKw: 253 });
  // It needs 960000 sat with the fee headroom: 500000 + 400000 fall short, 100000 more completes it; the 30000 coin is not needed.
  t.same(tx.ins.map((_, i) => spentBy(tx, i)).sort(), [`${tx0.getId()}:0`, `${tx0.getId()}:1`, `${tx0.getId()}:3`].sort(), 'the largest coins until enough');
  t.equal(Number(tx.outs[outputIndex]!.value), 950_000);
  t.equal(verifyWalletInputs(tx, before, wallet.script), 3, 'all three signatures are valid');
  t.same(wallet.coins().map((coin) => coin.txid === tx0.getId() ? coin.vout : 'change'), [2, 'change'], 'the 30000 coin stays, the change joins it');
});

t.test('fund: not enough money is a WalletError with the balance, and spends nothing', async (t) => {
  const path = join(t.testdir(), 'store');
  const { store, wallet } = openWallet(path);
  wallet.addOutputsOf(deposit(1, [{ script: wallet.script, satoshis: 60_000 }, { script: wallet.script, satoshis: 45_000 }]));
  const before = wallet.coins();
  t.throws(() => wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 100_000, feeratePerKw: 253 }), WalletError);
  t.throws(() => wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 100_000, feeratePerKw: 253 }), {
    name: 'WalletError',
    message: 'the wallet cannot pay a channel of 100000 sat: it needs 110000 sat and holds 105000 sat in 2 coins',
  });
  t.same(wallet.coins(), before, 'no coin removed');
  store.close();
  t.same(openWallet(path).wallet.coins(), before, 'nor on disk');

  const empty = openWallet(join(t.testdir(), 'empty'));
  t.teardown(() => empty.store.close());
  t.throws(() => empty.wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 20_000, feeratePerKw: 253 }), { message: /holds 0 sat in 0 coins/ }, 'an empty wallet says so');
});

t.test('payFee: a wallet coin and change added to an HTLC transaction, signed over the whole', async (t) => {
  const path = join(t.testdir(), 'store');
  const { store, wallet } = openWallet(path);
  const tx0 = deposit(1, [{ script: wallet.script, satoshis: 15_000 }, { script: wallet.script, satoshis: 80_000 }]);
  wallet.addOutputsOf(tx0);
  const before = wallet.coins();
  // Stands for an anchors HTLC-success transaction: its own input and output, carrying no fee.
  const htlc = new Transaction();
  htlc.version = 2;
  addInput(htlc, { txid: 'ee'.repeat(32), vout: 0 }, 1);
  addOutput(htlc, stranger, 10_000);
  wallet.payFee(htlc, 706, 2_500);
  t.equal(htlc.ins.length, 2, 'one wallet coin added');
  t.equal(spentBy(htlc, 1), `${tx0.getId()}:1`, 'the 80000 coin: the smallest of at least 20000 sat');
  t.equal(htlc.outs.length, 2, 'and a change output');
  t.equal(bytesToHex(htlc.outs[1]!.script), bytesToHex(wallet.script));
  const changeSatoshis = Number(htlc.outs[1]!.value);
  t.ok(changeSatoshis < 80_000 && changeSatoshis > 70_000, `the change (${changeSatoshis} sat) leaves a fee`);
  t.equal(bytesToHex(htlc.outs[0]!.script), bytesToHex(stranger), 'the HTLC output stays first (SIGHASH_SINGLE pairs it with input 0)');
  t.equal(verifyWalletInputs(htlc, before, wallet.script), 1, 'bcoin\'s interpreter accepts the wallet\'s signature');
  t.same(wallet.coins(), [{ txid: tx0.getId(), vout: 0, satoshis: 15_000 }, { txid: htlc.getId(), vout: 1, satoshis: changeSatoshis }].sort((a, b) => a.satoshis - b.satoshis));
  store.close();
  const reopened = openWallet(path);
  t.teardown(() => reopened.store.close());
  t.equal(reopened.wallet.balance(), 15_000 + changeSatoshis, 'kept across reopening');
});

t.test('payFee: not enough money is a WalletError with the balance, and changes nothing', async (t) => {
  const { store, wallet } = openWallet(join(t.testdir(), 'store'));
  t.teardown(() => store.close());
  wallet.addOutputsOf(deposit(1, [{ script: wallet.script, satoshis: 9_000 }, { script: wallet.script, satoshis: 6_000 }]));
  const htlc = new Transaction();
  addInput(htlc, { txid: 'ee'.repeat(32), vout: 0 }, 1);
  addOutput(htlc, stranger, 10_000);
  t.throws(() => wallet.payFee(htlc, 706, 253), { name: 'WalletError', message: 'the wallet cannot pay the fee of an HTLC claim: it needs 20000 sat and holds 15000 sat in 2 coins' });
  t.equal(htlc.ins.length, 1, 'the transaction is left as it was');
  t.equal(htlc.outs.length, 1);
  t.equal(wallet.balance(), 15_000, 'no coin removed');
});

/** Stands for an anchors HTLC transaction: its own input and output, carrying no fee. */
function htlcTransaction(): Transaction {
  const htlc = new Transaction();
  htlc.version = 2;
  addInput(htlc, { txid: 'ee'.repeat(32), vout: 0 }, 1);
  addOutput(htlc, stranger, 10_000);
  return htlc;
}

t.test('payFee for a replacement (a fee bump): the same coins again, the replaced change gone, nothing counted twice', async (t) => {
  const path = join(t.testdir(), 'store');
  const { store, wallet } = openWallet(path);
  const tx0 = deposit(2, [{ script: wallet.script, satoshis: 30_000 }, { script: wallet.script, satoshis: 500_000 }]);
  wallet.addOutputsOf(tx0);
  const first = htlcTransaction();
  wallet.payFee(first, 706, 2_500);
  t.equal(spentBy(first, 1), `${tx0.getId()}:0`, 'the first version spends the 30000 coin');
  const firstChange = Number(first.outs[1]!.value);

  const second = htlcTransaction();
  wallet.payFee(second, 706, 5_000, first);
  t.equal(spentBy(second, 1), `${tx0.getId()}:0`, 'the replacement spends the same coin: the two conflict there too');
  t.equal(second.ins.length, 2, 'and no other');
  const secondChange = Number(second.outs[1]!.value);
  t.ok(secondChange < firstChange, `less change (${firstChange} -> ${secondChange} sat): more fee`);
  t.equal(verifyWalletInputs(second, [{ txid: tx0.getId(), vout: 0, satoshis: 30_000 }], wallet.script), 1, "bcoin's interpreter accepts the wallet's signature");
  t.same(
    wallet.coins(),
    [{ txid: second.getId(), vout: 1, satoshis: secondChange }, { txid: tx0.getId(), vout: 1, satoshis: 500_000 }],
    "the replaced version's change is gone; the replacement's counts",
  );

  // At a feerate the 30,000 sat coin cannot pay: one more coin, the largest left.
  const third = htlcTransaction();
  wallet.payFee(third, 706, 40_000, second);
  t.same([spentBy(third, 1), spentBy(third, 2)], [`${tx0.getId()}:0`, `${tx0.getId()}:1`], 'the same coin and one more');
  t.same(wallet.coins(), [{ txid: third.getId(), vout: 1, satoshis: Number(third.outs[1]!.value) }], "only the last version's change: both coins are spent by it");

  // A miner took the first version after all: its coin is spent by it, the extra coin is free again, its change counts.
  wallet.replaced(third, first);
  t.same(
    wallet.coins(),
    [{ txid: first.getId(), vout: 1, satoshis: firstChange }, { txid: tx0.getId(), vout: 1, satoshis: 500_000 }],
    "the first version's change and the coin only the third spent",
  );
  store.close();
  const reopened = openWallet(path);
  t.teardown(() => reopened.store.close());
  t.equal(reopened.wallet.balance(), firstChange + 500_000, 'kept across reopening');
});

t.test("payFee for a replacement whose change the wallet has spent since: refused, nothing changes", async (t) => {
  const { store, wallet } = openWallet(join(t.testdir(), 'store'));
  t.teardown(() => store.close());
  wallet.addOutputsOf(deposit(3, [{ script: wallet.script, satoshis: 200_000 }]));
  const first = htlcTransaction();
  wallet.payFee(first, 706, 2_500);
  const other = htlcTransaction();
  wallet.payFee(other, 706, 2_500); // spends the first's change, the only coin
  t.equal(spentBy(other, 1), `${first.getId()}:1`);
  const coins = wallet.coins();
  t.throws(() => wallet.payFee(htlcTransaction(), 706, 5_000, first), { name: 'WalletError', message: /is spent by/ });
  t.same(wallet.coins(), coins, 'no coin moved');
});

t.test('a deposit shown again after its coin was spent does not bring the coin back', async (t) => {
  const { wallet } = openWallet(join(t.testdir(), 'store'));
  const paid = deposit(20, [{ script: wallet.script, satoshis: 1_000_000 }]);
  wallet.addOutputsOf(paid);
  const { tx } = wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 500_000, feeratePerKw: 253 });
  const afterFunding = wallet.balance();
  t.equal(wallet.addOutputsOf(paid), 0, 'nothing is added the second time');
  t.equal(wallet.balance(), afterFunding, 'the balance is the change of the funding transaction only');
  t.same(wallet.coins().map((coin) => coin.txid), [tx.getId()], 'the one coin left is that change');
});

t.test('settleFundings: an opening that never became a channel gives its coins back, its change and what spent it are gone', async (t) => {
  const path = join(t.testdir(), 'store');
  let { store, wallet } = openWallet(path);
  wallet.addOutputsOf(deposit(21, [{ script: wallet.script, satoshis: 1_000_000 }]));
  const first = wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 300_000, feeratePerKw: 253 }).tx;
  const second = wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 200_000, feeratePerKw: 253 }).tx; // spends the first's change
  t.equal(spentBy(second, 0).split(':')[0], first.getId(), 'the second funding spends the change of the first');
  const third = wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 100_000, feeratePerKw: 253 }).tx;
  // A restart: the first and third openings became channels, the second did not.
  store.close();
  ({ store, wallet } = openWallet(path));
  t.teardown(() => store.close());
  const before = wallet.balance();
  const { released } = wallet.settleFundings(new Set([first.getId(), third.getId()]));
  // The third spent the second's change: it cannot stand without it, channel or not.
  t.equal(spentBy(third, 0).split(':')[0], second.getId(), 'the third funding spends the change of the second');
  t.same(released.sort(), [second.getId(), third.getId()].sort(), 'the second spend is undone, and the third that spent its change');
  const coins = wallet.coins();
  t.ok(coins.some((coin) => coin.txid === first.getId()), "the first funding's change is unspent again");
  t.notOk(coins.some((coin) => coin.txid === second.getId()), "the second funding's change is gone");
  t.ok(wallet.balance() > before - 1, 'the balance does not fall');
  t.same(wallet.settleFundings(new Set([first.getId(), third.getId()])).released, [], 'settling again changes nothing');
});

t.test('settleFundings undoes a chain: a funding spending the change of an undone one is undone too', async (t) => {
  const { store, wallet } = openWallet(join(t.testdir(), 'store'));
  t.teardown(() => store.close());
  wallet.addOutputsOf(deposit(22, [{ script: wallet.script, satoshis: 1_000_000 }]));
  const first = wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 300_000, feeratePerKw: 253 }).tx;
  const second = wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 200_000, feeratePerKw: 253 }).tx;
  t.equal(spentBy(second, 0).split(':')[0], first.getId());
  const { released } = wallet.settleFundings(new Set([second.getId()]));
  t.same(released.sort(), [first.getId(), second.getId()].sort(), 'the second cannot stand without the first');
  t.equal(wallet.balance(), 1_000_000, 'the deposit is whole again');
});

t.test('abandonTransaction: a claim whose output the counterparty took gives its fee coin back, and its change is gone', async (t) => {
  const path = join(t.testdir(), 'store');
  let { store, wallet } = openWallet(path);
  const paid = deposit(23, [{ script: wallet.script, satoshis: 80_000 }]);
  wallet.addOutputsOf(paid);
  const htlc = new Transaction();
  htlc.version = 2;
  addInput(htlc, { txid: 'ee'.repeat(32), vout: 0 }, 1);
  addOutput(htlc, stranger, 10_000);
  wallet.payFee(htlc, 706, 2_500);
  t.not(wallet.balance(), 80_000, 'the fee paid, the change counted');
  // A funding that spends that change can stand no more than the change itself.
  const funding = wallet.fund({ localFundingPubkey, remoteFundingPubkey, satoshis: 30_000, feeratePerKw: 253 }).tx;
  t.equal(spentBy(funding, 0).split(':')[0], htlc.getId(), 'the funding spends the claim\'s change');
  wallet.abandonTransaction('ab'.repeat(32));
  t.same(wallet.coins().map((coin) => coin.txid).sort(), [funding.getId()], 'a txid the wallet did not make changes nothing');
  wallet.abandonTransaction(htlc.getId());
  t.same(wallet.coins(), [{ txid: paid.getId(), vout: 0, satoshis: 80_000 }], 'the deposit is whole again: no change of either, no spend');
  store.close();
  ({ store, wallet } = openWallet(path));
  t.teardown(() => store.close());
  t.equal(wallet.balance(), 80_000, 'and so it stays after reopening');
});
