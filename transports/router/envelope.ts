/**
 * The router's envelope: what the router hands the link for each message.
 *
 * Two kinds, told apart by the first byte:
 *
 * - direct, `0x00 || payload`: to a neighbour, from a neighbour. The link
 *   already authenticated the sender and encrypted the bytes, so there is no
 *   address, no hop limit and no second layer of encryption: one byte.
 * - routed, for a node further away (90 bytes beyond the payload):
 *
 *   | bytes | field |
 *   | --- | --- |
 *   | 1 | `0x10`, plus 2 if the source key is odd, plus 1 if the destination key is odd |
 *   | 32 | source node id, x coordinate |
 *   | 32 | destination node id, x coordinate |
 *   | 1 | hop limit, 1 to 255: links the envelope may still cross |
 *   | 8 | message id (random, see `end-to-end.ts`) |
 *   | n + 16 | payload, sealed end to end (ChaCha20-Poly1305) |
 *
 *   A node id is a 33-byte compressed key whose first byte only says
 *   whether y is even or odd; those two bits ride in the kind byte, so each
 *   id costs 32 bytes and still names exactly one key.
 *
 * Every byte of this header is authenticated end to end except the hop
 * limit, which each relay must change (`associatedData`).
 */
import { bytesToHex } from '../../node/core/hex.js';
import { isPublicKey } from '../../node/core/curve.js';
import { TAG_LENGTH } from '../link/noise-crypto.js';

/** The largest envelope either way: the link's default largest message. */
export const MAX_ENVELOPE_BYTES = 65_536;
export const MESSAGE_ID_LENGTH = 8;
export const DIRECT_OVERHEAD = 1;
/** Kind byte, two ids, hop limit, message id. */
export const ROUTED_HEADER_LENGTH = 1 + 32 + 32 + 1 + MESSAGE_ID_LENGTH;
/** What a routed envelope costs beyond its payload: header and tag. */
export const ROUTED_OVERHEAD = ROUTED_HEADER_LENGTH + TAG_LENGTH;
export const MAX_DIRECT_PAYLOAD = MAX_ENVELOPE_BYTES - DIRECT_OVERHEAD;
export const MAX_ROUTED_PAYLOAD = MAX_ENVELOPE_BYTES - ROUTED_OVERHEAD;
export const MAX_HOP_LIMIT = 255;

const DIRECT = 0x00;
const ROUTED = 0x10;
const SOURCE_ODD = 0x02;
const DESTINATION_ODD = 0x01;
const HOP_LIMIT_OFFSET = 65;

/** Bytes that are not an envelope. `field` names where it went wrong. */
export class EnvelopeDecodeError extends Error {
  override name = 'EnvelopeDecodeError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`envelope ${field}: ${reason}`);
  }
}

export interface DirectEnvelope {
  readonly kind: 'direct';
  readonly payload: Uint8Array;
}

export interface RoutedEnvelope {
  readonly kind: 'routed';
  /** Node ids, lowercase hex of the 33-byte compressed keys. */
  readonly source: string;
  readonly destination: string;
  readonly hopLimit: number;
  readonly messageId: Uint8Array;
  /** The sealed payload, tag included. */
  readonly sealed: Uint8Array;
}

export type Envelope = DirectEnvelope | RoutedEnvelope;

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  if (envelope.kind === 'direct') {
    if (envelope.payload.length > MAX_DIRECT_PAYLOAD) throw new RangeError(`a direct payload is at most ${MAX_DIRECT_PAYLOAD} bytes, got ${envelope.payload.length}`);
    const bytes = new Uint8Array(1 + envelope.payload.length);
    bytes[0] = DIRECT;
    bytes.set(envelope.payload, 1);
    return bytes;
  }
  const { hopLimit, messageId, sealed } = envelope;
  if (!Number.isInteger(hopLimit) || hopLimit < 1 || hopLimit > MAX_HOP_LIMIT) throw new RangeError(`hop limit ${hopLimit} is outside [1, ${MAX_HOP_LIMIT}]`);
  if (messageId.length !== MESSAGE_ID_LENGTH) throw new RangeError(`a message id is ${MESSAGE_ID_LENGTH} bytes, got ${messageId.length}`);
  if (sealed.length < TAG_LENGTH || sealed.length > MAX_ROUTED_PAYLOAD + TAG_LENGTH) throw new RangeError(`a sealed payload is ${TAG_LENGTH} to ${MAX_ROUTED_PAYLOAD + TAG_LENGTH} bytes, got ${sealed.length}`);
  const bytes = new Uint8Array(ROUTED_HEADER_LENGTH + sealed.length);
  bytes.set(routedHeaderPrefix(envelope.source, envelope.destination), 0);
  bytes[HOP_LIMIT_OFFSET] = hopLimit;
  bytes.set(messageId, HOP_LIMIT_OFFSET + 1);
  bytes.set(sealed, ROUTED_HEADER_LENGTH);
  return bytes;
}

/** Decodes one envelope filling all of `bytes`, or throws `EnvelopeDecodeError`; ids are checked to be valid keys. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (!(bytes instanceof Uint8Array)) throw new EnvelopeDecodeError('bytes', 'expected a byte array');
  if (bytes.length === 0) throw new EnvelopeDecodeError('kind', 'empty');
  if (bytes.length > MAX_ENVELOPE_BYTES) throw new EnvelopeDecodeError('length', `${bytes.length} bytes, more than the ${MAX_ENVELOPE_BYTES} allowed`);
  const kind = bytes[0]!;
  if (kind === DIRECT) return { kind: 'direct', payload: bytes.slice(1) };
  if ((kind & ~(SOURCE_ODD | DESTINATION_ODD)) !== ROUTED) throw new EnvelopeDecodeError('kind', `unknown kind byte 0x${kind.toString(16).padStart(2, '0')}`);
  if (bytes.length < ROUTED_OVERHEAD) throw new EnvelopeDecodeError('length', `${bytes.length} bytes, a routed envelope has at least ${ROUTED_OVERHEAD}`);
  const source = nodeIdAt(bytes, 1, kind & SOURCE_ODD, 'source');
  const destination = nodeIdAt(bytes, 33, kind & DESTINATION_ODD, 'destination');
  const hopLimit = bytes[HOP_LIMIT_OFFSET]!;
  if (hopLimit === 0) throw new EnvelopeDecodeError('hop limit', 'zero: no relay forwards an envelope with no hop left');
  return {
    kind: 'routed',
    source,
    destination,
    hopLimit,
    messageId: bytes.slice(HOP_LIMIT_OFFSET + 1, ROUTED_HEADER_LENGTH),
    sealed: bytes.slice(ROUTED_HEADER_LENGTH),
  };
}

/**
 * The bytes of a routed envelope's header that the end-to-end seal
 * authenticates: kind, ids and message id, everything but the hop limit.
 */
export function associatedData(envelope: Pick<RoutedEnvelope, 'source' | 'destination' | 'messageId'>): Uint8Array {
  const data = new Uint8Array(HOP_LIMIT_OFFSET + MESSAGE_ID_LENGTH);
  data.set(routedHeaderPrefix(envelope.source, envelope.destination), 0);
  data.set(envelope.messageId, HOP_LIMIT_OFFSET);
  return data;
}

/** A copy of an encoded routed envelope with its hop limit one lower: what a relay forwards, the sealed bytes untouched. */
export function withHopLimitDecremented(encoded: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(encoded);
  const hopLimit = copy[HOP_LIMIT_OFFSET]!;
  if (hopLimit <= 1) throw new RangeError(`hop limit ${hopLimit} cannot be decremented`);
  copy[HOP_LIMIT_OFFSET] = hopLimit - 1;
  return copy;
}

/** Kind byte and the two x coordinates. */
function routedHeaderPrefix(source: string, destination: string): Uint8Array {
  const sourceKey = keyBytes('source', source);
  const destinationKey = keyBytes('destination', destination);
  const prefix = new Uint8Array(65);
  prefix[0] = ROUTED | (sourceKey[0] === 3 ? SOURCE_ODD : 0) | (destinationKey[0] === 3 ? DESTINATION_ODD : 0);
  prefix.set(sourceKey.subarray(1), 1);
  prefix.set(destinationKey.subarray(1), 33);
  return prefix;
}

function keyBytes(field: string, nodeId: string): Uint8Array {
  const bytes = /^[0-9a-fA-F]{66}$/.test(nodeId) ? Buffer.from(nodeId, 'hex') : undefined; // read once, into the header: no copy
  if (!bytes || (bytes[0] !== 2 && bytes[0] !== 3)) throw new RangeError(`${field} ${nodeId} is not a compressed node id in hex`);
  return bytes;
}

function nodeIdAt(bytes: Uint8Array, offset: number, odd: number, field: string): string {
  const key = new Uint8Array(33);
  key[0] = odd ? 3 : 2;
  key.set(bytes.subarray(offset, offset + 32), 1);
  if (!isPublicKey(key)) throw new EnvelopeDecodeError(field, 'not a point on secp256k1');
  return bytesToHex(key);
}
