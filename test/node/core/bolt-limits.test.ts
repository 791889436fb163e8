// The protocol's limits, each with where its value comes from: the numbers
// the BOLTs state, and the two that come from Bitcoin Core's relay rules.
import t from 'tap';
import { dustThreshold } from '../../../node/bolt3/dust.js';
import { MAX_ACCEPTED_HTLCS, MAX_FUNDING_SATOSHIS, MIN_DUST_LIMIT_SATOSHIS, MIN_FEERATE_PER_KW, MIN_FUNDING_SATOSHIS } from '../../../node/core/bolt-limits.js';

t.test('the dust limit floor is the dust threshold of the largest segwit output (BOLT 3, Dust Limits)', async (t) => {
  const unknownSegwit = Uint8Array.of(0x60, 40, ...new Uint8Array(40)); // version 16, a 40-byte program
  t.equal(dustThreshold(unknownSegwit), 354, '(51 + 67) x 3000 / 1000');
  t.equal(MIN_DUST_LIMIT_SATOSHIS, dustThreshold(unknownSegwit));
  const p2wsh = Uint8Array.of(0x00, 32, ...new Uint8Array(32));
  t.ok(dustThreshold(p2wsh) < MIN_DUST_LIMIT_SATOSHIS, 'a commitment output is never dust at that limit');
});

t.test('the feerate floor is 1 sat/vB and the rounding of weight to virtual bytes', async (t) => {
  t.equal(MIN_FEERATE_PER_KW, 1000 / 4 + 3);
});

t.test('channel sizes: lnd\'s smallest channel up to 2^24 - 1 (BOLT 2, open_channel, without large channels)', async (t) => {
  t.equal(MAX_FUNDING_SATOSHIS, 16_777_215);
  t.equal(MIN_FUNDING_SATOSHIS, 20_000);
});

t.test('HTLCs: at most 483 a side (BOLT 2)', async (t) => {
  t.equal(MAX_ACCEPTED_HTLCS, 483);
});
