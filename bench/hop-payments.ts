/**
 * Payments over one radio hop, all overhead included, for the `lora.` and
 * `meshtastic.` figures alike: two ChannelManagers whose messages go through
 * the link layer (sessions already up, acks and all) over an in-memory
 * medium with the radio's MTU, on virtual time. Every frame each side
 * transmits is recorded with the radio's own header bytes, for the figures
 * to price in time on air.
 *
 * Each round is `batch` payments requested at once (`payRequests`, sharing
 * messages and commitment signatures); Alice pays again as soon as she
 * learns the last round went through (its preimage), as a node with payments
 * to make would, so each round's first frame also carries the ack the last
 * one left owing. The recording ends with the last round's bare ack.
 */
import { createMemoryMedium } from '../transports/memory.js';
import { VirtualClock } from '../sim/kit/virtual-clock.js';
import { createLink } from '../sim/kit/test-link.js';
import { makeNode } from '../sim/kit/link-node.js';
import { createNetwork } from '../sim/kit/network.js';
import { openChannel } from '../sim/kit/channels.js';
import type { LinkInit } from '../transports/link/link.js';
import type { Transport } from '../transports/transport.js';

/** The radio under the hop: its largest frame, and the header bytes it adds to each (counted in `sent`). */
export interface HopRadio {
  readonly mtu: number;
  readonly headerBytes: number;
  /**
   * Alice's and Bob's transports (addressing each other as 'bob' and 'alice') on the run's clock, and the name of
   * that radio for sharing runs. Default: an in-memory medium at `mtu` that delivers each frame 50 ms after it is sent.
   */
  readonly transports?: { readonly name: string; readonly create: (clock: VirtualClock) => readonly [Transport, Transport] };
  /** The links' timing over this radio; default the link's own (5 s first retransmission, 200 ms ack delay). */
  readonly timing?: Partial<LinkInit>;
  /** How long the recording goes on once all is settled (the last acks, a radio's own retries): default 5 s. */
  readonly quietMs?: number;
}

/** 50,000 sat: above dust, so each HTLC has its output and its signature in every commitment. */
const PAYMENT_MSAT = 50_000_000;

export interface HopRun {
  /** Frame sizes each side transmitted, the radio's header included. */
  readonly sent: [number[], number[]];
  readonly rounds: number;
  /** The recording's virtual time, from the first round's request to the last ack (what a radio did then is the run's). */
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Runs `rounds` rounds of `batch` payments from Alice to Bob (a batch
 * requested together; each round once Alice knows the last one was paid)
 * and records every frame on the air.
 */
async function paymentsOverOneHop(radio: HopRadio, batch: number, rounds: number): Promise<HopRun> {
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ mtu: radio.mtu, delayMs: 50, clock });
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  // Room for ten rounds of ten 50,000-sat payments.
  const handle = openChannel(network, alice, bob, 8_000_000);

  // The link's keys stand beside the managers' (the daemon will use the node key for both).
  const linkNodes = [makeNode('alice'), makeNode('bob')] as const;
  const transports = radio.transports?.create(clock) ?? linkNodes.map((node) => medium.createTransport(node.name));
  const sent: [number[], number[]] = [[], []];
  let recording = false;
  transports.forEach((transport, i) => {
    const send = transport.send.bind(transport);
    transport.send = (frame, to) => {
      if (recording) sent[i]!.push(frame.length + radio.headerBytes);
      return send(frame, to);
    };
  });
  // The link's own timing defaults (an ack waits 200 ms for a message to ride on), not the tests' faster ones.
  const timing = { retransmitBaseMs: 5_000, retransmitMaxMs: 600_000, ackDelayMs: 200, ...radio.timing };
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
        await clock.advance(radio.quietMs ?? 5_000); // the last acks
        return;
      }
    }
    throw new Error('the payments did not complete');
  };

  // One payment first, so that the sessions are up and the handshake is not counted.
  alice.manager.pay(bob.id, handle, bob.manager.receive(PAYMENT_MSAT, 800_000));
  await pump(1);
  recording = true;
  const fromMs = clock.now();
  let requested = 0;
  const nextRound = () => {
    if (requested < rounds * batch && paid() === 1 + requested) {
      request(batch);
      requested += batch;
    }
  };
  nextRound();
  await pump(1 + rounds * batch, nextRound);
  recording = false; // each link's goodbye as it stops is not the payments'
  const toMs = clock.now();
  await stopOnClock(clock, links);
  return { sent, rounds, fromMs, toMs };
}

/** Stops the links: a stop waits for the frame on its way and the goodbyes, which on a radio leave on the run's clock, so time goes on meanwhile. */
async function stopOnClock(clock: VirtualClock, links: readonly { stop(): Promise<void> }[]): Promise<void> {
  let stopped = false;
  const stopping = Promise.all(links.map((link) => link.stop())).then(() => (stopped = true));
  while (!stopped) await clock.advance(100);
  await stopping;
}

const runs = new Map<string, Promise<HopRun>>();
/** One run per radio, batch and rounds, shared by the figures that read it. */
export function hopRun(radio: HopRadio, batch: number, rounds: number): Promise<HopRun> {
  const key = `${radio.mtu}/${radio.headerBytes}/${radio.transports?.name ?? 'memory'}/${batch}/${rounds}`;
  if (!runs.has(key)) runs.set(key, paymentsOverOneHop(radio, batch, rounds));
  return runs.get(key)!;
}

/** Every frame of a run, both sides. */
export const framesOf = (run: HopRun): number[] => [...run.sent[0], ...run.sent[1]];

/** Rounds of the sustained figures: ten, the last round's bare ack included. */
export const SUSTAINED_ROUNDS = 10;
