// The node's uplink facing a rogue or broken gateway: whatever comes back is
// checked before it changes anything (the chain feed's own checks are in
// chain-feed-client.test.ts). A receipt not signed by our
// gateway leaves the appointments queued; an alert signed by someone else
// is ignored; garbage is reported, never thrown.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { HeaderChain } from '../../../node/chain/header-chain.js';
import { networkParams } from '../../../node/chain/network-params.js';
import type { TaggedAppointment } from '../../../node/channel/manager.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { signAlert } from '../../../node/gateway-protocol/alert.js';
import { signReceipt, towerSignerFromSecret } from '../../../node/gateway-protocol/receipt.js';
import { Uplink } from '../../../node/uplink/uplink.js';
import { ungroupAppointments } from '../../../node/gateway-protocol/appointment-batch.js';
import { type GatewayMessage, decodeGatewayMessage, encodeGatewayMessage } from '../../../node/gateway-protocol/gateway-messages.js';
import { signerOf } from '../../../sim/kit/signer-of.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { randomBytes } from '../../../sim/kit/random.js';
import { warningsInto } from '../../../sim/kit/logger.js';

function setUp() {
  const gateway = towerSignerFromSecret(sha256(Uint8Array.of(0x77)));
  const rogue = towerSignerFromSecret(sha256(Uint8Array.of(0x78)));
  const nodeId = signerOf(3).nodeId;
  const queue: TaggedAppointment[] = [1, 2, 3].map((i) => ({ locator: sha256(Uint8Array.of(i)).slice(0, 16), blob: sha256(Uint8Array.of(i, i)), tag: Uint8Array.of(i) }));
  const delivered: string[] = [];
  const sent: GatewayMessage[] = [];
  const warnings: string[] = [];
  const headerChain = HeaderChain.open({ network: networkParams('regtest'), store: new MemoryPersister() });
  const clock = new VirtualClock();
  const uplink = new Uplink(
    {
      messenger: { send: (_peer, bytes) => sent.push(decodeGatewayMessage(bytes) as GatewayMessage) },
      manager: {
        pendingAppointments: () => queue.filter((appointment) => !delivered.includes(bytesToHex(appointment.locator))),
        appointmentDelivered: (locator) => delivered.push(bytesToHex(locator)),
        updateFeerate: () => [],
        channelsForTower: () => [],
      },
      headerChain,
      store: new MemoryPersister(),
      clock,
      randomBytes,
      nodeId,
      logger: warningsInto(warnings),
    },
    { gatewayId: bytesToHex(gateway.nodeId) },
  );
  return { gateway, rogue, nodeId, queue, delivered, sent, headerChain, uplink, warnings, clock };
}

t.test("a receipt not signed by our gateway leaves the appointments queued; our gateway's clears them", async (t) => {
  const { uplink, sent, gateway, rogue, nodeId, delivered, warnings } = setUp();
  uplink.flushAppointments();
  const request = sent.find((message) => message.type === 'appointments') as Extract<GatewayMessage, { type: 'appointments' }>;
  t.equal(request.appointments.length, 3, 'the batch went out');
  uplink.handleMessage(encodeGatewayMessage({ type: 'appointments_accepted', requestId: request.requestId, signature: signReceipt(rogue, nodeId, request.appointments) }));
  t.same(delivered, [], 'a rogue receipt: nothing leaves the queue');
  t.match(warnings.pop(), /does not verify against our gateway key/);
  uplink.flushAppointments();
  const again = sent.filter((message) => message.type === 'appointments').at(-1) as Extract<GatewayMessage, { type: 'appointments' }>;
  t.not(again.requestId, request.requestId, 'they are sent again');
  uplink.handleMessage(encodeGatewayMessage({ type: 'appointments_accepted', requestId: again.requestId, signature: signReceipt(gateway, nodeId, again.appointments) }));
  t.equal(delivered.length, 3, "our gateway's receipt: all three delivered");
});

t.test('an alert signed by someone else is ignored; garbage is reported, never thrown', async (t) => {
  const { uplink, rogue, gateway, nodeId, warnings } = setUp();
  const breachTxid = sha256(Uint8Array.of(9));
  const alert = { locator: breachTxid.slice(0, 16), breachTxid, justiceTxid: sha256(Uint8Array.of(10)) };
  const breaches: unknown[] = [];
  uplink.on('breach', (breach) => breaches.push(breach));
  uplink.handleMessage(encodeGatewayMessage({ type: 'breach_alert', ...signAlert(rogue, nodeId, alert) }));
  t.same(breaches, [], 'a forged alert is not believed');
  t.match(warnings.pop(), /not signed by our gateway/);
  uplink.handleMessage(encodeGatewayMessage({ type: 'breach_alert', ...signAlert(gateway, nodeId, alert) }));
  t.equal(breaches.length, 1, "our gateway's alert is");
  t.doesNotThrow(() => uplink.handleMessage(Uint8Array.of(1, 2, 3)), 'random bytes');
  t.match(warnings.pop(), /malformed message/);
  t.doesNotThrow(() => uplink.handleMessage(encodeGatewayMessage({ type: 'tx_proof', requestId: 12345, height: 5, index: 0, branch: [], transaction: Uint8Array.of(0) })), 'an answer to nothing we asked');
});

t.test('bridge requests: the answer to each, a refusal with its reason, and silence after the timeout', async (t) => {
  const { uplink, sent, clock } = setUp();
  // BOLT 11's own example invoice: the uplink carries it packed, and does not judge it (the node read it before).
  const coffee =
    'lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh';
  const quoted = uplink.quoteBridgePayment(coffee);
  const ask = sent.at(-1) as Extract<GatewayMessage, { type: 'bridge_pay' }>;
  t.equal(ask.type, 'bridge_pay');
  uplink.handleMessage(encodeGatewayMessage({ type: 'bridge_quote', requestId: ask.requestId + 1, amountMsat: 1 }));
  uplink.handleMessage(encodeGatewayMessage({ type: 'bridge_quote', requestId: ask.requestId, amountMsat: 250_501_000 }));
  t.equal(await quoted, 250_501_000, 'the answer to its own request id');

  const issued = uplink.requestPublicInvoice({ paymentHash: new Uint8Array(32).fill(1), amountMsat: 1000, description: 'eggs', expirySecs: 600 });
  const request = sent.at(-1) as Extract<GatewayMessage, { type: 'public_invoice' }>;
  t.equal(new TextDecoder().decode(request.description), 'eggs');
  uplink.handleMessage(encodeGatewayMessage({ type: 'refused', requestId: request.requestId, reason: new TextEncoder().encode('this gateway has no bridge') }));
  await t.rejects(issued, { name: 'GatewayRefusalError', message: 'this gateway has no bridge' });

  const silent = t.rejects(uplink.quoteBridgePayment(coffee), { name: 'GatewayRefusalError', message: /did not answer within 120 s/ });
  await clock.advance(120_000);
  await silent;
});

t.test('appointments with their channel record go as an appointment_batch: grouped by tag, each record once, again after a refusal', async (t) => {
  const { uplink, sent, gateway, nodeId, queue, delivered } = setUp();
  const record = (i: number) => Uint8Array.from([1, ...new Uint8Array(120).fill(i)]);
  // Five more appointments on two channels (tags 7 and 8), queued with their records; the three of before have none.
  queue.push(...[7, 7, 8, 7, 8].map((tag, i) => ({ locator: sha256(Uint8Array.of(50 + i)).slice(0, 16), blob: sha256(Uint8Array.of(60 + i)), tag: Uint8Array.of(tag), channel: record(tag) })));
  uplink.flushAppointments();
  const batch = sent.find((message) => message.type === 'appointment_batch') as Extract<GatewayMessage, { type: 'appointment_batch' }>;
  const legacy = sent.find((message) => message.type === 'appointments') as Extract<GatewayMessage, { type: 'appointments' }>;
  t.equal(legacy.appointments.length, 3, 'those queued without a record go as before');
  t.same(batch.groups.map((group) => [group.tag[0], group.appointments.length, group.channel?.[1]]), [[7, 3, 7], [8, 2, 8]], 'one group a tag, its record once');
  t.same(batch.groups[0]!.appointments[1], Uint8Array.from([...queue[4]!.locator, ...queue[4]!.blob]), 'each appointment: its locator and blob end to end');
  const signed = ungroupAppointments(batch.groups);
  uplink.handleMessage(encodeGatewayMessage({ type: 'appointments_accepted', requestId: batch.requestId, signature: signReceipt(gateway, nodeId, signed) }));
  t.equal(delivered.length, 5, 'the receipt over the batch as the tower reads it (records included) clears them');

  queue.push({ locator: sha256(Uint8Array.of(90)).slice(0, 16), blob: sha256(Uint8Array.of(91)), tag: Uint8Array.of(7), channel: record(7) });
  uplink.flushAppointments();
  const next = sent.filter((message) => message.type === 'appointment_batch').at(-1) as Extract<GatewayMessage, { type: 'appointment_batch' }>;
  t.same(next.groups.map((group) => group.channel), [undefined], 'a record sent once is not sent again');
  uplink.handleMessage(encodeGatewayMessage({ type: 'refused', requestId: next.requestId, reason: new TextEncoder().encode('appointments[0].tag: the tower has no channel record for this tag: send it with the batch') }));
  uplink.flushAppointments();
  const retried = sent.filter((message) => message.type === 'appointment_batch').at(-1) as Extract<GatewayMessage, { type: 'appointment_batch' }>;
  t.not(retried.requestId, next.requestId, 'refused: it goes again');
  t.same(retried.groups.map((group) => group.channel?.[1]), [7], 'with its record this time');
});
