// Retention by funding outpoint: Alice tells the tower her channel's
// funding output. The tower keeps the channel's appointments until that
// output is spent and the spend is buried, then drops them. A reorg that
// takes the spend away puts the count back; a restart remembers the spend.
import t from 'tap';
import type { RetiredTag } from '../../../gateway/tower/funding-retention.js';
import { breachScenario, openChain, tempDir, towerIn } from './breach-scenario.js';

t.setTimeout(60_000);

t.test("a channel's appointments are kept until its funding output is spent and buried", async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments, tag, fundingOutpoint } = await breachScenario(chain);
  const dir = tempDir(t);
  let fixture = towerIn(dir, chain, { init: { fundingBuriedDepth: 5 } });
  await fixture.tower.start();
  fixture.tower.submit(alice.id, appointments);
  fixture.tower.watchFunding(alice.id, tag, fundingOutpoint);
  // Another channel of Alice's, not closing.
  fixture.tower.submit(alice.id, [{ ...appointments[0]!, locator: new Uint8Array(16).fill(5), tag: Uint8Array.of(9) }]);
  fixture.tower.watchFunding(alice.id, Uint8Array.of(9), { txid: 'ee'.repeat(32), vout: 0 });
  const retired: RetiredTag[] = [];
  fixture.tower.on('retired', (tagRetired) => retired.push(tagRetired));

  await chain.mine(20);
  await fixture.tower.idle();
  t.equal(fixture.store.usage(alice.id).appointments, appointments.length + 1, 'no expiry while the funding output is unspent');

  // The breach spends the funding output (any close would).
  await chain.broadcast(breach);
  await chain.mine(2);
  await fixture.tower.idle();
  const spendHeight = (await chain.tip()).height - 1;
  t.match(fixture.store.fundingWatches().find((watch) => watch.outpoint.txid === fundingOutpoint.txid), { spent: { height: spendHeight } }, 'the spend is written down with its block');

  await chain.reorg(2);
  await fixture.tower.idle();
  t.equal(fixture.store.fundingWatches().find((watch) => watch.outpoint.txid === fundingOutpoint.txid)!.spent, undefined, 'a reorg takes the spend away');
  await chain.mine(1);
  await fixture.tower.idle();
  const newSpendHeight = (await chain.tip()).height;
  t.match(fixture.store.fundingWatches().find((watch) => watch.outpoint.txid === fundingOutpoint.txid), { spent: { height: newSpendHeight } }, 'spent again on the new branch');

  await fixture.close();
  fixture = towerIn(dir, chain, { init: { fundingBuriedDepth: 5 } });
  t.teardown(() => fixture.close());
  fixture.tower.on('retired', (tagRetired) => retired.push(tagRetired));
  await fixture.tower.start();
  await chain.mine(3);
  await fixture.tower.idle();
  t.same(retired, [], 'after a restart, 4 confirmations: still kept');
  t.equal(fixture.store.usage(alice.id).appointments, appointments.length + 1);
  await chain.mine(1);
  await fixture.tower.idle();
  t.equal(retired.length, 1, 'at 5 confirmations the tag is retired');
  t.match(retired[0], { nodeId: alice.id, appointments: appointments.length });
  t.same(fixture.store.usage(alice.id), { appointments: 1, bytes: appointments[0]!.blob.length + 1 + appointments[0]!.channel!.length, watches: 1 }, 'the other channel stays (its record counted in the bytes)');
  t.same(fixture.store.channelRecords(alice.id, tag), [], "the closed channel's record is gone with its appointments");
  t.same(fixture.store.lookup(appointments[0]!.locator), [], "the closed channel's appointments are gone");
  t.match(fixture.tower.responses(), [{ breachTxid: breach.getId(), state: 'active' }], 'the response to the breach is not affected');
});
