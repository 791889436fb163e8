// The gateway issue's proof, in one process with real parts: a gateway on an
// embedded bcoin regtest chain (its watchtower, mailbox and node service) and
// two mesh nodes, Alice and Bob, each with its own header chain, talking
// through routers and links, over the in-memory medium and over MQTT
// (mosquitto in CI). Alice funds a channel on chain through the
// gateway; the nodes see it confirmed by merkle proofs against their own
// headers; they pay; Bob's appointments reach the tower (signed receipts).
// Then Bob goes offline and Alice broadcasts a revoked commitment: the tower
// answers with Bob's justice transaction, which confirms; when Bob comes
// back, the gateway gives him the signed alert, and his own proof shows the
// justice transaction, paying his wallet, buried in the chain. And the
// gateway joins two mesh segments that only meet through it.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain } from '../../gateway/chain/embedded-chain.js';
import { Gateway, type GatewayConfig, gatewayKeyFromSecret } from '../../gateway/gateway.js';
import { FeedStore } from '../../gateway/relay/feed-store.js';
import { Mailbox } from '../../gateway/relay/mailbox.js';
import { AppointmentStore } from '../../gateway/tower/appointment-store.js';
import { ResponseStore } from '../../gateway/tower/response-store.js';
import { fundingOutputScript } from '../../node/bolt3/funding.js';
import { p2wpkh, p2wsh } from '../../node/bolt3/scripts.js';
import { OP_TRUE_SCRIPT } from '../../gateway/chain/regtest-miner.js';
import { ChannelManager } from '../../node/channel/manager.js';
import type { FundingWallet } from '../../node/wallet/funding-wallet.js';
import { systemClock } from '../../node/core/clock.js';
import { publicKeyOf } from '../../node/core/curve.js';
import { MeshNode } from '../../node/mesh-node.js';
import { MemoryPersister } from '../../node/persist/persister.js';
import { MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { createMemoryMedium } from '../../transports/memory.js';
import { MqttTransport } from '../../transports/mqtt.js';
import type { Transport } from '../../transports/transport.js';
import { mqttBrokerUrl } from '../transports/broker.js';
import { MemorySeenMessages } from '../../transports/router/seen-messages.js';
import { type Coin, coinbaseAt, mineToSegwit, spendAnyoneCanSpendTo } from '../../gateway/chain/regtest-coins.js';
import { signerOf } from '../../sim/kit/signer-of.js';
import { TIMING, coinbaseWallet, gatewayFor } from './gateway-harness.js';
import { randomBytes } from '../../sim/kit/random.js';
import { warningsInto } from '../../sim/kit/logger.js';
import { nullBroadcaster } from '../../sim/kit/broadcaster.js';

/** The medium the three talk over: each call makes the transport of the node named. */
type MakeTransport = (name: 'gateway' | 'alice' | 'bob') => Transport;

t.test('over the in-memory medium', { timeout: 240_000 }, async (t) => {
  const medium = createMemoryMedium({ delayMs: 5, clock: systemClock });
  await breachWhileAway(t, (name) => medium.createTransport(name));
});

t.test('over MQTT (mosquitto in CI, aedes otherwise)', { timeout: 240_000 }, async (t) => {
  const url = await mqttBrokerUrl(t);
  const topicPrefix = `lnmesh-test-${randomUUID()}`;
  await breachWhileAway(t, (nodeName) => new MqttTransport({ url, nodeName, topicPrefix, mtu: 1024, reconnectPeriodMs: 500 }));
});

/** A channel funded through the gateway, a breach while the victim is away, punished by the tower. */
async function breachWhileAway(t: Test, makeTransport: MakeTransport): Promise<void> {
  const clock = systemClock;
  const [aliceSigner, bobSigner] = [signerOf(0), signerOf(1)];
  const [aliceId, bobId] = [aliceSigner, bobSigner].map((signer) => bytesToHex(signer.nodeId)) as [string, string];
  const warnings: string[] = [];
  const { chain, gateway, appointments: appointmentStore, feedStore, gatewayId } = await gatewayFor(
    t,
    0x6a,
    {
      links: [{ transport: makeTransport('gateway'), neighbours: [{ nodeId: aliceId, address: 'alice' }, { nodeId: bobId, address: 'bob' }], timing: TIMING }],
      tower: { justiceBuriedDepth: 3 },
    },
    warningsInto(warnings, 'gateway: '),
  );
  await mineToSegwit(chain);
  const coins = await Promise.all([1, 2, 3].map((height) => coinbaseAt(chain, height)));
  await gateway.start();
  t.teardown(() => gateway.stop());

  // Alice and Bob hear each other and the gateway on one medium; the gateway is their default route.
  // What each node keeps on disk, kept across Bob's restart.
  const persisters = [new MemoryPersister(), new MemoryPersister()];
  const outboxes = [new MemoryLinkOutbox(), new MemoryLinkOutbox()];
  const bobSweepKey = sha256(Uint8Array.of(0xb0));
  const makeNode = (i: 0 | 1) => {
    const [name, otherName] = i === 0 ? (['alice', 'bob'] as const) : (['bob', 'alice'] as const);
    const node = new MeshNode(
      {
        signer: i === 0 ? aliceSigner : bobSigner,
        persister: persisters[i]!,
        outbox: outboxes[i]!,
        seen: new MemorySeenMessages(),
        wallet: coinbaseWallet(i === 0 ? coins : [], i === 0 ? sha256(Uint8Array.of(0xa0)) : bobSweepKey),
        clock,
        randomBytes,
        logger: warningsInto(warnings, `${name}: `),
      },
      {
        channels: { network: 3, minimumDepth: 3 },
        links: [{ transport: makeTransport(name), neighbours: [{ nodeId: i === 0 ? bobId : aliceId, address: otherName }, { nodeId: gatewayId, address: 'gateway' }], timing: TIMING }],
        routes: { '*': gatewayId },
        gateway: { nodeId: gatewayId, network: 'regtest', pollIntervalMs: 300 },
      },
    );
    return node;
  };
  const alice = makeNode(0);
  let bob = makeNode(1);
  await Promise.all([alice.start(), bob.start()]);
  t.teardown(() => Promise.all([alice.stop(), bob.stop()]));
  const until = async (what: string, done: () => boolean | Promise<boolean>, limitMs = 60_000) => {
    const start = Date.now();
    while (!(await done()) && Date.now() - start < limitMs) await new Promise((resolve) => setTimeout(resolve, 50));
    t.ok(await done(), `${what} (${Date.now() - start} ms)`);
  };
  const tipHeight = async () => (await chain.tip()).height;

  await until('both nodes follow the chain by its headers', async () => alice.uplink!.chainHeight === (await tipHeight()) && bob.uplink!.chainHeight === (await tipHeight()));

  // Alice opens a channel to Bob; her funding transaction goes to the chain through the gateway.
  const accepted: string[] = [];
  alice.uplink!.on('broadcast', (outcome) => (outcome.accepted ? accepted.push(outcome.txid) : t.fail(`the gateway refused the funding transaction: ${outcome.reason}`)));
  const handle = alice.manager.openChannel(bobId, 1_000_000, 300_000_000);
  await until('the gateway accepted the funding transaction', () => accepted.length === 1);
  await chain.mine(3);
  const opened = (node: MeshNode) => new Promise<void>((resolve) => node.manager.on('event', (event) => event.type === 'channel_opened' && resolve()));
  await Promise.all([opened(alice), opened(bob)]);
  t.pass('both see the funding 3 deep by merkle proofs against their own headers, and the channel opens');

  // Alice's state now is what she will cheat with.
  const backup = new MemoryPersister();
  for (const [id, record] of persisters[0]!.loadChannels()) backup.saveChannel(id, record);

  alice.manager.pay(bobId, handle, bob.manager.receive(100_000_000, 0));
  await until('Alice paid Bob, both settled', () => alice.manager.balances()[0]!.pendingHtlcs === 0 && bob.manager.balances()[0]!.localMsat === 400_000_000);
  await until("Bob's appointments are in the tower, receipted", () => bob.manager.pendingAppointments().length === 0 && gateway.tower.responses().length === 0);
  await until('both told the tower the funding outpoint to watch', () => appointmentStore.fundingWatches().filter((watch) => watch.outpoint.txid === accepted[0]).length === 2);

  // Bob goes away. Alice broadcasts her revoked commitment.
  await bob.stop();
  const cheat = new ChannelManager(
    { signer: aliceSigner, persister: backup, messenger: { send: () => {} }, wallet: coinbaseWallet([], sha256(Uint8Array.of(0xa0))), broadcaster: nullBroadcaster },
    { network: 3 },
  );
  const revoked = cheat.forceCloseTransaction(bobId, handle);
  const result = await chain.broadcast(revoked);
  t.ok(result.accepted, `the revoked commitment is accepted by bcoin's mempool${result.accepted ? '' : `: ${result.reason}`}`);
  await chain.mine(1);
  await until('the tower answered the breach', () => gateway.tower.responses().length === 1);
  await gateway.tower.idle();
  const [response] = gateway.tower.responses();
  t.equal(response!.breachTxid, revoked.getId(), 'exactly the breach');
  const justiceTxid = response!.justiceTxid!;
  await chain.mine(3);
  await until('the justice transaction is confirmed', async () => (await chain.status(justiceTxid)).state === 'confirmed');
  const justice = (await chain.transaction(justiceTxid))!;
  const bobScript = bytesToHex(p2wpkh(publicKeyOf(bobSweepKey)));
  t.ok(justice.outs.some((output) => bytesToHex(output.script) === bobScript), "the justice transaction pays Bob's wallet");

  // Bob comes back: the alert waits for him in the gateway's mailbox.
  bob = makeNode(1);
  const alerts: { breachTxid: string; justiceTxid: string }[] = [];
  const depths = new Map<string, number>();
  bob.uplink!.on('breach', (alert) => alerts.push(alert));
  bob.uplink!.on('proven', (tx, confirmations) => depths.set(tx.getId(), confirmations));
  await bob.start();
  await until('Bob, back, has the signed breach alert', () => alerts.length === 1);
  t.same(alerts[0], { breachTxid: revoked.getId(), justiceTxid: justice.getId() }, 'for the breach, naming the justice transaction');
  await until('and his own merkle proof shows the justice transaction confirmed', () => (depths.get(justice.getId()) ?? 0) >= 1);
  // The justice took Alice's outputs; Bob's own balance on the revoked commitment is his to sweep, at once.
  const toRemote = () => bob.manager.channelSummaries()[0]?.onchain?.claims.find((claim) => claim.description === 'to_remote');
  await until("Bob broadcasts the sweep of his own to_remote", () => toRemote()?.state === 'broadcast');
  // Broadcast is when Bob's node hands it to the uplink: the block is mined once the gateway has it (a slow broker may take a while).
  await until('the sweep reaches the gateway', async () => (await chain.status(toRemote()!.txid)).state === 'mempool');
  await chain.mine(1);
  await until('and it confirms', () => toRemote()?.state === 'confirmed');
  // Idle again, Bob takes blocks a few at a time: once the gateway has his new lag, twelve more reach him in one push.
  await until('Bob, idle, has told the gateway he may lag twelve blocks', () => feedStore.cursor(bobId)?.maxLag === 12);
  await chain.mine(12);
  const tip = (await chain.tip()).height;
  await until("Bob's own header chain reaches the gateway's tip", () => bob.uplink!.chainHeight === tip);
  t.same(warnings.filter((warning) => /internal error/.test(warning)), [], 'no internal error anywhere');
}

t.test('the gateway joins two mesh segments that only meet through it', async (t) => {
  const clock = systemClock;
  // A LoRa island (MTU 254) and an MQTT-like segment, each with one node.
  const island = createMemoryMedium({ mtu: 254, delayMs: 5, clock });
  const uplink = createMemoryMedium({ mtu: 4096, delayMs: 5, clock });
  const [xSigner, ySigner] = [signerOf(10), signerOf(11)];
  const [xId, yId] = [xSigner, ySigner].map((signer) => bytesToHex(signer.nodeId)) as [string, string];
  const { gateway, gatewayId } = await gatewayFor(t, 0x6b, {
    links: [
      { transport: island.createTransport('gateway'), neighbours: [{ nodeId: xId, address: 'x' }], timing: TIMING },
      { transport: uplink.createTransport('gateway'), neighbours: [{ nodeId: yId, address: 'y' }], timing: TIMING },
    ],
    towerHttp: { port: 0 },
  });
  await gateway.start();
  t.teardown(() => gateway.stop());
  const node = (signer: ReturnType<typeof signerOf>, medium: typeof island, name: string) =>
    new MeshNode(
      { signer, persister: new MemoryPersister(), outbox: new MemoryLinkOutbox(), seen: new MemorySeenMessages(), wallet: coinbaseWallet([], sha256(Uint8Array.of(1))), broadcaster: nullBroadcaster, clock, randomBytes },
      { channels: { network: 3 }, links: [{ transport: medium.createTransport(name), neighbours: [{ nodeId: gatewayId, address: 'gateway' }], timing: TIMING }], routes: { '*': gatewayId } },
    );
  const [x, y] = [node(xSigner, island, 'x'), node(ySigner, uplink, 'y')];
  await Promise.all([x.start(), y.start()]);
  t.teardown(() => Promise.all([x.stop(), y.stop()]));
  const heard: string[] = [];
  y.router.on('message', (source, payload) => heard.push(`${source === xId ? 'x' : source}: ${Buffer.from(payload).toString()}`));
  const message = 'across the gateway, '.repeat(30); // 600 bytes: fragmented on the island, whole on the uplink
  x.router.send(yId, Buffer.from(message));
  const start = Date.now();
  while (heard.length === 0 && Date.now() - start < 20_000) await new Promise((resolve) => setTimeout(resolve, 20));
  t.same(heard, [`x: ${message}`], 'the island node reaches the other segment, sealed end to end');
  t.equal(gateway.router.counters.forwarded, 1, 'the gateway forwarded it');
  const status = await (await fetch(`${gateway.towerHttp!.url()}/v1/status`)).json();
  t.same(status, { appointments: 0, gateway: gatewayId }, "and its tower's HTTP API answers on loopback");
});
