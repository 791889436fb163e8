/**
 * BOLT 8's own message encryption, kept for its test vectors and for
 * comparison: each message is a 2-byte big-endian length and the body, each
 * encrypted with its own nonce (18 + length + 16 bytes on the wire), and the
 * key rotates every 1000 nonces, i.e. every 500 messages.
 *
 * lnmesh does not send this over radio links: one lost frame would
 * desynchronise the nonce and the length-prefixed stream, ending the
 * connection. The link session encrypts each frame on its own instead.
 */
import { TAG_LENGTH, decryptWithAd, encryptWithAd, hkdfTwoKeys } from './noise-crypto.js';

/** BOLT 8: "the nonce reaches 1000" triggers a rotation. */
export const ROTATION_INTERVAL = 1000;
export const MAX_MESSAGE_LENGTH = 0xffff;
/** The encrypted length prefix: 2 bytes and a tag. */
export const LENGTH_HEADER_SIZE = 2 + TAG_LENGTH;

const EMPTY = new Uint8Array(0);

/** A message that cannot be sent, or bytes that do not decrypt; after the latter BOLT 8 closes the connection. */
export class Bolt8MessageError extends Error {
  override name = 'Bolt8MessageError';
}

/** One direction's key, chaining key and nonce (BOLT 8's sk/sck/sn or rk/rck/rn). */
export class Bolt8CipherState {
  private key: Uint8Array;
  private chainingKey: Uint8Array;
  private nonce = 0;

  constructor(key: Uint8Array, chainingKey: Uint8Array) {
    if (key.length !== 32 || chainingKey.length !== 32) throw new Bolt8MessageError('the key and the chaining key must be 32 bytes each');
    this.key = Uint8Array.from(key);
    this.chainingKey = Uint8Array.from(chainingKey);
  }

  encrypt(plaintext: Uint8Array): Uint8Array {
    const ciphertext = encryptWithAd(this.key, this.nonce, EMPTY, plaintext);
    this.advance();
    return ciphertext;
  }

  /** The plaintext; throws `Bolt8MessageError` without consuming the nonce when the tag does not verify. */
  decrypt(ciphertext: Uint8Array): Uint8Array {
    const plaintext = decryptWithAd(this.key, this.nonce, EMPTY, ciphertext);
    if (!plaintext) throw new Bolt8MessageError('the authentication tag does not verify');
    this.advance();
    return plaintext;
  }

  private advance(): void {
    this.nonce++;
    if (this.nonce === ROTATION_INTERVAL) {
      [this.chainingKey, this.key] = hkdfTwoKeys(this.chainingKey, this.key);
      this.nonce = 0;
    }
  }
}

/** Encrypts one message: encrypted length, then encrypted body. */
export function encryptMessage(state: Bolt8CipherState, message: Uint8Array): Uint8Array {
  if (message.length > MAX_MESSAGE_LENGTH) throw new Bolt8MessageError(`a message is at most ${MAX_MESSAGE_LENGTH} bytes, got ${message.length}`);
  const length = Uint8Array.of(message.length >> 8, message.length & 0xff);
  const header = state.encrypt(length);
  const body = state.encrypt(message);
  const packet = new Uint8Array(header.length + body.length);
  packet.set(header);
  packet.set(body, header.length);
  return packet;
}

/** The body length announced by an 18-byte encrypted header (a stream reader then reads that plus 16 bytes). */
export function decryptLength(state: Bolt8CipherState, header: Uint8Array): number {
  if (header.length !== LENGTH_HEADER_SIZE) throw new Bolt8MessageError(`a length header is ${LENGTH_HEADER_SIZE} bytes, got ${header.length}`);
  const length = state.decrypt(header);
  return (length[0]! << 8) | length[1]!;
}

/** Decrypts one whole packet as `encryptMessage` made it. */
export function decryptMessage(state: Bolt8CipherState, packet: Uint8Array): Uint8Array {
  if (packet.length < LENGTH_HEADER_SIZE + TAG_LENGTH) throw new Bolt8MessageError(`a packet is at least ${LENGTH_HEADER_SIZE + TAG_LENGTH} bytes, got ${packet.length}`);
  const length = decryptLength(state, packet.subarray(0, LENGTH_HEADER_SIZE));
  const expected = LENGTH_HEADER_SIZE + length + TAG_LENGTH;
  if (packet.length !== expected) throw new Bolt8MessageError(`the header announces a ${expected}-byte packet, got ${packet.length} bytes`);
  return state.decrypt(packet.subarray(LENGTH_HEADER_SIZE));
}
