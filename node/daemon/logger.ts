/**
 * The daemons' logs: pino, one JSON object per line (for journald and log
 * tools), or a short readable line on a terminal. Secrets never reach a log
 * line: nothing logs them, and pino's redaction censors the usual names in
 * case a future log call passes an object that holds one.
 */
import { pino, type Logger } from 'pino';
import type { LogSettings } from '../config/log-section.js';
import type { Logger as ComponentLogger } from '../core/logger.js';

export type { Logger } from 'pino';

/** Field names censored wherever they appear (two levels deep). */
const SECRET_FIELDS = ['seed', 'secret', 'secretKey', 'password', 'preimage', 'words', 'apiKey'];

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };

export interface LoggerOptions {
  /** Where the lines go; default standard output. */
  readonly destination?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Base fields of every line, e.g. `{ daemon: 'node' }`. */
  readonly base?: Record<string, unknown>;
}

export function createLogger(settings: LogSettings, options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stdout;
  const pretty = settings.format === 'pretty' || (settings.format === 'auto' && destination.isTTY === true);
  const redact = { paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`)], censor: '[secret]' };
  const stream = pretty ? { write: (line: string) => void destination.write(prettyLine(line)) } : { write: (line: string) => void destination.write(line) };
  return pino({ level: settings.level, base: options.base ?? null, redact, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

/** `12:03:04 INFO  msg  key=value ...` from one of pino's JSON lines. */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, ...fields } = record;
  const clock = typeof time === 'string' ? time.slice(11, 19) : '';
  const rest = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${clock} ${LEVEL_NAMES[level as number] ?? String(level)} ${String(msg ?? '')}${rest === '' ? '' : `  ${rest}`}\n`;
}

/** A component's `Logger` writing to a pino logger, its lines tagged with `component`. */
export function componentLogger(logger: Logger, component: string): ComponentLogger {
  const child = logger.child({ component });
  return { log: (level, message, fields) => child[level]({ ...fields }, message) };
}
