/**
 * What the claims of a closed channel pay in fees on the daemons' regtest
 * chain, worked out from the protocol rather than read from the claims, so
 * that the CLI tests can check each amount to the satoshi.
 *
 * The rate: a node's HTLC claims pay its fee estimator's `claim` target
 * (ObservedFeerates: the larger of the justice rate, none configured by
 * these tests, and the gateway's estimate), its sweeps of outputs only it
 * can spend the `sweep` target (the gateway's estimate), justice signed in
 * advance its `justice` target. A regtest gateway's estimate is bcoin's, which needs a
 * transaction a block on average (its SUFFICIENT_FEETXS) and so has none on
 * these chains of mostly empty blocks: it sends its fallback instead. The
 * channels' commitment fees, checked exactly at that same rate in the tests,
 * show it is the estimate the nodes saw.
 *
 * The weights: a sweep is weighed as built (node/bolt3/sweep.ts), with its
 * signature at the largest size; the anchors HTLC transactions weigh BOLT
 * 3's expected weight plus the wallet's coin and change (fee-inputs.ts).
 * The fee is floor(weight x rate / 1000), as BOLT 3 (and feeForWeight) has it.
 */
import { REGTEST_FALLBACK_FEERATE_PER_KW } from '../../../gateway/chain/embedded-chain.js';
import { ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import { P2WPKH_INPUT_WEIGHT } from '../../../node/bolt3/fee-inputs.js';
import { feeForWeight, htlcSuccessWeight, htlcTimeoutWeight } from '../../../node/bolt3/fees.js';
import { MAX_SIGNATURE_WITNESS_SIZE } from '../../../node/bolt3/sweep.js';

const estimator = new ObservedFeerates();
estimator.observe(REGTEST_FALLBACK_FEERATE_PER_KW);

/** The commitments' rate: the gateway's estimate, which the funder proposes to its channels (update_fee). */
export const COMMITMENT_FEERATE_PER_KW = REGTEST_FALLBACK_FEERATE_PER_KW;
/** The rate of the daemons' HTLC claims here (HTLC transactions' wallet fees). */
export const CLAIM_FEERATE_PER_KW = estimator.feeratePerKw('claim');
/** The rate of their sweeps here (`to_local` after the delay, `to_remote`, HTLC transactions' outputs). */
export const SWEEP_FEERATE_PER_KW = estimator.feeratePerKw('sweep');
/** The rate of justice, signed when each commitment is revoked. */
export const JUSTICE_FEERATE_PER_KW = estimator.feeratePerKw('justice');

/** A P2WPKH output (the wallet's): 8-byte value, 1-byte length, 22-byte script; outside the witness, so four units a byte. */
const P2WPKH_OUTPUT_WEIGHT = 4 * (8 + 1 + 22);

/**
 * Weight of a transaction taking one P2WSH output to the wallet: version,
 * counts, the input (36-byte outpoint, empty script, sequence), the output
 * and the locktime at four units a byte; then one each for the segwit marker
 * and flag and for the witness: its item count, then each item (`itemSizes`,
 * then the script) with its length.
 */
function sweepWeight(itemSizes: readonly number[], scriptLength: number): number {
  const outside = 4 * (4 + 1 + (36 + 1 + 4) + 1 + 4) + P2WPKH_OUTPUT_WEIGHT;
  const witness = 1 + [...itemSizes, scriptLength].reduce((sum, size) => sum + 1 + size, 0);
  return outside + 2 + witness;
}

/** A number pushed minimally: OP_1 to OP_16 alone, else its little-endian signed bytes after their length. */
function numberPushLength(value: number): number {
  if (value >= 1 && value <= 16) return 1;
  let bytes = 0;
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes++;
  if (value >= 2 ** (8 * bytes - 1)) bytes++; // the top bit would read as a sign
  return 1 + bytes;
}

/** BOLT 3's `to_local` script: OP_IF <33-byte key> OP_ELSE <delay> OP_CSV OP_DROP <33-byte key> OP_ENDIF OP_CHECKSIG. */
function toLocalScriptLength(delay: number): number {
  return 1 + 34 + 1 + numberPushLength(delay) + 1 + 1 + 34 + 1 + 1;
}

/** BOLT 3's anchors `to_remote` script: <33-byte key> OP_CHECKSIGVERIFY OP_1 OP_CSV. */
const TO_REMOTE_ANCHORS_SCRIPT_LENGTH = 34 + 1 + 1 + 1;

/** The sweep of an output with the `to_local` script after `delay` blocks (`to_local`, an HTLC transaction's output): `<sig> <> <script>`. */
export function delayedSweepFee(delay: number): number {
  return feeForWeight(SWEEP_FEERATE_PER_KW, sweepWeight([MAX_SIGNATURE_WITNESS_SIZE, 0], toLocalScriptLength(delay)));
}

/** The sweep of an anchors `to_remote` output: `<sig> <script>`. */
export function toRemoteSweepFee(): number {
  return feeForWeight(SWEEP_FEERATE_PER_KW, sweepWeight([MAX_SIGNATURE_WITNESS_SIZE], TO_REMOTE_ANCHORS_SCRIPT_LENGTH));
}

/** Justice on a revoked `to_local` alone: `<revocation sig> 1 <script>`, at the justice rate. */
export function toLocalJusticeFee(delay: number): number {
  return feeForWeight(JUSTICE_FEERATE_PER_KW, sweepWeight([MAX_SIGNATURE_WITNESS_SIZE, 1], toLocalScriptLength(delay)));
}

/** What the wallet pays for an anchors HTLC transaction (which carries no fee) with `coins` of its coins and its change. */
export function htlcWalletFee(type: 'htlc-timeout' | 'htlc-success', coins: number): number {
  const weight = type === 'htlc-timeout' ? htlcTimeoutWeight('anchors') : htlcSuccessWeight('anchors');
  return feeForWeight(CLAIM_FEERATE_PER_KW, weight + coins * P2WPKH_INPUT_WEIGHT + P2WPKH_OUTPUT_WEIGHT);
}

/**
 * The txids of the replacements a daemon's log says it signed for claims
 * that did not confirm in time (RBF). A claim that confirmed in one of them
 * pays a rate derived from its first version's fee and signed weight (a
 * signature's length varies by a byte), which nothing outside the node knows:
 * the tests check that each claim they weigh confirmed as first signed.
 */
export function feeBumps(logs: string): string[] {
  return logs.split('\n').flatMap((line) => {
    if (!line.includes('claim fee bumped')) return [];
    const { txid } = JSON.parse(line) as { txid?: unknown };
    return typeof txid === 'string' ? [txid] : [];
  });
}

/**
 * A sweep paid `expected` (what it took less its fee at the claim rate), to the satoshi, when it confirmed as first
 * signed. These tests mine many blocks at once; a node catching up with them can broadcast a sweep after blocks it
 * counts as not including it, and bump it (RBF) at a rate nothing outside the node knows: then the check is that it
 * paid a little more, never less.
 */
export function sweepPaid(t: { equal: (a: unknown, b: unknown, m: string) => unknown; ok: (v: unknown, m: string) => unknown }, claim: { satoshis: number }, expected: number, firstVersion: boolean, what: string): void {
  if (firstVersion) t.equal(claim.satoshis, expected, what);
  else t.ok(claim.satoshis < expected && claim.satoshis > expected - 5_000, `${what}, bumped once or twice while its node caught up (${expected - claim.satoshis} sat more)`);
}
