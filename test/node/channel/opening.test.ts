// Opening negotiation: the side we offer, and what we refuse in a peer's
// offer, each with the reason a user reads; our offer is one we accept.
import t from 'tap';
import { type Opening, type OpeningTerms, channelOffer, localSide, openRefusals, remoteSide } from '../../../node/channel/opening.js';
import { channelPolicy } from '../../../node/channel/policy.js';
import { SeedSigner } from '../../../node/keys/signer.js';

const terms: OpeningTerms = { network: 3, channelType: 'anchors', policy: channelPolicy() };
const signer = new SeedSigner(new Uint8Array(32).fill(0xa1)).channelSigner(0);
const opening: Opening = { peer: '02'.padEnd(66, '0'), handle: 0, localIsFunder: true, channelIndex: 0, fundingSatoshis: 1_000_000, pushMsat: 0, feeratePerKw: 2500, local: localSide(terms, 1_000_000, signer.publicKeys), minimumDepth: 3 };
const ourOffer = channelOffer(terms, opening, signer.perCommitmentPoint(0));

t.test('our side: 1% reserve (354 sat at least), all of the channel in flight', async (t) => {
  t.equal(opening.local.channelReserveSatoshis, 10_000);
  t.equal(localSide(terms, 20_000, signer.publicKeys).channelReserveSatoshis, 354);
  t.equal(opening.local.maxHtlcValueInFlightMsat, 1_000_000_000);
  t.equal(ourOffer.keys.length, 5 * 33, 'five keys of 33 bytes');
});

t.test('an offer like ours is accepted; each flaw is refused with its reason', async (t) => {
  const accepted = remoteSide(terms, ourOffer, opening);
  t.notOk(Array.isArray(accepted), 'our own offer is acceptable');
  const refused = (change: object, pattern: RegExp) => t.match(remoteSide(terms, { ...ourOffer, ...change }, opening), [pattern]);
  refused({ network: 0 }, /network 0/);
  refused({ channelType: 'static_remotekey' }, /static_remotekey/);
  refused({ dustLimitSatoshis: 300, channelReserveSatoshis: 10_000 }, /below 354/);
  refused({ dustLimitSatoshis: 30_000, channelReserveSatoshis: 40_000 }, /above the 20000/);
  refused({ maxAcceptedHtlcs: 0 }, /max_accepted_htlcs of 0/);
  refused({ firstPerCommitmentPoint: new Uint8Array(33) }, /not a valid point/);
});

t.test('open_channel on its own: amount, push and feerate', async (t) => {
  t.same(openRefusals({ fundingSatoshis: 100_000, pushMsat: 0, feeratePerKw: 253 }), []);
  t.match(openRefusals({ fundingSatoshis: 19_999, pushMsat: 0, feeratePerKw: 253 }), [/funding amount of 19999/]);
  t.match(openRefusals({ fundingSatoshis: 100_000, pushMsat: 100_000_001, feeratePerKw: 253 }), [/push larger/]);
  t.match(openRefusals({ fundingSatoshis: 100_000, pushMsat: 0, feeratePerKw: 252 }), [/feerate of 252/]);
});
