/**
 * The radio's transmit queue (firmware src/mesh/MeshPacketQueue.cpp, 16
 * slots: MAX_TX_QUEUE in RadioInterface.h): ordered by priority, relayed
 * packets before our own at equal priority, stable otherwise. When full, a
 * new packet takes the place of the last one if that has a lower priority
 * (the evicted packet is dropped without a word); else it is refused.
 */
import { PortNum, Priority } from '../../../transports/meshtastic/client-messages.js';
import type { AirPacket } from './ether.js';

export const MAX_TX_QUEUE = 16;

export interface Queued {
  readonly packet: AirPacket;
  /** Originated here (not a relay): no SNR-weighted delay. */
  readonly fromUs: boolean;
  /** The SNR a relayed packet was heard with (weights the relay delay). */
  readonly rxSnr: number;
}

/** fixPriority (MeshPacketQueue.cpp): what an unset priority becomes. */
export function fixedPriority(priority: number, wantAck: boolean, portnum: number, requestId: number, wantResponse: boolean): number {
  if (priority !== Priority.unset) return priority;
  if (portnum === PortNum.routing) return Priority.ack;
  if (portnum === PortNum.textMessage || portnum === ADMIN_APP) return Priority.high;
  if (requestId !== 0) return Priority.response;
  if (wantResponse || wantAck) return Priority.reliable;
  return Priority.default;
}

const ADMIN_APP = 6;

/** CompareMeshPacketFunc: whether `a` goes before `b`. */
function before(a: Queued, b: Queued): boolean {
  if (a.packet.priority !== b.packet.priority) return a.packet.priority > b.packet.priority;
  return !a.fromUs && b.fromUs;
}

export class TxQueue {
  private items: Queued[] = [];

  constructor(readonly maxLen = MAX_TX_QUEUE) {}

  get length(): number {
    return this.items.length;
  }

  get free(): number {
    return this.maxLen - this.items.length;
  }

  /** Queues `item`, evicting a lower-priority packet when full; false when refused. */
  enqueue(item: Queued): boolean {
    if (this.items.length >= this.maxLen) {
      const last = this.items[this.items.length - 1];
      if (!last || last.packet.priority >= item.packet.priority) return false;
      this.items.pop();
    }
    const at = this.items.findIndex((queued) => before(item, queued));
    this.items.splice(at === -1 ? this.items.length : at, 0, item);
    return true;
  }

  peek(): Queued | undefined {
    return this.items[0];
  }

  dequeue(): Queued | undefined {
    return this.items.shift();
  }

  find(from: number, id: number): boolean {
    return this.items.some((item) => item.packet.from === from && item.packet.id === id);
  }

  /** Takes a packet out (cancelSending); true when it was there. */
  remove(from: number, id: number, relayOnly = false): boolean {
    const at = this.items.findIndex((item) => item.packet.from === from && item.packet.id === id && !(relayOnly && item.fromUs));
    if (at === -1) return false;
    this.items.splice(at, 1);
    return true;
  }

  clear(): void {
    this.items = [];
  }
}
