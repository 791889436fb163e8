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
 * Opening releases nothing before the tag checks (OpenSSL compares it in
 * time independent of where it differs): a stranger's or a garbled frame
 * costs one pass of ChaCha20 and Poly1305 over the frame, no more.
 */
import { openChaCha20Poly1305, sealChaCha20Poly1305 } from '../../node/core/aead.js';
import { nonceOf } from './noise-crypto.js';

/** The tag a sealed frame carries: the first 8 bytes of its Poly1305 tag. */
export const FRAME_TAG_LENGTH = 8;

/** The body encrypted, then the first `FRAME_TAG_LENGTH` bytes of its RFC 8439 tag. */
export function sealFrameBody(key: Uint8Array, counter: number, header: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return sealChaCha20Poly1305(key, nonceOf(counter), header, plaintext, FRAME_TAG_LENGTH);
}

/** The plaintext, or undefined when the tag does not verify (wrong key, counter, header or a changed byte); never throws. */
export function openFrameBody(key: Uint8Array, counter: number, header: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  return openChaCha20Poly1305(key, nonceOf(counter), header, sealed, FRAME_TAG_LENGTH);
}
