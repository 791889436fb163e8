/**
 * KISS framing, as RNode firmware speaks it over USB serial: each frame is
 * FEND, a command byte, the escaped payload, FEND. Inside a frame FEND and
 * FESC are sent as FESC TFEND and FESC TFESC, so FEND only ever marks a
 * frame boundary and a decoder can resynchronise on it after any garbage.
 */

export const FEND = 0xc0;
export const FESC = 0xdb;
export const TFEND = 0xdc;
export const TFESC = 0xdd;

export interface KissFrame {
  readonly command: number;
  readonly payload: Uint8Array;
}

/** One frame on the wire. The command byte is escaped like the payload (no RNode command needs it). */
export function encodeKissFrame(command: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (!Number.isInteger(command) || command < 0 || command > 0xff) throw new RangeError(`KISS command ${command} is not a byte`);
  const out: number[] = [FEND];
  const put = (byte: number): void => {
    if (byte === FEND) out.push(FESC, TFEND);
    else if (byte === FESC) out.push(FESC, TFESC);
    else out.push(byte);
  };
  put(command);
  for (const byte of payload) put(byte);
  out.push(FEND);
  return Uint8Array.from(out);
}

/** What a decoder threw away, for counters and warnings. */
export interface KissDropCounts {
  /** Frames whose payload grew past `maxPayloadBytes`. */
  oversize: number;
  /** Frames with FESC followed by anything but TFEND or TFESC. */
  badEscape: number;
}

/**
 * Turns a byte stream, cut into chunks anywhere, into frames. Memory is
 * bounded: a frame longer than `maxPayloadBytes` is dropped (and counted)
 * as soon as it gets too long, and the rest of it is skipped up to the next
 * FEND. Empty frames (FEND FEND, which KISS senders use to flush line noise)
 * are not frames and are not counted.
 */
export class KissDecoder {
  readonly dropped: KissDropCounts = { oversize: 0, badEscape: 0 };
  private readonly buffer: Uint8Array;
  private length = 0;
  /** Before the first FEND bytes belong to no frame; after a drop, skip to the next FEND. */
  private state: 'outside' | 'inside' | 'skipping' = 'outside';
  private escaped = false;

  constructor(readonly maxPayloadBytes: number) {
    if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 0) throw new RangeError('maxPayloadBytes must be a non-negative integer');
    this.buffer = new Uint8Array(maxPayloadBytes + 1); // + the command byte
  }

  /** Feeds a chunk; returns the frames it completed, in order. */
  push(chunk: Uint8Array): KissFrame[] {
    const frames: KissFrame[] = [];
    for (const byte of chunk) {
      if (byte === FEND) {
        if (this.state === 'inside' && this.escaped) this.dropped.badEscape++;
        else if (this.state === 'inside' && this.length > 0) {
          frames.push({ command: this.buffer[0] ?? 0, payload: this.buffer.slice(1, this.length) });
        }
        this.state = 'inside';
        this.length = 0;
        this.escaped = false;
        continue;
      }
      if (this.state !== 'inside') continue;
      let value = byte;
      if (this.escaped) {
        this.escaped = false;
        if (byte === TFEND) value = FEND;
        else if (byte === TFESC) value = FESC;
        else {
          this.dropped.badEscape++;
          this.state = 'skipping';
          continue;
        }
      } else if (byte === FESC) {
        this.escaped = true;
        continue;
      }
      if (this.length === this.buffer.length) {
        this.dropped.oversize++;
        this.state = 'skipping';
        continue;
      }
      this.buffer[this.length++] = value;
    }
    return frames;
  }
}
