// COBS: any bytes in, no zero byte out, and back again; the examples are Wikipedia's (without the trailing delimiter).
import t from 'tap';
import fc from 'fast-check';
import { CobsDecodeError, cobsDecode, cobsEncode, cobsMaxEncodedLength } from '../../../transports/serial/cobs.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
const bytes = (...parts: (number | Uint8Array)[]) => Uint8Array.from(parts.flatMap((part) => (typeof part === 'number' ? [part] : [...part])));

t.test('known vectors', async (t) => {
  const vectors: [Uint8Array, Uint8Array][] = [
    [bytes(), bytes(0x01)],
    [bytes(0x00), bytes(0x01, 0x01)],
    [bytes(0x00, 0x00), bytes(0x01, 0x01, 0x01)],
    [bytes(0x00, 0x11, 0x00), bytes(0x01, 0x02, 0x11, 0x01)],
    [bytes(0x11, 0x22, 0x00, 0x33), bytes(0x03, 0x11, 0x22, 0x02, 0x33)],
    [bytes(0x11, 0x22, 0x33, 0x44), bytes(0x05, 0x11, 0x22, 0x33, 0x44)],
    [bytes(0x11, 0x00, 0x00, 0x00), bytes(0x02, 0x11, 0x01, 0x01, 0x01)],
    [range(0x01, 0xfe), bytes(0xff, range(0x01, 0xfe))],
    [bytes(0x00, range(0x01, 0xfe)), bytes(0x01, 0xff, range(0x01, 0xfe))],
    [range(0x01, 0xff), bytes(0xff, range(0x01, 0xfe), 0x02, 0xff)],
    [bytes(range(0x02, 0xff), 0x00), bytes(0xff, range(0x02, 0xff), 0x01, 0x01)],
    [bytes(range(0x03, 0xff), 0x00, 0x01), bytes(0xfe, range(0x03, 0xff), 0x02, 0x01)],
  ];
  for (const [decoded, encoded] of vectors) {
    t.equal(hex(cobsEncode(decoded)), hex(encoded), `encode ${hex(decoded).slice(0, 16)}… (${decoded.length} bytes)`);
    t.equal(hex(cobsDecode(encoded)), hex(decoded), `decode ${hex(encoded).slice(0, 16)}… (${encoded.length} bytes)`);
  }
});

t.test('any bytes round-trip, never contain zero, and stay within the overhead bound', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1200 }), (data) => {
      const encoded = cobsEncode(data);
      if (encoded.includes(0)) return false;
      if (encoded.length > cobsMaxEncodedLength(data.length)) return false;
      return hex(cobsDecode(encoded)) === hex(data);
    }),
    { numRuns: 500 },
  );
  // Zero-heavy and zero-free inputs are the edges; fast-check's uniform bytes rarely make long runs of either.
  fc.assert(
    fc.property(fc.array(fc.constantFrom(0x00, 0x01), { maxLength: 800 }), fc.integer({ min: 0, max: 600 }), (bits, runLength) => {
      const data = bytes(Uint8Array.from(bits), new Uint8Array(runLength).fill(0x7f), ...bits);
      return hex(cobsDecode(cobsEncode(data))) === hex(data);
    }),
    { numRuns: 200 },
  );
  t.pass('500 + 200 random inputs');
});

t.test('decoding bytes no encoder makes throws CobsDecodeError, never anything else', async (t) => {
  t.throws(() => cobsDecode(bytes()), { name: 'CobsDecodeError' }, 'empty');
  t.throws(() => cobsDecode(bytes(0x03, 0x11)), { name: 'CobsDecodeError' }, 'block past the end');
  t.throws(() => cobsDecode(bytes(0x03, 0x11, 0x00)), { name: 'CobsDecodeError' }, 'zero inside a block');
  t.throws(() => cobsDecode(bytes(0x02, 0x11, 0x00)), { name: 'CobsDecodeError' }, 'zero as a code byte');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (garbage) => {
      try {
        cobsDecode(garbage);
      } catch (error) {
        return error instanceof CobsDecodeError;
      }
      return true;
    }),
    { numRuns: 500 },
  );
});
