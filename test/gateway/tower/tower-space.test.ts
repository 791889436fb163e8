// Sybil-proof tower space, on the real appointment store (lmdb in a temp
// directory): node ids are free, so every stranger together shares one
// pool; the nodes the operator named keep storing however many keys an
// attacker makes, and nothing stored is ever evicted.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { AppointmentStore, type AppointmentStoreInit, TowerFullError, TowerQuotaError } from '../../../gateway/tower/appointment-store.js';
import { DEFAULT_TOWER_MAX_APPOINTMENTS, TowerSpace } from '../../../gateway/tower/tower-space.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { NodeService } from '../../../gateway/relay/node-service.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { type TowerAppointment, decodeGatewayMessage, encodeGatewayMessage } from '../../../node/gateway-protocol/gateway-messages.js';
import { caught, throwsField } from '../../node/input.js';
import { towerIn } from './breach-scenario.js';

/** A node id from a seed: what an attacker makes for free, 40 at a time. */
function freshKey(seed: number): string {
  return bytesToHex(publicKeyOf(sha256(Uint8Array.of(0x5b, seed >> 8, seed & 0xff))));
}

const alice = freshKey(60_000); // a node the operator named
const channel = new TextEncoder().encode('channel');

/** `count` appointments from `first` on: their own locators, a 200-byte blob each. */
function appointments(first: number, count: number): TowerAppointment[] {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    return { locator: sha256(Uint8Array.of(0x20, i >> 16, (i >> 8) & 0xff, i & 0xff)).slice(0, 16), blob: new Uint8Array(200).fill(i & 0xff), tag: channel };
  });
}

function storeIn(t: Test, init: AppointmentStoreInit, dir = mkdtempSync(join(tmpdir(), 'lnmesh-tower-space-'))) {
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, store: new AppointmentStore(dir, init) };
}

/** The Sybil attack of issue 15: 40 fresh keys, each sending a per-node quota of 20 appointments. Returns how many were refused, by error. */
function fortyFreshKeys(store: AppointmentStore): { full: TowerFullError[] } {
  const full: TowerFullError[] = [];
  for (let key = 0; key < 40; key++) {
    const error = caught(() => store.add(freshKey(key), appointments(key * 20, 20)));
    if (error instanceof TowerFullError) full.push(error);
    else if (error) throw error;
  }
  return { full };
}

t.test('40 fresh keys store at most the strangers\' pool, not 40 quotas', async (t) => {
  // Before: a quota per node and no shared bound. A pool as large as the tower is the same thing.
  const before = storeIn(t, { maxAppointmentsPerNode: 20, maxAppointments: 1_000_000, strangerShare: 1 }).store;
  fortyFreshKeys(before);
  t.equal(before.count(), 800, 'without a shared pool, 40 keys x 20 = 800 appointments');
  await before.close();

  const { store } = storeIn(t, { maxAppointmentsPerNode: 20, maxAppointments: 400, strangerShare: 0.25 });
  t.teardown(() => store.close());
  t.same(store.space.strangerPool.appointments, 100, 'strangers share a quarter of 400');
  const { full } = fortyFreshKeys(store);
  t.equal(store.count(), 100, 'after: 100 appointments, the pool, however many keys');
  t.equal(full.length, 35, 'the 35 keys that came once the pool was full were refused');
  t.match(full[0], { pool: 'strangers', held: { appointments: 100 }, adding: { appointments: 20 }, limits: { appointments: 100 } }, 'with the numbers');
  t.match(full[0]!.message, /shares among the nodes it does not know is full: it holds 100 of 100 appointments.*nothing of it was stored.*tower\.allowedNodes/, 'and what to do');
  t.equal(store.usage(freshKey(39)).appointments, 0, 'nothing of a refused batch is stored');
});

t.test('a named node still stores once strangers filled their pool', async (t) => {
  const { store } = storeIn(t, { maxAppointmentsPerNode: 20, maxAppointments: 400, strangerShare: 0.25, allowedNodes: [alice.toUpperCase()] });
  t.teardown(() => store.close());
  fortyFreshKeys(store);
  t.ok(caught(() => store.add(freshKey(100), appointments(5000, 1))) instanceof TowerFullError, 'one more stranger: refused');
  store.add(alice, appointments(10_000, 20));
  t.equal(store.usage(alice).appointments, 20, 'Alice, named (in any case), stores her whole quota');
  t.ok(caught(() => store.add(alice, appointments(10_100, 1))) instanceof TowerQuotaError, 'and is bounded by her own quota');
  t.same(store.space.held().strangers.appointments, 100, 'the strangers still hold their pool: nobody was evicted');
});

t.test('a full tower refuses strangers, keeps everything, and still takes a named node\'s appointments', async (t) => {
  const init = { maxAppointmentsPerNode: 1000, maxAppointments: 400, strangerShare: 0.25, allowedNodes: [alice] };
  const { dir, store } = storeIn(t, init);
  store.add(alice, appointments(10_000, 390));
  store.add(freshKey(1), appointments(0, 10));
  t.same(store.space.held().all.appointments, 400, 'the tower holds its capacity: 390 of Alice, 10 of a stranger');
  const refused = caught(() => store.add(freshKey(2), appointments(100, 1)));
  t.match(refused, { pool: 'capacity', held: { appointments: 400 }, limits: { appointments: 400 } }, 'a stranger is refused although the pool has room: the tower is full');
  t.match((refused as Error).message, /^this watchtower is full: it holds 400 of 400 appointments/);

  store.add(alice, appointments(20_000, 100));
  t.equal(store.usage(alice).appointments, 490, 'Alice stores past the capacity, within her quota');
  t.equal(store.count(), 500, 'nothing was evicted for her: all 10 of the stranger are there');
  store.add(freshKey(1), appointments(0, 10).map((appointment) => ({ ...appointment, blob: new Uint8Array(200).fill(7) })));
  t.equal(store.usage(freshKey(1)).appointments, 10, 'a stranger may still replace its own appointments: that takes no more room');
  t.equal(store.dropTag(freshKey(1), channel), 10, 'and drop them');
  t.ok(caught(() => store.add(freshKey(2), appointments(100, 1))) instanceof TowerFullError, 'what a stranger freed does not make room while Alice holds more than the capacity');
  await store.close();

  // After a restart the space is counted again from the usage records; the allow-list may have changed.
  const reopened = new AppointmentStore(dir, { ...init, allowedNodes: [] });
  t.teardown(() => reopened.close());
  t.same(reopened.space.held(), { all: { appointments: 490, bytes: 490 * 207, watches: 0 }, strangers: { appointments: 490, bytes: 490 * 207, watches: 0 } }, 'reopened without Alice named: her 490 count as a stranger\'s');
  t.equal(reopened.count(), 490, 'and all stay');
  t.ok(caught(() => reopened.add(alice, appointments(30_000, 1))) instanceof TowerFullError, 'she gets no more than any stranger');
  t.equal(reopened.dropTag(alice, channel), 490, 'but may still drop her own');
});

t.test('funding watches: fresh keys share the strangers\' pool of watches too', async (t) => {
  const { store } = storeIn(t, { maxWatches: 40, strangerShare: 0.25, allowedNodes: [alice] });
  t.teardown(() => store.close());
  let refused = 0;
  for (let key = 0; key < 40; key++) {
    const error = caught(() => store.watchFunding(freshKey(key), channel, { txid: bytesToHex(sha256(Uint8Array.of(key))), vout: 0 }));
    if (error instanceof TowerFullError) refused++;
  }
  t.equal(store.space.held().strangers.watches, 10, '40 keys watching one outpoint each: 10 watches held, the pool');
  t.equal(refused, 30);
  store.watchFunding(freshKey(0), channel, { txid: 'ee'.repeat(32), vout: 1 });
  t.equal(store.space.held().strangers.watches, 10, 'revealing another outpoint for a watched tag replaces it: allowed when full');
  store.watchFunding(alice, channel, { txid: 'aa'.repeat(32), vout: 0 });
  t.equal(store.usage(alice).watches, 1, 'a named node\'s watch goes in');
});

t.test('the default space, and bad settings refused with the field', async (t) => {
  const space = new TowerSpace();
  t.same(space.capacity, { appointments: DEFAULT_TOWER_MAX_APPOINTMENTS, bytes: 256 * 1024 * 1024, watches: 100_000 });
  t.same(space.strangerPool, { appointments: 100_000, bytes: 26_843_545, watches: 10_000 }, 'strangers share a tenth');
  t.same(new TowerSpace({ strangerShare: 0 }).strangerPool, { appointments: 0, bytes: 0, watches: 0 }, 'a private tower: named nodes only');
  throwsField(t, () => new TowerSpace({ strangerShare: 1.5 }), 'strangerShare', 'a share over 1');
  throwsField(t, () => new TowerSpace({ maxBytes: -1 }), 'maxBytes', 'a negative capacity');
  throwsField(t, () => new TowerSpace({ allowedNodes: [alice, alice.slice(2)] }), 'allowedNodes[1]', 'a short node id');
  throwsField(t, () => new TowerSpace({ allowedNodes: ['02' + 'ff'.repeat(32)] }), 'allowedNodes[0]', 'not a point');
});

t.test('over the mesh, a stranger refused for want of room gets a `refused` saying why; a named node its receipt', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-tower-space-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tower = towerIn(dir, new EmbeddedChain(), { quota: { maxAppointmentsPerNode: 20, maxAppointments: 400, strangerShare: 0.25, allowedNodes: [alice] } });
  t.teardown(() => tower.close());
  const sent: { to: string; message: ReturnType<typeof decodeGatewayMessage> }[] = [];
  const service = new NodeService({ messenger: { send: (to, bytes) => sent.push({ to, message: decodeGatewayMessage(bytes) }) }, chain: new EmbeddedChain(), tower: tower.tower });
  for (let key = 0; key < 40; key++) {
    await service.handleMessage(freshKey(key), encodeGatewayMessage({ type: 'appointments', requestId: key, appointments: appointments(key * 20, 20) }));
  }
  const answers = sent.map(({ message }) => message.type);
  t.equal(answers.filter((type) => type === 'appointments_accepted').length, 5, '40 fresh keys over the mesh: 5 batches accepted (the pool of 100)');
  t.equal(answers.filter((type) => type === 'refused').length, 35, 'and 35 refused');
  const refusal = sent.at(-1)!.message as { type: 'refused'; requestId: number; reason: Uint8Array };
  t.equal(refusal.requestId, 39, 'the refusal answers the request');
  t.match(new TextDecoder().decode(refusal.reason), /^the space this watchtower shares among the nodes it does not know is full: .*ask its operator to add it to tower\.allowedNodes/, 'in words the node can log and act on');
  await service.handleMessage(alice, encodeGatewayMessage({ type: 'appointments', requestId: 99, appointments: appointments(10_000, 20) }));
  t.match(sent.at(-1), { to: alice, message: { type: 'appointments_accepted', requestId: 99 } }, 'the named node still gets its receipt');
  t.equal(tower.store.count(), 120);
});
