// The node seed: its file (mode 0600, never overwritten), its 24 words, and its generation.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { SEED_LENGTH, SeedFileError, generateSeed, readSeedFile, seedFromWords, seedToWords, writeSeedFile } from '../../../node/keys/seed.js';
import { caught, throwsField } from '../input.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Asserts a SeedFileError whose path is `path` and whose message names it and contains `reason`. */
function throwsSeedFileError(t: Pick<Test, 'ok' | 'equal'>, fn: () => unknown, path: string, reason: RegExp, message: string): void {
  const error = caught(fn);
  t.ok(error instanceof SeedFileError, `${message}: throws SeedFileError`, { caught: String(error) });
  t.equal((error as SeedFileError | undefined)?.path, path, `${message}: .path is the file`);
  const text = (error as Error | undefined)?.message ?? '';
  t.ok(text.includes(path), `${message}: the message names the file`, { message: text });
  t.ok(reason.test(text), `${message}: the message says why (${reason})`, { message: text });
}

const root = mkdtempSync(join(tmpdir(), 'lnmesh-seed-test-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
let dirCounter = 0;
const freshDir = (): string => {
  const dir = join(root, `d${dirCounter++}`);
  mkdirSync(dir);
  return dir;
};

t.test('writeSeedFile / readSeedFile round trip, mode 0600, no temporary files', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(seedArb.filter((seed) => seed.some((byte) => byte !== 0)), (seed) => {
      const dir = freshDir();
      const path = join(dir, 'seed');
      writeSeedFile(path, seed);
      if ((statSync(path).mode & 0o777) !== 0o600) return false;
      if (readFileSync(path, 'utf8') !== `${hex(seed)}\n`) return false;
      if (hex(readSeedFile(path)) !== hex(seed)) return false;
      if (readdirSync(dir).join(',') !== 'seed') return false;
      runs++;
      return true;
    }),
    { numRuns: 15 },
  );
  t.equal(runs, 15, 'random seeds: mode 0600, 64 hex digits and a newline, read back equal, nothing else in the directory');

  // Even with a permissive umask the file is 0600.
  const dir = freshDir();
  const path = join(dir, 'seed');
  const previous = process.umask(0);
  try {
    writeSeedFile(path, new Uint8Array(32).fill(5));
  } finally {
    process.umask(previous);
  }
  t.equal((statSync(path).mode & 0o777).toString(8), '600', 'mode 0600 under umask 000');
});

t.test('writeSeedFile refuses to overwrite, and leaves the old file intact', async (t) => {
  const dir = freshDir();
  const path = join(dir, 'seed');
  const first = new Uint8Array(32).fill(0x11);
  const second = new Uint8Array(32).fill(0x22);
  writeSeedFile(path, first);
  const before = readFileSync(path, 'utf8');
  throwsSeedFileError(t, () => writeSeedFile(path, second), path, /already exists/, 'second write');
  t.equal(readFileSync(path, 'utf8'), before, 'the old file content is unchanged');
  t.equal(hex(readSeedFile(path)), hex(first), 'the old seed still reads back');
  t.equal((statSync(path).mode & 0o777).toString(8), '600', 'the old file keeps mode 0600');
  t.same(readdirSync(dir), ['seed'], 'no temporary files are left behind');

  // Also when the existing file is not a seed at all.
  const other = join(dir, 'notes.txt');
  writeFileSync(other, 'hello', { mode: 0o644 });
  throwsSeedFileError(t, () => writeSeedFile(other, second), other, /already exists/, 'existing non-seed file');
  t.equal(readFileSync(other, 'utf8'), 'hello', 'the existing file is untouched');
  t.same(readdirSync(dir).sort(), ['notes.txt', 'seed'], 'still no temporary files');
});

t.test('writeSeedFile checks the seed before touching the disk', async (t) => {
  const dir = freshDir();
  const path = join(dir, 'seed');
  throwsField(t, () => writeSeedFile(path, new Uint8Array(31)), 'seed', '31-byte seed');
  throwsField(t, () => writeSeedFile(path, 'ab'.repeat(32) as unknown as Uint8Array), 'seed', 'hex string instead of bytes');
  t.same(readdirSync(dir), [], 'nothing was written');
  t.ok(caught(() => writeSeedFile(join(dir, 'missing', 'seed'), new Uint8Array(32).fill(1))) instanceof Error, 'a missing directory is an error');
  t.same(readdirSync(dir), [], 'still nothing was written');
});

t.test('readSeedFile refuses files others can read', async (t) => {
  for (const mode of [0o644, 0o640, 0o604, 0o660, 0o666]) {
    const dir = freshDir();
    const path = join(dir, 'seed');
    writeSeedFile(path, new Uint8Array(32).fill(3));
    chmodSync(path, mode);
    throwsSeedFileError(t, () => readSeedFile(path), path, new RegExp(`readable by others \\(mode ${mode.toString(8)}\\)`), `mode ${mode.toString(8)}`);
  }
  const dir = freshDir();
  const path = join(dir, 'seed');
  writeSeedFile(path, new Uint8Array(32).fill(4));
  chmodSync(path, 0o400);
  t.equal(hex(readSeedFile(path)), hex(new Uint8Array(32).fill(4)), 'mode 0400 (owner read-only) is fine');
});

t.test('readSeedFile refuses malformed content and missing files, naming the path', async (t) => {
  const dir = freshDir();
  const write = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  const good = 'ab'.repeat(32);
  const cases: [string, string][] = [
    ['empty', ''],
    ['63 hex digits', good.slice(1)],
    ['66 hex digits', good + 'ab'],
    ['62 hex digits', good.slice(2)],
    ['not hex', 'zz'.repeat(32)],
    ['0x prefix', `0x${good}`],
    ['two seeds', `${good}\n${good}\n`],
    ['24 words instead of hex', seedToWords(new Uint8Array(32).fill(0xab))],
  ];
  for (const [name, content] of cases) {
    const path = write(name.replace(/\W+/g, '-'), content);
    throwsSeedFileError(t, () => readSeedFile(path), path, /expected 64 hex digits/, name);
  }

  const missing = join(dir, 'no-such-seed');
  throwsSeedFileError(t, () => readSeedFile(missing), missing, /does not exist/, 'missing file');
  const directory = freshDir();
  throwsSeedFileError(t, () => readSeedFile(directory), directory, /cannot be read/, 'a directory');

  t.equal(hex(readSeedFile(write('no-newline', good))), good, 'no trailing newline is fine');
  t.equal(hex(readSeedFile(write('upper', `  ${good.toUpperCase()}\r\n`))), good, 'upper case and surrounding whitespace are fine');
});

t.test('seedToWords / seedFromWords', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(seedArb, (seed) => {
      const words = seedToWords(seed);
      const list = words.split(' ');
      if (list.length !== 24 || !list.every((word) => wordlist.includes(word))) return false;
      if (hex(seedFromWords(words)) !== hex(seed)) return false;
      // Case and spacing do not matter.
      if (hex(seedFromWords(`\n  ${list.join('  \t').toUpperCase()} \n`)) !== hex(seed)) return false;
      runs++;
      return true;
    }),
    { numRuns: 30 },
  );
  t.equal(runs, 30, '24 English BIP 39 words round trip, whatever the case and spacing');

  t.equal(seedToWords(new Uint8Array(32)), `${'abandon '.repeat(23)}art`, 'BIP 39 vector: 32 zero bytes');
  t.equal(seedToWords(new Uint8Array(32).fill(0xff)), `${'zoo '.repeat(23)}vote`, 'BIP 39 vector: 32 0xff bytes');
  t.equal(
    seedToWords(new Uint8Array(32).fill(0x7f)),
    'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title',
    'BIP 39 vector: 32 0x7f bytes',
  );

  const zeroWords = `${'abandon '.repeat(23)}art`.split(' ');
  const swapped = [...zeroWords];
  swapped[0] = 'ability';
  throwsField(t, () => seedFromWords(swapped.join(' ')), 'words', 'a wrong (but valid) word fails the checksum');

  let typoRuns = 0;
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 0, max: 23 }), (seed, position) => {
      const list = seedToWords(seed).split(' ');
      list[position] = `${list[position]}x`.replace(/^(.)(.)/, '$2$1');
      const error = caught(() => seedFromWords(list.join(' ')));
      if (!(error instanceof InvalidInputError) || error.field !== 'words') return false;
      typoRuns++;
      return true;
    }),
    { numRuns: 20 },
  );
  t.equal(typoRuns, 20, 'a misspelled word at any position is rejected');

  const swapError = caught(() => seedFromWords(swapped.join(' ')));
  t.match((swapError as Error).message, /not a valid BIP 39 phrase/, 'the message says the phrase is wrong');
  throwsField(t, () => seedFromWords(`${'abandon '.repeat(11)}about`), 'words', 'a (valid) 12-word phrase');
  const twelveError = caught(() => seedFromWords(`${'abandon '.repeat(11)}about`));
  t.match((twelveError as Error).message, /expected 24 words/, 'the message asks for 24 words');
  throwsField(t, () => seedFromWords(`${'abandon '.repeat(14)}abandon abandon abandon art`), 'words', 'an 18-word phrase');
  throwsField(t, () => seedFromWords(`${zeroWords.join(' ')} abandon`), 'words', '25 words');
  throwsField(t, () => seedFromWords(''), 'words', 'empty');
  throwsField(t, () => seedToWords(new Uint8Array(16)), 'seed', 'seedToWords of 16 bytes');
});

t.test('generateSeed uses the injected random source', async (t) => {
  const requested: number[] = [];
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
  const seed = generateSeed((length) => {
    requested.push(length);
    return bytes.slice(0, length);
  });
  t.same(requested, [SEED_LENGTH], 'asks the source once, for 32 bytes');
  t.equal(hex(seed), hex(bytes), 'returns exactly what the source gave');

  let runs = 0;
  fc.assert(
    fc.property(seedArb.filter((s) => s.some((byte) => byte !== 0)), (random) => {
      if (hex(generateSeed(() => Uint8Array.from(random))) !== hex(random)) return false;
      runs++;
      return true;
    }),
    { numRuns: 20 },
  );
  t.equal(runs, 20, 'any non-zero source output becomes the seed');

  throwsField(t, () => generateSeed((length) => new Uint8Array(length)), 'seed', 'an all-zero source');
  const zeroError = caught(() => generateSeed((length) => new Uint8Array(length)));
  t.match((zeroError as Error).message, /only zeros/, 'the message says why');
  throwsField(t, () => generateSeed(() => new Uint8Array(16).fill(1)), 'seed', 'a source returning 16 bytes');
  throwsField(t, () => generateSeed(() => 'random' as unknown as Uint8Array), 'seed', 'a source returning a string');
  const lastByteOnly = new Uint8Array(32);
  lastByteOnly[31] = 1;
  t.equal(hex(generateSeed(() => lastByteOnly)), hex(lastByteOnly), 'a single non-zero byte is enough');
});
