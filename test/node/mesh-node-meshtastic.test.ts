// The Meshtastic issue's proof: a payment crosses three whole mesh nodes, A - B - C, each on its own Meshtastic
// radio (a model of the firmware behind a real pty; the one fake: there is no radio). A's radio hears B's; B's and
// C's are two Meshtastic hops apart, a radio with no lnmesh node on it relaying between them. Every node has one
// radio, so B's one link serves both neighbours. Channels A-B and B-C; A pays C beside chat on port 1;
// then A pays C again while B's radio reboots mid-payment and A's radio runs past its (shrunk) duty-cycle hour.
// Both payments complete once, balances exact, nothing left pending.
import t, { type Test } from 'tap';
import { systemClock } from '../../node/core/clock.js';
import type { ManagerEvent } from '../../node/channel/manager.js';
import type { LinkTiming } from '../../node/mesh-node.js';
import { createNetwork } from '../../sim/kit/network.js';
import { MeshtasticEther } from '../../sim/kit/meshtastic/ether.js';
import type { MeshtasticModelOptions } from '../../sim/kit/meshtastic/radio-model.js';
import { PortNum } from '../../transports/meshtastic/client-messages.js';
import { ptySkipReason } from '../transports/pty.js';
import { dispose, radio, type Radio } from '../transports/meshtastic/radios.js';
import { LINE_IDS, openLineChannels, type LineNode } from './mesh-line.js';

const skip = ptySkipReason();

/**
 * Link timing for real time over ShortFast. A frame and its ack over the two-hop B - C path cross the relay twice:
 * each way the sender's contention delay (< 64 ms), ~100-190 ms on the air, the relay's SNR-weighted rebroadcast
 * delay (128-384 ms at the -5 dB below) and the air again: about 1-1.5 s a round trip, a few seconds behind a
 * window of fragments and the relay's other traffic. A 5 s retransmitBase (the link's default, which the transport's
 * README advises at ShortFast over several hops; 1.5 s doubled the packets there) is past that, so frames are sent
 * again when one was lost (the reboot) or refused (the duty cycle): C, on the two-hop side only, retransmitted none in 7 runs.
 */
const TIMING: LinkTiming = { retransmitBaseMs: 5_000, retransmitMaxMs: 10_000, ackDelayMs: 100 };
/** Fast firmware timings; US (no duty cycle) unless a radio says otherwise. */
const MODEL: MeshtasticModelOptions = { preset: 'ShortFast', region: 'US', timing: { processingMs: 300, bootMs: 300 } };
/**
 * A's radio: EU_868's 10% of an hour shrunk to 5 s, so 500 ms of airtime (two or three full ShortFast packets) in
 * any 5 s: mostly enough for lnmesh alone, not beside a burst of its owner's chat (three 200-byte messages, ~570 ms).
 * Shorter than the link's retransmitBase, so a refused frame's first retry finds the radio free again. The transport
 * backs off 300 ms (not the firmware's minute) when refused.
 */
const DUTY_LIMITED: MeshtasticModelOptions = { ...MODEL, region: 'EU_868', timing: { ...MODEL.timing, hourMs: 5_000 } };
const OWNER_CHATS = 3;
/** One relay between B and C: hop limit 1 reaches it and stops the flood there (the default 3 has the radios past it relay every frame again). */
const TRANSPORT = { configTimeoutMs: 2_000, reconnectMs: 100, dutyCycleBackoffMs: 300, hopLimit: 1 };

const NUMS = { A: 0xa1a1a1a1, B: 0xb2b2b2b2, relay: 0x7e7e7e7e, C: 0xc3c3c3c3 } as const;

/** The four radios on one ether: A - B, B - relay - C. */
async function radios(t: Test) {
  const ether = new MeshtasticEther();
  const a = await radio(ether, NUMS.A, DUTY_LIMITED, TRANSPORT);
  const b = await radio(ether, NUMS.B, MODEL, TRANSPORT);
  const relay = await radio(ether, NUMS.relay, MODEL, TRANSPORT);
  const c = await radio(ether, NUMS.C, MODEL, TRANSPORT);
  // The relay's client end is never opened: a radio on a hill with nobody on its USB.
  t.teardown(() => dispose([a, b, relay, c]));
  ether.link(NUMS.A, NUMS.B);
  // The relay is far from both (a hilltop): heard at -5 dB, which ShortFast (SF7) still decodes. The firmware
  // relays faintly heard packets sooner (the SNR-weighted contention window): 128-384 ms here, 128-1150 ms at 6 dB.
  ether.link(NUMS.B, NUMS.relay, { snr: -5 });
  ether.link(NUMS.relay, NUMS.C, { snr: -5 });
  return { ether, a, b, relay, c };
}

/** Mesh nodes A, B, C, each with one link on its radio's transport; A reaches C through B and back. */
function nodesOn(a: Radio, b: Radio, c: Radio): [LineNode, LineNode, LineNode] {
  const [idA, idB, idC] = LINE_IDS;
  const network = createNetwork({
    nodes: ['A', 'B', 'C'],
    clock: systemClock,
    media: [
      {
        transports: { A: a.transport, B: b.transport, C: c.transport },
        addresses: { A: a.address, B: b.address, C: c.address },
        timing: TIMING,
        links: [['A', 'B'], ['B', 'C']],
      },
    ],
    channels: { init: (i) => ({ routes: [{ [idC]: idB }, {}, { [idA]: idB }][i]! }) },
  });
  return network.nodes as readonly LineNode[] as [LineNode, LineNode, LineNode];
}

const count = (node: LineNode, type: ManagerEvent['type']) => node.events.filter((event) => event.type === type).length;
const pending = (nodes: readonly LineNode[]) => nodes.reduce((sum, node) => sum + node.mesh.manager.balances().reduce((each, channel) => each + channel.pendingHtlcs, 0), 0);

function untilFor(t: Test) {
  return async (what: string, done: () => boolean, limitMs = 30_000) => {
    const start = Date.now();
    while (!done() && Date.now() - start < limitMs) await new Promise((resolve) => setTimeout(resolve, 20));
    t.ok(done(), `${what} (${Date.now() - start} ms)`);
  };
}

const chatText = (n: number, from: Radio) => new TextEncoder().encode(`chat ${n} from ${from.address}: `.padEnd(200, 'anyone on the mesh tonight? '));

/** Chat on port 1, broadcast from `from`'s keyboard every `everyMs` until stopped (which returns how many were sent). */
function chatter(from: Radio, everyMs: number): () => number {
  let sent = 0;
  const timer = setInterval(() => from.model.originate({ portnum: PortNum.textMessage, payload: chatText(sent++, from), hopLimit: 1 }), everyMs);
  return () => {
    clearInterval(timer);
    return sent;
  };
}

t.test('A pays C across B over Meshtastic radios, one link two hops long, beside chat, a reboot and the duty cycle', { skip, timeout: 120_000 }, async (t) => {
  const started = Date.now();
  const { ether, a, b, relay, c } = await radios(t);
  const nodes = nodesOn(a, b, c);
  const [nodeA, nodeB, nodeC] = nodes;
  t.teardown(() => Promise.all(nodes.map((node) => node.mesh.stop())));
  await Promise.all(nodes.map((node) => node.mesh.start()));
  const until = untilFor(t);
  await openLineChannels(until, nodes);

  // Payment 1, with chat from the relay's owner on the mesh all along.
  const ignoredBefore = [a, b, c].map((each) => each.transport.stats.packetsIgnored);
  const stopChat = chatter(relay, 1_500);
  nodeA.mesh.manager.payRequest(nodeC.mesh.manager.receive(30_000_000, 0));
  await until('A paid C through B, beside the chat', () => count(nodeC, 'payment_received') === 1 && count(nodeA, 'payment_sent') === 1);
  await until('and its HTLCs are settled on both channels', () => pending(nodes) === 0);
  const chats = stopChat();
  const retransmitted = () => nodes.map((node) => node.mesh.links[0]!.counters.retransmissions).join(', ');
  t.comment(`after the channels and the first payment, A, B and C retransmitted ${retransmitted()} frames`);
  const ignored = [a, b, c].map((each, i) => each.transport.stats.packetsIgnored - ignoredBefore[i]!);
  t.ok(chats > 0 && ignored.every((n) => n > 0), `${chats} chat messages on port 1; the transports of A, B, C passed over ${ignored.join(', ')} packets not theirs`);

  // Payment 2: A's owner chats A's radio past its duty cycle first; B's radio reboots once the HTLC reaches B.
  const refusedBefore = a.transport.stats.dutyCycleRefusals;
  await until("A's radio is within its duty cycle (lnmesh's frames have aged out)", () => a.model.airtime.utilizationPercent() <= 10, 10_000);
  for (let i = 0; i < OWNER_CHATS; i++) a.model.originate({ portnum: PortNum.textMessage, payload: chatText(i, a), hopLimit: 0 });
  const chatsOfA = () => ether.transmissions.filter((sent) => sent.sender === NUMS.A && sent.packet.data.portnum === PortNum.textMessage).length;
  await until(`A's owner sent ${OWNER_CHATS} chat messages, and A's radio is past its duty cycle`, () => chatsOfA() === OWNER_CHATS && a.model.airtime.utilizationPercent() > 10, 5_000);
  nodeA.mesh.manager.payRequest(nodeC.mesh.manager.receive(20_000_000, 0));
  await until('the second HTLC reached B', () => nodeB.mesh.manager.balances()[0]!.pendingHtlcs > 0);
  t.equal(count(nodeC, 'payment_received'), 1, "C is not paid the second time yet when B's radio reboots");
  b.model.reboot();
  await until('after the reboot, A has paid C again', () => count(nodeC, 'payment_received') === 2 && count(nodeA, 'payment_sent') === 2, 40_000);
  await until('and every HTLC is settled', () => pending(nodes) === 0);
  const refused = a.transport.stats.dutyCycleRefusals - refusedBefore;
  t.ok(refused > 0, `A's radio refused ${refused} of lnmesh's frames past its duty cycle; the link sent them again later`);
  t.equal(b.model.reboots, 1, "B's radio rebooted once");
  t.equal(b.transport.stats.reconnects, 1, "B's transport greeted its radio again");

  balancesExact(t, nodes);
  const links = nodes.map((node) => node.mesh.links[0]!);
  const stat = (key: 'framesSent' | 'retransmissions') => links.map((link) => link.counters[key]).join(', ');
  t.comment(`frames sent by A, B, C: ${stat('framesSent')}; retransmissions: ${stat('retransmissions')}; ${ether.transmissions.length} packets on the air; ${Date.now() - started} ms`);
  t.same(links.map((link) => link.counters.dropped['internal-error']), [0, 0, 0], 'no link met an internal error');
});

function balancesExact(t: Test, [a, b, c]: readonly [LineNode, LineNode, LineNode]): void {
  const [ab] = a.mesh.manager.balances();
  const [ba, bc] = b.mesh.manager.balances();
  const [cb] = c.mesh.manager.balances();
  t.same([ab!.localMsat, ab!.remoteMsat], [ba!.remoteMsat, ba!.localMsat], 'A and B agree on their channel');
  t.same([bc!.localMsat, bc!.remoteMsat], [cb!.remoteMsat, cb!.localMsat], 'B and C agree on theirs');
  t.equal(ab!.localMsat, 600_000_000 - 30_000_000 - 20_000_000 - 2 * 1000, 'A: 600,000 sat, less 30,000 and 20,000 to C and 1 sat to B for each');
  t.equal(cb!.localMsat, 400_000_000 + 30_000_000 + 20_000_000, 'C: 400,000 sat and the 50,000 from A');
  t.equal(ba!.localMsat + bc!.localMsat, 400_000_000 + 600_000_000 + 2 * 1000, "B's total: what it had, and 1 sat for each payment it forwarded");
  t.equal(count(c, 'payment_received'), 2, 'C received each payment once');
  t.equal(count(a, 'payment_sent'), 2, 'A saw each payment complete once');
}
