/**
 * Frames on a serial line: COBS(payload || CRC-32, little-endian), then 0x00.
 *
 * COBS leaves no zero inside a frame, so 0x00 always means "end of frame":
 * a receiver that starts listening mid-frame, or loses bytes, is back in step
 * at the next zero. The CRC catches what the line garbles. Whatever fails
 * either check is dropped and counted, never handed up: the link layer above
 * retransmits.
 */
import { CobsDecodeError, cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs.js';
import { crc32 } from './crc32.js';

export const FRAME_DELIMITER = 0x00;
const CRC_LENGTH = 4;

/** The bytes to write for one frame, delimiter included. */
export function encodeSerialFrame(payload: Uint8Array): Uint8Array {
  const withCrc = new Uint8Array(payload.length + CRC_LENGTH);
  withCrc.set(payload);
  new DataView(withCrc.buffer).setUint32(payload.length, crc32(payload), true);
  const encoded = cobsEncode(withCrc);
  const frame = new Uint8Array(encoded.length + 1);
  frame.set(encoded);
  frame[encoded.length] = FRAME_DELIMITER;
  return frame;
}

/** The most bytes a frame with a payload of `payloadLength` takes on the wire, delimiter included. */
export function serialFrameMaxLength(payloadLength: number): number {
  return cobsMaxEncodedLength(payloadLength + CRC_LENGTH) + 1;
}

export interface SerialFrameStats {
  /** Frames delivered. */
  frames: number;
  /** Frames dropped for bad COBS, a wrong CRC, or too short to hold a CRC. */
  corrupt: number;
  /** Frames dropped because they grew past the largest payload allowed before their delimiter came. */
  oversized: number;
}

export type SerialFrameResult =
  | { kind: 'frame'; payload: Uint8Array }
  | { kind: 'dropped'; reason: 'corrupt' | 'oversized'; detail: string };

/**
 * Cuts a byte stream, in chunks of any size, into payloads. Holds at most one
 * frame's worth of bytes: a frame that grows past the limit is skipped up to
 * its delimiter.
 */
export class SerialFrameDecoder {
  readonly stats: SerialFrameStats = { frames: 0, corrupt: 0, oversized: 0 };
  private readonly buffer: Uint8Array;
  private length = 0;
  private discarding = false;

  constructor(readonly maxPayloadLength: number) {
    this.buffer = new Uint8Array(serialFrameMaxLength(maxPayloadLength) - 1);
  }

  /** Feeds received bytes; returns what they completed, in order: payloads and drops. */
  push(chunk: Uint8Array): SerialFrameResult[] {
    const results: SerialFrameResult[] = [];
    for (const byte of chunk) {
      if (byte === FRAME_DELIMITER) {
        if (!this.discarding && this.length > 0) results.push(this.finishFrame());
        this.length = 0;
        this.discarding = false;
      } else if (this.discarding) {
        continue;
      } else if (this.length === this.buffer.length) {
        this.discarding = true;
        this.stats.oversized++;
        results.push({ kind: 'dropped', reason: 'oversized', detail: `frame longer than ${this.buffer.length} encoded bytes` });
      } else {
        this.buffer[this.length++] = byte;
      }
    }
    return results;
  }

  /** Forgets a partly received frame (after the port was reopened); the counts stay. */
  reset(): void {
    this.length = 0;
    this.discarding = false;
  }

  private finishFrame(): SerialFrameResult {
    let decoded: Uint8Array;
    try {
      decoded = cobsDecode(this.buffer.subarray(0, this.length));
    } catch (error) {
      if (!(error instanceof CobsDecodeError)) throw error;
      return this.corrupt(error.message);
    }
    if (decoded.length < CRC_LENGTH) return this.corrupt(`${decoded.length} bytes, too short to hold a CRC`);
    const payload = decoded.subarray(0, decoded.length - CRC_LENGTH);
    if (payload.length > this.maxPayloadLength) {
      this.stats.oversized++;
      return { kind: 'dropped', reason: 'oversized', detail: `payload of ${payload.length} bytes, over ${this.maxPayloadLength}` };
    }
    const expected = new DataView(decoded.buffer, decoded.byteOffset).getUint32(payload.length, true);
    if (crc32(payload) !== expected) return this.corrupt('CRC mismatch');
    this.stats.frames++;
    return { kind: 'frame', payload: payload.slice() };
  }

  private corrupt(detail: string): SerialFrameResult {
    this.stats.corrupt++;
    return { kind: 'dropped', reason: 'corrupt', detail };
  }
}
