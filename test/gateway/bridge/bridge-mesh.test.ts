// The bridge end to end in one process, with real parts: a Gateway on an
// embedded bcoin regtest chain with its mesh channels and its LDK node (G),
// an outside LDK node (O, the rest of the Lightning Network) with a channel
// from G over TCP on 127.0.0.1, and a mesh node, Alice, with a channel to
// the gateway over an in-memory medium, following the chain through it.
// - Out: Alice pays O's BOLT 11 invoice (`lnmesh pay lnbcrt...`): O gets the
//   invoice's amount, Alice paid it plus the bridge fee, and holds the preimage.
// - In: O pays Alice's public invoice: Alice gets her amount, O the preimage.
// - Two hops: Bob, a neighbour of Alice only, pays an outside invoice; Alice
//   forwards his HTLC to the gateway for her fee, within his fee limit.
// - Away: O pays while Alice is away; G holds the payment (and is restarted:
//   a new Gateway on the same stores and LDK node) and pays her when she is
//   heard again.
// - Left hashes: Alice leaves payment hashes with G and goes away; G issues an
//   invoice for her from one (any amount); O pays; she comes back and is paid.
// - Away past the hold window: O's payment fails back; nothing moved.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { coinbaseAt, mineToSegwit } from '../../../gateway/chain/regtest-coins.js';
import { bridgeFeeOn } from '../../../gateway/bridge/bridge.js';
import { gatewayChannelWallet } from '../../../gateway/channels/channel-wallet.js';
import { GatewaySigner } from '../../../gateway/channels/gateway-signer.js';
import { Gateway, type GatewayConfig, gatewayKeyFromSecret } from '../../../gateway/gateway.js';
import type { ManagerEvent } from '../../../node/channel/manager.js';
import { systemClock } from '../../../node/core/clock.js';
import { MeshNode } from '../../../node/mesh-node.js';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { type BridgeParts, issuePublicInvoice, leaveHashes, prepareBridgePayment } from '../../../node/uplink/bridge-payments.js';
import { MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import { createMemoryMedium } from '../../../transports/memory.js';
import { MemorySeenMessages } from '../../../transports/router/seen-messages.js';
import { warningsInto } from '../../../sim/kit/logger.js';
import { eventually } from '../../../sim/kit/poll.js';
import { randomBytes } from '../../../sim/kit/random.js';
import { signerOf } from '../../../sim/kit/signer-of.js';
import { TIMING, coinbaseWallet, gatewayFor } from '../gateway-harness.js';
import { LOOPBACK, eventOf, startNode } from '../lightning/lightning-test-kit.js';

const WAIT_MS = 30_000;
const FEE = { baseMsat: 1_000, proportionalMillionths: 2_000 };
// A short hold window for the test: 144 - 21 (LDK's claim buffer) - 36 (safety) - 78 (what a node needs left) = 9 blocks, plus
// the random delay the payer's LDK adds to the final hop's expiry.
const FINAL_CLTV_EXPIRY_DELTA = 144;

const medium = createMemoryMedium({ delayMs: 2, clock: systemClock });
const aliceSigner = signerOf(40);
const aliceId = bytesToHex(aliceSigner.nodeId);
const bobSigner = signerOf(41);
const bobId = bytesToHex(bobSigner.nodeId);
const warnings: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'lnmesh-bridge-mesh-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const persister = new LmdbPersister(join(dir, 'channels'));
// A fresh transport at each (re)start, as a daemon opens its link again.
const config = (): GatewayConfig => ({
  links: [{ transport: medium.createTransport('gateway'), neighbours: [{ nodeId: aliceId, address: 'alice' }], timing: TIMING }],
  routes: { [bobId]: aliceId },
  channels: { network: 3, minimumDepth: 1 },
  bridge: { fee: FEE, finalCltvExpiryDelta: FINAL_CLTV_EXPIRY_DELTA },
});
const channels = (secretKey: Uint8Array) => {
  const signer = new GatewaySigner(gatewayKeyFromSecret(secretKey), secretKey);
  return { signer, persister, wallet: gatewayChannelWallet(signer, persister) };
};
const { chain, components, gatewayId } = await gatewayFor(t, 0x7a, { links: [] }, warningsInto(warnings, 'gateway: '));
await mineToSegwit(chain);
const ldk = await startNode(t, chain, 21, { coinHeights: [3] });
const outside = await startNode(t, chain, 22);
const newGateway = () => new Gateway({ ...components, channels: channels(sha256(Uint8Array.of(0x7a))), lightning: ldk.node, bridgeDirectory: join(dir, 'bridge') }, config());
let gateway = newGateway();
await gateway.start();
t.teardown(async () => {
  await gateway.stop();
  persister.close();
});

// G's channel to O (G pushes 300,000 sat to O, so that O can pay in).
await ldk.node.connect(outside.node.nodeId, LOOPBACK, await outside.node.listen());
await eventually('the peers to connect', () => (ldk.node.peers().length > 0 ? true : undefined), WAIT_MS, 20);
await ldk.node.openChannel(outside.node.nodeId, 1_000_000, { pushMsat: 300_000_000 });
const pending = await eventually('the channel pending', () => eventOf(ldk.events, 'channel-pending'), WAIT_MS, 20);
await eventually('the funding in the mempool', async () => ((await chain.status(pending.fundingTxid)).state === 'mempool' ? true : undefined), WAIT_MS, 20);

// Alice, a neighbour of the gateway only; restarted on the same stores when she comes back.
const alice = {
  persister: new MemoryPersister(),
  outbox: new MemoryLinkOutbox(),
  seen: new MemorySeenMessages(),
  wallet: coinbaseWallet([await coinbaseAt(chain, 1)], sha256(Uint8Array.of(0xe0))),
  events: [] as ManagerEvent[],
};
const startAlice = async () => {
  const node = new MeshNode(
    { signer: aliceSigner, persister: alice.persister, outbox: alice.outbox, seen: alice.seen, wallet: alice.wallet, clock: systemClock, randomBytes, logger: warningsInto(warnings, 'alice: ') },
    {
      channels: { network: 3, minimumDepth: 1 },
      links: [{ transport: medium.createTransport('alice'), neighbours: [{ nodeId: gatewayId, address: 'gateway' }, { nodeId: bobId, address: 'bob' }], timing: TIMING }],
      routes: { '*': gatewayId },
      gateway: { nodeId: gatewayId, network: 'regtest', pollIntervalMs: 1_000 },
    },
  );
  node.manager.on('event', (event) => alice.events.push(event));
  await node.start();
  return node;
};
let node: MeshNode | undefined = await startAlice();
t.teardown(async () => node?.stop());
const parts = (): BridgeParts => ({ manager: node!.manager, uplink: node!.uplink!, network: 'regtest', now: Math.floor(Date.now() / 1000) });

// Alice's channel to the gateway: 500,000 sat, 100,000 of them pushed to the gateway (so that it can pay her).
node.manager.openChannel(gatewayId, 500_000, 100_000_000);
const aliceFunding = () => node!.manager.channelSummaries()[0]?.fundingTxid ?? '00'.repeat(32);
await eventually('Alice\'s funding in the mempool', async () => ((await chain.status(aliceFunding())).state === 'mempool' ? true : undefined), WAIT_MS, 20);
await chain.mine(6);
await eventually('both channels usable', () => (ldk.node.channels()[0]?.usable && node!.manager.channelSummaries()[0]?.status === 'open' ? true : undefined), WAIT_MS, 20);
await eventually('Alice follows the chain', async () => (node!.uplink!.chainHeight === (await chain.tip()).height ? true : undefined), WAIT_MS, 20);
const aliceMsat = () => node!.manager.balances()[0]!.localMsat;
const recordOf = (hash: string) => gateway.bridge!.bridge.payments().find((record) => record.paymentHash === hash);

t.test('out: Alice pays an outside invoice through the gateway', async (t) => {
  const invoice = outside.node.createInvoice({ amountMsat: 40_000_000, description: 'a shop on the internet', expirySecs: 600 });
  const before = aliceMsat();
  const payment = await prepareBridgePayment(parts(), invoice.bolt11, undefined);
  t.equal(payment.bridgeFeeMsat, bridgeFeeOn(FEE, 40_000_000), 'the gateway quotes its fee');
  t.equal(payment.meshFeeMsat, 0, 'no mesh forwarder between Alice and the gateway');
  node!.manager.payRequest(payment.request);
  const sent = await eventually('Alice has the preimage', () => alice.events.find((event) => event.type === 'payment_sent' && bytesToHex(event.paymentHash) === invoice.paymentHash), WAIT_MS, 20);
  t.equal(sent.type === 'payment_sent' && bytesToHex(sha256(sent.paymentPreimage)), invoice.paymentHash, 'a preimage of the invoice: her proof of payment');
  const claimed = await eventually('O claims', () => eventOf(outside.events, 'payment-claimed', (event) => event.paymentHash === invoice.paymentHash), WAIT_MS, 20);
  t.equal(claimed.amountMsat, 40_000_000, 'O got exactly the invoice');
  await eventually('Alice\'s HTLC settled', () => (node!.manager.balances()[0]!.pendingHtlcs === 0 ? true : undefined), WAIT_MS, 20);
  t.equal(before - aliceMsat(), 40_000_000 + bridgeFeeOn(FEE, 40_000_000), 'Alice paid the invoice and the bridge fee, no more');
  t.match(recordOf(invoice.paymentHash), { state: 'paid' });
  await t.rejects(prepareBridgePayment(parts(), invoice.bolt11, undefined), /already being paid/, 'the same invoice twice is refused by the gateway');
});

t.test('in: O pays Alice\'s public invoice', async (t) => {
  const before = aliceMsat();
  const { request, invoice } = await issuePublicInvoice(parts(), { amountMsat: 25_000_000, description: 'eggs', expirySecs: 600 });
  t.match(invoice, /^lnbcrt/, 'a regtest BOLT 11 invoice, from the gateway');
  const sent = await outside.node.payInvoice(invoice);
  t.equal(sent.preimage.length, 64);
  t.equal(bytesToHex(sha256(Buffer.from(sent.preimage, 'hex'))), bytesToHex(request.paymentHash), 'O learns the preimage Alice kept');
  await eventually('Alice paid', () => alice.events.find((event) => event.type === 'payment_received' && bytesToHex(event.paymentHash) === bytesToHex(request.paymentHash)), WAIT_MS, 20);
  await eventually('settled', () => (node!.manager.balances()[0]!.pendingHtlcs === 0 ? true : undefined), WAIT_MS, 20);
  t.equal(aliceMsat() - before, 25_000_000, 'Alice got her amount; the bridge fee stays with the gateway');
  await eventually('the record settled', () => (recordOf(bytesToHex(request.paymentHash))?.state === 'settled' ? true : undefined), WAIT_MS, 20);
});

t.test('two hops: Bob, behind Alice, pays an outside invoice; Alice forwards for her fee', async (t) => {
  const bobEvents: ManagerEvent[] = [];
  const bob = new MeshNode(
    { signer: bobSigner, persister: new MemoryPersister(), outbox: new MemoryLinkOutbox(), seen: new MemorySeenMessages(), wallet: coinbaseWallet([await coinbaseAt(chain, 2)], sha256(Uint8Array.of(0xe1))), clock: systemClock, randomBytes, logger: warningsInto(warnings, 'bob: ') },
    {
      channels: { network: 3, minimumDepth: 1 },
      links: [{ transport: medium.createTransport('bob'), neighbours: [{ nodeId: aliceId, address: 'alice' }], timing: TIMING }],
      routes: { [gatewayId]: aliceId, '*': aliceId },
      gateway: { nodeId: gatewayId, network: 'regtest', pollIntervalMs: 1_000 },
    },
  );
  bob.manager.on('event', (event) => bobEvents.push(event));
  await bob.start();
  t.teardown(() => bob.stop());
  bob.manager.openChannel(aliceId, 300_000);
  const funding = () => bob.manager.channelSummaries()[0]?.fundingTxid ?? '00'.repeat(32);
  await eventually('Bob\'s funding in the mempool, through Alice and the gateway', async () => ((await chain.status(funding())).state === 'mempool' ? true : undefined), WAIT_MS, 20);
  await chain.mine(1);
  await eventually('Bob\'s channel open, and his fee quote to the gateway known', () => (bob.manager.channelSummaries()[0]?.status === 'open' && bob.uplink!.chainHeight === node!.uplink!.chainHeight ? true : undefined), WAIT_MS, 20);
  const invoice = outside.node.createInvoice({ amountMsat: 20_000_000, description: 'from two hops away', expirySecs: 600 });
  const bobParts = { manager: bob.manager, uplink: bob.uplink!, network: 'regtest' as const, now: Math.floor(Date.now() / 1000) };
  await t.rejects(prepareBridgePayment(bobParts, invoice.bolt11, 100), { name: 'InvalidInputError', field: 'maxFeeMsat' }, 'over his fee limit: refused before anything is sent');
  const payment = await prepareBridgePayment(bobParts, invoice.bolt11, undefined); // the same quote again, within the default limit
  t.equal(payment.meshFeeMsat, 1_000, 'Alice\'s forwarding fee (the default policy: 1 sat)');
  bob.manager.payRequest(payment.request);
  const sent = await eventually('Bob has the preimage', () => bobEvents.find((event) => event.type === 'payment_sent'), WAIT_MS, 20);
  t.equal(sent.type === 'payment_sent' && bytesToHex(sha256(sent.paymentPreimage)), invoice.paymentHash);
  const claimed = await eventually('O claims', () => eventOf(outside.events, 'payment-claimed', (event) => event.paymentHash === invoice.paymentHash), WAIT_MS, 20);
  t.equal(claimed.amountMsat, 20_000_000, 'O got exactly the invoice');
  await eventually('settled', () => (bob.manager.balances()[0]!.pendingHtlcs === 0 ? true : undefined), WAIT_MS, 20);
  t.equal(300_000_000 - bob.manager.balances()[0]!.localMsat, 20_000_000 + bridgeFeeOn(FEE, 20_000_000) + 1_000, 'Bob paid the invoice, the bridge fee and Alice\'s fee');
});

t.test('away: O pays while Alice is away; she is paid when she comes back', async (t) => {
  const before = aliceMsat();
  const { request, invoice } = await issuePublicInvoice(parts(), { amountMsat: 15_000_000, description: 'a remittance', expirySecs: 600 });
  await node!.stop();
  node = undefined;
  const paying = outside.node.payInvoice(invoice);
  const hash = bytesToHex(request.paymentHash);
  await eventually('the gateway holds the payment', () => (recordOf(hash)?.state === 'claimable' ? true : undefined), WAIT_MS, 20);
  await chain.mine(2);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(recordOf(hash)?.state, 'claimable', 'still held two blocks later, Alice away');
  await gateway.stop();
  gateway = newGateway();
  await gateway.start();
  t.equal(recordOf(hash)?.state, 'claimable', 'the restarted gateway still holds it, from its records');
  node = await startAlice();
  const sent = await paying;
  t.equal(bytesToHex(sha256(Buffer.from(sent.preimage, 'hex'))), hash, 'paid once Alice is heard: O has her preimage');
  await eventually('settled', () => (node!.manager.balances()[0]!.pendingHtlcs === 0 ? true : undefined), WAIT_MS, 20);
  t.equal(aliceMsat() - before, 15_000_000, 'Alice got it');
});

t.test('left hashes: Alice leaves hashes and goes away; the gateway issues an invoice for her; she is paid when she comes back', async (t) => {
  const before = aliceMsat();
  const { requests, left } = await leaveHashes(parts(), 2);
  t.equal(left, 2, 'the gateway keeps both');
  await node!.stop();
  node = undefined;
  const bridge = gateway.bridge!.bridge;
  // An amount Alice never named: her requests accept any, at least 1 sat.
  const { invoice, paymentHash } = bridge.invoiceForAwayNode(aliceId, { amountMsat: 12_345_000, description: 'for Alice, away', expirySecs: 600 });
  t.equal(paymentHash, bytesToHex(requests[0]!.paymentHash), 'from the first hash she left');
  t.equal(bridge.hashesLeftBy(aliceId), 1, 'used once');
  const sent = outside.node.payInvoice(invoice);
  await eventually('the gateway holds the payment', () => (recordOf(paymentHash)?.state === 'claimable' ? true : undefined), WAIT_MS, 20);
  node = await startAlice();
  t.equal(bytesToHex(sha256(Buffer.from((await sent).preimage, 'hex'))), paymentHash, 'paid once Alice is heard: O has her preimage');
  await eventually('settled', () => (node!.manager.balances()[0]!.pendingHtlcs === 0 ? true : undefined), WAIT_MS, 20);
  t.equal(aliceMsat() - before, 12_345_000, 'Alice got the amount the gateway asked for her');
  bridge.invoiceForAwayNode(aliceId, { amountMsat: 1_000, description: '', expirySecs: 600 });
  t.throws(() => bridge.invoiceForAwayNode(aliceId, { amountMsat: 1_000, description: '', expirySecs: 600 }), /must leave more/, 'none left: the gateway says so');
});

t.test('away past the hold window: O\'s payment fails back, nothing moved', async (t) => {
  const before = aliceMsat();
  const outsideBefore = outside.node.channels()[0]!.outboundCapacityMsat;
  const { request, invoice } = await issuePublicInvoice(parts(), { amountMsat: 5_000_000, description: 'too late', expirySecs: 600 });
  await node!.stop();
  node = undefined;
  const paying = outside.node.payInvoice(invoice).then(() => 'paid', (error: Error) => error.message);
  const hash = bytesToHex(request.paymentHash);
  await eventually('the gateway holds the payment', () => (recordOf(hash)?.state === 'claimable' ? true : undefined), WAIT_MS, 20);
  const record = recordOf(hash);
  const closes = record?.kind === 'in' ? record.claimDeadline! - 36 - 78 : 0;
  await chain.mine(closes - (await chain.tip()).height + 1);
  t.match(await paying, /fail/i, 'O\'s payment failed back');
  t.match(recordOf(hash), { state: 'failed', reason: /away past the hold window/ });
  await eventually('O has its money back', () => (outside.node.channels()[0]!.outboundCapacityMsat >= outsideBefore ? true : undefined), WAIT_MS, 20);
  node = await startAlice();
  await eventually('Alice follows the chain again', async () => (node!.uplink!.chainHeight === (await chain.tip()).height ? true : undefined), WAIT_MS, 20);
  t.equal(aliceMsat(), before, 'Alice\'s balance did not move');
  t.equal(node.manager.balances()[0]!.pendingHtlcs, 0, 'nothing pending');
  t.same(warnings.filter((warning) => /internal error|threw|malformed/.test(warning)), [], 'no internal error, nothing malformed');
});
