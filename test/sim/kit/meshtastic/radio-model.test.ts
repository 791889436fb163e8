// The Meshtastic radio model serves the client API over a real pty and carries packets between models as the firmware does.
import t from 'tap';
import { PortNum, RoutingError } from '../../../../transports/meshtastic/client-messages.js';
import { ptySkipReason } from '../../../transports/pty.js';
import { MeshtasticEther } from '../../../../sim/kit/meshtastic/ether.js';
import { line, station } from './rig.js';

const skip = ptySkipReason();
const bytes = (length: number, fill = 7) => new Uint8Array(length).fill(fill);

t.test('the handshake: my_info with the node number, node infos of the known nodes, config_complete_id with the nonce; a heartbeat gets the queue status', { skip }, async (t) => {
  const { a, b, c } = await line(t);
  const { myNodeNum, nodes } = await a.client.handshake(777);
  t.equal(myNodeNum, 0xa1a1a1a1);
  t.same(nodes.sort(), [0xa1a1a1a1, 0xb2b2b2b2, 0xc3c3c3c3].sort(), 'its own node info, then every other node it knows');
  t.match(await a.client.consoleLine('Client wants config'), /INFO +\| \d+ Client wants config, nonce=777/, 'debug text between the frames');
  a.client.send({ kind: 'heartbeat', nonce: 0 });
  t.same(await a.client.queueStatus(0), { res: 0, free: 16, maxlen: 16, meshPacketId: 0 });
  t.ok(b.model && c.model);
});

t.test('a PRIVATE_APP packet crosses two hops (the middle model relays): hop_limit down by one, hop_start kept; want_ack brings the ack', { skip }, async (t) => {
  const { a, c, ether } = await line(t);
  await a.client.handshake();
  await c.client.handshake();
  const payload = bytes(100, 0x42);
  a.client.send({ kind: 'packet', packet: { to: c.model.nodeNum, id: 4242, hopLimit: 3, wantAck: true, decoded: { portnum: PortNum.privateApp, payload } } });
  t.same(await a.client.queueStatus(4242), { res: 0, free: 15, maxlen: 16, meshPacketId: 4242 }, 'queued: the radio took it, 15 slots left');
  const got = await c.client.packet(PortNum.privateApp);
  t.match(got, { from: a.model.nodeNum, to: c.model.nodeNum, id: 4242, hopLimit: 2, hopStart: 3, wantAck: true, rxSnr: -20 });
  t.same(got.decoded?.payload, payload);
  const implicit = await a.client.routing(4242, 5000, a.model.nodeNum);
  t.equal(implicit.errorReason, RoutingError.NONE, 'the relay heard: an implicit ack, from our own node number');
  const ack = await a.client.routing(4242, 5000, c.model.nodeNum);
  t.equal(ack.errorReason, RoutingError.NONE, 'the real ack, from the destination');
  t.equal(ack.packet.hopStart, 3, 'the ack was sent with the default hop limit (1 hop used + 2 is not below 3)');
  const senders = ether.transmissions.map((sent) => sent.sender.toString(16));
  t.same(senders, ['a1a1a1a1', 'b2b2b2b2', 'c3c3c3c3', 'b2b2b2b2'], 'A sends, B relays, C acks, B relays the ack; nobody retransmits');
  t.notOk(c.client.received.some((m) => m.kind === 'packet' && m.packet.decoded?.portnum === PortNum.privateApp), 'C got it once');
});

t.test('without an answer the sender transmits 3 times, then naks MAX_RETRANSMIT', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const a = await station(t, ether, { nodeNum: 0x0a0a0a0a });
  await a.client.handshake();
  a.client.send({ kind: 'packet', packet: { to: 0x0b0b0b0b, id: 77, hopLimit: 3, wantAck: true, decoded: { portnum: PortNum.privateApp, payload: bytes(10) } } });
  const nak = await a.client.routing(77, 8000);
  t.equal(nak.errorReason, RoutingError.MAX_RETRANSMIT);
  t.equal(ether.transmissions.length, 3, 'the first send and two retransmissions');
});

t.test('the queue holds 16: the next is refused with a QueueStatus (res ERRNO_UNKNOWN, free 0), and a freed slot is announced', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const a = await station(t, ether, { nodeNum: 0x0a0a0a0a });
  await a.client.handshake();
  for (let id = 1; id <= 18; id++) {
    a.client.send({ kind: 'packet', packet: { to: 0x0b0b0b0b, id, hopLimit: 3, decoded: { portnum: PortNum.privateApp, payload: bytes(200) } } });
  }
  const statuses = [];
  for (let id = 1; id <= 18; id++) statuses.push(await a.client.queueStatus(id));
  const refused = statuses.filter((status) => status.res !== 0);
  t.ok(refused.length === 1 || refused.length === 2, `the 17th or 18th is refused (one may already be on the air): ${refused.length}`);
  t.same(refused[0], { res: 32, free: 0, maxlen: 16, meshPacketId: refused[0]!.meshPacketId });
  t.ok(refused[0]!.meshPacketId >= 17, 'the first 16 were all taken');
  const freed = await a.client.queueStatus(0);
  t.match(freed, { res: 0, maxlen: 16 });
  t.ok(freed.free > 0, 'a slot is free again');
});

t.test('EU_868: past 10% of the hour the radio refuses with a DUTY_CYCLE_LIMIT nak; US: no limit', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  // A test hour of 2 s: each 200-byte ShortFast packet (224 bytes on the air, 181 ms) is 9% of it.
  const eu = await station(t, ether, { nodeNum: 0x0e0e0e0e, region: 'EU_868', timing: { hourMs: 2000 } });
  const us = await station(t, ether, { nodeNum: 0x0f0f0f0f, region: 'US', timing: { hourMs: 2000 } });
  for (const { client } of [eu, us]) await client.handshake();
  const sendAndWait = async (s: typeof eu, id: number) => {
    s.client.send({ kind: 'packet', packet: { to: 0x0b0b0b0b, id, hopLimit: 3, decoded: { portnum: PortNum.privateApp, payload: bytes(200) } } });
    const status = await s.client.queueStatus(id);
    const sentBefore = s.model.transmitter.sent;
    if (status.res === 0) while (s.model.transmitter.sent === sentBefore) await new Promise((resolve) => setTimeout(resolve, 5));
    return status;
  };
  t.equal((await sendAndWait(eu, 1)).res, 0);
  t.ok(eu.model.airtime.utilizationPercent() < 10, 'one packet: under 10%');
  t.equal((await sendAndWait(eu, 2)).res, 0, 'still within: the check is on what was used before');
  t.ok(eu.model.airtime.utilizationPercent() > 10, 'now over');
  t.equal((await sendAndWait(eu, 3)).res, RoutingError.DUTY_CYCLE_LIMIT, 'QueueStatus res 9');
  t.equal((await eu.client.routing(3)).errorReason, RoutingError.DUTY_CYCLE_LIMIT, 'and a nak naming the packet');
  t.match(await eu.client.consoleLine('Duty cycle limit exceeded'), /WARN/);
  for (let id = 1; id <= 3; id++) t.equal((await sendAndWait(us, id)).res, 0, `US packet ${id} sent`);
});

t.test('TOO_LARGE as the firmware computes it: the Data with its bitfield and the header within 255 bytes (12 less for a PKI message)', { skip }, async (t) => {
  const { a, c } = await line(t);
  await a.client.handshake();
  const send = (id: number, length: number, channel: number) =>
    a.client.send({ kind: 'packet', packet: { to: c.model.nodeNum, id, channel, hopLimit: 3, decoded: { portnum: PortNum.privateApp, payload: bytes(length) } } });
  send(1, 231, 1);
  t.equal((await a.client.queueStatus(1)).res, 0, '231 bytes on channel 1 fit');
  send(2, 232, 1);
  t.equal((await a.client.queueStatus(2)).res, RoutingError.TOO_LARGE, '232 do not: 3 (port) + 2 (bitfield) + 3 + 232 + 16 > 255');
  t.equal((await a.client.routing(2)).errorReason, RoutingError.TOO_LARGE);
  send(3, 219, 0);
  t.equal((await a.client.queueStatus(3)).res, 0, 'on channel 0 to a known node (PKI): 219 fit');
  send(4, 220, 0);
  t.equal((await a.client.queueStatus(4)).res, RoutingError.TOO_LARGE, '220 do not');
  // 234 bytes: not even a valid ToRadio (Data.payload max_size 233): the firmware's decoder fails and it ignores the frame.
  const data = [0x08, 0x80, 0x02, 0x12, 0xea, 0x01, ...bytes(234)];
  const packet = [0x15, 0xc3, 0xc3, 0xc3, 0xc3, 0x22, ...varint(data.length), ...data, 0x35, 5, 0, 0, 0];
  const toRadio = [0x0a, ...varint(packet.length), ...packet];
  a.client.sendRaw(Uint8Array.from([0x94, 0xc3, toRadio.length >> 8, toRadio.length & 0xff, ...toRadio]));
  t.match(await a.client.consoleLine('malformed'), /ERROR +\| \d+ Error: ignore malformed toradio/);
  a.client.send({ kind: 'heartbeat', nonce: 0 });
  await a.client.queueStatus(0);
  t.notOk(a.client.received.some((m) => m.kind === 'queueStatus' && m.queueStatus.meshPacketId === 5), 'no QueueStatus for it');
});

function varint(value: number): number[] {
  const out: number[] = [];
  for (; value >= 0x80; value >>>= 7) out.push((value & 0x7f) | 0x80);
  out.push(value);
  return out;
}

t.test('chat on port 1 from another radio reaches every client, apart from lnmesh traffic on port 256', { skip }, async (t) => {
  const { a, b, c } = await line(t);
  await a.client.handshake();
  await c.client.handshake();
  const chatId = b.model.originate({ portnum: PortNum.textMessage, payload: new TextEncoder().encode('anyone at the hut?') });
  a.client.send({ kind: 'packet', packet: { to: c.model.nodeNum, id: 9, hopLimit: 3, decoded: { portnum: PortNum.privateApp, payload: bytes(20) } } });
  for (const { client } of [a, c]) {
    const chat = await client.packet(PortNum.textMessage);
    t.match(chat, { from: b.model.nodeNum, to: 0xffffffff, id: chatId, hopLimit: 3, hopStart: 3 });
    t.equal(new TextDecoder().decode(chat.decoded?.payload), 'anyone at the hut?');
  }
  t.match(await c.client.packet(PortNum.privateApp), { from: a.model.nodeNum, id: 9 }, 'the private packet, separately');
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.notOk(a.client.received.some((m) => m.kind === 'packet' && m.packet.decoded?.portnum === PortNum.textMessage), 'A and C relayed the chat; each client saw it once');
});

t.test('a reboot drops the session and the queue, prints its boot text and `rebooted`; the client greets again', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const a = await station(t, ether, { nodeNum: 0x0a0a0a0a, timing: { bootMs: 200 } });
  await a.client.handshake();
  for (let id = 1; id <= 5; id++) a.client.send({ kind: 'packet', packet: { to: 0x0b0b0b0b, id, hopLimit: 3, decoded: { portnum: PortNum.privateApp, payload: bytes(200) } } });
  await a.client.queueStatus(5);
  a.client.received.length = 0;
  a.client.console.length = 0;
  a.model.reboot();
  const sent = ether.transmissions.length;
  t.equal(a.model.transmitter.queue.length, 0, 'the queue is lost');
  a.client.send({ kind: 'heartbeat', nonce: 0 });
  await a.client.next('rebooted', (m) => m.kind === 'rebooted' && m.rebooted);
  await a.client.consoleLine('Booted');
  t.notOk(a.client.received.some((m) => m.kind === 'queueStatus'), 'the heartbeat sent while it booted went unheard');
  const { myNodeNum } = await a.client.handshake(99);
  t.equal(myNodeNum, 0x0a0a0a0a, 'same node number after the reboot');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(ether.transmissions.length, sent, 'nothing of the old queue went on the air');
});

t.test('a hung radio answers nothing, not even a heartbeat, and hears nothing, until it reboots', { skip }, async (t) => {
  const { a, b } = await line(t);
  await a.client.handshake();
  a.client.send({ kind: 'heartbeat', nonce: 0 });
  t.match(await a.client.queueStatus(0), { res: 0, meshPacketId: 0, maxlen: 16 }, 'alive: a heartbeat draws a QueueStatus (PhoneAPI::getFromRadio)');
  a.model.hang();
  a.client.received.length = 0;
  a.client.console.length = 0;
  a.client.send({ kind: 'heartbeat', nonce: 0 });
  a.client.send({ kind: 'wantConfigId', nonce: 77 });
  b.model.originate({ to: a.model.nodeNum, portnum: PortNum.privateApp, payload: bytes(30) });
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.same([a.client.received, a.client.console], [[], []], 'hung: not a byte, frame or console line');
  a.model.reboot();
  await a.client.next('rebooted', (m) => m.kind === 'rebooted' && m.rebooted);
  const { myNodeNum } = await a.client.handshake(78);
  t.equal(myNodeNum, a.model.nodeNum, 'after the reboot it serves the client again');
  t.equal(a.model.hung, false);
});

t.test('a direct message encrypted to the destination\'s key reaches its client on channel 0, flagged pki_encrypted', { skip }, async (t) => {
  const { a, b } = await line(t);
  await b.client.handshake();
  a.model.originate({ to: b.model.nodeNum, portnum: PortNum.privateApp, payload: bytes(30), channel: 0 });
  t.match(await b.client.packet(PortNum.privateApp), { from: a.model.nodeNum, channel: 0, pkiEncrypted: true });
  a.model.originate({ to: b.model.nodeNum, portnum: 300, payload: bytes(30), channel: 3 });
  t.match(await b.client.packet(300), { channel: 3, pkiEncrypted: false }, 'on another channel: its key, its index (the model keeps the sender\'s)');
});

t.test('a client silent past the timeout is dropped: packets wait for the next handshake', { skip }, async (t) => {
  const { a, b } = await line(t, { timing: { clientTimeoutMs: 300 } });
  await a.client.handshake();
  await new Promise((resolve) => setTimeout(resolve, 400));
  await a.client.consoleLine('Lost phone connection');
  b.model.originate({ to: a.model.nodeNum, portnum: PortNum.privateApp, payload: bytes(30) });
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(a.client.received.filter((m) => m.kind === 'packet').length, 0, 'not delivered while no client is connected');
  await a.client.handshake(5);
  t.match(await a.client.packet(PortNum.privateApp), { from: b.model.nodeNum }, 'delivered after the handshake');
});
