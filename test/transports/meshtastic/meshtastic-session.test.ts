// Keeping the radio's client session: heartbeats before its silence timeout, a radio that hangs (or a TCP path cut
// without a FIN) noticed by its silence, and the TCP API (a radio on the network, port 4403), whose connection lost
// is reopened and greeted again.
import t from 'tap';
import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { MeshtasticEther } from '../../../sim/kit/meshtastic/ether.js';
import { MeshtasticRadioModel } from '../../../sim/kit/meshtastic/radio-model.js';
import { PortNum } from '../../../transports/meshtastic/client-messages.js';
import { MeshtasticTransport } from '../../../transports/meshtastic/meshtastic-transport.js';
import { openPtyPair } from '../pty.js';
import { ptySkipReason } from '../pty.js';
import { dispose, FAST_MODEL, radio, until } from './radios.js';

const skip = ptySkipReason();
const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);

t.test('heartbeats keep the session: a radio that drops silent clients still delivers to ours, not to one without', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const model = { timing: { clientTimeoutMs: 400, processingMs: 300, bootMs: 50 } };
  const beating = await radio(ether, 0xa1a1a1a1, model, { heartbeatMs: 100 });
  const silent = await radio(ether, 0xb2b2b2b2, model);
  t.teardown(() => dispose([beating, silent]));
  ether.link(beating.model.nodeNum, silent.model.nodeNum);
  await Promise.all([beating.transport.open(), silent.transport.open()]);
  const got = { beating: 0, silent: 0 };
  beating.transport.on('frame', () => got.beating++);
  silent.transport.on('frame', () => got.silent++);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  silent.model.originate({ to: beating.model.nodeNum, portnum: PortNum.privateApp, payload: bytes(10, 1) });
  beating.model.originate({ to: silent.model.nodeNum, portnum: PortNum.privateApp, payload: bytes(10, 2) });
  t.ok(await until(() => got.beating === 1, 3000), 'the heartbeating client still has its session: the frame is delivered');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(got.silent, 0, 'the silent one was dropped by its radio (after 400 ms here, 15 minutes in the firmware)');
});

t.test('a radio that hangs with its port open is noticed within silenceMs, and greeted again once it is back', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  // Heartbeats every 100 ms, gone after 300 ms of silence (the defaults: 1 minute and 2.5 minutes).
  const a = await radio(ether, 0xa1a1a1a1, {}, { heartbeatMs: 100, silenceMs: 300, configTimeoutMs: 200, reconnectMs: 50 });
  t.teardown(() => dispose([a]));
  await a.transport.open();
  const events: { up: boolean; at: number }[] = [];
  a.transport.on('link', (up) => events.push({ up, at: Date.now() }));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.same(events, [], 'a radio that answers its heartbeats (a QueueStatus each) is not taken for gone over 3 silence periods');
  t.equal(a.transport.stats.silences, 0);
  const hungAt = Date.now();
  a.model.hang();
  t.ok(await until(() => events.length === 1, 3000), 'noticed');
  t.equal(events[0]!.up, false, 'link down');
  const noticedAfter = events[0]!.at - hungAt;
  // Its last word came before the hang, so the bound is silenceMs from the hang; the slack is for a busy machine's timers.
  t.ok(noticedAfter <= 300 + 700, `within silenceMs of its last word: ${noticedAfter} ms after the hang`);
  t.equal(a.transport.stats.silences, 1);
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(events.length, 1, 'still down while it hangs: greetings go unanswered');
  a.model.reboot(); // its watchdog, or the reset button
  t.ok(await until(() => events.length === 2, 3000), 'back');
  t.equal(events[1]!.up, true, 'link up again');
  t.equal(a.transport.myNodeNum, a.model.nodeNum);
  t.equal(a.transport.stats.reconnects, 1, 'one loss');
});

/** A radio model behind a TCP server, as a radio with its network API on: each connection is bridged to the model's pty. */
async function radioOnTcp(ether: MeshtasticEther, nodeNum: number) {
  const pty = await openPtyPair();
  const model = await MeshtasticRadioModel.open(pty.b, ether, { ...FAST_MODEL, nodeNum });
  const connections: Socket[] = [];
  /** Connections cut somewhere on the way, without a FIN or a reset: nothing passes, nothing closes. */
  const severed = new Set<Socket>();
  /** How many of the next connections are cut as soon as they open. */
  const cut = { next: 0 };
  let serial: SerialPort | undefined;
  const server: Server = createServer((socket) => {
    connections.push(socket);
    if (cut.next > 0 && cut.next--) severed.add(socket);
    if (serial?.isOpen) serial.close();
    socket.pause(); // until the pty is open
    const port = new SerialPort({ path: pty.a, baudRate: 115200 }, () => socket.resume());
    serial = port;
    socket.on('data', (chunk) => !severed.has(socket) && port.isOpen && port.write(chunk));
    port.on('data', (chunk: Buffer) => !severed.has(socket) && socket.write(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => port.isOpen && port.close());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `tcp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const close = async () => {
    for (const socket of connections) socket.destroy();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
    if (serial?.isOpen) await new Promise((resolve) => serial!.close(resolve));
    await model.close();
    await pty.close();
  };
  return { model, url, connections, severed, cut, server, close };
}

t.test('over TCP: the handshake and frames both ways; a lost connection is reopened and greeted again', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const onTcp = await radioOnTcp(ether, 0xa1a1a1a1);
  const onSerial = await radio(ether, 0xb2b2b2b2);
  ether.link(onTcp.model.nodeNum, onSerial.model.nodeNum);
  const transport = new MeshtasticTransport({ path: onTcp.url, configTimeoutMs: 2000, reconnectMs: 100 });
  t.teardown(async () => {
    await transport.close();
    await dispose([onSerial]);
    await onTcp.close();
  });
  const events: boolean[] = [];
  transport.on('link', (up) => events.push(up));
  await Promise.all([transport.open(), onSerial.transport.open()]);
  t.equal(transport.myNodeNum, 0xa1a1a1a1);
  const atTcp: string[] = [];
  transport.on('frame', (_frame, from) => atTcp.push(from!));
  const atSerial: string[] = [];
  onSerial.transport.on('frame', (_frame, from) => atSerial.push(from!));
  await transport.send(bytes(50, 1), onSerial.address);
  await onSerial.transport.send(bytes(50, 2), '!a1a1a1a1');
  t.ok(await until(() => atTcp.length === 1 && atSerial.length === 1), 'both arrived');
  t.same([atTcp, atSerial], [[onSerial.address], ['!a1a1a1a1']]);
  onTcp.connections[0]!.destroy();
  t.ok(await until(() => events.length === 3, 5000), `link events: ${events.join(', ')}`);
  t.same(events, [true, false, true], 'up, down when the connection was lost, up again');
  t.equal(onTcp.connections.length, 2, 'a second connection');
  await onSerial.transport.send(bytes(50, 3), '!a1a1a1a1');
  t.ok(await until(() => atTcp.length === 2), 'frames arrive again');
});

t.test('a radio that does not come back: the transport keeps trying to reconnect; close ends that', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const onTcp = await radioOnTcp(ether, 0xa1a1a1a1);
  const warnings: string[] = [];
  const transport = new MeshtasticTransport({ path: onTcp.url, configTimeoutMs: 500, reconnectMs: 50, logger: { log: (_level, message) => warnings.push(message) } });
  t.teardown(() => onTcp.close());
  await transport.open();
  const events: boolean[] = [];
  transport.on('link', (up) => events.push(up));
  const sending = transport.send(new Uint8Array(10), '!b2b2b2b2').catch((error: Error) => error);
  await new Promise<void>((resolve) => onTcp.server.close(() => resolve()) && onTcp.connections[0]!.destroy());
  t.ok(await until(() => warnings.filter((line) => line.includes('reconnecting')).length >= 3), 'it tries again and again');
  t.same(events, [false], 'link down once');
  t.match(await sending, { name: 'TransportError' }, 'a send in flight when the connection went is rejected: the link sends it again later');
  await transport.close();
  const tries = warnings.length;
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(warnings.length, tries, 'no attempt after close');
  t.same(events, [false], 'and no link event');
});

t.test('over TCP, a connection cut on the way without a FIN: noticed by its silence, dropped, connected again', { skip }, async (t) => {
  const ether = new MeshtasticEther();
  const onTcp = await radioOnTcp(ether, 0xa1a1a1a1);
  const transport = new MeshtasticTransport({ path: onTcp.url, configTimeoutMs: 300, reconnectMs: 50, heartbeatMs: 100, silenceMs: 300 });
  t.teardown(async () => {
    await transport.close();
    await onTcp.close();
  });
  await transport.open();
  const events: boolean[] = [];
  transport.on('link', (up) => events.push(up));
  onTcp.severed.add(onTcp.connections[0]!);
  onTcp.cut.next = 1; // and the next connection is cut too: its greeting goes unanswered
  t.ok(await until(() => events.length === 2, 5000), `link events: ${events.join(', ')}`);
  t.same(events, [false, true], 'down when it went silent, up over a new connection');
  t.equal(onTcp.connections.length, 3, 'a second connection, unanswered, and a third');
  t.ok(await until(() => onTcp.connections[0]!.destroyed && onTcp.connections[1]!.destroyed), 'the silent ones were dropped by the transport, not left open');
  t.equal(transport.stats.silences, 1);
});
