/**
 * Bytes as lower-case hex, through Buffer. @noble/hashes' `bytesToHex`
 * builds its answer two characters at a time, and V8 keeps such a string as
 * a chain of 64 pieces (about 900 bytes for a 32-byte txid, against about
 * 120) for as long as it lives: a map keyed by txids, message ids or node
 * ids held that much more for every key. This one is flat, and faster.
 */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
