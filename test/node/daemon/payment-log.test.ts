// What `lnmesh payments` lists: a record written before a payment leaves or
// a request is shown, settled by the channel manager's events, newest first,
// in the node's lmdb store across restarts.
import t from 'tap';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { PaymentRequest } from '../../../node/channel/manager.js';
import { PaymentLog } from '../../../node/daemon/payment-log.js';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';

const PAYEE = Uint8Array.from(Buffer.from(`02${'11'.repeat(32)}`, 'hex'));

function request(tag: number, amountMsat = 5_000_000): PaymentRequest {
  return { paymentHash: sha256(Uint8Array.of(tag)), amountMsat, minFinalExpiry: 800_000, payee: PAYEE };
}

t.test('payments between two channel managers are recorded and settled from their events', async (t) => {
  const dir = t.testdir();
  const stores = [new LmdbPersister(join(dir, 'alice')), new LmdbPersister(join(dir, 'bob'))];
  t.teardown(() => stores.forEach((store) => store.close()));
  const network = createNetwork({ nodes: 2, channels: { persister: (i) => stores[i]! } });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const clock = new VirtualClock();
  const aliceLog = new PaymentLog(stores[0]!, clock);
  const bobLog = new PaymentLog(stores[1]!, clock);
  alice.manager.on('event', (event) => aliceLog.onEvent(event));
  bob.manager.on('event', (event) => bobLog.onEvent(event));
  const handle = openChannel(network, alice, bob, 1_000_000);

  clock.tick(1_000);
  const invoice = bob.manager.receive(150_000_000, 800_000);
  bobLog.receiving(invoice);
  aliceLog.sending(invoice);
  const hash = bytesToHex(invoice.paymentHash);
  t.match(aliceLog.get(hash), { paymentHash: hash, direction: 'sent', amountMsat: 150_000_000, payee: bob.id, status: 'pending', createdAt: 1_000 }, 'pending before it leaves');
  t.match(bobLog.get(hash), { direction: 'received', payee: bob.id, status: 'pending' });

  clock.tick(500);
  alice.manager.pay(bob.id, handle, invoice);
  network.run();
  const sent = aliceLog.get(hash)!;
  t.match(sent, { status: 'succeeded', settledAt: 1_500 }, 'payment_sent settles the payer\'s record');
  const event = alice.events.find((e) => e.type === 'payment_sent');
  t.equal(sent.preimage, event?.type === 'payment_sent' ? bytesToHex(event.paymentPreimage) : 'no payment_sent event', 'with the preimage of the event: the proof of payment');
  t.equal(bytesToHex(sha256(Buffer.from(sent.preimage!, 'hex'))), hash, 'which hashes to the payment hash');
  t.match(bobLog.get(hash), { status: 'succeeded', settledAt: 1_500 }, 'payment_received settles the payee\'s record');
  t.notOk('preimage' in bobLog.get(hash)!, 'the payee\'s record needs no preimage');

  clock.tick(500);
  const unknown = { ...bob.manager.receive(10_000_000, 800_000), paymentHash: sha256(Uint8Array.of(0x55)) };
  aliceLog.sending(unknown);
  alice.manager.pay(bob.id, handle, unknown);
  network.run();
  t.match(aliceLog.get(bytesToHex(unknown.paymentHash)), { status: 'failed', reason: 'unknown payment', settledAt: 2_000 }, 'payment_failed with its reason');
  t.notOk('preimage' in aliceLog.get(bytesToHex(unknown.paymentHash))!);
});

t.test('events for payments the log does not know, and other events, change nothing', async (t) => {
  const store = new LmdbPersister(join(t.testdir(), 'store'));
  t.teardown(() => store.close());
  const log = new PaymentLog(store, new VirtualClock());
  log.onEvent({ type: 'payment_sent', paymentHash: sha256(Uint8Array.of(9)), paymentPreimage: new Uint8Array(32) });
  log.onEvent({ type: 'payment_failed', paymentHash: sha256(Uint8Array.of(9)), reason: 'no route' });
  log.onEvent({ type: 'payment_received', paymentHash: sha256(Uint8Array.of(9)), amountMsat: 1, cltvExpiry: 900_000 });
  t.same(log.list(), [], 'no record is made up');
  log.sending(request(1));
  log.onEvent({ type: 'channel_opened', peer: bytesToHex(PAYEE), handle: 0 });
  log.onEvent({ type: 'peer_error', peer: bytesToHex(PAYEE), reason: 'garbage' });
  t.match(log.get(bytesToHex(request(1).paymentHash)), { status: 'pending' }, 'other events pass by');
  t.notOk('settledAt' in log.get(bytesToHex(request(1).paymentHash))!);
  t.equal(log.get('00'.repeat(32)), undefined, 'an unknown hash has no record');
});

t.test('a settled record is not changed by later events', async (t) => {
  const store = new LmdbPersister(join(t.testdir(), 'store'));
  t.teardown(() => store.close());
  const clock = new VirtualClock();
  const log = new PaymentLog(store, clock);
  const failed = request(1);
  const succeeded = request(2);
  log.sending(failed);
  log.sending(succeeded);
  clock.tick(100);
  log.onEvent({ type: 'payment_failed', paymentHash: failed.paymentHash, reason: 'no route' });
  log.onEvent({ type: 'payment_sent', paymentHash: succeeded.paymentHash, paymentPreimage: new Uint8Array(32).fill(7) });
  const settled = log.list();
  clock.tick(100);
  log.onEvent({ type: 'payment_sent', paymentHash: failed.paymentHash, paymentPreimage: new Uint8Array(32).fill(8) });
  log.onEvent({ type: 'payment_failed', paymentHash: succeeded.paymentHash, reason: 'late failure' });
  log.onEvent({ type: 'payment_received', paymentHash: failed.paymentHash, amountMsat: 1, cltvExpiry: 900_000 });
  t.same(log.list(), settled, 'both records as they were');
  t.match(log.get(bytesToHex(failed.paymentHash)), { status: 'failed', reason: 'no route', settledAt: 100 });
  t.match(log.get(bytesToHex(succeeded.paymentHash)), { status: 'succeeded', preimage: '07'.repeat(32), settledAt: 100 });
});

t.test('the list is newest first, and kept in the store across reopening', async (t) => {
  const path = join(t.testdir(), 'store');
  const clock = new VirtualClock();
  const first = new LmdbPersister(path);
  const log = new PaymentLog(first, clock);
  for (const tag of [3, 1, 2]) {
    clock.tick(1_000);
    if (tag === 2) log.receiving(request(tag, tag * 1_000));
    else log.sending(request(tag, tag * 1_000));
  }
  log.onEvent({ type: 'payment_sent', paymentHash: request(3).paymentHash, paymentPreimage: new Uint8Array(32).fill(3) });
  const listed = log.list();
  t.same(listed.map((entry) => entry.amountMsat), [2_000, 1_000, 3_000], 'by creation time, newest first (not by hash)');
  t.same(listed.map((entry) => entry.direction), ['received', 'sent', 'sent']);
  t.same(listed[0]!.paymentHash, bytesToHex(request(2).paymentHash), 'each entry carries its hash');
  first.close();

  const second = new LmdbPersister(path);
  t.teardown(() => second.close());
  const reopened = new PaymentLog(second, clock);
  t.same(reopened.list(), listed, 'the same records after a restart, settlement included');
  clock.tick(1_000);
  reopened.onEvent({ type: 'payment_received', paymentHash: request(2).paymentHash, amountMsat: 2_000, cltvExpiry: 900_000 });
  t.match(reopened.get(bytesToHex(request(2).paymentHash)), { status: 'succeeded', settledAt: 4_000 }, 'a payment asked for before the restart is settled after it');
});

t.test('after a restart, a payment pending in the log and in no channel is marked failed (nothing was paid); one in flight stays pending', async (t) => {
  const dir = t.testdir();
  const stores = [new LmdbPersister(join(dir, 'alice')), new LmdbPersister(join(dir, 'bob'))];
  t.teardown(() => stores.forEach((store) => store.close()));
  const network = createNetwork({ nodes: 2, channels: { persister: (i) => stores[i]! } });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const log = new PaymentLog(stores[0]!, new VirtualClock());
  const handle = openChannel(network, alice, bob, 1_000_000);
  const inFlight = bob.manager.receive(20_000_000, 800_000);
  log.sending(inFlight);
  alice.manager.pay(bob.id, handle, inFlight); // queued on the channel, not delivered
  const neverLeft = request(7);
  log.sending(neverLeft); // the stop came before the HTLC was offered
  const received = bob.manager.receive(1_000_000, 800_000);
  log.receiving(received);
  t.equal(log.settleLost((hash) => alice.manager.paymentInFlight(hash)), 1, 'one settled');
  t.match(log.get(bytesToHex(neverLeft.paymentHash)), { status: 'failed', reason: /nothing was paid, it can be paid again/ }, 'the one in no channel failed, saying why');
  t.match(log.get(bytesToHex(inFlight.paymentHash)), { status: 'pending' }, 'the one in flight waits for its outcome');
  t.match(log.get(bytesToHex(received.paymentHash)), { status: 'pending' }, 'a request to be paid is not touched');
});
