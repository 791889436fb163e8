// KISS framing as the RNode firmware speaks it: frames survive any byte values and any chunking.
import t from 'tap';
import fc from 'fast-check';
import { encodeKissFrame, FEND, FESC, KissDecoder, TFEND } from '../../../transports/lora/kiss.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

t.test('a frame is FEND, command, escaped payload, FEND', async (t) => {
  t.equal(hex(encodeKissFrame(0x00, Uint8Array.of(1, 2, 3))), 'c000010203c0');
  t.equal(hex(encodeKissFrame(0x00, Uint8Array.of(FEND, FESC, TFEND))), 'c000dbdcdbdddcc0', 'FEND and FESC escaped, TFEND alone is plain');
  t.equal(hex(encodeKissFrame(0x01, Uint8Array.of(0x33, 0xbe, 0x27, 0xa0))), 'c00133be27a0c0', 'CMD_FREQUENCY 868.1 MHz');
  t.throws(() => encodeKissFrame(256, new Uint8Array(0)), { name: 'RangeError' });
});

t.test('decoding gives back command and payload', async (t) => {
  const decoder = new KissDecoder(100);
  const frames = decoder.push(encodeKissFrame(0x00, Uint8Array.of(FEND, 7, FESC)));
  t.equal(frames.length, 1);
  t.equal(frames[0]?.command, 0x00);
  t.equal(hex(frames[0]?.payload ?? new Uint8Array(0)), 'c007db');
});

t.test('bytes before the first FEND and empty frames are ignored', async (t) => {
  const decoder = new KissDecoder(100);
  const stream = Uint8Array.from([0x45, 0x72, 0x72, FEND, FEND, FEND, 0x08, 0x46, FEND]);
  const frames = decoder.push(stream);
  t.same(frames.map((frame) => [frame.command, hex(frame.payload)]), [[0x08, '46']]);
  t.same(decoder.dropped, { oversize: 0, badEscape: 0 });
});

t.test('round trip of any frames, in any chunking (property)', async (t) => {
  const frameArbitrary = fc.record({ command: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 300 }) });
  fc.assert(
    fc.property(fc.array(frameArbitrary, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (frames, cuts) => {
      const stream = Uint8Array.from(frames.flatMap((frame) => [...encodeKissFrame(frame.command, frame.payload)]));
      const decoder = new KissDecoder(300);
      const decoded = [];
      let offset = 0;
      for (let i = 0; offset < stream.length; i++) {
        const size = cuts[i % cuts.length] ?? 1;
        decoded.push(...decoder.push(stream.subarray(offset, offset + size)));
        offset += size;
      }
      const expected = frames.map((frame) => `${frame.command}:${hex(frame.payload)}`);
      const actual = decoded.map((frame) => `${frame.command}:${hex(frame.payload)}`);
      return JSON.stringify(actual) === JSON.stringify(expected);
    }),
  );
  t.pass('round trips held');
});

t.test('a frame fed one byte at a time decodes the same', async (t) => {
  const decoder = new KissDecoder(16);
  const encoded = encodeKissFrame(0x02, Uint8Array.of(0x00, 0x01, 0xe8, 0x48));
  const frames = [...encoded].flatMap((byte) => decoder.push(Uint8Array.of(byte)));
  t.equal(frames.length, 1);
  t.equal(hex(frames[0]?.payload ?? new Uint8Array(0)), '0001e848');
});

t.test('a bad escape drops that frame only, and is counted', async (t) => {
  const decoder = new KissDecoder(100);
  const bad = Uint8Array.from([FEND, 0x00, 1, FESC, 0x41, 2, 3, FEND]);
  const good = encodeKissFrame(0x00, Uint8Array.of(9));
  const frames = decoder.push(Uint8Array.from([...bad, ...good]));
  t.same(frames.map((frame) => hex(frame.payload)), ['09']);
  t.equal(decoder.dropped.badEscape, 1);
  // FESC right before FEND: the frame is cut short, also a bad escape.
  t.same(decoder.push(Uint8Array.from([FEND, 0x00, 5, FESC, FEND])), []);
  t.equal(decoder.dropped.badEscape, 2);
  t.same(decoder.push(good).map((frame) => hex(frame.payload)), ['09'], 'the decoder recovers');
});

t.test('a frame over the maximum is dropped, counted, and never buffered whole', async (t) => {
  const decoder = new KissDecoder(10);
  t.same(decoder.push(encodeKissFrame(0x00, new Uint8Array(10).fill(1))).length, 1, '10 bytes fit');
  const huge = encodeKissFrame(0x00, new Uint8Array(100_000).fill(2));
  t.same(decoder.push(huge), []);
  t.equal(decoder.dropped.oversize, 1);
  t.same(decoder.push(encodeKissFrame(0x00, Uint8Array.of(3))).map((frame) => hex(frame.payload)), ['03'], 'the next frame comes through');
});

t.test('a stream of random bytes never throws and never yields oversize frames (property)', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      const decoder = new KissDecoder(32);
      return decoder.push(bytes).every((frame) => frame.payload.length <= 32);
    }),
  );
  t.pass('no throw, sizes bounded');
});
