/**
 * The gateway's bridge in one process, ready to pay across the Lightning
 * Network (issue 17), with real parts: an embedded bcoin regtest chain past
 * segwit; a `Gateway` with its mesh channels and its LDK node (G); an outside
 * LDK node (O, the rest of the Lightning Network) with a 1,000,000 sat
 * channel from G over TCP on 127.0.0.1 (300,000 sat pushed to O, so that O
 * can pay in); and one mesh node beside the gateway, with a 500,000 sat
 * channel to it (100,000 pushed to the gateway, so that it can pay the node),
 * following the chain through it. The link between the node and the gateway
 * runs on transports the caller makes (a LoRa model, a memory medium), so
 * that a bench can count what it carries. Everything runs in real time.
 *
 * test/gateway/bridge/bridge-mesh.test.ts wires the same parts by hand, with
 * restarts; bench/bridge.ts measures a payment each way on this rig.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../../node/core/hex.js';
import { EmbeddedChain } from '../../gateway/chain/embedded-chain.js';
import { coinbaseAt, mineToSegwit } from '../../gateway/chain/regtest-coins.js';
import type { BridgeFee } from '../../gateway/bridge/bridge.js';
import { gatewayChannelWallet } from '../../gateway/channels/channel-wallet.js';
import { GatewaySigner } from '../../gateway/channels/gateway-signer.js';
import { Gateway, gatewayKeyFromSecret } from '../../gateway/gateway.js';
import { LightningNode } from '../../gateway/lightning/lightning-node.js';
import type { LightningEvent } from '../../gateway/lightning/lightning-events.js';
import { FeedStore } from '../../gateway/relay/feed-store.js';
import { Mailbox } from '../../gateway/relay/mailbox.js';
import { AppointmentStore } from '../../gateway/tower/appointment-store.js';
import { ResponseStore } from '../../gateway/tower/response-store.js';
import { ObservedFeerates } from '../../node/chain/fee-estimator.js';
import type { ManagerEvent } from '../../node/channel/manager.js';
import { systemClock } from '../../node/core/clock.js';
import { MeshNode } from '../../node/mesh-node.js';
import { LmdbPersister } from '../../node/persist/lmdb.js';
import type { BridgeParts } from '../../node/uplink/bridge-payments.js';
import type { LinkTiming } from '../../transports/config/link-config.js';
import { MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { MemorySeenMessages } from '../../transports/router/seen-messages.js';
import type { Transport } from '../../transports/transport.js';
import { coinbaseWallet } from './coinbase-wallet.js';
import { warningsInto } from './logger.js';
import { eventually } from './poll.js';
import { randomBytes } from './random.js';
import { RegtestCoinbaseWallet } from '../../gateway/wallet/regtest-coinbase-wallet.js';
import { signerOf } from './signer-of.js';

const LOOPBACK = '127.0.0.1';
const SETUP_WAIT_MS = 60_000;
const GATEWAY_SECRET = sha256(Uint8Array.of(0x7b));
const GATEWAY_ID = bytesToHex(gatewayKeyFromSecret(GATEWAY_SECRET).nodeId);
const NODE_SIGNER = signerOf(40);

export interface BridgeRigInit {
  /** The transport of each end's link to the other (its address there is its name: 'gateway', 'node'). */
  readonly transport: (end: 'gateway' | 'node') => Transport;
  /** Both links' timings; default the link's own (5 s first retransmission, acks delayed 200 ms). */
  readonly timing?: LinkTiming;
  /** The gateway's bridge fee; default 1 sat plus 0.2%. */
  readonly fee?: BridgeFee;
}

/** An LDK node and what it reported. */
export interface RigLightningNode {
  readonly node: LightningNode;
  readonly events: LightningEvent[];
}

export interface BridgeRig {
  readonly chain: EmbeddedChain;
  readonly gateway: Gateway;
  readonly gatewayId: string;
  /** The gateway's own LDK node. */
  readonly ldk: RigLightningNode;
  /** The outside node. */
  readonly outside: RigLightningNode;
  readonly node: MeshNode;
  readonly nodeId: string;
  readonly nodeEvents: ManagerEvent[];
  /** Where every part keeps its files (removed by `stop`). */
  readonly directory: string;
  /** Warnings and errors every part logged, prefixed by who. */
  readonly warnings: string[];
  /** The node's parts for `prepareBridgePayment` and `issuePublicInvoice`, with the time now. */
  parts(): BridgeParts;
  /** Stops everything and removes the files; safe to call twice. */
  stop(): Promise<void>;
}

/** What to undo, last first. */
type Cleanup = (() => unknown)[];

/** The rig, both channels open and the node following the chain; on failure, whatever started is stopped. */
export async function startBridgeRig(init: BridgeRigInit): Promise<BridgeRig> {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-bridge-rig-'));
  const cleanup: Cleanup = [() => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const undo of cleanup.splice(0).reverse()) await Promise.resolve(undo()).catch(() => undefined);
  };
  try {
    const warnings: string[] = [];
    const chain = new EmbeddedChain({});
    await chain.open();
    cleanup.push(() => chain.close());
    await mineToSegwit(chain);
    const ldk = await startLightningNode(chain, 0x21, dir, cleanup, [3]);
    const outside = await startLightningNode(chain, 0x22, dir, cleanup, []);
    const gateway = await startGateway(init, chain, ldk.node, dir, cleanup, warnings);
    const node = await startMeshNode(init, chain, dir, cleanup, warnings);
    await openOutsideChannel(chain, ldk, outside);
    await openMeshChannel(chain, ldk, node.mesh);
    return {
      chain, gateway, gatewayId: GATEWAY_ID, ldk, outside, node: node.mesh, nodeId: bytesToHex(NODE_SIGNER.nodeId), nodeEvents: node.events, directory: dir, warnings, stop,
      parts: () => ({ manager: node.mesh.manager, uplink: node.mesh.uplink!, network: 'regtest', now: Math.floor(Date.now() / 1000) }),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** An LDK node on `chain`, seeded with 32 bytes of `fill`, its wallet holding the coinbases at `coinHeights`. */
async function startLightningNode(chain: EmbeddedChain, fill: number, dir: string, cleanup: Cleanup, coinHeights: number[]): Promise<RigLightningNode> {
  const coins = await Promise.all(coinHeights.map((height) => coinbaseAt(chain, height)));
  const node = await LightningNode.create(
    { broadcaster: { broadcast: (tx) => void chain.broadcast(tx) }, feeEstimator: new ObservedFeerates(), chain, wallet: new RegtestCoinbaseWallet(coins) },
    { seed: new Uint8Array(32).fill(fill), network: 'regtest', dataDir: join(dir, `ldk-${fill}`), listen: { host: LOOPBACK, port: 0 } },
  );
  cleanup.push(() => node.stop());
  const events: LightningEvent[] = [];
  node.on('event', (event) => events.push(event));
  return { node, events };
}

/** The gateway, its stores in `dir`, with its mesh channels, its LDK node and the bridge; started. */
async function startGateway(init: BridgeRigInit, chain: EmbeddedChain, lightning: LightningNode, dir: string, cleanup: Cleanup, warnings: string[]): Promise<Gateway> {
  const key = gatewayKeyFromSecret(GATEWAY_SECRET);
  const signer = new GatewaySigner(key, GATEWAY_SECRET);
  const persister = new LmdbPersister(join(dir, 'gateway-channels'));
  const stores = [new AppointmentStore(join(dir, 'appointments')), new ResponseStore(join(dir, 'responses')), new Mailbox(join(dir, 'mailbox'), systemClock), new FeedStore(join(dir, 'feed'))] as const;
  cleanup.push(async () => {
    for (const store of stores) await store.close();
    persister.close();
  });
  const [appointments, responses, mailbox, feedStore] = stores;
  const gateway = new Gateway(
    {
      key, chain, appointments, responses, mailbox, feedStore, outbox: new MemoryLinkOutbox(), seen: new MemorySeenMessages(), clock: systemClock, randomBytes,
      logger: warningsInto(warnings, 'gateway: '),
      channels: { signer, persister, wallet: gatewayChannelWallet(signer, persister) },
      lightning,
      bridgeDirectory: join(dir, 'bridge'),
    },
    {
      links: [{ transport: init.transport('gateway'), neighbours: [{ nodeId: bytesToHex(NODE_SIGNER.nodeId), address: 'node' }], ...(init.timing && { timing: init.timing }) }],
      channels: { network: 3, minimumDepth: 1 },
      bridge: { fee: init.fee ?? { baseMsat: 1_000, proportionalMillionths: 2_000 } },
    },
  );
  cleanup.push(() => gateway.stop());
  await gateway.start();
  return gateway;
}

/** The mesh node, its channels in lmdb, funded from the coinbase at height 1; started. Every uplink setting at its default. */
async function startMeshNode(init: BridgeRigInit, chain: EmbeddedChain, dir: string, cleanup: Cleanup, warnings: string[]): Promise<{ mesh: MeshNode; events: ManagerEvent[] }> {
  const gatewayId = GATEWAY_ID;
  const persister = new LmdbPersister(join(dir, 'node-channels'));
  cleanup.push(() => persister.close());
  const wallet = coinbaseWallet([await coinbaseAt(chain, 1)], sha256(Uint8Array.of(0xe0)));
  const mesh = new MeshNode(
    { signer: NODE_SIGNER, persister, outbox: new MemoryLinkOutbox(), seen: new MemorySeenMessages(), wallet, clock: systemClock, randomBytes, logger: warningsInto(warnings, 'node: ') },
    {
      channels: { network: 3, minimumDepth: 1 },
      links: [{ transport: init.transport('node'), neighbours: [{ nodeId: gatewayId, address: 'gateway' }], ...(init.timing && { timing: init.timing }) }],
      routes: { '*': gatewayId },
      gateway: { nodeId: gatewayId, network: 'regtest' },
    },
  );
  const events: ManagerEvent[] = [];
  mesh.manager.on('event', (event) => events.push(event));
  cleanup.push(() => mesh.stop());
  await mesh.start();
  return { mesh, events };
}

/** G's channel to O, its funding in the mempool (mined with the mesh channel's). */
async function openOutsideChannel(chain: EmbeddedChain, ldk: RigLightningNode, outside: RigLightningNode): Promise<void> {
  await ldk.node.connect(outside.node.nodeId, LOOPBACK, await outside.node.listen());
  await eventually('the LDK peers to connect', () => (ldk.node.peers().length > 0 ? true : undefined), SETUP_WAIT_MS, 20);
  await ldk.node.openChannel(outside.node.nodeId, 1_000_000, { pushMsat: 300_000_000 });
  const pending = await eventually('the LDK channel pending', () => ldk.events.find((event) => event.type === 'channel-pending'), SETUP_WAIT_MS, 20);
  const txid = pending.type === 'channel-pending' ? pending.fundingTxid : '';
  await eventually('the LDK funding in the mempool', async () => ((await chain.status(txid)).state === 'mempool' ? true : undefined), SETUP_WAIT_MS, 20);
}

/** The node's channel to the gateway; both channels mined and usable, and the node at the chain's tip. */
async function openMeshChannel(chain: EmbeddedChain, ldk: RigLightningNode, node: MeshNode): Promise<void> {
  node.manager.openChannel(GATEWAY_ID, 500_000, 100_000_000);
  const funding = () => node.manager.channelSummaries()[0]?.fundingTxid ?? '00'.repeat(32);
  await eventually("the node's funding in the mempool", async () => ((await chain.status(funding())).state === 'mempool' ? true : undefined), SETUP_WAIT_MS, 20);
  await chain.mine(6);
  await eventually('both channels usable', () => (ldk.node.channels()[0]?.usable && node.manager.channelSummaries()[0]?.status === 'open' ? true : undefined), SETUP_WAIT_MS, 20);
  await eventually('the node following the chain', async () => (node.uplink!.chainHeight === (await chain.tip()).height ? true : undefined), SETUP_WAIT_MS, 20);
}
