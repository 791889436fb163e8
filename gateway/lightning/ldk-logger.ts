/**
 * LDK's `Logger` onto ours. Gossip and trace lines are dropped: they are
 * per message, and the operator's log is not a packet capture. A payment
 * with no route ("Failed to find route", an error to LDK) is a payment's outcome, told to whoever
 * paid (`lnmesh ln pay`, the bridge): info here, not an error an operator's
 * alert should wake for.
 */
import type { Logger, LogLevel } from '../../node/core/logger.js';
import type { Level, Logger as LdkLogger } from 'lightningdevkit';
import type { Ldk } from './ldk.js';

export function ldkLogLevel(ldk: Ldk, level: Level): LogLevel | undefined {
  switch (level) {
    case ldk.Level.LDKLevel_Debug:
      return 'debug';
    case ldk.Level.LDKLevel_Info:
      return 'info';
    case ldk.Level.LDKLevel_Warn:
      return 'warn';
    case ldk.Level.LDKLevel_Error:
      return 'error';
    default:
      return undefined;
  }
}

export function ldkLogger(ldk: Ldk, logger: Logger): LdkLogger {
  return ldk.Logger.new_impl({
    log(record) {
      const module = record.get_module_path();
      const args = record.get_args();
      const level = ldkLogLevel(ldk, record.get_level());
      if (level === 'error' && args.startsWith('Failed to find route')) logger.log('info', args, { module });
      else if (level !== undefined) logger.log(level, args, { module });
    },
  });
}
