// Late appointments (issue 14), on a real chain (an embedded bcoin regtest
// node): Bob's revoked commitment is mined before Alice's appointment for it
// reaches the tower (she could not reach the gateway, or the tower was
// down). The tower remembers the locators of the recent blocks and answers
// such an appointment at once, as it answers a breach in a new block: the
// justice is broadcast and confirms, Alice is alerted. Also after a
// restart (the recent blocks read again from the chain), and for
// appointments handed to a stopped tower. A breach that a reorg took out of
// the chain is not acted on; a breach older than the cache is not matched
// (the documented limit); a breach whose CSV delay has run out and whose
// output Bob took is answered with a refused justice, then abandoned.
import t from 'tap';
import { hash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ChainBlock } from '../../../gateway/chain/chain-source.js';
import { TowerHttpApi } from '../../../gateway/tower/http-api.js';
import { DEFAULT_LOCATOR_CACHE_BLOCKS } from '../../../gateway/tower/watchtower.js';
import { Transaction } from '../../../node/bolt3/transaction.js';
import { type SignedBreachAlert, verifyAlert } from '../../../node/gateway-protocol/alert.js';
import { signAppointmentsRequest } from '../../../node/gateway-protocol/http-request.js';
import { towerSignerFromSecret, verifyReceipt } from '../../../node/gateway-protocol/receipt.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { breachScenario, gatewaySigner, openChain, tempDir, towerIn } from './breach-scenario.js';
import { warningsInto } from '../../../sim/kit/logger.js';

t.setTimeout(120_000);

t.test('a breach mined first, its appointment 3 blocks later: answered at once, the justice confirms, Alice is alerted', async (t) => {
  const chain = await openChain(t);
  const scenario = await breachScenario(chain);
  const { alice, breach, appointments } = scenario;
  const warnings: string[] = [];
  const fixture = towerIn(tempDir(t), chain, { init: { justiceBuriedDepth: 4 }, logger: warningsInto(warnings) });
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  const alerts: SignedBreachAlert[] = [];
  tower.on('alert', (alert) => alerts.push(alert));
  await tower.start();
  t.equal(tower.locatorCacheBlocks, DEFAULT_LOCATOR_CACHE_BLOCKS, `${DEFAULT_LOCATOR_CACHE_BLOCKS} blocks by default`);
  const tip = await chain.tip();
  t.match(tower.locatorCache(), { blocks: DEFAULT_LOCATOR_CACHE_BLOCKS, highest: tip.height, lowest: tip.height - DEFAULT_LOCATOR_CACHE_BLOCKS + 1 }, 'a new tower reads the recent blocks at start');

  t.same(await chain.broadcast(breach), { accepted: true, txid: breach.getId() }, 'Bob broadcasts his revoked commitment');
  await chain.mine(1);
  const breachHeight = tip.height + 1;
  await chain.mine(3);
  await tower.idle();
  t.same(tower.responses(), [], 'mined, then 3 more blocks: the tower knows of no appointment for it');

  const receipt = tower.submit(alice.id, appointments);
  t.ok(verifyReceipt(gatewaySigner.nodeId, Buffer.from(alice.id, 'hex'), appointments, receipt), 'Alice\'s appointments arrive: the receipt is signed');
  t.same(tower.responses(), [], 'and returned before the response (which waits its turn in the queue)');
  await tower.idle();
  const [response, ...others] = tower.responses();
  t.same(others, [], 'one response');
  t.match(response, { breachTxid: breach.getId(), nodeId: alice.id, state: 'active', broadcasts: 1, lastBroadcast: { accepted: true }, alerted: true }, 'answered from the cache');
  const justice = Transaction.fromBuffer(response!.justice!);
  t.ok(justice.ins.every((input) => bytesToHex(input.hash) === bytesToHex(breach.getHash())), 'the justice spends the breach');
  t.equal(bytesToHex(justice.outs[0]!.script), bytesToHex(scenario.aliceSweepScript), "and pays Alice's wallet");
  t.same(await chain.status(justice.getId()), { state: 'mempool' }, 'bcoin accepts it');
  t.equal(alerts.length, 1, 'one alert');
  t.ok(verifyAlert(gatewaySigner.nodeId, Buffer.from(alice.id, 'hex'), alerts[0]!), 'signed by the gateway, for Alice');
  t.equal(Buffer.from(alerts[0]!.justiceTxid).reverse().toString('hex'), justice.getId());

  await chain.mine(1);
  await tower.idle();
  t.match(await chain.status(justice.getId()), { state: 'confirmed', height: breachHeight + 4 }, 'the justice confirms');
  t.match(tower.responses(), [{ state: 'active', confirmations: 1 }]);
  await chain.mine(3);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'buried', confirmations: 4 }], 'and is followed until buried');

  tower.submit(alice.id, appointments);
  await tower.idle();
  t.equal(tower.responses().length, 1, 'the same appointments again: nothing new');
  t.equal(alerts.length, 1, 'still one alert');
  t.same(warnings, [], 'no warning');
});

t.test('the same through the HTTP API', async (t) => {
  const chain = await openChain(t);
  const { breach, appointments } = await breachScenario(chain);
  const clock = new VirtualClock();
  clock.tick(1_750_000_000_000);
  const fixture = towerIn(tempDir(t), chain, { clock });
  const api = new TowerHttpApi({ tower: fixture.tower, store: fixture.store, gatewayId: gatewaySigner.nodeId, clock }, { port: 0 });
  t.teardown(async () => {
    await api.stop();
    await fixture.close();
  });
  const { tower } = fixture;
  tower.on('alert', () => {});
  await tower.start();
  await api.start();
  await chain.broadcast(breach);
  await chain.mine(4);
  const wallet = towerSignerFromSecret(sha256(Uint8Array.of(0x77)));
  const reply = await fetch(`${api.url()}/v1/appointments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(signAppointmentsRequest(wallet, gatewaySigner.nodeId, appointments, Math.floor(clock.now() / 1000))),
  });
  t.equal(reply.status, 200, 'the receipt');
  await tower.idle();
  t.match(tower.responses(), [{ breachTxid: breach.getId(), nodeId: bytesToHex(wallet.nodeId), state: 'active', lastBroadcast: { accepted: true }, alerted: true }], 'answered at once');
});

t.test('after a restart the recent blocks are read again from the chain, and a late appointment is answered', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const dir = tempDir(t);
  const first = towerIn(dir, chain);
  await first.tower.start();
  await chain.broadcast(breach);
  await chain.mine(1);
  await first.tower.idle();
  t.equal(first.tower.locatorCache().highest, (await chain.tip()).height, 'the first tower scanned (and cached) the breach\'s block');
  await first.close();
  await chain.mine(3);

  const second = towerIn(dir, chain, { init: { justiceBuriedDepth: 2 } });
  t.teardown(() => second.close());
  const alerts: SignedBreachAlert[] = [];
  second.tower.on('alert', (alert) => alerts.push(alert));
  await second.tower.start();
  const tip = await chain.tip();
  t.match(second.tower.locatorCache(), { blocks: DEFAULT_LOCATOR_CACHE_BLOCKS, highest: tip.height }, 'the cache is rebuilt: the 3 blocks missed scanned, the others read');
  t.same(second.tower.responses(), []);
  second.tower.submit(alice.id, appointments);
  await second.tower.idle();
  const [response] = second.tower.responses();
  t.match(response, { breachTxid: breach.getId(), state: 'active', lastBroadcast: { accepted: true }, alerted: true }, 'the breach, mined before the restart, is answered');
  t.equal(alerts.length, 1, 'Alice is alerted');
  await chain.mine(2);
  await second.tower.idle();
  t.equal((await chain.status(response!.justiceTxid!)).state, 'confirmed', 'the justice confirms');
  t.match(second.tower.responses(), [{ state: 'buried' }]);
});

t.test('appointments handed to a stopped tower (its node service still up) are answered when it starts again', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const fixture = towerIn(tempDir(t), chain);
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  tower.on('alert', () => {});
  await tower.start();
  await chain.broadcast(breach);
  await chain.mine(2);
  await tower.idle();
  await tower.stop();
  await chain.mine(1);
  tower.submit(alice.id, appointments);
  await tower.idle();
  t.same(tower.responses(), [], 'stopped: nothing done');
  await tower.start();
  t.match(tower.responses(), [{ breachTxid: breach.getId(), state: 'active', lastBroadcast: { accepted: true }, alerted: true }], 'started: answered from the blocks it had scanned before it stopped');

  // A brand-new tower (a new gateway) over the same appointments: it starts at the tip, yet reads the recent blocks.
  const fresh = towerIn(tempDir(t), chain);
  t.teardown(() => fresh.close());
  fresh.store.add(alice.id, appointments);
  await fresh.tower.start();
  t.match(fresh.tower.responses(), [{ breachTxid: breach.getId(), state: 'active', lastBroadcast: { accepted: true } }], 'a new tower answers a breach of the recent blocks too (its justice is the one already in the mempool)');
});

/** A block on top of `parent` that the real chain never had: the tip of a branch that will lose. */
function competingBlock(parent: { height: number; hash: string }, transactions: Transaction[]): ChainBlock {
  const header = new Uint8Array(80);
  header.set(Buffer.from(parent.hash, 'hex').reverse(), 4);
  header.set(hash('sha256', Buffer.concat(transactions.map((tx) => tx.getHash())), 'buffer'), 36);
  return { height: parent.height + 1, hash: hash('sha256', hash('sha256', header, 'buffer'), 'buffer').reverse().toString('hex'), header, transactions };
}

t.test('a breach reorged out of the chain is not acted on when its appointment comes late', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const fixture = towerIn(tempDir(t), chain);
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  tower.on('alert', () => {});
  const broadcasts: string[] = [];
  const broadcast = chain.broadcast.bind(chain);
  chain.broadcast = (tx) => (broadcasts.push(tx.getId()), broadcast(tx));
  await tower.start();

  // Bob's breach is mined in another miner's block, which bcoin never sees and which loses.
  const tip = await chain.tip();
  const orphan = competingBlock(tip, [breach]);
  await tower.blockConnected(orphan);
  t.equal(tower.locatorCache().highest, tip.height + 1, 'the tower scanned that block and cached its locators');
  await tower.blockDisconnected(orphan);
  t.equal(tower.locatorCache().highest, tip.height, 'the block left the chain: its locators are forgotten');
  tower.submit(alice.id, appointments);
  await tower.idle();
  t.same(tower.responses(), [], 'Alice\'s appointment comes: the breach is in no block, nothing is done');
  await chain.mine(2);
  await tower.idle();
  t.same(tower.responses(), [], 'nor later');
  t.same(broadcasts, [], 'nothing broadcast');
});

t.test('a breach reorged out by bcoin goes back to the mempool: not acted on until it is mined again', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const fixture = towerIn(tempDir(t), chain);
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  tower.on('alert', () => {});
  await tower.start();
  await chain.broadcast(breach);
  await chain.mine(1);
  await chain.reorg(1);
  await tower.idle();
  t.equal((await chain.status(breach.getId())).state, 'mempool', 'a longer branch of empty blocks: the breach is back in the mempool');
  tower.submit(alice.id, appointments);
  await tower.idle();
  t.same(tower.responses(), [], 'the appointment comes: the block that held the breach is no longer cached, nothing is done');
  await chain.mine(1);
  await tower.idle();
  t.match(tower.responses(), [{ breachTxid: breach.getId(), state: 'active', confirmations: 0, lastBroadcast: { accepted: true } }], 'mined again: answered by the block scan');
});

t.test('a breach older than the cache is not matched (the documented limit); one just inside it is', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const five = towerIn(tempDir(t), chain, { init: { locatorCacheBlocks: 5 } });
  const four = towerIn(tempDir(t), chain, { init: { locatorCacheBlocks: 4 } });
  const off = towerIn(tempDir(t), chain, { init: { locatorCacheBlocks: 0 } });
  t.teardown(async () => {
    await five.close();
    await four.close();
    await off.close();
  });
  for (const { tower } of [five, four, off]) {
    tower.on('alert', () => {});
    await tower.start();
  }
  t.same(off.tower.locatorCache(), { blocks: 0, locators: 0, bytes: 0 }, '0: no cache');
  await chain.broadcast(breach);
  await chain.mine(5);
  t.match(await chain.status(breach.getId()), { state: 'confirmed', confirmations: 5 });
  for (const { tower } of [five, four, off]) {
    tower.submit(alice.id, appointments);
    await tower.idle();
  }
  t.match(five.tower.responses(), [{ breachTxid: breach.getId(), state: 'active', lastBroadcast: { accepted: true } }], 'the breach 5 deep, a cache of 5 blocks: answered');
  t.same(four.tower.responses(), [], 'a cache of 4 blocks: not matched');
  t.same(off.tower.responses(), [], 'no cache: not matched');
  await chain.mine(1);
  await four.tower.idle();
  t.same(four.tower.responses(), [], 'nor ever after: the victim\'s own node must punish it');
});

t.test('a breach whose CSV delay ran out and whose output Bob took: the late justice is refused, the response abandoned', async (t) => {
  const chain = await openChain(t);
  // Bob's to_local is locked 8 blocks (Alice's horizon 6 plus a 2-block margin).
  const scenario = await breachScenario(chain, { policy: { offlineHorizonBlocks: 6, marginBlocks: 2 } });
  const { alice, breach, appointments, backup, backupBroadcast, handle } = scenario;
  const warnings: string[] = [];
  const fixture = towerIn(tempDir(t), chain, { init: { justiceBuriedDepth: 6 }, logger: warningsInto(warnings) });
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  const alerts: SignedBreachAlert[] = [];
  tower.on('alert', (alert) => alerts.push(alert));
  await tower.start();

  // Bob's backup closes, and sweeps its to_local once the delay has passed.
  backup.forceClose(alice.id, handle);
  t.equal(bytesToHex(backupBroadcast[0]!.getHash()), bytesToHex(breach.getHash()), 'Bob\'s backup broadcasts the revoked commitment');
  await chain.broadcast(breach);
  await chain.mine(1);
  const breachHeight = (await chain.tip()).height;
  backup.blockConnected(breachHeight, [breach]);
  await chain.mine(8);
  backup.bestBlockUpdated(breachHeight + 8);
  const sweeps = backupBroadcast.filter((tx) => tx.ins.some((input) => bytesToHex(input.hash) === bytesToHex(breach.getHash())));
  const toLocal = breach.outs.findIndex((output) => output.value === 600_000n);
  t.ok(
    sweeps.some((sweep) => sweep.ins.some((input) => input.index === toLocal)),
    "the delay is over: Bob's backup sweeps its to_local of the revoked state (600,000 sat)",
  );
  for (const sweep of sweeps) t.match(await chain.broadcast(sweep), { accepted: true }, 'bcoin takes the sweep');
  await chain.mine(1);
  await tower.idle();
  t.match(await chain.status(breach.getId()), { state: 'confirmed', confirmations: 10 });

  tower.submit(alice.id, appointments);
  await tower.idle();
  t.match(tower.responses(), [{ breachTxid: breach.getId(), state: 'abandoned', alerted: false, reason: /buried and the justice transaction is refused: bad-txns-inputs-missingorspent/ }], 'the breach is found 10 deep, the justice refused (its input is spent): abandoned at once');
  t.ok(warnings.length > 0 && warnings.every((message) => /was refused: bad-txns-inputs-missingorspent/.test(message)), 'the refusals are warnings, nothing else');
  t.equal(alerts.length, 0, 'no alert: nothing was answered');
  await chain.mine(1);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'abandoned' }], 'and left alone');
});
