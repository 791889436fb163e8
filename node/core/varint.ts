/**
 * Unsigned LEB128 varints: 7 bits a byte, least significant first, the top
 * bit set on every byte but the last. Small numbers (below 128) take one
 * byte, which is what most handles, counts and lengths on the air are.
 *
 * Shared by the link frame and the compact channel messages. A decoder reads
 * only the shortest form, so every number has exactly one encoding.
 */

/** Where a decoder is in its input. */
export interface ByteReader {
  readonly bytes: Uint8Array;
  offset: number;
}

/** JavaScript's safe integers take at most 8 varint bytes. */
const MAX_VARINT_BYTES = 8;

export function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

/** Appends `value`; throws RangeError, naming `field`, for anything but an unsigned safe integer. */
export function writeVarint(out: number[], value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${field}: ${value} is not an unsigned safe integer`);
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

/**
 * Reads a shortest-form varint no larger than `max` (at most 2^53 - 1).
 * Each decoder has its own error type: `refuse` makes it from the reason,
 * and what it returns is thrown.
 */
export function readVarint(reader: ByteReader, max: number, refuse: (reason: string) => Error): number {
  let value = 0;
  let scale = 1;
  for (let length = 1; ; length++) {
    const byte = reader.bytes[reader.offset];
    if (byte === undefined) throw refuse('ends early');
    reader.offset++;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (byte === 0 && length > 1) throw refuse('varint not in its shortest form');
      // A value past 2^53 may have been rounded, but never down to `max` or below.
      if (value > max) throw refuse(`${value} is more than the ${max} allowed`);
      return value;
    }
    if (length === MAX_VARINT_BYTES) throw refuse(`varint longer than ${MAX_VARINT_BYTES} bytes`);
    scale *= 0x80;
  }
}
