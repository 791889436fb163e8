// A wallet coin pays the fee of a transaction that has none (an anchors HTLC
// transaction): the transaction's own input and output keep their places,
// the fee matches the feerate on the final weight, and bad coins are refused.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { P2WPKH_INPUT_WEIGHT, addFeeInputs } from '../../../node/bolt3/fee-inputs.js';
import type { FundingInput } from '../../../node/bolt3/funding.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { Transaction, addInput, addOutput } from '../../../node/bolt3/transaction.js';
import { publicKeyOf, signDigest } from '../../../node/core/curve.js';
import { throwsField } from '../input.js';

const walletKey = sha256(Uint8Array.of(0xfe));
const coin: FundingInput = { outpoint: { txid: '11'.repeat(32), vout: 3 }, satoshis: 50_000, publicKey: publicKeyOf(walletKey), kind: 'p2wpkh' };
const change = p2wpkh(publicKeyOf(walletKey));
const sign = (_coin: FundingInput, digest: Uint8Array) => signDigest(digest, walletKey);

function zeroFeeTransaction(): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  addInput(tx, { txid: '22'.repeat(32), vout: 0 }, 1);
  addOutput(tx, p2wpkh(publicKeyOf(sha256(Uint8Array.of(1)))), 100_000);
  tx.setWitness(0, [new Uint8Array(73), new Uint8Array(73), new Uint8Array(0), new Uint8Array(120)]);
  return tx;
}

t.test('adds the coin and change after what is there, and pays the feerate on the final weight', async (t) => {
  const tx = zeroFeeTransaction();
  const baseWeight = tx.weight();
  const fee = addFeeInputs(tx, { coins: [coin], changeScript: change, baseWeight, feeratePerKw: 2500 }, sign);
  t.equal(tx.ins.length, 2, 'one input added');
  t.equal(Buffer.from(tx.ins[0]!.hash).toString('hex'), '22'.repeat(32), 'input 0 is still the original');
  t.equal(tx.outs.length, 2, 'one change output added');
  t.equal(Number(tx.outs[0]!.value), 100_000, 'output 0 is still the original');
  t.equal(Number(tx.outs[1]!.value), coin.satoshis - fee, 'the rest of the coin comes back as change');
  t.ok(tx.weight() <= baseWeight + P2WPKH_INPUT_WEIGHT + 4 * 31, 'the estimate is an upper bound of the real weight');
  t.ok(fee >= Math.floor((2500 * tx.weight()) / 1000), `the fee ${fee} sat covers 2500 sat/kw on ${tx.weight()} weight units`);
  const [signature] = tx.ins[1]!.witness;
  t.equal(tx.ins[1]!.witness[1]!.length, 33, 'the witness holds the coin key');
  t.ok(signature && signature.length >= 9, 'and a signature');
});

t.test('refuses coins it cannot use', async (t) => {
  const params = { coins: [coin], changeScript: change, baseWeight: 700, feeratePerKw: 2500 };
  throwsField(t, () => addFeeInputs(zeroFeeTransaction(), { ...params, coins: [] }, sign), 'coins', 'no coin');
  throwsField(t, () => addFeeInputs(zeroFeeTransaction(), { ...params, coins: [{ ...coin, kind: 'p2pkh' }] }, sign), 'coins[0].kind', 'a P2PKH coin (its signature would change the txid)');
  throwsField(t, () => addFeeInputs(zeroFeeTransaction(), { ...params, coins: [{ ...coin, satoshis: 1_500 }] }, sign), 'coins', 'a coin that leaves dust');
  throwsField(t, () => addFeeInputs(zeroFeeTransaction(), { ...params, feeratePerKw: -1 }, sign), 'feeratePerKw', 'a negative feerate');
  const tx = zeroFeeTransaction();
  try {
    addFeeInputs(tx, { ...params, coins: [{ ...coin, satoshis: 1_500 }] }, sign);
  } catch {
    // refused
  }
  t.equal(tx.ins.length, 1, 'a refusal leaves the transaction as it was');
});
