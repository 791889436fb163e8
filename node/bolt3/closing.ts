/**
 * The cooperative closing transaction (BOLT 3, "Closing Transaction"): the
 * funding output split between the two sides' shutdown scripts, the fee
 * taken from the funder, outputs below the dust limit left out, BIP 69 order.
 * Nobody's funds are delayed: both agreed.
 */
import { InvalidInputError, checkBytes, checkInteger } from '../core/input.js';
import { MAX_SIGNATURE_WITNESS_SIZE } from './sweep.js';
import { compareBytes, fundingScript } from './scripts.js';
import { type Outpoint, Transaction, addInput, addOutput, checkOutpoint, checkSatoshis } from './transaction.js';

export interface ClosingParams {
  readonly fundingOutpoint: Outpoint;
  readonly fundingSatoshis: number;
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
  readonly localScript: Uint8Array;
  readonly remoteScript: Uint8Array;
  readonly localMsat: number;
  readonly remoteMsat: number;
  readonly localIsFunder: boolean;
  readonly feeSatoshis: number;
  readonly dustLimitSatoshis: number;
}

export function buildClosingTransaction(params: ClosingParams): Transaction {
  checkOutpoint('fundingOutpoint', params.fundingOutpoint);
  const funding = checkSatoshis('fundingSatoshis', params.fundingSatoshis);
  checkBytes('localScript', params.localScript);
  checkBytes('remoteScript', params.remoteScript);
  const fee = checkInteger('feeSatoshis', params.feeSatoshis, 0, funding);
  let local = Math.floor(checkInteger('localMsat', params.localMsat, 0, funding * 1000) / 1000);
  let remote = Math.floor(checkInteger('remoteMsat', params.remoteMsat, 0, funding * 1000) / 1000);
  if (params.localIsFunder) local -= fee;
  else remote -= fee;
  if (local < 0 || remote < 0) throw new InvalidInputError('feeSatoshis', `a fee of ${fee} sat is more than the funder has`);
  const outputs = [
    { script: params.localScript, satoshis: local },
    { script: params.remoteScript, satoshis: remote },
  ].filter((output) => output.satoshis >= params.dustLimitSatoshis);
  outputs.sort((a, b) => a.satoshis - b.satoshis || compareBytes(a.script, b.script));
  const tx = new Transaction();
  tx.version = 2;
  addInput(tx, params.fundingOutpoint, 0xffffffff);
  for (const output of outputs) addOutput(tx, output.script, output.satoshis);
  return tx;
}

/** The weight of a closing transaction once both signatures are in, at their largest. */
export function closingWeight(params: Omit<ClosingParams, 'feeSatoshis'>): number {
  const tx = buildClosingTransaction({ ...params, feeSatoshis: 0 });
  const placeholder = new Uint8Array(MAX_SIGNATURE_WITNESS_SIZE);
  tx.setWitness(0, [new Uint8Array(0), placeholder, placeholder, fundingScript(params.localFundingPubkey, params.remoteFundingPubkey)]);
  return tx.weight();
}
