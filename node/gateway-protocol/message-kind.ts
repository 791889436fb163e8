/**
 * Which protocol a message between a node and its gateway belongs to: the
 * gateway protocol (gateway-messages.ts: CBOR maps whose type number, key 0,
 * is 64 or more) or the channel messages (node/wire/: CBOR maps with type
 * numbers below 64, or a type byte below 0xa0 followed by a layout of its
 * own, the `update`). The gateway is also a channel peer of the nodes
 * attached to it, so both kinds come from it and go to it.
 *
 * Read from the first bytes only, without decoding: encoders here write the
 * map's keys in ascending order, so key 0 comes first. Anything that does
 * not read as a gateway message is a channel message: its decoder then says
 * what is wrong with it.
 */

/** The lowest type number of the gateway protocol: every channel message type is below it. */
export const FIRST_GATEWAY_MESSAGE_TYPE = 64;

export type MessageKind = 'gateway' | 'channel';

/** A CBOR map's first byte is 0xa0 to 0xbb (major type 5, definite length). */
const MAP_FIRST = 0xa0;
const MAP_LAST = 0xbb;

/** `gateway` when `bytes` is a CBOR map whose first key is 0 with a type number of the gateway protocol; else `channel`. */
export function messageKind(bytes: Uint8Array): MessageKind {
  const first = bytes[0];
  if (first === undefined || first < MAP_FIRST || first > MAP_LAST) return 'channel';
  // The map's own length takes 0, 1, 2, 4 or 8 more bytes (0xb8 to 0xbb).
  const info = first & 0x1f;
  let offset = 1 + (info < 24 ? 0 : 2 ** (info - 24));
  if (bytes[offset++] !== 0) return 'channel'; // key 0, the type, comes first in every message we encode
  const type = readUnsigned(bytes, offset);
  return type !== undefined && type >= FIRST_GATEWAY_MESSAGE_TYPE ? 'gateway' : 'channel';
}

/** A CBOR unsigned integer (major type 0) at `offset`, up to four bytes of value; undefined for anything else. */
function readUnsigned(bytes: Uint8Array, offset: number): number | undefined {
  const head = bytes[offset];
  if (head === undefined || head > 0x1a) return undefined;
  if (head < 24) return head;
  const length = 2 ** (head - 24);
  if (offset + 1 + length > bytes.length) return undefined;
  let value = 0;
  for (let i = 1; i <= length; i++) value = value * 256 + bytes[offset + i]!;
  return value;
}
