/**
 * The radio's transmit side (firmware RadioLibInterface.cpp): a packet waits
 * in the queue, then a random contention delay (our own: getTxDelayMsec;
 * a relay: getTxDelayMsecWeighted by the SNR it was heard with), then goes
 * on the air for its time on air; when done, its airtime is logged for the
 * duty cycle and the ether delivers it. One packet on the air at a time.
 */
import type { Clock } from '../../../node/core/clock.js';
import type { EtherRadio, MeshtasticEther } from './ether.js';
import { ownTxDelayMs, packetAirtimeMs, relayTxDelayMs, type ModemPreset } from './modem.js';
import type { TxAirtime } from './tx-airtime.js';
import { TxQueue, type Queued } from './tx-queue.js';

export interface TransmitterParts {
  readonly clock: Clock;
  readonly random: () => number;
  readonly preset: ModemPreset;
  readonly ether: MeshtasticEther;
  readonly airtime: TxAirtime;
  readonly radio: EtherRadio;
  /** A slot was freed (MeshService::loop tells the client when the queue had been full). */
  readonly onDequeued: () => void;
}

export class Transmitter {
  readonly queue = new TxQueue();
  /** Packets put on the air since boot. */
  sent = 0;
  private cancelDelay: (() => void) | undefined;
  private cancelAir: (() => void) | undefined;

  constructor(private readonly parts: TransmitterParts) {}

  /** Queues a packet; false when the queue refused it (ERRNO_UNKNOWN in the firmware). */
  send(item: Queued): boolean {
    if (!this.queue.enqueue(item)) return false;
    this.kick();
    return true;
  }

  get onAir(): boolean {
    return this.cancelAir !== undefined;
  }

  /** Everything forgotten (a reboot): the queue and the packet on the air, cut off. */
  reset(): void {
    this.cancelDelay?.();
    this.cancelAir?.();
    this.cancelDelay = undefined;
    this.cancelAir = undefined;
    this.queue.clear();
  }

  private kick(): void {
    const front = this.queue.peek();
    if (!front || this.cancelDelay || this.cancelAir) return;
    const { preset, random } = this.parts;
    const delay = front.fromUs ? ownTxDelayMs(preset, random) : relayTxDelayMs(preset, front.rxSnr, random);
    this.cancelDelay = this.parts.clock.setTimer(delay, () => {
      this.cancelDelay = undefined;
      this.startSend();
    });
  }

  private startSend(): void {
    const item = this.queue.dequeue();
    if (!item) return;
    this.parts.onDequeued();
    const { clock, preset } = this.parts;
    const airtimeMs = packetAirtimeMs(preset, item.packet.length);
    const startMs = clock.now();
    this.cancelAir = clock.setTimer(airtimeMs, () => {
      this.cancelAir = undefined;
      this.sent++;
      this.parts.airtime.log(airtimeMs);
      this.parts.ether.carry(this.parts.radio, item.packet, startMs, startMs + airtimeMs);
      this.kick();
    });
  }
}
