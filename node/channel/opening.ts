/**
 * Opening negotiation (BOLT 2's `open_channel` and `accept_channel`): the
 * side we offer, and the checks on the peer's offer before any key of ours
 * is given out for it or a channel is built. The manager holds an `Opening`
 * from the first message until the funding is signed; `openChannel`
 * (open.ts) then makes the channel's first state.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from '../core/hex.js';
import type { ChannelPublicKeys } from '../bolt3/commitment-keys.js';
import { fundingOutputScript } from '../bolt3/funding.js';
import type { Transaction } from '../bolt3/transaction.js';
import { isPublicKey } from '../core/curve.js';
import { ChannelUnavailableError } from '../commitment/errors.js';
import type { ChannelOffer, ChannelType } from '../wire/messages.js';
import type { ChannelSide } from './channel.js';
import { type ChannelPolicy, channelRefusals, delaysFor } from './policy.js';
import { MAX_FUNDING_SATOSHIS, MIN_DUST_LIMIT_SATOSHIS, MIN_FEERATE_PER_KW, MIN_FUNDING_SATOSHIS } from '../core/bolt-limits.js';
import { channelReserveSatoshis } from './reserve.js';

/** A channel being negotiated, before it has a funding transaction signed by both. */
export interface Opening {
  readonly peer: string;
  readonly handle: number;
  readonly localIsFunder: boolean;
  readonly channelIndex: number;
  readonly fundingSatoshis: number;
  readonly pushMsat: number;
  readonly feeratePerKw: number;
  readonly local: ChannelSide;
  remote?: ChannelSide;
  remoteFirstPoint?: Uint8Array;
  minimumDepth: number;
  fundingTx?: Transaction;
}

/** What this node offers and accepts in every opening. */
export interface OpeningTerms {
  /** 0 mainnet, 1 testnet, 2 signet, 3 regtest. */
  readonly network: number;
  readonly channelType: ChannelType;
  readonly policy: ChannelPolicy;
  readonly dustLimitSatoshis?: number;
  readonly htlcMinimumMsat?: number;
  readonly maxAcceptedHtlcs?: number;
}

/** The dust limit we accept from a peer at most: far above any relay policy, far below a payment. */
const MAX_DUST_LIMIT_SATOSHIS = 20_000;
/** Channels a peer may have opening with us at once (an opening holds memory until funded). */
export const MAX_OPENINGS_PER_PEER = 4;

/** Our side of a new channel of `fundingSatoshis`: our limits and keys. */
export function localSide(terms: OpeningTerms, fundingSatoshis: number, publicKeys: ChannelPublicKeys): ChannelSide {
  return {
    dustLimitSatoshis: terms.dustLimitSatoshis ?? MIN_DUST_LIMIT_SATOSHIS,
    channelReserveSatoshis: channelReserveSatoshis(fundingSatoshis),
    htlcMinimumMsat: terms.htlcMinimumMsat ?? 1000,
    maxHtlcValueInFlightMsat: fundingSatoshis * 1000,
    maxAcceptedHtlcs: terms.maxAcceptedHtlcs ?? 30,
    toSelfDelay: delaysFor(terms.policy).toSelfDelay,
    publicKeys,
  };
}

/** What we declare for our side, in `open_channel` or `accept_channel`. */
export function channelOffer(terms: OpeningTerms, opening: Opening, firstPerCommitmentPoint: Uint8Array): ChannelOffer {
  const keys = opening.local.publicKeys;
  return {
    handle: opening.handle,
    network: terms.network,
    dustLimitSatoshis: opening.local.dustLimitSatoshis,
    channelReserveSatoshis: opening.local.channelReserveSatoshis,
    htlcMinimumMsat: opening.local.htlcMinimumMsat,
    maxHtlcValueInFlightMsat: opening.local.maxHtlcValueInFlightMsat,
    maxAcceptedHtlcs: opening.local.maxAcceptedHtlcs,
    toSelfDelay: opening.local.toSelfDelay,
    cltvExpiryDelta: delaysFor(terms.policy).cltvExpiryDelta,
    keys: concatBytes(keys.fundingPubkey, keys.revocationBasepoint, keys.paymentBasepoint, keys.delayedPaymentBasepoint, keys.htlcBasepoint),
    firstPerCommitmentPoint,
    channelType: terms.channelType,
  };
}

/** Their side of a channel from their offer, or the reasons to refuse it. */
export function remoteSide(terms: OpeningTerms, offer: ChannelOffer, opening: Opening): ChannelSide | string[] {
  const reasons = channelRefusals(terms.policy, {
    ourToSelfDelay: opening.local.toSelfDelay,
    theirToSelfDelay: offer.toSelfDelay,
    theirCltvExpiryDelta: offer.cltvExpiryDelta,
    finalExpiryDelta: delaysFor(terms.policy).finalExpiryDelta,
  });
  if (offer.network !== terms.network) reasons.push(`the peer is on network ${offer.network}, we are on ${terms.network}`);
  if (offer.channelType !== terms.channelType) reasons.push(`the peer wants a ${offer.channelType} channel`);
  if (offer.dustLimitSatoshis < MIN_DUST_LIMIT_SATOSHIS) reasons.push(`dust limit of ${offer.dustLimitSatoshis} sat is below ${MIN_DUST_LIMIT_SATOSHIS}`);
  // A large dust limit would let the peer trim our outputs (and our closing output) into fees.
  if (offer.dustLimitSatoshis > MAX_DUST_LIMIT_SATOSHIS) reasons.push(`dust limit of ${offer.dustLimitSatoshis} sat is above the ${MAX_DUST_LIMIT_SATOSHIS} we accept`);
  if (offer.channelReserveSatoshis < offer.dustLimitSatoshis) reasons.push('a channel reserve below the dust limit');
  if (offer.maxAcceptedHtlcs < 1) reasons.push('max_accepted_htlcs of 0: no payment could ever move');
  const keys = Array.from({ length: 5 }, (_, i) => offer.keys.slice(i * 33, i * 33 + 33));
  if (!keys.every(isPublicKey) || !isPublicKey(offer.firstPerCommitmentPoint)) reasons.push('a key is not a valid point');
  if (reasons.length > 0) return reasons;
  return {
    dustLimitSatoshis: offer.dustLimitSatoshis,
    channelReserveSatoshis: offer.channelReserveSatoshis,
    htlcMinimumMsat: offer.htlcMinimumMsat,
    maxHtlcValueInFlightMsat: offer.maxHtlcValueInFlightMsat,
    maxAcceptedHtlcs: offer.maxAcceptedHtlcs,
    toSelfDelay: offer.toSelfDelay,
    publicKeys: { fundingPubkey: keys[0]!, revocationBasepoint: keys[1]!, paymentBasepoint: keys[2]!, delayedPaymentBasepoint: keys[3]!, htlcBasepoint: keys[4]! },
  };
}

/** What is wrong with an open_channel on its own, before any key is given out for it. */
export function openRefusals(open: { fundingSatoshis: number; pushMsat: number; feeratePerKw: number }): string[] {
  const reasons: string[] = [];
  if (open.fundingSatoshis < MIN_FUNDING_SATOSHIS || open.fundingSatoshis > MAX_FUNDING_SATOSHIS) reasons.push(`a funding amount of ${open.fundingSatoshis} sat (we accept ${MIN_FUNDING_SATOSHIS.toLocaleString('en-US')} to ${MAX_FUNDING_SATOSHIS})`);
  if (open.pushMsat > open.fundingSatoshis * 1000) reasons.push('a push larger than the channel');
  if (open.feeratePerKw < MIN_FEERATE_PER_KW || open.feeratePerKw > 1_000_000) reasons.push(`a feerate of ${open.feeratePerKw} sat/kw`);
  return reasons;
}

/** Throws unless output `outputIndex` of the wallet's `tx` is the channel's 2-of-2. */
export function checkFundingOutput(tx: Transaction, outputIndex: number, opening: Opening, remote: ChannelSide): void {
  const script = fundingOutputScript(opening.local.publicKeys.fundingPubkey, remote.publicKeys.fundingPubkey);
  if (!tx.outs[outputIndex] || bytesToHex(tx.outs[outputIndex].script) !== bytesToHex(script)) throw new ChannelUnavailableError('the wallet did not fund the channel\'s 2-of-2 output');
}
