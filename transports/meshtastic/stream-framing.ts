/**
 * The framing of Meshtastic's client API on a byte stream (USB serial, or TCP
 * port 4403): each packet is 0x94 0xC3, its length as 2 bytes big-endian, then
 * that many bytes of protobuf (`ToRadio` to the radio, `FromRadio` from it).
 * The firmware refuses lengths over 512 (MAX_TO_FROM_RADIO_SIZE, the largest
 * BLE packet: firmware src/mesh/PhoneAPI.h) and looks for the magic again
 * (src/mesh/StreamAPI.cpp, StreamAPI::readStream). Bytes outside packets are
 * the radio's debug console. There is no checksum: a garbled length is only
 * caught when it is over 512, and a frame cut short swallows the start of the
 * next one (`reset()` after reopening the port).
 */
import { InvalidInputError, checkBytes } from '../../node/core/input.js';
import { ConsoleLines } from './console-lines.js';

/** The magic (firmware StreamAPI.cpp: START1, START2). */
export const START1 = 0x94;
export const START2 = 0xc3;
/** Magic and length. */
export const HEADER_LENGTH = 4;
/** The longest protobuf a frame may carry (firmware MAX_TO_FROM_RADIO_SIZE). */
export const MAX_PACKET_LENGTH = 512;

/**
 * What the official Python client writes before its first packet (32 times
 * START2, meshtastic/python stream_interface.py `connect`): wakes a sleeping
 * radio and, not being START1, makes a parser caught inside a header look
 * for the magic again.
 */
export function wakeBytes(): Uint8Array {
  return new Uint8Array(32).fill(START2);
}

/** One packet as it goes on the stream: header, then the protobuf. */
export function encodeFrame(packet: Uint8Array): Uint8Array {
  checkBytes('packet', packet);
  if (packet.length > MAX_PACKET_LENGTH) throw new InvalidInputError('packet', `${packet.length} bytes, over the ${MAX_PACKET_LENGTH} a frame may carry`);
  const frame = new Uint8Array(HEADER_LENGTH + packet.length);
  frame[0] = START1;
  frame[1] = START2;
  frame[2] = packet.length >> 8;
  frame[3] = packet.length & 0xff;
  frame.set(packet, HEADER_LENGTH);
  return frame;
}

/** What a stream yields, in the order it came. */
export type StreamItem =
  /** A framed protobuf (possibly empty: a zero length is a valid, empty message). */
  | { readonly kind: 'packet'; readonly packet: Uint8Array }
  /** A line of the radio's debug console (bytes outside frames). */
  | { readonly kind: 'console'; readonly line: string }
  /** A header whose length was over 512: its magic was taken for console bytes and the search went on. */
  | { readonly kind: 'bad-length'; readonly length: number };

export interface FrameDecoderStats {
  packets: number;
  badLengths: number;
  /** Bytes that were outside any frame. */
  consoleBytes: number;
}

/**
 * Turns a stream, cut into chunks anywhere, into packets and console lines.
 * Holds at most one frame (516 bytes) and one console line. Unlike the
 * firmware, which drops a bad header's 4 bytes, this searches its 2 length
 * bytes again, so a real frame starting there is not lost.
 */
export class FrameDecoder {
  readonly stats: FrameDecoderStats = { packets: 0, badLengths: 0, consoleBytes: 0 };
  readonly console: ConsoleLines;
  private readonly frame = new Uint8Array(HEADER_LENGTH + MAX_PACKET_LENGTH);
  private length = 0;

  constructor(options: { maxConsoleLineBytes?: number; keptConsoleLines?: number } = {}) {
    this.console = new ConsoleLines(options.maxConsoleLineBytes, options.keptConsoleLines);
  }

  /** Feeds received bytes; returns what they completed, in order. */
  push(chunk: Uint8Array): StreamItem[] {
    checkBytes('chunk', chunk);
    const items: StreamItem[] = [];
    for (const byte of chunk) this.take(byte, items);
    return items;
  }

  /** Bytes held of a frame not yet complete: a transport that sees this stay above 0 for long may `reset()`. */
  get pendingBytes(): number {
    return this.length;
  }

  /** Forgets a partly received frame (the port was reopened, the radio rebooted); the counts stay. */
  reset(): void {
    this.length = 0;
  }

  private take(byte: number, items: StreamItem[]): void {
    if (this.length === 0) {
      if (byte === START1) this.frame[this.length++] = byte;
      else this.outside(byte, items);
    } else if (this.length === 1) {
      if (byte === START2) this.frame[this.length++] = byte;
      else {
        this.length = 0;
        this.outside(START1, items);
        this.take(byte, items);
      }
    } else {
      this.frame[this.length++] = byte;
      if (this.length === HEADER_LENGTH) this.headerDone(items);
      else if (this.length === HEADER_LENGTH + this.declaredLength()) this.emit(items);
    }
  }

  private headerDone(items: StreamItem[]): void {
    const declared = this.declaredLength();
    if (declared === 0) return this.emit(items);
    if (declared <= MAX_PACKET_LENGTH) return;
    this.stats.badLengths++;
    items.push({ kind: 'bad-length', length: declared });
    const [lengthHigh, lengthLow] = [this.frame[2] ?? 0, this.frame[3] ?? 0];
    this.length = 0;
    this.outside(START1, items);
    this.outside(START2, items);
    this.take(lengthHigh, items);
    this.take(lengthLow, items);
  }

  private declaredLength(): number {
    return ((this.frame[2] ?? 0) << 8) | (this.frame[3] ?? 0);
  }

  private emit(items: StreamItem[]): void {
    this.stats.packets++;
    items.push({ kind: 'packet', packet: this.frame.slice(HEADER_LENGTH, this.length) });
    this.length = 0;
  }

  private outside(byte: number, items: StreamItem[]): void {
    this.stats.consoleBytes++;
    const line = this.console.push(byte);
    if (line !== undefined) items.push({ kind: 'console', line });
  }
}
