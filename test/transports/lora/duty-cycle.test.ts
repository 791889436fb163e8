// The duty-cycle limiter on a virtual clock: when may the next transmission start?
import t from 'tap';
import fc from 'fast-check';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { DutyCycleLimiter, EU868, eu868Policy, US915 } from '../../../transports/lora/duty-cycle.js';

const HOUR = 3_600_000;

t.test('EU868: 36 s of airtime per hour, then wait for the oldest to leave the window', async (t) => {
  const clock = new VirtualClock();
  const limiter = new DutyCycleLimiter(clock, EU868);
  t.equal(limiter.budgetMs, 36_000);
  t.equal(limiter.whenCanSend(1000), 0, 'an empty window: now');
  limiter.record(0, 20_000);
  clock.tickTo(20_000);
  limiter.record(20_000, 15_000);
  clock.tickTo(35_000);
  t.equal(limiter.usedMs(), 35_000);
  t.equal(limiter.whenCanSend(1000), 35_000, '35 s + 1 s fits');
  // 2 s does not fit until the first 20 s transmission has left the window ending with the new one.
  t.equal(limiter.whenCanSend(2000), 20_000 + HOUR - 2000);
  clock.tickTo(20_000 + HOUR - 2000);
  t.equal(limiter.whenCanSend(2000), clock.now(), 'at that time it is allowed at once');
});

t.test('the earliest time drops as few old transmissions as needed', async (t) => {
  const clock = new VirtualClock();
  const limiter = new DutyCycleLimiter(clock, { windowMs: 1000, maxFraction: 0.1 }); // 100 ms per second
  limiter.record(0, 40); // ends 40
  limiter.record(100, 40); // ends 140
  clock.tickTo(200);
  t.equal(limiter.whenCanSend(20), 200, '80 + 20 fits');
  t.equal(limiter.whenCanSend(50), 40 + 1000 - 50, 'dropping the first is enough');
  t.equal(limiter.whenCanSend(100), 140 + 1000 - 100, 'both must leave');
});

t.test('US915 has no limit; a transmission longer than the whole budget is refused', async (t) => {
  const clock = new VirtualClock();
  const free = new DutyCycleLimiter(clock, US915);
  free.record(0, 3_000_000);
  t.equal(free.whenCanSend(600_000), 0);
  const limited = new DutyCycleLimiter(clock, { windowMs: 1000, maxFraction: 0.01 });
  t.throws(() => limited.whenCanSend(11), { name: 'DutyCycleError' });
});

t.test('EU868 sub-bands', async (t) => {
  t.equal(eu868Policy(868_100_000).maxFraction, 0.01);
  t.equal(eu868Policy(869_525_000).maxFraction, 0.1, '869.525 MHz: the 10% sub-band');
  t.equal(eu868Policy(869_000_000).maxFraction, 0.001);
  t.throws(() => eu868Policy(915_000_000), { name: 'InvalidInputError', field: 'frequencyHz' });
});

t.test('bad policies name the field', async (t) => {
  const clock = new VirtualClock();
  t.throws(() => new DutyCycleLimiter(clock, { windowMs: 0, maxFraction: 0.01 }), { name: 'InvalidInputError', field: 'windowMs' });
  t.throws(() => new DutyCycleLimiter(clock, { windowMs: 1000, maxFraction: 1.5 }), { name: 'InvalidInputError', field: 'maxFraction' });
  t.throws(() => new DutyCycleLimiter(clock, EU868).whenCanSend(-1), { name: 'InvalidInputError', field: 'airtimeMs' });
});

t.test('sending whenever allowed never puts more than the budget in any window (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ airtime: fc.integer({ min: 1, max: 100 }), pause: fc.integer({ min: 0, max: 500 }) }), { minLength: 1, maxLength: 40 }),
      (plan) => {
        const clock = new VirtualClock();
        const policy = { windowMs: 1000, maxFraction: 0.1 };
        const limiter = new DutyCycleLimiter(clock, policy);
        const sent: Array<[number, number]> = [];
        for (const { airtime, pause } of plan) {
          clock.tick(pause);
          const start = limiter.whenCanSend(airtime);
          if (start < clock.now()) return false;
          clock.tickTo(start);
          limiter.record(start, airtime);
          sent.push([start, start + airtime]);
          clock.tickTo(start + airtime);
        }
        // Any window ending at a transmission's end holds at most the budget (transmissions counted whole).
        return sent.every(([, end]) => {
          const inWindow = sent.filter(([, otherEnd]) => otherEnd > end - policy.windowMs && otherEnd <= end);
          return inWindow.reduce((sum, [s, e]) => sum + (e - s), 0) <= policy.windowMs * policy.maxFraction;
        });
      },
    ),
  );
  t.pass('budget held in every window');
});

t.test('a busy radio over many windows: the airtime in the window is what was sent in it, as the log grows and forgets', async (t) => {
  const clock = new VirtualClock();
  const limiter = new DutyCycleLimiter(clock, US915);
  const sent: { startMs: number; airtimeMs: number }[] = [];
  // Bursts of 1 to 300 frames a minute for three hours: the log grows, then keeps about an hour.
  for (let minute = 0; minute < 180; minute++) {
    const frames = 1 + ((minute * 37) % 300);
    for (let frame = 0; frame < frames; frame++) {
      const startMs = minute * 60_000 + frame * 150;
      clock.tickTo(startMs);
      limiter.record(startMs, 100);
      sent.push({ startMs, airtimeMs: 100 });
    }
    const now = clock.now();
    const expected = sent.reduce((sum, s) => sum + Math.max(0, Math.min(s.startMs + s.airtimeMs, now) - Math.max(s.startMs, now - HOUR)), 0);
    if (limiter.usedMs() !== expected) t.fail(`minute ${minute}: ${limiter.usedMs()} ms used, expected ${expected}`);
  }
  t.ok(limiter.usedMs() > 0);
});
