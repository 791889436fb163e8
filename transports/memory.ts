/**
 * A medium in memory: transports attached to it by name reach each other, as
 * nodes on one broker or in radio range would. For tests and the simulator,
 * it models what a real medium does to frames (loss, delay, partitions, an
 * mtu) deterministically: randomness and time are injected.
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../node/core/clock.js';
import { TransportError, type Transport, type TransportEvents } from './transport.js';

export interface MemoryMediumOptions {
  /** Largest frame, in bytes. Default 255, as a LoRa frame, so that the layers above fragment. */
  mtu?: number;
  /** Chance in [0, 1] that a frame is lost on its way to each receiver. Default 0. */
  lossProbability?: number;
  /** Uniform in [0, 1): a seeded source makes a run repeatable. Default Math.random. */
  random?: () => number;
  /** Time a frame takes to arrive, in ms of `clock`. Default 0 (still asynchronous: never inside `send`). */
  delayMs?: number;
  /** Where delays are measured. Default the system clock; the simulator passes a virtual one. */
  clock?: Clock;
}

export interface MemoryMediumStats {
  /** Frames handed to `send` (a broadcast counts once). */
  sent: number;
  /** Copies handed to a receiver. */
  delivered: number;
  /** Copies lost by chance (`lossProbability`). */
  lost: number;
  /** Copies that met a cut link. */
  cut: number;
  /** Copies addressed to a name nobody holds (or who closed before it arrived). */
  unaddressed: number;
}

export class MemoryMedium {
  readonly mtu: number;
  readonly stats: MemoryMediumStats = { sent: 0, delivered: 0, lost: 0, cut: 0, unaddressed: 0 };
  private readonly lossProbability: number;
  private readonly random: () => number;
  private readonly delayMs: number;
  private readonly clock: Clock;
  private readonly attached = new Map<string, InMemoryTransport>();
  private readonly cuts = new Set<string>();

  constructor(options: MemoryMediumOptions = {}) {
    this.mtu = options.mtu ?? 255;
    this.lossProbability = options.lossProbability ?? 0;
    this.random = options.random ?? Math.random;
    this.delayMs = options.delayMs ?? 0;
    this.clock = options.clock ?? systemClock;
    if (!Number.isSafeInteger(this.mtu) || this.mtu < 1) throw new TransportError(`medium mtu must be a positive integer, got ${this.mtu}`);
    if (!(this.lossProbability >= 0 && this.lossProbability <= 1)) throw new TransportError(`lossProbability must be in [0, 1], got ${this.lossProbability}`);
    if (!(this.delayMs >= 0)) throw new TransportError(`delayMs must be at least 0, got ${this.delayMs}`);
  }

  /** A transport that will be reachable as `name` once opened. */
  createTransport(name: string): InMemoryTransport {
    return new InMemoryTransport(this, name);
  }

  /** Stops frames between `a` and `b`, both ways, including those already on their way. */
  cut(a: string, b: string): void {
    this.cuts.add(pairKey(a, b));
  }

  /** Undoes `cut`. */
  restore(a: string, b: string): void {
    this.cuts.delete(pairKey(a, b));
  }

  isCut(a: string, b: string): boolean {
    return this.cuts.has(pairKey(a, b));
  }

  /** @internal Called by `InMemoryTransport.open`. */
  attach(transport: InMemoryTransport): void {
    if (this.attached.has(transport.name)) throw new TransportError(`the name ${JSON.stringify(transport.name)} is already in use on this medium`);
    this.attached.set(transport.name, transport);
  }

  /** @internal Called by `InMemoryTransport.close`. */
  detach(transport: InMemoryTransport): void {
    if (this.attached.get(transport.name) === transport) this.attached.delete(transport.name);
  }

  /** @internal Called by `InMemoryTransport.send`: one copy per receiver, each lost, delayed or cut on its own. */
  transmit(from: string, frame: Uint8Array, to: string | undefined): void {
    this.stats.sent++;
    const receivers = to === undefined ? [...this.attached.keys()].filter((name) => name !== from) : [to];
    for (const receiver of receivers) {
      if (this.lossProbability > 0 && this.random() < this.lossProbability) {
        this.stats.lost++;
        continue;
      }
      const copy = frame.slice();
      const arrive = () => this.deliver(from, receiver, copy);
      if (this.delayMs > 0) this.clock.setTimer(this.delayMs, arrive);
      else queueMicrotask(arrive);
    }
  }

  private deliver(from: string, receiver: string, frame: Uint8Array): void {
    if (this.isCut(from, receiver)) {
      this.stats.cut++;
      return;
    }
    const transport = this.attached.get(receiver);
    if (!transport) {
      this.stats.unaddressed++;
      return;
    }
    this.stats.delivered++;
    transport.emit('frame', frame, from);
  }
}

export function createMemoryMedium(options: MemoryMediumOptions = {}): MemoryMedium {
  return new MemoryMedium(options);
}

/** One node's attachment to a `MemoryMedium`; its address there is `name`. */
export class InMemoryTransport extends EventEmitter<TransportEvents> implements Transport {
  private isOpen = false;

  constructor(
    readonly medium: MemoryMedium,
    readonly name: string,
  ) {
    super();
  }

  get mtu(): number {
    return this.medium.mtu;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.medium.attach(this);
    this.isOpen = true;
    this.emit('link', true);
  }

  /** Sends to the transport named `to`, or to every other one on the medium when `to` is undefined. */
  async send(frame: Uint8Array, to?: string): Promise<void> {
    if (!this.isOpen) throw new TransportError(`memory transport ${JSON.stringify(this.name)} is not open`);
    if (frame.length > this.mtu) throw new TransportError(`frame of ${frame.length} bytes is over the medium's mtu of ${this.mtu}`);
    this.medium.transmit(this.name, frame, to);
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.medium.detach(this);
    this.emit('link', false);
  }
}

function pairKey(a: string, b: string): string {
  return JSON.stringify(a < b ? [a, b] : [b, a]);
}
