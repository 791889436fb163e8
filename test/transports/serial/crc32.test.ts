// CRC-32 (IEEE 802.3), the one zlib, Ethernet and PNG use: it must agree with them bit for bit.
import t from 'tap';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32 } from '../../../transports/serial/crc32.js';

t.test('the standard check value', async (t) => {
  t.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  t.equal(crc32(new Uint8Array()), 0);
  t.equal(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog')), 0x414fa339);
});

t.test('agrees with zlib on any bytes', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (data) => crc32(data) === zlibCrc32(data)), { numRuns: 300 });
  t.pass('300 random inputs');
});

t.test('one flipped bit changes it', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (data, position, bit) => {
      const flipped = data.slice();
      flipped[position % data.length]! ^= 1 << bit;
      return crc32(flipped) !== crc32(data);
    }),
    { numRuns: 300 },
  );
  t.pass('300 random flips');
});
