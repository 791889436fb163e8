// The tower's queue over real payments: every commitment the peer revokes
// gives an appointment with the channel's record beside it; the tower,
// holding only the appointment and the record, opens both from the breach
// (its txid, the funding script in its witness), derives the keys the kit
// signed for, and rebuilds a justice that bcoin's interpreter accepts. The
// record is the same for every state of the channel.
import t from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { fundingScript, p2wpkh } from '../../../node/bolt3/scripts.js';
import { justiceFromKit, kitOfCompact, openAppointment } from '../../../node/gateway-protocol/appointment.js';
import { openChannelRecord } from '../../../node/gateway-protocol/tower-channel.js';
import { remoteCommitment } from '../../../node/commitment/commitments.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { type TowerEvent, TowerQueue } from '../../../node/monitor/tower-queue.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { openPair, payAcross, revocationsSeenBy } from '../../../sim/kit/channel-pair.js';

t.test('compact appointments and their record give the justice the kit signed', async (t) => {
  const pair = openPair('anchors');
  const destination = p2wpkh(pair.aliceSigner.publicKeys.paymentBasepoint);
  payAcross(pair, 'alice', 40_000_000, 1);
  payAcross(pair, 'bob', 2_000_000, 2);
  payAcross(pair, 'alice', 3_000_000, 3);
  const revocations = revocationsSeenBy(pair, 'alice');
  const reported: TowerEvent[] = [];
  const queue = new TowerQueue(new MemoryPersister(), (event) => reported.push(event));
  const subject = { peer: 'bob', handle: 0, channel: pair.alice };
  const { local, remote } = pair.alice.state;
  const witnessScript = fundingScript(local.publicKeys.fundingPubkey, remote.publicKeys.fundingPubkey);
  let compact = 0;
  for (const revoked of revocations) {
    const before = reported.length;
    queue.justiceFor(subject, revoked.commitment, revoked.perCommitmentSecret, destination, 1_000);
    if (reported.length === before) continue; // nothing of Bob's worth taking
    const appointment = reported.at(-1)!.appointment;
    const { commitment, keys } = remoteCommitment(pair.alice.state, revoked.commitment.spec, revoked.commitment.number, revoked.commitment.perCommitmentPoint);
    const breach = commitment.tx;
    t.same(appointment.locator, breach.getHash().subarray(0, 16), `commitment ${revoked.commitment.number}: the locator is its txid's start`);
    const data = openAppointment(breach.getHash(), appointment.blob);
    if (data.kind !== 'compact') continue; // nothing of Bob's to take alone: the whole transaction
    compact++;
    t.equal(appointment.blob.length, 116, 'a compact kit, sealed');
    const kit = kitOfCompact(data, openChannelRecord(witnessScript, appointment.channel!));
    t.same([bytesToHex(kit.revocationPubkey), bytesToHex(kit.localDelayedPubkey)], [bytesToHex(keys.revocationPubkey), bytesToHex(keys.localDelayedPubkey)], 'the keys derived from the point and the record are those of the commitment');
    const justice = justiceFromKit(breach, kit);
    t.ok(justice, 'the tower rebuilds the justice and its signature checks');
    const spent = breach.outs[justice!.ins[0]!.index]!;
    t.equal(scriptResult(justice!, 0, { scriptPubKey: spent.script, satoshis: Number(spent.value) }), 'OK', "and bcoin's interpreter accepts it");
  }
  t.ok(compact >= 3, `${compact} compact appointments of ${revocations.length} revocations`);
  t.equal(new Set(reported.map((event) => bytesToHex(event.appointment.channel!))).size, 1, 'one record for every state of the channel');
  t.equal(queue.pending().length, reported.length, 'all queued, each with its record');
  t.ok(queue.pending().every((appointment) => appointment.channel !== undefined), 'read back from the persister with their record');
});
