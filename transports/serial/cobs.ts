/**
 * COBS, Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999): rewrites
 * bytes so that none of them is 0x00, which is then free to mark the end of a
 * frame on a serial line. The cost is bounded, one byte per 254 (plus one),
 * whatever the data: a frame's size on the wire is known before it is sent.
 *
 * The encoding is a chain of blocks: a code byte `n` followed by `n - 1`
 * non-zero bytes, meaning "these bytes, then a zero" (`n` = 0xFF: 254 bytes
 * and no zero). The zero after the last block is implied by the end.
 */

/**
 * Thrown for bytes that `cobsEncode` would not produce: a zero inside, a
 * block that runs past the end, or a second spelling of some data (below).
 */
export class CobsDecodeError extends Error {
  override name = 'CobsDecodeError';
  constructor(
    readonly reason: string,
    /** Where in the encoded bytes the problem is. */
    readonly offset: number,
  ) {
    super(`COBS: ${reason} at byte ${offset}`);
  }
}

/** The largest encoding of `length` bytes: one code byte per started block of 254. */
export function cobsMaxEncodedLength(length: number): number {
  return length + Math.floor(length / 254) + 1;
}

/** Encodes `data` so that it holds no 0x00 (the delimiter is not added here). */
export function cobsEncode(data: Uint8Array): Uint8Array {
  const encoded = new Uint8Array(cobsMaxEncodedLength(data.length));
  let codeIndex = 0; // where the current block's code byte goes
  let write = 1;
  let code = 1;
  for (let read = 0; read < data.length; read++) {
    const byte = data[read]!;
    if (byte !== 0) {
      encoded[write++] = byte;
      code++;
    }
    if (byte === 0 || code === 0xff) {
      encoded[codeIndex] = code;
      code = 1;
      codeIndex = write;
      // A full block at the very end needs no empty block after it.
      if (byte === 0 || read + 1 < data.length) write++;
    }
  }
  encoded[codeIndex] = code;
  return encoded.slice(0, write);
}

/**
 * Decodes one COBS block chain (without its delimiter). Accepts only what
 * `cobsEncode` produces, so each frame has one spelling on the wire: the one
 * other spelling COBS allows, a full block at the end followed by an empty
 * one (`FF <254 bytes> 01`, the same data as `FF <254 bytes>`), is refused.
 * Throws `CobsDecodeError`.
 */
export function cobsDecode(encoded: Uint8Array): Uint8Array {
  if (encoded.length === 0) throw new CobsDecodeError('empty input (the shortest encoding is one byte)', 0);
  const decoded = new Uint8Array(encoded.length);
  let write = 0;
  let read = 0;
  let previousCode = 0;
  while (read < encoded.length) {
    const code = encoded[read]!;
    if (code === 0) throw new CobsDecodeError('zero byte', read);
    // An empty last block adds nothing after a full block (which implies no zero): the encoder leaves it out.
    if (code === 0x01 && previousCode === 0xff && read + 1 === encoded.length) throw new CobsDecodeError('empty block after a full block at the end (not the canonical encoding)', read);
    previousCode = code;
    const blockEnd = read + code;
    if (blockEnd > encoded.length) throw new CobsDecodeError(`block of ${code - 1} bytes runs past the end`, read);
    for (read++; read < blockEnd; read++) {
      const byte = encoded[read]!;
      if (byte === 0) throw new CobsDecodeError('zero byte', read);
      decoded[write++] = byte;
    }
    if (code !== 0xff && read < encoded.length) decoded[write++] = 0;
  }
  return decoded.slice(0, write);
}
