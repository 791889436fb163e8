// A monitor file is replaced whole: the new bytes, in a directory made on
// demand, and no temporary left beside it.
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileDurably } from '../../../node/core/durable-file.js';

t.test('writes, replaces, and leaves nothing else behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-durable-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'monitors', 'abcd_0');

  writeFileDurably(path, Uint8Array.from([1, 2, 3]));
  t.same([...readFileSync(path)], [1, 2, 3], 'written, its directory created');

  const big = new Uint8Array(1 << 20).fill(7);
  writeFileDurably(path, big);
  t.equal(readFileSync(path).length, big.length, 'replaced whole');
  t.same(readdirSync(join(dir, 'monitors')), ['abcd_0'], 'no temporary left');
});

t.test('a write that cannot happen throws and leaves the old file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-durable-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'm');
  writeFileDurably(path, Uint8Array.from([9]));
  // Its "directory" is a file: nothing can be written under it.
  t.throws(() => writeFileDurably(join(path, 'child'), Uint8Array.from([1])));
  t.same([...readFileSync(path)], [9], 'the old file is as it was');
});
