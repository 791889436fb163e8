/**
 * Running a daemon in the foreground, as systemd and a terminal both expect:
 * start it, log where it listens, and on SIGINT or SIGTERM stop it cleanly
 * (stores flushed, radios closed) and exit 0. A second signal while
 * stopping exits at once. A start that fails exits 1 with one line.
 */
import type { Logger } from '../daemon/logger.js';

export interface RunningDaemon {
  stop(): Promise<void>;
}

export async function runUntilSignalled(start: () => Promise<RunningDaemon>, logger: Logger): Promise<void> {
  const daemon = await start(); // a failure reaches the user as one line (runProgram)
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without a clean stop');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'stopping');
      daemon.stop().then(
        () => resolve(),
        (error: Error) => {
          logger.error({ error: error.message }, 'stop failed');
          process.exitCode = 1;
          resolve();
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
