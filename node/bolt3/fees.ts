/**
 * BOLT 3 fees: the fixed expected weights, the fee they imply at a feerate,
 * and which HTLCs are too small to be worth an output ("trimmed").
 *
 * The weights are the spec's estimates, not measured ones: both peers must
 * compute the same fee without seeing the signatures, so they are constants.
 */
import { InvalidInputError, checkInteger } from '../core/input.js';
import { MAX_ACCEPTED_HTLCS } from '../core/bolt-limits.js';

export type CommitmentVariant = 'anchors' | 'static_remotekey';

export const COMMITMENT_VARIANTS: readonly CommitmentVariant[] = ['anchors', 'static_remotekey'];


export function checkVariant(field: string, variant: unknown): CommitmentVariant {
  if (!COMMITMENT_VARIANTS.includes(variant as CommitmentVariant)) {
    throw new InvalidInputError(field, `expected one of ${COMMITMENT_VARIANTS.join(', ')}`);
  }
  return variant as CommitmentVariant;
}

/** Weight of a commitment transaction with no HTLC outputs. */
export function commitmentBaseWeight(variant: CommitmentVariant): number {
  return variant === 'anchors' ? 1124 : 724;
}

/** Weight each untrimmed HTLC output adds to a commitment transaction. */
export const HTLC_OUTPUT_WEIGHT = 172;

/** Expected weight of an HTLC-timeout transaction (663, or 666 with anchors). */
export function htlcTimeoutWeight(variant: CommitmentVariant): number {
  return variant === 'anchors' ? 666 : 663;
}

/** Expected weight of an HTLC-success transaction (703, or 706 with anchors). */
export function htlcSuccessWeight(variant: CommitmentVariant): number {
  return variant === 'anchors' ? 706 : 703;
}

/** Value of each anchor output, paid by the funder. */
export const ANCHOR_OUTPUT_SATOSHIS = 330;

/** Largest feerate accepted: far above any real one, low enough that fees stay exact integers. */
export const MAX_FEERATE_PER_KW = 2 ** 32 - 1;

/** fee = floor(feerate_per_kw * weight / 1000) */
export function feeForWeight(feeratePerKw: number, weight: number): number {
  checkInteger('feeratePerKw', feeratePerKw, 0, MAX_FEERATE_PER_KW);
  checkInteger('weight', weight, 0, 4_000_000);
  return Math.floor((feeratePerKw * weight) / 1000);
}

export function commitmentWeight(variant: CommitmentVariant, untrimmedHtlcs: number): number {
  checkInteger('untrimmedHtlcs', untrimmedHtlcs, 0, 2 * MAX_ACCEPTED_HTLCS);
  return commitmentBaseWeight(variant) + HTLC_OUTPUT_WEIGHT * untrimmedHtlcs;
}

/** The base commitment fee: what the funder pays, before trimmed amounts go to fees too. */
export function commitmentFee(variant: CommitmentVariant, feeratePerKw: number, untrimmedHtlcs: number): number {
  return feeForWeight(feeratePerKw, commitmentWeight(variant, untrimmedHtlcs));
}

/** Fee of the second-stage transaction that spends an HTLC output: zero with anchors (the spender adds fees). */
export function htlcTimeoutFee(variant: CommitmentVariant, feeratePerKw: number): number {
  return variant === 'anchors' ? 0 : feeForWeight(feeratePerKw, htlcTimeoutWeight(variant));
}

export function htlcSuccessFee(variant: CommitmentVariant, feeratePerKw: number): number {
  return variant === 'anchors' ? 0 : feeForWeight(feeratePerKw, htlcSuccessWeight(variant));
}

export type HtlcDirection = 'offered' | 'received';

/**
 * An HTLC is trimmed (no output; its value goes to fees) when, after paying
 * for its second-stage transaction, it would be below the dust limit of the
 * commitment's owner. Directions are from that owner's point of view.
 */
export function isHtlcTrimmed(
  variant: CommitmentVariant,
  direction: HtlcDirection,
  amountSatoshis: number,
  feeratePerKw: number,
  dustLimitSatoshis: number,
): boolean {
  const secondStageFee = direction === 'offered' ? htlcTimeoutFee(variant, feeratePerKw) : htlcSuccessFee(variant, feeratePerKw);
  return amountSatoshis < dustLimitSatoshis + secondStageFee;
}
