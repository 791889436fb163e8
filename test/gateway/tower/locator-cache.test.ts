// The locator cache on made-up blocks: every transaction of a cached block
// is found by its locator (the first 16 bytes of its hash) and nothing
// else is; blocks older than the depth go as new ones come; a block that
// leaves the chain takes the ones above it along; depth 0 keeps nothing.
import t from 'tap';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { LocatorCache } from '../../../gateway/tower/locator-cache.js';

/** A made-up block at `height` with `count` random transaction hashes. */
function block(height: number, count: number) {
  return { block: { height, hash: `${height.toString(16).padStart(8, '0')}${'ab'.repeat(28)}` }, hashes: Array.from({ length: count }, () => randomBytes(32)) };
}

t.test('every locator of a cached block is found there, and a locator of no block nowhere', (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 500 }), (hashes) => {
      const cache = new LocatorCache(10);
      cache.blockConnected({ height: 7, hash: 'aa'.repeat(32) }, hashes);
      return hashes.every((hash) => cache.find(hash.subarray(0, 16)).some((found) => found.height === 7));
    }),
    { numRuns: 50 },
  );
  const cache = new LocatorCache(10);
  const { block: b, hashes } = block(100, 3000);
  cache.blockConnected(b, hashes);
  t.same(cache.find(hashes[1234]!.subarray(0, 16)), [b], 'a transaction of a block of 3,000: found, with the block');
  t.same(cache.find(hashes[1234]!.subarray(16, 32)), [], 'its hash\'s other half: not a locator of it');
  t.same(cache.find(randomBytes(16)), [], 'a random locator: nowhere');
  t.same(cache.stats(), { blocks: 1, lowest: 100, highest: 100, locators: 3000, bytes: 48_000 }, '16 bytes a transaction');
  t.throws(() => cache.find(new Uint8Array(20)), { name: 'InvalidInputError' }, 'a locator of 20 bytes: refused');
  t.end();
});

t.test('the last `depth` blocks are kept, older ones go; a disconnected block takes those above it', (t) => {
  const cache = new LocatorCache(3);
  const blocks = [10, 11, 12, 13, 14].map((height) => block(height, 5));
  for (const { block: b, hashes } of blocks) cache.blockConnected(b, hashes);
  t.same(cache.stats(), { blocks: 3, lowest: 12, highest: 14, locators: 15, bytes: 240 });
  t.same(cache.find(blocks[1]!.hashes[0]!.subarray(0, 16)), [], 'block 11, four below the top: gone');
  t.same(cache.find(blocks[2]!.hashes[4]!.subarray(0, 16)), [blocks[2]!.block], 'block 12: kept');
  cache.add(blocks[1]!.block, blocks[1]!.hashes);
  t.equal(cache.at(11), undefined, 'a block read at start below the depth: not taken');

  cache.blockDisconnected(13);
  t.same(cache.stats(), { blocks: 1, lowest: 12, highest: 12, locators: 5, bytes: 80 }, '13 leaves the chain: 13 and 14 go');
  t.same(cache.find(blocks[4]!.hashes[0]!.subarray(0, 16)), []);
  const other = block(13, 2);
  cache.blockConnected(other.block, other.hashes);
  t.same(cache.find(other.hashes[1]!.subarray(0, 16)), [other.block], 'the winning branch\'s 13 is cached');
  const orphan = block(12, 1);
  cache.blockConnected(orphan.block, orphan.hashes);
  t.same(cache.stats().highest, 12, 'a new block at 12 (told without the disconnects): what was at 12 and above goes');
  t.same(cache.find(blocks[2]!.hashes[0]!.subarray(0, 16)), []);
  t.same(cache.find(other.hashes[0]!.subarray(0, 16)), []);

  cache.add(blocks[0]!.block, blocks[0]!.hashes);
  cache.add(blocks[1]!.block, blocks[1]!.hashes);
  t.same(cache.stats(), { blocks: 3, lowest: 10, highest: 12, locators: 11, bytes: 176 }, 'blocks read at start, below the top, fill in');
  t.same(
    cache.matching((locator) => locator[0]! < 0x100).map(({ block: b, locators }) => [b.height, locators.length]),
    [[10, 5], [11, 5], [12, 1]],
    'matching walks every locator, oldest block first',
  );
  cache.clear();
  t.same(cache.stats(), { blocks: 0, locators: 0, bytes: 0 });
  t.end();
});

t.test('depth 0 keeps nothing; a depth beyond the CSV limit is refused', (t) => {
  const off = new LocatorCache(0);
  const { block: b, hashes } = block(5, 3);
  off.blockConnected(b, hashes);
  t.same(off.find(hashes[0]!.subarray(0, 16)), []);
  t.same(off.stats(), { blocks: 0, locators: 0, bytes: 0 });
  t.throws(() => new LocatorCache(65_536), { name: 'InvalidInputError' });
  t.throws(() => new LocatorCache(-1), { name: 'InvalidInputError' });
  t.end();
});
