/**
 * Two channel managers in one process, each on its own lmdb store, making
 * one payment: Bob asks for 70,000 sat, Alice pays. Run with a directory;
 * the channel is opened on the first run, then every run (a restart) resumes
 * from what the stores hold, sends again what may have been lost, and
 * drives the payment to its end. With KILL_AT=n the process kills itself
 * (SIGKILL) just after the n-th write of the payment to either store: every
 * crash leaves only what is on disk. It prints the number of writes, then
 * the final balances as JSON.
 */
import { readFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import type { Persister } from '../../../node/persist/persister.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';

const directory = process.argv[2];
if (!directory) {
  // Run by the crash tests with a scratch directory; never on the working tree.
  console.error('usage: crash-child.ts DIRECTORY');
  process.exit(2);
}
const killAt = process.env.KILL_AT === undefined ? -1 : Number(process.env.KILL_AT);
const AMOUNT_MSAT = 70_000_000;
const FUNDING_SATOSHIS = 1_000_000;

let counting = false;
let writes = 0;
/** A store that dies with the process right after its n-th write, as a power cut would. */
function killable(store: LmdbPersister): Persister {
  const after = <T>(result: T): T => {
    if (counting && writes++ === killAt) process.kill(process.pid, 'SIGKILL');
    return result;
  };
  return {
    saveChannel: (id, record) => after(store.saveChannel(id, record)),
    transaction: (work) => after(store.transaction(work)),
    loadChannels: () => store.loadChannels(),
    deleteChannel: (id) => after(store.deleteChannel(id)),
    put: (kind, id, value) => after(store.put(kind, id, value)),
    getAll: (kind) => store.getAll(kind),
    get: (kind, id) => store.get(kind, id),
    remove: (kind, id) => after(store.remove(kind, id)),
    close: () => store.close(),
  };
}

const network = createNetwork({ nodes: 2, channels: { persister: (i) => killable(new LmdbPersister(`${directory}/${i === 0 ? 'alice' : 'bob'}`)) } });
const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
if (alice.manager.balances().length === 0) openChannel(network, alice, bob, FUNDING_SATOSHIS);

counting = true;
// Bob's request, kept in a file as it would be on paper (written atomically).
const requestFile = `${directory}/request.json`;
if (!existsSync(requestFile)) {
  const request = bob.manager.receive(AMOUNT_MSAT, 800_000);
  writeFileSync(`${requestFile}.tmp`, JSON.stringify({ ...request, paymentHash: bytesToHex(request.paymentHash), payee: bytesToHex(request.payee) }));
  renameSync(`${requestFile}.tmp`, requestFile);
}
const saved = JSON.parse(readFileSync(requestFile, 'utf8'));
const request = { ...saved, paymentHash: hexToBytes(saved.paymentHash), payee: hexToBytes(saved.payee) };
// Alice pays unless her channel shows the payment already (in flight or done).
const [channel] = alice.manager.balances();
if (channel!.pendingHtlcs === 0 && channel!.localMsat === FUNDING_SATOSHIS * 1000) alice.manager.payRequest(request);
network.run();

console.log(`writes ${writes}`);
console.log(JSON.stringify({ alice: alice.manager.balances()[0], bob: bob.manager.balances()[0] }));
