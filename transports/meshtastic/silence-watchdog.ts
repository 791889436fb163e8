/**
 * Notices a radio that stopped talking without closing the port: a board
 * whose firmware hung, a USB adapter gone without an error on the fd, a
 * TCP peer gone without a FIN (the socket would only notice after TCP's own
 * timeouts, many minutes). The transport's heartbeats draw an answer from
 * a live radio (a QueueStatus: firmware PhoneAPI::getFromRadio answers every
 * heartbeat with one), so a radio that sent nothing at all for `silentMs`,
 * more than two heartbeat intervals, is gone.
 */
import type { Clock } from '../../node/core/clock.js';

export class SilenceWatchdog {
  private lastHeardMs = 0;
  private cancelTimer: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly silentMs: number,
    private readonly onSilent: () => void,
  ) {}

  /** Starts counting from now. */
  start(): void {
    this.stop();
    this.lastHeardMs = this.clock.now();
    this.schedule(this.silentMs);
  }

  /** The radio said something (any FromRadio). Cheap: called for every message. */
  heard(): void {
    this.lastHeardMs = this.clock.now();
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private schedule(ms: number): void {
    this.cancelTimer = this.clock.setTimer(ms, () => {
      const silentForMs = this.clock.now() - this.lastHeardMs;
      if (silentForMs < this.silentMs) return this.schedule(this.silentMs - silentForMs);
      this.cancelTimer = undefined;
      this.onSilent();
    });
  }
}
