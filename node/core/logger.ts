/**
 * What a component has to say about what it does, for the operator's logs:
 * rust-lightning's `Logger`. Components are handed one (or log nowhere);
 * the program decides where lines go (the daemons: pino, see
 * node/daemon/logger.ts). Never pass a secret in `fields`.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** The default: logs nowhere. */
export const silentLogger: Logger = { log() {} };

/**
 * A component's logger from its owner's: its lines read `<name>: <message>`,
 * as the owner's warnings always have (`link 0: ...`, `router: ...`), so a
 * line names its component however deep it sits.
 */
export function childLogger(logger: Logger, name: string): Logger {
  return { log: (level, message, fields) => logger.log(level, `${name}: ${message}`, fields) };
}
