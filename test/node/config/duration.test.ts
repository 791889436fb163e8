import fc from 'fast-check';
import t from 'tap';
import { DURATION_UNITS, DurationError, formatDuration, parseDuration, parseRate } from '../../../node/config/duration.js';
import { InvalidInputError } from '../../../node/core/input.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

t.test('durations as a scenario writes them, in milliseconds', async (t) => {
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('90s'), 90_000);
  t.equal(parseDuration('10m'), 10 * MINUTE);
  t.equal(parseDuration('36h'), 36 * HOUR);
  t.equal(parseDuration('10d'), 10 * DAY);
  t.equal(parseDuration('2w'), 14 * DAY);
  t.equal(parseDuration('0s'), 0, 'zero: an event at the very start');
  t.equal(parseDuration('1.5h'), 90 * MINUTE);
  t.equal(parseDuration('0.1h'), 6 * MINUTE, 'exact: no floating-point residue');
  t.equal(parseDuration('0.001s'), 1);
});

t.test('anything else is refused, with the reason', async (t) => {
  const refusals: [unknown, RegExp][] = [
    ['10', /needs a unit \(ms, s, m, h, d, w\), e\.g\. 10m/],
    [10, /needs a unit/],
    ['', /empty/],
    ['-5m', /cannot be negative/],
    ['10 m', /no space/],
    ['10min', /unknown unit "min"/],
    ['10M', /unknown unit "M"/],
    ['1h30m', /one number and one unit only/],
    ['0.5ms', /not a whole number of milliseconds/],
    ['ten minutes', /expected a number and a unit/],
    ['99999999999999999w', /too long/],
    ['1'.repeat(40) + 'd', /longer than 32 characters/],
    [null, /expected a duration/],
  ];
  for (const [text, reason] of refusals) {
    try {
      parseDuration(text);
      t.fail(`${String(text)} was accepted`);
    } catch (error) {
      t.equal((error as Error).name, 'DurationError', String(text));
      t.match((error as DurationError).reason, reason, String(text));
    }
  }
});

t.test('a value that is neither a string nor a number is an InvalidInputError, never a crash', async (t) => {
  // Object.create(null) has no toString: String() of it threw a TypeError (found by fuzzing).
  const values: [unknown, string][] = [
    [Object.create(null), 'an object'],
    [{ toString: () => '10m' }, 'an object'],
    [['10m'], 'an array'],
    [true, 'true'],
    [undefined, 'undefined'],
    [10n, '10'],
    [Symbol('10m'), 'Symbol(10m)'],
    [new Uint8Array(2), '2 bytes'],
  ];
  for (const [value, described] of values) {
    for (const [parse, field] of [[parseDuration, 'duration'], [parseRate, 'rate']] as const) {
      try {
        parse(value);
        t.fail(`${field}: ${described} was accepted`);
      } catch (error) {
        t.ok(error instanceof InvalidInputError, `${field}: ${described}`);
        t.ok(error instanceof DurationError);
        t.equal((error as InvalidInputError).field, field);
        t.equal((error as DurationError).text, described);
        t.match((error as Error).message, new RegExp(`, got ${described.replace(/[()]/g, '\\$&')}$`));
      }
    }
  }
});

t.test('a formatted duration reads back as the same milliseconds', async (t) => {
  t.equal(formatDuration(36 * HOUR), '36h');
  t.equal(formatDuration(14 * DAY), '2w');
  t.equal(formatDuration(10 * DAY), '10d');
  t.equal(formatDuration(1500), '1500ms');
  t.equal(formatDuration(0), '0s');
  fc.assert(
    fc.property(fc.nat(1_000_000), fc.constantFrom(...Object.keys(DURATION_UNITS)), (count, unit) => {
      const ms = count * DURATION_UNITS[unit]!;
      return parseDuration(formatDuration(ms)) === ms;
    }),
  );
});

t.test('rates are counts per duration: the mean time between two occurrences', async (t) => {
  t.equal(parseRate('1/h'), HOUR);
  t.equal(parseRate('6/h'), 10 * MINUTE);
  t.equal(parseRate('1/10m'), 10 * MINUTE);
  t.equal(parseRate('0.5/d'), 2 * DAY);
  t.equal(parseRate('3 / d'), DAY / 3);
  const refusals: [unknown, RegExp][] = [
    ['hourly', /COUNT\/DURATION/],
    ['0/h', /above zero/],
    ['1/fortnight', /the period: unknown unit "fortnight"/],
    ['1/0s', /longer than zero/],
    ['x/h', /not a positive number/],
    [1, /expected a rate/],
  ];
  for (const [text, reason] of refusals) {
    t.throws(() => parseRate(text), { name: 'DurationError', reason }, String(text));
  }
});
