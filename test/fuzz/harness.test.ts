// The fuzz harness itself (test/fuzz): that a run is the same for the same
// seed, that it tells a crash, a failed round trip and a hang from a clean
// refusal, and that a known failure is matched only by its own target and
// detail. The decoders' run is decoders.test.ts.
import t from 'tap';
import { type KnownFailure, knownFailure } from './known-failures.js';
import { runInWorker } from './run-in-worker.js';
import { inputAt, runTarget } from './run-target.js';
import { Random, runSeed } from './random.js';
import { hex, judge } from './target.js';
import { crashing, lossy } from './harness-targets.js';
import { cbor, updateCodec } from './targets/wire.js';

t.test('the same seed makes the same inputs; another seed, others', async (t) => {
  const seeds = updateCodec.seeds();
  const run = (seed: number) => Array.from({ length: 50 }, (_, index) => hex(inputAt(updateCodec, seeds, seed, index)));
  t.same(run(42), run(42), 'seed 42 twice');
  t.not(run(42).join(), run(43).join(), 'seeds 42 and 43 differ');
  t.equal(hex(inputAt(updateCodec, seeds, 42, 37)), run(42)[37], 'input 37 made on its own is input 37 of the run');
  t.equal(new Random(1, 2, 3).next(), new Random(1, 2, 3).next(), 'the random source is seeded');
});

t.test('FUZZ_SEED is read as given, and refused when it is not a 32-bit integer', async (t) => {
  t.equal(runSeed('123', () => 7), 123);
  t.equal(runSeed('0xff', () => 7), 255);
  t.equal(runSeed(undefined, () => 7), 7, 'unset: a fresh seed');
  t.throws(() => runSeed('-1', () => 7), /FUZZ_SEED/);
  t.throws(() => runSeed('abc', () => 7), /FUZZ_SEED/);
});

t.test('judging one input: decoded, refused with its own error, crashed, or not round-tripping', async (t) => {
  t.equal(judge(cbor, Uint8Array.of(0x01)).result, 'accepted', 'a CBOR integer decodes');
  t.equal(judge(cbor, Uint8Array.of(0xff)).result, 'refused', 'a CBOR break byte is a DecodeError');
  const crash = judge(crashing, Uint8Array.of(0xff));
  t.match(crash, { result: 'failed', failure: { kind: 'crash', detail: /^TypeError: / } }, 'a TypeError is a crash');
  t.equal(judge(crashing, new Uint8Array(0)).result, 'refused', "the target's own DecodeError is a refusal");
  t.match(judge(lossy, Uint8Array.of(0xff)), { result: 'failed', failure: { kind: 'round-trip', detail: 'came back as 0' } }, 'a value that comes back different fails');
});

t.test('a known failure matches its own target, kind, detail and stack only', async (t) => {
  const list: KnownFailure[] = [{ target: 'config/duration', kind: 'crash', detail: /^TypeError: Cannot convert/, stack: /parseDuration/, why: 'an example' }];
  const failure = { kind: 'crash' as const, detail: 'TypeError: Cannot convert object to primitive value', stack: 'TypeError: ...\n    at parseDuration (duration.ts:40:3)' };
  t.ok(knownFailure('config/duration', failure, list), 'the listed crash');
  t.notOk(knownFailure('config/duration-values', failure, list), 'the same crash in another target');
  t.notOk(knownFailure('config/duration', { ...failure, detail: 'RangeError: Invalid array length' }, list), 'another crash in that target');
  t.notOk(knownFailure('config/duration', { ...failure, kind: 'round-trip' }, list), 'another kind of failure');
  t.notOk(knownFailure('config/duration', { ...failure, stack: 'TypeError: ...\n    at parseRate (duration.ts:70:3)' }, list), 'the same error from elsewhere');
});

t.test('a run counts failures and keeps their inputs to replay', async (t) => {
  const report = runTarget(crashing, 5, 400, Infinity, () => {});
  t.equal(report.inputs, 400);
  t.ok(report.failures > 0, `inputs starting with 0xff crash: ${report.failures} of 400`);
  const first = report.kept[0]!;
  t.equal(first.input.slice(0, 2), 'ff', 'the kept input is the one that crashed');
  t.equal(hex(inputAt(crashing, crashing.seeds(), 5, first.index)), first.input, 'and is made again from the seed and its index');
});

t.test('an input that hangs stops the worker and is reported with its hex', async (t) => {
  const targetsModule = new URL('./harness-targets.ts', import.meta.url).href;
  const counts = { 'harness/crashing': 20, 'harness/lossy': 20, 'harness/hanging': 20 };
  const { reports, hang } = await runInWorker({ seed: 1, counts, timeLimitMs: 60_000, targetsModule }, 1_500);
  t.same(reports.map((report) => report.target), ['harness/crashing', 'harness/lossy'], 'the targets before it report');
  t.equal(hang?.target, 'harness/hanging', 'the hanging target is named');
  t.equal(hang?.input.slice(0, 2), 'ff', 'with the input that hung');
});
