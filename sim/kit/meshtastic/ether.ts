/**
 * The air between Meshtastic radio models, shared in process: who hears
 * whom (a directed link per pair, with a loss rate and the SNR and RSSI the
 * receiver reports), on which preset. A packet reaches each radio that hears
 * the sender, once it has been on the air for its whole time on air.
 */
import { InvalidInputError } from '../../../node/core/input.js';
import type { MeshData } from '../../../transports/meshtastic/client-messages.js';

/** A packet as it travels: the radio header's fields, the Data it carries, and its length on the air. */
export interface AirPacket {
  readonly from: number;
  readonly to: number;
  readonly id: number;
  readonly hopLimit: number;
  readonly hopStart: number;
  readonly wantAck: boolean;
  /** The channel index (the firmware sends a hash of the channel; the model keeps the index). */
  readonly channel: number;
  /** Encrypted to the destination's public key (12 bytes more on the air). */
  readonly pki: boolean;
  readonly priority: number;
  readonly data: MeshData;
  /** Bytes on the air: the 16-byte header and the encrypted Data. */
  readonly length: number;
}

export interface Hearing {
  /** The chance, 0..1, that a packet from the sender is lost on the way. */
  readonly loss: number;
  readonly snr: number;
  readonly rssi: number;
}

export interface EtherRadio {
  readonly nodeNum: number;
  readonly presetName: string;
  hear(packet: AirPacket, hearing: Hearing): void;
}

export interface Transmission {
  readonly sender: number;
  readonly packet: AirPacket;
  readonly startMs: number;
  readonly endMs: number;
}

const DEFAULT_HEARING: Hearing = { loss: 0, snr: 6, rssi: -80 };

export class MeshtasticEther {
  /** Every packet put on the air, in order: for tests and benchmarks that count frames and airtime. */
  readonly transmissions: Transmission[] = [];
  private readonly radios = new Map<number, EtherRadio>();
  private readonly links = new Map<string, Hearing>();

  constructor(private readonly random: () => number = Math.random) {}

  join(radio: EtherRadio): void {
    if (this.radios.has(radio.nodeNum)) throw new InvalidInputError('nodeNum', `node ${radio.nodeNum} is already on this ether`);
    this.radios.set(radio.nodeNum, radio);
  }

  leave(radio: EtherRadio): void {
    if (this.radios.get(radio.nodeNum) === radio) this.radios.delete(radio.nodeNum);
  }

  /** The node numbers on the ether: every model knows the others (as if their NodeInfo had been exchanged). */
  nodeNums(): number[] {
    return [...this.radios.keys()];
  }

  /** Lets `a` and `b` hear each other (both ways), with the given loss, SNR and RSSI. */
  link(a: number, b: number, hearing: Partial<Hearing> = {}): void {
    this.hears(a, b, hearing);
    this.hears(b, a, hearing);
  }

  /** Lets `receiver` hear `sender` (one way). */
  hears(sender: number, receiver: number, hearing: Partial<Hearing> = {}): void {
    const loss = hearing.loss ?? 0;
    if (!(loss >= 0 && loss <= 1)) throw new InvalidInputError('loss', `${String(loss)} is outside [0, 1]`);
    this.links.set(`${sender}>${receiver}`, { ...DEFAULT_HEARING, ...hearing });
  }

  /** Nobody hears the other any more, both ways. */
  cut(a: number, b: number): void {
    this.links.delete(`${a}>${b}`);
    this.links.delete(`${b}>${a}`);
  }

  /** A packet has been on the air from `sender` from `startMs` to `endMs`: every radio that hears it and is on its preset gets it. */
  carry(sender: EtherRadio, packet: AirPacket, startMs: number, endMs: number): void {
    this.transmissions.push({ sender: sender.nodeNum, packet, startMs, endMs });
    for (const radio of [...this.radios.values()]) {
      const hearing = this.links.get(`${sender.nodeNum}>${radio.nodeNum}`);
      if (radio === sender || !hearing || radio.presetName !== sender.presetName) continue;
      if (hearing.loss > 0 && this.random() < hearing.loss) continue;
      radio.hear(packet, hearing);
    }
  }
}
