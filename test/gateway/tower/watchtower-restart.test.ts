// The watchtower stopped in the middle of its work finishes it after a
// restart, from what it wrote to disk: a response written but never
// broadcast, a justice confirming while the tower was down, a breach mined
// while it was down. And a store of appointments in the format of before
// compact kits is honoured by the upgraded tower.
import t from 'tap';
import { Transaction } from '../../../node/bolt3/transaction.js';
import type { SignedBreachAlert } from '../../../node/gateway-protocol/alert.js';
import { createAppointment, kitOfCompact, openAppointment } from '../../../node/gateway-protocol/appointment.js';
import { openChannelRecord } from '../../../node/gateway-protocol/tower-channel.js';
import { breachScenario, openChain, tempDir, towerIn } from './breach-scenario.js';

t.setTimeout(60_000);

t.test('killed between writing the response and broadcasting: the restarted tower broadcasts, and follows the justice to its burial', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const dir = tempDir(t);
  const first = towerIn(dir, chain, { init: { justiceBuriedDepth: 3 } });
  await first.tower.start();
  first.tower.submit(alice.id, appointments);

  // The gateway dies while handing the justice to the backend: the broadcast never returns.
  const broadcast = chain.broadcast.bind(chain);
  let handedOver: Transaction | undefined;
  chain.broadcast = (tx) => {
    handedOver = tx;
    return new Promise(() => {});
  };
  t.same(await broadcast(breach), { accepted: true, txid: breach.getId() }, 'Bob broadcasts his revoked commitment');
  for (let i = 0; i < 100 && !handedOver; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.ok(handedOver, 'the tower was broadcasting the justice when it died');
  const justiceTxid = handedOver!.getId();
  t.same(await chain.status(justiceTxid), { state: 'unknown' }, 'the backend never got it');
  // Nothing of the dead process runs any more: no listener, closed files.
  for (const event of ['connect', 'disconnect', 'transaction'] as const) chain.removeAllListeners(event);
  chain.broadcast = broadcast;
  await first.store.close();
  await first.responses.close();

  await chain.mine(2);
  t.equal((await chain.status(breach.getId())).state, 'confirmed', 'the breach is mined while the tower is down');

  const second = towerIn(dir, chain, { init: { justiceBuriedDepth: 3 } });
  t.teardown(() => second.close());
  const alerts: SignedBreachAlert[] = [];
  second.tower.on('alert', (alert) => alerts.push(alert));
  t.match(second.tower.responses(), [{ state: 'active', broadcasts: 0, alerted: false, justiceTxid }], 'on disk: the response, not yet broadcast');
  await second.tower.start();
  t.match(second.tower.responses(), [{ state: 'active', broadcasts: 1, lastBroadcast: { accepted: true }, alerted: true }], 'after the restart: broadcast');
  t.same(await chain.status(justiceTxid), { state: 'mempool' }, "the justice is in bcoin's mempool");
  t.equal(alerts.length, 1, 'and Alice gets her alert now');
  await chain.mine(3);
  await second.tower.idle();
  t.match(second.tower.responses(), [{ state: 'buried', confirmations: 3 }], 'buried: the job is done');
  t.equal((await chain.status(justiceTxid)).state, 'confirmed');
});

t.test('stopped after broadcasting: the justice confirms while the tower is down; after the restart it carries on counting', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const dir = tempDir(t);
  const first = towerIn(dir, chain, { init: { justiceBuriedDepth: 5 } });
  await first.tower.start();
  first.tower.submit(alice.id, appointments);
  await chain.broadcast(breach);
  await first.tower.idle();
  const [response] = first.tower.responses();
  t.match(response, { state: 'active', lastBroadcast: { accepted: true } });
  await first.close();

  await chain.mine(3);
  const second = towerIn(dir, chain, { init: { justiceBuriedDepth: 5 } });
  t.teardown(() => second.close());
  await second.tower.start();
  t.match(second.tower.responses(), [{ state: 'active', broadcasts: 1, confirmations: 3 }], 'it finds the justice 3 deep, and does not broadcast again');
  await chain.mine(2);
  await second.tower.idle();
  t.match(second.tower.responses(), [{ state: 'buried', confirmations: 5 }]);
});

t.test('a breach mined while the tower was down is found by scanning the blocks it missed', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const dir = tempDir(t);
  const first = towerIn(dir, chain);
  await first.tower.start();
  first.tower.submit(alice.id, appointments);
  await first.close();

  await chain.broadcast(breach);
  await chain.mine(4);
  const second = towerIn(dir, chain);
  t.teardown(() => second.close());
  await second.tower.start();
  const [response] = second.tower.responses();
  t.match(response, { breachTxid: breach.getId(), state: 'active', lastBroadcast: { accepted: true } }, 'answered at start');
  t.same(await chain.status(response!.justiceTxid!), { state: 'mempool' });
  await chain.mine(1);
  t.equal((await chain.status(Transaction.fromBuffer(response!.justice!).getId())).state, 'confirmed', 'and mined');
});

t.test('appointments stored before compact kits (the keys in each blob, no channel record) are honoured after the upgrade', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments, aliceSweepScript } = await breachScenario(chain);
  // The same justice in the format of before: the kit with its keys, as the store of an older tower holds it.
  const fundingScript = breach.ins[0]!.witness[3]!;
  const older = appointments.map(({ locator, tag, blob, channel }) => {
    const breachHash = breach.getHash();
    if (!Buffer.from(locator).equals(breachHash.subarray(0, 16))) return { locator, tag, blob };
    const compact = openAppointment(breachHash, blob);
    if (compact.kind !== 'compact') throw new Error('expected a compact kit');
    const kit = kitOfCompact(compact, openChannelRecord(fundingScript, channel!));
    return { locator, tag, blob: createAppointment(breachHash, { kind: 'kit', ...kit }).blob };
  });
  t.equal(older.filter(({ blob }) => blob.length === 183).length, 1, 'one blob of the older format (183 bytes), for the breach');
  const dir = tempDir(t);
  const first = towerIn(dir, chain);
  first.tower.submit(alice.id, older);
  await first.close();
  const upgraded = towerIn(dir, chain);
  t.teardown(() => upgraded.close());
  upgraded.tower.on('alert', () => {});
  await upgraded.tower.start();
  t.same(upgraded.store.channelRecords(alice.id, appointments[0]!.tag), [], 'the store holds no channel record');
  await chain.broadcast(breach);
  await chain.mine(1);
  await upgraded.tower.idle();
  const [response] = upgraded.tower.responses();
  t.match(response, { breachTxid: breach.getId(), state: 'active', lastBroadcast: { accepted: true } }, 'the breach is answered from the older blob');
  t.same(Transaction.fromBuffer(response!.justice!).outs[0]!.script, aliceSweepScript, 'paying Alice');
});
