// What a node tells each channel peer about fees (fee_update), and how it
// reads what a peer told it.
import t from 'tap';
import { feeUpdateFor, feeUpdateKey, peerFeesOf, quoteThrough } from '../../../node/channel/fee-quotes.js';
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
