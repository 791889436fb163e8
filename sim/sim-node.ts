/**
 * One node of a simulated mesh: what survives its restarts (its key, its
 * wallet, its channel store and link outbox, as a device's flash would keep
 * them) and the `MeshNode` running on them while it is on.
 *
 * Going offline stops the `MeshNode` (its timers and links) and leaves the
 * stores; coming back builds a new one on the same stores, as a rebooted
 * device does. What a real node keeps only in memory (the router's record of
 * envelopes seen) starts empty again.
 */
import type { ChannelManagerInit } from '../node/channel/manager.js';
import type { Clock } from '../node/core/clock.js';
import { type Logger, silentLogger } from '../node/core/logger.js';
import type { SeedSigner } from '../node/keys/signer.js';
import { type GatewayConfig, type LinkConfig, MeshNode } from '../node/mesh-node.js';
import { MemoryPersister } from '../node/persist/persister.js';
import { MemoryLinkOutbox } from '../transports/link/outbox.js';
import { MemorySeenMessages } from '../transports/router/seen-messages.js';
import type { StaticRoutes } from '../transports/router/route-table.js';
import type { SeededRandom } from './random.js';
import type { SimWallet } from './sim-wallet.js';

export interface SimNodeInit {
  readonly name: string;
  readonly signer: SeedSigner;
  readonly wallet: SimWallet;
  readonly clock: Clock;
  /** The node's own randomness (preimages, link nonces); each start takes a fork. */
  readonly random: SeededRandom;
  readonly channels: Omit<ChannelManagerInit, 'routes'>;
  /** Its transports are the simulated medium's: the same objects across restarts. */
  readonly links: readonly LinkConfig[];
  /** Its view of the simulator's shared route table (`RouteMatrix.routesOf`): what its router and channel manager read. */
  readonly routes: StaticRoutes;
  /** Hop limit of the envelopes it sends, enough for the longest route of the mesh (default: the router's). */
  readonly hopLimit?: number;
  readonly gateway: GatewayConfig | undefined;
  /** Where each MeshNode it starts logs (its channels' lines go nowhere: the simulator reads their events). */
  readonly logger?: Logger;
  /** Called with each `MeshNode` made, before it starts: listeners go on here. */
  readonly onStart: (mesh: MeshNode) => void;
}

export class SimNode {
  readonly name: string;
  readonly persister = new MemoryPersister();
  readonly outbox = new MemoryLinkOutbox();
  /** The running node, or the last one that ran (its manager still answers `balances`). */
  mesh: MeshNode | undefined;
  private running = false;
  private starts = 0;

  constructor(private readonly init: SimNodeInit) {
    this.name = init.name;
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { signer, wallet, clock, random, channels, links, routes, hopLimit, gateway, logger } = this.init;
    const mesh = new MeshNode(
      { signer, persister: this.persister, outbox: this.outbox, seen: new MemorySeenMessages(), wallet, clock, randomBytes: random.fork(`start ${this.starts++}`).bytes, ...(logger && { logger }), channelLogger: silentLogger, routes },
      { channels, links, defaultHopLimit: hopLimit, ...(gateway && { gateway }) },
    );
    this.init.onStart(mesh);
    this.mesh = mesh;
    this.running = true;
    await mesh.start();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.mesh!.stop();
  }

  /** Frames waiting in the node's outbox for its neighbours, not yet acknowledged. */
  outboxDepth(): number {
    let depth = 0;
    for (const peer of this.outbox.peersWithPending()) depth += this.outbox.unacknowledged(peer).length;
    return depth;
  }
}
