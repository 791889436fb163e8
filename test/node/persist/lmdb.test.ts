// The lmdb persister keeps channels, invoices and counters across reopening,
// byte arrays intact, and refuses a store of another format.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { LmdbPersister, StoreError } from '../../../node/persist/lmdb.js';
import { openPair } from '../channel/pair.js';

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
  t.same(JSON.stringify(record.state, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)), JSON.stringify(pair.alice.state, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)), 'the channel state, byte for byte');
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
