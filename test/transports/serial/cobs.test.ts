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

t.test('each data has one encoding: the other spelling COBS allows is refused', async (t) => {
  // 254 non-zero bytes fill one block; the encoder ends there. An empty block after it decodes to the same bytes.
  const full = range(0x01, 0xfe);
  const canonical = bytes(0xff, full);
  const second = bytes(0xff, full, 0x01);
  t.equal(hex(cobsEncode(full)), hex(canonical));
  t.equal(hex(cobsDecode(canonical)), hex(full));
  t.throws(() => cobsDecode(second), { name: 'CobsDecodeError', offset: 255, reason: /empty block after a full block at the end/ });
  // The same empty block anywhere else means a zero, and is what the encoder writes for one.
  t.equal(hex(cobsDecode(bytes(0xff, full, 0x01, 0x01))), hex(bytes(full, 0x00)));
  t.equal(hex(cobsDecode(bytes(0xff, full, 0xff, full))), hex(bytes(full, full)));
  t.throws(() => cobsDecode(bytes(0xff, full, 0xff, full, 0x01)), { name: 'CobsDecodeError', offset: 510 });

  // Whatever decodes is exactly what the encoder writes for the result: chains of short, long and full blocks.
  const block = fc.oneof(fc.constant(1), fc.constant(2), fc.constant(0xfe), fc.constant(0xff), fc.integer({ min: 1, max: 0xff })).chain((code) =>
    fc.uint8Array({ minLength: code - 1, maxLength: code - 1, min: 1 }).map((data) => bytes(code, data)),
  );
  fc.assert(
    fc.property(fc.array(block, { minLength: 1, maxLength: 6 }), (blocks) => {
      const encoded = bytes(...blocks);
      let decoded: Uint8Array;
      try {
        decoded = cobsDecode(encoded);
      } catch (error) {
        return error instanceof CobsDecodeError && encoded.length >= 256 && encoded.at(-1) === 0x01 && encoded.at(-256) === 0xff;
      }
      return hex(cobsEncode(decoded)) === hex(encoded);
    }),
    { numRuns: 2000 },
  );
});
