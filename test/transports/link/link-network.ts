/**
 * Test helpers for the link layer: a virtual clock, a seeded random source,
 * and neighbours wired over one in-memory medium, so that a scenario (loss,
 * a partition of days, a reboot) reads like the scenario and runs in
 * milliseconds of real time.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Clock } from '../../../node/core/clock.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { type MemoryMedium, type MemoryMediumOptions, createMemoryMedium } from '../../../transports/memory.js';
import { Link, type LinkInit } from '../../../transports/link/link.js';
import { type LinkOutbox, MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import { newEphemeralKey } from '../../../transports/link/noise.js';
import { strangerActOne as actOneFromAStranger } from '../../../sim/stranger.js';
import type { Transport, TransportEvents } from '../../../transports/transport.js';
import { type LoRaModulation, timeOnAirMs } from '../../../transports/lora/airtime.js';
import { DutyCycleLimiter, EU868, type DutyCyclePolicy } from '../../../transports/lora/duty-cycle.js';
import { nodeKeyFromSecret } from '../../../node/core/node-key.js';

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
export const randomBytes = (length: number) => new Uint8Array(nodeRandomBytes(length));

/** Lets queued promise callbacks and microtask deliveries run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Time that moves only when told, running each timer in order and letting what it triggers settle before the next. */
export class VirtualClock implements Clock {
  private time = 0;
  private timers: { at: number; order: number; callback: () => void }[] = [];
  private order = 0;

  now(): number {
    return this.time;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), order: this.order++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }

  /** Moves time forward by `ms`, firing due timers one at a time. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
    await settle();
  }

  /** Advances in steps until `done()` or `limitMs` have passed; returns whether `done()` held. */
  async runUntil(done: () => boolean, limitMs: number, stepMs = 1000): Promise<boolean> {
    const end = this.time + limitMs;
    while (!done() && this.time < end) await this.advance(Math.min(stepMs, end - this.time));
    return done();
  }
}

/** mulberry32: a small seeded generator, so a lossy run is the same every time. */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let value = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Node {
  readonly name: string;
  readonly secretKey: Uint8Array;
  readonly id: string;
}

export function makeNode(name: string): Node {
  const secretKey = newEphemeralKey(randomBytes);
  return { name, secretKey, id: bytesToHex(publicKeyOf(secretKey)) };
}

/** What a link received, as "peerName:seq:hex", in order. */
export function inbox(link: Link, nodes: readonly Node[]): string[] {
  const received: string[] = [];
  link.on('message', (peer, message, seq) => received.push(`${nodes.find((node) => node.id === peer)?.name ?? peer}:${seq}:${hex(message)}`));
  return received;
}

export const TEST_TIMING = { retransmitBaseMs: 1000, retransmitMaxMs: 60_000, ackDelayMs: 50 } as const;

/** A link for `node` on `medium`, knowing `peers` by their names as addresses. */
export function createLink(
  medium: MemoryMedium,
  clock: VirtualClock,
  node: Node,
  peers: readonly Node[],
  options: { outbox?: LinkOutbox; init?: Partial<LinkInit>; transport?: Transport } = {},
): Link {
  return new Link(
    { transport: options.transport ?? medium.createTransport(node.name), clock, outbox: options.outbox ?? new MemoryLinkOutbox(), nodeKey: nodeKeyFromSecret(node.secretKey), randomBytes },
    {
      knownPeers: peers.map((peer) => peer.id),
      addresses: Object.fromEntries(peers.map((peer) => [peer.id, peer.name])),
      ...TEST_TIMING,
      ...options.init,
    },
  );
}

/** Alice and Bob, each knowing the other, on one medium with a virtual clock. */
export async function linkedPair(mediumOptions: Omit<MemoryMediumOptions, 'clock'> = {}, init: Partial<LinkInit> = {}) {
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ delayMs: 20, ...mediumOptions, clock });
  const alice = makeNode('alice');
  const bob = makeNode('bob');
  const aliceTransport = medium.createTransport(alice.name);
  const bobTransport = medium.createTransport(bob.name);
  const aliceLink = createLink(medium, clock, alice, [bob], { init, transport: aliceTransport });
  const bobLink = createLink(medium, clock, bob, [alice], { init, transport: bobTransport });
  await Promise.all([aliceLink.start(), bobLink.start()]);
  return { clock, medium, alice, bob, aliceLink, bobLink, aliceTransport, bobTransport, nodes: [alice, bob] };
}

/** A fresh act one from a stranger's key, to `responderId` (see `sim/stranger.ts`). */
export function strangerActOne(responderId: string, sessionId: number): Uint8Array {
  return actOneFromAStranger(randomBytes, responderId, sessionId);
}

/** Every drop counter of a link that is not zero. */
export function nonZeroDrops(link: Link): Record<string, number> {
  return Object.fromEntries(Object.entries(link.counters.dropped).filter(([, count]) => count > 0));
}

/**
 * A LoRa radio's pacing in front of a memory transport, as the LoRa transport
 * and the simulator's radio pace frames: one at a time, each when the one
 * before has left the antenna and the duty cycle allows; `send` resolves
 * when its frame goes on the air, and the frame reaches the medium its time
 * on air later. Under EU868 a burst beyond 36 s of airtime waits for the
 * hour's window to slide on.
 */
export class PacedRadio extends EventEmitter<TransportEvents> implements Transport {
  readonly mtu: number;
  /** Time on air of every frame sent, in ms. */
  airtimeMs = 0;
  private readonly limiter: DutyCycleLimiter;
  private readonly queue: { frame: Uint8Array; to: string | undefined; resolve: () => void }[] = [];
  private busyUntilMs = 0;
  private waking = false;

  constructor(
    private readonly inner: Transport,
    private readonly clock: Clock,
    policy: DutyCyclePolicy = EU868,
    private readonly modulation: LoRaModulation = { spreadingFactor: 7, bandwidthHz: 125_000, codingRate: 5 },
  ) {
    super();
    this.mtu = inner.mtu;
    this.limiter = new DutyCycleLimiter(clock, policy);
    inner.on('frame', (frame, from) => this.emit('frame', frame, from));
    inner.on('link', (up) => this.emit('link', up));
  }

  /** Frames waiting for the radio. */
  get queued(): number {
    return this.queue.length;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  close(): Promise<void> {
    for (const waiting of this.queue.splice(0)) waiting.resolve();
    return this.inner.close();
  }

  send(frame: Uint8Array, to?: string): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push({ frame: frame.slice(), to, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (!this.waking && this.queue.length > 0) {
      const head = this.queue[0]!;
      const airtimeMs = timeOnAirMs(this.modulation, head.frame.length);
      const now = this.clock.now();
      const start = Math.ceil(Math.max(now, this.busyUntilMs, this.limiter.whenCanSend(airtimeMs)));
      if (start > now) {
        this.waking = true;
        this.clock.setTimer(start - now, () => {
          this.waking = false;
          this.pump();
        });
        return;
      }
      this.queue.shift();
      this.limiter.record(now, airtimeMs);
      this.busyUntilMs = now + airtimeMs;
      this.airtimeMs += airtimeMs;
      this.clock.setTimer(Math.ceil(airtimeMs), () => void this.inner.send(head.frame, head.to).catch(() => undefined));
      head.resolve();
    }
  }
}
