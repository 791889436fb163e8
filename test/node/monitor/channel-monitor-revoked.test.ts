// A revoked commitment that leaves the cheater nothing to take (its balance
// was zero in that state, no HTLC): no justice was signed for it, yet it is
// a breach, and the victim's own balance on it is the victim's to sweep.
// Before, the victim took it for "one of our own old states" and swept
// nothing: its money sat at its payment key, which no wallet watches.
import t from 'tap';
import { scriptResult } from '../bolt3/interpreter.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';

for (const channelType of ['anchors', 'static_remotekey'] as const) {
  t.test(`${channelType}: the fundee broadcasts its first commitment, where it had nothing`, async (t) => {
    const network = createNetwork({ nodes: 2, channels: { init: { channelType } } });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    const handle = openChannel(network, alice, bob, 1_000_000);
    const empty = bob.manager.forceCloseTransaction(alice.id, handle);
    alice.manager.pay(bob.id, handle, bob.manager.receive(10_000_000, 800_000));
    network.run();
    t.equal(bob.manager.balances()[0]!.localMsat, 10_000_000, 'Bob was paid: his first commitment is revoked');

    const height = 800_010;
    alice.manager.transactionsConfirmed(height, '', [empty]);
    alice.manager.bestBlockUpdated(height + 1);
    const onchain = alice.manager.channelSummaries()[0]!.onchain!;
    t.equal(onchain.kind, 'revoked', 'Alice sees a breach, not an old state of her own');
    const closed = alice.events.find((event) => event.type === 'channel_force_closed');
    t.match(closed, { reason: /nothing of its own/ }, 'and says there was nothing to punish');
    t.same(onchain.claims.map((claim) => claim.description), ['to_remote'], 'no justice: only her own balance to sweep');

    const sweep = alice.broadcast.find((tx) => tx.ins.some((input) => Buffer.from(input.hash).equals(Buffer.from(empty.getHash()))));
    t.ok(sweep, 'swept');
    const vout = sweep!.ins[0]!.index;
    t.equal(scriptResult(sweep!, 0, { scriptPubKey: empty.outs[vout]!.script, satoshis: Number(empty.outs[vout]!.value) }), 'OK', "bcoin's interpreter accepts the sweep");
    t.ok(Number(sweep!.outs[0]!.value) > 980_000, `nearly all her balance (${sweep!.outs[0]!.value} sat)`);
  });
}
