/**
 * The funding transaction: the funder's coins into the 2-of-2 funding output
 * (BOLT 3, "Funding Transaction Output"), with change back to the funder.
 *
 * The fee is the feerate times the weight of the transaction signed with
 * signatures of the largest size (72 bytes with their sighash byte), as
 * Bitcoin Core's wallet estimates it: known before anything is signed.
 */
import { script as bscript } from 'bitcoinjs-lib';
import { InvalidInputError, checkArray, checkBytes, checkInteger, checkObject } from '../core/input.js';
import { checkPublicKey } from '../core/curve.js';
import { dustThreshold } from './dust.js';
import { MAX_FEERATE_PER_KW, feeForWeight } from './fees.js';
import { compareBytes, fundingScript, p2pkh, p2wsh } from './scripts.js';
import { MAX_SIGNATURE_WITNESS_SIZE } from './sweep.js';
import { encodeBitcoinSignature } from './signatures.js';
import {
  type Outpoint,
  SIGHASH_ALL,
  Transaction,
  addInput,
  addOutput,
  checkOutpoint,
  checkSatoshis,
  legacySighash,
  segwitSighash,
} from './transaction.js';

export interface FundingInput {
  readonly outpoint: Outpoint;
  readonly satoshis: number;
  /** The key that owns the coin; the coin pays to its P2WPKH (or, for the BOLT 3 vector only, P2PKH) script. */
  readonly publicKey: Uint8Array;
  readonly kind: 'p2wpkh' | 'p2pkh';
}

/** Signs a sighash digest for one input's key, returning a 64-byte compact signature. The secret stays with the caller. */
export type DigestSigner = (input: FundingInput, digest: Uint8Array) => Uint8Array;

export interface FundingParams {
  readonly inputs: readonly FundingInput[];
  readonly fundingSatoshis: number;
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
  readonly changeScript: Uint8Array;
  readonly feeratePerKw: number;
  readonly locktime?: number;
  /**
   * Allows P2PKH coins. Their signatures live outside the witness, so anyone
   * relaying the transaction can change its txid and strand the commitments
   * already signed on it (BOLT 2 requires a non-malleable funding transaction).
   * Only for reproducing BOLT 3 Appendix B, which spends a P2PKH coin.
   */
  readonly allowMalleableInputs?: boolean;
}

export interface FundingTransaction {
  readonly tx: Transaction;
  readonly fundingOutputIndex: number;
  readonly changeSatoshis: number;
  readonly feeSatoshis: number;
}

/** The funding output's script: P2WSH of the 2-of-2 `fundingScript`. */
export function fundingOutputScript(localFundingPubkey: Uint8Array, remoteFundingPubkey: Uint8Array): Uint8Array {
  return p2wsh(fundingScript(localFundingPubkey, remoteFundingPubkey));
}

export function buildFundingTransaction(params: FundingParams, sign: DigestSigner): FundingTransaction {
  const inputs = checkFundingParams(params);
  const fundingScriptPubKey = fundingOutputScript(params.localFundingPubkey, params.remoteFundingPubkey);
  const total = inputs.reduce((sum, input) => sum + input.satoshis, 0);

  const build = (change: number) => {
    const outputs = [{ script: fundingScriptPubKey, satoshis: params.fundingSatoshis }];
    if (change > 0) outputs.push({ script: params.changeScript, satoshis: change });
    outputs.sort((a, b) => a.satoshis - b.satoshis || compareBytes(a.script, b.script));
    const tx = new Transaction();
    tx.version = 2;
    tx.locktime = params.locktime ?? 0;
    for (const input of inputs) addInput(tx, input.outpoint, 0xffffffff);
    for (const output of outputs) addOutput(tx, output.script, output.satoshis);
    return { tx, fundingOutputIndex: outputs.findIndex((output) => output.script === fundingScriptPubKey) };
  };

  // Weigh with signatures of the largest size, so the fee is known before signing.
  const placeholder = build(1);
  inputs.forEach((input, i) => setSignature(placeholder.tx, i, input, new Uint8Array(MAX_SIGNATURE_WITNESS_SIZE)));
  const withChangeFee = feeForWeight(params.feeratePerKw, placeholder.tx.weight());
  const withoutChangeFee = feeForWeight(params.feeratePerKw, placeholder.tx.weight() - 4 * (8 + 1 + params.changeScript.length));
  let change = total - params.fundingSatoshis - withChangeFee;
  if (change < dustThreshold(params.changeScript)) change = 0;
  const feeSatoshis = total - params.fundingSatoshis - change;
  if (feeSatoshis < (change > 0 ? withChangeFee : withoutChangeFee)) {
    throw new InvalidInputError('inputs', `${total} sat in inputs cannot pay ${params.fundingSatoshis} sat of funding and ${withoutChangeFee} sat of fee`);
  }

  const { tx, fundingOutputIndex } = build(change);
  inputs.forEach((input, i) => {
    const scriptCode = p2pkh(input.publicKey);
    const digest = input.kind === 'p2pkh' ? legacySighash(tx, i, scriptCode, SIGHASH_ALL) : segwitSighash(tx, i, scriptCode, input.satoshis, SIGHASH_ALL);
    setSignature(tx, i, input, encodeBitcoinSignature(sign(input, digest), SIGHASH_ALL));
  });
  return { tx, fundingOutputIndex, changeSatoshis: change, feeSatoshis };
}

/** P2PKH carries `<sig> <pubkey>` in its input script, P2WPKH in its witness. */
function setSignature(tx: Transaction, index: number, input: FundingInput, signature: Uint8Array): void {
  if (input.kind === 'p2pkh') tx.setInputScript(index, bscript.compile([signature, input.publicKey]));
  else tx.setWitness(index, [signature, input.publicKey]);
}

function checkFundingParams(params: FundingParams): FundingInput[] {
  checkObject('params', params);
  checkArray('inputs', params.inputs, 1).forEach((input, i) => {
    checkObject(`inputs[${i}]`, input);
    checkOutpoint(`inputs[${i}].outpoint`, input.outpoint);
    checkSatoshis(`inputs[${i}].satoshis`, input.satoshis);
    checkPublicKey(`inputs[${i}].publicKey`, input.publicKey);
    if (input.kind === 'p2pkh' && !params.allowMalleableInputs) {
      throw new InvalidInputError(`inputs[${i}].kind`, 'P2PKH coins make the funding txid malleable: fund a channel from segwit (P2WPKH) coins');
    }
    if (input.kind !== 'p2pkh' && input.kind !== 'p2wpkh') throw new InvalidInputError(`inputs[${i}].kind`, 'expected "p2wpkh"');
  });
  checkSatoshis('fundingSatoshis', params.fundingSatoshis);
  checkBytes('changeScript', params.changeScript);
  checkInteger('feeratePerKw', params.feeratePerKw, 0, MAX_FEERATE_PER_KW);
  checkInteger('locktime', params.locktime ?? 0, 0, 0xffffffff);
  // BIP 69 input order: txid as displayed, then output index.
  return [...params.inputs].sort((a, b) => (a.outpoint.txid < b.outpoint.txid ? -1 : a.outpoint.txid > b.outpoint.txid ? 1 : a.outpoint.vout - b.outpoint.vout));
}
