// What a node tells each channel peer about fees (fee_update), and how it
// reads what a peer told it.
import t from 'tap';
import { assumedQuote, feeUpdateFor, feeUpdateFromSorted, feeUpdateKey, passOnKeeping, peerFeesOf, quoteThrough } from '../../../node/channel/fee-quotes.js';
import { feeOn } from '../../../node/channel/forwarding-fee.js';
import { MAX_FEE_QUOTES } from '../../../node/wire/messages.js';

const id = (n: number): string => `02${n.toString(16).padStart(64, '0')}`;
const own = { baseMsat: 1000, proportionalMillionths: 0 };
const told = (quotes: { destination: string; baseMsat: number; proportionalMillionths: number }[], incomplete = false) => ({ baseMsat: 500, proportionalMillionths: 5, quotes, incomplete });

t.test('reading a peer: its quote for a listed destination, its own fee for the rest, nothing to reach it', async (t) => {
  const fees = told([{ destination: id(9), baseMsat: 2000, proportionalMillionths: 7 }]);
  t.same(quoteThrough(fees, id(1), id(9)), { baseMsat: 2000, proportionalMillionths: 7 }, 'listed');
  t.same(quoteThrough(fees, id(1), id(8)), { baseMsat: 500, proportionalMillionths: 5 }, 'unlisted: one of its direct peers');
  t.same(quoteThrough(fees, id(1), id(1)), { baseMsat: 0, proportionalMillionths: 0 }, 'the peer itself is paid nothing to forward');
  t.match(quoteThrough(undefined, id(1), id(8)), /no fee quote from/, 'nothing heard yet: unknown');
  t.match(quoteThrough(told([], true), id(1), id(8)), /quotes no fee for/, 'unlisted in an incomplete message: unknown, not assumed direct');
});

t.test('telling a peer: composed quotes, never a route back through that peer', async (t) => {
  const next = told([{ destination: id(9), baseMsat: 2000, proportionalMillionths: 0 }]);
  const routed = [
    { destination: id(9), nextHop: id(2), nextHopFees: next }, // two forwarders beyond us
    { destination: id(8), nextHop: id(2), nextHopFees: next }, // a direct peer of id(2)
    { destination: id(7), nextHop: id(3), nextHopFees: told([]) }, // reached back through the peer we tell
  ];
  const update = feeUpdateFor(own, id(3), routed);
  t.same(
    update.quotes?.map((quote) => [Buffer.from(quote.destination).toString('hex'), quote.baseMsat, quote.proportionalMillionths]),
    [
      [id(8), 1500, 5],
      [id(9), 3000, 0],
    ],
    'sorted by destination; our fee composed with the next hop\'s, none for a route through the peer itself',
  );
  t.equal(update.incomplete, undefined, 'complete');
  t.same({ base: update.baseMsat, rate: update.proportionalMillionths }, { base: 1000, rate: 0 }, 'our own fee');
  const unknown = feeUpdateFor(own, id(3), [{ destination: id(9), nextHop: id(2), nextHopFees: undefined }]);
  t.same([unknown.quotes, unknown.incomplete], [undefined, 1], 'a next hop not heard from yet: left out, and said so');
});

t.test(`at most ${MAX_FEE_QUOTES} quotes: the rest left out, the message incomplete`, async (t) => {
  const routed = Array.from({ length: MAX_FEE_QUOTES + 3 }, (_, i) => ({ destination: id(100 + i), nextHop: id(2), nextHopFees: told([]) }));
  const update = feeUpdateFor(own, id(3), routed);
  t.equal(update.quotes?.length, MAX_FEE_QUOTES);
  t.equal(update.incomplete, 1);
  const read = peerFeesOf({ ...update, handle: 0 });
  t.match(quoteThrough(read, id(3), id(100 + MAX_FEE_QUOTES + 2)), /quotes no fee for/, 'the peer refuses to guess for those left out');
  t.same(quoteThrough(read, id(3), id(100)), { baseMsat: 1500, proportionalMillionths: 5 }, 'and uses the ones listed');
  t.not(feeUpdateKey(update), feeUpdateKey(feeUpdateFor({ baseMsat: 1001, proportionalMillionths: 0 }, id(3), routed)), 'a new fee is a new message');
  t.equal(feeUpdateKey(update), feeUpdateKey(feeUpdateFor(own, id(3), [...routed].reverse())), 'the same fees in another order are not');
});

t.test('quoting from a sorted table reads it only as far as the message needs, and says the same', async (t) => {
  // Hundreds of destinations, a few of them unknown or back through the peer: the first past the last quote ends the reading.
  const sorted = Array.from({ length: 400 }, (_, i) => ({ destination: id(100 + i), nextHop: i % 7 === 0 ? id(3) : id(2), nextHopFees: i % 5 === 0 ? undefined : told([]) }));
  const destinations = sorted.map((each) => each.destination);
  const byDestination = new Map(sorted.map((each) => [each.destination, { peer: each.nextHop, peerFees: each.nextHopFees }]));
  let read = 0;
  const counted = (destination: string) => (read++, byDestination.get(destination));
  const update = feeUpdateFromSorted(own, id(3), destinations, counted);
  t.equal(feeUpdateKey(update), feeUpdateKey(feeUpdateFor(own, id(3), [...sorted].reverse())), 'the same message as from the whole table in any order');
  t.equal(update.quotes?.length, MAX_FEE_QUOTES);
  t.equal(update.incomplete, 1);
  t.ok(read < 40, `${read} of 400 destinations read`);
  const few = sorted.slice(0, 10);
  t.same(feeUpdateFromSorted(own, id(3), destinations.slice(0, 10), counted), feeUpdateFor(own, id(3), few), 'a table shorter than the message: all of it, the same');
  const notRouted = feeUpdateFromSorted(own, id(3), [id(100), id(2), id(101)], (destination) => (destination === id(100) ? undefined : destination === id(2) ? { peer: id(2) } : byDestination.get(destination)));
  t.same(notRouted, feeUpdateFor(own, id(3), [sorted[1]!]), 'a destination without a channel towards it, or a peer itself, is not quoted');
});

t.test('no quote for a destination (the list was full): the payer assumes the peer fee at every forwarder, a forwarder keeps its own', async (t) => {
  const fees = { baseMsat: 1_000, proportionalMillionths: 100, quotes: [], incomplete: true };
  t.same(assumedQuote(fees, 1), { baseMsat: 1_000, proportionalMillionths: 100 }, 'one forwarder: the peer itself');
  const two = assumedQuote(fees, 2)!;
  for (const amount of [1, 50_000_000, 2 ** 40]) {
    const downstream = feeOn(fees, amount);
    t.ok(feeOn(two, amount) >= downstream + feeOn(fees, amount + downstream), `two forwarders at ${amount} msat: enough for both`);
  }
  t.equal(assumedQuote(undefined, 3), undefined, 'a peer that told nothing gives nothing to assume');
  for (const amount of [0, 999, 1_000, 1_001, 50_000_000, 2 ** 52]) {
    const passed = passOnKeeping(fees, amount);
    t.ok(passed === 0 || passed + feeOn(fees, passed) <= amount, `${amount}: what is passed on leaves the fee`);
    t.ok(passed + 1 + feeOn(fees, passed + 1) > amount, `${amount}: and is the most that does`);
  }
});
