/**
 * A link session: what one completed handshake gives two neighbours, used to
 * seal and open frames one at a time.
 *
 * Unlike BOLT 8's stream, each frame carries its own counter (the nonce) in
 * its header, so a lost frame costs that frame and nothing else. Its tag is
 * ChaCha20-Poly1305's cut to 8 bytes (`frame-aead.ts`). The sender
 * never reuses a counter: it only counts up, and a session lives in memory
 * only, so a reboot cannot reuse a nonce with the same key: after a restart a
 * fresh handshake makes fresh keys. The receiver keeps a sliding window of
 * the counters it has opened, so a replayed frame is refused even though
 * frames may arrive out of order.
 */
import { MAX_COUNTER, type SealedBody, type SealedFrame, encodeSealedBody, goodbyeHeader, sealedFlags, sealedHeader, varintLength } from './frame.js';
import { FRAME_TAG_LENGTH, openFrameBody, sealFrameBody } from './frame-aead.js';

/** Frames a receiver still accepts behind the newest it has seen (the radio may reorder a retransmission). */
export const REPLAY_WINDOW = 64;
/**
 * Counters a frame's low byte may stand for that the receiver tries, at most: the nearest at or after the
 * window's start, then each 256 later. So up to about a thousand frames lost in a row are bridged; past that
 * the session cannot be opened, the sender's silent rounds offer a new handshake, and a new session forms.
 * A stranger's or a garbled frame costs at most this many tag checks.
 */
export const COUNTER_TRIES = 4;

/** The session has sealed `MAX_COUNTER` frames: its keys must not be used again. */
export class SessionExhaustedError extends Error {
  override name = 'SessionExhaustedError';
}

/** Which counters have been accepted: the highest, and a bitmap of the `REPLAY_WINDOW` below it. */
export class ReplayWindow {
  private highest = -1;
  /** Bit i set: counter `highest - i` was accepted. */
  private seen = 0n;

  /** True when `counter` has not been accepted yet and is not too old to tell. */
  isFresh(counter: number): boolean {
    if (counter > this.highest) return true;
    const behind = this.highest - counter;
    if (behind >= REPLAY_WINDOW) return false;
    return ((this.seen >> BigInt(behind)) & 1n) === 0n;
  }

  /**
   * The counters a low byte may stand for, nearest first: from the window's
   * start on, `tries` of them 256 apart. `first` says whether the nearest
   * was accepted already (then a frame is most likely a replay).
   */
  candidates(low: number, tries: number): { counters: number[]; nearestAccepted: boolean } {
    const start = Math.max(0, this.highest - REPLAY_WINDOW + 1);
    const nearest = start + ((low - (start & 0xff) + 256) & 0xff);
    const counters = Array.from({ length: tries }, (_, i) => nearest + 256 * i).filter((counter) => counter <= MAX_COUNTER && this.isFresh(counter));
    return { counters, nearestAccepted: !this.isFresh(nearest) };
  }

  /** Records `counter`; call only after its frame authenticated. */
  accept(counter: number): void {
    if (counter > this.highest) {
      const shift = counter - this.highest;
      this.seen = shift >= REPLAY_WINDOW ? 1n : ((this.seen << BigInt(shift)) | 1n) & ((1n << BigInt(REPLAY_WINDOW)) - 1n);
      this.highest = counter;
    } else {
      this.seen |= 1n << BigInt(this.highest - counter);
    }
  }
}

export interface SessionKeys {
  readonly sendingKey: Uint8Array;
  readonly receivingKey: Uint8Array;
  /** The id the peer chose for frames it receives: we put it in what we send. */
  readonly sendingSessionId: number;
  /** The id we chose: the peer puts it in what it sends us. */
  readonly receivingSessionId: number;
}

export type OpenResult = { readonly ok: true; readonly plaintext: Uint8Array } | { readonly ok: false; readonly reason: 'replayed' | 'bad-tag' };

export class LinkSession {
  readonly sendingSessionId: number;
  readonly receivingSessionId: number;
  private readonly sendingKey: Uint8Array;
  private readonly receivingKey: Uint8Array;
  private nextCounter = 0;
  private readonly window = new ReplayWindow();

  constructor(keys: SessionKeys, private readonly maxCounter = MAX_COUNTER) {
    this.sendingKey = Uint8Array.from(keys.sendingKey);
    this.receivingKey = Uint8Array.from(keys.receivingKey);
    this.sendingSessionId = keys.sendingSessionId;
    this.receivingSessionId = keys.receivingSessionId;
  }

  /** Frames this session has sealed. */
  get framesSealed(): number {
    return this.nextCounter;
  }

  /** What the next frame sealed takes beyond its body: its header (type, session id, counter) and tag. */
  get nextOverhead(): number {
    return 1 + varintLength(this.sendingSessionId) + 1 + FRAME_TAG_LENGTH;
  }

  /** Encrypts a body (an ack, a fragment or both) into a whole frame with the next counter. Throws `SessionExhaustedError` once the counters run out. */
  seal(body: SealedBody): Uint8Array {
    const flags = sealedFlags(body);
    return this.sealWith((counter) => sealedHeader(flags, this.sendingSessionId, counter), encodeSealedBody(body));
  }

  /** A goodbye: this session is over (`frame.ts`). Only our sending key makes one the peer accepts. Throws `SessionExhaustedError` as `seal` does. */
  sealGoodbye(): Uint8Array {
    return this.sealWith((counter) => goodbyeHeader(this.sendingSessionId, counter), new Uint8Array(0));
  }

  private sealWith(headerOf: (counter: number) => Uint8Array, body: Uint8Array): Uint8Array {
    if (this.nextCounter > this.maxCounter) throw new SessionExhaustedError(`session ${this.receivingSessionId} has sealed ${this.nextCounter} frames; a new handshake must make new keys`);
    const counter = this.nextCounter++;
    const header = headerOf(counter);
    const ciphertext = sealFrameBody(this.sendingKey, counter, header, body);
    const frame = new Uint8Array(header.length + ciphertext.length);
    frame.set(header);
    frame.set(ciphertext, header.length);
    return frame;
  }

  /**
   * Decrypts a frame addressed to this session. Its counter is found from
   * its low byte: the counters it may stand for that the window has not
   * accepted, nearest first, each tried as the nonce (`COUNTER_TRIES` at
   * most); the one whose tag verifies is the frame's. A replayed counter or
   * a tag that does not verify is refused, and leaves the window as it was.
   */
  open(frame: SealedFrame): OpenResult {
    const { counters, nearestAccepted } = this.window.candidates(frame.counterLow, COUNTER_TRIES);
    for (const counter of counters) {
      const plaintext = openFrameBody(this.receivingKey, counter, frame.header, frame.ciphertext);
      if (!plaintext) continue;
      this.window.accept(counter);
      return { ok: true, plaintext };
    }
    return { ok: false, reason: nearestAccepted ? 'replayed' : 'bad-tag' };
  }
}
