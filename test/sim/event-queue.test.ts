// The scheduler's queue: whatever the order of insertion, events come out by time, then by order of scheduling.
import t from 'tap';
import fc from 'fast-check';
import { EventQueue, type QueuedEvent } from '../../sim/event-queue.js';

const byTimeThenSequence = (a: QueuedEvent, b: QueuedEvent) => a.timeMs - b.timeMs || a.sequence - b.sequence;

t.test('pops in (time, sequence) order, with pushes and pops interleaved', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant('pop' as const)), { maxLength: 300 }), (operations) => {
      const queue = new EventQueue<QueuedEvent>();
      const model: QueuedEvent[] = [];
      let sequence = 0;
      for (const operation of operations) {
        if (operation === 'pop') {
          model.sort(byTimeThenSequence);
          if (queue.pop() !== model.shift()) return false;
        } else {
          const event = { timeMs: operation, sequence: sequence++ };
          queue.push(event);
          model.push(event);
        }
        if (queue.size !== model.length) return false;
      }
      model.sort(byTimeThenSequence);
      for (const expected of model) if (queue.pop() !== expected) return false;
      return queue.pop() === undefined;
    }),
  );
  t.pass('100 random sequences of pushes and pops matched a sorted list');
});

t.test('retain keeps the chosen events, still in order', async (t) => {
  const queue = new EventQueue<QueuedEvent & { keep: boolean }>();
  for (let sequence = 0; sequence < 1000; sequence++) queue.push({ timeMs: (sequence * 7919) % 100, sequence, keep: sequence % 3 === 0 });
  queue.retain((event) => event.keep);
  t.equal(queue.size, 334);
  const popped: QueuedEvent[] = [];
  for (let event = queue.pop(); event; event = queue.pop()) popped.push(event);
  t.same(popped, [...popped].sort(byTimeThenSequence), 'in order');
  t.ok(popped.every((event) => event.sequence % 3 === 0), 'only the kept ones');
});
