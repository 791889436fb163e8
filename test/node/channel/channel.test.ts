// Two channel state machines paying each other over the real wire codec:
// balances move, HTLCs settle, and both sides always agree.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { PeerProtocolError, ChannelUnavailableError } from '../../../node/commitment/errors.js';
import { FUNDING_SATOSHIS, deliver, openPair, preimageOf, settle } from '../../../sim/kit/channel-pair.js';

for (const variant of ['anchors', 'static_remotekey'] as const) {
  t.test(`${variant}: Alice pays Bob, Bob fulfills`, async (t) => {
    const pair = openPair(variant);
    const preimage = preimageOf(1);
    const id = pair.alice.addHtlc(50_000_000, sha256(preimage), 800_000);
    settle(pair);
    const received = pair.events.bob.find((event) => event.type === 'htlc_received');
    t.ok(received, 'Bob learns the HTLC is irrevocably committed');
    t.equal(pair.bob.balances().pendingHtlcs, 1);
    pair.bob.fulfillHtlc(id, preimage);
    settle(pair);
    t.ok(pair.events.alice.some((event) => event.type === 'htlc_fulfilled'), 'Alice learns the preimage');
    for (const channel of [pair.alice, pair.bob]) t.equal(channel.balances().pendingHtlcs, 0, 'nothing pending');
    t.equal(pair.bob.balances().localMsat, 50_000_000, 'Bob has the amount');
    t.equal(pair.alice.balances().localMsat, FUNDING_SATOSHIS * 1000 - 50_000_000, 'Alice has the rest');
    t.equal(pair.alice.state.localCommit.number, pair.bob.state.remoteCommit.number, "Alice's commitment is the one Bob knows");
    t.equal(pair.alice.state.localCommit.number, 2, 'two commitments each: add, then fulfill');
    t.ok(pair.wireBytes < 830, `one payment over one hop took ${pair.wireBytes} bytes on the wire`);
    t.comment(`${variant}: ${pair.wireBytes} bytes for one payment`);
  });
}

t.test('a failed HTLC returns the amount', async (t) => {
  const pair = openPair();
  const id = pair.alice.addHtlc(10_000_000, sha256(preimageOf(2)), 800_000);
  settle(pair);
  pair.bob.failHtlc(id, new TextEncoder().encode('no such payment'));
  settle(pair);
  t.ok(pair.events.alice.some((event) => event.type === 'htlc_failed'), 'Alice learns it failed');
  t.equal(pair.alice.balances().localMsat, FUNDING_SATOSHIS * 1000);
  t.equal(pair.bob.balances().localMsat, 0);
});

t.test('payments both ways, interleaved, with several HTLCs in one commitment', async (t) => {
  const pair = openPair('anchors', 300_000_000);
  const ids = [1, 2, 3].map((n) => pair.alice.addHtlc(1_000_000 * n, sha256(preimageOf(n)), 800_000 + n));
  const bobIds = [4, 5].map((n) => pair.bob.addHtlc(2_000_000 * n, sha256(preimageOf(n)), 800_000 + n));
  // Both send before hearing from the other.
  deliver(pair, 'alice');
  deliver(pair, 'bob');
  settle(pair);
  t.equal(pair.alice.balances().pendingHtlcs, 5, 'five HTLCs in flight');
  ids.forEach((id, i) => pair.bob.fulfillHtlc(id, preimageOf(i + 1)));
  pair.alice.fulfillHtlc(bobIds[0]!, preimageOf(4));
  pair.alice.failHtlc(bobIds[1]!, new Uint8Array(0));
  settle(pair);
  const aliceMsat = FUNDING_SATOSHIS * 1000 - 300_000_000 - 6_000_000 + 8_000_000;
  t.equal(pair.alice.balances().localMsat, aliceMsat);
  t.equal(pair.bob.balances().localMsat, FUNDING_SATOSHIS * 1000 - aliceMsat);
  t.same(pair.alice.balances(), { localMsat: pair.bob.balances().remoteMsat, remoteMsat: pair.bob.balances().localMsat, pendingHtlcs: 0 });
});

t.test('refusals change nothing', async (t) => {
  const pair = openPair();
  t.throws(() => pair.alice.addHtlc(FUNDING_SATOSHIS * 1000, sha256(preimageOf(9)), 800_000), ChannelUnavailableError, 'cannot spend the reserve');
  t.throws(() => pair.bob.addHtlc(1_000_000, sha256(preimageOf(9)), 800_000), ChannelUnavailableError, 'Bob has nothing to send');
  t.throws(() => pair.alice.addHtlc(500, sha256(preimageOf(9)), 800_000), ChannelUnavailableError, 'below the minimum HTLC');
  t.equal(pair.alice.flush(), undefined, 'nothing was queued');
  const id = pair.alice.addHtlc(5_000_000, sha256(preimageOf(3)), 800_000);
  settle(pair);
  t.throws(() => pair.bob.fulfillHtlc(id, preimageOf(4)), ChannelUnavailableError, 'a wrong preimage');
  const before = structuredClone(pair.alice.state);
  const forged = { type: 'update' as const, handle: 0, sequence: pair.alice.state.receivedMessages % 256, updates: [{ kind: 'fulfill' as const, id, paymentPreimage: preimageOf(4) }] };
  t.throws(() => pair.alice.receive(forged), PeerProtocolError, 'a fulfill with the wrong preimage is a protocol error');
  t.same(pair.alice.state, before, 'and it changed nothing');
  const badSignature = { type: 'update' as const, handle: 0, sequence: pair.alice.state.receivedMessages % 256, updates: [], commitment: { signature: new Uint8Array(64).fill(1), htlcSignatures: [] } };
  t.throws(() => pair.alice.receive(badSignature), PeerProtocolError, 'a commitment with no changes');
});

t.test('the funder updates the fee; both commitments follow', async (t) => {
  const pair = openPair('anchors', 200_000_000);
  const id = pair.alice.addHtlc(5_000_000, sha256(preimageOf(8)), 800_000);
  settle(pair);
  pair.alice.updateFee(5000);
  settle(pair);
  t.equal(pair.alice.state.localCommit.spec.feeratePerKw, 5000, "Alice's commitment at the new feerate");
  t.equal(pair.bob.state.localCommit.spec.feeratePerKw, 5000, "Bob's too");
  t.throws(() => pair.bob.updateFee(6000), ChannelUnavailableError, 'only the funder');
  t.throws(() => pair.alice.updateFee(100), ChannelUnavailableError, 'not below 253 sat/kw');
  t.throws(() => pair.alice.updateFee(50_000_000), ChannelUnavailableError, 'not beyond what the funder can pay');
  pair.bob.fulfillHtlc(id, preimageOf(8));
  settle(pair);
  t.equal(pair.alice.balances().pendingHtlcs, 0, 'payments go on at the new feerate');
});
