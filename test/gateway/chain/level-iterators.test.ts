import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import bdb from 'bdb';
import { repairLevelIterators } from '../../../gateway/chain/level-iterators.js';

/** A bdb database on disk (leveldown 6.1.1 underneath, as bcoin's chain and wallet have it) holding three keys, two in a bucket. */
async function openDatabase(t: Test, repaired: boolean) {
  const directory = await mkdtemp(join(tmpdir(), 'lnmesh-level-'));
  const db = (bdb as any).create({ location: directory, memory: false });
  if (repaired) repairLevelIterators(db);
  await db.open();
  t.teardown(async () => {
    await db.close();
    await rm(directory, { recursive: true, force: true });
  });
  const key = (bdb as any).key('c', ['uint32']);
  const bucket = db.bucket(Buffer.from('w1'));
  const batch = db.batch();
  bucket.wrap(batch).put(key.build(1), Buffer.from('one'));
  bucket.wrap(batch).put(key.build(2), Buffer.from('two'));
  batch.put(Buffer.from('z'), Buffer.from('other'));
  await batch.write();
  return { db, bucket, key };
}

t.test('repaired: range reads on disk find what was written', async (t) => {
  const { db, bucket, key } = await openDatabase(t, true);
  t.same((await bucket.range({ gte: key.min(), lte: key.max() })).map((item: any) => item.value.toString()), ['one', 'two'], 'a bucket range');
  t.equal((await db.keys()).length, 3, 'the whole database');
  t.same((await db.range({ limit: 1 })).length, 1, 'a limit still holds');
  t.equal((await bucket.get(key.build(2))).toString(), 'two', 'keyed reads as before');
});

t.test("unrepaired, bdb 0.2.3 on leveldown 6 finds nothing (take the repair out once bcoin's stack no longer needs it)", async (t) => {
  const { db, bucket, key } = await openDatabase(t, false);
  t.same(await bucket.range({ gte: key.min(), lte: key.max() }), []);
  t.same(await db.keys(), []);
});

t.test('a database in memory is left as it is', async (t) => {
  const db = (bdb as any).create({ memory: true });
  const iterator = db.binding.iterator;
  repairLevelIterators(db);
  t.equal(db.binding.iterator, iterator);
});
