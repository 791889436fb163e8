/**
 * The link frame: what the link layer puts in one transport frame.
 *
 * Every byte goes on the air, so the header is as small as it can be and
 * every integer is an unsigned LEB128 varint (1 byte below 128). Layout:
 *
 *   act one    0x01 | initiator session id | 50-byte BOLT 8 act one | 8-byte neighbour tag
 *   act two    0x02 | initiator session id | responder session id | 50-byte act two
 *   act three  0x03 | responder session id | 66-byte act three
 *   sealed     0x20 + flags | recipient's session id | counter's low byte | ciphertext + 8-byte tag
 *   goodbye    0x24 | recipient's session id | counter's low byte | 8-byte tag (a sealed empty body)
 *
 * The neighbour tag (`neighbour-tag.ts`) lets the responder tell a known
 * neighbour's act one from a stranger's before it answers.
 *
 * A session id is chosen by the side that receives on it, so on a broadcast
 * medium (LoRa, a serial line) a frame says which session, hence which key,
 * it belongs to without naming either node. The sealed header (type, session
 * id, counter's low byte) is the AEAD's associated data; the whole counter
 * is the nonce, and the receiver finds it from that byte and its replay
 * window (`session.ts`), so that no frame carries the bytes a long session's
 * counter grows to; the
 * tag is the first 8 bytes of ChaCha20-Poly1305's (`frame-aead.ts`).
 * Flags: bit 0 = the body holds an acknowledgement, bit 1 = a fragment,
 * bit 2 = goodbye: the sender stopped and this session is over, bit 3 (with
 * bit 0) = the ack lists what it holds of messages after delivered-up-to,
 * bit 4 (with bit 1) = the fragment is a whole message. The two last say in
 * the type byte, which is there anyway, what a count and an index said in
 * the body. A goodbye stands alone (no other flag, an empty body), and like
 * every sealed frame only the session's key makes one, so nobody else can
 * end a session. It is 11 bytes.
 * Other flag bits and flag sets are refused.
 *
 * The sealed body (after decryption) is the ack if flagged, then the fragment
 * if flagged:
 *
 *   ack       delivered-up-to | with bit 3: entry count (1..4) | entries
 *     entry   seq - delivered-up-to | received prefix | bitmap length (0..8) | bitmap
 *   fragment  seq | without bit 4: index * 2 + (1 if last), never 1 | data (the rest)
 *
 * A data frame's overhead is 1 (type) + 1 (session id < 128) + 1
 * (counter) + 8 (tag) + 1..3 (seq), and 1..2 (index) for a fragment of a
 * message of several: 12 bytes for a whole message among the first 127
 * messages, against BOLT 8's 34 bytes per message (18 of
 * them an encrypted length a radio frame already knows). An ack adds 1 byte
 * when nothing is missing.
 *
 * Framing 0x10 (before issue 19) had no bits 3 and 4, always wrote the
 * count and the index, and a 16-byte tag: its sealed types are unknown here, and a node
 * framing so cannot complete a handshake with this one (its neighbour tags
 * differ, `neighbour-tag.ts`), so a neighbour left on the old version is a
 * stranger whose frames are dropped, never misread.
 *
 * Decoders take whatever the medium delivered and either return a frame or
 * throw `LinkDecodeError`; nothing is allocated for a length a peer merely
 * claims.
 */
import { ACT_ONE_LENGTH, ACT_THREE_LENGTH, ACT_TWO_LENGTH } from './noise.js';
import { FRAME_TAG_LENGTH } from './frame-aead.js';
import { NEIGHBOUR_TAG_LENGTH } from './neighbour-tag.js';
import { type ByteReader, readVarint as readShortestVarint, varintLength, writeVarint } from '../../node/core/varint.js';

export const FRAME_ACT_ONE = 0x01;
export const FRAME_ACT_TWO = 0x02;
export const FRAME_ACT_THREE = 0x03;
export const FRAME_SEALED = 0x20;
export const FLAG_ACK = 0x01;
export const FLAG_FRAGMENT = 0x02;
export const FLAG_GOODBYE = 0x04;
/** With `FLAG_ACK`: entries follow delivered-up-to (a count, then each); without it, delivered-up-to is the whole ack. */
export const FLAG_ACK_ENTRIES = 0x08;
/** With `FLAG_FRAGMENT`: the fragment is a whole message (index 0, the last), and has no index field. */
export const FLAG_WHOLE = 0x10;

/** Session ids fit in one varint byte: at most 128 sessions and pending handshakes per node at a time. */
export const MAX_SESSION_ID = 0x7f;
/** Frames a session seals at most; past it, the session ends and a new handshake makes new keys. */
export const MAX_COUNTER = 0x1fffff;
/** Message sequences and other integers: within JavaScript's safe integers (8 varint bytes). */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;
/** Fragments per message: index * 2 + 1 stays within 2 varint bytes. */
export const MAX_FRAGMENTS = 8192;
export const MAX_ACK_ENTRIES = 4;
export const MAX_ACK_BITMAP_BYTES = 8;
/** Frames larger than this are refused before anything is read (no medium here carries more). */
export const MAX_FRAME_BYTES = 65535;

/** A frame or sealed body that is not well formed; `field` says where it went wrong. */
export class LinkDecodeError extends Error {
  override name = 'LinkDecodeError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`link frame ${field}: ${reason}`);
  }
}

export type LinkFrame =
  | { readonly kind: 'act-one'; readonly initiatorSessionId: number; readonly act: Uint8Array; readonly neighbourTag: Uint8Array }
  | { readonly kind: 'act-two'; readonly initiatorSessionId: number; readonly responderSessionId: number; readonly act: Uint8Array }
  | { readonly kind: 'act-three'; readonly responderSessionId: number; readonly act: Uint8Array }
  | SealedFrame;

export interface SealedFrame {
  readonly kind: 'sealed';
  /** The flags of its type byte (`FLAG_*`), one of the sets `sealedHeader` takes; `FLAG_GOODBYE` alone for a goodbye (an empty body). */
  readonly flags: number;
  readonly sessionId: number;
  /** The counter's low byte, as sent: the session finds the whole counter (`LinkSession.open`). */
  readonly counterLow: number;
  /** The header bytes as received: the associated data the tag covers. */
  readonly header: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/** What the receiver has: every message up to `deliveredUpTo`, and parts of some after it. */
export interface Ack {
  readonly deliveredUpTo: number;
  readonly entries: readonly AckEntry[];
}

/** Fragments of message `seq` received: all of 0..receivedPrefix-1, and fragment receivedPrefix+1+i for each bit i set in `bitmap` (least significant bit first). */
export interface AckEntry {
  readonly seq: number;
  readonly receivedPrefix: number;
  readonly bitmap: Uint8Array;
}

export interface Fragment {
  readonly seq: number;
  readonly index: number;
  readonly last: boolean;
  readonly data: Uint8Array;
}

export interface SealedBody {
  readonly ack?: Ack;
  readonly fragment?: Fragment;
}

// ---- varints (node/core/varint.ts), refused as LinkDecodeError ----

export { varintLength };

/** Reads a shortest-form varint no larger than `max`. */
function readVarint(reader: ByteReader, field: string, max = MAX_VARINT): number {
  return readShortestVarint(reader, max, (reason) => new LinkDecodeError(field, reason));
}

function readBytes(reader: ByteReader, length: number, field: string): Uint8Array {
  if (length > reader.bytes.length - reader.offset) throw new LinkDecodeError(field, `needs ${length} bytes, ${reader.bytes.length - reader.offset} left`);
  // A copy: the medium may reuse the buffer it handed us.
  const bytes = Uint8Array.prototype.slice.call(reader.bytes, reader.offset, reader.offset + length);
  reader.offset += length;
  return bytes;
}

function readRest(reader: ByteReader): Uint8Array {
  return readBytes(reader, reader.bytes.length - reader.offset, 'rest');
}

function expectEnd(reader: ByteReader, field: string): void {
  if (reader.offset !== reader.bytes.length) throw new LinkDecodeError(field, `${reader.bytes.length - reader.offset} bytes left over`);
}

// ---- frames ----

/** The flag sets there are: an ack (bare or with entries), a fragment (part or whole), one of each, or a goodbye alone. */
const SEALED_FLAG_SETS: readonly number[] = [
  FLAG_GOODBYE,
  ...[0, FLAG_ACK, FLAG_ACK | FLAG_ACK_ENTRIES].flatMap((ack) => [0, FLAG_FRAGMENT, FLAG_FRAGMENT | FLAG_WHOLE].map((fragment) => ack | fragment)).filter((flags) => flags !== 0),
];

/** The type byte's low bits are the flags, its high bits `FRAME_SEALED`. */
const FLAG_BITS = 0x1f;

export const isGoodbye = (frame: SealedFrame): boolean => frame.flags === FLAG_GOODBYE;

/** The flags of a body: which parts it has, and in which form. */
export function sealedFlags(body: SealedBody): number {
  let flags = 0;
  if (body.ack) flags |= FLAG_ACK | (body.ack.entries.length > 0 ? FLAG_ACK_ENTRIES : 0);
  if (body.fragment) flags |= FLAG_FRAGMENT | (body.fragment.index === 0 && body.fragment.last ? FLAG_WHOLE : 0);
  return flags;
}

/** The header of a sealed frame with these flags (a goodbye's: `FLAG_GOODBYE`); also the associated data of its AEAD. */
export function sealedHeader(flags: number, sessionId: number, counter: number): Uint8Array {
  if (!SEALED_FLAG_SETS.includes(flags)) throw new RangeError(`a sealed frame carries an ack, a fragment or both, or is a goodbye: flags 0x${flags.toString(16)}`);
  return headerOfType(FRAME_SEALED | flags, sessionId, counter);
}

/** The header of a goodbye; also the associated data of its AEAD. */
export function goodbyeHeader(sessionId: number, counter: number): Uint8Array {
  return sealedHeader(FLAG_GOODBYE, sessionId, counter);
}

function headerOfType(type: number, sessionId: number, counter: number): Uint8Array {
  if (sessionId > MAX_SESSION_ID) throw new RangeError(`session id ${sessionId} is over ${MAX_SESSION_ID}`);
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new RangeError(`counter ${counter} is not in [0, ${MAX_COUNTER}]`);
  const out: number[] = [type];
  writeVarint(out, sessionId, 'sessionId');
  out.push(counter & 0xff);
  return Uint8Array.from(out);
}

export function encodeFrame(frame: LinkFrame): Uint8Array {
  const out: number[] = [];
  let tail: Uint8Array;
  switch (frame.kind) {
    case 'act-one':
      checkActLength(frame.act, ACT_ONE_LENGTH);
      if (frame.neighbourTag.length !== NEIGHBOUR_TAG_LENGTH) throw new RangeError(`a neighbour tag is ${NEIGHBOUR_TAG_LENGTH} bytes, got ${frame.neighbourTag.length}`);
      out.push(FRAME_ACT_ONE);
      writeSessionId(out, frame.initiatorSessionId);
      tail = new Uint8Array(ACT_ONE_LENGTH + NEIGHBOUR_TAG_LENGTH);
      tail.set(frame.act);
      tail.set(frame.neighbourTag, ACT_ONE_LENGTH);
      break;
    case 'act-two':
      checkActLength(frame.act, ACT_TWO_LENGTH);
      out.push(FRAME_ACT_TWO);
      writeSessionId(out, frame.initiatorSessionId);
      writeSessionId(out, frame.responderSessionId);
      tail = frame.act;
      break;
    case 'act-three':
      checkActLength(frame.act, ACT_THREE_LENGTH);
      out.push(FRAME_ACT_THREE);
      writeSessionId(out, frame.responderSessionId);
      tail = frame.act;
      break;
    case 'sealed': {
      if (frame.ciphertext.length < FRAME_TAG_LENGTH) throw new RangeError(`a ciphertext is at least its ${FRAME_TAG_LENGTH}-byte tag`);
      if (isGoodbye(frame) && frame.ciphertext.length !== FRAME_TAG_LENGTH) throw new RangeError('a goodbye carries no ack, no fragment and an empty body');
      out.push(...sealedHeader(frame.flags, frame.sessionId, frame.counterLow));
      tail = frame.ciphertext;
      break;
    }
  }
  const bytes = new Uint8Array(out.length + tail.length);
  bytes.set(out);
  bytes.set(tail, out.length);
  return bytes;
}

function checkActLength(act: Uint8Array, length: number): void {
  if (act.length !== length) throw new RangeError(`a handshake act here is ${length} bytes, got ${act.length}`);
}

function writeSessionId(out: number[], sessionId: number): void {
  if (sessionId > MAX_SESSION_ID) throw new RangeError(`session id ${sessionId} is over ${MAX_SESSION_ID}`);
  writeVarint(out, sessionId, 'sessionId');
}

/** Decodes one frame as the medium delivered it. Throws `LinkDecodeError` for anything else. */
export function decodeFrame(bytes: Uint8Array): LinkFrame {
  if (!(bytes instanceof Uint8Array)) throw new LinkDecodeError('frame', 'expected bytes');
  if (bytes.length > MAX_FRAME_BYTES) throw new LinkDecodeError('frame', `${bytes.length} bytes, more than the ${MAX_FRAME_BYTES} allowed`);
  const reader: ByteReader = { bytes, offset: 0 };
  const type = bytes[0];
  if (type === undefined) throw new LinkDecodeError('type', 'empty frame');
  reader.offset = 1;
  switch (type) {
    case FRAME_ACT_ONE: {
      const initiatorSessionId = readVarint(reader, 'initiatorSessionId', MAX_SESSION_ID);
      const actAndTag = readAct(reader, ACT_ONE_LENGTH + NEIGHBOUR_TAG_LENGTH);
      return { kind: 'act-one', initiatorSessionId, act: actAndTag.subarray(0, ACT_ONE_LENGTH), neighbourTag: actAndTag.subarray(ACT_ONE_LENGTH) };
    }
    case FRAME_ACT_TWO: {
      const initiatorSessionId = readVarint(reader, 'initiatorSessionId', MAX_SESSION_ID);
      const responderSessionId = readVarint(reader, 'responderSessionId', MAX_SESSION_ID);
      return { kind: 'act-two', initiatorSessionId, responderSessionId, act: readAct(reader, ACT_TWO_LENGTH) };
    }
    case FRAME_ACT_THREE: {
      const responderSessionId = readVarint(reader, 'responderSessionId', MAX_SESSION_ID);
      return { kind: 'act-three', responderSessionId, act: readAct(reader, ACT_THREE_LENGTH) };
    }
  }
  const flags = type & FLAG_BITS;
  if ((type & ~FLAG_BITS) !== FRAME_SEALED || !SEALED_FLAG_SETS.includes(flags)) throw new LinkDecodeError('type', `unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
  const sessionId = readVarint(reader, 'sessionId', MAX_SESSION_ID);
  const counterLow = readBytes(reader, 1, 'counter')[0]!;
  const header = Uint8Array.prototype.slice.call(bytes, 0, reader.offset);
  const ciphertext = readRest(reader);
  if (ciphertext.length < FRAME_TAG_LENGTH) throw new LinkDecodeError('ciphertext', `${ciphertext.length} bytes, shorter than the ${FRAME_TAG_LENGTH}-byte tag`);
  if (flags === FLAG_GOODBYE && ciphertext.length !== FRAME_TAG_LENGTH) throw new LinkDecodeError('ciphertext', `a goodbye has an empty body, got ${ciphertext.length - FRAME_TAG_LENGTH} bytes`);
  return { kind: 'sealed', flags, sessionId, counterLow, header, ciphertext };
}

function readAct(reader: ByteReader, length: number): Uint8Array {
  const left = reader.bytes.length - reader.offset;
  if (left !== length) throw new LinkDecodeError('act', `expected ${length} bytes, got ${left}`);
  return readRest(reader);
}

// ---- sealed bodies ----

export function encodeAck(ack: Ack): Uint8Array {
  const out: number[] = [];
  writeAck(out, ack);
  return Uint8Array.from(out);
}

function writeAck(out: number[], ack: Ack): void {
  if (ack.entries.length > MAX_ACK_ENTRIES) throw new RangeError(`an ack holds at most ${MAX_ACK_ENTRIES} entries`);
  writeVarint(out, ack.deliveredUpTo, 'deliveredUpTo');
  // No entries: no count either (`FLAG_ACK_ENTRIES` says which).
  if (ack.entries.length > 0) out.push(ack.entries.length);
  let previous = ack.deliveredUpTo;
  for (const entry of ack.entries) {
    if (entry.seq <= previous) throw new RangeError('ack entries are for increasing sequences after deliveredUpTo');
    if (entry.bitmap.length > MAX_ACK_BITMAP_BYTES) throw new RangeError(`an ack bitmap is at most ${MAX_ACK_BITMAP_BYTES} bytes`);
    writeVarint(out, entry.seq - previous, 'seq');
    writeVarint(out, entry.receivedPrefix, 'receivedPrefix');
    out.push(entry.bitmap.length, ...entry.bitmap);
    previous = entry.seq;
  }
}

/** Encodes a body, in the form its flags (`sealedFlags`) say. */
export function encodeSealedBody(body: SealedBody): Uint8Array {
  const out: number[] = [];
  if (body.ack) writeAck(out, body.ack);
  if (body.fragment) {
    const { seq, index, last, data } = body.fragment;
    if (index >= MAX_FRAGMENTS) throw new RangeError(`fragment index ${index} is over ${MAX_FRAGMENTS - 1}`);
    writeVarint(out, seq, 'seq');
    // A whole message has no index (`FLAG_WHOLE`).
    if (index > 0 || !last) writeVarint(out, index * 2 + (last ? 1 : 0), 'index');
    const bytes = new Uint8Array(out.length + data.length);
    bytes.set(out);
    bytes.set(data, out.length);
    return bytes;
  }
  return Uint8Array.from(out);
}

/** Decodes a decrypted body; which parts it holds, and in which form, comes from the (authenticated) frame type's flags. */
export function decodeSealedBody(bytes: Uint8Array, flags: number): SealedBody {
  if (bytes.length > MAX_FRAME_BYTES) throw new LinkDecodeError('body', `${bytes.length} bytes, more than the ${MAX_FRAME_BYTES} allowed`);
  const reader: ByteReader = { bytes, offset: 0 };
  let ack: Ack | undefined;
  let fragment: Fragment | undefined;
  if (flags & FLAG_ACK) {
    const deliveredUpTo = readVarint(reader, 'ack.deliveredUpTo');
    const count = flags & FLAG_ACK_ENTRIES ? readBytes(reader, 1, 'ack.entries')[0]! : 0;
    if (count > MAX_ACK_ENTRIES) throw new LinkDecodeError('ack.entries', `${count} entries, more than the ${MAX_ACK_ENTRIES} allowed`);
    if (count === 0 && flags & FLAG_ACK_ENTRIES) throw new LinkDecodeError('ack.entries', 'flagged with entries, and a count of 0');
    const entries: AckEntry[] = [];
    let previous = deliveredUpTo;
    for (let i = 0; i < count; i++) {
      const delta = readVarint(reader, 'ack.entry.seq');
      if (delta === 0) throw new LinkDecodeError('ack.entry.seq', 'entries must be for increasing sequences');
      if (delta > MAX_VARINT - previous) throw new LinkDecodeError('ack.entry.seq', 'sequence beyond the largest safe integer');
      const receivedPrefix = readVarint(reader, 'ack.entry.receivedPrefix', MAX_FRAGMENTS);
      const bitmapLength = readBytes(reader, 1, 'ack.entry.bitmap')[0]!;
      if (bitmapLength > MAX_ACK_BITMAP_BYTES) throw new LinkDecodeError('ack.entry.bitmap', `${bitmapLength} bytes, more than the ${MAX_ACK_BITMAP_BYTES} allowed`);
      previous += delta;
      entries.push({ seq: previous, receivedPrefix, bitmap: readBytes(reader, bitmapLength, 'ack.entry.bitmap') });
    }
    ack = { deliveredUpTo, entries };
  }
  if (flags & FLAG_FRAGMENT) {
    const seq = readVarint(reader, 'fragment.seq');
    const indexAndLast = flags & FLAG_WHOLE ? 1 : readVarint(reader, 'fragment.index', MAX_FRAGMENTS * 2 - 1);
    // One encoding: index 0 and the last is a whole message, flagged so.
    if (indexAndLast === 1 && !(flags & FLAG_WHOLE)) throw new LinkDecodeError('fragment.index', 'a whole message is flagged so, without an index');
    fragment = { seq, index: Math.floor(indexAndLast / 2), last: indexAndLast % 2 === 1, data: readRest(reader) };
  }
  expectEnd(reader, 'body');
  return { ...(ack ? { ack } : {}), ...(fragment ? { fragment } : {}) };
}
