// LEB128 varints, shared by the link frame and the compact `update`: known
// encodings, round trips of every safe integer, and a reader that takes only
// the shortest form and hands every refusal to the caller's own error type.
import t from 'tap';
import fc from 'fast-check';
import { type ByteReader, readVarint, varintLength, writeVarint } from '../../../node/core/varint.js';
import { caught } from '../input.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

class TestError extends Error {
  override name = 'TestError';
}

const encode = (value: number): string => {
  const out: number[] = [];
  writeVarint(out, value, 'value');
  return hex(Uint8Array.from(out));
};

/** Reads one varint from `text`; returns it and where the reader stopped. */
const read = (text: string, max = Number.MAX_SAFE_INTEGER): { value: number; offset: number } => {
  const reader: ByteReader = { bytes: fromHex(text), offset: 0 };
  const value = readVarint(reader, max, (reason) => new TestError(reason));
  return { value, offset: reader.offset };
};

t.test('known encodings: 7 bits a byte, least significant first', async (t) => {
  const known: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16_383, 'ff7f'],
    [16_384, '808001'],
    [800_000, '80ea30'],
    [2 ** 32 - 1, 'ffffffff0f'],
    [Number.MAX_SAFE_INTEGER, 'ffffffffffffff0f'],
  ];
  for (const [value, encoded] of known) {
    t.equal(encode(value), encoded, `${value} is ${encoded}`);
    t.equal(varintLength(value), encoded.length / 2, `${value} takes ${encoded.length / 2} bytes`);
    t.same(read(`${encoded}ee`), { value, offset: encoded.length / 2 }, `${encoded} reads back as ${value}, leaving what follows`);
  }
});

t.test('property: every safe integer round-trips in varintLength bytes', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.nat(300), fc.nat(), fc.maxSafeNat()), (value) => {
      const encoded = encode(value);
      return encoded.length / 2 === varintLength(value) && read(encoded).value === value;
    }),
    { numRuns: 2000, seed: 0x1eb },
  );
  t.pass('2000 values round-tripped');
});

t.test('the reader refuses, with the error its caller makes, whatever is not one shortest-form varint within bounds', async (t) => {
  const refused = (text: string, reason: RegExp, label: string, max?: number): void => {
    const error = caught(() => read(text, max));
    t.ok(error instanceof TestError, `${label}: the caller's error`, { caught: String(error) });
    t.match((error as Error | undefined)?.message, reason, `${label}: says why`);
  };
  refused('', /ends early/, 'no bytes');
  refused('80', /ends early/, 'a continuation byte, then nothing');
  refused('8000', /shortest form/, '0 in two bytes');
  refused('ff00', /shortest form/, '127 in two bytes');
  refused('8080808080808080' + '01', /longer than 8 bytes/, 'nine bytes');
  refused('8080808080808010', /more than/, '2^53, one past the safe integers');
  refused('ffffffffffffff7f', /more than/, '2^56 - 1');
  refused('ac02', /300 is more than the 299 allowed/, '300 against a max of 299', 299);
  t.equal(read('ac02', 300).value, 300, 'a max is inclusive');
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
    t.ok(caught(() => encode(bad)) instanceof RangeError, `writing ${bad} throws RangeError`);
  }
});
