/**
 * Numbers as people read them, for the terminal summary and the page: a
 * duration in the units that fit it ("3 min 20 s", "10 d 4 h"), counts with
 * thousands separators, and a figure by the unit its name ends with
 * (latencyP50Ms is a duration, feesMsat an amount, bytesOnAir a count).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < SECOND) return `${trimmed(ms, ms < 10 ? 2 : 0)} ms`;
  const seconds = Number((ms / SECOND).toFixed(ms < 10 * SECOND ? 2 : 1));
  if (seconds < 60) return `${seconds} s`;
  // Rounded to the smaller unit first, so that 59 min 59.9 s reads "1 h", not "60 min".
  for (const [big, bigName, small, smallName] of [
    [MINUTE, 'min', SECOND, 's'],
    [HOUR, 'h', MINUTE, 'min'],
    [DAY, 'd', HOUR, 'h'],
  ] as const) {
    const rounded = Math.round(ms / small) * small;
    const next = big === DAY ? Infinity : big === HOUR ? DAY : HOUR;
    if (rounded >= next) continue;
    const bigCount = Math.floor(rounded / big);
    const smallCount = Math.round((rounded - bigCount * big) / small);
    return smallCount === 0 ? `${bigCount} ${bigName}` : `${bigCount} ${bigName} ${smallCount} ${smallName}`;
  }
  return `${ms} ms`;
}

/** Formatters by fraction digits, made once: `toLocaleString` builds one per call, which dominates a page of thousands of points. */
const NUMBER_FORMATS = [0, 1, 2, 3].map((digits) => new Intl.NumberFormat('en-US', { maximumFractionDigits: digits }));

/** A count or measure: 1,234,567 or 12.35. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Number.isInteger(value) ? 0 : Math.abs(value) < 10 ? 3 : Math.abs(value) < 1000 ? 2 : 0;
  return NUMBER_FORMATS[digits]!.format(value);
}

/** A figure by the unit in its name: `...Ms` a duration, `...Msat` an amount in sat, `...Bytes` bytes. */
export function formatFigure(name: string, value: number): string {
  if (name.endsWith('Ms')) return formatDuration(value);
  if (name.endsWith('Msat')) return `${NUMBER_FORMATS[3]!.format(value / 1000)} sat`;
  if (name.endsWith('Bytes')) return `${formatNumber(value)} B`;
  return formatNumber(value);
}

/** A camelCase name as words, without its unit suffix: latencyP50Ms -> "latency p50", noFundsLost -> "no funds lost". */
export function humanizeName(name: string): string {
  const words = name
    .replace(/(Ms|Msat|Bytes)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words || name;
}

/**
 * What the run could not even try, in a sentence, or undefined when it
 * tried everything: channels that never opened and payments that could never
 * be made are not failures of the code, and must not pass for successes
 * either.
 */
export function untriedNote(figures: Readonly<Record<string, number>>): string | undefined {
  const channels = figures.channelsNeverOpened ?? 0;
  const payments = figures.paymentsImpossible ?? 0;
  const parts = [
    ...(channels > 0 ? [`${formatNumber(channels)} ${channels === 1 ? 'channel' : 'channels'} never opened`] : []),
    ...(payments > 0 ? [`${formatNumber(payments)} ${payments === 1 ? 'payment' : 'payments'} could never be made (a hop of the route had no channel open)`] : []),
  ];
  return parts.length === 0 ? undefined : `Not tried: ${parts.join(' and ')}. The invariants say nothing about ${channels + payments === 1 ? 'it' : 'them'}.`;
}

function trimmed(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}
