/**
 * Commitment transactions (BOLT 3, "Commitment Transaction Construction").
 *
 * Both peers build the same transaction from the same numbers, so every step
 * follows the spec's order exactly: trim HTLCs, compute the fee, take the fee
 * (and the anchors) from the funder, drop dust outputs, sort.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { InvalidInputError, checkArray, checkBytes, checkInteger, checkObject } from '../core/input.js';
import { checkPublicKey } from '../core/curve.js';
import { MAX_ACCEPTED_HTLCS, MIN_DUST_LIMIT_SATOSHIS } from '../core/bolt-limits.js';
import { type CommitmentScriptKeys, checkCommitmentScriptKeys } from './commitment-keys.js';
import {
  ANCHOR_OUTPUT_SATOSHIS,
  type CommitmentVariant,
  type HtlcDirection,
  MAX_FEERATE_PER_KW,
  checkVariant,
  commitmentFee,
  isHtlcTrimmed,
} from './fees.js';
import { MAX_SHACHAIN_INDEX } from './shachain.js';
import {
  MAX_CLTV_EXPIRY,
  anchorScript,
  compareBytes,
  fundingScript,
  offeredHtlcScript,
  p2wpkh,
  p2wsh,
  receivedHtlcScript,
  sortPublicKeys,
  toLocalScript,
  toRemoteAnchorsScript,
} from './scripts.js';
import { type Outpoint, Transaction, addInput, addOutput, checkOutpoint, checkSatoshis } from './transaction.js';


/** Commitment numbers are 48-bit, like the shachain indexes they map to. */
export const MAX_COMMITMENT_NUMBER = MAX_SHACHAIN_INDEX;

/** An HTLC as seen by the commitment's owner. `id` is carried to its output untouched. */
export interface Htlc {
  readonly direction: HtlcDirection;
  readonly amountMsat: number;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly id?: number;
}

export interface CommitmentParams {
  readonly variant: CommitmentVariant;
  readonly fundingOutpoint: Outpoint;
  readonly fundingSatoshis: number;
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
  /** Lower 48 bits of SHA256(opener's payment_basepoint || accepter's payment_basepoint). */
  readonly obscuringFactor: number;
  readonly commitmentNumber: number;
  /** The funder pays the commitment fee and the anchors. */
  readonly localIsFunder: boolean;
  readonly toLocalMsat: number;
  readonly toRemoteMsat: number;
  readonly feeratePerKw: number;
  /** The commitment owner's dust limit. */
  readonly dustLimitSatoshis: number;
  /** The delay the counterparty imposed on the owner's own outputs. */
  readonly toSelfDelay: number;
  readonly keys: CommitmentScriptKeys;
  readonly htlcs: readonly Htlc[];
}

export type CommitmentOutputKind = 'to_local' | 'to_remote' | 'local_anchor' | 'remote_anchor' | 'offered_htlc' | 'received_htlc';

export interface CommitmentOutput {
  readonly kind: CommitmentOutputKind;
  readonly satoshis: number;
  readonly scriptPubKey: Uint8Array;
  /** The script a spender reveals; absent for the P2WPKH `to_remote` of static_remotekey channels. */
  readonly witnessScript?: Uint8Array;
  readonly htlc?: Htlc;
}

export interface Commitment {
  readonly variant: CommitmentVariant;
  readonly tx: Transaction;
  /** outputs[i] describes tx.outs[i]. */
  readonly outputs: readonly CommitmentOutput[];
  /** What goes to miners: the base fee plus trimmed HTLCs and dust. */
  readonly feeSatoshis: number;
  readonly trimmedHtlcs: readonly Htlc[];
}

/** The 48-bit factor that hides the commitment number from outside observers. */
export function obscuringFactor(openerPaymentBasepoint: Uint8Array, accepterPaymentBasepoint: Uint8Array): number {
  checkPublicKey('openerPaymentBasepoint', openerPaymentBasepoint);
  checkPublicKey('accepterPaymentBasepoint', accepterPaymentBasepoint);
  const digest = sha256(concatBytes(openerPaymentBasepoint, accepterPaymentBasepoint));
  let factor = 0;
  for (let i = 26; i < 32; i++) factor = factor * 256 + digest[i]!;
  return factor;
}

/** The locktime and sequence that carry the obscured commitment number (upper 24 bits in the sequence). */
export function commitmentLocktimeAndSequence(commitmentNumber: number, factor: number): { locktime: number; sequence: number } {
  checkInteger('commitmentNumber', commitmentNumber, 0, MAX_COMMITMENT_NUMBER);
  checkInteger('obscuringFactor', factor, 0, MAX_COMMITMENT_NUMBER);
  const obscured = xor48(commitmentNumber, factor);
  return {
    locktime: 0x20000000 + (obscured % 2 ** 24),
    sequence: 0x80000000 + Math.floor(obscured / 2 ** 24),
  };
}

/**
 * Recovers the commitment number from a commitment transaction's locktime
 * and sequence; undefined when they do not have a commitment's markers
 * (0x20 and 0x80 in their top bytes), so any transaction can be asked.
 */
export function commitmentNumberOf(locktime: number, sequence: number, factor: number): number | undefined {
  checkInteger('locktime', locktime, 0, 0xffffffff);
  checkInteger('sequence', sequence, 0, 0xffffffff);
  checkInteger('obscuringFactor', factor, 0, MAX_COMMITMENT_NUMBER);
  if (Math.floor(locktime / 2 ** 24) !== 0x20 || Math.floor(sequence / 2 ** 24) !== 0x80) return undefined;
  const obscured = (sequence - 0x80000000) * 2 ** 24 + (locktime - 0x20000000);
  return xor48(obscured, factor);
}

export function buildCommitment(params: CommitmentParams): Commitment {
  checkCommitmentParams(params);
  const { variant, keys, feeratePerKw, dustLimitSatoshis } = params;
  const anchors = variant === 'anchors';

  const untrimmed: Htlc[] = [];
  const trimmedHtlcs: Htlc[] = [];
  for (const htlc of params.htlcs) {
    const trimmed = isHtlcTrimmed(variant, htlc.direction, Math.floor(htlc.amountMsat / 1000), feeratePerKw, dustLimitSatoshis);
    (trimmed ? trimmedHtlcs : untrimmed).push(htlc);
  }

  const funderCharge = commitmentFee(variant, feeratePerKw, untrimmed.length) + (anchors ? 2 * ANCHOR_OUTPUT_SATOSHIS : 0);
  let toLocal = Math.floor(params.toLocalMsat / 1000);
  let toRemote = Math.floor(params.toRemoteMsat / 1000);
  if (params.localIsFunder) toLocal = Math.max(0, toLocal - funderCharge);
  else toRemote = Math.max(0, toRemote - funderCharge);

  const outputs: (CommitmentOutput & { cltvExpiry: number })[] = [];
  const addWitnessOutput = (kind: CommitmentOutputKind, satoshis: number, witnessScript: Uint8Array, htlc?: Htlc) =>
    outputs.push({ kind, satoshis, witnessScript, scriptPubKey: p2wsh(witnessScript), cltvExpiry: htlc?.cltvExpiry ?? 0, ...(htlc && { htlc }) });

  for (const htlc of untrimmed) {
    const satoshis = Math.floor(htlc.amountMsat / 1000);
    if (htlc.direction === 'offered') addWitnessOutput('offered_htlc', satoshis, offeredHtlcScript(keys, htlc.paymentHash, anchors), htlc);
    else addWitnessOutput('received_htlc', satoshis, receivedHtlcScript(keys, htlc.paymentHash, htlc.cltvExpiry, anchors), htlc);
  }
  const hasToLocal = toLocal >= dustLimitSatoshis;
  const hasToRemote = toRemote >= dustLimitSatoshis;
  if (hasToLocal) addWitnessOutput('to_local', toLocal, toLocalScript(keys.revocationPubkey, params.toSelfDelay, keys.localDelayedPubkey));
  if (hasToRemote) {
    if (anchors) addWitnessOutput('to_remote', toRemote, toRemoteAnchorsScript(keys.remotePaymentPubkey));
    else outputs.push({ kind: 'to_remote', satoshis: toRemote, scriptPubKey: p2wpkh(keys.remotePaymentPubkey), cltvExpiry: 0 });
  }
  if (anchors) {
    if (hasToLocal || untrimmed.length > 0) addWitnessOutput('local_anchor', ANCHOR_OUTPUT_SATOSHIS, anchorScript(params.localFundingPubkey));
    if (hasToRemote || untrimmed.length > 0) addWitnessOutput('remote_anchor', ANCHOR_OUTPUT_SATOSHIS, anchorScript(params.remoteFundingPubkey));
  }

  // BIP 69 with the BOLT 3 tie-break: identical HTLC outputs are ordered by cltv_expiry.
  outputs.sort((a, b) => a.satoshis - b.satoshis || compareBytes(a.scriptPubKey, b.scriptPubKey) || a.cltvExpiry - b.cltvExpiry);

  const { locktime, sequence } = commitmentLocktimeAndSequence(params.commitmentNumber, params.obscuringFactor);
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = locktime;
  addInput(tx, params.fundingOutpoint, sequence);
  for (const output of outputs) addOutput(tx, output.scriptPubKey, output.satoshis);

  const paidOut = outputs.reduce((sum, output) => sum + output.satoshis, 0);
  if (paidOut > params.fundingSatoshis) {
    // Only possible when a funder with (almost) nothing left owes the anchors: BOLT 2 never lets a channel get here.
    throw new InvalidInputError(
      params.localIsFunder ? 'toLocalMsat' : 'toRemoteMsat',
      `the funder cannot pay for the anchors: outputs would total ${paidOut} sat from a ${params.fundingSatoshis} sat funding output`,
    );
  }
  return {
    variant,
    tx,
    outputs: outputs.map(({ cltvExpiry: _, ...output }) => output),
    feeSatoshis: params.fundingSatoshis - paidOut,
    trimmedHtlcs,
  };
}

/** The witness that spends the funding output: both signatures (DER + sighash), in funding-script key order. */
export function fundingWitness(
  localFundingPubkey: Uint8Array,
  remoteFundingPubkey: Uint8Array,
  localSignature: Uint8Array,
  remoteSignature: Uint8Array,
): Uint8Array[] {
  checkBytes('localSignature', localSignature);
  checkBytes('remoteSignature', remoteSignature);
  const script = fundingScript(localFundingPubkey, remoteFundingPubkey);
  const [first] = sortPublicKeys(localFundingPubkey, remoteFundingPubkey);
  const localFirst = first === localFundingPubkey;
  return [new Uint8Array(0), localFirst ? localSignature : remoteSignature, localFirst ? remoteSignature : localSignature, script];
}

function checkCommitmentParams(params: CommitmentParams): void {
  checkObject('params', params);
  checkVariant('variant', params.variant);
  checkOutpoint('fundingOutpoint', params.fundingOutpoint);
  const funding = checkSatoshis('fundingSatoshis', params.fundingSatoshis);
  checkPublicKey('localFundingPubkey', params.localFundingPubkey);
  checkPublicKey('remoteFundingPubkey', params.remoteFundingPubkey);
  checkInteger('obscuringFactor', params.obscuringFactor, 0, MAX_COMMITMENT_NUMBER);
  checkInteger('commitmentNumber', params.commitmentNumber, 0, MAX_COMMITMENT_NUMBER);
  if (typeof params.localIsFunder !== 'boolean') throw new InvalidInputError('localIsFunder', 'expected true or false');
  const toLocal = checkInteger('toLocalMsat', params.toLocalMsat, 0, funding * 1000);
  const toRemote = checkInteger('toRemoteMsat', params.toRemoteMsat, 0, funding * 1000);
  checkInteger('feeratePerKw', params.feeratePerKw, 0, MAX_FEERATE_PER_KW);
  checkInteger('dustLimitSatoshis', params.dustLimitSatoshis, MIN_DUST_LIMIT_SATOSHIS, funding);
  checkInteger('toSelfDelay', params.toSelfDelay, 0, 0xffff);
  checkCommitmentScriptKeys('keys', params.keys);
  checkArray('htlcs', params.htlcs, 0, 2 * MAX_ACCEPTED_HTLCS);
  let offered = 0;
  let inFlight = 0;
  params.htlcs.forEach((htlc, i) => {
    checkObject(`htlcs[${i}]`, htlc);
    if (htlc.direction !== 'offered' && htlc.direction !== 'received') {
      throw new InvalidInputError(`htlcs[${i}].direction`, 'expected "offered" or "received"');
    }
    if (htlc.direction === 'offered') offered++;
    inFlight += checkInteger(`htlcs[${i}].amountMsat`, htlc.amountMsat, 1, funding * 1000);
    checkBytes(`htlcs[${i}].paymentHash`, htlc.paymentHash, 32);
    checkInteger(`htlcs[${i}].cltvExpiry`, htlc.cltvExpiry, 0, MAX_CLTV_EXPIRY);
  });
  if (offered > MAX_ACCEPTED_HTLCS || params.htlcs.length - offered > MAX_ACCEPTED_HTLCS) {
    throw new InvalidInputError('htlcs', `more than ${MAX_ACCEPTED_HTLCS} HTLCs in one direction`);
  }
  if (toLocal + toRemote + inFlight !== funding * 1000) {
    throw new InvalidInputError(
      'toLocalMsat',
      `balances (${toLocal} + ${toRemote} msat) and HTLCs (${inFlight} msat) do not add up to the funding amount (${funding * 1000} msat)`,
    );
  }
}

/** XOR of two 48-bit numbers, without losing precision above 32 bits. */
function xor48(a: number, b: number): number {
  const high = (Math.floor(a / 2 ** 24) ^ Math.floor(b / 2 ** 24)) >>> 0;
  const low = ((a % 2 ** 24) ^ (b % 2 ** 24)) >>> 0;
  return high * 2 ** 24 + low;
}
