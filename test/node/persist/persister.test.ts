// Every Persister passes the same suite (sim/kit/behaves-as-a-persister.ts): the lmdb store the daemons use,
// and the memory store the simulator and many tests use.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { behavesAsAPersister } from '../../../sim/kit/behaves-as-a-persister.js';

behavesAsAPersister(t, 'LmdbPersister', (t) => {
  const path = mkdtempSync(join(tmpdir(), 'lnmesh-persister-'));
  let store = new LmdbPersister(path);
  t.teardown(() => {
    store.close();
    rmSync(path, { recursive: true, force: true });
  });
  return {
    store,
    reopen: () => {
      store.close();
      store = new LmdbPersister(path);
      return store;
    },
  };
});

behavesAsAPersister(t, 'MemoryPersister', () => {
  const store = new MemoryPersister();
  return { store, reopen: () => store };
});
