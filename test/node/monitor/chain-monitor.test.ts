// The ChainMonitor on its own, fed by hand the way the channel manager feeds
// it: monitor updates as the protocol makes them (a commitment revoked),
// and the chain's events (transactions seen and confirmed, new tips). No
// manager is involved: the channels are a pair opened in memory.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { htlcDeadline } from '../../../node/monitor/deadlines.js';
import { openPair, preimageOf, settle } from '../../../sim/kit/channel-pair.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { aliceMonitor } from './alice-monitor.js';



t.test("a revoked commitment is punished with the justice the monitor kept when it was revoked, also after a restart", async (t) => {
  // Bob starts with 300,000 sat, so his first commitment is worth cheating with once he is paid more.
  const pair = openPair('anchors', 300_000_000);
  const revokedLater = pair.bob.signedLocalCommitment().tx;
  const { subject, monitor, broadcast, events, persister } = aliceMonitor(pair.alice);

  const preimage = preimageOf(1);
  const id = pair.alice.addHtlc(50_000_000, sha256(preimage), 800_000);
  settle(pair);
  pair.bob.fulfillHtlc(id, preimage);
  settle(pair);
  const revocations = pair.events.alice.filter((event) => event.type === 'commitment_revoked');
  t.ok(revocations.length >= 2, `Bob revoked ${revocations.length} commitments`);
  for (const event of revocations) if (event.type === 'commitment_revoked') monitor.commitmentRevoked(subject, event.commitment, event.perCommitmentSecret);
  t.ok(events.some((event) => event.type === 'appointment'), 'each revocation queues an appointment for the tower');
  t.equal(monitor.tower.pending().length, events.filter((event) => event.type === 'appointment').length, 'kept until the tower receipts them');

  monitor.transactionSeen(revokedLater);
  const justice = broadcast.find((tx) => tx.ins.some((input) => Buffer.from(input.hash).equals(Buffer.from(revokedLater.getHash()))));
  t.ok(justice, 'the revoked commitment, seen in the mempool, gets its justice at once');
  for (const [i, input] of justice!.ins.entries()) {
    const spent = revokedLater.outs[input.index]!;
    t.equal(scriptResult(justice!, i, { scriptPubKey: spent.script, satoshis: Number(spent.value) }), 'OK', `bcoin's interpreter accepts justice input ${i}`);
  }
  t.match(events.find((event) => event.type === 'breach'), { breachTxid: revokedLater.getId() }, 'and says so');

  monitor.transactionsConfirmed(800_001, [revokedLater]);
  t.equal(subject.onchain?.kind, 'revoked', 'confirmed: the channel is resolved as a breach');
  t.same(subject.shutdown, { closed: true }, 'and the manager is told the channel is over');

  // A new monitor over the same records, as after a restart: the justice is read back from its own records.
  const restarted = aliceMonitor(pair.alice, persister);
  restarted.monitor.transactionSeen(revokedLater);
  t.same(restarted.broadcast[0]?.getId(), justice!.getId(), 'after a restart the same justice goes out');
});

t.test('an HTLC we offered and the peer never settled takes the channel on chain at its deadline, not before', async (t) => {
  const pair = openPair('anchors');
  const { subject, monitor, broadcast, events } = aliceMonitor(pair.alice);
  const cltvExpiry = 800_100;
  pair.alice.addHtlc(20_000_000, sha256(preimageOf(2)), cltvExpiry);
  settle(pair);

  const deadline = htlcDeadline('outgoing', cltvExpiry);
  monitor.bestBlockUpdated(deadline - 1);
  t.same(broadcast, [], 'one block before the deadline nothing happens');
  t.notOk(monitor.needsEveryBlock(deadline - 100), 'and a deadline 100 blocks away does not need every block');
  t.ok(monitor.needsEveryBlock(deadline), 'but one in reach does');

  monitor.bestBlockUpdated(deadline);
  t.equal(broadcast[0]?.getId(), pair.alice.signedLocalCommitment().tx.getId(), 'at the deadline our latest commitment goes out');
  t.match(events.find((event) => event.type === 'channel_force_closed'), { ours: true, reason: /HTLC 0 we offered expired at 800100/ }, 'with the reason');
  t.equal(subject.onchain?.kind, 'ours', 'and the monitor follows the close from there');
  t.same(subject.shutdown, { closed: true }, 'the manager is told the channel is over');
});
