// The lmdb persister keeps channels, invoices and counters across reopening,
// byte arrays intact, writes only what changed, upgrades a store of format 1
// refuses a store of another format, and is readable by its owner only.
import t from 'tap';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { LmdbPersister, StoreError } from '../../../node/persist/lmdb.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Encoder } from 'cbor-x';
import { openPair, preimageOf, settle } from '../../../sim/kit/channel-pair.js';

const scratch = mkdtempSync(join(tmpdir(), 'lnmesh-lmdb-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

t.test('what is saved comes back after reopening', async (t) => {
  const path = join(scratch, 'a');
  const pair = openPair();
  const first = new LmdbPersister(path);
  first.saveChannel('peer/0', { state: pair.alice.state, outbox: [], remedies: [{ breachTxHash: new Uint8Array(32).fill(4), justice: [Uint8Array.of(1, 2)] }] });
  first.put('invoice', 'ab'.repeat(32), { preimage: new Uint8Array(32).fill(9), amountMsat: 5000, minFinalExpiry: 802_160 });
  first.put('counter', 'nextChannelIndex', 7);
  first.put('appointment', '01'.repeat(16), { locator: new Uint8Array(16).fill(1), blob: Uint8Array.of(5, 6) });
  first.close();

  const second = new LmdbPersister(path);
  const channels = second.loadChannels();
  t.same([...channels.keys()], ['peer/0']);
  const record = channels.get('peer/0')!;
  const hex = (value: unknown) => JSON.parse(JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
  t.same(hex(record.state), hex(pair.alice.state), 'the channel state, byte for byte');
  t.ok(record.state.local.publicKeys.fundingPubkey instanceof Uint8Array, 'keys come back as byte arrays');
  t.same(Buffer.from(record.remedies![0]!.justice[0]!).toString('hex'), '0102', 'remedies too');
  t.equal(second.getAll('invoice').get('ab'.repeat(32))?.amountMsat, 5000, 'invoices');
  t.equal(second.getAll('counter').get('nextChannelIndex'), 7, 'counters');
  t.equal(second.getAll('counter').get('nothing'), undefined);
  t.same(Buffer.from(second.getAll('appointment').get('01'.repeat(16))!.blob).toString('hex'), '0506', 'appointments waiting for delivery');
  second.deleteChannel('peer/0');
  second.remove('invoice', 'ab'.repeat(32));
  t.equal(second.loadChannels().size, 0, 'deleted');
  t.equal(second.getAll('invoice').size, 0);
  second.close();
});

t.test('a store of another format is refused with its path', async (t) => {
  const path = join(scratch, 'b');
  const db = open<Uint8Array, string>({ path, encoding: 'binary' });
  db.putSync('format', Uint8Array.of(99));
  await db.close();
  t.throws(() => new LmdbPersister(path), StoreError);
  t.throws(() => new LmdbPersister(path), new RegExp(path));
});

const hex = (value: unknown) => JSON.parse(JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
const update = (sequence: number) => ({ type: 'update' as const, handle: 0, sequence, updates: [] });

t.test('a save writes only the parts of the channel that changed', async (t) => {
  const path = join(scratch, 'parts');
  const pair = openPair();
  const store = new LmdbPersister(path);
  store.saveChannel('peer/0', { state: pair.alice.state, outbox: [update(1)] });
  const whole = store.bytesWritten;

  const before = store.bytesWritten;
  store.saveChannel('peer/0', { state: pair.alice.state, outbox: [update(1)] });
  t.equal(store.bytesWritten, before, 'saving the same record again writes nothing');

  const preimage = preimageOf(1);
  pair.alice.addHtlc(50_000_000, sha256(preimage), 800_000);
  settle(pair);
  const afterPayment = store.bytesWritten;
  store.saveChannel('peer/0', { state: pair.alice.state, outbox: [update(1), update(2)] });
  const step = store.bytesWritten - afterPayment;
  t.ok(step > 0 && step < whole, `a step writes ${step} bytes, the whole channel ${whole}`);

  // The outbox drops its oldest message and adds one: the messages kept are not written again.
  const beforeOutbox = store.bytesWritten;
  store.saveChannel('peer/0', { state: pair.alice.state, outbox: [update(2), update(3)] });
  t.equal(store.bytesWritten - beforeOutbox, new Encoder({ useRecords: false, mapsAsObjects: true }).encode(update(3)).length, 'one message written');
  store.close();

  const reopened = new LmdbPersister(path);
  const record = reopened.loadChannels().get('peer/0')!;
  t.same(hex(record.state), hex(pair.alice.state), 'the parts make the channel again, byte for byte');
  t.same(record.outbox.map((message) => message.sequence), [2, 3], 'the outbox in the order it was sent');
  // An outbox that does not continue the last one is written afresh, and comes back in its own order.
  reopened.saveChannel('peer/0', { state: pair.alice.state, outbox: [update(9), update(2)] });
  t.same(reopened.loadChannels().get('peer/0')!.outbox.map((message) => message.sequence), [9, 2]);
  reopened.deleteChannel('peer/0');
  t.equal(reopened.loadChannels().size, 0, 'deleting removes every part');
  reopened.close();
});

t.test('a transaction makes its writes durable together, and commits what ran before an error', async (t) => {
  const path = join(scratch, 'transaction');
  const store = new LmdbPersister(path);
  const result = store.transaction(() => {
    store.put('counter', 'a', 1);
    store.put('counter', 'b', 2);
    return 'done';
  });
  t.equal(result, 'done');
  t.throws(() =>
    store.transaction(() => {
      store.put('counter', 'c', 3);
      throw new Error('boom');
    }),
  /boom/);
  store.close();
  const reopened = new LmdbPersister(path);
  t.same([...reopened.getAll('counter')].sort(), [['a', 1], ['b', 2], ['c', 3]]);
  t.throws(() => reopened.saveChannel('a#b', { state: openPair().alice.state, outbox: [] }), StoreError, 'an id that would be ambiguous is refused');
  reopened.close();
});

t.test('a store of format 1 (each channel whole) is upgraded in place', async (t) => {
  const path = join(scratch, 'format1');
  const pair = openPair();
  const db = open<Uint8Array, string>({ path, encoding: 'binary', compression: false });
  const codec = new Encoder({ useRecords: false, mapsAsObjects: true });
  db.putSync('format', Uint8Array.of(1));
  db.putSync('channel/peer/0', codec.encode({ state: pair.alice.state, outbox: [update(4)] }));
  db.putSync('counter/nextChannelIndex', codec.encode(3));
  await db.close();

  const store = new LmdbPersister(path);
  const record = store.loadChannels().get('peer/0')!;
  t.same(hex(record.state), hex(pair.alice.state), 'the channel, byte for byte');
  t.same(record.outbox.map((message) => message.sequence), [4]);
  t.equal(store.getAll('counter').get('nextChannelIndex'), 3, 'other records untouched');
  store.close();
  const again = open<Uint8Array, string>({ path, encoding: 'binary', compression: false });
  t.equal(again.get('format')?.[0], 2, 'the store says format 2');
  t.equal(again.get('channel/peer/0'), undefined, 'the whole record is gone');
  await again.close();
});

t.test('the store is its owner\'s only: folder 0700, data and lock files 0600, even under a permissive umask', async (t) => {
  const previous = process.umask(0o000);
  t.teardown(() => process.umask(previous));
  const path = join(scratch, 'private', 'node');
  const store = new LmdbPersister(path);
  store.put('counter', 'x', 1);
  store.close();
  const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);
  t.equal(modeOf(path), '700');
  t.equal(modeOf(join(scratch, 'private')), '700', 'and a folder it made on the way');
  const files = readdirSync(path).sort();
  t.same(files, ['data.mdb', 'lock.mdb']);
  for (const file of files) t.equal(modeOf(join(path, file)), '600', file);
});
