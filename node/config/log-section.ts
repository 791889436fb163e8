/** The `log:` section of a daemon's config: how much, and in which form. */
import type { YamlValue } from './yaml-reader.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogSettings {
  readonly level: LogLevel;
  /** `pretty`: a line for people; `json`: one JSON object per line (pino's), for journald and tools; `auto`: pretty on a terminal. */
  readonly format: 'auto' | 'json' | 'pretty';
}

export function readLogSection(value: YamlValue | undefined): LogSettings {
  if (!value) return { level: 'info', format: 'auto' };
  const map = value.map(['level', 'format']);
  const level = map.optional('level');
  const levelName = level?.string() ?? 'info';
  if (level && !(LOG_LEVELS as readonly string[]).includes(levelName)) level.fail(`expected one of ${LOG_LEVELS.join(', ')}`);
  const format = map.optional('format');
  const formatName = format?.string() ?? 'auto';
  if (format && !['auto', 'json', 'pretty'].includes(formatName)) format.fail('expected auto, json or pretty');
  return { level: levelName as LogLevel, format: formatName as LogSettings['format'] };
}
