/**
 * CRC-32 as in Ethernet, zlib and PNG (IEEE 802.3: reflected, polynomial
 * 0xEDB88320, initial and final XOR 0xFFFFFFFF). It catches the errors a
 * serial line makes, bursts and flipped bits; it is no defence against
 * someone who wants to forge a frame (the link layer authenticates).
 * Written here rather than taken from node:zlib so that it reads as the
 * specification a microcontroller on the other end implements.
 */

const table = (() => {
  const entries = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? (value >>> 1) ^ 0xedb88320 : value >>> 1;
    entries[index] = value >>> 0;
  }
  return entries;
})();

/** The CRC-32 of `data`, as an unsigned 32-bit integer. */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
