// The long-CSV policy: every refusal, with the reason a user reads.
import t from 'tap';
import { MAX_CSV_DELAY, channelPolicy, channelRefusals, delaysFor } from '../../../node/channel/policy.js';
import { throwsField } from '../input.js';

const policy = channelPolicy();
const ours = delaysFor(policy);
const acceptable = { ourToSelfDelay: ours.toSelfDelay, theirToSelfDelay: 2016, theirCltvExpiryDelta: 2016, finalExpiryDelta: ours.finalExpiryDelta };

t.test('defaults', async (t) => {
  t.same(policy, { offlineHorizonBlocks: 2016, marginBlocks: 144, maxOwnDelayBlocks: 8064 }, 'two weeks, a day of margin, up to eight weeks on our own outputs');
  t.same(ours, { toSelfDelay: 2160, cltvExpiryDelta: 2160, finalExpiryDelta: 2160 }, 'what we announce: horizon + margin');
  t.same(channelRefusals(policy, acceptable), [], 'our own terms against a like-minded peer are acceptable');
});

t.test('each refusal, with its reason', async (t) => {
  const refused = (change: Partial<typeof acceptable>, pattern: RegExp, what: string) => {
    const reasons = channelRefusals(policy, { ...acceptable, ...change });
    t.equal(reasons.length, 1, `${what}: one reason`);
    t.match(reasons[0], pattern, what);
  };
  refused({ ourToSelfDelay: 2159 }, /to_self_delay of 2159 blocks on the counterparty's outputs is below our offline horizon of 2016 blocks plus a 144-block margin/, 'our delay one block short');
  refused({ theirToSelfDelay: 8065 }, /counterparty's to_self_delay of 8065 blocks on our outputs is above the 8064 blocks we accept/, 'their delay too long');
  refused({ theirCltvExpiryDelta: 2015 }, /cltv_expiry_delta of 2015 blocks is below our offline horizon of 2016/, 'their cltv_expiry_delta too short');
  refused({ finalExpiryDelta: 100 }, /final expiry delta of 100 blocks is below our offline horizon/, 'final expiry too short');
  refused({ ourToSelfDelay: MAX_CSV_DELAY + 1 }, /beyond the CSV limit/, 'beyond the CSV limit');
  t.equal(channelRefusals(policy, { ourToSelfDelay: 1, theirToSelfDelay: 9000, theirCltvExpiryDelta: 1, finalExpiryDelta: 1 }).length, 4, 'all at once: four reasons');
});

t.test('a longer horizon moves every bound', async (t) => {
  const month = channelPolicy({ offlineHorizonBlocks: 4320, marginBlocks: 288 });
  t.same(delaysFor(month).toSelfDelay, 4608);
  t.ok(channelRefusals(month, acceptable).length >= 2, 'two-week terms are refused by a node away for a month');
});

t.test('configuration limits', async (t) => {
  throwsField(t, () => channelPolicy({ offlineHorizonBlocks: 0 }), 'offlineHorizonBlocks', 'a zero horizon');
  throwsField(t, () => channelPolicy({ offlineHorizonBlocks: 65_500, marginBlocks: 144 }), 'offlineHorizonBlocks', 'horizon + margin beyond the CSV limit');
  throwsField(t, () => channelPolicy({ maxOwnDelayBlocks: 70_000 }), 'maxOwnDelayBlocks', 'a maximum beyond the CSV limit');
  t.equal(channelPolicy({ offlineHorizonBlocks: 20_000 }).maxOwnDelayBlocks, MAX_CSV_DELAY, 'the default maximum stops at the CSV limit');
});
