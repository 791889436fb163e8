// The gateway's mailbox: messages for an absent node wait in lmdb, in order,
// within a quota, until they expire; a restart loses none.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mailbox, MailboxFullError, MailboxStoreError } from '../../../gateway/relay/mailbox.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { open } from 'lmdb';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';

const DAY_MS = 86_400_000;
const text = (message: Uint8Array) => Buffer.from(message).toString();

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-mailbox-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('messages wait in order, per node, and survive a restart', async (t) => {
  const dir = tempDir(t);
  const clock = new VirtualClock();
  let mailbox = new Mailbox(dir, clock);
  t.equal(mailbox.put('alice', Buffer.from('one')), 1);
  t.equal(mailbox.put('alice', Buffer.from('two')), 2);
  t.equal(mailbox.put('bob', Buffer.from('for bob')), 1, "bob's box numbers its own");
  await mailbox.close();
  mailbox = new Mailbox(dir, clock);
  t.same(mailbox.pending('alice').map((mail) => text(mail.message)), ['one', 'two'], 'after a restart, in order');
  t.same(mailbox.nodesWithMail().sort(), ['alice', 'bob']);
  t.ok(mailbox.hasMail('alice'), 'alice has mail');
  t.notOk(mailbox.hasMail('carol'), 'carol has none');
  mailbox.remove('alice', 1);
  t.same(mailbox.pending('alice').map((mail) => mail.id), [2], 'one handed on, one waits');
  t.equal(mailbox.put('alice', Buffer.from('three')), 3, 'ids are never reused');
  t.same(mailbox.held('alice'), { messages: 2, bytes: 8 });
  await mailbox.close();
});

t.test('a full box refuses with the numbers and stores nothing', async (t) => {
  const mailbox = new Mailbox(tempDir(t), new VirtualClock(), { maxMessagesPerNode: 2, maxBytesPerNode: 10 });
  t.teardown(() => mailbox.close());
  mailbox.put('alice', Buffer.from('12345'));
  let error: unknown;
  try {
    mailbox.put('alice', Buffer.from('123456'));
  } catch (thrown) {
    error = thrown;
  }
  t.ok(error instanceof MailboxFullError, 'over the bytes: refused');
  t.match((error as Error).message, /alice is full: 1 messages and 5 bytes held, at most 2 and 10/);
  mailbox.put('alice', Buffer.from('12345'));
  t.throws(() => mailbox.put('alice', Buffer.from('1')), MailboxFullError, 'over the count: refused');
  t.same(mailbox.held('alice'), { messages: 2, bytes: 10 }, 'nothing of the refused ones was stored');
  t.doesNotThrow(() => mailbox.put('bob', Buffer.from('12345')), "another node's box is its own");
  t.throws(() => new Mailbox(tempDir(t), new VirtualClock(), { maxMessagesPerNode: 0 }), InvalidInputError, 'a quota of zero is a config error');
});

t.test('messages older than the expiry are dropped and counted', async (t) => {
  const clock = new VirtualClock();
  const mailbox = new Mailbox(tempDir(t), clock, { expiryMs: 10 * DAY_MS });
  t.teardown(() => mailbox.close());
  mailbox.put('alice', Buffer.from('old'));
  await clock.advance(6 * DAY_MS);
  mailbox.put('alice', Buffer.from('newer'));
  await clock.advance(5 * DAY_MS);
  t.same(mailbox.pending('alice').map((mail) => text(mail.message)), ['newer'], 'after 11 days the first is gone, the second (5 days) waits');
  t.equal(mailbox.expired, 1);
  await clock.advance(6 * DAY_MS);
  t.equal(mailbox.expire(), 1, 'a sweep over every node drops the rest');
  t.same(mailbox.nodesWithMail(), []);
});

t.test('inside a box, each source has its share, strangers together the smallest, and the whole mailbox a cap', async (t) => {
  const clock = new VirtualClock();
  const mailbox = new Mailbox(tempDir(t), clock, { maxMessagesPerSource: 2, maxStrangerMessagesPerNode: 3, maxMessagesPerStranger: 2, maxMessages: 11, maxStrangerMessages: 5 });
  t.teardown(() => mailbox.close());
  const known = { standing: 'known', source: 'k' } as const;
  mailbox.put('alice', Buffer.from('k1'), known);
  mailbox.put('alice', Buffer.from('k2'), known);
  t.throws(() => mailbox.put('alice', Buffer.from('k3'), known), { name: 'MailboxFullError', bound: 'source', message: /alice holds all it takes from k/ }, 'a known source has its share');
  mailbox.put('alice', Buffer.from('s1'), { standing: 'stranger', source: 's' });
  mailbox.put('alice', Buffer.from('s2'), { standing: 'stranger', source: 's' });
  t.throws(() => mailbox.put('alice', Buffer.from('s3'), { standing: 'stranger', source: 's' }), { name: 'MailboxFullError', bound: 'source' }, 'a stranger a smaller one');
  mailbox.put('alice', Buffer.from('x1'), { standing: 'stranger', source: 'x' });
  t.throws(() => mailbox.put('alice', Buffer.from('y1'), { standing: 'stranger', source: 'y' }), { name: 'MailboxFullError', bound: 'strangers' }, 'and strangers together, whatever their keys');
  mailbox.put('alice', Buffer.from('own'));
  t.same(mailbox.pending('alice').map((mail) => text(mail.message)), ['own', 'k1', 'k2', 's1', 's2', 'x1'], "the gateway's own first, then known sources', then strangers'");
  mailbox.put('bob', Buffer.from('s'), { standing: 'stranger', source: 'z' });
  mailbox.put('bob', Buffer.from('s'), { standing: 'stranger', source: 'z' });
  t.throws(() => mailbox.put('carol', Buffer.from('s'), { standing: 'stranger', source: 'w' }), { name: 'MailboxFullError', bound: 'mailbox-strangers' }, 'strangers in all boxes have a cap');
  for (const [index, node] of ['bob', 'carol', 'dave'].entries()) mailbox.put(node, Buffer.from(`own ${index}`));
  t.throws(() => mailbox.put('erin', Buffer.from('own')), { name: 'MailboxFullError', bound: 'mailbox' }, 'and the whole mailbox one, for the disk');
  t.same(mailbox.heldInAll(), { messages: 11, bytes: 30, strangers: { messages: 5, bytes: 8 } });

  await clock.advance(DAY_MS + 1);
  t.same(mailbox.pending('alice').map((mail) => text(mail.message)), ['own', 'k1', 'k2'], "a day later, strangers' mail has expired; the rest waits its 30 days");
  t.same(mailbox.heldInAll().strangers, { messages: 2, bytes: 2 }, "bob's expires when his box is looked at");
  t.equal(mailbox.expire(), 2);
});

t.test('a mailbox of format 1 is read, its mail as from known sources', async (t) => {
  const dir = tempDir(t);
  const old = open<Uint8Array, string | (string | number)[]>({ path: dir, encoding: 'binary', compression: false });
  const entry = Buffer.alloc(8 + 3);
  entry.writeBigUInt64BE(5n);
  entry.write('old', 8);
  old.putSync('format', Uint8Array.of(1));
  old.putSync(['message', 'alice', 1], entry);
  await old.close();
  const mailbox = new Mailbox(dir, new VirtualClock());
  t.teardown(() => mailbox.close());
  t.match(mailbox.pending('alice'), [{ id: 1, receivedAt: 5, standing: 'known', source: '' }]);
  t.equal(text(mailbox.pending('alice')[0]!.message), 'old');
  t.same(mailbox.held('alice'), { messages: 1, bytes: 3 });
});

t.test('a mailbox of a newer format is refused, not misread', async (t) => {
  const dir = tempDir(t);
  const newer = open<Uint8Array, string>({ path: dir, encoding: 'binary', compression: false });
  newer.putSync('format', Uint8Array.of(3));
  await newer.close();
  t.throws(() => new Mailbox(dir, new VirtualClock()), new MailboxStoreError(`${dir}: mailbox format 3, this lnmesh reads format 2`));
});
