// Reorgs: the block holding the breach and the justice leaves the chain and
// another branch takes over; the tower notices (the justice is no longer
// confirmed), follows it back into the new branch, and only then buries it.
// And a breach the tower answered on a branch that lost, when it appears
// again on the winning one, is answered again.
import t from 'tap';
import { hash } from 'node:crypto';
import type { ChainBlock } from '../../../gateway/chain/chain-source.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { breachScenario, openChain, tempDir, towerIn } from './breach-scenario.js';
import { warningsInto } from '../../../sim/kit/logger.js';

t.setTimeout(60_000);

t.test('the breach and the justice reorged out and back in: the tower follows them and buries the justice on the winning branch', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const fixture = towerIn(tempDir(t), chain, { init: { justiceBuriedDepth: 4 } });
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  await tower.start();
  tower.submit(alice.id, appointments);
  await chain.broadcast(breach);
  await chain.mine(2);
  await tower.idle();
  const [answered] = tower.responses();
  t.match(answered, { state: 'active', confirmations: 2 });
  const justiceTxid = answered!.justiceTxid!;

  // A competing miner's longer branch of empty blocks replaces both blocks.
  await chain.reorg(2);
  await tower.idle();
  t.equal((await chain.status(breach.getId())).state, 'mempool', 'the breach is back in the mempool');
  t.match(tower.responses(), [{ state: 'active', confirmations: 0 }], 'the tower saw its justice leave the chain');
  t.same(await chain.status(justiceTxid), { state: 'mempool' }, 'the justice waits in the mempool with it');

  await chain.mine(3);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'active', confirmations: 3 }], 'both mined again on the new branch');
  await chain.mine(1);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'buried', confirmations: 4 }], 'buried counting from the new branch');
});

/** A block on top of `parent` that the real chain never had: the tip of a branch that will lose. */
function competingBlock(parent: { height: number; hash: string }, transactions: Transaction[]): ChainBlock {
  const header = new Uint8Array(80);
  header.set(Buffer.from(parent.hash, 'hex').reverse(), 4);
  header.set(hash('sha256', Buffer.concat(transactions.map((tx) => tx.getHash())), 'buffer'), 36);
  return { height: parent.height + 1, hash: hash('sha256', hash('sha256', header, 'buffer'), 'buffer').reverse().toString('hex'), header, transactions };
}

t.test('answered on a branch that lost, the breach comes back on the winning one: the tower acts again', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const warnings: string[] = [];
  const fixture = towerIn(tempDir(t), chain, { init: { justiceBuriedDepth: 2 }, logger: warningsInto(warnings) });
  t.teardown(() => fixture.close());
  const { tower } = fixture;
  await tower.start();
  tower.submit(alice.id, appointments);

  // Bob's breach is mined in a block that bcoin never sees (another miner's, soon orphaned).
  const orphan = competingBlock(await chain.tip(), [breach]);
  await tower.blockConnected(orphan);
  t.match(tower.responses(), [{ state: 'active', broadcasts: 1, lastBroadcast: { accepted: false } }], 'answered at once; the backend refuses the justice (it has not seen the breach)');
  t.match(warnings, [/was refused: .*missing/], 'a warning with the backend\'s reason');
  await tower.blockDisconnected(orphan);
  t.match(tower.responses(), [{ state: 'active', broadcasts: 1 }], 'that block left the chain, and with it the breach: nothing to spend, nothing broadcast');

  await chain.broadcast(breach);
  await tower.idle();
  const [again] = tower.responses();
  t.match(again, { state: 'active', broadcasts: 2, lastBroadcast: { accepted: true } }, 'the breach is back (in the mempool): broadcast again, accepted');
  t.same(await chain.status(again!.justiceTxid!), { state: 'mempool' });
  await chain.mine(2);
  await tower.idle();
  t.match(tower.responses(), [{ state: 'buried', confirmations: 2 }]);
});

t.test('a block on a fork the tower was not told about: it asks the chain, and scans the winning branch', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  const fixture = towerIn(tempDir(t), chain);
  t.teardown(() => fixture.close());
  const { tower, responses } = fixture;
  await tower.start();
  tower.submit(alice.id, appointments);
  const tip = await chain.tip();
  // The tower sees an orphan at tip + 1 (without the breach), but never its disconnect.
  const orphan = competingBlock(tip, []);
  await tower.blockConnected(orphan);
  t.equal(responses.scannedAt(tip.height + 1), orphan.hash);

  await chain.broadcast(breach);
  await chain.mine(2);
  await tower.idle();
  t.equal(responses.scannedAt(tip.height + 1), (await chain.blockAt(tip.height + 1))!.hash, 'the orphan was replaced by the real block');
  t.equal(responses.lastScanned()!.height, tip.height + 2);
  t.match(tower.responses(), [{ state: 'active', confirmations: 2 }], 'and the breach in it answered');
});
