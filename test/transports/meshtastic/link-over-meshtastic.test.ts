// The link layer over real MeshtasticTransports, each on a pty to a Meshtastic radio model: what the radio refuses
// (past the duty cycle) or loses (a reboot, a hang) the link sends again, and every message arrives once, in order.
import t, { type Test } from 'tap';
import { systemClock } from '../../../node/core/clock.js';
import { SeedSigner } from '../../../node/keys/signer.js';
import { hex } from '../../../sim/kit/link-node.js';
import { randomBytes } from '../../../sim/kit/random.js';
import { MeshtasticEther } from '../../../sim/kit/meshtastic/ether.js';
import type { MeshtasticModelOptions } from '../../../sim/kit/meshtastic/radio-model.js';
import { Link } from '../../../transports/link/link.js';
import { MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import type { MeshtasticTransportInit } from '../../../transports/meshtastic/meshtastic-transport.js';
import { ptySkipReason } from '../pty.js';
import { dispose, radio, until, type Radio } from './radios.js';

const skip = ptySkipReason();

/** Two nodes, each a Link on a MeshtasticTransport on its own radio model; the radios hear each other. */
async function twoNodes(t: Test, model: MeshtasticModelOptions, transport: Partial<MeshtasticTransportInit> = {}) {
  const ether = new MeshtasticEther();
  const keys = [new SeedSigner(new Uint8Array(32).fill(7)), new SeedSigner(new Uint8Array(32).fill(8))];
  const ids = keys.map((key) => hex(key.nodeId));
  const radios: Radio[] = [await radio(ether, 0xa1a1a1a1, model, transport), await radio(ether, 0xb2b2b2b2, model, transport)];
  ether.link(radios[0]!.model.nodeNum, radios[1]!.model.nodeNum);
  const links = radios.map((own, i) => {
    const other = 1 - i;
    const addresses = { [ids[other]!]: radios[other]!.address };
    return new Link({ transport: own.transport, clock: systemClock, outbox: new MemoryLinkOutbox(), nodeKey: keys[i]!, randomBytes }, { knownPeers: [ids[other]!], addresses, retransmitBaseMs: 800, retransmitMaxMs: 2000, ackDelayMs: 100 });
  });
  t.teardown(async () => {
    for (const link of links) await link.stop();
    await dispose(radios);
  });
  await Promise.all(links.map((link) => link.start()));
  const arrived: string[] = [];
  links[1]!.on('message', (_from, message) => arrived.push(new TextDecoder().decode(message)));
  return { ether, ids, radios, links, arrived };
}

const messages = (count: number) => Array.from({ length: count }, (_, i) => `message ${i} `.padEnd(150, '.'));

t.test('past the duty cycle the radio refuses; the link keeps the frames and sends them later: all arrive once, in order', { skip }, async (t) => {
  // A test hour of 1.5 s: 10% of it is 150 ms of ShortFast airtime, a few frames.
  const { ids, radios, links, arrived } = await twoNodes(t, { region: 'EU_868', timing: { hourMs: 1500, processingMs: 300, bootMs: 50 } }, { dutyCycleBackoffMs: 300 });
  const sent = messages(8);
  for (const message of sent) links[0]!.send(ids[1]!, new TextEncoder().encode(message));
  t.ok(await until(() => arrived.length === sent.length, 40_000), `${arrived.length} of ${sent.length} arrived`);
  t.same(arrived, sent, 'every message once, in order');
  const refusals = radios[0]!.transport.stats.dutyCycleRefusals + radios[1]!.transport.stats.dutyCycleRefusals;
  t.ok(refusals > 0, `the radios refused ${refusals} frames for the duty cycle`);
  const failures = links[0]!.counters.sendFailures + links[1]!.counters.sendFailures;
  t.ok(failures >= refusals, `the links saw ${failures} sends fail (refused, or refused at once during the back-off), and sent them again`);
});

t.test('the sender\'s radio reboots mid-stream: link down, greeted again, link up; all messages arrive once, in order', { skip }, async (t) => {
  const { ids, radios, links, arrived } = await twoNodes(t, { region: 'US', timing: { processingMs: 300, bootMs: 200 } });
  const events: boolean[] = [];
  radios[0]!.transport.on('link', (up) => events.push(up));
  const sent = messages(10);
  for (const message of sent.slice(0, 5)) links[0]!.send(ids[1]!, new TextEncoder().encode(message));
  t.ok(await until(() => arrived.length >= 2, 10_000), 'the stream is flowing');
  radios[0]!.model.reboot();
  for (const message of sent.slice(5)) links[0]!.send(ids[1]!, new TextEncoder().encode(message));
  t.ok(await until(() => arrived.length === sent.length, 30_000), `${arrived.length} of ${sent.length} arrived`);
  t.same(arrived, sent, 'every message once, in order');
  t.same(events, [false, true], 'the transport said the link went down, then up');
  t.equal(radios[0]!.transport.stats.reconnects, 1);
  t.equal(radios[0]!.transport.myNodeNum, radios[0]!.model.nodeNum, 'the node number learnt again');
});

t.test('the sender\'s radio hangs mid-stream: its silence noticed, greeted again after a reboot; all messages arrive once, in order', { skip }, async (t) => {
  const { ids, radios, links, arrived } = await twoNodes(t, { region: 'US', timing: { processingMs: 300, bootMs: 200 } }, { heartbeatMs: 100, silenceMs: 300, configTimeoutMs: 300 });
  const events: boolean[] = [];
  radios[0]!.transport.on('link', (up) => events.push(up));
  const sent = messages(10);
  for (const message of sent.slice(0, 5)) links[0]!.send(ids[1]!, new TextEncoder().encode(message));
  t.ok(await until(() => arrived.length >= 2, 10_000), 'the stream is flowing');
  radios[0]!.model.hang();
  for (const message of sent.slice(5)) links[0]!.send(ids[1]!, new TextEncoder().encode(message));
  t.ok(await until(() => events.includes(false), 5000), 'the transport noticed the silence: link down');
  await new Promise((resolve) => setTimeout(resolve, 500));
  radios[0]!.model.reboot(); // the firmware's watchdog
  t.ok(await until(() => arrived.length === sent.length, 30_000), `${arrived.length} of ${sent.length} arrived`);
  t.same(arrived, sent, 'every message once, in order: the frames waited in the link\'s outbox');
  t.same(events, [false, true], 'down when it went silent, up after the reboot');
  t.equal(radios[0]!.transport.stats.silences, 1);
});
