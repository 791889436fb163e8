import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { LockedCoins } from '../../../gateway/wallet/locked-coins.js';

const a = { txid: 'aa'.repeat(32), vout: 0 };
const b = { txid: 'bb'.repeat(32), vout: 3 };

t.test('kept in a file: a new instance (a restarted gateway) has them', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'lnmesh-locks-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  const file = join(directory, 'locked-coins.json');
  const locks = new LockedCoins(file);
  t.same(locks.outpoints, [], 'no file yet: none');
  locks.add([a, b]);
  t.same(new LockedCoins(file).outpoints, [a, b]);
  locks.remove([a]);
  const again = new LockedCoins(file);
  t.ok(again.has(b));
  t.notOk(again.has(a));

  await writeFile(file, '{"not": "a list"}');
  t.throws(() => new LockedCoins(file), { name: 'WalletError', message: /does not hold a list of locked coins/ }, 'a file not ours: an error, not an empty set');
  await writeFile(file, 'garbage');
  t.throws(() => new LockedCoins(file), { name: 'WalletError' }, 'not even JSON');
});

t.test('in memory: no file written', async (t) => {
  const locks = new LockedCoins();
  locks.add([a]);
  t.ok(locks.has(a));
  t.same(new LockedCoins().outpoints, []);
});
