/**
 * The long-CSV policy: a mesh node may be unreachable for days, so every
 * delay that protects it must outlast its offline horizon.
 *
 * - A counterparty that broadcasts a revoked commitment can take its
 *   `to_local` once the delay we imposed on it (our `to_self_delay`) has
 *   passed. We, or the gateway's watchtower for us, must act before that:
 *   the delay must be at least the horizon plus a margin for the justice
 *   transaction to confirm.
 * - An HTLC is safe only while it cannot expire before we can act on it:
 *   the expiry deltas of the channel (the counterparty's `cltv_expiry_delta`,
 *   and the final expiry of payments to us) must be at least the horizon.
 * - The delay the counterparty imposes on our own outputs locks our money
 *   after a unilateral close; we accept it up to a bound.
 *
 * A node offline for longer than its horizon, with no watchtower reaching
 * the chain for it, can lose what its counterparty takes with an old state.
 */
import { InvalidInputError, checkInteger } from '../core/input.js';

/** BIP 68 relative locks in blocks stop at 0xffff (about 455 days). */
export const MAX_CSV_DELAY = 0xffff;

export interface ChannelPolicy {
  /** How long this node may be unreachable, in blocks. Default 2016 (14 days). */
  readonly offlineHorizonBlocks: number;
  /** Time for a justice or claim transaction to confirm once broadcast. Default 144 (a day). */
  readonly marginBlocks: number;
  /** The longest delay we accept on our own outputs. Default 4 x the horizon, at most 0xffff. */
  readonly maxOwnDelayBlocks: number;
}

export const DEFAULT_OFFLINE_HORIZON_BLOCKS = 2016;
export const DEFAULT_MARGIN_BLOCKS = 144;

export function channelPolicy(options: Partial<ChannelPolicy> = {}): ChannelPolicy {
  const offlineHorizonBlocks = checkInteger('offlineHorizonBlocks', options.offlineHorizonBlocks ?? DEFAULT_OFFLINE_HORIZON_BLOCKS, 1, MAX_CSV_DELAY);
  const marginBlocks = checkInteger('marginBlocks', options.marginBlocks ?? DEFAULT_MARGIN_BLOCKS, 0, MAX_CSV_DELAY);
  if (offlineHorizonBlocks + marginBlocks > MAX_CSV_DELAY) {
    throw new InvalidInputError('offlineHorizonBlocks', `horizon + margin (${offlineHorizonBlocks + marginBlocks}) is beyond the CSV limit of ${MAX_CSV_DELAY} blocks`);
  }
  const maxOwnDelayBlocks = checkInteger('maxOwnDelayBlocks', options.maxOwnDelayBlocks ?? Math.min(MAX_CSV_DELAY, 4 * offlineHorizonBlocks), 1, MAX_CSV_DELAY);
  return { offlineHorizonBlocks, marginBlocks, maxOwnDelayBlocks };
}

/** The delays a node announces for a channel under its policy. */
export function delaysFor(policy: ChannelPolicy): { toSelfDelay: number; cltvExpiryDelta: number; finalExpiryDelta: number } {
  const safe = policy.offlineHorizonBlocks + policy.marginBlocks;
  return { toSelfDelay: safe, cltvExpiryDelta: safe, finalExpiryDelta: safe };
}

/** The delays of a proposed channel, as each side declared them. */
export interface ChannelTerms {
  /** The delay we impose on the counterparty's own outputs. */
  readonly ourToSelfDelay: number;
  /** The delay the counterparty imposes on ours. */
  readonly theirToSelfDelay: number;
  readonly theirCltvExpiryDelta: number;
  /** The final expiry delta of payments to us on this channel. */
  readonly finalExpiryDelta: number;
}

/** Why a channel is refused, in words a user can act on; empty when it is acceptable. */
export function channelRefusals(policy: ChannelPolicy, terms: ChannelTerms): string[] {
  const reasons: string[] = [];
  const horizon = policy.offlineHorizonBlocks;
  const safe = horizon + policy.marginBlocks;
  if (terms.ourToSelfDelay < safe) {
    reasons.push(
      `to_self_delay of ${terms.ourToSelfDelay} blocks on the counterparty's outputs is below our offline horizon of ${horizon} blocks plus a ${policy.marginBlocks}-block margin (${safe}): a revoked commitment could be spent before we could punish it`,
    );
  }
  if (terms.ourToSelfDelay > MAX_CSV_DELAY) reasons.push(`to_self_delay of ${terms.ourToSelfDelay} blocks is beyond the CSV limit of ${MAX_CSV_DELAY}`);
  if (terms.theirToSelfDelay > policy.maxOwnDelayBlocks) {
    reasons.push(`the counterparty's to_self_delay of ${terms.theirToSelfDelay} blocks on our outputs is above the ${policy.maxOwnDelayBlocks} blocks we accept`);
  }
  if (terms.theirCltvExpiryDelta < horizon) {
    reasons.push(`the counterparty's cltv_expiry_delta of ${terms.theirCltvExpiryDelta} blocks is below our offline horizon of ${horizon} blocks: an HTLC could expire while we are away`);
  }
  if (terms.finalExpiryDelta < horizon) {
    reasons.push(`the final expiry delta of ${terms.finalExpiryDelta} blocks is below our offline horizon of ${horizon} blocks: a payment to us could expire while we are away`);
  }
  return reasons;
}
