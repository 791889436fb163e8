// What the tower accepts as justice for a breach: only a transaction that
// decrypts with the breach's own txid (a compact kit: with a channel record
// that opens with the breach's funding script) and spends the breach and
// nothing else. Everything else is a reason, never an exception. And a justice the
// backend keeps refusing is given up once the breach is buried.
import t from 'tap';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { justiceForBreach } from '../../../gateway/tower/responder.js';
import { Transaction } from '../../../node/bolt3/transaction.js';
import { createAppointment, kitOfCompact, openAppointment } from '../../../node/gateway-protocol/appointment.js';
import { sealChannelRecord, openChannelRecord } from '../../../node/gateway-protocol/tower-channel.js';
import { breachScenario, openChain, tempDir, towerIn } from './breach-scenario.js';

t.setTimeout(60_000);

t.test('justice for a breach, and the garbage that is not', async (t) => {
  const chain = await openChain(t);
  const { breach, appointments, aliceSweepScript } = await breachScenario(chain);
  const breachHash = breach.getHash();
  const own = appointments.find((appointment) => bytesToHex(appointment.locator) === bytesToHex(breachHash.slice(0, 16)))!;
  t.ok(own, "one of Alice's appointments is for this revoked commitment");
  const records = [own.channel!];
  const reasonFor = (blob: Uint8Array, channelRecords = records) => {
    const verdict = justiceForBreach(breach, breachHash, blob, channelRecords);
    return 'reason' in verdict ? verdict.reason : 'justice';
  };

  const verdict = justiceForBreach(breach, breachHash, own.blob, records);
  t.ok('justice' in verdict, 'her appointment gives a justice transaction');
  const justice = (verdict as { justice: Transaction }).justice;
  t.equal(bytesToHex(justice.outs[0]!.script), bytesToHex(aliceSweepScript), 'paying Alice');

  const flipped = Uint8Array.from(own.blob);
  flipped[40]! ^= 1;
  t.match(reasonFor(flipped), /does not decrypt/, 'a changed byte: it does not decrypt');
  for (const other of appointments.filter((appointment) => appointment !== own)) {
    t.match(reasonFor(other.blob), /does not decrypt/, 'an appointment for another revoked commitment does not decrypt with this one');
  }
  const cipher = chacha20poly1305(sha256(breachHash), new Uint8Array(12));
  t.match(reasonFor(cipher.encrypt(new Uint8Array(50).fill(7))), /^the appointment cannot be used for this breach: /, 'decrypts, but is no justice data');

  const compact = openAppointment(breachHash, own.blob);
  if (compact.kind !== 'compact') throw new Error('expected a compact kit');
  const noRecord = 'no channel record for this tag';
  t.equal(reasonFor(own.blob, []), noRecord, 'a compact kit without its channel record');
  const misfit = 'no channel record of this tag makes a kit that fits this breach with a valid signature';
  const forged = createAppointment(breachHash, { ...compact, signature: new Uint8Array(64).fill(1) });
  t.equal(reasonFor(forged.blob), misfit, 'a compact kit with a wrong signature');
  const fundingScript = breach.ins[0]!.witness[3]!;
  const channel = openChannelRecord(fundingScript, own.channel!);
  const elsewhere = sealChannelRecord(fundingScript, { ...channel, destinationScript: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20)) });
  t.equal(reasonFor(own.blob, [elsewhere]), misfit, 'a record whose destination was changed (the signature no longer covers it)');
  t.equal(reasonFor(own.blob, [elsewhere, own.channel!]), 'justice', 'among the records of a tag, the one that fits is used');
  const otherChannel = sealChannelRecord(Uint8Array.of(0x51), channel);
  t.equal(reasonFor(own.blob, [otherChannel]), misfit, "another channel's record does not open with this breach's funding script");
  const kit = { kind: 'kit' as const, revocationPubkey: new Uint8Array(33), localDelayedPubkey: new Uint8Array(33), toSelfDelay: channel.toSelfDelay, destinationScript: channel.destinationScript, feeratePerKw: compact.feeratePerKw, signature: compact.signature };
  const legacy = createAppointment(breachHash, { ...kit, ...kitOfCompact(compact, channel) });
  t.equal(reasonFor(legacy.blob, []), 'justice', 'the kit of before (keys in the blob), as an upgraded tower holds it: still justice, no record needed');
  const legacyForged = createAppointment(breachHash, { ...kit, ...kitOfCompact(compact, channel), signature: new Uint8Array(64).fill(1) });
  t.equal(reasonFor(legacyForged.blob), 'the kit does not fit this breach, or its signature is wrong', 'a kit of before with a wrong signature');

  const notSpending = createAppointment(breachHash, { kind: 'transaction', transaction: Uint8Array.of(1, 2, 3) });
  t.equal(reasonFor(notSpending.blob), 'the justice transaction does not spend the breach', 'bytes that are no transaction');
  const greedy = Transaction.fromBuffer(justice.toBuffer());
  greedy.addInput(new Uint8Array(32).fill(3), 0);
  const extra = createAppointment(breachHash, { kind: 'transaction', transaction: greedy.toBuffer() });
  t.equal(reasonFor(extra.blob), "the justice transaction spends outputs other than the breach's", 'a justice that also spends another coin: the tower is no free broadcaster');
  const whole = createAppointment(breachHash, { kind: 'transaction', transaction: justice.toBuffer() });
  t.equal(reasonFor(whole.blob), 'justice', 'the same justice as a whole transaction is fine');
});

t.test('a justice the backend refuses is tried at every block, and given up once the breach is buried', async (t) => {
  const chain = await openChain(t);
  // Alice signed her justice at 200 sat/kw: under bcoin's minimum relay fee.
  const { alice, breach, appointments } = await breachScenario(chain, { justiceFeeratePerKw: 200 });
  const fixture = towerIn(tempDir(t), chain, { init: { justiceBuriedDepth: 3 } });
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  await tower.start();
  tower.submit(alice.id, appointments);
  await chain.broadcast(breach);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'active', broadcasts: 1, lastBroadcast: { accepted: false, reason: 'insufficient priority' } }], "refused, with bcoin's reason (its words for a fee under the relay minimum)");
  await chain.mine(2);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'active', broadcasts: 3 }], 'tried again at each block');
  await chain.mine(1);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'abandoned', broadcasts: 4, reason: /the breach is buried and the justice transaction is refused: insufficient priority$/ }], 'given up when the breach is 3 deep');
  await chain.mine(1);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'abandoned', broadcasts: 4 }], 'and no longer tried');
});
