// CommitmentSecrets gives what generate_from_seed gives, whatever order the indexes come in.
import t from 'tap';
import fc from 'fast-check';
import { CommitmentSecrets } from '../../../node/keys/commitment-secrets.js';
import { MAX_SHACHAIN_INDEX, generateFromSeed } from '../../../node/bolt3/shachain.js';
import { throwsField } from '../input.js';

const MAX = MAX_SHACHAIN_INDEX;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

t.test('counting down from 2^48-1, across the 256 and 65536 boundaries', async (t) => {
  const seed = new Uint8Array(32).fill(0x42);
  const secrets = new CommitmentSecrets(seed);
  let wrong = 0;
  for (let n = 0; n < 70_000; n += n < 1000 ? 1 : 97) if (hex(secrets.secretAt(MAX - n)) !== hex(generateFromSeed(seed, MAX - n))) wrong++;
  t.equal(wrong, 0, 'every secret is generate_from_seed\'s');
});

t.test('any indexes in any order, the same secret twice', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(fc.integer({ min: 0, max: MAX }), { minLength: 1, maxLength: 20 }), (seed, indexes) => {
      const secrets = new CommitmentSecrets(seed);
      for (const index of [...indexes, ...indexes]) if (hex(secrets.secretAt(index)) !== hex(generateFromSeed(seed, index))) return false;
      return true;
    }),
  );
  t.pass('matches generate_from_seed');
});

t.test('callers get their own arrays, and the seed is copied', async (t) => {
  const seed = new Uint8Array(32).fill(7);
  const secrets = new CommitmentSecrets(seed);
  const expected = hex(generateFromSeed(Uint8Array.from(seed), MAX - 3));
  secrets.secretAt(MAX - 3).fill(0);
  seed.fill(0);
  t.equal(hex(secrets.secretAt(MAX - 3)), expected, 'changing a returned secret or the seed changes nothing');
  t.equal(hex(secrets.secretAt(0)), hex(new Uint8Array(32).fill(7)), 'index 0 is the seed itself, as a copy');
});

t.test('bad input', async (t) => {
  throwsField(t, () => new CommitmentSecrets(new Uint8Array(31)), 'seed', 'a short seed');
  const secrets = new CommitmentSecrets(new Uint8Array(32));
  throwsField(t, () => secrets.secretAt(MAX + 1), 'index', 'past 2^48-1');
  throwsField(t, () => secrets.secretAt(-1), 'index', 'negative');
  throwsField(t, () => secrets.secretAt(1.5), 'index', 'not an integer');
});
