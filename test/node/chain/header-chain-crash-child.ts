/**
 * Crash injection for the header chain: a child process feeds a chain kept
 * in lmdb five batches of regtest headers mined here (extensions and
 * reorgs), and with KILL_AT=n kills
 * itself with SIGKILL right after the store's n-th write returns, before
 * `addHeaders` has reported the batch accepted. Restarted on the same
 * directory, it finds which batch its chain ends with, goes on from the
 * next one, checks that the stored chain links from tip to genesis, and
 * prints the outcome as JSON.
 */
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import type { RecordStore } from '../../../node/persist/persister.js';
import { hashToHex, headerHash } from '../../../node/chain/block-header.js';
import { HeaderChain } from '../../../node/chain/header-chain.js';
import { NETWORKS } from '../../../node/chain/network-params.js';
import { mineHeaders } from './grind.js';

const directory = process.argv[2];
if (!directory) {
  console.error('usage: header-chain-crash-child.ts DIRECTORY');
  process.exit(2);
}
const killAt = process.env.KILL_AT === undefined ? -1 : Number(process.env.KILL_AT);

/** Each batch: where it starts and its headers. Reorgs fork a little below the tip, or (the last) a hundred headers below it. */
function batches(): { startHeight: number; headers: Uint8Array[] }[] {
  const best: Uint8Array[] = [NETWORKS.regtest.genesisHeader];
  const plan: [forkHeight: number, count: number][] = [[0, 200], [200, 200], [395, 15], [410, 190], [500, 110]];
  return plan.map(([forkHeight, count], index) => {
    const headers = mineHeaders(best[forkHeight]!, count, { branch: `batch ${index}` });
    best.splice(forkHeight + 1, best.length, ...headers);
    return { startHeight: forkHeight + 1, headers };
  });
}

let writes = 0;
const disk = new LmdbPersister(`${directory}/chain`);
/** The store, dying with the process right after its n-th write, as a power cut would. */
const store: RecordStore = {
  get: (kind, id) => disk.get(kind, id),
  write: (batch) => {
    disk.write(batch);
    if (writes++ === killAt) process.kill(process.pid, 'SIGKILL');
  },
};

const all = batches();
const chain = HeaderChain.open({ network: NETWORKS.regtest, store });
const tipAfter = all.map(({ headers }) => hashToHex(headerHash(headers[headers.length - 1]!)));
const resumeAt = tipAfter.lastIndexOf(chain.tipHash) + 1;
for (const { startHeight, headers } of all.slice(resumeAt)) chain.addHeaders(startHeight, headers);

let linked = true;
for (let height = chain.height; height > 0; height--) {
  if (hashToHex(chain.entryAt(height)!.header.prevHash) !== chain.entryAt(height - 1)!.hash) linked = false;
}
console.log(JSON.stringify({ resumeAt, height: chain.height, tip: chain.tipHash, linked }));
disk.close();
