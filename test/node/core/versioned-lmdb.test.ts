// Every lmdb store opens through openVersionedLmdb: a new store gets the
// version, a current one opens, an older one the store upgrades is handed
// back to it, and any other is refused with the store's own error, naming the
// path and both versions. A binary store keeps its version as one byte, a
// store of lmdb's default encoding as a number.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { openVersionedLmdb } from '../../../node/core/versioned-lmdb.js';
import { caught } from '../input.js';

class ExampleStoreError extends Error {
  override name = 'ExampleStoreError';
}

const format = { name: 'example store', version: 3, upgradesFrom: [2], error: ExampleStoreError };

const directory = (t: Test): string => {
  const path = mkdtempSync(join(tmpdir(), 'lnmesh-versioned-'));
  t.teardown(() => rmSync(path, { recursive: true, force: true }));
  return path;
};

/** Writes `value` as the version of a store at `path`, as an older or newer lnmesh would have. */
const writeVersion = async (path: string, value: Uint8Array | number, binary: boolean): Promise<void> => {
  const db = open({ path, ...(binary ? { encoding: 'binary' as const } : {}) });
  db.putSync('format', value);
  await db.close();
};

t.test('a new binary store gets its version as one byte', async (t) => {
  const path = directory(t);
  const { db, upgradeFrom } = openVersionedLmdb<Uint8Array, string>({ path, encoding: 'binary' }, format);
  t.equal(upgradeFrom, undefined, 'nothing to upgrade');
  t.same([...db.get('format')!], [3]);
  await db.close();
  const again = openVersionedLmdb<Uint8Array, string>({ path, encoding: 'binary' }, format);
  t.equal(again.upgradeFrom, undefined, 'a current store opens as it is');
  await again.db.close();
});

t.test("a new store of lmdb's default encoding gets its version as a number", async (t) => {
  const path = directory(t);
  const { db } = openVersionedLmdb({ path, maxDbs: 2 }, format);
  t.equal(db.get('format'), 3);
  await db.close();
  const again = openVersionedLmdb({ path, maxDbs: 2 }, format);
  t.equal(again.upgradeFrom, undefined);
  await again.db.close();
});

t.test('an older version the store upgrades is handed back, unchanged', async (t) => {
  const path = directory(t);
  await writeVersion(path, Uint8Array.of(2), true);
  const { db, upgradeFrom } = openVersionedLmdb<Uint8Array, string>({ path, encoding: 'binary' }, format);
  t.equal(upgradeFrom, 2, 'the store is told what it found');
  t.same([...db.get('format')!], [2], 'the version is the upgrade’s to write, with the records');
  await db.close();
});

t.test("a newer or unknown version is refused with the store's own error", async (t) => {
  for (const [found, binary] of [[Uint8Array.of(4), true], [Uint8Array.of(1), true], [9, false]] as const) {
    const path = directory(t);
    await writeVersion(path, found, binary);
    const error = caught(() => openVersionedLmdb({ path, ...(binary ? { encoding: 'binary' as const } : {}) }, format));
    t.ok(error instanceof ExampleStoreError, 'the store’s error type');
    const shown = typeof found === 'number' ? found : found[0];
    t.equal((error as Error).message, `${path}: example store format ${shown}, this lnmesh reads format 3`);
    const reopened = caught(() => openVersionedLmdb({ path, ...(binary ? { encoding: 'binary' as const } : {}) }, format));
    t.ok(reopened instanceof ExampleStoreError, 'refused again: the refusal wrote nothing');
  }
});
