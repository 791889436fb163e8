/**
 * A node of the mesh, assembled: its channels (`ChannelManager`) talk
 * through the router, the router through a link per transport, and one
 * static route table serves both the router (which neighbour carries an
 * envelope) and the payments (which channel an HTLC takes).
 *
 * This is what the node daemon builds from its config and what the
 * simulator builds for each node. Everything with a state or a side effect
 * is a component passed in (the signer, the stores, the wallet, the
 * broadcaster, the clock, randomness); transports come described as data
 * (`TransportSpec`) or, for the in-memory medium, as ready objects.
 *
 * The node's key (its signer) is its identity everywhere: it signs the
 * channels, proves itself in each link handshake, and seals routed
 * envelopes end to end.
 */
import { type LinkConfig, buildLinks, startLinks, withField } from '../transports/config/link-config.js';
import type { Link } from '../transports/link/link.js';
import type { LinkOutbox } from '../transports/link/outbox.js';
import { LinkSet } from '../transports/router/link-set.js';
import { deliverToHandler, routerMessenger } from '../transports/router/messenger.js';
import { Router } from '../transports/router/router.js';
import { RouteTable, type StaticRoutes } from '../transports/router/route-table.js';
import type { SeenMessages } from '../transports/router/seen-messages.js';
import { type Broadcaster, ChannelManager, type ChannelManagerInit } from './channel/manager.js';
import type { FundingWallet } from './wallet/funding-wallet.js';
import type { Clock } from './core/clock.js';
import { type Logger, childLogger, silentLogger } from './core/logger.js';
import { InvalidInputError } from './core/input.js';
import type { RandomBytes } from './core/random.js';
import type { Signer } from './keys/signer.js';
import type { Persister, RecordStore } from './persist/persister.js';
import { type Checkpoint, HeaderChain } from './chain/header-chain.js';
import { type NetworkName, networkParams } from './chain/network-params.js';
import type { ChainFilter } from './chain/chain-listener.js';
import type { ChainFeedClientInit } from './uplink/chain-feed-client.js';
import { Uplink } from './uplink/uplink.js';
import { messageKind } from './gateway-protocol/message-kind.js';

export interface MeshNodeComponents {
  /** The node key and the channels' keys. */
  readonly signer: Signer;
  /** Channels, invoices, remedies, and the header chain. */
  readonly persister: Persister & RecordStore;
  /** What the links have not delivered yet, shared by all of them (sequences are per neighbour). */
  readonly outbox: LinkOutbox;
  /** Routed envelopes already delivered. */
  readonly seen: SeenMessages;
  readonly wallet: FundingWallet;
  /** Where signed transactions go; by default, with a gateway configured, to the gateway. */
  readonly broadcaster?: Broadcaster;
  readonly clock: Clock;
  readonly randomBytes: RandomBytes;
  /**
   * Where every layer says what it does or survived, by default nowhere:
   * each logs as `<layer>: ...` (`link 0`, `router`, `uplink`).
   */
  readonly logger?: Logger;
  /** Where the channels say what they do on chain (claims, bumps, closes); by default `logger`, as `channels: ...`. */
  readonly channelLogger?: Logger;
  /** The route table the router and the channels share; by default the config's `routes` and `channels.routeLengths`, read as a `RouteTable`. */
  readonly routes?: StaticRoutes;
}

/** The node's gateway: the watchtower, the chain view and the broadcaster, through the router. */
export interface GatewayConfig {
  /** Its node id (hex); its key signs receipts and alerts. */
  readonly nodeId: string;
  /** The Bitcoin network whose headers the node follows. */
  readonly network: NetworkName;
  /** Where the node's header chain starts; genesis by default. */
  readonly checkpoint?: Checkpoint;
  readonly pollIntervalMs?: number;
  /** The chain feed's settings: silence before asking the gateway, blocks to fall behind while idle. */
  readonly feed?: ChainFeedClientInit;
}

export interface MeshNodeConfig {
  /** The channel manager's settings; its route table is `routes`. */
  readonly channels: Omit<ChannelManagerInit, 'routes'>;
  /** One per transport; a neighbour is on exactly one. */
  readonly links: readonly LinkConfig[];
  /** Destination node id (hex), or `*` for the default route to the gateway, to the neighbour that leads there. */
  readonly routes?: Readonly<Record<string, string>>;
  /** Hop limit of the envelopes this node sends. Default 8. */
  readonly defaultHopLimit?: number;
  /** The gateway, if the node has one (it usually does: appointments, chain view, broadcasts). */
  readonly gateway?: GatewayConfig;
}

export type { LinkConfig, LinkTiming, NeighbourConfig } from '../transports/config/link-config.js';
export { LinkStartError } from '../transports/config/link-config.js';

export class MeshNode {
  readonly manager: ChannelManager;
  readonly router: Router;
  readonly links: readonly Link[];
  /** The gateway's services, when one is configured. */
  readonly uplink: Uplink | undefined;
  private readonly linkSet: LinkSet;
  private readonly outbox: LinkOutbox;
  private undeliver: (() => void) | undefined;
  private running = false;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** The last tip the gateway's feed brought, and when: the base of the height estimate. */
  private lastTip = { height: 0, at: 0 };
  private cancelEstimate: (() => void) | undefined;

  /** Builds every layer; opens nothing. A config that does not hold together is an `InvalidInputError` naming the field. */
  constructor(components: MeshNodeComponents, config: MeshNodeConfig) {
    for (const name of ['signer', 'persister', 'outbox', 'seen', 'wallet', 'clock', 'randomBytes'] as const) {
      if (!components?.[name]) throw new InvalidInputError(name, 'missing: the mesh node needs it');
    }
    if (!components.broadcaster && !config.gateway) throw new InvalidInputError('broadcaster', 'missing: without a gateway, the mesh node needs a broadcaster');
    const { signer, outbox, clock, randomBytes } = components;
    this.clock = clock;
    this.outbox = outbox;
    const logger = (this.logger = components.logger ?? silentLogger);
    this.links = buildLinks(config.links, { nodeKey: signer, clock, outbox, randomBytes, logger });
    this.linkSet = new LinkSet(this.links);
    // One table for the router and the channels: a mesh of hundreds of nodes has as many entries.
    const routes = components.routes ?? RouteTable.parse(config.routes ?? {}, 'routes', config.channels.routeLengths);
    // What the gateway sends through us (it may be no neighbour, and no entry of the table) has standing with the relay bounds.
    this.router = new Router({ link: this.linkSet, nodeKey: signer, randomBytes, seen: components.seen, clock, logger: childLogger(logger, 'router'), routes }, { neighbours: this.linkSet.neighbours(), defaultHopLimit: config.defaultHopLimit, ...(config.gateway && { knownSources: [config.gateway.nodeId] }) });
    const broadcaster: Broadcaster = components.broadcaster ?? { broadcast: (tx) => this.uplink!.broadcast(tx) };
    // The uplink is built after the manager (it needs it): the manager's watches reach its feed through this.
    const chainFilter: ChainFilter = {
      watchTransaction: (txid) => this.uplink?.feed.watchTransaction(txid),
      watchOutput: (outpoint) => this.uplink?.feed.watchOutput(outpoint),
    };
    this.manager = new ChannelManager(
      { signer, persister: components.persister, messenger: routerMessenger(this.router), wallet: components.wallet, broadcaster, randomBytes, ...(config.gateway && { chainFilter }), logger: components.channelLogger ?? childLogger(logger, 'channels'), routes },
      { ...config.channels, ...(config.gateway && { towerOperator: config.gateway.nodeId }) },
    );
    this.uplink = config.gateway && this.createUplink(components, config.gateway);
    if (this.uplink) {
      const feed = this.uplink.feed;
      feed.addChainListener(this.manager);
      feed.busy = () => this.manager.needsEveryBlock();
      feed.on('tip', (height, synced, gatewayTip) => {
        this.lastTip = { height, at: this.clock.now() };
        this.manager.chainTipSeen(gatewayTip);
        if (synced) this.manager.setChainSynced(true);
      });
      this.manager.on('event', (event) => event.type === 'appointment' && this.uplink?.appointmentQueued());
    }
  }

  private createUplink(components: MeshNodeComponents, gateway: GatewayConfig): Uplink {
    const headerChain = withField('gateway', () =>
      HeaderChain.open({ network: networkParams(gateway.network), ...(gateway.checkpoint && { checkpoint: gateway.checkpoint }), store: components.persister }),
    );
    const uplink = withField(
      'gateway',
      () =>
        new Uplink(
          { messenger: routerMessenger(this.router), manager: this.manager, headerChain, store: components.persister, clock: components.clock, randomBytes: components.randomBytes, nodeId: components.signer.nodeId, logger: childLogger(this.logger, 'uplink') },
          { gatewayId: gateway.nodeId, ...(gateway.pollIntervalMs !== undefined && { pollIntervalMs: gateway.pollIntervalMs }), ...(gateway.feed && { feed: gateway.feed }) },
        ),
    );
    return uplink;
  }

  /**
   * Opens every transport, resumes the links' outboxes and what the channels
   * owe. Attach listeners to `manager` before: resuming may settle payments.
   * If a transport cannot open, the others are closed again and the error
   * says which link failed.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const uplink = this.uplink;
    // The gateway's protocol messages are for the uplink; channel messages, the gateway's too (it is a channel peer), for the channels.
    this.undeliver = deliverToHandler(this.router, {
      handleMessage: (peer, bytes) => (uplink && peer === uplink.gatewayId && messageKind(bytes) === 'gateway' ? uplink.handleMessage(bytes) : this.manager.handleMessage(peer, bytes)),
    });
    this.router.start();
    if (uplink) {
      // Our height as the feed last left it; payments to us wait until the gateway confirms it is current.
      // Before the links start: a peer's first message may already complete an HTLC to us.
      this.manager.bestBlockUpdated(uplink.feed.height);
      this.manager.setChainSynced(false);
    }
    const known = new Set(this.linkSet.neighbours());
    for (const peer of this.outbox.peersWithPending()) {
      if (!known.has(peer)) this.logger.log('warn', `the outbox holds messages for ${peer}, which is on no link: they wait until it is configured again`);
    }
    try {
      await startLinks(this.links);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.manager.resume();
    this.uplink?.start();
    if (this.uplink) this.estimateHeightEvery(ESTIMATE_HEIGHT_EVERY_MS);
  }

  /**
   * While the gateway is silent, the chain goes on: every few minutes the
   * manager is told how high it may be by now, counting blocks as if they
   * came every 400 seconds instead of 600 (an upper bound, not a guess).
   */
  private estimateHeightEvery(ms: number): void {
    const clock = this.clock;
    this.lastTip = { height: this.uplink!.feed.height, at: clock.now() };
    const tick = () => {
      if (!this.running) return;
      this.manager.estimateHeight(this.lastTip.height + Math.floor((clock.now() - this.lastTip.at) / FAST_BLOCK_MS));
      this.cancelEstimate = clock.setTimer(ms, tick);
    };
    this.cancelEstimate = clock.setTimer(ms, tick);
  }

  /** Stops the links (timers, sessions, transports); the outbox and the channels stay on disk. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancelEstimate?.();
    this.uplink?.stop();
    this.undeliver?.();
    this.undeliver = undefined;
    this.router.stop();
    await Promise.all(this.links.map((link) => link.stop()));
  }
}

/** Blocks counted as if they came every 400 s (they come every 600 s on average): the height estimate is an upper bound. */
const FAST_BLOCK_MS = 400_000;
/** How often the estimate is brought up to date. */
const ESTIMATE_HEIGHT_EVERY_MS = 600_000;
