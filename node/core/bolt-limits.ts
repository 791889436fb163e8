/**
 * The protocol's limits on a channel's numbers, named once: where each comes
 * from (a BOLT and its section, or the implementation whose rule peers
 * expect) is said beside it, so that a check reads as the rule it applies.
 */

/**
 * The lowest feerate, in satoshis per 1000 weight units. Not a BOLT number:
 * Bitcoin Core's minimum relay fee (1 sat/vB, 250 sat/kw) plus 3 for its
 * rounding of weight up to virtual bytes, the floor Core Lightning and
 * rust-lightning use (`FEERATE_FLOOR_SATS_PER_KW`); below it a commitment or
 * claim may not relay.
 */
export const MIN_FEERATE_PER_KW = 253;

/**
 * The smallest `dust_limit_satoshis`: BOLT 2, "The `open_channel` Message",
 * requirements (the receiver fails a channel whose dust limit is below 354);
 * BOLT 3, "Dust Limits": Bitcoin Core's threshold for an output of an
 * unknown segwit version, the largest a commitment can carry.
 */
export const MIN_DUST_LIMIT_SATOSHIS = 354;

/**
 * The largest `funding_satoshis` without `option_support_large_channel`
 * ("wumbo", which lnmesh does not offer): 2^24 - 1. BOLT 2, "The
 * `open_channel` Message", requirements: less than 2^24 satoshi.
 */
export const MAX_FUNDING_SATOSHIS = 2 ** 24 - 1;

/**
 * The smallest channel lnmesh opens or accepts. Not a BOLT number (BOLT 2
 * sets no floor): lnd's smallest channel (`MinChanFundingSize`), so that a
 * channel lnmesh opens is one its peers accept.
 */
export const MIN_FUNDING_SATOSHIS = 20_000;

/**
 * The most HTLCs one side may offer: `max_accepted_htlcs` is at most 483.
 * BOLT 2, "The `open_channel` Message", requirements; why 483: "Adding an
 * HTLC: `update_add_htlc`", rationale (with both sides at the most, the
 * `commitment_signed` message still fits the largest message, and one
 * penalty transaction can still spend the whole commitment).
 */
export const MAX_ACCEPTED_HTLCS = 483;
