/**
 * Payments over one LoRa hop, all overhead included: two ChannelManagers
 * whose messages go through the link layer (sessions already up, acks and
 * all) over an in-memory medium with the MTU of the data rate, on virtual
 * time. Each frame costs the RNode's one-byte header and its time on air
 * (Semtech's formula, 125 kHz, coding rate 4/5, the firmware's preamble).
 *
 * Bytes and airtime per payment are those of one payment made alone: its
 * last frame is Alice's bare acknowledgement of Bob's last revocation.
 *
 * Payments per hour at a 1% duty cycle (EU868: 36 s of airtime per hour per
 * sub-band) are a sustained rate: Alice pays again as soon as she learns
 * the last payment went through (its preimage), as a node with payments to
 * make would, so each payment's first frame also carries the ack the last
 * one left owing; measured over ten rounds (the last round's bare ack
 * included) and limited by the side that transmits more. Batched: each
 * round is ten payments requested at once (`payRequests`), sharing messages
 * and commitment signatures.
 */
import { timeOnAirMs, maxPayloadForDataRate } from '../transports/lora/airtime.js';
import { RNODE_HEADER_BYTES, rnodePreambleSymbols } from '../transports/lora/rnode-commands.js';
import { createMemoryMedium } from '../transports/memory.js';
import { VirtualClock } from '../sim/kit/virtual-clock.js';
import { createLink } from '../sim/kit/test-link.js';
import { makeNode } from '../sim/kit/link-node.js';
import { createNetwork } from '../sim/kit/network.js';
import { openChannel } from '../sim/kit/channels.js';
import type { Figure } from './bolt3.js';

const BANDWIDTH_HZ = 125_000;
const DUTY_CYCLE_MS_PER_HOUR = 0.01 * 3_600_000;
/** 50,000 sat: above dust, so each HTLC has its output and its signature in every commitment. */
const PAYMENT_MSAT = 50_000_000;

interface HopRun {
  /** Frame sizes each side transmitted, RNode header included. */
  readonly sent: [number[], number[]];
  readonly rounds: number;
}

/**
 * Runs `rounds` rounds of `batch` payments from Alice to Bob (a batch
 * requested together; each round once Alice knows the last one was paid)
 * and records every frame on the air.
 */
async function paymentsOverOneHop(spreadingFactor: number, batch: number, rounds: number): Promise<HopRun> {
  const clock = new VirtualClock();
  const mtu = maxPayloadForDataRate(spreadingFactor, BANDWIDTH_HZ);
  const medium = createMemoryMedium({ mtu, delayMs: 50, clock });
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  // Room for ten rounds of ten 50,000-sat payments.
  const handle = openChannel(network, alice, bob, 8_000_000);

  // The link's keys stand beside the managers' (the daemon will use the node key for both).
  const linkNodes = [makeNode('alice'), makeNode('bob')] as const;
  const transports = linkNodes.map((node) => medium.createTransport(node.name));
  const sent: [number[], number[]] = [[], []];
  let recording = false;
  transports.forEach((transport, i) => {
    const send = transport.send.bind(transport);
    transport.send = (frame, to) => {
      if (recording) sent[i]!.push(frame.length + RNODE_HEADER_BYTES);
      return send(frame, to);
    };
  });
  // The link's own timing defaults (an ack waits 200 ms for a message to ride on), not the tests' faster ones.
  const timing = { retransmitBaseMs: 5_000, retransmitMaxMs: 600_000, ackDelayMs: 200 };
  const links = linkNodes.map((node, i) => createLink(medium, clock, node, [linkNodes[1 - i]!], { transport: transports[i]!, init: timing }));
  const managerOf = [alice, bob];
  // What a manager sends goes to its link at once, as a daemon's messenger would: its answer can carry the ack.
  const handOver = () => {
    for (let next = network.queue.shift(); next; next = network.queue.shift()) {
      const from = next[0] === alice.id ? 0 : 1;
      links[from]!.send(linkNodes[1 - from]!.id, next[2]);
    }
  };
  links.forEach((link, i) =>
    link.on('message', (_peer, bytes) => {
      managerOf[i]!.manager.handleMessage(managerOf[1 - i]!.id, bytes);
      handOver();
    }),
  );
  await Promise.all(links.map((link) => link.start()));

  const received = () => bob.events.filter((event) => event.type === 'payment_received').length;
  const paid = () => alice.events.filter((event) => event.type === 'payment_sent').length;
  const quiet = () => network.queue.length === 0 && links.every((link, i) => link.pendingCount(linkNodes[1 - i]!.id) === 0);
  const settled = (count: number) => received() >= count && alice.manager.balances()[0]!.pendingHtlcs === 0 && bob.manager.balances()[0]!.pendingHtlcs === 0;
  const request = (count: number) => alice.manager.payRequests(Array.from({ length: count }, () => bob.manager.receive(PAYMENT_MSAT, 800_000)));
  /** Moves time in small steps, starting the next round as soon as Alice has the last preimage, until all are settled and quiet. */
  const pump = async (total: number, nextRound?: () => void) => {
    for (let step = 0; step < 1_000_000; step++) {
      handOver();
      await clock.advance(10);
      nextRound?.();
      if (settled(total) && quiet()) {
        await clock.advance(5_000); // the last acks
        return;
      }
    }
    throw new Error('the payments did not complete');
  };

  // One payment first, so that the sessions are up and the handshake is not counted.
  alice.manager.pay(bob.id, handle, bob.manager.receive(PAYMENT_MSAT, 800_000));
  await pump(1);
  recording = true;
  let requested = 0;
  const nextRound = () => {
    if (requested < rounds * batch && paid() === 1 + requested) {
      request(batch);
      requested += batch;
    }
  };
  nextRound();
  await pump(1 + rounds * batch, nextRound);
  await Promise.all(links.map((link) => link.stop()));
  return { sent, rounds };
}

const runs = new Map<string, Promise<HopRun>>();
function hopRun(spreadingFactor: number, batch: number, rounds: number): Promise<HopRun> {
  const key = `${spreadingFactor}/${batch}/${rounds}`;
  if (!runs.has(key)) runs.set(key, paymentsOverOneHop(spreadingFactor, batch, rounds));
  return runs.get(key)!;
}

function airtimeMs(spreadingFactor: number, frames: number[]): number {
  const modulation = { spreadingFactor, bandwidthHz: BANDWIDTH_HZ, codingRate: 5, preambleSymbols: rnodePreambleSymbols(spreadingFactor, BANDWIDTH_HZ) };
  return frames.reduce((sum, bytes) => sum + timeOnAirMs(modulation, bytes), 0);
}

const SUSTAINED_ROUNDS = 10;

async function paymentsPerHour(spreadingFactor: number, batch: number): Promise<number> {
  const { sent, rounds } = await hopRun(spreadingFactor, batch, SUSTAINED_ROUNDS);
  const busiestSideMs = Math.max(...sent.map((frames) => airtimeMs(spreadingFactor, frames)));
  return (DUTY_CYCLE_MS_PER_HOUR / busiestSideMs) * batch * rounds;
}

const total = (run: HopRun) => [...run.sent[0], ...run.sent[1]];

export const loraFigures: Figure[] = [
  { key: 'link.onAirBytesPerHopPayment', unit: 'bytes', measure: async () => total(await hopRun(7, 1, 1)).reduce((sum, bytes) => sum + bytes, 0) },
  { key: 'lora.framesPerHopPayment.sf7', unit: 'frames', measure: async () => total(await hopRun(7, 1, 1)).length },
  { key: 'lora.airtimeMsPerHopPayment.sf7', unit: 'ms', measure: async () => airtimeMs(7, total(await hopRun(7, 1, 1))) },
  { key: 'lora.airtimeMsPerHopPayment.sf12', unit: 'ms', measure: async () => airtimeMs(12, total(await hopRun(12, 1, 1))) },
  { key: 'lora.paymentsPerHour.sf7', unit: 'payments/h', measure: () => paymentsPerHour(7, 1) },
  { key: 'lora.paymentsPerHour.sf12', unit: 'payments/h', measure: () => paymentsPerHour(12, 1) },
  { key: 'lora.paymentsPerHourBatched10.sf7', unit: 'payments/h', measure: () => paymentsPerHour(7, 10) },
];
