// The node's on-chain half, assembled: mesh nodes and a gateway on an
// embedded bcoin regtest chain, in one process, over the in-memory medium.
// Nothing here hands a block to a channel manager: the nodes learn of the
// chain only through the gateway's chain feed (compact headers and the
// transactions that touch their channels, with merkle proofs), and act on
// it themselves. Short policies (a 40-block horizon) keep the chain short.
//
// - A force close by either side: both get their money back, to the satoshi.
// - A payee that stops for ever with an HTLC committed to it: the forwarder
//   times it out on chain and fails it back; the payer loses nothing.
// - A payee whose payer goes silent after the HTLC is committed: it claims
//   the HTLC on chain with its preimage before the expiry.
// - A breach while the gateway's tower is stopped: the victim, online,
//   punishes it itself; the cheater's side of the channel is closed too.
// - A 6-block reorg under a confirmed claim: both nodes follow the new
//   branch from the feed; the commitment and the claim confirm again.
import t, { type Test } from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { coinbaseAt, mineToSegwit } from '../../gateway/chain/regtest-coins.js';
import { p2wpkh } from '../../node/bolt3/scripts.js';
import { ChannelManager, type ManagerEvent } from '../../node/channel/manager.js';
import { systemClock } from '../../node/core/clock.js';
import { publicKeyOf } from '../../node/core/curve.js';
import { MeshNode } from '../../node/mesh-node.js';
import { MemoryPersister } from '../../node/persist/persister.js';
import { MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { createMemoryMedium } from '../../transports/memory.js';
import { MemorySeenMessages } from '../../transports/router/seen-messages.js';
import { TIMING, coinbaseWallet, gatewayFor } from '../gateway/gateway-harness.js';
import { randomBytes } from '../../sim/kit/random.js';
import { warningsInto } from '../../sim/kit/logger.js';
import { signerOf } from '../../sim/kit/signer-of.js';
import { nullBroadcaster } from '../../sim/kit/broadcaster.js';

const NAMES = ['alice', 'bob', 'carol'] as const;
type Name = (typeof NAMES)[number];
const POLICY = { offlineHorizonBlocks: 40, marginBlocks: 8 };
/** The delays and expiry deltas that policy gives: horizon + margin. */
const DELAY = 48;

/** A gateway and three nodes in a line (Alice - Bob - Carol), each also a neighbour of the gateway. */
async function meshOnChain(t: Test, keyByte: number) {
  const medium = createMemoryMedium({ delayMs: 2, clock: systemClock });
  const signers = { alice: signerOf(20), bob: signerOf(21), carol: signerOf(22) };
  const ids = Object.fromEntries(NAMES.map((name) => [name, bytesToHex(signers[name].nodeId)])) as Record<Name, string>;
  const warnings: string[] = [];
  const { chain, gateway, gatewayId } = await gatewayFor(
    t,
    keyByte,
    { links: [{ transport: medium.createTransport('gateway'), neighbours: NAMES.map((name) => ({ nodeId: ids[name], address: name })), timing: TIMING }] },
    warningsInto(warnings, 'gateway: '),
  );
  await mineToSegwit(chain);
  const coins = await Promise.all([1, 2, 3, 4].map((height) => coinbaseAt(chain, height)));
  await gateway.start();
  t.teardown(() => gateway.stop());
  const neighboursOf: Record<Name, Name[]> = { alice: ['bob'], bob: ['alice', 'carol'], carol: ['bob'] };
  const sweepKeys = Object.fromEntries(NAMES.map((name, i) => [name, sha256(Uint8Array.of(0xc0, i))])) as Record<Name, Uint8Array>;
  const persisters = Object.fromEntries(NAMES.map((name) => [name, new MemoryPersister()])) as Record<Name, MemoryPersister>;
  const events = Object.fromEntries(NAMES.map((name) => [name, [] as ManagerEvent[]])) as Record<Name, ManagerEvent[]>;
  // What a device keeps across a restart: its channels, its link outbox (the link's sequence numbers) and the messages it has seen.
  const outboxes = Object.fromEntries(NAMES.map((name) => [name, new MemoryLinkOutbox()])) as Record<Name, MemoryLinkOutbox>;
  const seen = Object.fromEntries(NAMES.map((name) => [name, new MemorySeenMessages()])) as Record<Name, MemorySeenMessages>;
  const makeNode = (name: Name) => {
    const node = new MeshNode(
      {
        signer: signers[name],
        persister: persisters[name],
        outbox: outboxes[name],
        seen: seen[name],
        wallet: coinbaseWallet(name === 'alice' ? coins.slice(0, 2) : name === 'bob' ? coins.slice(2) : [], sweepKeys[name]),
        clock: systemClock,
        randomBytes,
        logger: warningsInto(warnings, `${name}: `),
      },
      {
        channels: { network: 3, minimumDepth: 1, channelType: 'static_remotekey', policy: POLICY },
        links: [{ transport: medium.createTransport(name), neighbours: [...neighboursOf[name].map((other) => ({ nodeId: ids[other], address: other })), { nodeId: gatewayId, address: 'gateway' }], timing: TIMING }],
        routes: { ...(name === 'alice' && { [ids.carol]: ids.bob }), ...(name === 'carol' && { [ids.alice]: ids.bob }), '*': gatewayId },
        gateway: { nodeId: gatewayId, network: 'regtest', pollIntervalMs: 1_000 },
      },
    );
    node.manager.on('event', (event) => events[name].push(event));
    return node;
  };
  const nodes = Object.fromEntries(NAMES.map((name) => [name, makeNode(name)])) as Record<Name, MeshNode>;
  const running = new Set<Name>(NAMES);
  await Promise.all(NAMES.map((name) => nodes[name].start()));
  t.teardown(() => Promise.all([...running].map((name) => nodes[name].stop())));

  const until = async (what: string, done: () => boolean | Promise<boolean>, limitMs = 30_000) => {
    const start = Date.now();
    while (!(await done())) {
      if (Date.now() - start > limitMs) throw new Error(`timed out waiting: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const tip = async () => (await chain.tip()).height;
  /**
   * Mines `count` blocks one at a time, each taken before the next by every
   * running node that has something on the chain to follow (the others take
   * blocks a few at a time, as idle nodes do).
   */
  const mine = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const busy = [...running].filter((name) => nodes[name].manager.needsEveryBlock());
      await chain.mine(1);
      const height = await tip();
      await until(`${busy.join(', ')} at ${height}`, () => busy.every((name) => nodes[name].manager.chainHeight >= height));
      // What they broadcast on that block reaches the gateway before the next one is mined.
      await new Promise((resolve) => setTimeout(resolve, 10));
      await until('their broadcasts answered by the gateway', () => [...running].every((name) => nodes[name].uplink!.unansweredBroadcastCount === 0));
    }
  };
  const stop = async (name: Name) => {
    running.delete(name);
    await nodes[name].stop();
  };
  /** Stops a node and starts a new MeshNode on what it kept, as a device does when it reboots. */
  const restart = async (name: Name) => {
    await stop(name);
    nodes[name] = makeNode(name);
    await nodes[name].start();
    running.add(name);
  };
  const open = async (from: Name, to: Name, satoshis: number, pushMsat = 0) => {
    const handle = nodes[from].manager.openChannel(ids[to], satoshis, pushMsat);
    await until(`${from}'s funding reaches the mempool`, async () => (await chain.status(nodes[from].manager.channelSummaries().find((c) => c.handle === handle)?.fundingTxid ?? '00'.repeat(32))).state === 'mempool');
    await mine(1);
    await until(`${from} - ${to} open`, () => [from, to].every((name) => nodes[name].manager.channelSummaries().some((c) => c.handle === handle && c.status === 'open')));
    return handle;
  };
  /** What a node's sweeps paid to its wallet: outputs to its sweep script in confirmed transactions. */
  const swept = async (name: Name, txids: Iterable<string>) => {
    const script = bytesToHex(p2wpkh(publicKeyOf(sweepKeys[name])));
    let total = 0;
    for (const txid of new Set(txids)) {
      const tx = await chain.transaction(txid);
      if ((await chain.status(txid)).state !== 'confirmed' || !tx) continue;
      for (const output of tx.outs) if (bytesToHex(output.script) === script) total += Number(output.value);
    }
    return total;
  };
  const spendable = (name: Name) => events[name].flatMap((event) => (event.type === 'funds_spendable' ? [event] : []));
  return { chain, gateway, nodes, ids, events, warnings, until, mine, stop, restart, open, swept, spendable, tip, persisters, signers };
}

t.test('a force close by either side: both wallets get their money back, to the satoshi', { timeout: 180_000 }, async (t) => {
  for (const closer of ['alice', 'bob'] as const) {
    await t.test(`closed by ${closer}`, async (t) => {
      const mesh = await meshOnChain(t, closer === 'alice' ? 0x41 : 0x42);
      const { nodes, ids, chain } = mesh;
      const handle = await mesh.open('alice', 'bob', 1_000_000, 300_000_000);
      const before = nodes.alice.manager.balances()[0]!;
      const other = closer === 'alice' ? 'bob' : 'alice';
      nodes[closer].manager.forceClose(ids[other], handle);
      const closed = mesh.events[closer].find((event) => event.type === 'channel_force_closed')!;
      t.ok(closed && closed.type === 'channel_force_closed', `${closer} broadcast its commitment`);
      const commitmentTxid = closed.type === 'channel_force_closed' ? closed.commitmentTxid : '';
      await mesh.until('the commitment is in the mempool', async () => (await chain.status(commitmentTxid)).state === 'mempool');
      await mesh.mine(1);
      t.ok(
        nodes[other].manager.channelSummaries().some((c) => c.handle === handle && c.status === 'force_closed'),
        `${other} noticed the close from the feed alone, and its channels say so`,
      );
      // The closer's to_local waits out the delay the other imposed; the other's output is its own at once.
      await mesh.mine(DELAY + 2);
      await mesh.until('both swept', () => mesh.spendable('alice').length > 0 && mesh.spendable('bob').length > 0);
      const commitment = (await chain.transaction(commitmentTxid))!;
      /** What a party's claims took from the commitment, and what they paid in fees. */
      const claimsOf = async (name: 'alice' | 'bob') => {
        let taken = 0;
        let fees = 0;
        for (const { txid } of mesh.spendable(name)) {
          const tx = (await chain.transaction(txid))!;
          const input = tx.ins.reduce((sum, each) => sum + Number(commitment.outs[each.index]!.value), 0);
          taken += input;
          fees += input - tx.outs.reduce((sum, output) => sum + Number(output.value), 0);
        }
        return { taken, fees, got: await mesh.swept(name, mesh.spendable(name).map((event) => event.txid)) };
      };
      const [alice, bob] = [await claimsOf('alice'), await claimsOf('bob')];
      const commitmentFee = 1_000_000 - commitment.outs.reduce((sum, output) => sum + Number(output.value), 0);
      t.equal(bob.taken, before.remoteMsat / 1000, `Bob's claims took his whole balance from the commitment: ${bob.taken} sat`);
      t.equal(bob.got, bob.taken - bob.fees, `and his wallet got it less his claim's fee of ${bob.fees} sat: ${bob.got}`);
      t.equal(alice.taken, before.localMsat / 1000 - commitmentFee, `Alice's claims took her balance less the commitment fee she pays as funder (${commitmentFee} sat): ${alice.taken}`);
      t.equal(alice.got, alice.taken - alice.fees, `and her wallet got it less her claim's fee of ${alice.fees} sat: ${alice.got}`);
      t.equal(alice.got + bob.got + alice.fees + bob.fees + commitmentFee, 1_000_000, 'every satoshi of the channel is accounted for');
      t.same(mesh.warnings.filter((warning) => /internal error|threw/.test(warning)), [], 'no internal error');
    });
  }
});

t.test('a payee that stops for ever: the forwarder times the HTLC out on chain and fails it back; the payer loses nothing', { timeout: 180_000 }, async (t) => {
  const mesh = await meshOnChain(t, 0x43);
  const { nodes, ids, chain } = mesh;
  const ab = await mesh.open('alice', 'bob', 1_000_000);
  const bc = await mesh.open('bob', 'carol', 1_000_000);
  const aliceBefore = nodes.alice.manager.balances().find((channel) => channel.handle === ab)!;
  // Carol holds what is paid to her (as a node does while its view of the chain is stale), then stops for ever.
  nodes.carol.manager.setChainSynced(false);
  const request = nodes.carol.manager.receive(50_000_000, nodes.carol.manager.chainHeight);
  nodes.alice.manager.payRequest(request);
  const pendingAt = (name: 'bob' | 'carol', handle: number) => nodes[name].manager.balances().find((channel) => channel.handle === handle)?.pendingHtlcs ?? 0;
  await mesh.until('the HTLC is committed on both channels', () => pendingAt('bob', bc) === 1 && pendingAt('carol', bc) === 1 && nodes.alice.manager.balances()[0]!.pendingHtlcs === 1);
  await mesh.stop('carol');
  const expiry = request.minFinalExpiry;
  t.ok(expiry > (await mesh.tip()), `the HTLC to Carol expires at ${expiry}`);

  // Blocks pass; at the expiry (and a grace of 3), Bob takes his channel with Carol on chain.
  await mesh.mine(expiry + 3 - (await mesh.tip()));
  const closed = mesh.events.bob.find((event) => event.type === 'channel_force_closed');
  t.match(closed, { type: 'channel_force_closed', ours: true, reason: /HTLC 0 we offered expired/ }, 'Bob force-closes with Carol, saying why');
  // His HTLC-timeout confirms; six blocks later he fails the payment back to Alice, off chain.
  await mesh.mine(10);
  const failed = mesh.events.alice.find((event) => event.type === 'payment_failed');
  t.ok(failed, 'Alice hears the payment failed');
  t.equal(nodes.alice.manager.balances().find((channel) => channel.handle === ab)!.pendingHtlcs, 0, "nothing pending on Alice's channel");
  t.equal(nodes.alice.manager.balances().find((channel) => channel.handle === ab)!.localMsat, aliceBefore.localMsat, 'Alice has all her balance back');
  t.notOk(mesh.events.alice.some((event) => event.type === 'channel_force_closed'), "Alice's channel stays open: Bob failed it back in time");
  // After Carol's delay on his outputs, Bob sweeps his balance and the HTLC's 50,000 sat back.
  await mesh.mine(DELAY + 2);
  const descriptions = mesh.spendable('bob').map((event) => event.description).sort();
  t.same(descriptions, ['htlc-timeout output', 'to_local'], 'Bob swept his to_local and the timed-out HTLC');
  const htlcOutput = mesh.spendable('bob').find((event) => event.description === 'htlc-timeout output')!;
  t.ok(htlcOutput.satoshis > 50_000 - 3_000 && htlcOutput.satoshis < 50_000, `the HTLC came back to Bob's wallet: ${htlcOutput.satoshis} sat of 50,000, less two fees`);
  t.ok((await chain.status(htlcOutput.txid)).state === 'confirmed', 'on chain');
  void ids;
  t.same(mesh.warnings.filter((warning) => /internal error|threw/.test(warning)), [], 'no internal error');
});

t.test('a breach while the tower is stopped: the victim punishes it itself; the cheated channel is closed on both sides', { timeout: 180_000 }, async (t) => {
  const mesh = await meshOnChain(t, 0x44);
  const { nodes, ids, chain, gateway } = mesh;
  const handle = await mesh.open('alice', 'bob', 1_000_000);
  // Alice keeps a copy of her state now, pays Bob 400,000 sat, and broadcasts the old state.
  const backup = new MemoryPersister();
  for (const [id, record] of mesh.persisters.alice.loadChannels()) backup.saveChannel(id, record);
  nodes.alice.manager.payRequest(nodes.bob.manager.receive(400_000_000, nodes.bob.manager.chainHeight));
  await mesh.until('paid', () => nodes.bob.manager.balances()[0]?.localMsat === 400_000_000 && nodes.alice.manager.balances()[0]!.pendingHtlcs === 0);
  await gateway.tower.stop();
  const cheat = new ChannelManager({ signer: mesh.signers.alice, persister: backup, messenger: { send: () => {} }, wallet: coinbaseWallet([], sha256(Uint8Array.of(9))), broadcaster: nullBroadcaster }, { network: 3 });
  const revoked = cheat.forceCloseTransaction(ids.bob, handle);
  t.ok((await chain.broadcast(revoked)).accepted, 'the revoked commitment is in the mempool');
  await mesh.until('Bob punishes it from the mempool announcement', () => mesh.events.bob.some((event) => event.type === 'breach'));
  const breach = mesh.events.bob.find((event) => event.type === 'breach')!;
  const justiceTxid = breach.type === 'breach' ? breach.justice.getId() : '';
  await mesh.until('his justice reaches the mempool', async () => (await chain.status(justiceTxid)).state === 'mempool');
  await mesh.mine(1);
  t.equal((await chain.status(justiceTxid)).state, 'confirmed', 'the justice confirms beside the breach');
  const got = await mesh.swept('bob', [justiceTxid]);
  t.ok(got > 1_000_000 - 5_000, `Bob's wallet has the whole channel: ${got} sat of 1,000,000 (Alice's 600,000 with it)`);
  t.equal(gateway.tower.responses().length, 0, 'the tower did nothing: it was stopped');
  t.ok(nodes.bob.manager.channelSummaries().some((channel) => channel.handle === handle && channel.status === 'force_closed'), "Bob's side of the channel is closed");
  await mesh.until("Alice's node sees its channel's funding spent", () => nodes.alice.manager.channelSummaries().some((channel) => channel.handle === handle && channel.status === 'force_closed'));
  t.throws(() => nodes.alice.manager.payRequest(nodes.bob.manager.receive(1_000, nodes.bob.manager.chainHeight)), /no channel leads/, 'and Alice can no longer pay over it');
  t.same(mesh.warnings.filter((warning) => /internal error|threw/.test(warning)), [], 'no internal error');
});

t.test('a payee whose payer goes silent claims the HTLC on chain with its preimage, before the expiry', { timeout: 180_000 }, async (t) => {
  const mesh = await meshOnChain(t, 0x45);
  const { nodes, chain } = mesh;
  await mesh.stop('carol');
  await mesh.open('alice', 'bob', 1_000_000);
  const request = nodes.bob.manager.receive(70_000_000, nodes.bob.manager.chainHeight);
  // Alice goes silent the moment Bob has the HTLC: his fulfill never reaches her.
  nodes.bob.manager.on('event', (event) => event.type === 'payment_received' && void mesh.stop('alice'));
  nodes.alice.manager.payRequest(request);
  await mesh.until('Bob has fulfilled it (off chain, unacknowledged)', () => mesh.events.bob.some((event) => event.type === 'payment_received'));
  const expiry = request.minFinalExpiry;
  await mesh.mine(expiry - 36 - (await mesh.tip()));
  const closed = mesh.events.bob.find((event) => event.type === 'channel_force_closed');
  t.match(closed, { ours: true, reason: /HTLC 0 we can claim expires at/ }, `Bob goes on chain 36 blocks before the expiry at ${expiry}`);
  await mesh.mine(3);
  const success = (nodes.bob.manager.channelSummaries()[0]!.onchain?.claims ?? []).find((claim) => claim.description.startsWith('htlc-success'));
  t.match(success, { state: 'confirmed' }, 'his HTLC-success transaction confirms');
  t.ok(success!.confirmedAt! < expiry, `at ${success!.confirmedAt}, before the expiry at ${expiry}`);
  await mesh.mine(DELAY + 2);
  const swept = mesh.spendable('bob').find((event) => event.description === 'htlc-success output');
  t.ok(swept && swept.satoshis > 70_000 - 3_000, `and after the delay its 70,000 sat reach his wallet, less two fees: ${swept?.satoshis}`);
  t.equal((await chain.status(swept!.txid)).state, 'confirmed', 'on chain');
});

t.test('a 6-block reorg under a claim: the nodes follow the new branch, the commitment and the claim confirm again, nothing lost', { timeout: 180_000 }, async (t) => {
  const mesh = await meshOnChain(t, 0x46);
  const { ids, chain } = mesh;
  await mesh.stop('carol');
  const handle = await mesh.open('alice', 'bob', 1_000_000, 300_000_000);
  await mesh.mine(8); // the funding stays below the reorg
  mesh.nodes.alice.manager.forceClose(ids.bob, handle);
  const commitmentTxid = mesh.nodes.alice.manager.channelSummaries()[0]!.onchain!.commitmentTxid;
  await mesh.until('the commitment is in the mempool', async () => (await chain.status(commitmentTxid)).state === 'mempool');
  await mesh.mine(1);
  const toRemote = () => mesh.nodes.bob.manager.channelSummaries()[0]?.onchain?.claims.find((claim) => claim.description === 'to_remote');
  await mesh.until("Bob's sweep of his to_remote is out", () => toRemote()?.state === 'broadcast');
  await mesh.mine(1);
  await mesh.until('and confirmed', () => toRemote()?.state === 'confirmed');
  const before = { height: toRemote()!.confirmedAt!, txid: toRemote()!.txid };
  t.equal(((await chain.status(before.txid)) as { height: number }).height, before.height, `Bob's view: confirmed at ${before.height}`);

  // Six blocks deep, the commitment and the sweep leave the best chain. Alice's node broadcasts her commitment
  // again while it is unconfirmed, Bob's node his sweep once the commitment is back.
  await mesh.mine(4);
  await chain.reorg(6);
  await mesh.until('Bob sees the reorg', () => toRemote()?.state !== 'confirmed');
  t.pass(`Bob's view: the sweep is unconfirmed again (${toRemote()?.state}), from the feed alone`);
  // Bob's device reboots now: what it stored of the reorg is what it goes on from.
  await mesh.restart('bob');
  t.not(toRemote()?.state, 'confirmed', 'restarted from its store, Bob still holds the sweep unconfirmed');
  for (let i = 0; i < 20 && !(toRemote()?.state === 'confirmed'); i++) await mesh.mine(1);
  const status = await chain.status(before.txid);
  t.equal(status.state, 'confirmed', 'the same sweep confirmed again on the new branch');
  const after = toRemote()!;
  t.equal(after.state, 'confirmed');
  t.equal(after.confirmedAt, (status as { height: number }).height, `and Bob's view moved with it: ${before.height} -> ${after.confirmedAt}`);
  const spendable = mesh.spendable('bob');
  t.same([...new Set(spendable.map((event) => event.txid))], [before.txid], 'one sweep, reported once per confirmation, never a second transaction');
  const got = await mesh.swept('bob', spendable.map((event) => event.txid));
  t.ok(got > 300_000 - 2_000, `Bob's wallet holds his 300,000 sat less one claim fee: ${got}`);
  t.same(mesh.warnings.filter((warning) => /internal error|threw/.test(warning)), [], 'no internal error');
});

t.test('a reorg that takes the funding out of the chain: both sides close, as rust-lightning does; the funding and a commitment confirm again, nothing lost', { timeout: 180_000 }, async (t) => {
  const mesh = await meshOnChain(t, 0x47);
  const { chain, nodes } = mesh;
  await mesh.stop('carol');
  const handle = await mesh.open('alice', 'bob', 1_000_000, 300_000_000);
  const fundingTxid = nodes.alice.manager.channelSummaries()[0]!.fundingTxid!;
  await mesh.mine(2);
  const fundingHeight = ((await chain.status(fundingTxid)) as { height: number }).height;
  // The reorg's branch is empty: the funding goes back to the gateway's mempool and confirms in the next block mined.
  await chain.reorg((await mesh.tip()) - fundingHeight + 1);
  t.equal((await chain.status(fundingTxid)).state, 'mempool', 'the funding left the chain for the mempool');
  await mesh.mine(1);
  for (const name of ['alice', 'bob'] as const) {
    const closed = mesh.events[name].find((event) => event.type === 'channel_force_closed');
    t.match(closed, { type: 'channel_force_closed', ours: true, reason: /a reorg took the funding transaction/ }, `${name} closed the channel, saying why`);
  }
  await mesh.mine(DELAY + 4);
  t.equal((await chain.status(fundingTxid)).state, 'confirmed', 'the funding confirmed again');
  const summaries = (['alice', 'bob'] as const).map((name) => nodes[name].manager.channelSummaries().find((c) => c.handle === handle)!);
  t.equal(summaries[0]!.onchain?.commitmentTxid, summaries[1]!.onchain?.commitmentTxid, `both agree on the commitment that confirmed (${summaries[0]!.onchain?.commitmentTxid})`);
  await mesh.until('both swept', () => mesh.spendable('alice').length > 0 && mesh.spendable('bob').length > 0);
  const bob = await mesh.swept('bob', mesh.spendable('bob').map((event) => event.txid));
  const alice = await mesh.swept('alice', mesh.spendable('alice').map((event) => event.txid));
  t.ok(bob > 300_000 - 2_000, `Bob's wallet holds his 300,000 sat less one claim fee: ${bob}`);
  t.ok(alice > 700_000 - 10_000, `Alice's holds her 700,000 sat less the commitment's and one claim's fees: ${alice}`);
  t.same(mesh.warnings.filter((warning) => /internal error|threw/.test(warning)), [], 'no internal error');
});
