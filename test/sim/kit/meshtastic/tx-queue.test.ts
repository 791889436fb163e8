// The transmit queue orders by priority and, when full, evicts only a lower-priority packet.
import t from 'tap';
import { Priority } from '../../../../transports/meshtastic/client-messages.js';
import type { AirPacket } from '../../../../sim/kit/meshtastic/ether.js';
import { fixedPriority, TxQueue } from '../../../../sim/kit/meshtastic/tx-queue.js';

const item = (id: number, priority: number, fromUs = true) => ({
  fromUs, rxSnr: 0,
  packet: { from: fromUs ? 1 : 2, to: 3, id, priority, hopLimit: 3, hopStart: 3, wantAck: false, channel: 0, pki: false, length: 40,
    data: { portnum: 256, payload: new Uint8Array(1), wantResponse: false, requestId: 0 } } satisfies AirPacket,
});

t.test('16 slots: the 17th of equal priority is refused, a higher one evicts the last', async (t) => {
  const queue = new TxQueue();
  for (let id = 1; id <= 16; id++) t.ok(queue.enqueue(item(id, Priority.default)));
  t.equal(queue.free, 0);
  t.notOk(queue.enqueue(item(17, Priority.default)), 'refused');
  t.ok(queue.enqueue(item(18, Priority.ack)), 'an ack takes the place of the last default packet');
  t.equal(queue.peek()?.packet.id, 18, 'and goes first');
  t.notOk(queue.find(1, 16), 'packet 16 is gone without a word');
});

t.test('at equal priority a relay goes before our own; otherwise first come, first served', async (t) => {
  const queue = new TxQueue();
  queue.enqueue(item(1, Priority.default));
  queue.enqueue(item(2, Priority.default));
  queue.enqueue(item(3, Priority.default, false));
  t.same([queue.dequeue(), queue.dequeue(), queue.dequeue()].map((queued) => queued?.packet.id), [3, 1, 2]);
});

t.test('fixPriority: acks 120, text 100, responses 80, want_ack 70, else 64; a set priority stays', async (t) => {
  t.equal(fixedPriority(0, false, 5, 9, false), Priority.ack);
  t.equal(fixedPriority(0, false, 1, 0, false), Priority.high);
  t.equal(fixedPriority(0, false, 256, 9, false), Priority.response);
  t.equal(fixedPriority(0, true, 256, 0, false), Priority.reliable);
  t.equal(fixedPriority(0, false, 256, 0, false), Priority.default);
  t.equal(fixedPriority(10, true, 5, 0, false), 10);
});
