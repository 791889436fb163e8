import t from 'tap';
import { RecentBlocks } from '../../../gateway/chain/recent-blocks.js';

const block = (height: number, txids: string[] = []) => ({ height, hash: `hash${height}`, txids });

t.test('keeps the last blocks by height, and where their transactions are', async (t) => {
  const recent = new RecentBlocks(3);
  t.equal(recent.tip, undefined);
  recent.push(block(10, ['a']));
  recent.push(block(11, ['b', 'c']));
  recent.push(block(12));
  t.equal(recent.at(11)?.hash, 'hash11');
  t.equal(recent.blockOf('c')?.height, 11);

  recent.push(block(13, ['d']));
  t.equal(recent.lowest?.height, 11, 'past capacity, the oldest goes');
  t.equal(recent.at(10), undefined);
  t.equal(recent.blockOf('a'), undefined, 'and its transactions with it');

  t.equal(recent.popTip()?.height, 13, 'a reorg takes the tip');
  t.equal(recent.blockOf('d'), undefined);
  recent.push(block(13, ['e']));
  t.equal(recent.tip?.hash, 'hash13');
  t.throws(() => recent.push(block(15)), RangeError, 'only the next height');
  t.throws(() => new RecentBlocks(0), { name: 'InvalidInputError' });
});
