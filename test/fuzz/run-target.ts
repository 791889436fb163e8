/**
 * Runs a target's share of the inputs and sums up what happened. Failures
 * keep their input (hex), so they can be replayed and added to the corpus.
 */
import { knownFailure } from './known-failures.js';
import { makeInput } from './mutate.js';
import { inputRandom } from './random.js';
import { type AnyTarget, type Failure, hex, judge } from './target.js';

/** An input slower than this is counted (not failed: the machine is shared, and speed is the benchmarks' business). */
export const SLOW_INPUT_MS = 250;
/** Failures kept in full per target; the rest are only counted. */
const FAILURES_KEPT = 5;

export interface FailedInput extends Failure {
  readonly index: number;
  readonly input: string;
  /** The known failure it matched, if any. */
  readonly known?: string;
}

export interface TargetReport {
  readonly target: string;
  inputs: number;
  accepted: number;
  refused: number;
  slow: number;
  slowestMs: number;
  ms: number;
  /** Failures not in the known list: each one fails the test. */
  failures: number;
  known: number;
  readonly kept: FailedInput[];
}

/** The input `index` of `target` in the run seeded `seed`, as the run made it. */
export function inputAt(target: AnyTarget, seeds: readonly Uint8Array[], seed: number, index: number): Uint8Array {
  return makeInput(target, seeds, inputRandom(seed, target.name, index));
}

/**
 * Inputs `0 .. count - 1` of the target, stopping early at `deadline`
 * (a `performance.now()` time). `onInput` hears each index before it runs:
 * whoever watches for a hang knows which input it was.
 */
export function runTarget(target: AnyTarget, seed: number, count: number, deadline: number, onInput: (index: number) => void): TargetReport {
  const report: TargetReport = { target: target.name, inputs: 0, accepted: 0, refused: 0, slow: 0, slowestMs: 0, ms: 0, failures: 0, known: 0, kept: [] };
  const seeds = target.seeds();
  const start = performance.now();
  for (let index = 0; index < count; index++) {
    if ((index & 63) === 0 && performance.now() > deadline) break;
    onInput(index);
    const input = inputAt(target, seeds, seed, index);
    const outcome = judge(target, input);
    report.inputs++;
    if (outcome.ms > SLOW_INPUT_MS) report.slow++;
    report.slowestMs = Math.max(report.slowestMs, outcome.ms);
    if (outcome.result !== 'failed') {
      report[outcome.result]++;
      continue;
    }
    const known = knownFailure(target.name, outcome.failure);
    if (known) report.known++;
    else report.failures++;
    if (report.kept.length < FAILURES_KEPT) report.kept.push({ ...outcome.failure, index, input: hex(input), ...(known && { known: known.why }) });
  }
  report.ms = performance.now() - start;
  return report;
}
