// Routers over real links on an in-memory medium with a virtual clock: a line
// A - B - C - D, default routes, hop limits, loops, a partition of days,
// duplicates, and what a relay sees.
import t from 'tap';
import fc from 'fast-check';
import { InvalidInputError } from '../../../node/core/input.js';
import { associatedData, decodeEnvelope, encodeEnvelope, ROUTED_OVERHEAD } from '../../../transports/router/envelope.js';
import { nodeKeyFromSecret, sealPayload, endToEndKey } from '../../../transports/router/end-to-end.js';
import { NoRouteError, Router } from '../../../transports/router/router.js';
import { MemorySeenMessages } from '../../../transports/router/seen-messages.js';
import { hex, makeNode } from '../../../sim/kit/link-node.js';
import { randomBytes } from '../../../sim/kit/random.js';
import { createMesh, lineEdges, lineRoutes } from './router-network.js';

const LINE = ['A', 'B', 'C', 'D'] as const;
const text = (value: string) => new TextEncoder().encode(value);

t.test('A sends to D through B and C; D answers; neighbours talk directly', async (t) => {
  const mesh = await createMesh(LINE, lineEdges(LINE), { routes: lineRoutes(LINE) });
  const [a, b, c, d] = LINE.map(mesh.node);
  const messageId = a!.router.send(d!.id, text('hello D'));
  t.match(messageId, /^[0-9a-f]{16}$/, 'a routed message has an 8-byte id');
  t.ok(await mesh.clock.runUntil(() => d!.received.length === 1, 60_000), 'it arrives');
  t.same(d!.received, [`A:${hex(text('hello D'))}`], 'from A, as A sent it');
  t.equal(b!.router.counters.forwarded, 1, 'B relayed it');
  t.equal(c!.router.counters.forwarded, 1, 'C relayed it');
  t.equal(b!.received.length + c!.received.length, 0, 'relays deliver nothing to themselves');

  d!.router.send(a!.id, text('hello A'));
  t.ok(await mesh.clock.runUntil(() => a!.received.length === 1, 60_000), 'the answer comes back along the reverse routes');
  t.same(a!.received, [`D:${hex(text('hello A'))}`]);

  t.equal(a!.router.send(b!.id, text('hi')), '', 'to a neighbour: no message id, the link numbers it');
  t.ok(await mesh.clock.runUntil(() => b!.received.length === 1, 60_000));
  t.same(b!.received, [`A:${hex(text('hi'))}`]);
  t.equal(b!.envelopesSeen.at(-1), `00${hex(text('hi'))}`, 'a direct envelope is one byte and the payload');
  t.equal(b!.envelopesSeen[0]!.length / 2, text('hello D').length + ROUTED_OVERHEAD, `a routed envelope costs ${ROUTED_OVERHEAD} bytes beyond its payload`);
  t.same([mesh.dropped('malformed'), mesh.dropped('internal-error'), mesh.dropped('bad-seal')], [0, 0, 0]);
  await mesh.stop();
});

t.test('relays see who talks to whom, never what', async (t) => {
  const mesh = await createMesh(LINE, lineEdges(LINE), { routes: lineRoutes(LINE) });
  const [a, b, c, d] = LINE.map(mesh.node);
  const secret = text('the preimage is 0f1e2d3c4b5a69788796a5b4c3d2e1f0, keep it');
  a!.router.send(d!.id, secret);
  t.ok(await mesh.clock.runUntil(() => d!.received.length === 1, 60_000));
  t.same(d!.received, [`A:${hex(secret)}`]);
  for (const relay of [b!, c!]) {
    t.equal(relay.envelopesSeen.length, 1);
    const seen = relay.envelopesSeen[0]!;
    t.notOk(seen.includes(hex(secret.subarray(0, 8))), `${relay.name} does not see even 8 bytes of the plaintext`);
    const envelope = decodeEnvelope(Buffer.from(seen, 'hex'));
    t.equal(envelope.kind === 'routed' && envelope.source, a!.id, `${relay.name} sees the source`);
    t.equal(envelope.kind === 'routed' && envelope.destination, d!.id, `${relay.name} sees the destination`);
  }
  t.notOk(d!.envelopesSeen[0]!.includes(hex(secret.subarray(0, 8))), 'what C forwards to D is sealed too');
  await mesh.stop();
});

t.test('the default route * carries gateway-bound traffic; an unknown destination with no route is dropped and counted', async (t) => {
  // D is the gateway. Leaves know only the way up; D and C know the way down.
  const mesh = await createMesh(LINE, lineEdges(LINE), {
    routes: { A: { '*': 'B' }, B: { '*': 'C' }, C: { A: 'B', '*': 'D' }, D: { A: 'C', B: 'C' } },
  });
  const [a, , , d] = LINE.map(mesh.node);
  a!.router.send(d!.id, text('appointment batch'));
  t.ok(await mesh.clock.runUntil(() => d!.received.length === 1, 60_000), 'A reaches the gateway without an entry for it');
  t.same(d!.received, [`A:${hex(text('appointment batch'))}`]);
  d!.router.send(a!.id, text('receipt'));
  t.ok(await mesh.clock.runUntil(() => a!.received.length === 1, 60_000), 'and the gateway answers along explicit routes');

  const stranger = makeNode('X');
  a!.router.send(stranger.id, text('to nobody'));
  await mesh.clock.advance(30_000);
  t.equal(mesh.node('D').router.counters.dropped['no-route'], 1, 'the gateway, with no route and no default, drops it');
  t.throws(() => d!.router.send(stranger.id, text('x')), { name: 'NoRouteError' }, 'sending where no route leads is an error for the sender');
  await mesh.stop();
});

t.test('an envelope with no hop left is dropped and counted', async (t) => {
  const mesh = await createMesh(LINE, lineEdges(LINE), { routes: lineRoutes(LINE), init: (name) => (name === 'A' ? { defaultHopLimit: 2 } : {}) });
  const [a, , c, d] = LINE.map(mesh.node);
  a!.router.send(d!.id, text('too far'));
  await mesh.clock.advance(60_000);
  t.same(d!.received, [], 'three links are more than a hop limit of 2');
  t.equal(c!.router.counters.dropped['hop-limit-exceeded'], 1, 'C, holding it with one hop left, drops it');
  d!.router.send(a!.id, text('near enough'));
  t.ok(await mesh.clock.runUntil(() => a!.received.length === 1, 60_000), "D's default hop limit (8) is plenty");
  await mesh.stop();
});

t.test('a loop between two relays is cut at once: the next hop is where it came from', async (t) => {
  // S -> A -> B, and for X: A says B, B says A.
  const x = makeNode('X');
  const names = ['S', 'A', 'B'];
  const mesh = await createMesh(names, lineEdges(names), { routes: { S: { '*': 'A' }, A: { '*': 'B' }, B: { '*': 'A' } } });
  mesh.node('S').router.send(x.id, text('lost'));
  await mesh.clock.advance(60_000);
  t.equal(mesh.dropped('loop'), 1, 'counted as a loop');
  t.equal(mesh.node('B').router.counters.dropped.loop, 1, 'by B, which would send it back to A');
  t.equal(mesh.forwarded(), 1, 'it crossed A -> B once, no more');

  mesh.node('A').router.send(x.id, text('mine'));
  await mesh.clock.advance(60_000);
  t.equal(mesh.node('B').router.counters.dropped.loop, 2, 'from A itself too: B does not bounce it back');
  await mesh.stop();
});

t.test('a loop of three relays ends by the hop limit, and is counted', async (t) => {
  const x = makeNode('X');
  const mesh = await createMesh(['S', 'A', 'B', 'C'], [['S', 'A'], ['A', 'B'], ['B', 'C'], ['C', 'A']], {
    routes: { S: { '*': 'A' }, A: { '*': 'B' }, B: { '*': 'C' }, C: { '*': 'A' } },
    init: { defaultHopLimit: 8 },
  });
  mesh.node('S').router.send(x.id, text('round and round'));
  await mesh.clock.advance(120_000);
  t.equal(mesh.dropped('hop-limit-exceeded'), 1, 'dropped once its hops ran out');
  t.equal(mesh.forwarded(), 7, 'S sent it with 8 hops; 7 relays forwarded it, the 8th dropped it');

  // Sent from inside the loop, it comes back to its source, which knows it for a loop at once.
  mesh.node('A').router.send(x.id, text('mine'));
  await mesh.clock.advance(120_000);
  t.equal(mesh.node('A').router.counters.dropped.loop, 1, 'A recognises its own envelope');
  t.equal(mesh.forwarded(), 7 + 2, 'after B and C forwarded it once each');
  await mesh.stop();
});

t.test("a relay's link cut for three days: everything arrives once it is restored, exactly once and in order", async (t) => {
  const mesh = await createMesh(LINE, lineEdges(LINE), { routes: lineRoutes(LINE) });
  const [a, b, , d] = LINE.map(mesh.node);
  a!.router.send(d!.id, text('before'));
  t.ok(await mesh.clock.runUntil(() => d!.received.length === 1, 60_000));

  mesh.medium.cut('B', 'C');
  const during = Array.from({ length: 12 }, (_, i) => text(`during the cut, message ${i}`));
  for (const message of during) a!.router.send(d!.id, message);
  await mesh.clock.advance(3 * 24 * 3600_000);
  t.equal(d!.received.length, 1, 'nothing crosses the cut');
  t.equal(b!.link.pendingCount(mesh.idOf('C')), 12, "B's link outbox holds them all");

  mesh.medium.restore('B', 'C');
  t.ok(await mesh.clock.runUntil(() => d!.received.length === 13, 3_600_000), 'they arrive after the cut');
  await mesh.clock.advance(60_000);
  t.same(d!.received, [`A:${hex(text('before'))}`, ...during.map((message) => `A:${hex(message)}`)]);
  t.equal(mesh.dropped('duplicate'), 0);
  t.equal(b!.link.pendingCount(mesh.idOf('C')), 0);
  await mesh.stop();
});

t.test('an envelope delivered twice (a relay rebooted in its crash window, or replays) is delivered once', async (t) => {
  const names = ['A', 'B', 'C'];
  const mesh = await createMesh(names, lineEdges(names), { routes: lineRoutes(names) });
  const [a, b, c] = names.map(mesh.node);
  a!.router.send(c!.id, text('once'));
  t.ok(await mesh.clock.runUntil(() => c!.received.length === 1, 60_000));
  // B hands the envelope it received to its link again, as it would after a crash before its link recorded the delivery.
  b!.link.send(c!.id, Buffer.from(b!.envelopesSeen[0]!, 'hex'));
  await mesh.clock.advance(30_000);
  t.equal(c!.envelopesSeen.length, 2, 'C received the envelope twice');
  t.same(c!.received, [`A:${hex(text('once'))}`], 'and delivered it once');
  t.equal(c!.router.counters.dropped.duplicate, 1, 'the second counted as a duplicate');
  await mesh.stop();
});

t.test('a relay cannot alter, redirect or forge: the seal fails and the envelope is dropped', async (t) => {
  const names = ['A', 'B', 'C'];
  const mesh = await createMesh(names, lineEdges(names), { routes: lineRoutes(names) });
  const [a, b, c] = names.map(mesh.node);
  a!.router.send(c!.id, text('pay 1000 msat'));
  t.ok(await mesh.clock.runUntil(() => b!.envelopesSeen.length === 1, 60_000));
  const original = Buffer.from(b!.envelopesSeen[0]!, 'hex');
  const flipped = Uint8Array.from(original);
  flipped[flipped.length - 20]! ^= 1;
  b!.link.send(c!.id, flipped);
  const otherId = Uint8Array.from(original);
  otherId[70]! ^= 1; // inside the message id
  b!.link.send(c!.id, otherId);
  // B claims to be... A, sealing with its own key: C derives the key from A's id, and it does not open.
  const forged = decodeEnvelope(original);
  if (forged.kind !== 'routed') throw new Error('expected a routed envelope');
  const header = { source: a!.id, destination: c!.id, messageId: randomBytes(8) };
  const wrongKey = endToEndKey(nodeKeyFromSecret(b!.secretKey).ecdh(Buffer.from(c!.id, 'hex')), a!.id, c!.id);
  b!.link.send(c!.id, encodeEnvelope({ kind: 'routed', ...header, hopLimit: 5, sealed: sealPayload(wrongKey, header.messageId, associatedData(header), text('pay 9999 msat')) }));
  await mesh.clock.advance(30_000);
  t.same(c!.received, [`A:${hex(text('pay 1000 msat'))}`], 'only the genuine envelope is delivered');
  t.equal(c!.router.counters.dropped['bad-seal'], 3);
  await mesh.stop();
});

t.test('nothing a neighbour sends crashes the router: bad envelopes are dropped and counted', async (t) => {
  const names = ['A', 'B'];
  const mesh = await createMesh(names, lineEdges(names));
  const [a, b] = names.map(mesh.node);
  b!.link.send(a!.id, new Uint8Array(0));
  b!.link.send(a!.id, Uint8Array.of(0x42, 1, 2, 3));
  b!.link.send(a!.id, Uint8Array.of(0x10, ...new Uint8Array(40)));
  await mesh.clock.advance(30_000);
  t.equal(a!.router.counters.dropped.malformed, 3);
  t.same(a!.received, []);

  let inputs = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      inputs++;
      a!.router.receiveEnvelope(b!.id, bytes);
    }),
    { numRuns: 3000 },
  );
  t.equal(a!.router.counters.dropped['internal-error'], 0, `${inputs} random inputs, no internal error`);
  await mesh.stop();
});

t.test('construction: a bad table names the entry; a missing component is an error now', async (t) => {
  const self = makeNode('self');
  const neighbour = makeNode('neighbour');
  const far = makeNode('far');
  const stranger = makeNode('stranger');
  const components = { link: { send() {}, queued: () => ({ messages: 0, bytes: 0, oldestSeq: undefined }), on() {}, off() {} }, nodeKey: nodeKeyFromSecret(self.secretKey), randomBytes, seen: new MemorySeenMessages() };
  const field = (run: () => unknown) => {
    try {
      run();
      return 'no error';
    } catch (error) {
      return error instanceof InvalidInputError ? error.field : String(error);
    }
  };
  t.equal(field(() => new Router(components, { routes: { [far.id]: stranger.id }, neighbours: [neighbour.id] })), `routes[${JSON.stringify(far.id)}]`, 'a next hop that is not a neighbour');
  t.equal(field(() => new Router(components, { routes: { [self.id]: neighbour.id }, neighbours: [neighbour.id] })), `routes[${JSON.stringify(self.id)}]`, 'a route to ourselves');
  t.equal(field(() => new Router(components, { routes: {}, neighbours: [self.id] })), 'neighbours');
  t.equal(field(() => new Router(components, { routes: {}, neighbours: [neighbour.id], defaultHopLimit: 0 })), 'defaultHopLimit');
  t.equal(field(() => new Router(components, { routes: {}, neighbours: [neighbour.id], knownSources: ['not a node id'] })), 'knownSources[0]', 'a known source that is not a node id');
  t.equal(field(() => new Router(components, { routes: {}, neighbours: [neighbour.id], relay: { maxRelayedPerSource: -1 } })), 'maxRelayedPerSource', 'a relay bound below 1');
  t.equal(field(() => new Router({ ...components, seen: undefined as never }, { routes: {}, neighbours: [] })), 'seen');
  const router = new Router(components, { routes: { [far.id]: neighbour.id }, neighbours: [neighbour.id] });
  t.equal(router.nextHop(far.id), neighbour.id);
  t.equal(router.nextHop(neighbour.id), neighbour.id, 'a neighbour needs no entry');
  t.equal(router.nextHop(stranger.id), undefined);
  t.throws(() => router.send(stranger.id, text('x')), NoRouteError);
  t.equal(field(() => router.send(self.id, text('x'))), 'destination', 'not to ourselves');
  t.equal(field(() => router.send('02ab', text('x'))), 'destination');
});
