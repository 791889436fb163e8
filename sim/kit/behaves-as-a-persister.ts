/**
 * The compliance suite of `Persister` and `RecordStore` (node/persist/persister.ts):
 * what the channel manager, the monitors and the header chain rely on from any
 * store, run against each implementation (lmdb on disk, and memory, which the
 * simulator uses as a disk that survives a simulated crash).
 */
import type { Test } from 'tap';
import type { Persister, RecordStore } from '../../node/persist/persister.js';
import { openPair } from './channel-pair.js';

export type Store = Persister & RecordStore;

export interface PersisterUnderTest {
  /** A fresh, empty store. */
  readonly store: Store;
  /** The same store as a restarted process finds it (lmdb: closed and opened again; memory: the same object). */
  reopen(): Store;
}

/** Byte arrays as hex, so that two records compare by value whatever class their bytes come back as. */
const asHex = (value: unknown) => JSON.parse(JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));

/** Runs the suite on the stores `open` makes (a fresh one for each subtest; `open` removes it with `t`). */
export function behavesAsAPersister(t: Test, name: string, open: (t: Test) => PersisterUnderTest): void {
  t.test(`${name} behaves as a Persister`, async (t) => {
    t.test('what is saved comes back after a restart, byte arrays intact; what is deleted does not', async (t) => keepsWhatIsSaved(t, open(t)));
    t.test('a transaction keeps what ran before an error, rethrows it, and nests', async (t) => keepsTransactions(t, open(t)));
    t.test('records read one at a time and written in batches', async (t) => keepsRecords(t, open(t)));
  });
}

function keepsWhatIsSaved(t: Test, { store, reopen }: PersisterUnderTest): void {
  const pair = openPair();
  store.saveChannel('peer/0', { state: pair.alice.state, outbox: [] });
  store.saveChannel('peer/1', { state: pair.bob.state, outbox: [] });
  store.put('invoice', 'ab'.repeat(32), { preimage: new Uint8Array(32).fill(9), amountMsat: 5000, minFinalExpiry: 802_160 });
  store.put('counter', 'nextChannelIndex', 7);
  store.put('appointment', '01'.repeat(16), { locator: new Uint8Array(16).fill(1), blob: Uint8Array.of(5, 6) });
  store.deleteChannel('peer/1');

  const again = reopen();
  const channels = again.loadChannels();
  t.same([...channels.keys()], ['peer/0'], 'the channel saved and not deleted');
  t.same(asHex(channels.get('peer/0')!.state), asHex(pair.alice.state), 'its state, byte for byte');
  t.ok(channels.get('peer/0')!.state.local.publicKeys.fundingPubkey instanceof Uint8Array, 'keys come back as byte arrays');
  t.equal(again.getAll('invoice').get('ab'.repeat(32))?.amountMsat, 5000, 'invoices');
  t.equal(again.getAll('counter').get('nextChannelIndex'), 7, 'counters');
  t.same(Buffer.from(again.getAll('appointment').get('01'.repeat(16))!.blob).toString('hex'), '0506', 'appointments');

  channels.get('peer/0')!.state.local.publicKeys.fundingPubkey.fill(0);
  t.notSame(asHex(again.loadChannels().get('peer/0')!.state), asHex(channels.get('peer/0')!.state), 'what load returns is a copy: changing it changes nothing stored');
  again.remove('invoice', 'ab'.repeat(32));
  t.equal(again.getAll('invoice').size, 0, 'a removed record is gone');
  again.close();
}

function keepsTransactions(t: Test, { store, reopen }: PersisterUnderTest): void {
  const result = store.transaction(() => {
    store.put('counter', 'a', 1);
    store.transaction(() => store.put('counter', 'b', 2));
    return 'done';
  });
  t.equal(result, 'done', "the transaction returns its work's result");
  t.throws(
    () =>
      store.transaction(() => {
        store.put('counter', 'c', 3);
        throw new Error('boom');
      }),
    /boom/,
    "the work's error comes out",
  );
  const again = reopen();
  t.same([...again.getAll('counter')].sort(), [['a', 1], ['b', 2], ['c', 3]], 'every write is kept, the nested one and the one before the error too');
  again.close();
}

function keepsRecords(t: Test, { store, reopen }: PersisterUnderTest): void {
  t.equal(store.get('counter', 'x'), undefined, 'nothing yet');
  store.write([
    { kind: 'counter', id: 'x', value: 1 },
    { kind: 'counter', id: 'y', value: 2 },
  ]);
  store.write([
    { kind: 'counter', id: 'x', value: undefined },
    { kind: 'counter', id: 'y', value: 3 },
  ]);
  const again = reopen();
  t.equal(again.get('counter', 'x'), undefined, 'a write of undefined removes');
  t.equal(again.get('counter', 'y'), 3, 'the last write wins');
  t.same([...again.getAll('counter')], [['y', 3]], 'getAll sees what write wrote');
  again.close();
}
