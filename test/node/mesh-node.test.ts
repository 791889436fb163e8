// A mesh node assembled from its parts: channels over the router over a link
// per transport. Three nodes in a line on in-memory media and virtual time
// (B hears A on one medium and C on another, as it would hear one over LoRa
// and the other over a serial line); stores on lmdb for the restart; and a
// config that does not hold together, refused with the field named.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../node/core/clock.js';
import { InvalidInputError } from '../../node/core/input.js';
import { LinkStartError, MeshNode, type MeshNodeComponents } from '../../node/mesh-node.js';
import { LmdbPersister } from '../../node/persist/lmdb.js';
import { MemoryPersister } from '../../node/persist/persister.js';
import { LmdbLinkOutbox, MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { createMemoryMedium } from '../../transports/memory.js';
import { MemorySeenMessages } from '../../transports/router/seen-messages.js';
import { TEST_TIMING } from '../../sim/kit/test-link.js';
import { VirtualClock } from '../../sim/kit/virtual-clock.js';
import { randomBytes } from '../../sim/kit/random.js';
import { signerOf } from '../../sim/kit/signer-of.js';
import { testWallet } from '../../sim/kit/test-wallet.js';
import { LINE_IDS, meshLine, payAcrossCut } from './mesh-line.js';
import { nullBroadcaster } from '../../sim/kit/broadcaster.js';

const DAY_MS = 86_400_000;

t.test('payments both ways across a relay with two media, and across a day-long cut', async (t) => {
  const clock = new VirtualClock();
  const left = createMemoryMedium({ delayMs: 50, clock });
  const right = createMemoryMedium({ delayMs: 50, clock });
  const nodes = meshLine({
    clock,
    ab: { transports: [left.createTransport('A'), left.createTransport('B')], addresses: ['A', 'B'], timing: TEST_TIMING },
    bc: { transports: [right.createTransport('B'), right.createTransport('C')], addresses: ['B', 'C'], timing: TEST_TIMING },
  });
  await Promise.all(nodes.map((node) => node.mesh.start()));
  t.teardown(() => Promise.all(nodes.map((node) => node.mesh.stop())));
  t.equal(nodes[1].mesh.links.length, 2, 'B has a link on each medium');

  await payAcrossCut(t, nodes, {
    until: async (what, done, limitMs = 2 * 3_600_000) => t.ok(await clock.runUntil(done, limitMs), what),
    cut: () => right.cut('B', 'C'),
    whileCut: () => clock.advance(DAY_MS),
    restore: () => right.restore('B', 'C'),
  });
  t.same(nodes.flatMap((node) => node.warnings), [], 'no layer had anything to warn about');
});

t.test('a node restarted from its stores mid-payment finishes it', async (t) => {
  const clock = new VirtualClock();
  const left = createMemoryMedium({ delayMs: 50, clock });
  const right = createMemoryMedium({ delayMs: 50, clock });
  const dirs: string[] = [];
  t.teardown(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const storesOf = (i: number) => {
    const dir = mkdtempSync(join(tmpdir(), `lnmesh-mesh-${i}-`));
    dirs.push(dir);
    return { dir, persister: new LmdbPersister(join(dir, 'channels')), outbox: new LmdbLinkOutbox(join(dir, 'outbox')) };
  };
  const stores = [0, 1, 2].map(storesOf);
  const transports = () => ({
    ab: { transports: [left.createTransport('A'), left.createTransport('B')] as const, addresses: ['A', 'B'] as const, timing: TEST_TIMING },
    bc: { transports: [right.createTransport('B'), right.createTransport('C')] as const, addresses: ['B', 'C'] as const, timing: TEST_TIMING },
  });
  let nodes = meshLine({ clock, ...transports(), stores: (i) => stores[i]! });
  await Promise.all(nodes.map((node) => node.mesh.start()));
  const until = async (what: string, done: () => boolean, stepMs = 1000) => t.ok(await clock.runUntil(done, 3_600_000, stepMs), what);
  const [a, b, c] = nodes;
  for (const [from, to] of [[a, b], [b, c]] as const) {
    const handle = from.mesh.manager.openChannel(to.id, 1_000_000, 0);
    await until(`${from.name}-${to.name} funded`, () => from.broadcast.length > 0);
    from.mesh.manager.fundingConfirmed(to.id, handle, 6);
    to.mesh.manager.fundingConfirmed(from.id, handle, 6);
  }
  await until('channels open', () => c.events.some((event) => event.type === 'channel_opened'));

  // A pays C; B goes down as soon as the HTLC reaches it, and comes back from disk a day later.
  a.mesh.manager.payRequest(c.mesh.manager.receive(20_000_000, 0));
  await until('the HTLC reached B', () => b.mesh.manager.balances().some((channel) => channel.pendingHtlcs > 0), 5);
  t.equal(c.events.filter((event) => event.type === 'payment_received').length, 0, 'C is not paid yet when B goes down');
  await b.mesh.stop();
  await clock.advance(DAY_MS);
  // A new MeshNode on B's stores; A and C keep theirs (only their B-side transports are replaced, as a rebooted B reattaches).
  const fresh = meshLine({ clock, ...transports(), stores: (i) => stores[i]! });
  const rebooted = fresh[1];
  rebooted.mesh.manager.on('event', () => {});
  await rebooted.mesh.start();
  t.teardown(() => Promise.all([a.mesh.stop(), rebooted.mesh.stop(), c.mesh.stop()]));
  nodes = [a, rebooted, c];
  await until('after B restarted, C has been paid once', () => c.events.filter((event) => event.type === 'payment_received').length === 1);
  await until('and A knows it', () => a.events.some((event) => event.type === 'payment_sent'));
  await until('and every HTLC is settled', () => nodes.every((node) => node.mesh.manager.balances().every((channel) => channel.pendingHtlcs === 0)));
  t.equal(a.mesh.manager.balances()[0]!.localMsat, 1_000_000_000 - 20_000_000 - 1000, "A paid 20,000 sat and B's fee (1 sat, the default)");
  t.equal(c.mesh.manager.balances()[0]!.localMsat, 20_000_000, 'C received 20,000 sat');
  const [ba, bc] = rebooted.mesh.manager.balances();
  t.equal(ba!.localMsat + bc!.localMsat, 1_000_000_000 + 1000, 'B, restored from disk, holds what it held and its fee');
});

t.test('a config that does not hold together is refused, naming the field', async (t) => {
  const medium = createMemoryMedium();
  const components = (): MeshNodeComponents => ({
    signer: signerOf(0),
    persister: new MemoryPersister(),
    outbox: new MemoryLinkOutbox(),
    seen: new MemorySeenMessages(),
    wallet: testWallet(0),
    broadcaster: nullBroadcaster,
    clock: systemClock,
    randomBytes,
  });
  const [, b, c] = LINE_IDS;
  const refused = (config: ConstructorParameters<typeof MeshNode>[1], field: RegExp, what: string) => {
    try {
      new MeshNode(components(), config);
      t.fail(`${what}: accepted`);
    } catch (error) {
      t.ok(error instanceof InvalidInputError && field.test(error.field), `${what}: ${(error as Error).message}`);
    }
  };
  const channels = { network: 3 };
  refused({ channels, links: [{ transport: medium.createTransport('x'), neighbours: [{ nodeId: b }] }, { transport: medium.createTransport('y'), neighbours: [{ nodeId: b }] }] }, /^links\[1\]$/, 'a neighbour on two links');
  refused({ channels, links: [{ transport: { kind: 'carrier-pigeon' } as never, neighbours: [{ nodeId: b }] }] }, /^links\[0\]\.kind$/, 'an unknown transport kind');
  refused({ channels, links: [{ transport: { kind: 'lora', path: '/dev/null', frequencyHz: 868_100_000, bandwidthHz: 125_000, spreadingFactor: 13, codingRate: 5, txPowerDbm: 14 }, neighbours: [{ nodeId: b }] }] }, /^links\[0\]\.spreadingFactor$/, 'a LoRa setting out of range');
  refused({ channels, links: [{ transport: medium.createTransport('x'), neighbours: [{ nodeId: 'not a key' }] }] }, /^links\[0\]\.knownPeers\[0\]$/, 'a neighbour that is not a node id');
  refused({ channels, links: [{ transport: medium.createTransport('x'), neighbours: [{ nodeId: b }] }], routes: { [b]: c } }, /^routes/, 'a route through someone who is not a neighbour');
  refused({ channels: { network: 999 }, links: [] }, /^network$/, 'a network number out of range');
  refused({ channels, links: 'none' as never }, /^links$/, 'links that are not a list');
});

t.test('a transport that does not open stops the node from starting, and says which', async (t) => {
  const node = new MeshNode(
    { signer: signerOf(0), persister: new MemoryPersister(), outbox: new MemoryLinkOutbox(), seen: new MemorySeenMessages(), wallet: testWallet(0), broadcaster: nullBroadcaster, clock: systemClock, randomBytes },
    { channels: { network: 3 }, links: [{ transport: createMemoryMedium().createTransport('x'), neighbours: [{ nodeId: LINE_IDS[1], address: 'y' }] }, { transport: { kind: 'serial', path: '/nonexistent/ttyUSB9' }, neighbours: [{ nodeId: LINE_IDS[2] }] }] },
  );
  await t.rejects(node.start(), LinkStartError, 'start fails');
  try {
    await node.start();
  } catch (error) {
    t.match((error as Error).message, /links\[1\] did not start: .*\/nonexistent\/ttyUSB9/, `the error names the link and the device: ${(error as Error).message}`);
    t.notOk(node.links[0]!.isUp(LINE_IDS[1]), 'the link that had opened is stopped again');
  }
});
