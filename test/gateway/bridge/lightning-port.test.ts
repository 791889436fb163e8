// The bridge on a real LDK node: the gateway's (G) with a channel to an
// outside node (O, standing for the Lightning Network) on a regtest chain.
// The mesh side is recorded (what the bridge asks of the gateway's mesh
// channels) and answered by hand, as the mesh node would.
// - Out: a mesh node's HTLC and O's invoice make G pay O; the preimage O
//   reveals is what settles the mesh HTLC.
// - In: a mesh node's hash becomes G's invoice; O pays it; G passes it to
//   the mesh; the node's preimage claims it, and O learns that preimage.
// - Refused by LDK before anything leaves (no route: an invoice of a node G
//   has no channel with): the mesh HTLC fails back with the reason.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { Bridge, bridgeFeeOn } from '../../../gateway/bridge/bridge.js';
import { FileBridgeStore } from '../../../gateway/bridge/bridge-store.js';
import type { MeshPayments } from '../../../gateway/bridge/bridge-ports.js';
import { LightningPort } from '../../../gateway/bridge/lightning-port.js';
import { systemClock } from '../../../node/core/clock.js';
import { eventually } from '../../../sim/kit/poll.js';
import { LOOPBACK, eventOf, startChain, startNode } from '../lightning/lightning-test-kit.js';

const WAIT_MS = 20_000;
const MESH_NODE = '02'.padEnd(66, 'c');
const FEE = { baseMsat: 1_000, proportionalMillionths: 2_000 };

const chain = await startChain(t);
const gateway = await startNode(t, chain, 11, { coinHeights: [3] });
const outside = await startNode(t, chain, 12);
const stranger = await startNode(t, chain, 13);
await gateway.node.connect(outside.node.nodeId, LOOPBACK, await outside.node.listen());
await eventually('the peers to connect', () => (gateway.node.peers().length > 0 ? true : undefined), WAIT_MS, 20);
await gateway.node.openChannel(outside.node.nodeId, 1_000_000, { pushMsat: 300_000_000 });
const pending = await eventually('the channel pending', () => eventOf(gateway.events, 'channel-pending'), WAIT_MS, 20);
await eventually('the funding in the mempool', async () => ((await chain.status(pending.fundingTxid)).state === 'mempool' ? true : undefined), WAIT_MS, 20);
await chain.mine(6);
await eventually('the channel usable', () => (gateway.node.channels()[0]?.usable && outside.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);

const mesh: string[][] = [];
const meshSide: MeshPayments = {
  fulfillHeld: (hash, preimage) => void mesh.push(['fulfill', bytesToHex(hash), bytesToHex(preimage)]),
  failHeld: (hash, reason) => void mesh.push(['fail', bytesToHex(hash), reason]),
  pay: (node, hash, amountMsat, cltvExpiry) => void mesh.push(['pay', node, bytesToHex(hash), String(amountMsat), String(cltvExpiry)]),
  inFlight: () => false,
  reachable: () => true,
};
const directory = mkdtempSync(join(tmpdir(), 'lnmesh-bridge-ldk-'));
t.teardown(() => rmSync(directory, { recursive: true, force: true }));
let bridge: Bridge | undefined;
const port = new LightningPort(gateway.node, (event) => bridge!.lightningEvent(event));
bridge = new Bridge({ lightning: port, mesh: meshSide, store: new FileBridgeStore(directory), clock: systemClock }, { fee: FEE, network: 'bcrt' });
const height = async () => (await chain.tip()).height;
bridge.start(await height());
chain.on('connect', (block) => bridge!.blockConnected(block.height));

t.test('out: a mesh HTLC and an outside invoice; the preimage LDK returns settles the HTLC', async (t) => {
  const invoice = outside.node.createInvoice({ amountMsat: 40_000_000, description: 'a shop on the internet', expirySecs: 600 });
  const hash = hexToBytes(invoice.paymentHash);
  const paid = 40_000_000 + bridgeFeeOn(FEE, 40_000_000);
  bridge!.payOutRequested(MESH_NODE, invoice.bolt11);
  bridge!.meshHtlcHeld(MESH_NODE, hash, paid, (await height()) + 500);
  const fulfilled = await eventually('the mesh HTLC settled', () => mesh.find((call) => call[0] === 'fulfill' && call[1] === invoice.paymentHash), WAIT_MS, 20);
  t.equal(bytesToHex(sha256(hexToBytes(fulfilled[2]!))), invoice.paymentHash, 'with the preimage of the invoice');
  const claimed = await eventually('O to claim', () => eventOf(outside.events, 'payment-claimed', (e) => e.paymentHash === invoice.paymentHash), WAIT_MS, 20);
  t.equal(claimed.amountMsat, 40_000_000, 'O got exactly the invoice amount');
  t.match(bridge!.payments().find((record) => record.paymentHash === invoice.paymentHash), { state: 'paid', routingFeeMsat: 0 }, 'no routing fee over a direct channel: the gateway keeps the bridge fee');
});

t.test('in: O pays the invoice G issued for a mesh node hash; the node preimage claims it', async (t) => {
  const preimage = new Uint8Array(randomBytes(32));
  const paymentHash = sha256(preimage);
  const invoice = bridge!.publicInvoiceRequested(MESH_NODE, { paymentHash, amountMsat: 25_000_000, description: 'eggs', expirySecs: 600 });
  t.match(invoice, /^lnbcrt/, 'a regtest BOLT 11 invoice, signed by G');
  const paying = outside.node.payInvoice(invoice);
  const offered = await eventually('the mesh HTLC to the node', () => mesh.find((call) => call[0] === 'pay' && call[2] === bytesToHex(paymentHash)), WAIT_MS, 20);
  t.equal(offered[1], MESH_NODE);
  t.equal(Number(offered[3]), 25_000_000, 'the node is paid what it asked; the bridge fee stays with G');
  t.ok(Number(offered[4]) > (await height()) + 300, 'the mesh HTLC leaves the node most of the hold window');
  bridge!.meshPaymentSettled(paymentHash, preimage);
  const sent = await paying;
  t.equal(sent.preimage, bytesToHex(preimage), 'O learns the preimage the node revealed');
  t.equal(bridge!.payments().find((record) => record.paymentHash === bytesToHex(paymentHash))?.state, 'settled');
});

t.test('out, refused by LDK before anything leaves: the mesh HTLC fails back with the reason', async (t) => {
  const invoice = stranger.node.createInvoice({ amountMsat: 10_000_000, description: 'no route', expirySecs: 600 });
  bridge!.payOutRequested(MESH_NODE, invoice.bolt11);
  bridge!.meshHtlcHeld(MESH_NODE, hexToBytes(invoice.paymentHash), 10_000_000 + bridgeFeeOn(FEE, 10_000_000), (await height()) + 500);
  const failed = await eventually('the mesh HTLC failed', () => mesh.find((call) => call[0] === 'fail' && call[1] === invoice.paymentHash), WAIT_MS, 20);
  t.match(failed[2], /route/i, 'the reason names the missing route');
});
