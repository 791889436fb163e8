/**
 * Running a daemon in the foreground, as systemd and a terminal both expect:
 * start it, log where it listens, and on SIGINT or SIGTERM stop it cleanly
 * (stores flushed, radios closed) and exit 0. A second signal while
 * stopping exits at once. A start that fails exits 1 with one line.
 *
 * A stop is bounded, so that a supervisor's restart never waits on it: a
 * stop that has not finished after `stopDeadlineMs` exits 1 (every
 * persistent step is crash-safe, so this loses nothing a crash would not),
 * and a stopped daemon whose process is still held open by something left
 * behind (a socket, a timer) exits after `exitGraceMs`, naming it.
 */
import type { Logger } from '../daemon/logger.js';

export interface RunningDaemon {
  stop(): Promise<void>;
}

export interface RunUntilSignalledInit {
  /** How long a clean stop may take before the process exits without it. Default 60 s. */
  readonly stopDeadlineMs?: number;
  /** How long a stopped daemon's process may stay up for what it left open. Default 3 s. */
  readonly exitGraceMs?: number;
  /** Ends the process; `process.exit` unless a test watches it. */
  readonly exit?: (code: number) => void;
}

const STOP_DEADLINE_MS = 60_000;
const EXIT_GRACE_MS = 3_000;

export async function runUntilSignalled(start: () => Promise<RunningDaemon>, logger: Logger, init: RunUntilSignalledInit = {}): Promise<void> {
  const exit = init.exit ?? ((code: number) => process.exit(code));
  const daemon = await start(); // a failure reaches the user as one line (runProgram)
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without a clean stop');
        return exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'stopping');
      const deadlineMs = init.stopDeadlineMs ?? STOP_DEADLINE_MS;
      const deadline = setTimeout(() => {
        logger.error({ deadlineMs }, 'the stop did not finish in time: exiting without a clean stop');
        exit(1);
      }, deadlineMs);
      daemon.stop().then(
        () => undefined,
        (error: Error) => {
          logger.error({ error: error.message }, 'stop failed');
          process.exitCode = 1;
        },
      ).finally(() => {
        clearTimeout(deadline);
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        exitWhenLeftOpen(logger, init.exitGraceMs ?? EXIT_GRACE_MS, exit);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** The process ends by itself once nothing holds it; if something still does after `graceMs`, it is named and the process exits. */
function exitWhenLeftOpen(logger: Logger, graceMs: number, exit: (code: number) => void): void {
  setTimeout(() => {
    logger.warn({ resources: process.getActiveResourcesInfo() }, 'the stopped daemon left these open: exiting anyway');
    exit(Number(process.exitCode ?? 0));
  }, graceMs).unref();
}
