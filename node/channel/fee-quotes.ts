/**
 * What channel peers tell each other about fees (`fee_update`, see
 * node/wire/messages.ts), as BOLT 7's `channel_update` does for a channel
 * direction, and how a node reads it: the fee to pay through a peer to reach
 * a destination.
 *
 * A peer's `fee_update` gives its own fee, which is what reaching its direct
 * peers costs, and a composed quote for each destination its route table
 * sends through another forwarder. An unlisted destination is one of its
 * direct peers, unless it said `incomplete` (it had more than
 * `MAX_FEE_QUOTES`, or did not know some fees itself yet): then no quote is
 * known. A payer then assumes every forwarder charges what its next hop
 * charges (`assumedQuote`), and a forwarder passes on all but its own fee
 * (`passOnKeeping`): if that falls short, a forwarder further on refuses the
 * HTLC for its fee and the payment fails back, nothing lost. (A 50-node grid
 * routes to 49 destinations; one `fee_update` lists 16.)
 */
import { bytesToHex } from '../core/hex.js';
import type { FeeUpdate } from '../wire/messages.js';
import { MAX_FEE_QUOTES } from '../wire/messages.js';
import type { PeerFees } from '../persist/persister.js';
import { type ForwardingFee, NO_FEE, composeFee, describeFee, feeOn, isOfferable } from './forwarding-fee.js';

/** What a peer last told us (saved with the channel entry). */
export type { PeerFees } from '../persist/persister.js';

export function peerFeesOf(message: FeeUpdate): PeerFees {
  return {
    baseMsat: message.baseMsat,
    proportionalMillionths: message.proportionalMillionths,
    quotes: (message.quotes ?? []).map(({ destination, baseMsat, proportionalMillionths }) => ({ destination: bytesToHex(destination), baseMsat, proportionalMillionths })),
    incomplete: message.incomplete === 1,
  };
}

/**
 * The fee of every forwarder from `nextHop` on to reach `destination`
 * (hex), from what `nextHop` told us; a string says why it is not known.
 * Paying `nextHop` itself costs nothing.
 */
export function quoteThrough(fees: PeerFees | undefined, nextHop: string, destination: string): ForwardingFee | string {
  const quote = knownQuote(fees, nextHop, destination);
  if (quote) return quote;
  if (!fees) return `no fee quote from ${nextHop} yet (it sends one when the channel is ready)`;
  return `${nextHop} quotes no fee for ${destination} (more destinations than one fee_update lists, or fees it does not know yet)`;
}

/** `quoteThrough` without the reason when unknown: quoting fees asks it for hundreds of destinations, mostly unknown while a mesh opens. */
export function knownQuote(fees: PeerFees | undefined, nextHop: string, destination: string): ForwardingFee | undefined {
  if (destination === nextHop) return NO_FEE;
  if (!fees) return undefined;
  for (const quote of fees.quotes) if (quote.destination === destination) return { baseMsat: quote.baseMsat, proportionalMillionths: quote.proportionalMillionths };
  if (fees.incomplete) return undefined;
  return { baseMsat: fees.baseMsat, proportionalMillionths: fees.proportionalMillionths };
}

/**
 * The quote to assume through a peer that quoted nothing for a destination:
 * `forwarders` forwarders from it on, each charging the peer's own fee.
 * Undefined when the peer told us nothing at all (not even its own fee).
 */
export function assumedQuote(fees: PeerFees | undefined, forwarders: number): ForwardingFee | undefined {
  if (!fees) return undefined;
  const own: ForwardingFee = { baseMsat: fees.baseMsat, proportionalMillionths: fees.proportionalMillionths };
  let quote = own;
  for (let more = 1; more < forwarders; more++) quote = composeFee(own, quote);
  return quote;
}

/** The most a forwarder charging `fee` can pass on out of `amountMsat` (BOLT 7's fee on what it passes on); 0 if nothing. */
export function passOnKeeping(fee: ForwardingFee, amountMsat: number): number {
  const left = BigInt(amountMsat - fee.baseMsat);
  if (left <= 0n) return 0;
  // Exact arithmetic first, then a step or two for the fee's rounding down.
  let passed = Number((left * 1_000_000n) / BigInt(1_000_000 + fee.proportionalMillionths));
  while (passed + 1 + feeOn(fee, passed + 1) <= amountMsat) passed++;
  while (passed > 0 && passed + feeOn(fee, passed) > amountMsat) passed--;
  return passed;
}

/** A destination the route table sends through a channel: its next hop and what that hop last told us. */
export interface RoutedDestination {
  readonly destination: string;
  readonly nextHop: string;
  readonly nextHopFees: PeerFees | undefined;
}

/** The channel a destination is reached through: its peer and what the peer last told us (a channel entry is one). */
export interface NextHop {
  readonly peer: string;
  readonly peerFees?: PeerFees | undefined;
}

/**
 * The `fee_update` (without its handle) for a peer: our own fee, and the
 * composed quote for each destination we reach through another forwarder
 * (never through that peer itself: a route back through it would only loop).
 * Sorted by destination; past `MAX_FEE_QUOTES` the rest is left out and the
 * message says `incomplete`.
 */
export function feeUpdateFor(own: ForwardingFee, peer: string, routed: readonly RoutedDestination[]): Omit<FeeUpdate, 'handle'> {
  const sorted = [...routed].sort((a, b) => (a.destination < b.destination ? -1 : 1));
  const byDestination = new Map(sorted.map((each) => [each.destination, { peer: each.nextHop, peerFees: each.nextHopFees }]));
  return feeUpdateFromSorted(own, peer, sorted.map((each) => each.destination), (destination) => byDestination.get(destination));
}

/**
 * `feeUpdateFor` over the route table's destinations, sorted, each asked
 * `nextHopTowards` (undefined, or the destination itself: not routed) only
 * as far as the message needs: up to the first one past `MAX_FEE_QUOTES`,
 * which only makes it `incomplete`. A node of a large mesh routes to
 * hundreds of destinations, and quotes again at every `fee_update` a peer
 * sends: nothing is made for a destination but its quote.
 */
export function feeUpdateFromSorted(
  own: ForwardingFee,
  peer: string,
  sortedDestinations: readonly string[],
  nextHopTowards: (destination: string) => NextHop | undefined,
): Omit<FeeUpdate, 'handle'> {
  let incomplete = false;
  const quotes: (ForwardingFee & { destination: Uint8Array })[] = [];
  for (const destination of sortedDestinations) {
    const through = nextHopTowards(destination);
    if (!through) continue;
    const nextHop = through.peer;
    if (nextHop === peer || destination === peer || destination === nextHop) continue;
    if (quotes.length === MAX_FEE_QUOTES) {
      incomplete = true;
      break; // nothing after this could change the message
    }
    const next = knownQuote(through.peerFees, nextHop, destination);
    const quote = next && composeFee(own, next);
    if (!quote || !isOfferable(quote)) {
      incomplete = true;
      continue;
    }
    quotes.push({ destination: Uint8Array.from(Buffer.from(destination, 'hex')), ...quote });
  }
  return { type: 'fee_update', ...own, ...(quotes.length > 0 && { quotes }), ...(incomplete && { incomplete: 1 }) };
}

/** The same `fee_update` contents, as a string to compare with what was sent last. */
export function feeUpdateKey(update: Omit<FeeUpdate, 'handle'>): string {
  const quotes = (update.quotes ?? []).map((quote) => `${bytesToHex(quote.destination)}:${describeFee(quote)}`);
  return [describeFee(update), ...quotes, update.incomplete ? 'incomplete' : ''].join(';');
}
