// Fuzzing every decoder that reads what a peer, a radio, a serial line, a
// broker, a gateway, a file or a local client hands it (issue 15). Each input
// must decode to a value or be refused with that decoder's own typed error,
// never anything else and never a hang; what decodes must encode again and
// come back the same. The corpus of inputs that once failed is replayed first.
//
// Each run takes a fresh seed (printed) and makes FUZZ_RUNS inputs (default
// 100,000) split across the targets by weight, within FUZZ_TIME_LIMIT
// seconds. To replay a run, or to go further locally:
//
//   FUZZ_SEED=123456 npx tap test/fuzz/decoders.test.ts
//   FUZZ_SEED=123456 FUZZ_TARGET=wire/cbor npx tap test/fuzz/decoders.test.ts   (that target's inputs only, same indexes)
//   FUZZ_RUNS=2000000 FUZZ_TIME_LIMIT=1800 npx tap -t 2000 test/fuzz/decoders.test.ts
//
// A new decoder gets a target in targets/ (valid encodings as seeds, its
// error class, its encoder for the round trip) listed in targets/index.ts.
// A failure found gets its input (hex, from the failure's diagnostics) into
// corpus/<target>.json with a note of what it found; while someone else fixes
// the decoder, an entry in known-failures.ts keeps the run green.
import { randomInt } from 'node:crypto';
import t from 'tap';
import { corpusTargets, readCorpus } from './corpus.js';
import { KNOWN_FAILURES, knownFailure } from './known-failures.js';
import { DECODER_TARGETS, runInWorker } from './run-in-worker.js';
import { SLOW_INPUT_MS, type TargetReport } from './run-target.js';
import { runSeed } from './random.js';
import { type Outcome, describeError, fromHex, judge } from './target.js';
import { TARGETS } from './targets/index.js';

/** Inputs a run makes by default: the issue asks for at least 100,000 on every CI run. */
const DEFAULT_RUNS = 100_000;
/** The run stops here whatever is left: a cap, not a goal (100,000 inputs took 7 to 12 s in the worker here, 24 s at load average 14; 1,000,000 took 71 s). */
const DEFAULT_TIME_LIMIT_SECONDS = 40;
/** One input running this long is a hang: the worker is stopped and the input reported. */
const HANG_LIMIT_MS = 10_000;

const seed = runSeed(process.env.FUZZ_SEED, () => randomInt(0, 2 ** 32));
const runs = positive('FUZZ_RUNS', DEFAULT_RUNS);
const timeLimitSeconds = positive('FUZZ_TIME_LIMIT', DEFAULT_TIME_LIMIT_SECONDS);
const only = process.env.FUZZ_TARGET;
const replay = `FUZZ_SEED=${seed}`;

t.comment(`fuzz seed ${seed} (replay: ${replay} npx tap test/fuzz/decoders.test.ts)`);

/** Each target's share of `runs`, by weight; the same whether or not FUZZ_TARGET narrows the run, so indexes replay. */
function counts(): Record<string, number> {
  const total = TARGETS.reduce((sum, target) => sum + target.weight, 0);
  return Object.fromEntries(
    TARGETS.map((target) => [target.name, only !== undefined && !target.name.includes(only) ? 0 : Math.ceil((runs * target.weight) / total)]),
  );
}

t.test('every target starts from inputs it takes: its seeds decode (and round-trip), or are refused cleanly', async (t) => {
  for (const target of TARGETS) {
    const outcomes = target.seeds().map((input) => judge(target, input));
    outcomes.forEach((outcome, i) => t.not(outcome.result, 'failed', `${target.name}: seed ${i}`, { outcome: explain(outcome) }));
    t.ok(outcomes.some((outcome) => outcome.result === 'accepted'), `${target.name}: a seed decodes`, { outcomes: outcomes.map(explain) });
  }
});

t.test('the corpus replays: inputs that once failed', async (t) => {
  const names = new Set(TARGETS.map((target) => target.name));
  for (const known of KNOWN_FAILURES) t.ok(names.has(known.target), `known failure for ${known.target}: a target of that name exists`);
  for (const file of corpusTargets()) t.ok(names.has(file), `corpus/${file}.json: a target of that name exists`);
  for (const target of TARGETS) {
    for (const item of readCorpus(target.name)) {
      const outcome = judge(target, fromHex(item.input));
      const label = `${target.name} ${item.input.slice(0, 40)}${item.input.length > 40 ? '...' : ''}`;
      if (item.expect === 'pass') {
        t.not(outcome.result, 'failed', label, { found: item.found, outcome: explain(outcome) });
        continue;
      }
      // KNOWN FAILURE: still failing as listed. Once fixed, this fails on purpose: delete its entry in known-failures.ts and set "expect": "pass".
      const known = outcome.result === 'failed' ? knownFailure(target.name, outcome.failure) : undefined;
      t.ok(known, `${label}: still a known failure; if it now passes, it was fixed: remove it from test/fuzz/known-failures.ts and mark it "expect": "pass"`, {
        found: item.found,
        outcome: explain(outcome),
      });
    }
  }
});

t.test(`${runs} fuzzed inputs across ${TARGETS.length} decoders (seed ${seed})`, async (t) => {
  const wanted = Object.values(counts()).reduce((sum, count) => sum + count, 0);
  t.ok(wanted > 0, only === undefined ? 'inputs to make' : `FUZZ_TARGET=${only} names a target`);
  const { reports, hang } = await runInWorker({ seed, counts: counts(), timeLimitMs: timeLimitSeconds * 1000, targetsModule: DECODER_TARGETS }, HANG_LIMIT_MS);
  t.notOk(hang, hang ? `${hang.target}: input ${hang.index} ran over ${hang.seconds} s (a hang), replay: ${replay} FUZZ_TARGET=${hang.target}` : 'no input hung', { hang });
  for (const report of reports) {
    if (report.inputs === 0) continue; // narrowed out by FUZZ_TARGET, or after the time limit
    t.comment(summary(report));
    const failures = report.kept.filter((failure) => !failure.known);
    t.equal(report.failures, 0, `${report.target}: every input decoded or was refused with its own error`, {
      replay: `${replay} FUZZ_TARGET=${report.target}`,
      failures: failures.map(({ kind, detail, index, input, stack }) => ({ kind, detail, index, input, stack })),
    });
    for (const failure of report.kept.filter((kept) => kept.known)) t.comment(`  KNOWN FAILURE ${report.target} input ${failure.index} (${failure.input.slice(0, 64)}): ${failure.detail}`);
  }
  const inputs = reports.reduce((sum, report) => sum + report.inputs, 0);
  const ms = reports.reduce((sum, report) => sum + report.ms, 0);
  t.comment(`${inputs} inputs in ${(ms / 1000).toFixed(1)} s; ${reports.reduce((sum, report) => sum + report.slow, 0)} over ${SLOW_INPUT_MS} ms`);
  if (inputs < wanted && !hang) t.comment(`stopped at the ${timeLimitSeconds} s limit: ${inputs} of ${wanted} inputs ran (FUZZ_TIME_LIMIT raises it)`);
});

function summary(report: TargetReport): string {
  const parts = [`${report.inputs} inputs`, `${report.accepted} decoded`, `${report.refused} refused`, `${(report.ms / 1000).toFixed(2)} s`, `slowest ${report.slowestMs.toFixed(1)} ms`];
  if (report.slow > 0) parts.push(`${report.slow} over ${SLOW_INPUT_MS} ms`);
  if (report.known > 0) parts.push(`${report.known} known failures`);
  if (report.failures > 0) parts.push(`${report.failures} FAILURES`);
  return `${report.target}: ${parts.join(', ')}`;
}

function explain(outcome: Outcome): unknown {
  if (outcome.result === 'failed') return outcome.failure;
  return outcome.result === 'refused' ? `refused: ${describeError(outcome.error)}` : outcome.result;
}

/** A positive whole number from the environment, or the default. */
function positive(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(text)}`);
  return value;
}
