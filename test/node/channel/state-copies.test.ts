// Each call on a channel works on a copy of its state that shares the parts
// no call alters in place: a state, once made, never changes. A call that
// throws half-way (after it counted the message and took an update) leaves
// the channel's state as it was, and a call that succeeds leaves the state
// before it as it was too (restoreState goes back to it); the new state
// shares what did not change.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { PeerProtocolError } from '../../../node/commitment/errors.js';
import { openPair, preimageOf, settle } from '../../../sim/kit/channel-pair.js';

t.test('a state is never altered once made, and a failed call keeps it', async (t) => {
  const pair = openPair('anchors', 200_000_000);
  const id = pair.alice.addHtlc(5_000_000, sha256(preimageOf(1)), 800_000);
  settle(pair);

  // Bob's message settles the HTLC, then carries a second update that must fail: the whole message changes nothing.
  const before = pair.alice.state;
  const snapshot = structuredClone(before);
  const sequence = before.receivedMessages % 256;
  const message = {
    type: 'update' as const,
    handle: 0,
    sequence,
    updates: [
      { kind: 'fulfill' as const, id, paymentPreimage: preimageOf(1) },
      { kind: 'fulfill' as const, id: 99, paymentPreimage: preimageOf(2) },
    ],
  };
  t.throws(() => pair.alice.receive(message), PeerProtocolError, 'a fulfill of an HTLC that does not exist');
  t.equal(pair.alice.state, before, 'the channel keeps the state it had');
  t.same(before, snapshot, 'and that state is as it was, though the call counted the message and took the first fulfill');

  // A call that succeeds: the state before it stays as it was, and the new one shares what did not change.
  pair.alice.addHtlc(7_000_000, sha256(preimageOf(3)), 800_000);
  const after = pair.alice.state;
  t.not(after, before, 'a new state');
  t.same(before, snapshot, 'the state before the call is unchanged');
  t.equal(after.localChanges.queued.length, 1, 'the new one has the queued HTLC');
  t.equal(before.localChanges.queued.length, 0, 'the old one does not');
  t.equal(after.localCommit, before.localCommit, 'what the call did not change is shared');
  t.equal(after.remoteSecrets, before.remoteSecrets);

  // Going back to the earlier state is going back to exactly it.
  pair.alice.restoreState(before);
  t.same(pair.alice.state, snapshot, 'restoreState gives the earlier state back');
  t.equal(pair.alice.flush(), undefined, 'with nothing queued');
});
