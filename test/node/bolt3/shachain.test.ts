// Shachain storage accepts any valid sequence and rejects any tampered one.
import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../node/core/input.js';
import {
  MAX_SHACHAIN_INDEX,
  RevocationStore,
  ShachainError,
  generateFromSeed,
  type ShachainEntry,
} from '../../../node/bolt3/shachain.js';
import { caught, throwsField } from '../input.js';

const MAX = MAX_SHACHAIN_INDEX;
const hex = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'));

/** Trailing zero bits of a 48-bit index, computed independently of the module (48 for 0). */
function trailingZeros(index: number): number {
  if (index === 0) return 48;
  let big = BigInt(index);
  let count = 0;
  while ((big & 1n) === 0n) {
    big >>= 1n;
    count++;
  }
  return count;
}

/** Everything observable about a store except lookups, as a comparable string. */
function state(store: RevocationStore): string {
  return JSON.stringify({
    latest: store.latestIndex ?? null,
    entries: store.entriesForStorage().map((entry) => [entry.index, hex(entry.secret)]),
  });
}

function copyEntries(entries: readonly ShachainEntry[]): ShachainEntry[] {
  return entries.map((entry) => ({ index: entry.index, secret: Uint8Array.from(entry.secret) }));
}

/** Inserts the valid secrets for MAX, MAX-1, ..., MAX-n+1. */
function validStore(seed: Uint8Array, n: number): RevocationStore {
  const store = new RevocationStore();
  for (let k = 0; k < n; k++) store.insert(MAX - k, generateFromSeed(seed, MAX - k));
  return store;
}

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Property (a) for one seed and length; throws (node:assert) on any violation. */
function checkValidSequence(seed: Uint8Array, n: number, probe: number): void {
  const store = new RevocationStore();
  const buckets = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    const index = MAX - k;
    store.insert(index, generateFromSeed(seed, index));
    buckets.set(trailingZeros(index), index);
  }
  const latest = MAX - n + 1;
  assert.equal(store.latestIndex, latest, 'latestIndex is the last inserted index');
  for (let k = 0; k < n; k++) {
    const index = MAX - k;
    assert.equal(hex(store.secretFor(index)), hex(generateFromSeed(seed, index)), `secretFor(${index})`);
  }
  const entries = store.entriesForStorage();
  assert.ok(entries.length <= 49, 'at most 49 entries');
  assert.equal(entries.length, buckets.size, 'one entry per trailing-zero count seen');
  for (const entry of entries) {
    assert.equal(entry.index, buckets.get(trailingZeros(entry.index)), 'each entry is the latest index of its bucket');
    assert.equal(hex(entry.secret), hex(generateFromSeed(seed, entry.index)), 'each entry holds the right secret');
  }
  // Not yet revealed: anything below the latest index.
  assert.equal(store.secretFor(latest - 1), undefined, 'the next index is not revealed yet');
  assert.equal(store.secretFor(Math.max(0, latest - 1 - probe)), undefined, 'a lower index is not revealed yet');
  assert.equal(store.secretFor(0), undefined, 'index 0 is not revealed yet');
}

t.test('(a) any valid sequence is accepted and every secret can be looked up', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 300 }), fc.nat(1_000_000), (seed, n, probe) => {
      checkValidSequence(seed, n, probe);
      runs++;
    }),
    { numRuns: 25 },
  );
  t.equal(runs, 25, 'random seeds and lengths 1..300');

  let longRuns = 0;
  fc.assert(
    fc.property(seedArb, fc.nat(1_000_000), (seed, probe) => {
      checkValidSequence(seed, 1100, probe);
      longRuns++;
    }),
    { numRuns: 1 },
  );
  t.equal(longRuns, 1, 'a run of 1100 secrets, crossing bucket 10');
  t.equal(trailingZeros(MAX - 1023), 10, '(the 1100-long run includes an index with 10 trailing zeros)');

  const store = new RevocationStore();
  t.equal(store.latestIndex, undefined, 'an empty store has no latest index');
  t.equal(store.secretFor(MAX), undefined, 'an empty store reveals nothing');
  t.same(store.entriesForStorage(), [], 'an empty store has no entries');
});

t.test('BOLT 3 generate_from_seed anchors', async (t) => {
  t.equal(hex(generateFromSeed(new Uint8Array(32), MAX)), '02a40c85b6f28da08dfdbe0926c53fab2de6d28c10301f8f7c4073d5e42e3148', 'seed 0, final node');
  t.equal(hex(generateFromSeed(new Uint8Array(32).fill(0xff), MAX)), '7cc854b54e3e0dcdb010d7a3fee464a9687be6e8db3be6854c475621e007a5dc', 'seed FF, final node');
  t.equal(hex(generateFromSeed(new Uint8Array(32).fill(0xff), 0xaaaaaaaaaaa)), '56f4008fb007ca9acf0e15b054d5c9fd12ee06cea347914ddbaed70d1c13a528', 'seed FF, alternate bits');
  t.equal(hex(generateFromSeed(new Uint8Array(32).fill(0x42), 0)), hex(new Uint8Array(32).fill(0x42)), 'index 0 is the seed itself');
});

type Tamper = { kind: 'flip'; bit: number } | { kind: 'substitute'; otherSeed: Uint8Array };

const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), bit: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('substitute' as const), otherSeed: seedArb }),
);

function tamperedSecret(seed: Uint8Array, index: number, tamper: Tamper): Uint8Array {
  if (tamper.kind === 'flip') {
    const secret = generateFromSeed(seed, index);
    secret[tamper.bit >> 3]! ^= 1 << (tamper.bit & 7);
    return secret;
  }
  return generateFromSeed(tamper.otherSeed, index);
}

/**
 * Property (b): inserts MAX..d in order with the secret at position k tampered, where d is the
 * first later index with more trailing zeros than the tampered one. Returns the index that failed.
 */
function checkTamperedSequence(seed: Uint8Array, k: number, tamper: Tamper): number {
  const tamperedIndex = MAX - k;
  const z = trailingZeros(tamperedIndex);
  const deadline = tamperedIndex - 2 ** z;
  assert.ok(trailingZeros(deadline) > z);
  for (let i = tamperedIndex - 1; i > deadline; i--) assert.ok(trailingZeros(i) <= z);
  const bad = tamperedSecret(seed, tamperedIndex, tamper);
  assert.notEqual(hex(bad), hex(generateFromSeed(seed, tamperedIndex)));

  const store = new RevocationStore();
  const accepted: [number, Uint8Array][] = [];
  let failure: { index: number; error: unknown; before: string; after: string } | undefined;
  for (let index = MAX; index >= deadline; index--) {
    const secret = index === tamperedIndex ? bad : generateFromSeed(seed, index);
    const before = state(store);
    try {
      store.insert(index, secret);
      accepted.push([index, secret]);
    } catch (error) {
      failure = { index, error, before, after: state(store) };
      break;
    }
  }
  assert.ok(failure, `some insert throws by index ${deadline} (tampered ${tamperedIndex}, ${z} trailing zeros)`);
  assert.ok(failure.error instanceof ShachainError, `the error is a ShachainError: ${String(failure.error)}`);
  assert.ok(failure.index <= tamperedIndex, 'nothing before the tampered index is rejected');
  assert.ok(failure.index >= deadline, 'rejected no later than the first index with more trailing zeros');
  // BOLT 3's checks catch it as early as possible: at once if the tampered index has a
  // trailing zero (the index above it is stored in bucket 0), else at the very next index.
  assert.equal(failure.index, z > 0 ? tamperedIndex : tamperedIndex - 1, 'rejected at the earliest possible index');
  assert.equal(failure.after, failure.before, 'a failed insert leaves entries and latestIndex unchanged');

  // The store is exactly the store of the accepted inserts, and answers the same lookups.
  const replay = new RevocationStore();
  for (const [index, secret] of accepted) replay.insert(index, secret);
  assert.equal(state(store), state(replay), 'same state as replaying the accepted inserts');
  for (const [index, secret] of accepted) {
    assert.equal(hex(store.secretFor(index)), hex(secret), `lookup of accepted index ${index} unchanged`);
  }
  assert.equal(store.secretFor(failure.index), undefined, 'the rejected index is not revealed');

  if (failure.index === tamperedIndex) {
    // Nothing was stored, so the genuine secret is still welcome and the chain goes on.
    for (let index = tamperedIndex; index >= deadline; index--) store.insert(index, generateFromSeed(seed, index));
    assert.equal(store.latestIndex, deadline);
    assert.equal(hex(store.secretFor(tamperedIndex)), hex(generateFromSeed(seed, tamperedIndex)));
  } else {
    // The tampered secret was stored (nothing could check it yet); the genuine next one keeps failing.
    const before = state(store);
    const again = caught(() => store.insert(failure!.index, generateFromSeed(seed, failure!.index)));
    assert.ok(again instanceof ShachainError, 'retrying still fails');
    assert.equal(state(store), before, 'and still changes nothing');
  }
  return failure.index;
}

t.test('(b) any tampered sequence is rejected in time, and a rejection changes nothing', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 0, max: 299 }), tamperArb, (seed, k, tamper) => {
      fc.pre(tamper.kind === 'flip' || hex(tamper.otherSeed) !== hex(seed));
      checkTamperedSequence(seed, k, tamper);
      runs++;
    }),
    { numRuns: 40 },
  );
  t.equal(runs, 40, 'random seeds, positions and tamperings');

  const seed = new Uint8Array(32).fill(7);
  // Positions whose indexes have 0, 1, 4, 8 and 10 trailing zeros.
  for (const k of [0, 1, 15, 255, 1023]) {
    const index = MAX - k;
    const z = trailingZeros(index);
    const failedAt = checkTamperedSequence(seed, k, { kind: 'flip', bit: 255 });
    t.ok(failedAt <= index && failedAt >= index - 2 ** z, `a flipped bit at index MAX-${k} (${z} trailing zeros) is rejected at MAX-${MAX - failedAt}`);
  }
});

t.test('(c) out-of-order inserts are rejected and change nothing', async (t) => {
  const wrongArb = fc.oneof(
    fc.constant({ kind: 'repeat' as const, gap: 0 }),
    fc.record({ kind: fc.constant('skip' as const), gap: fc.integer({ min: 2, max: 64 }) }),
    fc.record({ kind: fc.constant('up' as const), gap: fc.integer({ min: 1, max: 64 }) }),
    fc.constant({ kind: 'zero' as const, gap: 0 }),
  );
  let runs = 0;
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 80 }), wrongArb, (seed, n, wrong) => {
      const store = validStore(seed, n);
      const latest = MAX - n + 1;
      const wrongIndex =
        wrong.kind === 'repeat' ? latest : wrong.kind === 'skip' ? latest - wrong.gap : wrong.kind === 'up' ? Math.min(MAX, latest + wrong.gap) : 0;
      const before = state(store);
      const error = caught(() => store.insert(wrongIndex, generateFromSeed(seed, wrongIndex)));
      assert.ok(error instanceof ShachainError, `insert(${wrongIndex}) after ${latest} throws a ShachainError`);
      assert.equal(error.field, 'index');
      assert.equal(state(store), before, 'nothing changed');
      assert.equal(hex(store.secretFor(latest)), hex(generateFromSeed(seed, latest)), 'lookups unchanged');
      if (wrongIndex < latest) assert.equal(store.secretFor(wrongIndex), undefined, 'the out-of-order secret is not revealed');
      // The right next secret is still accepted.
      store.insert(latest - 1, generateFromSeed(seed, latest - 1));
      assert.equal(store.latestIndex, latest - 1);
      assert.equal(hex(store.secretFor(latest - 1)), hex(generateFromSeed(seed, latest - 1)));
      runs++;
    }),
    { numRuns: 40 },
  );
  t.equal(runs, 40, 'repeats, skips, going back up, and jumping to 0 are all refused');
});

/** Entries X that some other entry can check: a lower bucket above it or a higher bucket below it. */
function checkable(entries: readonly ShachainEntry[], position: number): boolean {
  const x = entries[position]!;
  const bx = trailingZeros(x.index);
  return entries.some((y, i) => {
    if (i === position) return false;
    const by = trailingZeros(y.index);
    return (by < bx && y.index > x.index) || (by > bx && y.index < x.index);
  });
}

/** A deterministic permutation (Fisher-Yates over a small LCG). */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

t.test('(d) fromEntries restores a store, and rejects tampered entries', async (t) => {
  let runs = 0;
  let rejectedByFromEntries = 0;
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (seed, n, order, pick, bit) => {
      const store = validStore(seed, n);
      const latest = MAX - n + 1;
      const saved = copyEntries(store.entriesForStorage());
      const restored = RevocationStore.fromEntries(shuffle(saved, order), store.latestIndex);
      assert.equal(state(restored), state(store), 'same entries and latest index');
      for (let k = 0; k < n; k++) {
        assert.equal(hex(restored.secretFor(MAX - k)), hex(generateFromSeed(seed, MAX - k)), `restored secretFor(MAX-${k})`);
      }
      assert.equal(restored.secretFor(latest - 1), undefined, 'restored: the next index is not revealed');
      // It takes the next secret, and only the next one.
      const outOfOrder = caught(() => restored.insert(latest - 2, generateFromSeed(seed, latest - 2)));
      assert.ok(outOfOrder instanceof ShachainError, 'restored store refuses a skipped index');
      restored.insert(latest - 1, generateFromSeed(seed, latest - 1));
      assert.equal(restored.latestIndex, latest - 1);
      assert.equal(hex(restored.secretFor(latest - 1)), hex(generateFromSeed(seed, latest - 1)));
      assert.equal(hex(restored.secretFor(MAX)), hex(generateFromSeed(seed, MAX)));

      // Tamper one entry (a copy: the original store must not be touched).
      const position = pick % saved.length;
      const tampered = copyEntries(saved);
      tampered[position]!.secret[bit >> 3]! ^= 1 << (bit & 7);
      const target = tampered[position]!.index;
      const z = trailingZeros(target);
      const error = caught(() => RevocationStore.fromEntries(tampered, store.latestIndex));
      if (checkable(saved, position)) {
        assert.ok(error instanceof ShachainError, `fromEntries rejects a tampered checkable entry (index ${target}): ${String(error)}`);
        rejectedByFromEntries++;
      } else if (error === undefined) {
        // No other entry relates to this one; like insert, the store catches it by the next index with more trailing zeros.
        const fromTampered = RevocationStore.fromEntries(tampered, store.latestIndex);
        const deadline = target - 2 ** z;
        assert.ok(deadline < latest, 'an unrelated entry is one whose check is still to come');
        let failedAt: number | undefined;
        for (let index = latest - 1; index >= deadline; index--) {
          const thrown = caught(() => fromTampered.insert(index, generateFromSeed(seed, index)));
          if (thrown) {
            assert.ok(thrown instanceof ShachainError);
            failedAt = index;
            break;
          }
        }
        assert.ok(failedAt !== undefined, `the tampered entry ${target} is caught by index ${deadline}`);
      } else {
        assert.ok(error instanceof ShachainError);
      }
      assert.equal(state(store), state(validStore(seed, n)), 'the original store is untouched');
      runs++;
    }),
    { numRuns: 30 },
  );
  t.equal(runs, 30, 'random stores restored, used and tampered with');
  t.ok(rejectedByFromEntries > 0, `fromEntries itself rejected ${rejectedByFromEntries} tampered entries`);

  // Hand-made cases.
  const seed = new Uint8Array(32).fill(9);
  const store = validStore(seed, 40);
  const entries = copyEntries(store.entriesForStorage());
  t.equal(RevocationStore.fromEntries([], undefined).latestIndex, undefined, 'no entries: an empty store');

  const highest = entries.reduce((a, b) => (trailingZeros(b.index) > trailingZeros(a.index) ? b : a));
  const substituted = copyEntries(entries).map((entry) =>
    entry.index === highest.index ? { index: entry.index, secret: generateFromSeed(new Uint8Array(32).fill(8), entry.index) } : entry,
  );
  t.ok(caught(() => RevocationStore.fromEntries(substituted, store.latestIndex)) instanceof ShachainError, 'an entry from another seed is rejected');

  const bucket0 = entries.find((entry) => trailingZeros(entry.index) === 0)!;
  const twoInBucket = [...copyEntries(entries), { index: bucket0.index + 2, secret: generateFromSeed(seed, bucket0.index + 2) }];
  t.ok(caught(() => RevocationStore.fromEntries(twoInBucket, store.latestIndex)) instanceof ShachainError, 'two entries in one bucket are rejected');

  throwsField(t, () => RevocationStore.fromEntries([{ index: -1, secret: new Uint8Array(32) }], 5), 'entries[0].index', 'negative index');
  throwsField(t, () => RevocationStore.fromEntries([{ index: MAX + 1, secret: new Uint8Array(32) }], 5), 'entries[0].index', 'index above 2^48-1');
  throwsField(t, () => RevocationStore.fromEntries([{ index: 5, secret: new Uint8Array(31) }], 5), 'entries[0].secret', '31-byte secret');
  throwsField(t, () => RevocationStore.fromEntries([{ index: 5, secret: 'ab' as unknown as Uint8Array }], 5), 'entries[0].secret', 'string secret');
});

t.test('(e) bad inputs throw InvalidInputError naming the field', async (t) => {
  const seed = new Uint8Array(32).fill(1);
  throwsField(t, () => generateFromSeed(new Uint8Array(31), 0), 'seed', 'generateFromSeed, 31-byte seed');
  throwsField(t, () => generateFromSeed(new Uint8Array(33), 0), 'seed', 'generateFromSeed, 33-byte seed');
  throwsField(t, () => generateFromSeed(seed, -1), 'index', 'generateFromSeed, index -1');
  throwsField(t, () => generateFromSeed(seed, MAX + 1), 'index', 'generateFromSeed, index 2^48');
  throwsField(t, () => generateFromSeed(seed, 1.5), 'index', 'generateFromSeed, index 1.5');
  throwsField(t, () => generateFromSeed(seed, Number.NaN), 'index', 'generateFromSeed, NaN');
  throwsField(t, () => generateFromSeed(seed, '5' as unknown as number), 'index', 'generateFromSeed, a string index');

  const store = validStore(seed, 5);
  const before = state(store);
  const next = MAX - 5;
  throwsField(t, () => store.insert(next, new Uint8Array(31)), 'secret', 'insert, 31-byte secret');
  throwsField(t, () => store.insert(next, new Uint8Array(33)), 'secret', 'insert, 33-byte secret');
  throwsField(t, () => store.insert(-1, generateFromSeed(seed, next)), 'index', 'insert, index -1');
  throwsField(t, () => store.insert(MAX + 1, generateFromSeed(seed, next)), 'index', 'insert, index 2^48');
  throwsField(t, () => store.insert(next + 0.5, generateFromSeed(seed, next)), 'index', 'insert, fractional index');
  t.equal(state(store), before, 'rejected inserts changed nothing');
  store.insert(next, generateFromSeed(seed, next));
  t.equal(store.latestIndex, next, 'and the store still takes the next secret');

  throwsField(t, () => store.secretFor(-1), 'index', 'secretFor, index -1');
  throwsField(t, () => store.secretFor(MAX + 1), 'index', 'secretFor, index 2^48');
  throwsField(t, () => store.secretFor(Number.POSITIVE_INFINITY), 'index', 'secretFor, Infinity');

  t.ok(new ShachainError('secret', 'x') instanceof InvalidInputError, 'ShachainError is an InvalidInputError');
});

t.test('stored entries are copies, and fromEntries names the inconsistent entry', async (t) => {
  const seed = new Uint8Array(32).fill(0x5a);
  const store = new RevocationStore();
  for (let k = 0; k < 4; k++) store.insert(MAX_SHACHAIN_INDEX - k, generateFromSeed(seed, MAX_SHACHAIN_INDEX - k));
  const entries = store.entriesForStorage();
  entries[0]!.secret.fill(0);
  t.same(store.secretFor(MAX_SHACHAIN_INDEX), generateFromSeed(seed, MAX_SHACHAIN_INDEX), 'changing a returned entry does not change the store');
  // The entry for 2^48-4 (two trailing zero bits) re-derives the one for 2^48-3, so a change to that one is caught.
  const tampered = store.entriesForStorage().map((entry) => ({ ...entry, secret: Uint8Array.from(entry.secret) }));
  const lowest = tampered.find((entry) => entry.index === MAX_SHACHAIN_INDEX - 2)!;
  lowest.secret[0]! ^= 1;
  t.throws(() => RevocationStore.fromEntries(tampered, store.latestIndex), { name: 'ShachainError', field: /^entries\[\d+\]\.secret$/ }, 'the field names the entry');
});

t.test('a restored store must hold every entry it should, and the first secret is for commitment 0', async (t) => {
  const seed = new Uint8Array(32).fill(0x33);
  for (const count of [1, 2, 6, 8, 64, 100]) {
    const store = new RevocationStore();
    for (let k = 0; k < count; k++) store.insert(MAX_SHACHAIN_INDEX - k, generateFromSeed(seed, MAX_SHACHAIN_INDEX - k));
    const entries = store.entriesForStorage();
    t.equal(RevocationStore.fromEntries(entries, store.latestIndex).latestIndex, store.latestIndex, `${count} secrets: the complete set restores`);
    for (let drop = 0; drop < entries.length; drop++) {
      const missing = entries.filter((_, i) => i !== drop);
      t.throws(() => RevocationStore.fromEntries(missing, store.latestIndex), { name: 'ShachainError' }, `${count} secrets: entry ${entries[drop]!.index} missing is refused`);
    }
    t.throws(() => RevocationStore.fromEntries(entries, undefined), { name: 'ShachainError', field: 'latestIndex' }, 'entries without a latest index are refused');
  }
  t.throws(() => new RevocationStore().insert(MAX_SHACHAIN_INDEX - 1, new Uint8Array(32)), { name: 'ShachainError', field: 'index' }, 'the first secret must be for 2^48-1');
});

t.test('entries restored as saved (found consistent before) give the same store; changed ones are checked again', async (t) => {
  const seed = new Uint8Array(32).fill(5);
  const store = validStore(seed, 100);
  const saved = store.entriesForStorage();
  const restored = RevocationStore.fromEntries(copyEntries(saved), store.latestIndex);
  t.equal(state(restored), state(store));
  for (let k = 0; k < 100; k++) t.equal(hex(restored.secretFor(MAX - k)), hex(generateFromSeed(seed, MAX - k)));
  restored.insert(MAX - 100, generateFromSeed(seed, MAX - 100));
  const position = saved.findIndex((_, i) => checkable(saved, i));
  t.ok(position >= 0, 'an entry the others check');
  const tampered = copyEntries(saved);
  tampered[position]!.secret[0]! ^= 1;
  t.throws(() => RevocationStore.fromEntries(tampered, store.latestIndex), ShachainError, 'a changed secret is refused, the good set seen or not');
  t.throws(() => RevocationStore.fromEntries(copyEntries(saved).slice(1), store.latestIndex), ShachainError, 'so is a missing entry');
  t.throws(() => RevocationStore.fromEntries(copyEntries(saved), (store.latestIndex ?? 0) - 1), ShachainError, 'and another latest index');
});
