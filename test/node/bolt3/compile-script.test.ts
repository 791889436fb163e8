// Script assembly gives bitcoinjs-lib's bytes for any chunks: opcodes, data
// of every push size (minimal opcodes for the empty array, 1 to 16 and -1),
// and refuses what it refuses.
import t from 'tap';
import fc from 'fast-check';
import { script as bscript } from 'bitcoinjs-lib';
import { compileScript } from '../../../node/bolt3/compile-script.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const data = fc.oneof(
  fc.constantFrom(new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(1), Uint8Array.of(16), Uint8Array.of(17), Uint8Array.of(0x81), Uint8Array.of(0x80)),
  fc.uint8Array({ maxLength: 80 }),
  fc.integer({ min: 250, max: 300 }).map((n) => new Uint8Array(n).fill(7)),
  fc.integer({ min: 65_530, max: 65_540 }).map((n) => new Uint8Array(n).fill(9)),
);
const chunk = fc.oneof(fc.integer({ min: 0, max: 255 }), data);

t.test("the same bytes as bitcoinjs-lib's compile", async (t) => {
  fc.assert(
    fc.property(fc.array(chunk, { maxLength: 12 }), (chunks) => {
      t.equal(hex(compileScript(chunks)), hex(bscript.compile(chunks)));
    }),
    { numRuns: 300 },
  );
});

t.test('what bitcoinjs-lib refuses is refused', async (t) => {
  t.throws(() => compileScript([256]));
  t.throws(() => compileScript(['ab' as unknown as number]));
  const script = Uint8Array.of(0x51, 0x52);
  t.equal(compileScript(script as unknown as number[]), script, 'a script passes as it is');
});
