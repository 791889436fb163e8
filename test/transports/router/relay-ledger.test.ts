// What a relay holds for others is bounded: per next hop, per source with
// standing, and one small pool for every other source, however many keys it
// makes. The attack of issue 15: 2,000 routed envelopes from fresh source ids
// toward a neighbour that is down; before the bounds the relay queued them
// all (about 104 MB, every fragment held in memory too).
import t from 'tap';
import { encodeEnvelope } from '../../../transports/router/envelope.js';
import { DEFAULT_RELAY_BOUNDS, RelayLedger, STRANGERS } from '../../../transports/router/relay-ledger.js';
import { hex, makeNode } from '../../../sim/kit/link-node.js';
import { randomBytes } from '../../../sim/kit/random.js';
import { createMesh, lineEdges, lineRoutes } from './router-network.js';

const LINE = ['A', 'R', 'C', 'D'] as const;
const text = (value: string) => new TextEncoder().encode(value);
/** The pool's bounds alone: no hourly limit on what strangers relay (its own test is below). */
const POOL_ONLY = { relay: { maxStrangerBytesPerHourPerNextHop: 2 ** 30 } };

/** A routed envelope as a stranger makes it: a fresh key as its source, anything as its sealed payload (a relay cannot check it). */
function strangerEnvelope(destination: string, sealedBytes: number): Uint8Array {
  return encodeEnvelope({ kind: 'routed', source: makeNode('stranger').id, destination, hopLimit: 8, messageId: randomBytes(8), sealed: randomBytes(sealedBytes) });
}

t.test('2,000 envelopes from fresh sources toward a neighbour that is down: the relay holds the strangers\' pool, no more', async (t) => {
  const mesh = await createMesh(LINE, lineEdges(LINE), { routes: lineRoutes(LINE), init: (name) => (name === 'R' ? POOL_ONLY : {}) });
  t.teardown(mesh.stop);
  const [a, r, c, d] = LINE.map(mesh.node);
  mesh.medium.cut('R', 'C'); // C is down
  for (let i = 0; i < 2000; i++) r!.router.receiveEnvelope(a!.id, strangerEnvelope(d!.id, 52_000)); // as if A's link delivered them
  const queued = r!.link.queued(c!.id);
  t.ok(queued.messages <= DEFAULT_RELAY_BOUNDS.maxRelayedForStrangers, `R queued ${queued.messages} of 2,000 for C (was all 2,000)`);
  t.ok(queued.bytes <= DEFAULT_RELAY_BOUNDS.maxRelayedBytesForStrangers, `and ${queued.bytes} bytes, within the strangers' ${DEFAULT_RELAY_BOUNDS.maxRelayedBytesForStrangers} (was about 104 MB)`);
  t.equal(queued.messages, 1, 'one envelope of 52 KB fills most of the 64 KiB pool');
  t.equal(r!.router.counters.dropped['relay-full'], 2000 - queued.messages, 'the rest are dropped and counted');
  t.equal(r!.router.counters.forwarded, queued.messages);

  // A is R's neighbour: a source with standing, with a share of its own.
  a!.router.send(d!.id, text('genuine, from A'));
  t.ok(await mesh.clock.runUntil(() => r!.link.queued(c!.id).messages === queued.messages + 1, 60_000), "A's own envelope is queued for C all the same");
  r!.router.send(d!.id, text("R's own"));
  t.equal(r!.link.queued(c!.id).messages, queued.messages + 2, "and R's own message too");

  mesh.medium.restore('R', 'C');
  t.ok(await mesh.clock.runUntil(() => d!.received.length === 2, 3_600_000), 'once C is back, both genuine messages arrive');
  t.same(d!.received.sort(), [`A:${hex(text('genuine, from A'))}`, `R:${hex(text("R's own"))}`].sort());
  t.ok(await mesh.clock.runUntil(() => r!.link.queued(c!.id).messages === 0, 3_600_000), 'and R holds nothing more');
  r!.router.receiveEnvelope(a!.id, strangerEnvelope(d!.id, 100));
  t.equal(r!.router.counters.forwarded, queued.messages + 2, 'the strangers\' pool is free again once C took what was in it');
});

t.test('one source with standing gets its share of a next hop, not all of it; our own messages are never refused', async (t) => {
  const relay = { maxQueuedPerNextHop: 10, maxRelayedPerSource: 6 };
  const mesh = await createMesh(LINE, lineEdges(LINE), { routes: lineRoutes(LINE), init: (name) => (name === 'R' ? { relay } : {}) });
  t.teardown(mesh.stop);
  const [a, r, c, d] = LINE.map(mesh.node);
  mesh.medium.cut('R', 'C');
  for (let i = 0; i < 8; i++) a!.router.send(d!.id, text(`A ${i}`));
  t.ok(await mesh.clock.runUntil(() => r!.router.counters.forwarded + r!.router.counters.dropped['relay-full'] === 8, 60_000));
  t.equal(r!.router.counters.forwarded, 6, "R relays six of A's eight: A's share");
  t.equal(r!.router.counters.dropped['relay-full'], 2, 'the other two are dropped and counted');
  t.same(r!.router.relayLedger.held(a!.id).messages, 6);

  for (let i = 0; i < 5; i++) r!.router.send(d!.id, text(`R ${i}`));
  t.equal(r!.link.queued(c!.id).messages, 11, "R's own five are queued beyond the next hop's bound of 10");
  r!.router.receiveEnvelope(a!.id, strangerEnvelope(d!.id, 100));
  t.equal(r!.router.counters.dropped['relay-full'], 3, 'while no relayed envelope is, not even in the strangers\' pool');

  mesh.medium.restore('R', 'C');
  t.ok(await mesh.clock.runUntil(() => d!.received.length === 11, 3_600_000), 'once C is back, all that was queued arrives');
  t.ok(await mesh.clock.runUntil(() => r!.link.queued(c!.id).messages === 0, 3_600_000));
  a!.router.send(d!.id, text('after'));
  t.ok(await mesh.clock.runUntil(() => d!.received.length === 12, 60_000), "and A's share is free again");
});

t.test('a source named in knownSources (the gateway, which may be no neighbour and no entry of the table) has a share of its own', async (t) => {
  const gateway = makeNode('gateway');
  const mesh = await createMesh(LINE, lineEdges(LINE), { routes: lineRoutes(LINE), init: (name) => (name === 'R' ? { knownSources: [gateway.id], ...POOL_ONLY } : {}) });
  t.teardown(mesh.stop);
  const [a, r, c, d] = LINE.map(mesh.node);
  mesh.medium.cut('R', 'C');
  const from = (source: string) => encodeEnvelope({ kind: 'routed', source, destination: d!.id, hopLimit: 8, messageId: randomBytes(8), sealed: randomBytes(1000) });
  for (let i = 0; i < 40; i++) r!.router.receiveEnvelope(a!.id, from(gateway.id));
  t.equal(r!.link.queued(c!.id).messages, 40, 'all 40 of the gateway\'s envelopes are queued');
  const stranger = makeNode('stranger').id;
  for (let i = 0; i < 40; i++) r!.router.receiveEnvelope(a!.id, from(stranger));
  t.equal(r!.link.queued(c!.id).messages, 40 + DEFAULT_RELAY_BOUNDS.maxRelayedForStrangers, `of a stranger's 40, the strangers' pool of ${DEFAULT_RELAY_BOUNDS.maxRelayedForStrangers}`);
});

t.test('the ledger on its own: bounds per next hop, per source and for strangers, settled by the oldest sequence waiting', (t) => {
  const ledger = new RelayLedger({ maxQueuedPerNextHop: 4, maxQueuedBytesPerNextHop: 1000, maxRelayedPerSource: 2, maxRelayedBytesPerSource: 300, maxRelayedForStrangers: 1, maxRelayedBytesForStrangers: 100 });
  const waiting: Record<string, { seqs: number[]; bytes: number[] }> = { X: { seqs: [], bytes: [] }, Y: { seqs: [], bytes: [] } };
  const queuedOf = (hop: string) => ({ messages: waiting[hop]!.seqs.length, bytes: waiting[hop]!.bytes.reduce((sum, each) => sum + each, 0), oldestSeq: waiting[hop]!.seqs[0] });
  let nextSeq = 1;
  const forward = (hop: string, pool: string, bytes: number) => {
    const refusal = ledger.refusal(hop, pool, bytes, queuedOf, 0);
    if (refusal) return refusal;
    const seq = nextSeq++;
    waiting[hop]!.seqs.push(seq);
    waiting[hop]!.bytes.push(bytes);
    ledger.record(hop, seq, pool, bytes);
    return 'queued';
  };
  t.equal(forward('X', 'source-1', 100), 'queued');
  t.equal(forward('Y', 'source-1', 100), 'queued', 'a source may use two next hops');
  t.equal(forward('X', 'source-1', 100), 'source-full', 'but holds two messages at most, across them');
  t.equal(forward('X', 'source-2', 250), 'queued');
  t.equal(forward('X', 'source-2', 100), 'source-full', 'or 300 bytes');
  t.equal(forward('X', STRANGERS, 100), 'queued', 'strangers share one pool');
  t.equal(forward('X', STRANGERS, 1), 'source-full', 'of one message here');
  t.equal(forward('X', 'source-3', 400), 'source-full', 'a source over its bytes');
  t.equal(forward('X', 'source-3', 100), 'queued');
  t.equal(forward('X', 'source-4', 10), 'next-hop-full', 'four messages wait for X: its queue is full');
  // Y delivered its message: source-1 has room again (the ledger asks the link about every next hop it holds for).
  waiting.Y = { seqs: [], bytes: [] };
  t.same(ledger.held('source-1'), { messages: 2, bytes: 200 }, 'the ledger does not know yet');
  t.equal(forward('Y', 'source-1', 100), 'queued', 'and learns it when asked');
  t.same(ledger.held('source-1'), { messages: 2, bytes: 200 });
  t.throws(() => new RelayLedger({ maxRelayedPerSource: 0 }), { name: 'InvalidInputError' }, 'a bound is a positive integer');
  t.end();
});

t.test("strangers relay at most an hour's budget of bytes to a next hop, however fast a compromised neighbour sends; known sources are not slowed", async (t) => {
  const mesh = await createMesh(LINE, lineEdges(LINE), { routes: lineRoutes(LINE) });
  t.teardown(mesh.stop);
  const [a, r, c, d] = LINE.map(mesh.node);
  const perHour = DEFAULT_RELAY_BOUNDS.maxStrangerBytesPerHourPerNextHop;
  const relayed = () => r!.router.counters.forwarded;
  // A, compromised, hands R an envelope of 300 bytes from a fresh key every ten seconds for two hours (720 of them).
  const size = strangerEnvelope(d!.id, 226).length;
  t.equal(size, 300);
  for (let i = 0; i < 720; i++) {
    r!.router.receiveEnvelope(a!.id, strangerEnvelope(d!.id, 226));
    if (i === 359) t.ok(relayed() * size <= 2 * perHour, `in the first hour R relays ${relayed()} of 360 (${relayed() * size} bytes): the budget it held and what refilled`);
    await mesh.clock.advance(10_000);
  }
  t.ok(relayed() * size <= 3 * perHour, `in two hours ${relayed()} of 720, at most an hour's budget beyond the first`);
  t.ok(relayed() > 0, 'but some: strangers are slowed, not shut out');
  t.equal(r!.router.counters.dropped['relay-full'], 720 - relayed(), 'the rest are dropped and counted');
  const before = relayed();
  for (let i = 0; i < 20; i++) a!.router.send(d!.id, text(`A ${i}`));
  t.ok(await mesh.clock.runUntil(() => d!.received.length === 20, 3_600_000), "A's own twenty (a source with standing) all arrive at D");
  t.equal(relayed() - before, 20, 'relayed at once');
  t.equal(c!.router.counters.dropped['relay-full'], 0);
});
