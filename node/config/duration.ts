/**
 * Durations and rates as people write them in a config or a scenario: `10m`, `36h`,
 * `14d`, `500ms`, `2w`, and `1/h` (once an hour). A number with a unit,
 * never a bare number: "10" could be seconds or blocks, and a simulation that
 * silently ran a thousand times too long or too short would mislead.
 */

import { describe, InvalidInputError } from '../core/input.js';

/** Milliseconds per unit, smallest first. Months and years are left out: their length varies. */
export const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Longer texts are refused before they are looked at. */
const MAX_DURATION_TEXT = 32;

const DURATION_PATTERN = /^(\d+)(?:\.(\d+))?(ms|s|m|h|d|w)$/;

/**
 * A duration or rate that cannot be read; `reason` says what to write
 * instead. An `InvalidInputError` (field `duration` or `rate`), so a caller
 * that handles bad input in general handles this one too.
 */
export class DurationError extends InvalidInputError {
  override name = 'DurationError';
  constructor(
    readonly text: string,
    reason: string,
    field: 'duration' | 'rate' = 'duration',
  ) {
    super(field, reason);
    this.message = `${JSON.stringify(text)}: ${reason}`;
  }
}

/**
 * `text` in milliseconds: digits, an optional decimal fraction and a unit
 * (`ms`, `s`, `m`, `h`, `d`, `w`), e.g. `1.5h`. The result must be a whole
 * number of milliseconds; zero is allowed (an event at `0s`).
 */
export function parseDuration(text: unknown): number {
  if (typeof text === 'number') throw new DurationError(String(text), `a duration needs a unit (${unitList()}), e.g. ${text}m`);
  // describe, not String: String() throws on an object without a prototype (Object.create(null)).
  if (typeof text !== 'string') throw new DurationError(describe(text), `expected a duration such as 10m, 36h or 14d, got ${describe(text)}`);
  if (text.length > MAX_DURATION_TEXT) throw new DurationError(`${text.slice(0, MAX_DURATION_TEXT)}...`, `longer than ${MAX_DURATION_TEXT} characters`);
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) throw new DurationError(text, explainBadDuration(text.trim()));
  const [, whole = '', fraction = '', unit = ''] = match;
  const unitMs = BigInt(DURATION_UNITS[unit]!);
  // Exact arithmetic: 0.1h is 360000 ms, not 360000.00000000006.
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction || '0')) * unitMs;
  if (scaled % scale !== 0n) throw new DurationError(text, 'not a whole number of milliseconds');
  const milliseconds = scaled / scale;
  if (milliseconds > BigInt(Number.MAX_SAFE_INTEGER)) throw new DurationError(text, 'too long');
  return Number(milliseconds);
}

/**
 * The mean time between two occurrences of a rate written as
 * `COUNT/DURATION`: `1/h` is an hour, `6/h` ten minutes, `1/10m` ten
 * minutes, `0.5/d` two days. A bare unit stands for one of it (`/h` is `/1h`).
 */
export function parseRate(text: unknown): number {
  if (typeof text !== 'string') throw new DurationError(describe(text), `expected a rate such as 1/h (once an hour) or 3/d, got ${describe(text)}`, 'rate');
  if (text.length > MAX_DURATION_TEXT) throw new DurationError(`${text.slice(0, MAX_DURATION_TEXT)}...`, `longer than ${MAX_DURATION_TEXT} characters`, 'rate');
  const parts = text.trim().split('/');
  if (parts.length !== 2) throw new DurationError(text, 'expected COUNT/DURATION, such as 1/h (once an hour) or 3/d', 'rate');
  const [countText = '', periodText = ''] = parts.map((part) => part.trim());
  if (!/^\d+(\.\d+)?$/.test(countText)) throw new DurationError(text, `the count ${JSON.stringify(countText)} is not a positive number`, 'rate');
  const count = Number(countText);
  if (!(count > 0)) throw new DurationError(text, 'the count must be above zero (leave the workload out for no payments)', 'rate');
  let periodMs: number;
  try {
    periodMs = parseDuration(/^\d/.test(periodText) ? periodText : `1${periodText}`);
  } catch (error) {
    if (error instanceof DurationError) throw new DurationError(text, `the period: ${error.reason}`, 'rate');
    throw error;
  }
  if (periodMs === 0) throw new DurationError(text, 'the period must be longer than zero', 'rate');
  return periodMs / count;
}

/** `ms` in the largest unit that divides it exactly (`36h`, `14d`, `90s`), for messages and reports. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) return `${ms}ms`;
  if (ms === 0) return '0s';
  const units = Object.entries(DURATION_UNITS).reverse();
  for (const [unit, unitMs] of units) if (ms % unitMs === 0) return `${ms / unitMs}${unit}`;
  return `${ms}ms`;
}

function unitList(): string {
  return Object.keys(DURATION_UNITS).join(', ');
}

function explainBadDuration(text: string): string {
  if (text === '') return `empty: expected a duration such as 10m, 36h or 14d`;
  if (/^-/.test(text)) return 'a duration cannot be negative';
  if (/^\d+(\.\d+)?$/.test(text)) return `a duration needs a unit (${unitList()}), e.g. ${text}m`;
  const unit = /^\d+(?:\.\d+)?\s*([A-Za-z]+)$/.exec(text)?.[1];
  if (unit !== undefined && /\s/.test(text)) return 'no space between the number and the unit, e.g. 10m';
  if (unit !== undefined) return `unknown unit ${JSON.stringify(unit)}: expected one of ${unitList()}`;
  if (/^\d+(\.\d+)?[A-Za-z]+\d/.test(text)) return 'one number and one unit only: write 90m rather than 1h30m';
  return `expected a number and a unit (${unitList()}), such as 10m, 36h or 14d`;
}
