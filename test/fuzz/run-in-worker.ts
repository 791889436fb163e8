/**
 * Starts the fuzz worker and watches it: when one input runs longer than
 * `hangLimitMs`, the worker is stopped and the hang is reported with that
 * input, made again here from the seed.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerJob } from './fuzz-worker.js';
import { type TargetReport, inputAt } from './run-target.js';
import { type AnyTarget, hex } from './target.js';

/** The decoders' targets: what a run fuzzes unless told otherwise. */
export const DECODER_TARGETS = new URL('./targets/index.ts', import.meta.url).href;

export interface Hang {
  readonly target: string;
  readonly index: number;
  readonly input: string;
  readonly seconds: number;
}

export interface RunResult {
  readonly reports: TargetReport[];
  readonly hang?: Hang;
}

/** The worker runs TypeScript through tsx, as the test itself runs through tap's loader. */
const WORKER_SOURCE = (entry: string, tsx: string) => `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;

const LOADING = -1;

export async function runInWorker(job: Omit<WorkerJob, 'progress'>, hangLimitMs: number): Promise<RunResult> {
  const { TARGETS } = (await import(job.targetsModule)) as { TARGETS: readonly AnyTarget[] };
  const progress = new SharedArrayBuffer(8);
  const position = new Int32Array(progress);
  // -1 until the worker starts its first target: loading the targets (TypeScript through tsx) is not an input hanging,
  // and on a busy machine it can take longer than the hang limit.
  Atomics.store(position, 0, LOADING);
  const entry = new URL('./fuzz-worker.ts', import.meta.url).href;
  const worker = new Worker(WORKER_SOURCE(entry, import.meta.resolve('tsx/esm/api')), { eval: true, workerData: { ...job, progress } satisfies WorkerJob });
  const reports: TargetReport[] = [];
  return new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: RunResult | Error) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      if (outcome instanceof Error) reject(outcome);
      else void worker.terminate().then(() => resolve(outcome));
    };
    let last = '';
    let since = Date.now();
    const watch = setInterval(() => {
      const now = `${Atomics.load(position, 0)}/${Atomics.load(position, 1)}`;
      if (now !== last || Atomics.load(position, 0) === LOADING) {
        last = now;
        since = Date.now();
        return;
      }
      if (Date.now() - since < hangLimitMs) return;
      const target = TARGETS[Atomics.load(position, 0)]!;
      const index = Atomics.load(position, 1);
      const seconds = Math.round((Date.now() - since) / 1000);
      settle({ reports, hang: { target: target.name, index, input: hex(inputAt(target, target.seeds(), job.seed, index)), seconds } });
    }, 500);
    worker.on('message', (message: { kind: 'report'; report: TargetReport } | { kind: 'done' }) => {
      if (message.kind === 'report') reports.push(message.report);
      else settle({ reports });
    });
    worker.on('error', (error) => settle(error));
    // After the run settled, this is the worker being stopped; before, a decoder ended it (process.exit, a native crash of its own).
    worker.on('exit', (code) => {
      const target = TARGETS[Atomics.load(position, 0)]?.name;
      settle(new Error(`the fuzz worker exited (code ${code}) before the run ended, at ${target} input ${Atomics.load(position, 1)}`));
    });
  });
}
