/**
 * When an HTLC must go on chain (BOLT 2's deadlines, with rust-lightning's
 * numbers where it has them, widened for a mesh whose view of the chain
 * and whose broadcasts travel by radio).
 */

/**
 * Blocks past an offered HTLC's expiry before we close the channel to time
 * it out (BOLT 2's "deadline for offered HTLCs"; rust-lightning's
 * `LATENCY_GRACE_PERIOD_BLOCKS` is 3). Until we do, the counterparty can
 * still claim it with the preimage, and the HTLC we forwarded it for
 * expires `cltv_expiry_delta` after: ours is the time to act.
 */
export const OFFERED_HTLC_GRACE_BLOCKS = 3;

/**
 * Blocks before a received HTLC's expiry, preimage in hand, by which we go
 * on chain to claim it if the counterparty has not settled it off chain
 * (BOLT 2's "fulfillment deadline"; rust-lightning's `CLTV_CLAIM_BUFFER`
 * is 18). Doubled here: our broadcast travels the mesh to the gateway
 * first, and a node may learn of blocks a few at a time.
 */
export const RECEIVED_HTLC_CLAIM_BUFFER_BLOCKS = 36;

/**
 * Confirmations after which a resolution on chain is final enough to act
 * on off chain (failing an HTLC back upstream): rust-lightning's
 * `ANTI_REORG_DELAY`.
 */
export const ANTI_REORG_DELAY = 6;

/** Blocks a claim may stay unconfirmed before it is handed to the broadcaster again. */
export const REBROADCAST_AFTER_BLOCKS = 6;

/**
 * The height from which an HTLC expiring at `cltvExpiry` must be resolved on
 * chain if the peer has not settled it: `outgoing`, one we offered (to time
 * it out); else one offered to us whose preimage we know (to claim it).
 */
export function htlcDeadline(direction: 'outgoing' | 'incoming', cltvExpiry: number): number {
  return direction === 'outgoing' ? cltvExpiry + OFFERED_HTLC_GRACE_BLOCKS : cltvExpiry - RECEIVED_HTLC_CLAIM_BUFFER_BLOCKS;
}

/** An offered HTLC expiring at `cltvExpiry` must be timed out on chain at `height`. */
export function offeredHtlcOverdue(cltvExpiry: number, height: number): boolean {
  return height >= htlcDeadline('outgoing', cltvExpiry);
}

/** A received HTLC whose preimage we know must be claimed on chain at `height`. */
export function receivedHtlcClaimDue(cltvExpiry: number, height: number): boolean {
  return height >= htlcDeadline('incoming', cltvExpiry);
}
