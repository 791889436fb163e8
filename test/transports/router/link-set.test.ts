// The links of a node, one per transport, as one for the router: a message
// goes out on the link of its neighbour, and what any link delivers comes out
// of the set.
import t from 'tap';
import { InvalidInputError } from '../../../node/core/input.js';
import { LinkError } from '../../../transports/link/link.js';
import { MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import { createMemoryMedium } from '../../../transports/memory.js';
import { LinkSet } from '../../../transports/router/link-set.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { createLink } from '../../../sim/kit/test-link.js';
import { hex, makeNode } from '../../../sim/kit/link-node.js';

t.test('B hears A on one medium and C on another, through one set', async (t) => {
  const clock = new VirtualClock();
  const [radio, wire] = [createMemoryMedium({ delayMs: 20, clock }), createMemoryMedium({ delayMs: 5, clock })];
  const [a, b, c] = ['A', 'B', 'C'].map(makeNode) as [ReturnType<typeof makeNode>, ReturnType<typeof makeNode>, ReturnType<typeof makeNode>];
  const outbox = new MemoryLinkOutbox(); // B's links share it: sequences are per neighbour
  const bRadio = createLink(radio, clock, b, [a], { outbox });
  const bWire = createLink(wire, clock, b, [c], { outbox });
  const aLink = createLink(radio, clock, a, [b]);
  const cLink = createLink(wire, clock, c, [b]);
  const set = new LinkSet([bRadio, bWire]);
  t.same(set.neighbours().sort(), [a.id, c.id].sort(), 'the neighbours of both links');
  await Promise.all([bRadio, bWire, aLink, cLink].map((link) => link.start()));
  t.teardown(() => Promise.all([bRadio, bWire, aLink, cLink].map((link) => link.stop())));

  const heardByB: string[] = [];
  set.on('message', (peer, message) => heardByB.push(`${peer === a.id ? 'A' : 'C'}:${Buffer.from(message).toString()}`));
  const heard: Record<string, string[]> = { A: [], C: [] };
  aLink.on('message', (_peer, message) => heard.A!.push(Buffer.from(message).toString()));
  cLink.on('message', (_peer, message) => heard.C!.push(Buffer.from(message).toString()));

  t.equal(set.send(a.id, Buffer.from('to A')), 1, "A's first sequence");
  t.equal(set.send(c.id.toUpperCase(), Buffer.from('to C')), 1, "C's first sequence: its own (ids in either case)");
  aLink.send(b.id, Buffer.from('from A'));
  cLink.send(b.id, Buffer.from('from C'));
  await clock.runUntil(() => heard.A!.length + heard.C!.length + heardByB.length === 4, 60_000);
  t.same(heard, { A: ['to A'], C: ['to C'] }, 'each went out on its neighbour\'s medium only');
  t.same(heardByB.sort(), ['A:from A', 'C:from C'], 'both media deliver through the set');
  t.equal(radio.stats.sent > 0 && wire.stats.sent > 0, true, 'both media carried frames');

  t.throws(() => set.send(hex(new Uint8Array(33).fill(2)), Buffer.from('x')), LinkError, 'a peer on no link is refused');
  set.detach();
  cLink.send(b.id, Buffer.from('after detach'));
  await clock.advance(10_000);
  t.equal(heardByB.length, 2, 'a detached set hears nothing more');
});

t.test('a neighbour on two links is refused', async (t) => {
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ clock });
  const [a, b] = [makeNode('A'), makeNode('B')];
  t.throws(() => new LinkSet([createLink(medium, clock, a, [b]), createLink(medium, clock, a, [b])]), InvalidInputError);
});
