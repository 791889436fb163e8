// The tower's appointment store: found by locator (all nodes' appointments
// under it), within each node's quota, dropped by tag or once the funding
// output is spent and buried, and all of it still there after a restart.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { AppointmentStore, AppointmentStoreError, TowerQuotaError } from '../../../gateway/tower/appointment-store.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import type { TowerAppointment } from '../../../node/gateway-protocol/gateway-messages.js';
import { MAX_BLOB_BYTES } from '../../../node/gateway-protocol/gateway-messages.js';
import { caught, throwsField } from '../../node/input.js';

const hex = bytesToHex;
const nodeIds = [1, 2, 3].map((i) => hex(publicKeyOf(sha256(Uint8Array.of(0x6b, i)))));
const [alice, bob] = nodeIds as [string, string];
const channelA = new TextEncoder().encode('channel a');
const channelB = new TextEncoder().encode('channel b');

/** Appointment `i`: its own locator, a 200-byte blob, the given tag. */
function appointment(i: number, tag = channelA, blobByte = i): TowerAppointment {
  return { locator: sha256(Uint8Array.of(0x10, i >> 8, i & 0xff)).slice(0, 16), blob: new Uint8Array(200).fill(blobByte), tag };
}

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-tower-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('appointments are found by locator, every node\'s, and survive a restart', async (t) => {
  const dir = tempDir(t);
  let store = new AppointmentStore(dir);
  store.add(alice, [appointment(1), appointment(2)]);
  store.add(bob, [appointment(1, channelB, 0xbb)]);
  const underOne = store.lookup(appointment(1).locator);
  t.same(underOne.map((found) => found.nodeId).sort(), [alice, bob].sort(), 'two nodes under one locator: both kept');
  const bobs = underOne.find((found) => found.nodeId === bob)!;
  t.equal(hex(bobs.blob), hex(new Uint8Array(200).fill(0xbb)), "Bob's blob");
  t.equal(hex(bobs.tag), hex(channelB), "with Bob's tag");
  t.same(store.lookup(appointment(3).locator), [], 'nothing under another locator');
  t.equal(store.count(), 3);
  t.same(store.usage(alice), { appointments: 2, bytes: 2 * (200 + channelA.length), watches: 0 });

  store.add(alice, [appointment(1, channelB, 0xcc)]);
  const replaced = store.lookup(appointment(1).locator).find((found) => found.nodeId === alice)!;
  t.equal(hex(replaced.blob), hex(new Uint8Array(200).fill(0xcc)), 'the same node and locator again: the new blob replaces the old');
  t.equal(hex(replaced.tag), hex(channelB), 'and its tag');
  t.same(store.usage(alice), { appointments: 2, bytes: 2 * (200 + channelA.length), watches: 0 }, 'counted once');

  await store.close();
  store = new AppointmentStore(dir);
  t.equal(store.count(), 3, 'after a restart, all three');
  t.equal(hex(store.lookup(appointment(2).locator)[0]!.blob), hex(appointment(2).blob));
  t.same(store.usage(alice), { appointments: 2, bytes: 2 * (200 + channelA.length), watches: 0 }, 'and the usage');
  await store.close();
});

t.test('over the quota a batch is refused whole, with the numbers', async (t) => {
  const store = new AppointmentStore(tempDir(t), { maxAppointmentsPerNode: 3, maxBytesPerNode: 1000, maxWatchesPerNode: 1 });
  t.teardown(() => store.close());
  store.add(alice, [appointment(1), appointment(2)]);
  const tooMany = caught(() => store.add(alice, [appointment(3), appointment(4)]));
  t.ok(tooMany instanceof TowerQuotaError, 'a third and a fourth appointment: refused');
  t.match((tooMany as Error).message, /holds 2 appointments \(418 bytes\).*adds 2 \(418 bytes\).*limits are 3 appointments, 1000 bytes/);
  t.same((tooMany as TowerQuotaError).held, { appointments: 2, bytes: 418, watches: 0 }, 'what it holds, for the node to act on');
  t.same(store.lookup(appointment(3).locator), [], 'nothing of the batch was stored');
  t.same(store.usage(alice), { appointments: 2, bytes: 418, watches: 0 }, 'the usage did not move');

  const tooBig = caught(() => store.add(alice, [{ ...appointment(5), blob: new Uint8Array(600) }]));
  t.ok(tooBig instanceof TowerQuotaError, 'over the bytes: refused');
  t.equal((tooBig as TowerQuotaError).adding.bytes, 609);
  store.add(alice, [appointment(1, channelA, 9)]);
  t.same(store.usage(alice).appointments, 2, 'replacing one of its own is not one more');
  store.add(bob, [appointment(3), appointment(4), appointment(5)]);
  t.equal(store.usage(bob).appointments, 3, 'the quota is per node');

  store.watchFunding(alice, channelA, { txid: 'aa'.repeat(32), vout: 0 });
  store.watchFunding(alice, channelA, { txid: 'aa'.repeat(32), vout: 1 });
  t.equal(store.usage(alice).watches, 1, 'a tag has one watch: revealing it again replaces it');
  t.ok(caught(() => store.watchFunding(alice, channelB, { txid: 'bb'.repeat(32), vout: 0 })) instanceof TowerQuotaError, 'a second watch is over its quota');
});

t.test('malformed appointments are refused with the field, nothing stored', async (t) => {
  const store = new AppointmentStore(tempDir(t));
  t.teardown(() => store.close());
  const good = appointment(1);
  throwsField(t, () => store.add(alice, [good, { ...good, locator: new Uint8Array(15) }]), 'appointments[1].locator', 'a 15-byte locator');
  throwsField(t, () => store.add(alice, [{ ...good, blob: new Uint8Array(16) }]), 'appointments[0].blob', 'a blob of only the cipher tag');
  throwsField(t, () => store.add(alice, [{ ...good, blob: new Uint8Array(MAX_BLOB_BYTES + 1) }]), 'appointments[0].blob', 'a blob over the limit');
  throwsField(t, () => store.add(alice, [{ ...good, tag: new Uint8Array(33) }]), 'appointments[0].tag', 'a 33-byte tag');
  throwsField(t, () => store.add(alice, [{ locator: good.locator, blob: good.blob } as TowerAppointment]), 'appointments[0].tag', 'no tag');
  throwsField(t, () => store.add(alice, [null as unknown as TowerAppointment]), 'appointments[0]', 'not an appointment');
  throwsField(t, () => store.add(alice, []), 'appointments', 'an empty batch');
  throwsField(t, () => store.add('02' + 'ff'.repeat(32), [good]), 'nodeId', 'a node id that is not a point');
  throwsField(t, () => store.add(alice.slice(2), [good]), 'nodeId', 'a short node id');
  t.equal(store.count(), 0, 'nothing was stored');
  t.same(store.usage(alice), { appointments: 0, bytes: 0, watches: 0 });
});

t.test("dropping a tag removes that node's appointments of that channel only", async (t) => {
  const dir = tempDir(t);
  let store = new AppointmentStore(dir);
  store.add(alice, [appointment(1), appointment(2), appointment(3, channelB)]);
  store.add(bob, [appointment(1), appointment(4)]);
  store.watchFunding(alice, channelA, { txid: 'aa'.repeat(32), vout: 0 });
  t.equal(store.dropTag(alice, channelA), 2, "Alice's two appointments of channel a");
  t.same(store.lookup(appointment(1).locator).map((found) => found.nodeId), [bob], "Bob's appointment with the same tag and locator stays");
  t.same(store.lookup(appointment(2).locator), []);
  t.equal(store.lookup(appointment(3).locator).length, 1, "Alice's channel b stays");
  t.same(store.usage(alice), { appointments: 1, bytes: 200 + channelB.length, watches: 0 }, 'her usage went down, and the watch went with the tag');
  t.same(store.fundingWatches(), []);
  t.equal(store.dropTag(alice, channelA), 0, 'dropping again drops nothing');
  await store.close();
  store = new AppointmentStore(dir);
  t.equal(store.count(), 3, 'after a restart: Bob 2, Alice 1');
  t.equal(store.dropTag(alice, channelB), 1);
  t.equal(store.dropTag(bob, channelA), 2);
  t.equal(store.count(), 0);
  t.same(store.usage(bob), { appointments: 0, bytes: 0, watches: 0 });
  await store.close();
});

t.test('funding watches remember where the output was spent, across a restart', async (t) => {
  const dir = tempDir(t);
  let store = new AppointmentStore(dir);
  const outpoint = { txid: 'ab'.repeat(31) + 'cd', vout: 3 };
  store.watchFunding(alice, channelA, outpoint);
  t.same(store.fundingWatches(), [{ nodeId: alice, tag: channelA, outpoint }]);
  store.setFundingSpent(alice, channelA, { height: 812, blockHash: 'ef'.repeat(32) });
  await store.close();
  store = new AppointmentStore(dir);
  const [watch] = store.fundingWatches();
  t.same({ ...watch, tag: hex(watch!.tag) }, { nodeId: alice, tag: hex(channelA), outpoint, spent: { height: 812, blockHash: 'ef'.repeat(32) } });
  store.setFundingSpent(alice, channelA, undefined);
  t.equal(store.fundingWatches()[0]!.spent, undefined, 'a reorg undoes the spend');
  throwsField(t, () => store.watchFunding(alice, channelA, { txid: 'AB', vout: 0 }), 'outpoint.txid', 'a bad txid');
  await store.close();
});

t.test('a store of another format is refused, not misread', async (t) => {
  const dir = tempDir(t);
  const other = open({ path: dir });
  other.putSync('format', 99);
  await other.close();
  const error = caught(() => new AppointmentStore(dir));
  t.ok(error instanceof AppointmentStoreError);
  t.match((error as Error).message, /format 99, this lnmesh reads format 1/);
});

t.test('storage per appointment', async (t) => {
  const store = new AppointmentStore(tempDir(t));
  t.teardown(() => store.close());
  const before = store.storageBytes();
  const count = 5000;
  for (let batch = 0; batch < count / 250; batch++) {
    store.add(nodeIds[batch % 3]!, Array.from({ length: 250 }, (_, i) => appointment(batch * 250 + i, sha256(Uint8Array.of(batch)), 7)));
  }
  const perAppointment = (store.storageBytes() - before) / count;
  // 49-byte key + 233-byte value, the tag index's 81-byte key, lmdb's node headers and half-full pages.
  t.ok(perAppointment > 350 && perAppointment < 1000, `${perAppointment.toFixed(0)} bytes per appointment of 200 bytes with a 32-byte tag`);
});

t.test("channel records: kept beside their tag's appointments, required when asked, bounded, counted, dropped with the tag", async (t) => {
  const dir = tempDir(t);
  const store = new AppointmentStore(dir);
  const record = (byte: number) => Uint8Array.from([1, ...new Uint8Array(120).fill(byte)]);
  const refused = () => store.add(alice, [appointment(1), appointment(2, channelB)], { requireChannels: true });
  throwsField(t, refused, 'appointments[0].tag', 'a tag with no record, stored or in the batch: refused');
  t.match((caught(refused) as Error).message, /no channel record for this tag/);
  t.equal(store.count(), 0, 'nothing of the refused batch is stored');
  store.add(alice, [{ ...appointment(1), channel: record(1) }, appointment(2), { ...appointment(3, channelB), channel: record(2) }], { requireChannels: true });
  t.same(store.channelRecords(alice, channelA), [record(1)], "a tag's record");
  t.same(store.channelRecords(bob, channelA), [], "another node's tag of the same bytes is not the same channel");
  t.equal(store.usage(alice).bytes, 3 * (200 + channelA.length) + 2 * 121, 'records count in the node\'s bytes');
  store.add(alice, [appointment(4)], { requireChannels: true });
  t.equal(store.count(), 4, 'a record stored before serves later batches of its tag');
  store.add(alice, [{ ...appointment(5), channel: record(1) }]);
  t.equal(store.channelRecords(alice, channelA).length, 1, 'the same record again is kept once');
  store.add(alice, [{ ...appointment(6), channel: record(3) }, { ...appointment(7), channel: record(4) }, { ...appointment(8), channel: record(5) }]);
  throwsField(t, () => store.add(alice, [{ ...appointment(9), channel: record(6) }]), 'appointments[0].channel', 'a fifth record for one tag: refused');
  throwsField(t, () => store.add(alice, [{ ...appointment(9), channel: Uint8Array.of(2, 3) }]), 'appointments[0].channel', 'a record of no known shape: refused');
  t.equal(store.channelRecords(alice, channelA).length, 4);
  const before = store.usage(alice).bytes;
  t.equal(store.dropTag(alice, channelA), 7, "dropping the tag drops its appointments");
  t.same(store.channelRecords(alice, channelA), [], 'and its records');
  t.equal(store.usage(alice).bytes, before - 7 * (200 + channelA.length) - 4 * 121, 'and their bytes');
  await store.close();
});
