/**
 * The AEAD of a sealed frame: ChaCha20-Poly1305 (RFC 8439) under the
 * session's key, with the counter as BOLT 8 makes it a nonce
 * (`noise-crypto.ts`), the frame's header as associated data, and the
 * Poly1305 tag cut to its first 8 bytes.
 *
 * Why 8: a payment over one LoRa hop is seven frames, and the tag was 112
 * of its 900 bytes, the largest part of the link's overhead; at SF7 each byte
 * is about 1.5 ms of a duty cycle's 36 s an hour. What an 8-byte tag gives:
 * a forged or altered frame passes with a chance of 2^-64 per try (Poly1305
 * is a universal hash, so cutting its output leaves each bit as hard to
 * guess), and each try costs the forger a frame on the air: at ten frames a
 * second for a year, about 2^28 tries. Every nonce has its own Poly1305 key
 * here (RFC 8439 derives it from the nonce), so a failed or even a
 * successful forgery tells nothing about the key of any other frame, unlike
 * GCM, where short tags leak the one hash key all frames share. The replay
 * window accepts each counter once. Others on small radios cut as far:
 * LoRaWAN's MIC is 4 bytes, OSCORE's default AES-CCM-16-64 and TLS's CCM_8
 * tags are 8, and this link's own neighbour tag is 8 (`neighbour-tag.ts`).
 * The handshake's acts keep BOLT 8's 16-byte tags.
 *
 * Opening checks the tag before it decrypts anything, in time independent
 * of where a tag differs: a stranger's or a garbled frame costs one ChaCha20
 * block and a Poly1305 pass over the frame, no more.
 */
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { TAG_LENGTH, nonceOf } from './noise-crypto.js';

/** The tag a sealed frame carries: the first 8 bytes of its Poly1305 tag. */
export const FRAME_TAG_LENGTH = 8;

/** The body encrypted, then the first `FRAME_TAG_LENGTH` bytes of its RFC 8439 tag. */
export function sealFrameBody(key: Uint8Array, counter: number, header: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const sealed = chacha20poly1305(key, nonceOf(counter), header).encrypt(plaintext);
  return sealed.subarray(0, sealed.length - (TAG_LENGTH - FRAME_TAG_LENGTH));
}

/** The plaintext, or undefined when the tag does not verify (wrong key, counter, header or a changed byte); never throws. */
export function openFrameBody(key: Uint8Array, counter: number, header: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < FRAME_TAG_LENGTH) return undefined;
  const nonce = nonceOf(counter);
  const ciphertext = sealed.subarray(0, sealed.length - FRAME_TAG_LENGTH);
  const tag = poly1305Tag(key, nonce, header, ciphertext);
  let difference = 0;
  for (let i = 0; i < FRAME_TAG_LENGTH; i++) difference |= tag[i]! ^ sealed[ciphertext.length + i]!;
  if (difference !== 0) return undefined;
  return chacha20(key, nonce, ciphertext, undefined, 1);
}

/** RFC 8439 §2.8: Poly1305 keyed by the nonce's first ChaCha20 block, over header, ciphertext (each padded to 16) and their lengths. */
export function poly1305Tag(key: Uint8Array, nonce: Uint8Array, associatedData: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const polyKey = chacha20(key, nonce, new Uint8Array(32), undefined, 0);
  const padded = (length: number) => length + ((16 - (length % 16)) % 16);
  const data = new Uint8Array(padded(associatedData.length) + padded(ciphertext.length) + 16);
  data.set(associatedData, 0);
  data.set(ciphertext, padded(associatedData.length));
  const view = new DataView(data.buffer);
  view.setBigUint64(data.length - 16, BigInt(associatedData.length), true);
  view.setBigUint64(data.length - 8, BigInt(ciphertext.length), true);
  return poly1305(data, polyKey);
}
