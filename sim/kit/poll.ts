/**
 * Waiting in real time for daemons in other processes: ask again and again
 * until the answer comes or the time is up. The CLI tests and the daemon
 * benchmarks wait this way (on virtual time, use `VirtualClock.runUntil`).
 */

/** Calls `check` every `intervalMs` until it returns something other than undefined, or `forMs` has passed (undefined then). */
export async function poll<T>(check: () => Promise<T | undefined>, forMs: number, intervalMs = 100): Promise<T | undefined> {
  const until = Date.now() + forMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() >= until) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Like `poll`, but a wait that runs out throws, naming `what` it waited for. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const value = await poll(check, timeoutMs, intervalMs);
  if (value === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return value;
}
