/**
 * The compliance suite of `OnChainWallet` (gateway/wallet/on-chain-wallet.ts):
 * what the gateway's Lightning side relies on from any wallet backend, run
 * against each (bcoin's wallet beside the embedded chain, and Core's wallet
 * RPC played by bcoin's). Each subtest gets a fresh regtest chain past segwit
 * activation and an empty wallet; coins come from the miner's
 * anyone-can-spend coinbases.
 */
import type { Test } from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { coinbaseAt, spendAnyoneCanSpendTo } from '../../../gateway/chain/regtest-coins.js';
import { ANYONE_CAN_SPEND_OUTPUT } from '../../../gateway/chain/regtest-miner.js';
import type { OnChainWallet, WalletOutput } from '../../../gateway/wallet/on-chain-wallet.js';
import { p2wpkh, p2wsh } from '../../../node/bolt3/scripts.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { publicKeyOf } from '../../../node/core/curve.js';

export interface WalletUnderTest {
  /** The wallet under test, open, empty. */
  readonly wallet: OnChainWallet;
  /** The regtest chain it follows, mined past segwit activation (coinbases of blocks 1 to 332 are spendable). */
  readonly chain: EmbeddedChain;
}

type Open = (t: Test) => Promise<WalletUnderTest>;

const BTC = 100_000_000;
/** Someone else's outputs: a channel's funding (P2WSH) and a P2WPKH. */
const fundingScript = p2wsh(Uint8Array.of(0x52, 0x21, ...publicKeyOf(new Uint8Array(32).fill(1)), 0x21, ...publicKeyOf(new Uint8Array(32).fill(2)), 0x52, 0xae));
const someoneElse = p2wpkh(publicKeyOf(new Uint8Array(32).fill(3)));

export function behavesAsAnOnChainWallet(t: Test, name: string, open: Open): void {
  t.test(`${name} behaves as an OnChainWallet`, async (t) => {
    t.test('coins sent to its receive scripts show in its balance: unconfirmed (not yet spendable), then confirmed after a block', (t) => receives(t, open));
    t.test('funds: the outputs asked for first, change back to it, segwit inputs signed, at the feerate asked; the chain takes it', (t) => funds(t, open));
    t.test('a funding locks its coins: the next one never spends them; release gives them back', (t) => locks(t, open));
    t.test('more than it has: InsufficientFundsError naming the shortfall, nothing locked', (t) => refusesBeyondBalance(t, open));
    t.test('bad input: a clear InvalidInputError, nothing changed', (t) => refusesBadInput(t, open));
    t.test('follows the chain: a reorg that takes the paying block away makes the coins unconfirmed again', (t) => followsReorgs(t, open));
  });
}

/** Sends `amounts` to fresh receive scripts of `wallet` in one transaction, from the coinbase at `coinbaseHeight` (50 BTC, the rest back to anyone); not mined. */
export async function sendTo(chain: EmbeddedChain, wallet: OnChainWallet, amounts: readonly number[], coinbaseHeight = 1): Promise<Transaction> {
  const coin = await coinbaseAt(chain, coinbaseHeight);
  const outputs = [];
  for (const satoshis of amounts) outputs.push({ script: await wallet.receiveScript(), satoshis });
  const rest = coin.satoshis - amounts.reduce((sum, satoshis) => sum + satoshis, 0) - 10_000;
  const tx = spendAnyoneCanSpendTo(coin, [...outputs, { script: ANYONE_CAN_SPEND_OUTPUT, satoshis: rest }]);
  const result = await chain.broadcast(tx);
  if (!result.accepted) throw new Error(`the faucet transaction was refused: ${result.reason}`);
  return tx;
}

/** Sum of the values of the outputs `tx` spends, read from the chain. */
async function inputsValue(chain: EmbeddedChain, tx: Transaction): Promise<number> {
  let total = 0;
  for (const input of tx.ins) {
    const parent = (await chain.transaction(Buffer.from(input.hash).reverse().toString('hex')))!;
    total += Number(parent.outs[input.index]!.value);
  }
  return total;
}

const outpointsOf = (tx: Transaction) => tx.ins.map((input) => `${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`);

async function receives(t: Test, open: Open): Promise<void> {
  const { wallet, chain } = await open(t);
  t.same(await wallet.balance(), { confirmed: 0, unconfirmed: 0 }, 'empty at first');
  const first = await wallet.receiveScript();
  const second = await wallet.receiveScript();
  t.equal(first.length, 22, 'P2WPKH: 22 bytes');
  t.equal(bytesToHex(first.subarray(0, 2)), '0014', 'OP_0 and a 20-byte push');
  t.not(bytesToHex(first), bytesToHex(second), 'a new script each time');
  await sendTo(chain, wallet, [BTC, BTC / 2]);
  t.same(await wallet.balance(), { confirmed: 0, unconfirmed: 1.5 * BTC }, 'in the mempool: unconfirmed');
  await t.rejects(wallet.fund([{ script: fundingScript, satoshis: BTC / 2 }], 1_000), { name: 'InsufficientFundsError', availableSatoshis: 0, message: /wait for coins sent to it to confirm/ }, "someone else's unconfirmed coins fund nothing: the sender could double-spend them");
  await chain.mine(1);
  t.same(await wallet.balance(), { confirmed: 1.5 * BTC, unconfirmed: 0 }, 'in a block: confirmed');
  t.equal((await wallet.fund([{ script: fundingScript, satoshis: BTC / 2 }], 1_000)).ins.length, 1, 'confirmed: they fund');
}

async function funds(t: Test, open: Open): Promise<void> {
  const { wallet, chain } = await open(t);
  await sendTo(chain, wallet, [BTC, BTC]);
  await chain.mine(1);
  const outputs: WalletOutput[] = [
    { script: fundingScript, satoshis: 150_000_000 }, // more than one coin: two inputs
    { script: someoneElse, satoshis: 12_345 },
  ];
  const feeratePerKw = 2_500;
  const tx = await wallet.fund(outputs, feeratePerKw);
  t.equal(tx.outs.length, 3, 'the two outputs and the change');
  t.same(tx.outs.slice(0, 2).map((out) => [bytesToHex(out.script), Number(out.value)]), outputs.map((out) => [bytesToHex(out.script), out.satoshis]), 'the outputs asked for, first, in order');
  t.equal(tx.ins.length, 2);
  for (const input of tx.ins) {
    t.equal(input.script.length, 0, 'no scriptSig: native segwit');
    t.equal(input.witness.length, 2, 'a signature and a key (P2WPKH)');
  }
  const fee = (await inputsValue(chain, tx)) - tx.outs.reduce((sum, out) => sum + Number(out.value), 0);
  const paidPerKw = (fee * 1000) / tx.weight();
  t.ok(paidPerKw >= feeratePerKw * 0.98 && paidPerKw <= feeratePerKw * 1.05, `pays ${paidPerKw.toFixed(0)} sat/kw for ${feeratePerKw} asked (weight ${tx.weight()}, fee ${fee})`);
  t.same(await wallet.balance(), { confirmed: 2 * BTC, unconfirmed: 0 }, 'not broadcast: the balance has not moved');

  t.same(await chain.broadcast(tx), { accepted: true, txid: tx.getId() }, 'the chain takes it: the signatures are valid');
  const change = Number(tx.outs[2]!.value);
  t.same(await wallet.balance(), { confirmed: 0, unconfirmed: change }, 'its coins spent in the mempool, the change unconfirmed');
  await chain.mine(1);
  t.same(await wallet.balance(), { confirmed: change, unconfirmed: 0 }, 'the change is the wallet’s, confirmed');
  t.equal(change, 2 * BTC - 150_000_000 - 12_345 - fee);
}

async function locks(t: Test, open: Open): Promise<void> {
  const { wallet, chain } = await open(t);
  await sendTo(chain, wallet, [BTC, BTC]);
  await chain.mine(1);
  const pay = [{ script: fundingScript, satoshis: 60_000_000 }];
  const [first, second] = await Promise.all([wallet.fund(pay, 1_000), wallet.fund(pay, 1_000)]);
  t.equal(first!.ins.length, 1);
  t.equal(second!.ins.length, 1);
  t.not(outpointsOf(first!)[0], outpointsOf(second!)[0], 'two fundings at once: two different coins');
  await t.rejects(wallet.fund(pay, 1_000), { name: 'InsufficientFundsError', availableSatoshis: 0 }, 'both coins are locked');
  t.same(await wallet.balance(), { confirmed: 2 * BTC, unconfirmed: 0 }, 'locked coins are still the wallet’s');

  await wallet.release(first!);
  const third = await wallet.fund(pay, 1_000);
  t.same(outpointsOf(third), outpointsOf(first!), 'released: its coin funds again');
  t.same(await chain.broadcast(second!), { accepted: true, txid: second!.getId() });
  t.same(await chain.broadcast(third), { accepted: true, txid: third.getId() }, 'the two fundings out together: no double spend');
  await wallet.release(third); // broadcast already: releasing does no harm
  await chain.mine(1);
  t.equal((await wallet.balance()).confirmed, Number(second!.outs[1]!.value) + Number(third.outs[1]!.value), 'both changes confirmed');
}

async function refusesBeyondBalance(t: Test, open: Open): Promise<void> {
  const { wallet, chain } = await open(t);
  await sendTo(chain, wallet, [BTC]);
  await chain.mine(1);
  const error = await wallet.fund([{ script: fundingScript, satoshis: 3 * BTC }], 1_000).catch((error: Error) => error);
  t.match(error, { name: 'InsufficientFundsError', availableSatoshis: BTC }, 'a WalletError that says what it has');
  const { shortfallSatoshis, neededSatoshis } = error as unknown as { shortfallSatoshis: number; neededSatoshis: number };
  t.ok(shortfallSatoshis >= 2 * BTC && shortfallSatoshis < 2 * BTC + 10_000, `short of the outputs plus a fee: ${shortfallSatoshis}`);
  t.equal(neededSatoshis - BTC, shortfallSatoshis);
  t.match((error as Error).message, new RegExp(`send it at least ${shortfallSatoshis} sat more`));
  const tx = await wallet.fund([{ script: fundingScript, satoshis: BTC / 2 }], 1_000);
  t.equal(tx.ins.length, 1, 'nothing was locked: its one coin funds what it can pay');
}

async function refusesBadInput(t: Test, open: Open): Promise<void> {
  const { wallet, chain } = await open(t);
  await sendTo(chain, wallet, [BTC]);
  await chain.mine(1);
  const pay = (satoshis: number) => [{ script: fundingScript, satoshis }];
  await t.rejects(wallet.fund(pay(-1), 1_000), { name: 'InvalidInputError', field: 'outputs[0].satoshis' }, 'a negative amount');
  await t.rejects(wallet.fund(pay(1.5), 1_000), { name: 'InvalidInputError', field: 'outputs[0].satoshis' }, 'a fraction of a satoshi');
  await t.rejects(wallet.fund([{ script: someoneElse, satoshis: 293 }], 1_000), { name: 'InvalidInputError', field: 'outputs[0].satoshis', message: /outside \[294,/ }, 'dust: below 294 sat to a P2WPKH');
  await t.rejects(wallet.fund([], 1_000), { name: 'InvalidInputError', field: 'outputs', message: /at least 1 element/ }, 'no outputs');
  await t.rejects(wallet.fund([{ script: new Uint8Array(0), satoshis: 1_000 }], 1_000), { name: 'InvalidInputError', field: 'outputs[0].script' }, 'an empty script');
  await t.rejects(wallet.fund(pay(1_000), 252), { name: 'InvalidInputError', field: 'feeratePerKw', message: /252 is outside \[253,/ }, "below Lightning's floor");
  await t.rejects(wallet.fund(pay(1_000), 1_000_001), { name: 'InvalidInputError', field: 'feeratePerKw' }, 'absurdly high: a unit mistake');
  t.same(await wallet.balance(), { confirmed: BTC, unconfirmed: 0 });
  const tx = await wallet.fund(pay(BTC / 2), 253);
  t.equal(tx.ins.length, 1, 'its coin was left free');
}

async function followsReorgs(t: Test, open: Open): Promise<void> {
  const { wallet, chain } = await open(t);
  await sendTo(chain, wallet, [BTC]);
  await chain.mine(1);
  t.same(await wallet.balance(), { confirmed: BTC, unconfirmed: 0 });
  await chain.reorg(1);
  t.same(await wallet.balance(), { confirmed: 0, unconfirmed: BTC }, 'its block gone: back in the mempool');
  await chain.mine(1);
  t.same(await wallet.balance(), { confirmed: BTC, unconfirmed: 0 }, 'mined again: confirmed');
}
