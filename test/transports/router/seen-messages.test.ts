// The bounded set of delivered (source, message id) pairs behind duplicate suppression.
import t from 'tap';
import { MemorySeenMessages } from '../../../transports/router/seen-messages.js';

t.test('remembers the last `capacity` pairs and forgets the oldest first', async (t) => {
  const seen = new MemorySeenMessages(3);
  const id = (n: number) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, n);
  seen.add('02aa', id(1));
  t.ok(seen.has('02aa', id(1)));
  t.notOk(seen.has('02bb', id(1)), 'the same id from another source is another message');
  t.notOk(seen.has('02aa', id(2)));
  seen.add('02aa', id(1));
  t.equal(seen.size, 1, 'adding twice keeps one');
  seen.add('02aa', id(2));
  seen.add('02aa', id(3));
  seen.add('02aa', id(4));
  t.equal(seen.size, 3, 'bounded');
  t.notOk(seen.has('02aa', id(1)), 'the oldest is forgotten');
  t.ok(seen.has('02aa', id(4)));
  t.throws(() => new MemorySeenMessages(0), RangeError);
});
