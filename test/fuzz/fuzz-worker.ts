/**
 * The fuzz run, in a worker thread so that the test can stop it when one
 * input hangs and say which one it was. It writes the target and input it is
 * on into shared memory before each input (cheap enough to do every time),
 * and posts one report per target.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runTarget } from './run-target.js';
import type { AnyTarget } from './target.js';

export interface WorkerJob {
  readonly seed: number;
  /** Inputs per target, by name. */
  readonly counts: Readonly<Record<string, number>>;
  /** Milliseconds the whole run may take; targets left when it is up get no inputs. */
  readonly timeLimitMs: number;
  /** [target index, input index], written before each input. */
  readonly progress: SharedArrayBuffer;
  /** The module whose `TARGETS` to run (the harness's own tests pass another). */
  readonly targetsModule: string;
}

const job = workerData as WorkerJob;
const progress = new Int32Array(job.progress);
const { TARGETS } = (await import(job.targetsModule)) as { TARGETS: readonly AnyTarget[] };
const deadline = performance.now() + job.timeLimitMs;
TARGETS.forEach((target, targetIndex) => {
  Atomics.store(progress, 0, targetIndex);
  const report = runTarget(target, job.seed, job.counts[target.name] ?? 0, deadline, (index) => Atomics.store(progress, 1, index));
  parentPort!.postMessage({ kind: 'report', report });
});
parentPort!.postMessage({ kind: 'done' });
