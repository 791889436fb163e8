// Splitting messages to the MTU and putting them back together, within bounds on memory.
import t from 'tap';
import fc from 'fast-check';
import { FLAG_ACK, FLAG_FRAGMENT, encodeSealedBody, sealedHeader } from '../../../transports/link/frame.js';
import { FRAME_TAG_LENGTH } from '../../../transports/link/frame-aead.js';
import { FRAGMENT_BOOKKEEPING_BYTES, Reassembly, bitmapIndexes, fragmentDataSize, splitMessage } from '../../../transports/link/fragment.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const limits = { maxMessageBytes: 10_000, maxBufferedBytes: 50_000, maxMessagesAhead: 16 };

t.test('each fragment, sealed, fits the MTU even late in a session', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 68, max: 600 }), fc.nat({ max: 2 ** 40 }), fc.uint8Array({ maxLength: 3000 }), (mtu, seq, message) => {
      const fragments = splitMessage(message, seq, mtu);
      const worstHeader = sealedHeader(FLAG_ACK | FLAG_FRAGMENT, 127, 0x1fffff).length;
      for (const fragment of fragments) {
        const size = worstHeader + encodeSealedBody({ fragment }).length + FRAME_TAG_LENGTH;
        if (size > mtu) throw new Error(`a ${size}-byte frame over an mtu of ${mtu}`);
      }
      if (hex(Buffer.concat(fragments.map((fragment) => fragment.data))) !== hex(message)) throw new Error('fragments do not make the message');
      if (!fragments.at(-1)!.last || fragments.slice(0, -1).some((fragment) => fragment.last)) throw new Error('only the last is last');
    }),
    { numRuns: 500 },
  );
  t.equal(splitMessage(new Uint8Array(0), 1, 100).length, 1, 'an empty message is one empty fragment');
  t.equal(fragmentDataSize(70, 1, 1000), 55, 'at an mtu of 70: 70 - 13 (type, session id, a counter of up to 3 bytes, tag) - 1 (seq) - 1 (index)');
  t.equal(fragmentDataSize(70, 1, 56), 56, 'a message that fits one frame goes whole, without an index');
  t.equal(fragmentDataSize(70, 1, 57), 55, 'one byte more: two fragments, each with an index');
  t.equal(fragmentDataSize(70, 1, 5000), 54, 'more than 64 fragments: the index takes 2 bytes');
  t.throws(() => fragmentDataSize(70, 1, 8192 * 54 + 1), { name: 'FragmentError' }, 'more than 8192 fragments');
});

t.test('fragments in any order, with duplicates, make the message once', async (t) => {
  const message = Uint8Array.from({ length: 500 }, (_, i) => i & 0xff);
  const fragments = splitMessage(message, 1, 80);
  fc.assert(
    fc.property(fc.shuffledSubarray(fragments, { minLength: fragments.length, maxLength: fragments.length }), fc.array(fc.nat({ max: fragments.length - 1 }), { maxLength: 5 }), (order, repeats) => {
      const reassembly = new Reassembly(limits);
      const arrivals = [...order, ...repeats.map((index) => fragments[index]!)];
      const outcomes = arrivals.map((fragment) => reassembly.add(fragment, 0));
      if (outcomes.filter((outcome) => outcome === 'complete').length !== 1) throw new Error(`complete ${outcomes.join(',')}`);
      if (hex(reassembly.takeComplete(1)!) !== hex(message)) throw new Error('not the message');
      if (reassembly.bufferedBytes !== 0) throw new Error('memory kept after delivery');
    }),
    { numRuns: 300 },
  );
  t.pass();
});

t.test('bounds: duplicates, too far ahead, oversized, inconsistent, full', async (t) => {
  const reassembly = new Reassembly(limits);
  const fragment = (seq: number, index: number, last: boolean, length = 10) => ({ seq, index, last, data: new Uint8Array(length) });
  t.equal(reassembly.add(fragment(3, 0, true), 3), 'duplicate', 'a message already delivered');
  t.equal(reassembly.add(fragment(20, 0, true), 3), 'too-far-ahead', 'beyond maxMessagesAhead');
  t.equal(reassembly.add(fragment(5, 0, false, 6000), 3), 'stored');
  t.equal(reassembly.add(fragment(5, 1, false, 6000), 3), 'oversized', 'the set passes maxMessageBytes: dropped whole');
  t.equal(reassembly.bufferedBytes, 0, 'and its memory freed');
  t.equal(reassembly.add(fragment(6, 3, false), 3), 'stored');
  t.equal(reassembly.add(fragment(6, 1, true), 3), 'inconsistent', 'a last fragment before one already held');
  t.equal(reassembly.bufferedBytes, 10 + FRAGMENT_BOOKKEEPING_BYTES, 'the contradicted fragments are gone, the new one kept');

  const small = new Reassembly({ maxMessageBytes: 1000, maxBufferedBytes: 300, maxMessagesAhead: 16 });
  t.equal(small.add(fragment(3, 0, false, 200), 0), 'stored');
  t.equal(small.add(fragment(2, 0, false, 100), 0), 'full', 'no room for a message that is not next');
  t.equal(small.add(fragment(1, 0, true, 200), 0), 'complete', 'the next message due pushes out later ones');
  t.ok(small.bufferedBytes <= 300);
  t.equal(hex(small.takeComplete(1)!), hex(new Uint8Array(200)));
  t.equal(small.takeComplete(3), undefined, 'message 3 was pushed out; its sender will send it again');

  fc.assert(
    fc.property(fc.array(fc.record({ seq: fc.integer({ min: 1, max: 20 }), index: fc.nat({ max: 40 }), last: fc.boolean(), data: fc.uint8Array({ maxLength: 200 }) }), { maxLength: 200 }), (arrivals) => {
      const bounded = new Reassembly({ maxMessageBytes: 1000, maxBufferedBytes: 2000, maxMessagesAhead: 8 });
      for (const arrival of arrivals) {
        bounded.add(arrival, 0);
        if (bounded.bufferedBytes > 2000) throw new Error(`${bounded.bufferedBytes} bytes held`);
      }
    }),
    { numRuns: 500 },
  );
});

t.test('ack entries say what is held after the last delivered message', async (t) => {
  const reassembly = new Reassembly(limits);
  const message = new Uint8Array(1000);
  const fragments = splitMessage(message, 2, 80);
  for (const index of [0, 1, 3, 10]) reassembly.add(fragments[index]!, 1);
  const [entry] = reassembly.ackEntries(1, 4);
  t.equal(entry?.seq, 2);
  t.equal(entry?.receivedPrefix, 2, 'fragments 0 and 1');
  t.same(bitmapIndexes(entry!), [3, 10], 'and, beyond the first missing one, 3 and 10');
  t.same(reassembly.ackEntries(2, 4), [], 'nothing after message 2');
});
