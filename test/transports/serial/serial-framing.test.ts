// Serial frames: payloads cross a byte stream cut anywhere; what the line garbles is dropped and counted, never delivered.
import t from 'tap';
import fc from 'fast-check';
import { SerialFrameDecoder, encodeSerialFrame, serialFrameMaxLength, type SerialFrameResult } from '../../../transports/serial/serial-framing.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
const payloadsOf = (results: SerialFrameResult[]) => results.flatMap((result) => (result.kind === 'frame' ? [hex(result.payload)] : []));

/** Cuts `stream` at the given points (taken modulo its length), as a serial port hands out chunks. */
function chunk(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, stream.length]) {
    chunks.push(stream.subarray(start, point));
    start = point;
  }
  return chunks;
}

t.test('a frame on the wire is COBS(payload, CRC-32 little-endian) and a zero', async (t) => {
  // CRC-32 of "123456789" is 0xcbf43926: on the wire 26 39 f4 cb, after the payload, all behind one code byte.
  const frame = encodeSerialFrame(new TextEncoder().encode('123456789'));
  t.equal(hex(frame), '0e' + hex(new TextEncoder().encode('123456789')) + '2639f4cb' + '00');
  t.ok(frame.length <= serialFrameMaxLength(9));
});

t.test('frames round-trip through any chunking', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (payloads, cuts) => {
      const decoder = new SerialFrameDecoder(300);
      const stream = concat(...payloads.map(encodeSerialFrame));
      const received = chunk(stream, cuts).flatMap((piece) => payloadsOf(decoder.push(piece)));
      return JSON.stringify(received) === JSON.stringify(payloads.map(hex)) && decoder.stats.frames === payloads.length && decoder.stats.corrupt === 0;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random streams');
});

t.test('a frame with a wrong CRC is dropped and counted; the next one arrives', async (t) => {
  const decoder = new SerialFrameDecoder(255);
  const bad = encodeSerialFrame(Uint8Array.of(1, 2, 3, 4));
  bad[2]! ^= 0x40; // a bit flipped on the line (still non-zero, so COBS is intact)
  const results = decoder.push(concat(bad, encodeSerialFrame(Uint8Array.of(9, 9))));
  t.same(payloadsOf(results), ['0909']);
  t.equal(decoder.stats.corrupt, 1);
  t.same(results[0], { kind: 'dropped', reason: 'corrupt', detail: 'CRC mismatch' });
});

t.test('a frame spelled the other way COBS allows is dropped as corrupt, though its CRC is right', async (t) => {
  // 250 bytes and a CRC with no zero in it: 254 non-zero bytes, one full COBS block and nothing after it.
  const payload = Array.from({ length: 255 }, (_, fill) => new Uint8Array(250).fill(fill + 1)).find((candidate) => !encodeSerialFrame(candidate).subarray(0, -1).includes(0))!;
  const canonical = encodeSerialFrame(payload);
  t.equal(canonical.length, 256);
  t.equal(canonical[0], 0xff);
  // The same bytes with an empty block before the delimiter: decodes to the same payload and CRC.
  const second = concat(canonical.subarray(0, -1), Uint8Array.of(0x01, 0x00));
  const decoder = new SerialFrameDecoder(255);
  const results = decoder.push(concat(second, canonical));
  t.same(payloadsOf(results), [hex(payload)], 'only the canonical one arrives');
  t.equal(decoder.stats.corrupt, 1);
  t.match(results[0], { kind: 'dropped', reason: 'corrupt', detail: /not the canonical encoding/ });
});

t.test('any single flipped bit in a frame is never delivered as a frame', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (payload, position, bit) => {
      const frame = encodeSerialFrame(payload);
      const index = position % (frame.length - 1); // not the delimiter
      frame[index]! ^= 1 << bit;
      const decoder = new SerialFrameDecoder(255);
      // A flip can make a zero inside the frame and so split it in two: neither half may pass.
      const results = decoder.push(concat(frame, encodeSerialFrame(Uint8Array.of(7))));
      return JSON.stringify(payloadsOf(results)) === JSON.stringify(['07']) && decoder.stats.corrupt >= 1;
    }),
    { numRuns: 500 },
  );
  t.pass('500 random flips');
});

t.test('garbage between frames is dropped, the frames around it arrive', async (t) => {
  const decoder = new SerialFrameDecoder(255);
  const garbage = Uint8Array.of(0x00, 0x13, 0x37, 0x00, 0x00, 0xff, 0x00);
  const results = decoder.push(concat(encodeSerialFrame(Uint8Array.of(1)), garbage, encodeSerialFrame(Uint8Array.of(2))));
  t.same(payloadsOf(results), ['01', '02']);
  t.equal(decoder.stats.corrupt, 2, 'two runs of garbage; empty frames (two zeros in a row) are not counted');
});

t.test('a frame before which the receiver started listening mid-frame costs only that frame', async (t) => {
  const decoder = new SerialFrameDecoder(255);
  const first = encodeSerialFrame(Uint8Array.from({ length: 40 }, (_, i) => i + 1));
  const results = decoder.push(concat(first.subarray(17), encodeSerialFrame(Uint8Array.of(5))));
  t.same(payloadsOf(results), ['05']);
  t.equal(decoder.stats.corrupt, 1);
});

t.test('an oversized frame is skipped up to its delimiter, counted once, and memory stays bounded', async (t) => {
  const decoder = new SerialFrameDecoder(16);
  const huge = encodeSerialFrame(new Uint8Array(5000).fill(0x55));
  const results = [...decoder.push(huge.subarray(0, 2500)), ...decoder.push(huge.subarray(2500)), ...decoder.push(encodeSerialFrame(Uint8Array.of(3)))];
  t.same(payloadsOf(results), ['03']);
  t.equal(decoder.stats.oversized, 1);
  t.equal(decoder.stats.corrupt, 0);
  // Just over the limit: a payload of 17 for a limit of 16 fits the encoded buffer but is still refused.
  decoder.push(encodeSerialFrame(new Uint8Array(17).fill(1)));
  t.equal(decoder.stats.oversized, 2);
  t.same(payloadsOf(decoder.push(encodeSerialFrame(new Uint8Array(16).fill(1)))), ['01'.repeat(16)], 'exactly the limit passes');
});

t.test('arbitrary line noise never throws and never yields a frame', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (noise) => {
      const decoder = new SerialFrameDecoder(64);
      // A 32-bit CRC lets about one random frame in four billion through: not in 300 runs.
      return payloadsOf(decoder.push(noise)).length === 0;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random streams');
});
