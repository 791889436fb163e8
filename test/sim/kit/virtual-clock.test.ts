// The kit's virtual clock: advance() lets each timer's consequences settle
// before the next, at its own time; tick() jumps and fires what was due.
import t from 'tap';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';

t.test('advance fires due timers one at a time, each at its time, with what they start', async (t) => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  clock.setTimer(20, () => seen.push(`b@${clock.now()}`));
  clock.setTimer(10, () => {
    seen.push(`a@${clock.now()}`);
    // A promise and a timer started by a timer: both run within the same advance.
    void Promise.resolve().then(() => seen.push(`a's promise@${clock.now()}`));
    clock.setTimer(5, () => seen.push(`a's timer@${clock.now()}`));
  });
  const cancelled = clock.setTimer(15, () => seen.push('cancelled'));
  cancelled();
  await clock.advance(30);
  t.same(seen, ['a@10', "a's promise@10", "a's timer@15", 'b@20']);
  t.equal(clock.now(), 30);
  t.equal(clock.pending, 0);
});

t.test('runUntil advances in steps until the condition holds or the limit passes', async (t) => {
  const clock = new VirtualClock();
  let done = false;
  clock.setTimer(2500, () => (done = true));
  t.equal(await clock.runUntil(() => done, 10_000), true);
  t.equal(clock.now(), 3000, 'in steps of a second by default');
  t.equal(await clock.runUntil(() => false, 500), false, 'gives up at the limit');
  t.equal(clock.now(), 3500);
});

t.test('tick jumps at once and fires what was due, in order; timers they set wait for the next tick', async (t) => {
  const clock = new VirtualClock(1_000);
  const seen: string[] = [];
  clock.setTimer(20, () => seen.push(`b@${clock.now()}`));
  clock.setTimer(10, () => {
    seen.push(`a@${clock.now()}`);
    clock.setTimer(0, () => seen.push(`a's timer@${clock.now()}`));
  });
  clock.tick(30);
  t.same(seen, ['a@1030', 'b@1030'], 'the clock is already at the end when they run');
  t.equal(clock.pending, 1);
  clock.tickTo(1_031);
  t.same(seen.at(-1), "a's timer@1031");
});
