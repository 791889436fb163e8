/**
 * Waiting on something slow (a funding transaction's confirmations, a
 * payment on a partitioned path) with its progress on standard error: one
 * line rewritten in place on a terminal, a new line per change otherwise.
 */
export interface WaitStep {
  readonly done: boolean;
  /** What to show now, e.g. "awaiting_funding (1/3 confirmations)". */
  readonly line: string;
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/** Checks until a step is done, and answers that step. */
export async function waitWithProgress<Step extends WaitStep>(check: () => Promise<Step>, options: { timeoutMs: number; intervalMs?: number; what: string }): Promise<Step> {
  const started = Date.now();
  const terminal = process.stderr.isTTY === true;
  let last = '';
  for (;;) {
    const step = await check();
    const seconds = Math.round((Date.now() - started) / 1000);
    if (terminal) process.stderr.write(`\r\x1b[K${options.what}: ${step.line} (${seconds} s)`);
    else if (step.line !== last) process.stderr.write(`${options.what}: ${step.line}\n`);
    last = step.line;
    if (step.done) {
      if (terminal) process.stderr.write('\n');
      return step;
    }
    if (Date.now() - started > options.timeoutMs) {
      if (terminal) process.stderr.write('\n');
      throw new WaitTimeoutError(`${options.what}: still ${step.line} after ${seconds} s; it goes on in the daemon`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}
