/**
 * Waiting in real time for daemons in other processes, or for sockets and
 * engines in this one: ask again and again until the answer comes or the
 * time is up. The CLI tests and the daemon benchmarks wait this way (on
 * virtual time, use `VirtualClock.runUntil`).
 */

/** Calls `check` every `intervalMs` until it returns something other than undefined, or `forMs` has passed (undefined then). */
export async function poll<T>(check: () => T | undefined | Promise<T | undefined>, forMs: number, intervalMs = 100): Promise<T | undefined> {
  const until = Date.now() + forMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() >= until) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Like `poll`, but a wait that runs out throws, naming `what` it waited for. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const value = await poll(check, timeoutMs, intervalMs);
  if (value === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return value;
}

/** Whether `condition` (of this process) comes to hold within `forMs`: generous by default, for a loaded machine. */
export async function holdsWithin(condition: () => boolean, forMs = 20_000, intervalMs = 20): Promise<boolean> {
  return (await poll(() => (condition() ? true : undefined), forMs, intervalMs)) === true;
}

/** Waits until `condition` (of this process) holds, or throws after `forMs` naming `what` it waited for. */
export async function waitUntil(what: string, condition: () => boolean, forMs = 20_000): Promise<void> {
  await eventually(what, () => (condition() ? true : undefined), forMs, 20);
}
