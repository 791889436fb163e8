// The simulator's scheduler: virtual time that runs events in a fixed order,
// lets async work settle between them, survives failing events, and hashes
// what happened so that two runs can be compared.
import t from 'tap';
import { Scheduler } from '../../sim/scheduler.js';
import { SeededRandom } from '../../sim/random.js';

/** Resolves after a few real turns of the event loop: work that is async but needs no virtual time. */
const realTurns = async (turns: number) => {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
};

t.test('events run by time, ties in the order they were scheduled; now() is the event time', async (t) => {
  const scheduler = new Scheduler();
  const ran: string[] = [];
  const note = (name: string) => () => void ran.push(`${name}@${scheduler.now()}`);
  scheduler.setTimer(20, note('b'));
  scheduler.setTimer(10, note('a'));
  scheduler.at(20, 'c', note('c'));
  scheduler.setTimer(20, () => {
    ran.push(`d@${scheduler.now()}`);
    // Due now: runs after what was already due at 20, before anything later.
    scheduler.setTimer(0, note('f'));
  });
  scheduler.setTimer(20, note('e'));
  scheduler.setTimer(21, note('g'));
  await scheduler.runUntil(100);
  t.same(ran, ['a@10', 'b@20', 'c@20', 'd@20', 'e@20', 'f@20', 'g@21']);
  t.equal(scheduler.now(), 100, 'the clock ends at the end asked for');
  t.equal(scheduler.counters.eventsRun, 7);
});

t.test('time is whole milliseconds: a fractional delay is rounded up, never early', async (t) => {
  const scheduler = new Scheduler({ startMs: 1_000 });
  const times: number[] = [];
  scheduler.setTimer(0.2, () => times.push(scheduler.now()));
  scheduler.setTimer(46.336, () => times.push(scheduler.now()));
  scheduler.setTimer(-5, () => times.push(scheduler.now()));
  await scheduler.runUntil(2_000);
  t.same(times, [1_000, 1_001, 1_047], 'a negative delay is now; 0.2 is 1 ms; 46.336 is 47 ms');
  t.throws(() => scheduler.setTimer(Number.NaN, () => undefined), { name: 'InvalidInputError' });
  t.throws(() => scheduler.setTimer(Number.POSITIVE_INFINITY, () => undefined), { name: 'InvalidInputError' });
  t.throws(() => scheduler.at(1_999, 'too late', () => undefined), { name: 'InvalidInputError' }, 'not in the past');
  await t.rejects(scheduler.runUntil(1_500), { name: 'InvalidInputError' }, 'the clock does not go back');
});

t.test('a cancelled timer does not run; cancelling twice or after it ran changes nothing', async (t) => {
  const scheduler = new Scheduler();
  const ran: number[] = [];
  const cancelFirst = scheduler.setTimer(10, () => ran.push(1));
  const cancelSecond = scheduler.setTimer(20, () => ran.push(2));
  t.equal(scheduler.pendingEvents, 2);
  cancelFirst();
  cancelFirst();
  t.equal(scheduler.pendingEvents, 1);
  t.equal(scheduler.nextEventTimeMs(), 20, 'the cancelled one is not next');
  await scheduler.runUntil(30);
  cancelSecond();
  t.same(ran, [2]);
  t.same(scheduler.counters, { eventsRun: 1, errors: 0, scheduled: 2, cancelled: 1, records: 0 });
  t.equal(scheduler.nextEventTimeMs(), undefined);
});

t.test('many cancelled timers are swept out: what is pending stays what will run', async (t) => {
  const scheduler = new Scheduler();
  let ran = 0;
  const cancels = Array.from({ length: 20_000 }, (_, i) => scheduler.setTimer(1_000 + i, () => void ran++));
  cancels.forEach((cancel, i) => i % 10 !== 0 && cancel());
  t.equal(scheduler.pendingEvents, 2_000);
  await scheduler.runUntil(100_000);
  t.equal(ran, 2_000);
  t.equal(scheduler.pendingEvents, 0);
});

t.test('what an event starts (promise continuations) runs before the next event, at its time', async (t) => {
  const scheduler = new Scheduler();
  const seen: string[] = [];
  scheduler.setTimer(10, () => {
    void (async () => {
      // A chain of awaits, as the node code has: each step is a microtask.
      for (let step = 0; step < 5; step++) await Promise.resolve();
      seen.push(`continuation@${scheduler.now()}`);
      scheduler.setTimer(0, () => seen.push(`follow-up@${scheduler.now()}`));
    })();
  });
  scheduler.setTimer(10, () => seen.push(`next-at-10@${scheduler.now()}`));
  scheduler.setTimer(11, () => seen.push(`next@${scheduler.now()}`));
  await scheduler.runUntil(20);
  t.same(seen, ['continuation@10', 'next-at-10@10', 'follow-up@10', 'next@11']);
});

t.test('an at() event that returns a promise holds time until it settles', async (t) => {
  const scheduler = new Scheduler();
  const seen: string[] = [];
  scheduler.at(100, 'mine a block', async () => {
    await realTurns(3); // real async work that takes no virtual time (a chain backend, say)
    seen.push(`mined@${scheduler.now()}`);
  });
  scheduler.setTimer(100, () => seen.push(`timer@${scheduler.now()}`));
  scheduler.setTimer(101, () => seen.push(`later@${scheduler.now()}`));
  await scheduler.runUntil(200);
  t.same(seen, ['mined@100', 'timer@100', 'later@101']);
});

t.test('an event that throws or rejects is logged as an error; the run goes on', async (t) => {
  const scheduler = new Scheduler();
  const ran: number[] = [];
  scheduler.at(1, 'payment 7', () => {
    throw new RangeError('amount out of range');
  });
  scheduler.at(2, 'block', async () => {
    await Promise.resolve();
    throw new Error('reorg too deep');
  });
  // A node's timer callback that is async: its rejection is caught too, but time does not wait for it.
  scheduler.setTimer(3, (async () => {
    await realTurns(1);
    throw new Error('late failure');
  }) as () => void);
  scheduler.setTimer(4, () => {
    throw 'a string';
  });
  scheduler.setTimer(5, () => ran.push(scheduler.now()));
  await scheduler.runUntil(10);
  t.same(ran, [5], 'the later event ran');
  t.equal(scheduler.counters.errors, 4);
  t.same(
    scheduler.recentRecords().map((record) => `${record.timeMs} ${record.kind} ${record.detail}`),
    ['1 error payment 7: RangeError: amount out of range', '2 error block: Error: reorg too deep', '3 error timer: Error: late failure', '4 error timer: a string'],
  );
});

t.test('runUntil inside an event is refused, and the refusal is an error record', async (t) => {
  const scheduler = new Scheduler();
  scheduler.at(1, 'nested run', () => scheduler.runUntil(5));
  await scheduler.runUntil(10);
  t.equal(scheduler.counters.errors, 1);
  t.match(scheduler.recentRecords()[0]?.detail, /^nested run: SchedulerError: the scheduler is already running/);
});

t.test('runWhile stops when the predicate stops holding, or at the limit', async (t) => {
  const scheduler = new Scheduler();
  let count = 0;
  const tick = () => {
    count++;
    scheduler.setTimer(1_000, tick);
  };
  scheduler.setTimer(1_000, tick);
  t.equal(await scheduler.runWhile(() => count < 5, 60_000), true, 'the predicate stopped holding');
  t.equal(count, 5);
  t.equal(scheduler.now(), 5_000, 'right after the event that made it false');
  t.equal(await scheduler.runWhile(() => count < 1_000, 10_000), false, 'the limit came first');
  t.equal(scheduler.now(), 15_000);
  t.equal(count, 15);
  const idle = new Scheduler();
  t.equal(await idle.runWhile(() => true, 7_000), false, 'nothing to run: time still moves to the limit');
  t.equal(idle.now(), 7_000);
});

t.test('the event log: the latest records kept, all streamed, all hashed', async (t) => {
  const streamed: string[] = [];
  const scheduler = new Scheduler({ keepRecords: 3, onRecord: (record) => streamed.push(record.detail) });
  const emptyHash = scheduler.eventLogHash();
  t.match(emptyHash, /^[0-9a-f]{64}$/);
  for (let i = 1; i <= 5; i++) scheduler.at(i * 10, `step ${i}`, () => scheduler.log('step', `number ${i}`));
  await scheduler.runUntil(100);
  t.same(
    scheduler.recentRecords().map((record) => [record.timeMs, record.kind, record.detail]),
    [
      [30, 'step', 'number 3'],
      [40, 'step', 'number 4'],
      [50, 'step', 'number 5'],
    ],
  );
  t.same(streamed, ['number 1', 'number 2', 'number 3', 'number 4', 'number 5']);
  t.equal(scheduler.counters.records, 5);
  t.not(scheduler.eventLogHash(), emptyHash);
  t.equal(scheduler.eventLogHash(), scheduler.eventLogHash(), 'reading the hash does not change it');
});

/** A small gossip among ten nodes on random delays, logging what each hears: a stand-in for a whole run. */
async function gossipRun(seed: number | string): Promise<{ hash: string; events: number }> {
  const scheduler = new Scheduler();
  const random = new SeededRandom(seed);
  const nodes = Array.from({ length: 10 }, (_, i) => ({ name: `n${i}`, random: random.fork(`n${i}`), heard: 0 }));
  for (const node of nodes) {
    const speak = () => {
      const listener = node.random.pick(nodes);
      scheduler.setTimer(node.random.int(1, 500), () => {
        listener.heard++;
        scheduler.log('heard', `${listener.name} from ${node.name}`);
      });
      scheduler.setTimer(node.random.exponential(2_000), speak);
    };
    scheduler.setTimer(node.random.exponential(2_000), speak);
  }
  await scheduler.runUntil(600_000);
  return { hash: scheduler.eventLogHash(), events: scheduler.counters.eventsRun };
}

t.test('the same seed gives the same event log hash; another seed, another hash', async (t) => {
  const first = await gossipRun(2024);
  const again = await gossipRun(2024);
  const other = await gossipRun(2025);
  t.ok(first.events > 5_000, `${first.events} events`);
  t.equal(again.hash, first.hash);
  t.equal(again.events, first.events);
  t.not(other.hash, first.hash);
});

t.test('a run that differs only in event order, not in what is logged, still hashes differently', async (t) => {
  const run = async (order: 'ab' | 'ba') => {
    const scheduler = new Scheduler();
    const a = () => undefined;
    const b = () => undefined;
    for (const timer of order === 'ab' ? [[5, a], [6, b]] as const : [[6, b], [5, a]] as const) scheduler.setTimer(timer[0], timer[1]);
    await scheduler.runUntil(10);
    return scheduler.eventLogHash();
  };
  t.not(await run('ab'), await run('ba'), 'the times and order of scheduling of the events are in the hash');
});
