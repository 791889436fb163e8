// The gateway's router sends through its mailbox: what is for a node that is
// away waits there (within its quota), and reaches it, in order, once the
// node is back and its session is up.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mailbox, MailboxFullError } from '../../../gateway/relay/mailbox.js';
import { MailboxLink } from '../../../gateway/relay/mailbox-link.js';
import { createMemoryMedium } from '../../../transports/memory.js';
import { LinkSet } from '../../../transports/router/link-set.js';
import { VirtualClock, createLink, makeNode } from '../../transports/link/link-network.js';

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
