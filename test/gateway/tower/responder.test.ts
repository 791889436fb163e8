// What the tower accepts as justice for a breach: only a transaction that
// decrypts with the breach's own txid and spends the breach and nothing
// else. Everything else is a reason, never an exception. And a justice the
// backend keeps refusing is given up once the breach is buried.
import t from 'tap';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { justiceForBreach } from '../../../gateway/tower/responder.js';
import { Transaction } from '../../../node/bolt3/transaction.js';
import { createAppointment, openAppointment } from '../../../node/gateway-protocol/appointment.js';
import { breachScenario, openChain, tempDir, towerIn } from './breach-scenario.js';

t.setTimeout(60_000);

t.test('justice for a breach, and the garbage that is not', async (t) => {
  const chain = await openChain(t);
  const { breach, appointments, aliceSweepScript } = await breachScenario(chain);
  const breachHash = breach.getHash();
  const own = appointments.find((appointment) => bytesToHex(appointment.locator) === bytesToHex(breachHash.slice(0, 16)))!;
  t.ok(own, "one of Alice's appointments is for this revoked commitment");
  const reasonFor = (blob: Uint8Array) => {
    const verdict = justiceForBreach(breach, breachHash, blob);
    return 'reason' in verdict ? verdict.reason : 'justice';
  };

  const verdict = justiceForBreach(breach, breachHash, own.blob);
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

  const kit = openAppointment(breachHash, own.blob);
  if (kit.kind !== 'kit') throw new Error('expected a kit');
  const forged = createAppointment(breachHash, { ...kit, signature: new Uint8Array(64).fill(1) });
  t.equal(reasonFor(forged.blob), 'the kit does not fit this breach, or its signature is wrong', 'a kit with a wrong signature');
  const elsewhere = createAppointment(breachHash, { ...kit, destinationScript: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20)) });
  t.equal(reasonFor(elsewhere.blob), 'the kit does not fit this breach, or its signature is wrong', 'a kit whose destination was changed (the signature no longer covers it)');

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
