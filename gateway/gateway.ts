/**
 * The gateway, assembled: its links to the mesh (one per transport, as a
 * node has), a mailbox in front of them for neighbours that are away, the
 * router (which also bridges mesh segments that only meet here: two LoRa
 * islands joined by MQTT), the watchtower on the chain backend, and the
 * service that answers the nodes, and the gateway's mesh channels with the
 * nodes attached to it (lnmesh's own `ChannelManager`, fed whole blocks by
 * the chain backend), and with a Lightning node the bridge between the mesh
 * and the Lightning Network (gateway/bridge/). What a node sends is split by kind: gateway-protocol
 * messages to the service, channel messages to the channels. The chain
 * backend is a component: its owner opens and closes it (an embedded bcoin
 * on regtest, or Bitcoin Core).
 */
import { bytesToHex } from '../node/core/hex.js';
import type { Clock } from '../node/core/clock.js';
import { InvalidInputError } from '../node/core/input.js';
import { type Logger, childLogger, silentLogger } from '../node/core/logger.js';
import { type NodeKey, nodeKeyFromSecret } from '../node/core/node-key.js';
import type { RandomBytes } from '../node/core/random.js';
import { type TowerSigner, towerSignerFromSecret } from '../node/gateway-protocol/receipt.js';
import { messageKind } from '../node/gateway-protocol/message-kind.js';
import { ChannelManager, type ChannelManagerInit } from '../node/channel/manager.js';
import type { Signer } from '../node/keys/signer.js';
import type { Persister, RecordStore } from '../node/persist/persister.js';
import type { FundingWallet } from '../node/wallet/funding-wallet.js';
import type { Transaction } from '../node/bolt3/transaction.js';
import { ChannelChainFeed } from './channels/channel-chain-feed.js';
import { GatewayBridge, type GatewayBridgeInit, MESH_FINAL_CLTV_EXPIRY_DELTA, bolt11NetworkOf } from './bridge/gateway-bridge.js';
import type { LightningNode } from './lightning/lightning-node.js';
import { MIN_FEERATE_PER_KW } from '../node/core/bolt-limits.js';
import { type LinkConfig, buildLinks, startLinks } from '../transports/config/link-config.js';
import type { Link } from '../transports/link/link.js';
import type { LinkOutbox } from '../transports/link/outbox.js';
import { LinkSet } from '../transports/router/link-set.js';
import { routerMessenger } from '../transports/router/messenger.js';
import { Router } from '../transports/router/router.js';
import type { SeenMessages } from '../transports/router/seen-messages.js';
import type { ChainSource } from './chain/chain-source.js';
import { ChainFeed, type ChainFeedInit } from './relay/chain-feed.js';
import type { FeedStore } from './relay/feed-store.js';
import type { Mailbox } from './relay/mailbox.js';
import { MailboxLink, configuredStanding } from './relay/mailbox-link.js';
import { NodeService } from './relay/node-service.js';
import type { AppointmentStore } from './tower/appointment-store.js';
import { TowerHttpApi, type TowerHttpApiInit } from './tower/http-api.js';
import type { ResponseStore } from './tower/response-store.js';
import { Watchtower, type WatchtowerInit } from './tower/watchtower.js';

/** The gateway's key from a secret (kept in its data directory): node key and tower signer in one. */
export function gatewayKeyFromSecret(secretKey: Uint8Array): NodeKey & TowerSigner {
  return { ...nodeKeyFromSecret(secretKey), ...towerSignerFromSecret(secretKey) };
}

export interface GatewayComponents {
  /** The gateway's key: its node id on the mesh, its link handshakes, and the signature of receipts and alerts. */
  readonly key: NodeKey & TowerSigner;
  readonly chain: ChainSource;
  readonly appointments: AppointmentStore;
  readonly responses: ResponseStore;
  readonly mailbox: Mailbox;
  /** The chain feed's watches and cursors, per node. */
  readonly feedStore: FeedStore;
  readonly outbox: LinkOutbox;
  readonly seen: SeenMessages;
  readonly clock: Clock;
  readonly randomBytes: RandomBytes;
  /** Where every part says what it survived, each as `<part>: ...` (`link 0`, `router`, `tower`, ...); by default nowhere. */
  readonly logger?: Logger;
  /** The mesh channels' parts; without them the gateway holds no channels and drops channel messages (with a warning). */
  readonly channels?: GatewayChannelComponents;
  /**
   * The gateway's Lightning node (started by its owner): with the channels,
   * the gateway bridges payments between the mesh and the Lightning Network
   * (gateway/bridge/), keeping its records in `bridgeDirectory`.
   */
  readonly lightning?: LightningNode;
  readonly bridgeDirectory?: string;
}

/** What the gateway's mesh channels need besides the gateway's chain and router. */
export interface GatewayChannelComponents {
  /** Its node id must be the gateway's key's (see `GatewaySigner`). */
  readonly signer: Signer;
  /** Channels, and the blocks delivered to them; crash-safe as a node's (the node's lmdb persister). */
  readonly persister: Persister & RecordStore;
  readonly wallet: FundingWallet;
}

export interface GatewayConfig {
  /** One per transport: the mesh nodes (or relays) heard on each. */
  readonly links: readonly LinkConfig[];
  /** Destination node id (hex) to the neighbour that leads there, for nodes beyond the gateway's neighbours. */
  readonly routes?: Readonly<Record<string, string>>;
  /** Hop limit of the envelopes the gateway sends. Default 8 (the router's). */
  readonly defaultHopLimit?: number;
  /**
   * The watchtower's settings; `watch: false` keeps the nodes' appointments
   * but answers no breach (a tower switched off: the nodes must punish
   * breaches themselves). Watching by default.
   */
  readonly tower?: WatchtowerInit & { readonly watch?: boolean };
  readonly feed?: ChainFeedInit;
  /** The tower's local HTTP API for other clients (signed requests); absent: none. */
  readonly towerHttp?: TowerHttpApiInit;
  /** The mesh channels' settings (network, policy); their route table is `routes`. Needed with the channel components. */
  readonly channels?: Omit<ChannelManagerInit, 'routes'>;
  /** The bridge's fee and deadlines, needed with the Lightning node; its network is the channels'. */
  readonly bridge?: GatewayBridgeInit;
}

export class Gateway {
  readonly links: readonly Link[];
  readonly router: Router;
  readonly tower: Watchtower;
  readonly service: NodeService;
  readonly feed: ChainFeed;
  readonly relay: MailboxLink;
  readonly towerHttp: TowerHttpApi | undefined;
  /** The mesh channels with the nodes, when the channel components are given. */
  readonly manager: ChannelManager | undefined;
  private readonly channelFeed: ChannelChainFeed | undefined;
  /** Payments between the mesh and the Lightning Network, when the Lightning node is given with the channels. */
  readonly bridge: GatewayBridge | undefined;
  private readonly logger: Logger;
  /** False when the configuration switched the tower off: it keeps appointments and watches nothing. */
  readonly towerWatching: boolean;
  /** Gateway-protocol messages to the service, channel messages to the channels. */
  private readonly onMessage = (source: string, payload: Uint8Array) => {
    this.bridge?.messageFrom(source);
    if (messageKind(payload) === 'gateway') return void this.service.handleMessage(source, payload);
    if (this.manager) return this.manager.handleMessage(source, payload);
    this.logger.log('warn', `a channel message from ${source}, and this gateway holds no channels`);
  };
  private readonly onLinkPeer = (peer: string, up: boolean) => up && this.bridge?.linkCameUp(peer);
  private readonly linkSet: LinkSet;
  private running = false;

  constructor(
    private readonly components: GatewayComponents,
    config: GatewayConfig,
  ) {
    for (const name of ['key', 'chain', 'appointments', 'responses', 'mailbox', 'feedStore', 'outbox', 'seen', 'clock', 'randomBytes'] as const) {
      if (!components?.[name]) throw new InvalidInputError(name, 'missing: the gateway needs it');
    }
    const { key, clock, randomBytes } = components;
    const logger: Logger = (this.logger = components.logger ?? silentLogger);
    this.links = buildLinks(config.links, { nodeKey: key, clock, outbox: components.outbox, randomBytes, logger });
    const linkSet = (this.linkSet = new LinkSet(this.links));
    // Mail from nodes the config names has standing; any other source is a stranger with the smallest share.
    const standing = configuredStanding([...linkSet.neighbours(), ...Object.keys(config.routes ?? {}).filter((destination) => destination !== '*')]);
    this.relay = new MailboxLink(linkSet, components.mailbox, { ownId: bytesToHex(key.nodeId), standing, logger: childLogger(logger, 'mailbox') });
    this.router = new Router({ link: this.relay, nodeKey: key, randomBytes, seen: components.seen, clock: components.clock, logger: childLogger(logger, 'router') }, { routes: config.routes ?? {}, neighbours: linkSet.neighbours(), defaultHopLimit: config.defaultHopLimit });
    this.tower = new Watchtower({ store: components.appointments, responses: components.responses, chain: components.chain, clock, signer: key, logger: childLogger(logger, 'tower') }, config.tower);
    this.towerWatching = config.tower?.watch !== false;
    this.feed = new ChainFeed({ messenger: routerMessenger(this.router), chain: components.chain, store: components.feedStore, clock, logger: childLogger(logger, 'feed') }, config.feed);
    this.manager = components.channels && this.createManager(components.channels, config, logger);
    this.bridge = this.manager && components.lightning && this.createBridge(this.manager, components.lightning, config, logger);
    const bridge = this.bridge?.bridge;
    this.service = new NodeService({ messenger: routerMessenger(this.router), chain: components.chain, tower: this.tower, feed: this.feed, ...(bridge && { bridge }), logger: childLogger(logger, 'service') });
    // The gateway reads every block and mempool transaction itself, and keeps each remedy: no tower of its own to tell.
    this.manager?.on('event', (event) => event.type === 'appointment' && this.manager!.appointmentDelivered(event.appointment.locator));
    this.channelFeed =
      this.manager &&
      new ChannelChainFeed({ chain: components.chain, listener: this.manager, store: components.channels!.persister, feerateSeen: (feeratePerKw) => this.channelFeerate(feeratePerKw), logger: childLogger(logger, 'channels') });
    this.towerHttp = config.towerHttp && new TowerHttpApi({ tower: this.tower, store: components.appointments, gatewayId: key.nodeId, clock, logger: childLogger(logger, 'tower http') }, config.towerHttp);
  }

  /** The channel manager on the gateway's parts: its router as messenger, its chain as broadcaster. */
  private createManager(channels: GatewayChannelComponents, config: GatewayConfig, logger: Logger): ChannelManager {
    if (!config.channels) throw new InvalidInputError('channels', 'missing: the mesh channels need their settings (network) with their components');
    if (bytesToHex(channels.signer.nodeId) !== bytesToHex(this.components.key.nodeId)) throw new InvalidInputError('channels.signer', "its node id is not the gateway's: the nodes would not know the channels' peer");
    const channelLogger = childLogger(logger, 'channels');
    const broadcaster = { broadcast: (tx: Transaction) => this.broadcast(tx, channelLogger) };
    return new ChannelManager(
      { signer: channels.signer, persister: channels.persister, messenger: routerMessenger(this.router), wallet: channels.wallet, broadcaster, randomBytes: this.components.randomBytes, logger: channelLogger },
      // With a Lightning node, HTLCs to the gateway with no invoice of its own are held for the bridge.
      { ...config.channels, routes: config.routes ?? {}, ...(this.components.lightning && { holdUnknownPayments: true }) },
    );
  }

  private createBridge(manager: ChannelManager, lightning: LightningNode, config: GatewayConfig, logger: Logger): GatewayBridge {
    const directory = this.components.bridgeDirectory;
    if (!directory) throw new InvalidInputError('bridgeDirectory', 'missing: the bridge keeps its records there');
    if (!config.bridge) throw new InvalidInputError('bridge', 'missing: the bridge needs its fee with the Lightning node');
    const { chain, clock } = this.components;
    return new GatewayBridge(
      { lightning, manager, chain, directory, clock, links: this.linkSet, logger: childLogger(logger, 'bridge') },
      { meshFinalCltvExpiryDelta: MESH_FINAL_CLTV_EXPIRY_DELTA, ...config.bridge, network: bolt11NetworkOf(config.channels!.network) },
    );
  }

  /** The backend's estimate, for the channels' claims and sweeps, and update_fee on the channels the gateway funded. */
  private channelFeerate(feeratePerKw: number): void {
    if (feeratePerKw < MIN_FEERATE_PER_KW) return;
    try {
      for (const reason of this.manager!.updateFeerate(feeratePerKw)) this.logger.log('warn', `channels: a channel keeps its feerate: ${reason}`);
    } catch (error) {
      this.logger.log('warn', `channels: the backend's feerate ${feeratePerKw} sat/kw is not taken: ${(error as Error).message}`);
    }
  }

  /** The channels' transactions go to the chain backend; a refusal is logged for the operator (claims go again each block until they confirm). */
  private broadcast(tx: Transaction, logger: Logger): void {
    this.components.chain.broadcast(tx).then(
      (result) => !result.accepted && logger.log('warn', `transaction ${result.txid} refused by the chain backend: ${result.reason}`),
      (error: Error) => logger.log('warn', `transaction ${tx.getId()} could not reach the chain backend: ${error.message}`),
    );
  }

  /**
   * Starts the tower (it catches up with the chain) unless switched off,
   * the service, the channels (caught up with the chain before any peer is
   * heard: an HTLC is checked against a current height) and the links; then
   * the channels send what they owe. The chain must be open.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (this.towerWatching) await this.tower.start();
      this.service.start();
      this.feed.start();
      await this.channelFeed?.start();
      await this.bridge?.start();
      this.router.on('message', this.onMessage);
      this.linkSet.on('peer', this.onLinkPeer);
      this.router.start();
      await this.towerHttp?.start();
      await startLinks(this.links);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.manager?.resume();
  }

  /** Stops the links, the service and the tower; stores and chain stay open (their owner closes them). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.towerHttp?.stop();
    await this.channelFeed?.stop(); // the block being delivered finishes while the router can still send what it produces
    this.router.stop();
    this.router.off('message', this.onMessage);
    this.linkSet.off('peer', this.onLinkPeer);
    this.bridge?.stop();
    this.service.stop();
    await this.feed.stop();
    await Promise.all(this.links.map((link) => link.stop()));
    await this.tower.stop();
  }
}
