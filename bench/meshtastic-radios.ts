/**
 * Two Meshtastic radios in range on virtual time, for the `meshtastic.`
 * figures: the radio model's firmware logic (sim/kit/meshtastic: its router
 * with the destination's routing acks, implicit acks and up to 3
 * transmissions of a want_ack packet; the transmitter with its contention
 * delay and time on air; the ether with its loss) without its serial port,
 * so that a payment at LongFast runs in a second of wall clock. Each end is
 * a `Transport` sending as `MeshtasticTransport` does: a direct message on
 * PRIVATE_APP, channel 0 (so encrypted to the neighbour's key), hop limit 1,
 * `want_ack` as asked. No duty cycle here (the figures price airtime
 * against EU_868's 10% themselves) and no client API: a frame goes to the
 * radio at once and comes out of the other as soon as it is heard.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../node/core/clock.js';
import { PortNum, RoutingError, type MeshPacket } from '../transports/meshtastic/client-messages.js';
import { dataWithDefaults } from '../transports/meshtastic/mesh-packet.js';
import { MESHTASTIC_MTU } from '../transports/meshtastic/meshtastic-options.js';
import { TransportError, type Transport, type TransportEvents } from '../transports/transport.js';
import { MeshtasticEther, type AirPacket, type EtherRadio, type Hearing } from '../sim/kit/meshtastic/ether.js';
import { MeshRouter, type Outgoing } from '../sim/kit/meshtastic/mesh-router.js';
import { MODEM_PRESETS, PROCESSING_TIME_MS, retransmissionDelayMs, type ModemPresetName } from '../sim/kit/meshtastic/modem.js';
import { encodedDataLength, HEADER_LENGTH } from '../sim/kit/meshtastic/on-air.js';
import { Retransmissions } from '../sim/kit/meshtastic/retransmissions.js';
import { Transmitter } from '../sim/kit/meshtastic/transmitter.js';
import { TxAirtime } from '../sim/kit/meshtastic/tx-airtime.js';
import { seededRandom } from '../sim/kit/random.js';

export interface RadioPairOptions {
  readonly clock: Clock;
  readonly preset: ModemPresetName;
  readonly wantAck: boolean;
  /** The chance that a packet is lost between the two, each way (the ether's loss). */
  readonly loss: number;
  readonly seed: number;
}

/** One end: a radio's firmware logic and the transport lnmesh's link sends through. */
class BenchRadio extends EventEmitter<TransportEvents> implements Transport, EtherRadio {
  readonly mtu = MESHTASTIC_MTU;
  readonly presetName: string;
  private readonly router: MeshRouter;
  private readonly peers = new Map<string, number>();

  constructor(
    readonly nodeNum: number,
    private readonly ether: MeshtasticEther,
    private readonly options: RadioPairOptions,
  ) {
    super();
    const { clock, seed } = options;
    const random = seededRandom(seed + nodeNum);
    const preset = MODEM_PRESETS[options.preset];
    this.presetName = preset.name;
    const airtime = new TxAirtime(clock);
    const transmitter = new Transmitter({ clock, random, preset, ether, airtime, radio: this, onDequeued: () => undefined });
    const retransmissions: Retransmissions<Outgoing> = new Retransmissions<Outgoing>({
      clock,
      delayMs: (packet) => retransmissionDelayMs(preset, encodedDataLength(packet.data, false) + HEADER_LENGTH, PROCESSING_TIME_MS),
      resend: (packet) => this.router.send(packet),
      giveUp: (packet) => this.router.nakLocal(RoutingError.MAX_RETRANSMIT, packet),
    });
    this.router = new MeshRouter({
      nodeNum, clock, random, dutyCyclePercent: 100, airtime, transmitter, retransmissions, hopLimit: 3, pki: true,
      knows: (other) => ether.nodeNums().includes(other),
      toPhone: (packet) => this.toClient(packet),
      log: () => undefined,
    });
    ether.join(this);
  }

  /** `name` is the neighbour's address for the link; `nodeNum` its radio. */
  knowPeer(name: string, nodeNum: number): void {
    this.peers.set(name, nodeNum);
  }

  async open(): Promise<void> {}

  async close(): Promise<void> {
    this.ether.leave(this);
  }

  async send(frame: Uint8Array, to?: string): Promise<void> {
    const peer = to === undefined ? undefined : this.peers.get(to);
    if (peer === undefined) throw new TransportError(`no radio for ${String(to)}: expected one of ${[...this.peers.keys()].join(', ')}`);
    if (frame.length > this.mtu) throw new TransportError(`a frame of ${frame.length} bytes is over the MTU (${this.mtu})`);
    const data = dataWithDefaults({ portnum: PortNum.privateApp, payload: frame });
    this.router.sendLocal({ from: this.nodeNum, to: peer, id: this.router.generateId(), channel: 0, hopLimit: 1, wantAck: this.options.wantAck, priority: 0, data }, true);
  }

  hear(packet: AirPacket, hearing: Hearing): void {
    this.router.hear(packet, hearing);
  }

  /** What the client API would hand lnmesh: our port, to us; acks and naks stay with the radio. */
  private toClient(packet: MeshPacket): void {
    if (packet.to !== this.nodeNum || packet.decoded?.portnum !== PortNum.privateApp) return;
    const from = [...this.peers].find(([, num]) => num === packet.from)?.[0];
    this.emit('frame', packet.decoded.payload, from);
  }
}

/** Alice's and Bob's radios in range of each other, and the ether that records every packet either puts on the air. */
export function radioPair(options: RadioPairOptions): { ether: MeshtasticEther; transports: [Transport, Transport] } {
  const ether = new MeshtasticEther(seededRandom(options.seed));
  const alice = new BenchRadio(0x0a11ce00, ether, options);
  const bob = new BenchRadio(0x0b0b0000, ether, options);
  alice.knowPeer('bob', bob.nodeNum);
  bob.knowPeer('alice', alice.nodeNum);
  ether.link(alice.nodeNum, bob.nodeNum, { loss: options.loss });
  return { ether, transports: [alice, bob] };
}
