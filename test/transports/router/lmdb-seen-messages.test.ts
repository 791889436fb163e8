// The daemons' seen-message set, on disk: a replayed envelope is a
// duplicate after a restart too (the memory set forgot it: delivered again),
// an attacker's own envelopes push out only its own entries, and entries
// last the envelopes' lifetime.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeKeyFromSecret } from '../../../transports/router/end-to-end.js';
import { LmdbSeenMessages, SEEN_LIFETIME_MS } from '../../../transports/router/lmdb-seen-messages.js';
import { Router } from '../../../transports/router/router.js';
import { MemorySeenMessages, type SeenMessages } from '../../../transports/router/seen-messages.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { hex, makeNode } from '../../../sim/kit/link-node.js';
import { randomBytes } from '../../../sim/kit/random.js';
import { createMesh, lineEdges, lineRoutes } from './router-network.js';

const text = (value: string) => new TextEncoder().encode(value);

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-seen-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('an envelope a relay replays after the destination restarted is dropped as a duplicate', async (t) => {
  const dir = tempDir(t);
  const names = ['A', 'B', 'C'];
  let clock: VirtualClock | undefined;
  const stores: LmdbSeenMessages[] = [];
  const openSeen = () => {
    const store = new LmdbSeenMessages(join(dir, 'seen'), { now: () => clock?.now() ?? 0 });
    stores.push(store);
    return store;
  };
  const mesh = await createMesh(names, lineEdges(names), { routes: lineRoutes(names), seen: (name) => (name === 'C' ? openSeen() : undefined) });
  clock = mesh.clock;
  t.teardown(async () => {
    await mesh.stop();
    for (const store of stores) await store.close();
  });
  const [a, b, c] = names.map(mesh.node);
  a!.router.send(c!.id, text('pay 1000 sat'));
  t.ok(await mesh.clock.runUntil(() => c!.received.length === 1, 60_000), 'delivered once');

  // C restarts: a new router over the same link, its seen set reopened from disk.
  const restarted = (seen: SeenMessages) => {
    c!.router.stop();
    const router = new Router({ link: c!.link, nodeKey: nodeKeyFromSecret(c!.secretKey), randomBytes, seen }, { routes: {}, neighbours: [b!.id] });
    const received: string[] = [];
    router.on('message', (_source, payload) => received.push(hex(payload)));
    router.start();
    return { router, received };
  };
  const replay = () => b!.link.send(c!.id, Buffer.from(b!.envelopesSeen[0]!, 'hex')); // B hands C the old envelope again

  const withMemory = restarted(new MemorySeenMessages());
  replay();
  await mesh.clock.advance(30_000);
  t.same(withMemory.received, [hex(text('pay 1000 sat'))], 'before: a memory set forgot it in the restart, and it is delivered again');
  withMemory.router.stop();

  await stores[0]!.close();
  const onDisk = restarted(openSeen());
  replay();
  await mesh.clock.advance(30_000);
  t.same(onDisk.received, [], 'now: the set on disk remembers it');
  t.equal(onDisk.router.counters.dropped.duplicate, 1, 'dropped as a duplicate');
});

t.test("an attacker's own envelopes push out only its own entries", async (t) => {
  const clock = new VirtualClock();
  const seen = new LmdbSeenMessages(join(tempDir(t), 'seen'), clock, { maxEntries: 100, maxEntriesPerSource: 10 });
  t.teardown(() => seen.close());
  const [victim, attacker] = [makeNode('victim').id, makeNode('attacker').id];
  const genuine = Array.from({ length: 5 }, () => randomBytes(8));
  for (const id of genuine) seen.add(victim, id);
  for (let i = 0; i < 1000; i++) seen.add(attacker, randomBytes(8)); // 65,536 did it to the memory set
  t.ok(genuine.every((id) => seen.has(victim, id)), "the victim's entries are all still there");
  t.equal(seen.size(attacker), 10, 'the attacker keeps its own last 10');
  t.equal(seen.size(), 15);

  // Many sources (fresh keys): the set is full, and the source holding the most gives way, oldest first.
  const others = Array.from({ length: 30 }, (_, i) => makeNode(`other ${i}`).id);
  for (const other of others) for (let i = 0; i < 3; i++) seen.add(other, randomBytes(8));
  t.equal(seen.size(), 100, 'at most 100 entries');
  t.ok(genuine.every((id) => seen.has(victim, id)), 'the victim, within its share, keeps everything');
  t.equal(seen.size(attacker), 5, 'the largest holder gave way: the attacker, down to 5');
});

t.test('entries last the envelopes\' lifetime and survive a reopening', async (t) => {
  const dir = tempDir(t);
  const clock = new VirtualClock();
  const source = makeNode('source').id;
  const [early, late] = [randomBytes(8), randomBytes(8)];
  let seen = new LmdbSeenMessages(join(dir, 'seen'), clock);
  seen.add(source, early);
  await clock.advance(SEEN_LIFETIME_MS / 2);
  seen.add(source, late);
  seen.add(source, late);
  t.equal(seen.size(source), 1 + 1, 'an entry added twice is held once');
  await seen.close();

  seen = new LmdbSeenMessages(join(dir, 'seen'), clock);
  t.teardown(() => seen.close());
  t.equal(seen.size(), 2, 'both are there after reopening');
  t.ok(seen.has(source, early) && seen.has(source, late));
  await clock.advance(SEEN_LIFETIME_MS / 2);
  t.notOk(seen.has(source, early), 'the first is a lifetime old: forgotten');
  t.ok(seen.has(source, late));
  seen.add(makeNode('other').id, randomBytes(8));
  t.equal(seen.size(source), 1, 'and removed from disk by the next add');
  t.throws(() => new LmdbSeenMessages(join(dir, 'bad'), clock, { maxEntries: 0 }), { name: 'InvalidInputError' });
});
