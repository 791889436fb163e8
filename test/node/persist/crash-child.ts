/**
 * A node pair in one process, persisted in lmdb, making one payment:
 * Alice pays Bob 70,000 sat and Bob fulfills. Run with a directory; it
 * resumes from whatever the directory holds. With KILL_AT=n it kills itself
 * (SIGKILL: no cleanup, no flush) just after its n-th save. What a crash
 * leaves is only what is on disk, so the moments after each save are all the
 * distinct crashes there are (a kill just before a save leaves what the
 * previous save left). It prints the number of saves, then the final
 * balances as JSON.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { Channel } from '../../../node/channel/channel.js';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import type { ChannelRecord } from '../../../node/persist/persister.js';
import { openPair, preimageOf } from '../../../sim/kit/channel-pair.js';

const directory = process.argv[2];
if (!directory) {
  // Run by the crash tests with a scratch directory; never on the working tree.
  console.error('usage: crash-child.ts DIRECTORY');
  process.exit(2);
}
const killAt = process.env.KILL_AT === undefined ? -1 : Number(process.env.KILL_AT);
export const AMOUNT_MSAT = 70_000_000;
const preimage = preimageOf(7);

let points = 0;
function point(): void {
  if (points === killAt) process.kill(process.pid, 'SIGKILL');
  points++;
}

const pair = openPair('anchors');
const disks = { alice: new LmdbPersister(`${directory}/alice`), bob: new LmdbPersister(`${directory}/bob`) };
const signers = { alice: pair.aliceSigner, bob: pair.bobSigner };
const nodes = {} as Record<'alice' | 'bob', { channel: Channel; outbox: ChannelRecord['outbox'][number][] }>;
for (const name of ['alice', 'bob'] as const) {
  const saved = disks[name].loadChannels().get('c');
  nodes[name] = saved ? { channel: new Channel(saved.state, signers[name]), outbox: [...saved.outbox] } : { channel: pair[name], outbox: [] };
}
function save(name: 'alice' | 'bob'): void {
  disks[name].saveChannel('c', { state: nodes[name].channel.state, outbox: nodes[name].outbox });
  point();
}
if (disks.alice.loadChannels().size === 0) save('alice');
if (disks.bob.loadChannels().size === 0) save('bob');

// Alice's payment: offered once (her next HTLC id tells whether she already did).
if (nodes.alice.channel.state.localNextHtlcId === 0) {
  nodes.alice.channel.addHtlc(AMOUNT_MSAT, sha256(preimage), 800_000);
  save('alice');
}

for (let round = 0; round < 100; round++) {
  let moved = false;
  for (const [from, to] of [['alice', 'bob'], ['bob', 'alice']] as const) {
    // Bob fulfills what is committed to him, also after a restart.
    for (const htlc of nodes[from].channel.htlcsToSettle()) {
      nodes[from].channel.fulfillHtlc(htlc.id, preimage);
      save(from);
    }
    const message = nodes[from].channel.flush();
    if (message) {
      nodes[from].outbox.push(message);
      save(from);
    }
    const next = nodes[from].outbox[0];
    if (next) {
      nodes[to].channel.receive(structuredClone(next));
      save(to);
      nodes[from].outbox.shift(); // the acknowledgement: only after the receiver saved
      save(from);
      moved = true;
    }
  }
  if (!moved) break;
}
console.log(`points ${points}`);
console.log(JSON.stringify({ alice: nodes.alice.channel.balances(), bob: nodes.bob.channel.balances(), numbers: [nodes.alice.channel.state.localCommit.number, nodes.bob.channel.state.localCommit.number] }));
