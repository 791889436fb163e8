/**
 * Retransmission of our want_ack packets (firmware ReliableRouter.cpp and
 * NextHopRouter.cpp: startRetransmission, doRetransmissions, setNextTx).
 * NUM_RELIABLE_RETX is 3: the first send and two retransmissions, each
 * getRetransmissionMsec after the last (two airtimes, the contention
 * slots, 4.5 s of processing); when the last has gone unanswered the client
 * gets a MAX_RETRANSMIT nak. An ack or nak for the packet, or hearing it
 * relayed (an implicit ack), stops it.
 *
 * Simplified: the firmware also pushes every pending deadline back by the
 * airtime of each packet sent or heard meanwhile, raises the coding rate of
 * a retransmission (newest firmware), and has relays retransmit once when
 * next-hop routing is in use; the model does none of these.
 */
import type { Clock } from '../../../node/core/clock.js';

/** NextHopRouter.h: NUM_RELIABLE_RETX, the transmissions in all (the first included). */
export const NUM_RELIABLE_RETX = 3;

interface Pending<Packet> {
  readonly packet: Packet;
  left: number;
  cancel: () => void;
}

export interface RetransmissionParts<Packet> {
  readonly clock: Clock;
  readonly delayMs: (packet: Packet) => number;
  readonly resend: (packet: Packet) => void;
  readonly giveUp: (packet: Packet) => void;
}

export class Retransmissions<Packet extends { readonly id: number }> {
  private pending = new Map<number, Pending<Packet>>();

  constructor(private readonly parts: RetransmissionParts<Packet>) {}

  /** The first send has happened (or is about to): retry twice more unless stopped. */
  start(packet: Packet): void {
    this.stopId(packet.id);
    const record: Pending<Packet> = { packet, left: NUM_RELIABLE_RETX - 1, cancel: () => undefined };
    this.pending.set(packet.id, record);
    this.arm(record);
  }

  has(_from: number, id: number): boolean {
    return this.pending.has(id);
  }

  /** stopRetransmission; only our own packets are retried, so the id names one. */
  stop(_from: number, id: number): boolean {
    return this.stopId(id);
  }

  get size(): number {
    return this.pending.size;
  }

  clear(): void {
    for (const record of this.pending.values()) record.cancel();
    this.pending = new Map();
  }

  private stopId(id: number): boolean {
    const record = this.pending.get(id);
    if (!record) return false;
    record.cancel();
    this.pending.delete(id);
    return true;
  }

  private arm(record: Pending<Packet>): void {
    record.cancel = this.parts.clock.setTimer(this.parts.delayMs(record.packet), () => this.fire(record));
  }

  private fire(record: Pending<Packet>): void {
    if (this.pending.get(record.packet.id) !== record) return;
    if (record.left === 0) {
      this.pending.delete(record.packet.id);
      this.parts.giveUp(record.packet);
      return;
    }
    record.left--;
    this.arm(record);
    this.parts.resend(record.packet);
  }
}
