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

/** Pushes every warning (or error) logged onto `into`, after `prefix`: what a test reads of what went wrong. */
export function warningsInto(into: string[], prefix = ''): Logger {
  return {
    log: (level, message) => {
      if (level === 'warn' || level === 'error') into.push(`${prefix}${message}`);
    },
  };
}
