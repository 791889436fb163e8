// The Meshtastic transport over radio models on real pseudo-terminals: the handshake, relays, chat beside lnmesh,
// the duty cycle's refusals, reboots. (The Transport contract itself runs in test/transports/transport.test.ts.)
import t from 'tap';
import { MeshtasticEther } from '../../../sim/kit/meshtastic/ether.js';
import { InvalidInputError } from '../../../node/core/input.js';
import type { LogLevel } from '../../../node/core/logger.js';
import { createTransport } from '../../../transports/config/create-transport.js';
import { PortNum, isSpecialConfigNonce } from '../../../transports/meshtastic/client-messages.js';
import { MeshtasticTransport, RadioBusyError } from '../../../transports/meshtastic/meshtastic-transport.js';
import { TransportError } from '../../../transports/transport.js';
import { openPtyPair, ptySkipReason } from '../pty.js';
import { dispose, pair, radio, until, type Radio } from './radios.js';

const skip = ptySkipReason();
const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);
const hex = (frame: Uint8Array) => Buffer.from(frame).toString('hex');

function received(radio: Radio): { frame: string; from: string | undefined }[] {
  const frames: { frame: string; from: string | undefined }[] = [];
  radio.transport.on('frame', (frame, from) => frames.push({ frame: hex(frame), from }));
  return frames;
}

t.test('open greets the radio: wake bytes, want_config_id with an ordinary nonce, our node number from my_info', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const lines: string[] = [];
  const a = await radio(ether, 0x0a0a0a0a, {}, { logger: { log: (_level: LogLevel, message: string) => lines.push(message) } });
  t.teardown(() => dispose([a]));
  await a.transport.open();
  t.equal(a.transport.myNodeNum, 0x0a0a0a0a);
  t.ok(await until(() => lines.some((line) => line.includes('Client wants config'))), 'the radio console, logged at debug');
  const nonce = Number(/nonce=(\d+)/.exec(lines.find((line) => line.includes('Client wants config'))!)![1]);
  t.ok(nonce > 0 && !isSpecialConfigNonce(nonce), `nonce ${nonce} is neither 69420 nor 69421`);
});

t.test('a radio that never answers: open fails with a TransportError naming want_config, and leaves the transport closed', { skip }, async (t) => {
  const pty = await openPtyPair();
  t.teardown(() => pty.close());
  const transport = new MeshtasticTransport({ path: pty.a, configTimeoutMs: 300 });
  const error = await transport.open().then(() => undefined, (error: unknown) => error);
  t.ok(error instanceof TransportError && /want_config.*300 ms/.test(error.message), (error as Error).message);
  await t.rejects(transport.send(bytes(10, 1), '!0b0b0b0b'), TransportError, 'not open');
  await t.rejects(new MeshtasticTransport({ path: '/dev/lnmesh-no-such-radio' }).open(), { name: 'TransportError', message: /cannot open the serial port/ });
});

t.test('bad config is refused before anything opens, naming the field', async (t) => {
  const cases: [object, RegExp][] = [
    [{ path: '' }, /^path/],
    [{ path: '/dev/ttyUSB0', port: 255 }, /^port/],
    [{ path: '/dev/ttyUSB0', port: 512 }, /^port/],
    [{ path: '/dev/ttyUSB0', channel: 8 }, /^channel/],
    [{ path: '/dev/ttyUSB0', hopLimit: 0 }, /^hopLimit/],
    [{ path: '/dev/ttyUSB0', hopLimit: 8 }, /^hopLimit/],
    [{ path: '/dev/ttyUSB0', wantAck: 'yes' }, /^wantAck/],
    [{ path: 'tcp://radio.local:99999' }, /^path/],
    [{ path: 'tcp://radio.local:abc' }, /^path/],
  ];
  for (const [spec, field] of cases) {
    t.throws(() => createTransport({ kind: 'meshtastic', ...spec } as never), InvalidInputError, JSON.stringify(spec));
    t.throws(() => createTransport({ kind: 'meshtastic', ...spec } as never), { message: field });
  }
  t.ok(createTransport({ kind: 'meshtastic', path: 'tcp://192.168.1.20' }) instanceof MeshtasticTransport, 'tcp://host: port 4403 by default');
  t.equal(createTransport({ kind: 'meshtastic', path: '/dev/ttyUSB0' }).mtu, 219, 'MTU 219');
});

t.test('a frame goes only to a node number: other addresses are refused with TransportError', { skip }, async (t) => {
  const { a, b } = await pair();
  t.teardown(() => dispose([a, b]));
  await Promise.all([a.transport.open(), b.transport.open()]);
  for (const to of [undefined, 'bob', '!ffffffff', '^all', a.address]) await t.rejects(a.transport.send(bytes(5, 1), to), TransportError, `to ${to}`);
  t.equal(b.model.transmitter.sent + a.model.transmitter.sent, 0, 'nothing went on the air');
});

t.test('two Meshtastic hops apart: the radio between relays, the frame arrives from the sender\'s node number', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const a = await radio(ether, 0xa1a1a1a1);
  const relay = await radio(ether, 0xb2b2b2b2);
  const c = await radio(ether, 0xc3c3c3c3);
  t.teardown(() => dispose([a, relay, c]));
  ether.link(a.model.nodeNum, relay.model.nodeNum);
  ether.link(relay.model.nodeNum, c.model.nodeNum);
  await Promise.all([a.transport.open(), c.transport.open()]);
  const atC = received(c);
  await a.transport.send(bytes(219, 0x5a), c.address);
  t.ok(await until(() => atC.length === 1), 'arrived');
  t.same(atC, [{ frame: hex(bytes(219, 0x5a)), from: a.address }], 'a full-size frame, from !a1a1a1a1');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.same(ether.transmissions.map((sent) => sent.sender), [a.model.nodeNum, relay.model.nodeNum], 'A sent it, B relayed it; without want_ack nothing more');
  t.equal(ether.transmissions[1]!.packet.hopLimit, 2, 'relayed with hop limit 3 - 1');
});

t.test('the hop limit is honoured: with hopLimit 1 a frame crosses one relay, not two', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const nodeNums = [0xa1a1a1a1, 0xb2b2b2b2, 0xc3c3c3c3, 0xd4d4d4d4];
  const radios: Radio[] = [];
  for (const nodeNum of nodeNums) radios.push(await radio(ether, nodeNum, {}, { hopLimit: 1 }));
  t.teardown(() => dispose(radios));
  for (let i = 0; i + 1 < nodeNums.length; i++) ether.link(nodeNums[i]!, nodeNums[i + 1]!);
  const [a, , c, d] = radios as [Radio, Radio, Radio, Radio];
  await Promise.all([a.transport.open(), c.transport.open(), d.transport.open()]);
  const atC = received(c);
  const atD = received(d);
  await a.transport.send(bytes(10, 1), c.address);
  await a.transport.send(bytes(10, 2), d.address);
  t.ok(await until(() => atC.length === 1), 'two hops away (one relay): arrived');
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.same(atD, [], 'three hops away (two relays needed): not with hopLimit 1');
  t.ok(ether.transmissions.every((sent) => sent.packet.hopStart === 1), 'sent with hop limit 1');
});

t.test('chat on port 1 and packets on other ports are ignored (counted); lnmesh frames beside them arrive', { skip }, async (t) => {
  const { a, b } = await pair();
  t.teardown(() => dispose([a, b]));
  await Promise.all([a.transport.open(), b.transport.open()]);
  const atA = received(a);
  b.model.originate({ portnum: PortNum.textMessage, payload: new TextEncoder().encode('anyone at the hut?') });
  b.model.originate({ to: a.model.nodeNum, portnum: PortNum.textMessage, payload: new TextEncoder().encode('hi a') });
  b.model.originate({ to: a.model.nodeNum, portnum: 300, payload: bytes(20, 3) });
  await b.transport.send(bytes(40, 0x77), a.address);
  t.ok(await until(() => atA.length === 1 && a.transport.stats.packetsIgnored === 3), `ignored: ${a.transport.stats.packetsIgnored}`);
  t.same(atA, [{ frame: hex(bytes(40, 0x77)), from: b.address }], 'only the frame on port 256');
});

t.test('the channel index: frames go on the configured one; ours heard on another are ignored (counted, at debug)', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const debug: string[] = [];
  const logger = { log: (level: LogLevel, message: string) => void (level === 'debug' && debug.push(message)) };
  const a = await radio(ether, 0xa1a1a1a1, {}, { channel: 2, logger });
  const b = await radio(ether, 0xb2b2b2b2, {}, { channel: 2 });
  t.teardown(() => dispose([a, b]));
  ether.link(a.model.nodeNum, b.model.nodeNum);
  await Promise.all([a.transport.open(), b.transport.open()]);
  const atA = received(a);
  await b.transport.send(bytes(30, 1), a.address);
  t.ok(await until(() => atA.length === 1), 'a frame on channel 2 arrives');
  t.match(ether.transmissions[0]!.packet, { channel: 2, pki: false }, 'sent on the configured channel, with its key');
  b.model.originate({ to: a.model.nodeNum, portnum: PortNum.privateApp, payload: bytes(30, 2), channel: 1 });
  t.ok(await until(() => a.transport.stats.packetsIgnored === 1), 'our port, our node number, channel 1: ignored');
  t.ok(debug.some((line) => /on channel 1, not ours \(2\)/.test(line)), 'and said at debug');
  // A direct message encrypted to A's key reaches A's client on channel 0, whatever channel its sender named
  // (the firmware's PKI, which newer versions use on any channel): it counts.
  b.model.originate({ to: a.model.nodeNum, portnum: PortNum.privateApp, payload: bytes(30, 3), channel: 0 });
  t.ok(await until(() => atA.length === 2), 'a direct message encrypted to our key arrives');
  t.ok(ether.transmissions.at(-1)!.packet.pki, 'it was');
  t.same(atA.map(({ frame }) => frame), [hex(bytes(30, 1)), hex(bytes(30, 3))], 'only the frames on our channel or to our key');
  t.equal(a.transport.stats.packetsIgnored, 1);
});

t.test('wantAck: the firmware asks for the destination\'s ack; the frame arrives once', { skip }, async (t) => {
  const { a, b, ether } = await pair({}, { wantAck: true });
  t.teardown(() => dispose([a, b]));
  await Promise.all([a.transport.open(), b.transport.open()]);
  const atB = received(b);
  await a.transport.send(bytes(30, 1), b.address);
  t.ok(await until(() => ether.transmissions.length === 2), 'the frame and the ack');
  t.equal(ether.transmissions[0]!.packet.wantAck, true);
  t.equal(ether.transmissions[1]!.sender, b.model.nodeNum, 'B acked');
  t.equal(atB.length, 1);
});
