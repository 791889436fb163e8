// The link outbox, in memory and in lmdb: sequences never repeat, and what lmdb holds survives a reopen.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbLinkOutbox, type LinkOutbox, MemoryLinkOutbox } from '../../../transports/link/outbox.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const listed = (outbox: LinkOutbox, peer: string) => outbox.unacknowledged(peer).map(({ seq, message }) => `${seq}:${hex(message)}`);

/** The behaviour both implementations share. */
async function behavesAsAnOutbox(t: Test, outbox: LinkOutbox) {
  t.equal(outbox.append('bob', Uint8Array.of(1)), 1, 'sequences start at 1');
  t.equal(outbox.append('bob', Uint8Array.of(2)), 2);
  t.equal(outbox.append('carol', Uint8Array.of(3)), 1, 'each neighbour has its own sequence');
  t.equal(outbox.append('bob', new Uint8Array(0)), 3);
  t.same(listed(outbox, 'bob'), ['1:01', '2:02', '3:']);
  t.same(outbox.peersWithPending().sort(), ['bob', 'carol']);
  outbox.acknowledge('bob', 2);
  t.same(listed(outbox, 'bob'), ['3:']);
  outbox.acknowledge('bob', 3);
  t.same(listed(outbox, 'bob'), []);
  t.same(outbox.peersWithPending(), ['carol'], 'a neighbour with nothing pending is not listed');
  t.equal(outbox.append('bob', Uint8Array.of(4)), 4, 'a sequence is never reused, even once all was acknowledged');
  t.equal(outbox.deliveredUpTo('bob'), 0);
  outbox.setDeliveredUpTo('bob', 12);
  t.equal(outbox.deliveredUpTo('bob'), 12);
  t.equal(outbox.deliveredUpTo('carol'), 0, 'per neighbour');
}

t.test('in memory', async (t) => behavesAsAnOutbox(t, new MemoryLinkOutbox()));

t.test('in lmdb, and again after a reopen', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-outbox-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const first = new LmdbLinkOutbox(directory);
  await behavesAsAnOutbox(t, first);
  const message = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
  first.append('bob', message);
  await first.close();

  const reopened = new LmdbLinkOutbox(directory);
  t.same(listed(reopened, 'bob'), ['4:04', `5:${hex(message)}`], 'what was not acknowledged is still there, in order');
  t.equal(reopened.deliveredUpTo('bob'), 12, 'and so is the delivered mark');
  t.equal(reopened.append('bob', Uint8Array.of(6)), 6, 'the sequence carries on');
  await reopened.close();
});

t.test('an lmdb outbox of another format is refused, not misread', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-outbox-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const { open } = await import('lmdb');
  const db = open<Uint8Array, string>({ path: directory, encoding: 'binary' });
  db.putSync('format', Uint8Array.of(99));
  await db.close();
  t.throws(() => new LmdbLinkOutbox(directory), { name: 'LinkOutboxError' });
});
