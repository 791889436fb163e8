/** A test double of the `Logger`: keeps each line so a test can read what a component said. */
import type { LogLevel, Logger } from '../../node/core/logger.js';

export interface LoggedLine {
  level: LogLevel;
  message: string;
  fields?: Readonly<Record<string, unknown>>;
}

/** Pushes every line logged onto `into`, in order. */
export function recordingLogger(into: LoggedLine[]): Logger {
  return { log: (level, message, fields) => void into.push({ level, message, ...(fields && { fields }) }) };
}
