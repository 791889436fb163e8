// Channel managers talking through an in-memory messenger: opening with the
// long-CSV policy, payments both ways, failures, and peers that send garbage.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type ChannelRecord, MemoryPersister } from '../../../node/persist/persister.js';
import { encodeMessage } from '../../../node/wire/messages.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { createLine } from '../../../sim/kit/channel-line.js';

t.test('open a channel, pay both ways', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  t.ok(alice.events.some((event) => event.type === 'channel_opened'), 'Alice sees the channel open');
  t.ok(bob.events.some((event) => event.type === 'channel_opened'), 'Bob too');
  t.equal(alice.broadcast.length, 1, 'Alice broadcast the funding transaction, once she had Bob\'s signature');

  const request = bob.manager.receive(150_000_000, 800_000);
  alice.manager.pay(bob.id, handle, request);
  network.run();
  t.ok(bob.events.some((event) => event.type === 'payment_received'), 'Bob received the payment');
  t.ok(alice.events.some((event) => event.type === 'payment_sent'), 'Alice has proof of payment');
  t.match(alice.manager.balances()[0], { localMsat: 850_000_000, remoteMsat: 150_000_000, pendingHtlcs: 0 });
  t.match(bob.manager.balances()[0], { localMsat: 150_000_000, remoteMsat: 850_000_000, pendingHtlcs: 0 });

  const back = alice.manager.receive(50_000_000, 800_000);
  bob.manager.pay(alice.id, handle, back);
  network.run();
  t.match(alice.manager.balances()[0], { localMsat: 900_000_000, pendingHtlcs: 0 }, 'and back');
});

t.test('a payment nobody asked for fails and returns the money', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  const unknown = { ...bob.manager.receive(10_000_000, 800_000), paymentHash: new Uint8Array(32).fill(5) };
  alice.manager.pay(bob.id, handle, unknown);
  network.run();
  t.match(alice.events.find((event) => event.type === 'payment_failed'), { reason: 'unknown payment' });
  t.match(alice.manager.balances()[0], { localMsat: 1_000_000_000, pendingHtlcs: 0 });
});

t.test('the long-CSV policy refuses channels that do not fit a horizon, and says why', async (t) => {
  t.test('the accepting side refuses to lock its money too long', async (t) => {
    // Bob is away at most a day, and will not have his money locked for two weeks after a close.
    const network = createNetwork({ nodes: 2, channels: { init: (i) => (i === 1 ? { policy: { offlineHorizonBlocks: 144, marginBlocks: 6 } } : {}) } });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    alice.manager.openChannel(bob.id, 1_000_000);
    network.run();
    t.match(bob.events.find((event) => event.type === 'channel_refused'), { reasons: [/to_self_delay of 2160 blocks on our outputs is above the 576 blocks we accept/] });
    t.ok(alice.events.some((event) => event.type === 'peer_error' && /channel refused/.test(event.reason)), 'Alice is told why');
    t.equal(alice.broadcast.length, 0, 'nothing was funded');
  });
  t.test('the opening side refuses expiry deltas shorter than its horizon', async (t) => {
    const network = createNetwork({ nodes: 2, channels: { init: (i) => (i === 1 ? { policy: { offlineHorizonBlocks: 144, marginBlocks: 6, maxOwnDelayBlocks: 10_000 } } : {}) } });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    alice.manager.openChannel(bob.id, 1_000_000);
    network.run();
    const refusal = alice.events.find((event) => event.type === 'channel_refused');
    t.match(refusal, { reasons: [/cltv_expiry_delta of 150 blocks is below our offline horizon of 2016 blocks/] }, 'Alice refuses the accept_channel');
    t.ok(bob.events.some((event) => event.type === 'peer_error' && /channel refused/.test(event.reason)), 'Bob is told why');
    t.equal(alice.broadcast.length, 0, 'nothing was funded');
    t.same(alice.manager.balances(), [], 'no channel');
  });
});

t.test('garbage from a peer changes nothing and crashes nothing', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  const before = JSON.stringify(alice.manager.balances());
  for (const bytes of [new Uint8Array(0), Uint8Array.of(0xff), Uint8Array.of(0xa1, 0x00, 0x0c), new Uint8Array(70_000)]) {
    alice.manager.handleMessage(bob.id, bytes);
  }
  t.equal(alice.events.filter((event) => event.type === 'peer_error').length, 4, 'four peer errors reported');
  t.equal(JSON.stringify(alice.manager.balances()), before, 'balances unchanged');
  const request = bob.manager.receive(1_000_000, 800_000);
  alice.manager.pay(bob.id, handle, request);
  network.run();
  t.ok(bob.events.some((event) => event.type === 'payment_received'), 'the channel still works');
});

t.test('cooperative close: waits for HTLCs, agrees on a fee, both signatures valid', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  alice.manager.pay(bob.id, handle, bob.manager.receive(300_000_000, 800_000));
  // Bob asks to close while the payment is still in flight: the close waits for it.
  const inFlight = network.queue.length;
  t.ok(inFlight > 0, 'the payment is in flight');
  bob.manager.close(alice.id, handle);
  network.run();
  const closedA = alice.events.find((event) => event.type === 'channel_closed');
  const closedB = bob.events.find((event) => event.type === 'channel_closed');
  t.ok(closedA && closedB, 'both sides closed');
  t.ok(bob.events.some((event) => event.type === 'payment_received'), 'the payment in flight completed first');
  const closing = alice.broadcast.at(-1)!;
  const funding = alice.broadcast[0]!;
  const fundingOutput = funding.outs.find((out) => Number(out.value) === 1_000_000)!;
  t.equal(scriptResult(closing, 0, { scriptPubKey: fundingOutput.script, satoshis: 1_000_000 }), 'OK', 'the closing transaction is valid for bcoin');
  const amounts = closing.outs.map((out) => Number(out.value)).sort((a, b) => a - b);
  t.equal(amounts[0], 300_000, 'Bob gets his 300,000 sat');
  t.ok(amounts[1]! < 700_000 && amounts[1]! > 699_000, `Alice, the funder, gets the rest less the fee (${amounts[1]} sat)`);
  t.throws(() => alice.manager.pay(bob.id, handle, bob.manager.receive(1000, 800_000)), /closing/, 'no payments on a closed channel');
});

t.test('a manager restarted from its persister carries on', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  const request = bob.manager.receive(200_000_000, 800_000);
  bob.restart(); // the invoice was saved: Bob still knows the preimage
  alice.manager.pay(bob.id, handle, request);
  // Reboot both in the middle of the exchange: each resumes from its last save.
  for (let step = 0; network.queue.length > 0; step++) {
    const next = network.queue.shift()!;
    (next[1] === alice.id ? alice : bob).manager.handleMessage(next[0], next[2]);
    if (step === 1) alice.restart();
    if (step === 2) bob.restart();
  }
  t.ok(bob.events.some((event) => event.type === 'payment_received'), 'the payment arrived across the reboots');
  t.match(alice.manager.balances()[0], { localMsat: 800_000_000, pendingHtlcs: 0 });
  t.match(bob.manager.balances()[0], { localMsat: 200_000_000, pendingHtlcs: 0 });
  bob.restart();
  bob.manager.pay(alice.id, handle, alice.manager.receive(50_000_000, 800_000));
  network.run();
  t.match(alice.manager.balances()[0], { localMsat: 850_000_000, pendingHtlcs: 0 }, 'and the channel still works after another reboot');
  const second = alice.manager.openChannel(bob.id, 500_000);
  t.not(second, handle, 'a channel opened after a reboot gets a new handle');
});

t.test('three managers: Alice pays Carol through Bob, by the static route table', async (t) => {
  // Alice knows only that Carol is reached through Bob.
  const network = createLine(3);
  const [alice, bob, carol] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>, NonNullable<(typeof network.nodes)[2]>];
  const request = carol.manager.receive(70_000_000, 800_000);
  t.equal(alice.manager.payRequest(request), 1000, 'Alice pays Bob\'s fee on top, as he quoted it: 1 sat, the default');
  network.run();
  t.ok(carol.events.some((event) => event.type === 'payment_received'), 'Carol is paid');
  t.ok(alice.events.some((event) => event.type === 'payment_sent'), 'Alice has the preimage');
  t.notOk(bob.events.some((event) => event.type === 'payment_sent' || event.type === 'payment_received'), 'Bob only forwarded');
  t.match(alice.manager.balances()[0], { localMsat: 929_999_000, pendingHtlcs: 0 });
  const bobBalances = bob.manager.balances();
  t.equal(bobBalances.reduce((sum, channel) => sum + channel.localMsat, 0), 1_000_001_000, 'Bob has what he had and his fee: 70,001 sat more with Alice, 70,000 sat less with Carol');
  t.match(carol.manager.balances()[0], { localMsat: 70_000_000, pendingHtlcs: 0 });

  const unknown = { ...carol.manager.receive(1_000_000, 800_000), paymentHash: new Uint8Array(32).fill(1) };
  alice.manager.payRequest(unknown);
  network.run();
  t.ok(alice.events.some((event) => event.type === 'payment_failed'), 'a failure at Carol travels back to Alice');
  t.match(alice.manager.balances()[0], { localMsat: 929_999_000, pendingHtlcs: 0 }, 'and returns her money, the fee too');
});

t.test('appointments wait durably for the watchtower', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000, 400_000_000);
  bob.manager.pay(alice.id, handle, alice.manager.receive(10_000_000, 800_000));
  network.run();
  const queued = alice.manager.pendingAppointments();
  t.ok(queued.length >= 1, `${queued.length} appointments queued for Bob's revoked commitments`);
  t.equal(alice.events.filter((event) => event.type === 'appointment').length, queued.length, 'one per appointment event');
  alice.restart();
  t.equal(alice.manager.pendingAppointments().length, queued.length, 'still queued after a reboot');
  alice.manager.appointmentDelivered(queued[0]!.locator);
  t.equal(alice.manager.pendingAppointments().length, queued.length - 1, 'a receipt takes it off the queue');
});

t.test('a restart settles what a crash interrupted', async (t) => {
  t.test('a payee whose fulfill died with the process sends it again on resume', async (t) => {
    const network = createNetwork({ nodes: 2, channels: {} });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    const handle = openChannel(network, alice, bob, 1_000_000);
    const request = bob.manager.receive(80_000_000, 800_000);
    alice.manager.pay(bob.id, handle, request);
    while (network.queue.length > 0 && !bob.events.some((event) => event.type === 'payment_received')) {
      const [from, to, bytes] = network.queue.shift()!;
      (to === alice.id ? alice : bob).manager.handleMessage(from, bytes);
    }
    t.ok(bob.events.some((event) => event.type === 'payment_received'), 'Bob fulfilled the HTLC');
    network.queue.length = 0; // the fulfill Bob sent is lost: he crashed as it left
    bob.restart(); // his saved state has the fulfill, and the message that carried it
    network.run();
    t.match(alice.manager.balances()[0], { localMsat: 920_000_000, pendingHtlcs: 0 }, 'the payment completes after the restart');
  });
  t.test('a payer whose payment_sent died with the process hears it again on resume', async (t) => {
    const network = createNetwork({ nodes: 2, channels: {} });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    const handle = openChannel(network, alice, bob, 1_000_000);
    const request = bob.manager.receive(40_000_000, 800_000);
    t.notOk(alice.manager.paymentInFlight(request.paymentHash), 'nothing in flight before the payment');
    alice.manager.pay(bob.id, handle, request);
    t.ok(alice.manager.paymentInFlight(request.paymentHash), 'in flight once offered (queued, before it left)');
    while (network.queue.length > 0 && !alice.events.some((event) => event.type === 'payment_sent')) {
      const [from, to, bytes] = network.queue.shift()!;
      (to === alice.id ? alice : bob).manager.handleMessage(from, bytes);
    }
    // Alice saved Bob's fulfill; her event and what she sent after it died with her.
    alice.events.length = 0;
    for (let i = network.queue.length - 1; i >= 0; i--) if (network.queue[i]![0] === alice.id) network.queue.splice(i, 1);
    t.ok(alice.manager.paymentInFlight(request.paymentHash), 'still in flight while the fulfilled HTLC is in the channel');
    alice.restart();
    const sent = alice.events.filter((event) => event.type === 'payment_sent');
    t.equal(sent.length, 1, 'told again on resume');
    t.same(sent[0]?.type === 'payment_sent' && sha256(sent[0].paymentPreimage), request.paymentHash, 'with the preimage');
    network.run();
    t.match(alice.manager.balances()[0], { localMsat: 960_000_000, pendingHtlcs: 0 }, 'the payment completes once');
    t.notOk(alice.manager.paymentInFlight(request.paymentHash), 'and is no longer in flight');
    alice.restart();
    t.equal(alice.events.filter((event) => event.type === 'payment_sent').length, 1, 'once removed from the channel, a restart does not tell it again');
  });
  t.test('a payment of ours resolved on chain whose event died with the process is told again on resume, once', async (t) => {
    const persisters = [new MemoryPersister(), new MemoryPersister()];
    const network = createNetwork({ nodes: 2, channels: { persister: (i) => persisters[i]! } });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    const handle = openChannel(network, alice, bob, 1_000_000);
    alice.manager.forceClose(bob.id, handle);
    // As the chain monitor leaves it when Bob's claim shows the preimage: resolved, written; the event not yet out.
    const preimage = new Uint8Array(32).fill(0x5e);
    const resolved = { id: 3, paymentHash: sha256(preimage), amountMsat: 9_000_000, preimage, resolved: 'fulfilled' as const };
    const [[id, record]] = [...persisters[0]!.loadChannels()] as [[string, ChannelRecord]];
    persisters[0]!.saveChannel(id, { ...record, meta: { ...record.meta!, onchain: { ...record.meta!.onchain!, outgoing: [resolved, { ...resolved, id: 4, paymentHash: sha256(Uint8Array.of(4)), told: true }] } } });
    alice.events.length = 0;
    alice.restart();
    t.same(
      alice.events.filter((event) => event.type === 'payment_sent').map((event) => event.type === 'payment_sent' && bytesToHex(event.paymentPreimage)),
      [bytesToHex(preimage)],
      'the one not told is told, with its preimage; the one told is not',
    );
    alice.restart();
    t.equal(alice.events.filter((event) => event.type === 'payment_sent').length, 1, 'marked told: the next restart says nothing');
  });
  t.test('a forwarder that crashed after learning the preimage passes it upstream on resume', async (t) => {
    const network = createLine(3);
    const [alice, bob, carol] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>, NonNullable<(typeof network.nodes)[2]>];
    alice.manager.payRequest(carol.manager.receive(30_000_000, 800_000));
    // Deliver until Carol's fulfill reaches Bob, then drop everything Bob sends and restart him.
    while (network.queue.length > 0) {
      const [from, to, bytes] = network.queue.shift()!;
      (to === alice.id ? alice : to === bob.id ? bob : carol).manager.handleMessage(from, bytes);
      if (from === carol.id && to === bob.id && carol.events.some((event) => event.type === 'payment_received')) break;
    }
    for (let i = network.queue.length - 1; i >= 0; i--) if (network.queue[i]![0] === bob.id) network.queue.splice(i, 1);
    bob.restart();
    network.run();
    t.ok(alice.events.some((event) => event.type === 'payment_sent'), 'Alice gets the preimage');
    t.match(alice.manager.balances()[0], { localMsat: 969_999_000, pendingHtlcs: 0 }, 'less the payment and Bob\'s fee');
    t.equal(bob.manager.balances().reduce((sum, channel) => sum + channel.pendingHtlcs, 0), 0, 'nothing left pending at Bob');
  });
});

t.test('adversarial peers (review findings)', async (t) => {
  t.test('a peer cannot open a channel under a handle we choose, or one in use', async (t) => {
    const network = createNetwork({ nodes: 2, channels: {} });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    const handle = openChannel(network, alice, bob, 1_000_000, 300_000_000);
    // Bob replays an open_channel under Alice's handle: it must not replace her channel.
    const aliceOpen = alice.manager.openChannel(bob.id, 500_000);
    t.not(aliceOpen, handle, 'Alice never reuses a handle');
    network.queue.length = 0;
    const forged = encodeMessage({
      type: 'open_channel', handle, network: 3, dustLimitSatoshis: 354, channelReserveSatoshis: 10_000, htlcMinimumMsat: 1000,
      maxHtlcValueInFlightMsat: 1e9, maxAcceptedHtlcs: 30, toSelfDelay: 2160, cltvExpiryDelta: 2160,
      keys: new Uint8Array(165), firstPerCommitmentPoint: new Uint8Array(33), channelType: 'anchors',
      fundingSatoshis: 100_000, pushMsat: 0, feeratePerKw: 253,
    });
    alice.manager.handleMessage(bob.id, forged);
    t.ok(alice.events.some((event) => event.type === 'peer_error' && /handle/.test(event.reason)), 'refused');
    t.match(alice.manager.balances().find((channel) => channel.handle === handle), { localMsat: 700_000_000 }, 'the channel is untouched');
  });

  t.test('a dust limit that would swallow our outputs is refused', async (t) => {
    const network = createNetwork({ nodes: 2, channels: { init: (i) => (i === 1 ? { dustLimitSatoshis: 300_000 } : {}) } });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    alice.manager.openChannel(bob.id, 1_000_000);
    network.run();
    t.match(alice.events.find((event) => event.type === 'channel_refused'), { reasons: [/dust limit of 300000 sat is above the 20000 we accept/] });
  });

  t.test('an HTLC that expires before the invoice allows gets no preimage', async (t) => {
    const network = createNetwork({ nodes: 2, channels: {} });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    const handle = openChannel(network, alice, bob, 1_000_000);
    const request = bob.manager.receive(10_000_000, 800_000);
    alice.manager.pay(bob.id, handle, { ...request, minFinalExpiry: request.minFinalExpiry - 1 });
    network.run();
    t.notOk(bob.events.some((event) => event.type === 'payment_received'), 'Bob does not release the preimage');
    t.match(alice.events.find((event) => event.type === 'payment_failed'), { reason: 'expiry too soon' });
  });
});

t.test('a closing fee far outside our range is never signed', async (t) => {
  // Bob's idea of a fee is 800 times Alice's: their ranges do not meet.
  const network = createNetwork({ nodes: 2, channels: { init: (i) => (i === 1 ? { feeratePerKw: 202_400 } : {}) } });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000, 300_000_000);
  t.ok(bob.events.some((event) => event.type === 'channel_opened'), "the channel opens at the funder's feerate, whatever Bob's own");
  alice.manager.close(bob.id, handle);
  network.run();
  t.notOk(alice.events.some((event) => event.type === 'channel_closed'), 'Alice did not close at a fee she never agreed to');
  t.ok(alice.events.some((event) => event.type === 'peer_error' && /outside/.test(event.reason)) || bob.events.some((event) => event.type === 'peer_error' && /outside/.test(event.reason)), 'the negotiation failed, saying why');
  t.equal(alice.broadcast.length, 1, 'nothing but the funding transaction was broadcast');
});

t.test('the funder follows the fee estimator; the fundee bounds what it accepts', async (t) => {
  const network = createNetwork({ nodes: 2, channels: { init: { maxFeeratePerKw: 20_000 } } });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  openChannel(network, alice, bob, 1_000_000);
  t.same(bob.manager.updateFeerate(3000), [], 'the fundee has nothing to update (only the funder proposes)');
  t.equal(network.queue.length, 0, 'and sends nothing');
  t.same(alice.manager.updateFeerate(3000), [], 'the funder proposes 3000 sat/kw');
  network.run();
  const feerates = () => [alice, bob].map((node) => node.manager.balances()[0]!.feeratePerKw);
  t.same(feerates(), [3000, 3000], 'both commitments now pay 3000 sat/kw');
  t.throws(() => alice.manager.updateFeerate(100), { name: 'InvalidInputError' }, 'below the relay floor: refused at the call');
  t.throws(() => alice.manager.updateFeerate(30_000), { name: 'InvalidInputError' }, 'above our own limit: refused at the call');

  // A funder whose limit is higher than ours: we refuse its feerate, and nothing changes.
  const greedy = createNetwork({ nodes: 2, channels: { init: (i) => ({ maxFeeratePerKw: i === 0 ? 100_000 : 20_000 }) } });
  const [payer, payee] = greedy.nodes as [NonNullable<(typeof greedy.nodes)[0]>, NonNullable<(typeof greedy.nodes)[1]>];
  openChannel(greedy, payer, payee, 1_000_000);
  payer.manager.updateFeerate(60_000);
  greedy.run();
  t.match(payee.events.find((event) => event.type === 'peer_error'), { reason: /60000 sat\/kw is above our limit of 20000/ }, 'the fundee refuses a feerate above its limit');
  t.match(payee.manager.balances()[0], { localMsat: 0, remoteMsat: 1_000_000_000 }, 'its balances are unchanged');
});

t.test('a breach seen before a restart: its second-stage HTLC transactions are punished after it', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000, 500_000_000);
  // Bob offers Alice an HTLC she cannot settle (she issued no such request); he keeps a copy of his state while it is pending.
  bob.manager.pay(alice.id, handle, { paymentHash: new Uint8Array(32).fill(9), amountMsat: 100_000_000, minFinalExpiry: 100, payee: alice.manager.receive(1, 0).payee });
  let backup: ReturnType<typeof bob.fork> | undefined;
  const oldTransactions: Parameters<typeof bob.fork>[0] = [];
  for (let next = network.queue.shift(); next; next = network.queue.shift()) {
    const [from, to, bytes] = next;
    (to === alice.id ? alice : bob).manager.handleMessage(from, bytes);
    if (!backup && alice.manager.balances()[0]!.pendingHtlcs === 1 && bob.manager.balances()[0]!.pendingHtlcs === 1) backup = bob.fork(oldTransactions);
  }
  t.match(bob.manager.balances()[0], { pendingHtlcs: 0 }, 'the HTLC failed back: the state Bob kept is revoked');

  // Bob cheats with his backup: the revoked commitment, then its HTLC-timeout once it expires.
  backup!.forceClose(alice.id, handle);
  const [breach] = oldTransactions;
  backup!.blockConnected(150, [breach!]);
  backup!.blockConnected(151, []);
  const timeout = oldTransactions.find((tx) => tx.ins.some((input) => Buffer.from(input.hash).equals(breach!.getHash())));
  t.ok(timeout, 'Bob has the HTLC-timeout of the revoked commitment');

  alice.restart(); // her remedies come back from disk
  alice.manager.blockConnected(150, [breach!]);
  t.equal(alice.events.filter((event) => event.type === 'breach').length, 1, 'Alice, restarted, punishes the revoked commitment');
  alice.restart();
  const before = alice.broadcast.length;
  alice.manager.blockConnected(152, [timeout!]);
  const justice = alice.broadcast.slice(before);
  t.equal(justice.length, 1, 'after her restart, Alice punishes the HTLC-timeout too');
  t.ok(justice[0]?.ins.some((input) => Buffer.from(input.hash).equals(timeout!.getHash())), 'her justice spends the HTLC-timeout\'s output');
});

t.test('several payments at once travel together, or none of them', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  openChannel(network, alice, bob, 1_000_000);
  const requests = Array.from({ length: 5 }, () => bob.manager.receive(50_000_000, 800_000));
  alice.manager.payRequests(requests);
  t.equal(network.queue.length, 1, 'one message carries the five HTLCs and their commitment signature');
  const delivered = network.run();
  t.equal(delivered, 6, 'six messages in all, as for a single payment');
  t.equal(bob.events.filter((event) => event.type === 'payment_received').length, 5, 'Bob received all five');
  t.match(alice.manager.balances()[0], { localMsat: 750_000_000, pendingHtlcs: 0 });

  const tooMuch = [bob.manager.receive(100_000_000, 800_000), bob.manager.receive(900_000_000, 800_000)];
  t.throws(() => alice.manager.payRequests(tooMuch), 'a batch Alice cannot afford whole is refused');
  t.equal(network.queue.length, 0, 'nothing was sent');
  alice.manager.payRequests([bob.manager.receive(10_000_000, 800_000)]);
  network.run();
  t.match(alice.manager.balances()[0], { localMsat: 740_000_000, pendingHtlcs: 0 }, 'and the first of that batch was taken back: later payments go through as usual');
});

t.test('an invoice with its own final expiry delta (the bridge\'s public invoices) takes an HTLC that leaves half of it, made long after the invoice', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [gateway, alice] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, gateway, alice, 1_000_000);
  for (const node of [gateway, alice]) node.manager.bestBlockUpdated(800_000);
  const early = alice.manager.receive(1_000_000, 800_000, 144);
  const late = alice.manager.receive(1_000_000, 800_000, 144);
  t.equal(early.minFinalExpiry, 800_144);
  for (const node of [gateway, alice]) node.manager.bestBlockUpdated(800_200); // paid 200 blocks after the invoice
  gateway.manager.pay(alice.id, handle, { ...early, minFinalExpiry: 800_200 + 72 });
  gateway.manager.pay(alice.id, handle, { ...late, minFinalExpiry: 800_200 + 71 });
  network.run();
  t.same(alice.events.filter((event) => event.type === 'payment_received').map((event) => event.type === 'payment_received' && event.cltvExpiry), [800_272], '72 blocks left: taken');
  t.match(gateway.events.find((event) => event.type === 'payment_failed'), { paymentHash: late.paymentHash, reason: 'expiry too soon' }, '71: refused, the node would have to go on chain at once');
});
