/**
 * A LoRa radio's pacing in front of a memory transport, as the LoRa transport
 * and the simulator's radio pace frames: one at a time, each when the one
 * before has left the antenna and the duty cycle allows; `send` resolves
 * when its frame goes on the air, and the frame reaches the medium its time
 * on air later. Under EU868 a burst beyond 36 s of airtime waits for the
 * hour's window to slide on.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../node/core/clock.js';
import { type LoRaModulation, timeOnAirMs } from '../../transports/lora/airtime.js';
import { DutyCycleLimiter, EU868, type DutyCyclePolicy } from '../../transports/lora/duty-cycle.js';
import { TransportError, type Transport, type TransportEvents } from '../../transports/transport.js';

export class PacedRadio extends EventEmitter<TransportEvents> implements Transport {
  readonly mtu: number;
  /** Time on air of every frame sent, in ms. */
  airtimeMs = 0;
  private readonly limiter: DutyCycleLimiter;
  private readonly queue: { frame: Uint8Array; to: string | undefined; resolve: () => void }[] = [];
  private busyUntilMs = 0;
  private waking = false;
  private isOpen = false;

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

  async open(): Promise<void> {
    await this.inner.open();
    this.isOpen = true;
  }

  close(): Promise<void> {
    this.isOpen = false;
    for (const waiting of this.queue.splice(0)) waiting.resolve();
    return this.inner.close();
  }

  /** Refuses, as the transport contract says, a frame over the mtu or sent while closed (behaves-as-a-transport.ts). */
  send(frame: Uint8Array, to?: string): Promise<void> {
    if (!this.isOpen) return Promise.reject(new TransportError('the paced radio is not open'));
    if (frame.length > this.mtu) return Promise.reject(new TransportError(`frame of ${frame.length} bytes is over the mtu of ${this.mtu}`));
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
