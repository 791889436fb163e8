/**
 * Sends waiting for the radio's word: each packet id the transport wrote,
 * until a QueueStatus (or a nak) for it comes back, or a timeout. Bounded
 * by the radio's transmit queue: more in flight would only be refused.
 */
import type { Clock } from '../../node/core/clock.js';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  cancelTimer(): void;
}

export class SendWaiters {
  private readonly waiters = new Map<number, Waiter>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.waiters.size;
  }

  has(id: number): boolean {
    return this.waiters.has(id);
  }

  /** A promise settled by `settle(id, ...)`, or rejected with `onTimeout()` after `timeoutMs`. */
  wait(id: number, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cancelTimer = this.clock.setTimer(timeoutMs, () => this.settle(id, onTimeout()));
      this.waiters.set(id, { resolve, reject, cancelTimer });
    });
  }

  /** Resolves (no error) or rejects the send of packet `id`; false when none waits for it. */
  settle(id: number, error?: Error): boolean {
    const waiter = this.waiters.get(id);
    if (!waiter) return false;
    this.waiters.delete(id);
    waiter.cancelTimer();
    if (error) waiter.reject(error);
    else waiter.resolve();
    return true;
  }

  /** Rejects every waiting send (the radio rebooted, the port closed, the transport closed). */
  rejectAll(error: Error): void {
    for (const id of [...this.waiters.keys()]) this.settle(id, error);
  }
}
