/**
 * One radio's mesh logic, as the firmware's routers do it (src/mesh/Router.cpp,
 * FloodingRouter.cpp, NextHopRouter.cpp, ReliableRouter.cpp; RoutingModule.cpp
 * for acks): sending (duty cycle, TOO_LARGE, the queue), receiving
 * (duplicates dropped by sender and id, delivery, acks), relaying (a flood:
 * hop limit down by one, hop start kept) and retransmission of want_ack
 * packets. What it simplifies is listed in radio-model.ts.
 */
import type { Clock } from '../../../node/core/clock.js';
import { PortNum, RoutingError, type MeshData, type MeshPacket } from '../../../transports/meshtastic/client-messages.js';
import { BROADCAST_NODE_NUMBER } from '../../../transports/meshtastic/node-number.js';
import { encodeRouting } from '../../../transports/meshtastic/routing.js';
import type { AirPacket, Hearing } from './ether.js';
import { encodedDataLength, MAX_LORA_PAYLOAD_LEN, onAirLength, PKC_OVERHEAD, HEADER_LENGTH } from './on-air.js';
import { Retransmissions } from './retransmissions.js';
import type { Transmitter } from './transmitter.js';
import type { TxAirtime } from './tx-airtime.js';
import { fixedPriority } from './tx-queue.js';

/** MeshTypes.h: ERRNO_OK, ERRNO_UNKNOWN (a full queue), and Routing.Error codes for the rest. */
export const ERRNO_OK = 0;
export const ERRNO_UNKNOWN = 32;

/** Ports the firmware never encrypts to a node's key (Router.cpp, wouldEncryptWithPKC). */
const NOT_PKI_PORTS: readonly number[] = [3, 4, PortNum.routing, 70];

export interface RouterParts {
  readonly nodeNum: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly dutyCyclePercent: number;
  readonly airtime: TxAirtime;
  readonly transmitter: Transmitter;
  readonly retransmissions: Retransmissions<Outgoing>;
  /** config.lora.hop_limit (default 3). */
  readonly hopLimit: number;
  /** Whether unicasts on channel 0 to a known node are encrypted to its key (firmware 2.5 and later: yes). */
  readonly pki: boolean;
  readonly knows: (nodeNum: number) => boolean;
  /** A packet for the client (MeshService::handleFromRadio / sendToPhone). */
  readonly toPhone: (packet: MeshPacket) => void;
  readonly log: (level: string, text: string) => void;
}

/** A packet this radio is about to send: Data not yet encrypted. */
export interface Outgoing {
  readonly from: number;
  readonly to: number;
  readonly id: number;
  readonly channel: number;
  readonly hopLimit: number;
  readonly wantAck: boolean;
  readonly priority: number;
  readonly data: MeshData;
}

const isBroadcast = (to: number) => to === BROADCAST_NODE_NUMBER;

export class MeshRouter {
  private seen = new Map<string, number>();
  private nextId: number;

  constructor(private readonly parts: RouterParts) {
    this.nextId = Math.floor(parts.random() * 0x3ff);
  }

  /** generatePacketId: a rolling counter in the low 10 bits, random above. */
  generateId(): number {
    this.nextId = (this.nextId + 1) & 0x3ff;
    return (this.nextId | (Math.floor(this.parts.random() * 0x1fffff) << 10)) >>> 0 || 1;
  }

  forget(): void {
    this.seen = new Map();
  }

  /** Router::sendLocal: to ourselves it is delivered; else it goes on the mesh (a broadcast is also delivered here). */
  sendLocal(packet: Outgoing, fromPhone: boolean): number {
    const { nodeNum } = this.parts;
    if (packet.to === nodeNum) {
      this.deliverLocal(packet);
      return ERRNO_OK;
    }
    if (isBroadcast(packet.to) && !fromPhone) this.deliverLocal(packet);
    const hopLimit = fromPhone && packet.wantAck && packet.hopLimit === 0 ? this.parts.hopLimit : packet.hopLimit;
    const outgoing = { ...packet, hopLimit };
    if (outgoing.wantAck) this.parts.retransmissions.start(outgoing);
    return this.send(outgoing);
  }

  /** Router::send for a packet we originate: duty cycle, encryption (sizes only), the queue. */
  send(packet: Outgoing): number {
    const refused = this.dutyCycleRefusal() ?? this.sizeRefusal(packet);
    if (refused !== undefined) {
      this.nakLocal(refused, packet);
      return refused;
    }
    return this.enqueue(this.toAir(packet), true, 0);
  }

  private dutyCycleRefusal(): number | undefined {
    const { dutyCyclePercent, airtime } = this.parts;
    if (dutyCyclePercent >= 100) return undefined;
    const used = airtime.utilizationPercent();
    if (used <= dutyCyclePercent) return undefined;
    this.parts.log('WARN', `Duty cycle limit exceeded. Aborting send for now (${used.toFixed(2)}% of the hour used)`);
    return RoutingError.DUTY_CYCLE_LIMIT;
  }

  private usesPki(packet: Outgoing): boolean {
    return this.parts.pki && !isBroadcast(packet.to) && packet.channel === 0 && !NOT_PKI_PORTS.includes(packet.data.portnum) && this.parts.knows(packet.to);
  }

  /** perhapsEncode: the encoded Data and the header must fit one LoRa packet (and the PKC overhead, when used). */
  private sizeRefusal(packet: Outgoing): number | undefined {
    const length = encodedDataLength(packet.data, true) + HEADER_LENGTH + (this.usesPki(packet) ? PKC_OVERHEAD : 0);
    return length > MAX_LORA_PAYLOAD_LEN ? RoutingError.TOO_LARGE : undefined;
  }

  private toAir(packet: Outgoing): AirPacket {
    const { data } = packet;
    const pki = this.usesPki(packet);
    const wantAck = isBroadcast(packet.to) ? false : packet.wantAck;
    return {
      from: this.parts.nodeNum, to: packet.to, id: packet.id, hopLimit: packet.hopLimit, hopStart: packet.hopLimit, wantAck,
      channel: pki ? 0 : packet.channel, pki, data,
      priority: fixedPriority(packet.priority, packet.wantAck, data.portnum, data.requestId, data.wantResponse),
      length: onAirLength(encodedDataLength(data, true), pki),
    };
  }

  private enqueue(packet: AirPacket, fromUs: boolean, rxSnr: number): number {
    return this.parts.transmitter.send({ packet, fromUs, rxSnr }) ? ERRNO_OK : ERRNO_UNKNOWN;
  }

  /** abortSendAndNak / sendAckNak to ourselves: a routing packet naming `about`, delivered to the client. */
  nakLocal(errorReason: number, about: Pick<Outgoing, 'id' | 'channel'>): void {
    this.parts.retransmissions.stop(this.parts.nodeNum, about.id);
    this.deliverLocal(this.routingPacket(this.parts.nodeNum, errorReason, about.id, about.channel, 0));
  }

  private routingPacket(to: number, errorReason: number, requestId: number, channel: number, hopLimit: number): Outgoing {
    const payload = encodeRouting({ kind: 'error', errorReason });
    const data: MeshData = { portnum: PortNum.routing, payload, wantResponse: false, requestId };
    return { from: this.parts.nodeNum, to, id: this.generateId(), channel, hopLimit, wantAck: false, priority: 0, data };
  }

  /** A packet for us handled by our own modules: the routing ones stop retransmissions; the client gets it. */
  private deliverLocal(packet: Outgoing): void {
    this.sniffRouting(packet.to, packet.data);
    this.parts.toPhone(phonePacket({ ...packet, hopStart: packet.hopLimit, pki: false, length: 0 }, undefined));
  }

  /** ReliableRouter::sniffReceived: an ack or nak for one of ours ends its retransmissions. */
  private sniffRouting(to: number, data: MeshData): void {
    if (to !== this.parts.nodeNum || data.portnum !== PortNum.routing || data.requestId === 0) return;
    this.parts.retransmissions.stop(this.parts.nodeNum, data.requestId);
  }

  /** A packet heard on the air (Router::perhapsHandleReceived and the routers' shouldFilterReceived). */
  hear(packet: AirPacket, hearing: Hearing): void {
    const { nodeNum } = this.parts;
    if (packet.from === nodeNum) return this.heardOurOwn(packet);
    const key = `${packet.from}:${packet.id}`;
    if (this.seen.has(key)) return this.heardAgain(packet, hearing);
    this.remember(key);
    const toUs = packet.to === nodeNum;
    if (toUs || isBroadcast(packet.to)) {
      this.sniffRouting(packet.to, packet.data);
      this.parts.toPhone(phonePacket(packet, hearing));
    }
    if (toUs && packet.wantAck) this.sendAck(packet);
    if (!toUs && packet.data.portnum === PortNum.routing && packet.data.requestId !== 0) {
      this.parts.transmitter.queue.remove(packet.to, packet.data.requestId, true); // the original needs no relay now
    }
    if (!toUs && packet.hopLimit > 0) this.rebroadcast(packet, hearing);
  }

  private remember(key: string): void {
    this.seen.set(key, this.parts.clock.now());
    if (this.seen.size > 400) this.seen.delete(this.seen.keys().next().value!);
  }

  /** ReliableRouter::shouldFilterReceived: a relay of our own packet is an implicit ack while we retry it. */
  private heardOurOwn(packet: AirPacket): void {
    if (!this.parts.retransmissions.has(this.parts.nodeNum, packet.id)) return;
    this.parts.log('DEBUG', 'generating implicit ack');
    this.nakLocal(RoutingError.NONE, packet);
  }

  /**
   * NextHopRouter::shouldFilterReceived for a duplicate: one sent straight by its originator (a retransmission)
   * is relayed again if ours has left the queue, or acked again when it is for us; another copy of one we are
   * about to relay cancels our relay (perhapsCancelDupe). Real acks are not resent otherwise.
   */
  private heardAgain(packet: AirPacket, hearing: Hearing): void {
    const toUs = packet.to === this.parts.nodeNum;
    const { queue } = this.parts.transmitter;
    if (packet.hopStart !== packet.hopLimit) {
      queue.remove(packet.from, packet.id, true);
      return;
    }
    if (queue.find(packet.from, packet.id)) return;
    if (toUs && packet.wantAck) this.sendAck(packet);
    else if (!toUs && packet.hopLimit > 0) this.rebroadcast(packet, hearing);
  }

  /** FloodingRouter: a copy with one hop less, after the SNR-weighted delay; relays are dropped silently past the duty cycle. */
  private rebroadcast(packet: AirPacket, hearing: Hearing): void {
    if (this.dutyCycleRefusal() !== undefined) return;
    this.enqueue({ ...packet, hopLimit: packet.hopLimit - 1 }, false, hearing.snr);
  }

  /** ReliableRouter::sniffReceived: an ack back to the sender, with RoutingModule::getHopLimitForResponse's hop limit. */
  private sendAck(packet: AirPacket): void {
    const hopsUsed = packet.hopStart - packet.hopLimit;
    const hopLimit = packet.hopStart !== 0 && hopsUsed + 2 < this.parts.hopLimit ? hopsUsed + 2 : this.parts.hopLimit;
    this.sendLocal(this.routingPacket(packet.from, RoutingError.NONE, packet.id, packet.channel, hopLimit), false);
  }
}

/** What the client gets: the packet decoded, with how it was heard. */
function phonePacket(packet: AirPacket, hearing: Hearing | undefined): MeshPacket {
  return {
    from: packet.from, to: packet.to, channel: packet.channel, decoded: packet.data, encrypted: undefined, id: packet.id,
    hopLimit: packet.hopLimit, hopStart: packet.hopStart, wantAck: packet.wantAck, priority: packet.priority,
    rxTime: 0, rxSnr: hearing?.snr ?? 0, rxRssi: hearing?.rssi ?? 0, pkiEncrypted: packet.pki,
  };
}
