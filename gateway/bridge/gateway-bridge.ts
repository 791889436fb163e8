/**
 * The bridge assembled on the gateway's parts: its LDK node (`LightningPort`),
 * its mesh channels (`MeshPort`, the manager holding the nodes' HTLCs to the
 * gateway), its records in a directory of the gateway's, and what moves it:
 * the chain's blocks, the manager's events, the nodes heard again.
 *
 * A node is heard (`NodePresence`): a neighbour of the gateway while its
 * link session is up (one that stops says goodbye: down at once); a node
 * behind a relay, which has no session with the gateway, for `HEARD_FOR_MS`
 * after a message from it came through the router. Becoming heard is what
 * pays what waits for it.
 */
import type { ChannelManager, ManagerEvent } from '../../node/channel/manager.js';
import type { Clock } from '../../node/core/clock.js';
import { InvalidInputError } from '../../node/core/input.js';
import type { Logger } from '../../node/core/logger.js';
import type { Bolt11Network } from '../../node/invoice/bolt11.js';
import type { ChainBlock, ChainSource } from '../chain/chain-source.js';
import type { LightningNode } from '../lightning/lightning-node.js';
import { PUBLIC_INVOICE_FINAL_EXPIRY_DELTA } from '../../node/uplink/bridge-payments.js';
import { Bridge, type BridgeInit } from './bridge.js';
import { FileBridgeStore } from './bridge-store.js';
import { LightningPort } from './lightning-port.js';
import { MeshPort, type NodePresence, meshEventOf } from './mesh-port.js';

/** How long a node counts as heard after its last message through the router: about a LoRa node's polling interval. */
export const HEARD_FOR_MS = 10 * 60_000;

/**
 * The fewest blocks the gateway's HTLC to a node may leave it: a node takes the bridge's HTLC only with
 * PUBLIC_INVOICE_FINAL_EXPIRY_DELTA / 2 blocks left, and its height may run a few ahead of the gateway's.
 */
export const MESH_FINAL_CLTV_EXPIRY_DELTA = PUBLIC_INVOICE_FINAL_EXPIRY_DELTA / 2 + 6;

/** The bridge's settings in the gateway's config: the network comes from the mesh channels'. */
export type GatewayBridgeInit = Omit<BridgeInit, 'network'>;

/** The BOLT 11 prefix of a `ChannelManagerInit.network` (0 mainnet, 1 testnet, 2 signet, 3 regtest). */
export function bolt11NetworkOf(network: number): Bolt11Network {
  const prefix = (['bc', 'tb', 'tbs', 'bcrt'] as const)[network];
  if (!prefix) throw new InvalidInputError('channels.network', `${network} is no network the bridge knows (0 to 3)`);
  return prefix;
}

export interface GatewayBridgeComponents {
  readonly lightning: LightningNode;
  readonly manager: ChannelManager;
  readonly chain: ChainSource;
  /** Where the records go, one file per payment. */
  readonly directory: string;
  /** Whether a node is the gateway's neighbour on a link, and whether its session is up. */
  readonly links: { neighbours(): string[]; isUp(node: string): boolean };
  readonly clock: Clock;
  readonly logger: Logger;
}

export class GatewayBridge implements NodePresence {
  readonly bridge: Bridge;
  private readonly lastHeard = new Map<string, number>();
  private readonly onBlock = (block: ChainBlock) => this.bridge.blockConnected(block.height);
  private readonly onManagerEvent = (event: ManagerEvent) => {
    const meshEvent = meshEventOf(event);
    if (meshEvent) this.bridge.meshEvent(meshEvent);
  };
  private readonly lightningPort: LightningPort;

  constructor(
    private readonly components: GatewayBridgeComponents,
    init: BridgeInit,
  ) {
    const { lightning, manager, directory, clock, logger } = components;
    const store = new FileBridgeStore(directory);
    let bridge: Bridge | undefined;
    this.lightningPort = new LightningPort(lightning, (event) => bridge!.lightningEvent(event));
    this.bridge = bridge = new Bridge({ lightning: this.lightningPort, mesh: new MeshPort(manager, this), store, clock, logger }, init);
    this.attach(true);
  }

  /** At the gateway's start, before its channels resume: what a restart interrupted is finished, then blocks move it. */
  async start(): Promise<void> {
    this.attach(true);
    this.bridge.start((await this.components.chain.tip()).height);
    this.components.chain.on('connect', this.onBlock);
  }

  /** Stops listening to the chain, the channels and the LDK node (which its owner keeps running, or stops). */
  stop(): void {
    this.components.chain.off('connect', this.onBlock);
    this.attach(false);
  }

  /** The manager's and the LDK node's events reach the bridge from construction (what comes before `start` counts), until `stop`. */
  private attach(attached: boolean): void {
    this.components.manager.off('event', this.onManagerEvent);
    if (attached) this.components.manager.on('event', this.onManagerEvent);
    this.lightningPort.attach(attached);
  }

  isHeard(node: string): boolean {
    if (this.components.links.neighbours().includes(node)) return this.components.links.isUp(node);
    const heardAt = this.lastHeard.get(node);
    return heardAt !== undefined && this.components.clock.now() - heardAt < HEARD_FOR_MS;
  }

  /** A message from `node` came through the router: if it had not been heard lately, what waits for it goes now. */
  messageFrom(node: string): void {
    const wasHeard = this.isHeard(node);
    this.lastHeard.set(node, this.components.clock.now());
    if (!wasHeard) this.bridge.nodeReachable(node);
  }

  /** A neighbour's link session came up. */
  linkCameUp(node: string): void {
    this.bridge.nodeReachable(node);
  }
}
