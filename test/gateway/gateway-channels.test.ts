// The gateway as a channel peer, in one process with real parts: a gateway
// on an embedded bcoin regtest chain with its mesh channels in an lmdb
// store, and two mesh nodes, Alice and Bob, each a neighbour of the gateway
// only, following the chain through its feed (in-memory medium). Both open
// channels to the gateway while the gateway protocol keeps serving them
// (their funding is broadcast and proven through it). Alice pays Bob through
// the gateway while Bob is away: the gateway takes Alice's HTLC and forwards
// it; it is then restarted from its stores (a new Gateway on the same
// parts), Bob comes back, and the payment completes: Bob is paid, Alice has
// the preimage, the gateway holds exactly what it held. Alice then closes
// alone: the gateway sweeps its side to its own key. A gateway without
// channel parts drops channel messages, with a warning.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { coinbaseAt, mineToSegwit } from '../../gateway/chain/regtest-coins.js';
import { gatewayChannelWallet } from '../../gateway/channels/channel-wallet.js';
import { GatewaySigner } from '../../gateway/channels/gateway-signer.js';
import { Gateway, type GatewayConfig, gatewayKeyFromSecret } from '../../gateway/gateway.js';
import type { ManagerEvent } from '../../node/channel/manager.js';
import { systemClock } from '../../node/core/clock.js';
import { MeshNode } from '../../node/mesh-node.js';
import { LmdbPersister } from '../../node/persist/lmdb.js';
import { MemoryPersister } from '../../node/persist/persister.js';
import { encodeMessage } from '../../node/wire/messages.js';
import { p2wpkh } from '../../node/bolt3/scripts.js';
import { MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { createMemoryMedium } from '../../transports/memory.js';
import { MemorySeenMessages } from '../../transports/router/seen-messages.js';
import { warningsInto } from '../../sim/kit/logger.js';
import { randomBytes } from '../../sim/kit/random.js';
import { signerOf } from '../../sim/kit/signer-of.js';
import { TIMING, coinbaseWallet, gatewayFor } from './gateway-harness.js';

const NAMES = ['alice', 'bob'] as const;
type Name = (typeof NAMES)[number];

async function until(what: string, done: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await done())) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('nodes open channels to the gateway; it forwards between them, also across its restart mid-payment', { timeout: 120_000 }, async (t) => {
  const medium = createMemoryMedium({ delayMs: 2, clock: systemClock });
  const signers = { alice: signerOf(30), bob: signerOf(31) };
  const ids = Object.fromEntries(NAMES.map((name) => [name, bytesToHex(signers[name].nodeId)])) as Record<Name, string>;
  const warnings: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-gateway-channels-'));
  const persister = new LmdbPersister(join(dir, 'channels'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A fresh transport at each (re)start, as a daemon opens its link again.
  const config = (): GatewayConfig => ({
    links: [{ transport: medium.createTransport('gateway'), neighbours: NAMES.map((name) => ({ nodeId: ids[name], address: name })), timing: TIMING }],
    channels: { network: 3, minimumDepth: 1 },
  });
  let signer: GatewaySigner | undefined;
  const channels = (secretKey: Uint8Array) => {
    signer = new GatewaySigner(gatewayKeyFromSecret(secretKey), secretKey);
    return { signer, persister, wallet: gatewayChannelWallet(signer, persister) };
  };
  const { chain, gateway: first, gatewayId, components } = await gatewayFor(t, 0x6c, config(), warningsInto(warnings, 'gateway: '), channels);
  let gateway = first;
  await mineToSegwit(chain);
  const coins = await Promise.all([1, 2].map((height) => coinbaseAt(chain, height)));
  await gateway.start();

  const persisters = { alice: new MemoryPersister(), bob: new MemoryPersister() };
  const outboxes = { alice: new MemoryLinkOutbox(), bob: new MemoryLinkOutbox() };
  const seen = { alice: new MemorySeenMessages(), bob: new MemorySeenMessages() };
  const wallets = { alice: coinbaseWallet(coins.slice(0, 1), sha256(Uint8Array.of(0xd0))), bob: coinbaseWallet(coins.slice(1), sha256(Uint8Array.of(0xd1))) };
  const events: Record<Name, ManagerEvent[]> = { alice: [], bob: [] };
  const makeNode = (name: Name) => {
    const other = name === 'alice' ? 'bob' : 'alice';
    const node = new MeshNode(
      { signer: signers[name], persister: persisters[name], outbox: outboxes[name], seen: seen[name], wallet: wallets[name], clock: systemClock, randomBytes, logger: warningsInto(warnings, `${name}: `) },
      {
        channels: { network: 3, minimumDepth: 1 },
        links: [{ transport: medium.createTransport(name), neighbours: [{ nodeId: gatewayId, address: 'gateway' }], timing: TIMING }],
        routes: { [ids[other]]: gatewayId, '*': gatewayId },
        gateway: { nodeId: gatewayId, network: 'regtest', pollIntervalMs: 1_000 },
      },
    );
    node.manager.on('event', (event) => events[name].push(event));
    return node;
  };
  const nodes = { alice: makeNode('alice'), bob: makeNode('bob') };
  await Promise.all(NAMES.map((name) => nodes[name].start()));
  const running = new Set<Name>(NAMES);
  t.teardown(async () => {
    await Promise.all([...running].map((name) => nodes[name].stop()));
    await gateway.stop();
    persister.close();
  });

  // Both open, funded by the node (Bob gives the gateway 100,000 sat of his at once, so that it can pay him).
  const handles = { alice: nodes.alice.manager.openChannel(gatewayId, 500_000), bob: nodes.bob.manager.openChannel(gatewayId, 500_000, 100_000_000) };
  const fundingOf = (name: Name) => nodes[name].manager.channelSummaries().find((channel) => channel.handle === handles[name])?.fundingTxid ?? '00'.repeat(32);
  await until('both fundings in the mempool, broadcast through the gateway protocol', async () => (await Promise.all(NAMES.map(async (name) => (await chain.status(fundingOf(name))).state))).every((state) => state === 'mempool'));
  await chain.mine(1);
  const gatewaySide = (name: Name) => gateway.manager!.channelSummaries().find((channel) => channel.peer === ids[name]);
  await until('both channels open on both sides', () => NAMES.every((name) => gatewaySide(name)?.status === 'open' && nodes[name].manager.channelSummaries()[0]?.status === 'open'));
  t.match(gatewaySide('alice'), { handle: handles.alice, localIsFunder: false, localMsat: 0, remoteMsat: 500_000_000 }, "the gateway accepted Alice's channel, funded by her");
  t.match(gatewaySide('bob'), { handle: handles.bob, localMsat: 100_000_000, remoteMsat: 400_000_000 }, "and Bob's, with what he pushed");

  // Bob asks to be paid, and goes away; Alice pays through the gateway.
  const request = nodes.bob.manager.receive(30_000_000, nodes.bob.manager.chainHeight);
  running.delete('bob');
  await nodes.bob.stop();
  nodes.alice.manager.payRequest(request);
  await until("Alice's HTLC committed at the gateway", () => gatewaySide('alice')?.pendingHtlcs === 1 && nodes.alice.manager.balances()[0]?.pendingHtlcs === 1);

  // The gateway restarts from its stores: a new Gateway on the same parts (and the same channels' store).
  await gateway.stop();
  gateway = new Gateway({ ...components, channels: channels(sha256(Uint8Array.of(0x6c))) }, config());
  await gateway.start();
  t.equal(gatewaySide('alice')?.pendingHtlcs, 1, "the restarted gateway holds Alice's HTLC");
  nodes.bob = makeNode('bob');
  await nodes.bob.start();
  running.add('bob');

  await until('Alice has her proof of payment', () => events.alice.some((event) => event.type === 'payment_sent'));
  const sent = events.alice.find((event) => event.type === 'payment_sent');
  t.same(sent?.type === 'payment_sent' && sha256(sent.paymentPreimage), request.paymentHash, 'the preimage is the one of Bob\'s request');
  t.ok(events.bob.some((event) => event.type === 'payment_received' && event.amountMsat === 30_000_000), 'Bob was paid 30,000 sat');
  await until('every HTLC settled on the gateway', () => NAMES.every((name) => gatewaySide(name)?.pendingHtlcs === 0));
  // Alice pays the amount and whatever forwarding fee the gateway charges (none, or its policy's); Bob gets the amount exactly.
  const paidMsat = 500_000_000 - nodes.alice.manager.balances()[0]!.localMsat;
  t.ok(paidMsat >= 30_000_000 && paidMsat <= 30_030_000, `Alice paid 30,000 sat and ${paidMsat - 30_000_000} msat of fees, at most 0.1%`);
  t.match(gatewaySide('alice'), { localMsat: paidMsat, remoteMsat: 500_000_000 - paidMsat }, 'the gateway took what Alice paid');
  t.match(gatewaySide('bob'), { localMsat: 70_000_000, remoteMsat: 430_000_000 }, 'and gave Bob 30,000 sat: it holds what it held and the fee');
  t.match(nodes.bob.manager.balances()[0], { localMsat: 430_000_000 }, 'Bob sees it too');

  // Alice closes alone: the gateway sees her commitment in a block of its own chain and sweeps its side to its key.
  const gatewayEvents: ManagerEvent[] = [];
  gateway.manager!.on('event', (event) => gatewayEvents.push(event));
  nodes.alice.manager.forceClose(gatewayId, handles.alice);
  const closed = events.alice.find((event) => event.type === 'channel_force_closed');
  const commitmentTxid = closed?.type === 'channel_force_closed' ? closed.commitmentTxid : '';
  await until("Alice's commitment in the mempool", async () => (await chain.status(commitmentTxid)).state === 'mempool');
  const sweep = async () => gatewayEvents.find((event) => event.type === 'funds_spendable');
  await until('the gateway sweeps its side', async () => {
    if (await sweep()) return true;
    await chain.mine(1);
    return false;
  });
  const swept = await sweep();
  const sweepTxid = swept?.type === 'funds_spendable' ? swept.txid : '';
  t.match(gatewayEvents.find((event) => event.type === 'channel_force_closed'), { peer: ids.alice, ours: false, commitmentTxid }, 'the gateway saw Alice close, from a whole block');
  const sweepTx = await chain.transaction(sweepTxid);
  const sweepScript = bytesToHex(p2wpkh(signer!.sweepKey().publicKey));
  const toGateway = sweepTx?.outs.filter((output) => bytesToHex(output.script) === sweepScript);
  const sweptSatoshis = (toGateway ?? []).reduce((sum, output) => sum + Number(output.value), 0);
  t.ok(sweptSatoshis > paidMsat / 1000 - 2_000 && sweptSatoshis < paidMsat / 1000, `its ${paidMsat / 1000} sat came back to its sweep key, less the sweep's fee: ${sweptSatoshis} sat`);
  t.same(warnings.filter((warning) => /internal error|threw|malformed/.test(warning)), [], 'no internal error, nothing malformed');
});

t.test('a gateway without channel parts drops a channel message, with a warning, and still serves the gateway protocol', async (t) => {
  const medium = createMemoryMedium({ delayMs: 2, clock: systemClock });
  const signer = signerOf(32);
  const nodeId = bytesToHex(signer.nodeId);
  const warnings: string[] = [];
  const { chain, gateway, gatewayId } = await gatewayFor(t, 0x6d, { links: [{ transport: medium.createTransport('gateway'), neighbours: [{ nodeId, address: 'n' }], timing: TIMING }] }, warningsInto(warnings, 'gateway: '));
  await gateway.start();
  t.equal(gateway.manager, undefined, 'no channels');
  const node = new MeshNode(
    { signer, persister: new MemoryPersister(), outbox: new MemoryLinkOutbox(), seen: new MemorySeenMessages(), wallet: coinbaseWallet([], sha256(Uint8Array.of(2))), clock: systemClock, randomBytes },
    { channels: { network: 3 }, links: [{ transport: medium.createTransport('n'), neighbours: [{ nodeId: gatewayId, address: 'gateway' }], timing: TIMING }], gateway: { nodeId: gatewayId, network: 'regtest', pollIntervalMs: 1_000 } },
  );
  await node.start();
  t.teardown(async () => {
    await node.stop();
    await gateway.stop();
  });
  node.router.send(gatewayId, encodeMessage({ type: 'error', handle: 0, message: new TextEncoder().encode('hello') }));
  await until('the warning', () => warnings.some((warning) => warning.includes(`a channel message from ${nodeId}`)));
  const height = (await chain.tip()).height;
  await until('the node follows the chain through the gateway protocol', () => node.uplink!.chainHeight === height);
  t.pass('the gateway protocol is served');
});
