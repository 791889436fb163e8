// The watchtower on a real chain (an embedded bcoin regtest node): Alice
// hands it the appointments her channel manager made; when Bob broadcasts a
// commitment he revoked, the tower finds it, broadcasts Alice's justice
// transaction (bcoin accepts and mines it), signs Alice an alert, and
// follows the justice until it is buried.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { TowerQuotaError } from '../../../gateway/tower/appointment-store.js';
import type { ResponseRecord } from '../../../gateway/tower/response-store.js';
import { Watchtower, WatchtowerConfigError } from '../../../gateway/tower/watchtower.js';
import { Transaction } from '../../../node/bolt3/transaction.js';
import type { Clock } from '../../../node/core/clock.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { type SignedBreachAlert, verifyAlert } from '../../../node/gateway-protocol/alert.js';
import { createAppointment } from '../../../node/gateway-protocol/appointment.js';
import { verifyReceipt } from '../../../node/gateway-protocol/receipt.js';
import { caught } from '../../node/input.js';
import { breachScenario, gatewaySigner, openChain, tempDir, towerIn } from './breach-scenario.js';
import { warningsInto } from '../../../sim/kit/logger.js';

t.setTimeout(60_000);

t.test('a breach seen in the mempool is answered, mined, followed until buried, and Alice is alerted', async (t) => {
  const chain = await openChain(t);
  const scenario = await breachScenario(chain);
  const { alice, breach } = scenario;
  t.ok(scenario.appointments.length >= 2, `Alice's manager made ${scenario.appointments.length} appointments`);
  const warnings: string[] = [];
  const fixture = towerIn(tempDir(t), chain, { init: { justiceBuriedDepth: 6 }, logger: warningsInto(warnings) });
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  const alerts: SignedBreachAlert[] = [];
  tower.on('alert', (alert) => alerts.push(alert));
  await tower.start();

  const receipt = tower.submit(alice.id, scenario.appointments);
  t.ok(verifyReceipt(gatewaySigner.nodeId, Buffer.from(alice.id, 'hex'), scenario.appointments, receipt), "the receipt verifies with the gateway's key, from node code alone");
  for (const appointment of scenario.appointments) alice.manager.appointmentDelivered(appointment.locator);
  t.same(alice.manager.pendingAppointments(), [], 'so Alice drops them from her outbox');

  t.same(await chain.broadcast(breach), { accepted: true, txid: breach.getId() }, 'Bob broadcasts his revoked commitment; bcoin accepts it');
  await tower.idle();
  const [response, ...others] = tower.responses();
  t.same(others, [], 'one response');
  t.match(response, { breachTxid: breach.getId(), nodeId: alice.id, state: 'active', broadcasts: 1, lastBroadcast: { accepted: true }, alerted: true });
  const justice = Transaction.fromBuffer(response!.justice!);
  t.ok(justice.ins.every((input) => bytesToHex(input.hash) === bytesToHex(breach.getHash())), 'the justice spends the breach');
  t.equal(bytesToHex(justice.outs[0]!.script), bytesToHex(scenario.aliceSweepScript), "and pays Alice's wallet");
  t.same(await chain.status(justice.getId()), { state: 'mempool' }, "bcoin's mempool accepted the justice transaction");

  t.equal(alerts.length, 1, 'one alert');
  const alert = alerts[0]!;
  t.equal(bytesToHex(alert.nodeId), alice.id, 'for Alice');
  t.equal(Buffer.from(alert.breachTxid).reverse().toString('hex'), breach.getId());
  t.equal(Buffer.from(alert.justiceTxid).reverse().toString('hex'), justice.getId());
  t.ok(verifyAlert(gatewaySigner.nodeId, Buffer.from(alice.id, 'hex'), alert), 'signed by the gateway');

  await chain.mine(1);
  await tower.idle();
  t.match(tower.responses()[0], { state: 'active', confirmations: 1 }, 'the breach and the justice are mined together');
  const taken = justice.ins.reduce((sum, input) => sum + Number(breach.outs[input.index]!.value), 0);
  t.equal(taken, 600_000, "the justice takes Bob's to_local of the revoked state");
  await chain.mine(4);
  await tower.idle();
  t.match(tower.responses()[0], { state: 'active', confirmations: 5 });
  await chain.mine(1);
  await tower.idle();
  t.match(tower.responses()[0], { state: 'buried', confirmations: 6 }, 'buried at 6 confirmations: no longer followed');
  await chain.mine(2);
  await tower.idle();
  t.match(tower.responses()[0], { state: 'buried', confirmations: 6 }, 'and left alone');
  t.equal(alerts.length, 1, 'still one alert');
  t.same(warnings, [], 'no warning');
});

t.test('submissions: a receipt per batch; malformed or over quota, refused with a reason and nothing stored; a dropped tag is not answered', async (t) => {
  const chain = await openChain(t);
  const scenario = await breachScenario(chain);
  const { alice, bob, breach } = scenario;
  const fixture = towerIn(tempDir(t), chain, { quota: { maxAppointmentsPerNode: scenario.appointments.length } });
  t.teardown(() => fixture.close());
  const { tower, store } = fixture;
  await tower.start();

  const malformed = caught(() => tower.submit(alice.id, [...scenario.appointments.slice(1), { ...scenario.appointments[0]!, locator: new Uint8Array(20) }]));
  t.ok(malformed instanceof InvalidInputError, 'a 20-byte locator: refused');
  t.match((malformed as Error).message, new RegExp(`appointments\\[${scenario.appointments.length - 1}\\]\\.locator: expected 16 bytes, got 20`), 'naming the field');
  t.equal(store.count(), 0, 'nothing of that batch is stored');
  t.ok(caught(() => tower.submit(alice.id, [])) instanceof InvalidInputError, 'an empty batch: refused');
  t.ok(caught(() => tower.submit('00'.repeat(33), scenario.appointments)) instanceof InvalidInputError, 'a forged node id (not a key): refused');

  tower.submit(alice.id, scenario.appointments);
  const over = caught(() => tower.submit(alice.id, [{ ...scenario.appointments[0]!, locator: new Uint8Array(16).fill(9) }]));
  t.ok(over instanceof TowerQuotaError, 'one more than the quota: refused');
  t.match((over as Error).message, `holds ${scenario.appointments.length} appointments`);
  t.same(store.lookup(new Uint8Array(16).fill(9)), [], 'and not stored');

  t.equal(tower.dropTag(alice.id, scenario.tag), scenario.appointments.length, 'Alice closes the channel: its appointments go');
  t.equal(tower.dropTag(bob.id, scenario.tag), 0, "Bob cannot drop Alice's appointments (the tag is per node)");
  t.same(store.usage(alice.id), { appointments: 0, bytes: 0, watches: 0 });
  await chain.broadcast(breach);
  await chain.mine(1);
  await tower.idle();
  t.same(tower.responses(), [], 'the breach is not answered: the tower forgot the channel, as told');
});

t.test('garbage under the breach\'s locator is recorded as invalid and never broadcast; the real appointment is still answered', async (t) => {
  const chain = await openChain(t);
  const scenario = await breachScenario(chain);
  const { alice, bob, breach } = scenario;
  const fixture = towerIn(tempDir(t), chain);
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  const broadcasts: string[] = [];
  const broadcast = chain.broadcast.bind(chain);
  chain.broadcast = (tx) => (broadcasts.push(tx.getId()), broadcast(tx));
  await tower.start();

  const locator = breach.getHash().slice(0, 16);
  // Bob knows his own breach's txid: he can encrypt for it. A justice of his spending another of his coins, not the breach.
  const unrelated = new Transaction();
  unrelated.addInput(new Uint8Array(32).fill(1), 0);
  unrelated.addOutput(scenario.aliceSweepScript, 1000n);
  tower.submit(bob.id, [{ ...createAppointment(breach.getHash(), { kind: 'transaction', transaction: unrelated.toBuffer() }), tag: Uint8Array.of(1) }]);
  const carol = bytesToHex(publicKeyOf(sha256(Uint8Array.of(0xca))));
  tower.submit(carol, [{ locator, blob: new Uint8Array(300).fill(0x42), tag: Uint8Array.of(2) }]);
  tower.submit(alice.id, scenario.appointments);

  await chain.broadcast(breach);
  await tower.idle();
  const byNode = new Map(tower.responses().map((record): [string, ResponseRecord] => [record.nodeId, record]));
  t.match(byNode.get(carol), { state: 'invalid', reason: /does not decrypt/ }, "Carol's random blob: invalid");
  t.match(byNode.get(bob.id), { state: 'invalid', reason: 'the justice transaction does not spend the breach' }, "Bob's decoy: invalid");
  t.match(byNode.get(alice.id), { state: 'active', lastBroadcast: { accepted: true } }, "Alice's: answered");
  t.same(broadcasts, [breach.getId(), byNode.get(alice.id)!.justiceTxid], 'only the breach (by Bob) and Alice\'s justice were broadcast');
  await chain.mine(1);
  await tower.idle();
  t.equal(tower.responses().filter((record) => record.state === 'invalid').length, 2, 'seen again in the block: not reconsidered');
  t.same(broadcasts.length, 2, 'nothing more broadcast');
});

t.test('an alert nobody took (the relay not listening yet, or failing) goes again at the next block', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const warnings: string[] = [];
  const fixture = towerIn(tempDir(t), chain, { logger: warningsInto(warnings) });
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  await tower.start();
  tower.submit(alice.id, appointments);
  await chain.broadcast(breach);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'active', alerted: false }], 'answered, but the alert had no taker');
  t.match(warnings, [/no listener takes alerts yet/]);

  let failing = true;
  const alerts: SignedBreachAlert[] = [];
  tower.on('alert', (alert) => {
    if (failing) throw new Error('the mailbox is full');
    alerts.push(alert);
  });
  await chain.mine(1);
  await tower.idle();
  t.match(warnings.at(-1), /the mailbox is full/, 'a listener that throws: not taken either');
  t.match(tower.responses(), [{ alerted: false }]);
  failing = false;
  await chain.mine(1);
  await tower.idle();
  t.equal(alerts.length, 1, 'taken at the next block');
  t.match(tower.responses(), [{ alerted: true, confirmations: 2 }]);
  await chain.mine(1);
  await tower.idle();
  t.equal(alerts.length, 1, 'and only once');
});

t.test('a tower cannot start on a chain it cannot read, and says so; a missing component is an error at once', async (t) => {
  const closed = new EmbeddedChain();
  const fixture = towerIn(tempDir(t), closed);
  t.teardown(() => fixture.close());
  await t.rejects(fixture.tower.start(), { name: 'EmbeddedChainError' }, 'the chain is not open: start rejects');
  t.equal(closed.listenerCount('connect'), 0, 'and listens to nothing');
  const { store, responses } = fixture;
  const missing = caught(() => new Watchtower({ store, responses, chain: closed, clock: undefined as unknown as Clock, signer: gatewaySigner }));
  t.ok(missing instanceof WatchtowerConfigError, 'no clock: refused at construction');
  t.match((missing as Error).message, 'the watchtower needs a clock');
});
