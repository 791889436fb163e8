/**
 * Fragmentation: a message larger than one frame goes as numbered fragments,
 * each sized so that its sealed frame fits the transport's MTU, and the
 * receiver puts them back together.
 *
 * A message's split depends only on its length, its sequence and the MTU, so
 * a retransmission (even after a reboot) sends the very same fragments and
 * the receiver can combine copies from different frames and sessions. The
 * split leaves 2 bytes in each frame for a bare ack to ride along
 * (delivered-up-to below 16,384): an ack waiting for a frame the other way
 * then never needs one of its own. A message that fits one frame goes
 * whole: its fragment has no index (`FLAG_WHOLE`).
 *
 * The receiver holds fragments in memory per peer, bounded: a message may
 * not exceed `maxMessageBytes`, all the fragments held for one peer may not
 * exceed `maxBufferedBytes`, and only messages close after the last one
 * delivered are held. Whatever would go beyond is dropped (and counted by the
 * caller); the sender retransmits what was not acknowledged.
 */
import { MAX_ACK_BITMAP_BYTES, MAX_FRAGMENTS, MAX_SESSION_ID, type AckEntry, type Fragment, varintLength } from './frame.js';
import { FRAME_TAG_LENGTH } from './frame-aead.js';

/** The most a sealed frame's header and tag take: type, session id, the counter's low byte, tag. */
export const SEALED_FRAME_OVERHEAD = 1 + varintLength(MAX_SESSION_ID) + 1 + FRAME_TAG_LENGTH;
/** Room the split keeps in each frame for a bare ack to ride along. */
export const ACK_ROOM_BYTES = 2;
/** Fragments in a message whose index fits one varint byte (index * 2 + 1 < 128). */
const ONE_BYTE_INDEX_FRAGMENTS = 64;
/** What the receiver counts a held fragment as beyond its data: so that a flood of empty fragments is bounded too. */
export const FRAGMENT_BOOKKEEPING_BYTES = 32;

/** A message that cannot be split for this MTU: the MTU leaves no room for data, or it needs too many fragments. */
export class FragmentError extends Error {
  override name = 'FragmentError';
}

/** How many data bytes each fragment of a `length`-byte message with sequence `seq` carries at this MTU. */
export function fragmentDataSize(mtu: number, seq: number, length: number): number {
  const room = mtu - SEALED_FRAME_OVERHEAD - ACK_ROOM_BYTES - varintLength(seq);
  // A message that fits one frame goes whole, without an index (`FLAG_WHOLE`).
  if (length <= room && room >= 1) return room;
  const withOneByteIndex = room - 1;
  if (withOneByteIndex >= 1 && Math.ceil(length / withOneByteIndex) <= ONE_BYTE_INDEX_FRAGMENTS) return withOneByteIndex;
  const withTwoByteIndex = room - 2;
  if (withTwoByteIndex < 1) throw new FragmentError(`an mtu of ${mtu} bytes leaves no room for data after the ${SEALED_FRAME_OVERHEAD + ACK_ROOM_BYTES + varintLength(seq) + 2}-byte frame overhead`);
  if (Math.ceil(length / withTwoByteIndex) > MAX_FRAGMENTS) {
    throw new FragmentError(`a message of ${length} bytes needs more than ${MAX_FRAGMENTS} fragments of ${withTwoByteIndex} bytes at an mtu of ${mtu}`);
  }
  return withTwoByteIndex;
}

/** Splits message `seq` into fragments whose sealed frames (without an ack) fit `mtu`. An empty message is one empty fragment. */
export function splitMessage(message: Uint8Array, seq: number, mtu: number): Fragment[] {
  const size = fragmentDataSize(mtu, seq, message.length);
  const count = Math.max(1, Math.ceil(message.length / size));
  const fragments: Fragment[] = [];
  for (let index = 0; index < count; index++) {
    fragments.push({ seq, index, last: index === count - 1, data: message.subarray(index * size, (index + 1) * size) });
  }
  return fragments;
}

export interface ReassemblyLimits {
  /** The largest message accepted, in bytes. */
  readonly maxMessageBytes: number;
  /** All fragments held for this peer, in bytes (each counted with `FRAGMENT_BOOKKEEPING_BYTES`). */
  readonly maxBufferedBytes: number;
  /** Messages held at most this far after the last delivered one. */
  readonly maxMessagesAhead: number;
}

/**
 * What became of a fragment. `duplicate`: already held or already delivered;
 * `oversized`: its message would exceed `maxMessageBytes` (the message is dropped);
 * `inconsistent`: it contradicts fragments held for its message (those are dropped, this one kept);
 * `full`: no room within `maxBufferedBytes`; `too-far-ahead`: beyond `maxMessagesAhead`.
 */
export type ReassemblyOutcome = 'stored' | 'complete' | 'duplicate' | 'oversized' | 'inconsistent' | 'full' | 'too-far-ahead';

interface PartialMessage {
  readonly fragments: Map<number, Uint8Array>;
  /** Known once the last fragment arrived. */
  count: number | undefined;
  dataBytes: number;
  cost: number;
}

/** The fragments held for one peer, by message sequence. */
export class Reassembly {
  private readonly messages = new Map<number, PartialMessage>();
  private buffered = 0;

  constructor(private readonly limits: ReassemblyLimits) {}

  /** Bytes held now (with bookkeeping): never above `maxBufferedBytes`. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  add(fragment: Fragment, deliveredUpTo: number): ReassemblyOutcome {
    const { seq, index, last, data } = fragment;
    if (seq <= deliveredUpTo) return 'duplicate';
    if (seq > deliveredUpTo + this.limits.maxMessagesAhead) return 'too-far-ahead';
    let outcome: ReassemblyOutcome = 'stored';
    let message = this.messages.get(seq);
    if (message) {
      if (message.fragments.has(index)) return 'duplicate';
      const contradicts = message.count !== undefined ? index >= message.count || last : last && [...message.fragments.keys()].some((held) => held > index);
      if (contradicts) {
        this.remove(seq);
        message = undefined;
        outcome = 'inconsistent';
      }
    }
    const cost = data.length + FRAGMENT_BOOKKEEPING_BYTES;
    if ((message?.dataBytes ?? 0) + data.length > this.limits.maxMessageBytes) {
      this.remove(seq);
      return 'oversized';
    }
    if (!this.makeRoom(cost, seq, deliveredUpTo)) return 'full';
    if (!message) {
      message = { fragments: new Map(), count: undefined, dataBytes: 0, cost: 0 };
      this.messages.set(seq, message);
    }
    message.fragments.set(index, Uint8Array.from(data));
    message.dataBytes += data.length;
    message.cost += cost;
    this.buffered += cost;
    if (last) message.count = index + 1;
    return message.count !== undefined && message.fragments.size === message.count ? 'complete' : outcome;
  }

  /** The whole message `seq` if all its fragments are here (and then forgets it), else undefined. */
  takeComplete(seq: number): Uint8Array | undefined {
    const message = this.messages.get(seq);
    if (!message || message.count === undefined || message.fragments.size !== message.count) return undefined;
    const whole = new Uint8Array(message.dataBytes);
    let offset = 0;
    for (let index = 0; index < message.count; index++) {
      const data = message.fragments.get(index)!;
      whole.set(data, offset);
      offset += data.length;
    }
    this.remove(seq);
    return whole;
  }

  /** Forgets every message up to `seq` (delivered, e.g. by an earlier session). */
  forgetThrough(seq: number): void {
    for (const held of [...this.messages.keys()]) if (held <= seq) this.remove(held);
  }

  /** What the receiver has of the first `max` messages after `deliveredUpTo`, for a selective ack. */
  ackEntries(deliveredUpTo: number, max: number): AckEntry[] {
    const sequences = [...this.messages.keys()].filter((seq) => seq > deliveredUpTo).sort((a, b) => a - b);
    return sequences.slice(0, max).map((seq) => {
      const message = this.messages.get(seq)!;
      let receivedPrefix = 0;
      while (message.fragments.has(receivedPrefix)) receivedPrefix++;
      const bitmap = new Uint8Array(MAX_ACK_BITMAP_BYTES);
      let length = 0;
      for (let bit = 0; bit < MAX_ACK_BITMAP_BYTES * 8; bit++) {
        if (message.fragments.has(receivedPrefix + 1 + bit)) {
          bitmap[bit >> 3]! |= 1 << (bit & 7);
          length = (bit >> 3) + 1;
        }
      }
      return { seq, receivedPrefix, bitmap: bitmap.slice(0, length) };
    });
  }

  /** Frees room for `cost` bytes; only the next message due may push out messages after it. */
  private makeRoom(cost: number, seq: number, deliveredUpTo: number): boolean {
    if (this.buffered + cost <= this.limits.maxBufferedBytes) return true;
    if (seq !== deliveredUpTo + 1 || cost > this.limits.maxBufferedBytes) return false;
    const later = [...this.messages.keys()].filter((held) => held > seq).sort((a, b) => b - a);
    for (const held of later) {
      this.remove(held);
      if (this.buffered + cost <= this.limits.maxBufferedBytes) return true;
    }
    return this.buffered + cost <= this.limits.maxBufferedBytes;
  }

  private remove(seq: number): void {
    const message = this.messages.get(seq);
    if (!message) return;
    this.buffered -= message.cost;
    this.messages.delete(seq);
  }
}

/** The fragment indexes an ack entry says were received, beyond its prefix. */
export function bitmapIndexes(entry: AckEntry): number[] {
  const indexes: number[] = [];
  entry.bitmap.forEach((byte, byteIndex) => {
    for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) indexes.push(entry.receivedPrefix + 1 + byteIndex * 8 + bit);
  });
  return indexes;
}
