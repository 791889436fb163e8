// The funding transaction from a wallet's P2WPKH coins: valid for bcoin's
// interpreter, fee = feerate x weight at the largest signature size, change
// dropped when it would be dust, and a clear refusal when the coins fall short.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type FundingInput, buildFundingTransaction, fundingOutputScript } from '../../../node/bolt3/funding.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { publicKeyOf, signDigest } from '../../../node/core/curve.js';
import { throwsField } from '../input.js';
import { scriptResult } from './interpreter.js';

const walletKey = new Uint8Array(32).fill(5);
const walletPubkey = publicKeyOf(walletKey);
const localFundingPubkey = publicKeyOf(new Uint8Array(32).fill(6));
const remoteFundingPubkey = publicKeyOf(new Uint8Array(32).fill(7));
const coin = (n: number, satoshis: number): FundingInput => ({
  outpoint: { txid: bytesToHex(sha256(Uint8Array.of(n))), vout: n },
  satoshis,
  publicKey: walletPubkey,
  kind: 'p2wpkh',
});
const sign = (_input: FundingInput, digest: Uint8Array) => signDigest(digest, walletKey);
const params = { fundingSatoshis: 500_000, localFundingPubkey, remoteFundingPubkey, changeScript: p2wpkh(walletPubkey), feeratePerKw: 1000 };

t.test('two P2WPKH coins into a funding output with change', async (t) => {
  const inputs = [coin(2, 300_000), coin(1, 400_000)];
  const built = buildFundingTransaction({ ...params, inputs }, sign);
  const { tx } = built;
  t.equal(bytesToHex(tx.outs[built.fundingOutputIndex]!.script), bytesToHex(fundingOutputScript(localFundingPubkey, remoteFundingPubkey)), 'funding output found');
  t.equal(Number(tx.outs[built.fundingOutputIndex]!.value), 500_000);
  t.equal(built.changeSatoshis + built.feeSatoshis + 500_000, 700_000, 'inputs = funding + change + fee');
  t.ok(built.feeSatoshis >= Math.floor((1000 * tx.weight()) / 1000), 'the fee covers the feerate at the weight as signed');
  tx.ins.forEach((input, i) => {
    const spent = inputs.find((c) => c.outpoint.vout === input.index)!;
    t.equal(scriptResult(tx, i, { scriptPubKey: p2wpkh(walletPubkey), satoshis: spent.satoshis }), 'OK', `input ${i} valid`);
  });
  t.ok(bytesToHex(Uint8Array.from(tx.ins[0]!.hash).reverse()) < bytesToHex(Uint8Array.from(tx.ins[1]!.hash).reverse()), 'inputs in BIP 69 order');
});

t.test('change below the dust threshold goes to the fee', async (t) => {
  const built = buildFundingTransaction({ ...params, inputs: [coin(1, 500_600)] }, sign);
  t.equal(built.tx.outs.length, 1, 'no change output');
  t.equal(built.changeSatoshis, 0);
  t.equal(built.feeSatoshis, 600, 'the would-be change (under 294 sat) is paid as fee');
});

t.test('refusals name the field', async (t) => {
  const refuses = (run: () => unknown, field: string, what: string) => throwsField(t, run, field, what);
  refuses(() => buildFundingTransaction({ ...params, inputs: [coin(1, 500_400)] }, sign), 'inputs', 'coins that cannot pay the fee');
  refuses(() => buildFundingTransaction({ ...params, inputs: [] }, sign), 'inputs', 'no coins');
  refuses(() => buildFundingTransaction({ ...params, inputs: [{ ...coin(1, 600_000), kind: 'p2pkh' }] }, sign), 'inputs[0].kind', 'a P2PKH coin (malleable funding txid)');
  refuses(() => buildFundingTransaction({ ...params, inputs: [null as never] }, sign), 'inputs[0]', 'a null coin');
  refuses(() => buildFundingTransaction({ ...params, inputs: [{ ...coin(1, 1), kind: 'p2tr' as never }] }, sign), 'inputs[0].kind', 'an unknown coin kind');
  refuses(() => buildFundingTransaction({ ...params, inputs: [coin(1, 600_000)], feeratePerKw: -5 }, sign), 'feeratePerKw', 'a negative feerate');
});
