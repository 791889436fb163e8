/**
 * LDK's `Logger` onto ours. Gossip and trace lines are dropped: they are
 * per message, and the operator's log is not a packet capture.
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
      const level = ldkLogLevel(ldk, record.get_level());
      if (level !== undefined) logger.log(level, record.get_args(), { module: record.get_module_path() });
    },
  });
}
