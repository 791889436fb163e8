// The gateway's router sends through its mailbox: what is for a node that is
// away waits there (within its quota), and reaches it, in order, once the
// node is back and its session is up.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexToBytes } from '@noble/hashes/utils.js';
import { Mailbox, MailboxFullError } from '../../../gateway/relay/mailbox.js';
import { MailboxLink, type MailboxLinkInit, configuredStanding } from '../../../gateway/relay/mailbox-link.js';
import { createMemoryMedium } from '../../../transports/memory.js';
import { endToEndKey, nodeKeyFromSecret, sealPayload } from '../../../transports/router/end-to-end.js';
import { associatedData, decodeEnvelope, encodeEnvelope } from '../../../transports/router/envelope.js';
import { LinkSet } from '../../../transports/router/link-set.js';
import { Router } from '../../../transports/router/router.js';
import { MemorySeenMessages } from '../../../transports/router/seen-messages.js';
import { warningsInto } from '../../../sim/kit/logger.js';
import { type Node, makeNode } from '../../../sim/kit/link-node.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { createLink } from '../../../sim/kit/test-link.js';
import { randomBytes } from '../../../sim/kit/random.js';

t.test('mail for an absent node waits, then reaches it in order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-mailbox-link-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ delayMs: 30, clock });
  const [gateway, node] = [makeNode('gateway'), makeNode('node')];
  const gatewayLink = createLink(medium, clock, gateway, [node]);
  const nodeLink = createLink(medium, clock, node, [gateway]);
  const mailbox = new Mailbox(dir, clock, { maxMessagesPerNode: 3 });
  const relay = new MailboxLink(new LinkSet([gatewayLink]), mailbox);
  await gatewayLink.start();
  t.teardown(async () => {
    await Promise.all([gatewayLink.stop(), nodeLink.stop()]);
    await mailbox.close();
  });

  for (const text of ['first', 'second', 'third']) relay.send(node.id, Buffer.from(text));
  t.equal(relay.counters.mailed, 3, 'the node has no session: all three are mailed');
  t.throws(() => relay.send(node.id, Buffer.from('fourth')), MailboxFullError, 'a fourth is over its quota, refused');
  await clock.advance(3_600_000);
  t.equal(gatewayLink.pendingCount(node.id), 0, 'nothing sits in the link outbox meanwhile');

  const received: string[] = [];
  nodeLink.on('message', (_peer, message) => received.push(Buffer.from(message).toString()));
  await nodeLink.start();
  nodeLink.send(gateway.id, Buffer.from('hello, I am back')); // a node that comes back says so (it polls its gateway)
  t.ok(await clock.runUntil(() => received.length === 3, 600_000, 100), 'once its session is up, the mail arrives');
  t.same(received, ['first', 'second', 'third'], 'in order, once each');
  t.same(mailbox.pending(node.id), [], 'and the mailbox is empty');
  relay.send(node.id, Buffer.from('direct'));
  t.equal(relay.counters.mailed, 3, 'with the node up and nothing waiting, a message goes straight to the link');
  t.ok(await clock.runUntil(() => received.length === 4, 60_000, 100), 'and arrives');
});

/** A routed envelope from `from` to `to`, sealed as `from`'s router seals it. */
function sealedEnvelope(from: Node, to: Node, payload: Uint8Array): Uint8Array {
  const header = { source: from.id, destination: to.id, messageId: randomBytes(8) };
  const key = endToEndKey(nodeKeyFromSecret(from.secretKey).ecdh(hexToBytes(to.id)), from.id, to.id);
  return encodeEnvelope({ kind: 'routed', ...header, hopLimit: 8, sealed: sealPayload(key, header.messageId, associatedData(header), payload) });
}

/**
 * The gateway G with two neighbours: N, away, and M, a relay behind which
 * K lives (G's config routes K through M). Envelopes for N come in from M.
 */
async function floodedGateway(t: Test, init: (ids: { N: string; M: string; K: string; G: string }) => MailboxLinkInit) {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-mailbox-flood-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ delayMs: 30, clock, mtu: 255 });
  const [G, N, M, K] = [makeNode('gateway'), makeNode('node'), makeNode('relay'), makeNode('known')] as [Node, Node, Node, Node];
  const gatewayLink = createLink(medium, clock, G, [N, M]);
  const nodeLink = createLink(medium, clock, N, [G]);
  const mailbox = new Mailbox(dir, clock);
  const relay = new MailboxLink(new LinkSet([gatewayLink]), mailbox, init({ N: N.id, M: M.id, K: K.id, G: G.id }));
  // The mailbox's own bounds, without the router's hourly limit on what strangers relay (relay-ledger.test.ts).
  const relayBounds = { maxStrangerBytesPerHourPerNextHop: 2 ** 30 };
  const warnings: string[] = [];
  const router = new Router({ link: relay, nodeKey: nodeKeyFromSecret(G.secretKey), randomBytes, seen: new MemorySeenMessages(), clock, logger: warningsInto(warnings) }, { routes: { [K.id]: M.id }, neighbours: [N.id, M.id], relay: relayBounds });
  router.start();
  await gatewayLink.start();
  t.teardown(async () => {
    await Promise.all([gatewayLink.stop(), nodeLink.stop()]);
    await mailbox.close();
  });
  // 1,100 envelopes of 3.7 KB for N, each from a fresh key: 4 MiB, N's whole box before.
  for (let i = 0; i < 1100; i++) {
    const junk = encodeEnvelope({ kind: 'routed', source: makeNode('junk').id, destination: N.id, hopLimit: 8, messageId: randomBytes(8), sealed: randomBytes(3700) });
    router.receiveEnvelope(M.id, junk);
  }
  return { clock, G, N, M, K, mailbox, router, nodeLink, warnings };
}

t.test("junk from 1,100 fresh keys floods a node's box: before, its genuine mail was refused", async (t) => {
  // Without a notion of standing every source counts as known, as every source did before: one at a time, junk fills the box.
  const { N, K, M, mailbox, router } = await floodedGateway(t, () => ({}));
  t.equal(mailbox.held(N.id).messages, 1000, 'the box holds 1,000 junk envelopes');
  router.receiveEnvelope(M.id, sealedEnvelope(K, N, Buffer.from('genuine, from K')));
  t.equal(router.counters.dropped['link-refused'], 101, "K's genuine envelope is refused with the last 100 junk");
  t.throws(() => router.send(N.id, Buffer.from("the gateway's answer")), MailboxFullError, "and so is the gateway's own");
});

t.test("junk from 1,100 fresh keys floods a node's box: its genuine mail gets through, and goes out first", async (t) => {
  const { clock, G, N, M, K, mailbox, router, nodeLink, warnings } = await floodedGateway(t, ({ N, M, K, G }) => ({ ownId: G, standing: configuredStanding([N, M, K]) }));
  const junkHeld = mailbox.held(N.id);
  t.ok(junkHeld.messages <= mailbox.limits.maxStrangerMessagesPerNode && junkHeld.bytes <= mailbox.limits.maxStrangerBytesPerNode, `strangers hold their share of N's box, no more: ${junkHeld.messages} messages, ${junkHeld.bytes} bytes (before: 1,000 and 4 MB)`);
  t.equal(router.counters.dropped['link-refused'], 1100 - junkHeld.messages, 'the rest of the junk is refused');
  t.equal(warnings.length, 1, 'with one warning in the log, not one per envelope');
  t.match(warnings[0], /holds all it takes from sources the gateway does not know/);

  router.receiveEnvelope(M.id, sealedEnvelope(K, N, Buffer.from('genuine, from K')));
  router.send(N.id, Buffer.from("the gateway's answer"));
  t.equal(mailbox.held(N.id).messages, junkHeld.messages + 2, "K's envelope and the gateway's own are mailed");

  const nodeRouter = new Router({ link: nodeLink, nodeKey: nodeKeyFromSecret(N.secretKey), randomBytes, seen: new MemorySeenMessages() }, { routes: {}, neighbours: [G.id] });
  const received: string[] = [];
  const envelopes: string[] = [];
  nodeLink.on('message', (_peer, envelope) => {
    const decoded = decodeEnvelope(envelope);
    envelopes.push(decoded.kind === 'direct' ? 'G' : decoded.source === K.id ? 'K' : 'junk');
  });
  nodeRouter.on('message', (source, payload) => received.push(`${source === K.id ? 'K' : source === G.id ? 'G' : source}:${Buffer.from(payload).toString()}`));
  nodeRouter.start();
  await nodeLink.start();
  nodeLink.send(G.id, Buffer.from('back')); // N comes back and says so
  t.ok(await clock.runUntil(() => received.length === 2, 3_600_000, 100), 'N gets both genuine messages');
  t.same(received.sort(), ["G:the gateway's answer", 'K:genuine, from K']);
  t.same(envelopes.slice(0, 2), ['G', 'K'], 'first of all, before any junk: the gateway\'s own, then the known source\'s');
});
