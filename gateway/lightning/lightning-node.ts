/**
 * `LightningNode`: the gateway's node on the Lightning Network, rust-lightning
 * (LDK) assembled in `ldk-assembly.ts`, fed the chain by `LdkChainFeed`,
 * funding channels from the gateway's wallet (`ChannelFunding`), paying and
 * being paid (`Payments`), its state written crash-safe under the data
 * directory: each channel monitor as it changes, the `ChannelManager`
 * whenever LDK says it changed and on stop. Peers over TCP (BOLT 8) through
 * our `SocketDriver`. Gossip from peers fills the network graph that
 * payments are routed in (`network-graph.ts`: pruned and written hourly, and on stop).
 */
import { EventEmitter } from 'node:events';
import { hexToBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from '../../node/core/hex.js';
import { childLogger, silentLogger, type Logger } from '../../node/core/logger.js';
import { systemClock, type Clock } from '../../node/core/clock.js';
import { checkBytes, checkInteger } from '../../node/core/input.js';
import type { NetworkName } from '../../node/chain/network-params.js';
import type { Broadcaster } from '../../node/chain/broadcaster.js';
import type { FeeEstimator } from '../../node/chain/fee-estimator.js';
import type { ChainSource } from '../chain/chain-source.js';
import type { OnChainWallet } from '../wallet/on-chain-wallet.js';
import type { ChannelManager, Event, Future, NetworkGraph, Result_NoneReplayEventZ } from 'lightningdevkit';
import { loadLdk, type Ldk } from './ldk.js';
import { ldkFeerate } from './ldk-fee-estimator.js';
import { assemble, type LdkParts } from './ldk-assembly.js';
import { LdkChainFeed, type FedBlock } from './ldk-chain-feed.js';
import { commitChannelState } from './channel-state-journal.js';
import { ChannelFunding } from './channel-funding.js';
import { Payments, type CreatedInvoice, type InvoiceRequest, type PaymentSent, type PayOptions } from './payments.js';
import { channelSummary, closeChannel, type ChannelSummary } from './channels.js';
import { saveSpendableOutputs } from './spendable-outputs.js';
import type { LightningEvent } from './lightning-events.js';
import { OutgoingPayments, type OutgoingPayment } from './outgoing-payments.js';
import { SocketDriver } from './socket-driver.js';
import { PeerAddresses } from './peer-addresses.js';
import { GRAPH_PRUNE_EVERY_TICKS, GRAPH_PRUNE_FIRST_TICK, graphSize, pruneNetworkGraph, writeNetworkGraph, type GraphSize } from './network-graph.js';
import { DEFAULT_RECONNECT_POLICY, Reconnector, type ReconnectPolicy } from './reconnector.js';

export interface LightningNodeComponents {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Where LDK's signed transactions go (the gateway's chain backend). */
  readonly broadcaster: Broadcaster;
  readonly feeEstimator: FeeEstimator;
  /** The chain LDK follows (blocks connected and disconnected). */
  readonly chain: ChainSource;
  /** Funds the channels we open; receives what channels close to. */
  readonly wallet: OnChainWallet;
}

export interface LightningNodeInit {
  /** 32 bytes: LDK's `KeysManager` derives the node key and every channel key from it. */
  readonly seed: Uint8Array;
  readonly network: NetworkName;
  /** Where the channel manager and channel monitors are written. */
  readonly dataDir: string;
  /** Where `listen()` accepts peers; port 0 picks a free one. */
  readonly listen: { readonly host: string; readonly port: number };
  /** How often the channel peers we lost are dialled again, and the longest back-off; default every 10 s, at most 5 min. */
  readonly reconnect?: ReconnectPolicy;
  /**
   * Announce the channels this node opens (BOLT 7), for a routing node that is
   * online reliably. Default false: a leaf that pays and is paid through its
   * peers, learning the graph from them without being in it.
   */
  readonly announceChannels?: boolean;
}

/** How often LDK's timers are driven; events are handled as soon as LDK signals them. */
export const PROCESS_EVENTS_MS = 1000;
export const PEER_TICK_EVERY = 10; // PeerManager: pings, about every 10 s
export const CHANNEL_TICK_EVERY = 60; // ChannelManager: about once a minute

export interface LightningNodeEvents {
  event: [event: LightningEvent];
}

export class LightningNode extends EventEmitter<LightningNodeEvents> {
  /** Our node id: the 33-byte compressed public key of the node secret LDK derives from the seed. */
  readonly nodeId: Uint8Array;
  /** LDK's own, for what this class does not wrap. */
  readonly channelManager: ChannelManager;
  /** LDK's graph of the network, as gossip told it. A `read_only()` view holds its locks: `free()` it at once. */
  readonly networkGraph: NetworkGraph;
  private readonly driver: SocketDriver;
  private readonly funding: ChannelFunding;
  private readonly payments: Payments;
  private readonly outgoing: OutgoingPayments;
  private readonly peerAddresses: PeerAddresses;
  private readonly reconnector: Reconnector;
  private cancelTimer: (() => void) | undefined;
  private ticks = 0;
  private wakeScheduled = false;
  private stopped = false;
  /** LDK said the manager changed and it is not written yet (a write failed): written at the next round. */
  private managerChanged = false;
  /** The LDK futures waited on (see `watchLdk`), kept alive until they fire. */
  private readonly futures = new Set<Future>();

  private constructor(
    private readonly ldk: Ldk,
    private readonly parts: LdkParts,
    private readonly feed: LdkChainFeed,
    private readonly init: LightningNodeInit,
    components: LightningNodeComponents,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    super();
    this.channelManager = parts.channelManager;
    this.networkGraph = parts.graph;
    this.nodeId = parts.channelManager.get_our_node_id();
    this.driver = new SocketDriver(ldk, parts.peerManager, childLogger(logger, 'tcp'));
    const emit = (event: LightningEvent) => this.emit('event', event);
    const fundingFeerate = () => ldkFeerate(ldk, components.feeEstimator, ldk.ConfirmationTarget.LDKConfirmationTarget_NonAnchorChannelFee);
    this.funding = new ChannelFunding(ldk, parts.channelManager, components.wallet, fundingFeerate, emit, childLogger(logger, 'funding'));
    this.outgoing = new OutgoingPayments(init.dataDir);
    this.payments = new Payments(ldk, parts.channelManager, emit, childLogger(logger, 'payments'), this.outgoing);
    const peersLogger = childLogger(logger, 'peers');
    this.peerAddresses = new PeerAddresses(init.dataDir, (reason) => peersLogger.log('warn', reason));
    this.reconnector = new Reconnector(
      {
        missing: () => this.channelPeersAway(),
        address: (nodeId) => this.peerAddresses.get(nodeId),
        connect: (nodeId, address) => this.dial(hexToBytes(nodeId), address.host, address.port),
      },
      clock,
      peersLogger,
      init.reconnect ?? DEFAULT_RECONNECT_POLICY,
    );
  }

  /**
   * Starts the node: reads back what the data directory holds (or starts new
   * at the chain's tip), catches LDK up with the chain, and resolves once it
   * is caught up. Rejects with `LightningStoreError` for a data directory
   * LDK cannot read back.
   */
  static async create(components: LightningNodeComponents, init: LightningNodeInit): Promise<LightningNode> {
    checkBytes('seed', init.seed, 32);
    const logger = components.logger ?? silentLogger;
    const ldk = await loadLdk(childLogger(logger, 'ldk'));
    const clock = components.clock ?? systemClock;
    const parts = await assemble(ldk, { ...components, ...init }, logger, clock);
    const best = parts.channelManager.current_best_block();
    const fed: FedBlock = { height: best.get_height(), hash: bytesToHex(best.get_block_hash().slice().reverse()) };
    const confirms = [parts.channelManager.as_Confirm(), parts.chainMonitor.as_Confirm()];
    const feed = new LdkChainFeed(ldk, components.chain, confirms, fed, childLogger(logger, 'chain'));
    await feed.start();
    const node = new LightningNode(ldk, parts, feed, init, components, clock, logger);
    // Written now, so that a monitor is never on disk without a manager beside it.
    commitChannelState(init.dataDir, { manager: parts.channelManager.write(), monitors: new Map() });
    node.schedule();
    node.watchLdk();
    node.reconnector.start();
    return node;
  }

  /** Starts accepting peers; resolves with the port bound. */
  listen(): Promise<number> {
    return this.driver.listen(this.init.listen.host, this.init.listen.port);
  }

  /**
   * Opens a connection to `nodeId` at host:port; the handshake and `init`
   * follow. Rejects if TCP cannot connect. Once connected, the address is
   * kept (`peer-addresses.json`): while we have a channel with `nodeId`, the
   * node dials it again by itself after a restart or a lost connection.
   */
  async connect(nodeId: Uint8Array, host: string, port: number): Promise<void> {
    checkBytes('nodeId', nodeId, 33);
    checkInteger('port', port, 1, 65535);
    await this.dial(nodeId, host, port);
    try {
      this.peerAddresses.record(bytesToHex(nodeId), { host, port });
    } catch (error) {
      // Connected all the same; only a reconnection after a restart needs it.
      this.logger.log('error', 'cannot record the address of a peer; it will not be reconnected by itself', { nodeId: bytesToHex(nodeId), host, port, error: String(error) });
    }
  }

  private async dial(nodeId: Uint8Array, host: string, port: number): Promise<void> {
    if (this.stopped) throw new Error(`cannot connect to ${host}:${port}: the node is stopped`);
    try {
      await this.driver.connect(nodeId, host, port);
    } catch (error) {
      throw new Error(`cannot connect to ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Node ids (hex) we have a channel with but no connection to. */
  private channelPeersAway(): string[] {
    const connected = new Set(this.peers().map((peer) => bytesToHex(peer)));
    return [...new Set(this.channels().map((channel) => channel.peerNodeId))].filter((peer) => !connected.has(peer));
  }

  /** The node ids of the peers whose handshake and `init` are done. */
  peers(): Uint8Array[] {
    return this.parts.peerManager.list_peers().map((peer) => peer.get_counterparty_node_id());
  }

  /** Opens a channel of `satoshis` to the connected peer `nodeId`, funded by the wallet; resolves with its channel id (hex) once funded. */
  openChannel(nodeId: Uint8Array, satoshis: number, options: { readonly pushMsat?: number } = {}): Promise<string> {
    const opening = this.funding.open(nodeId, satoshis, options);
    this.wake();
    return opening;
  }

  channels(): ChannelSummary[] {
    return this.channelManager.list_channels().map((channel) => channelSummary(this.ldk, channel));
  }

  /** Closes a channel (`force`: broadcasting our commitment, without the peer). `channel-closed` follows. */
  closeChannel(channelId: string, options: { readonly force?: boolean } = {}): void {
    closeChannel(this.ldk, this.channelManager, channelId, options.force ?? false);
    this.wake();
  }

  /** Pays a BOLT 11 invoice; resolves once paid (with the preimage), rejects with a `LightningError`. */
  payInvoice(bolt11: string, options: PayOptions = {}): Promise<PaymentSent> {
    const paying = this.payments.payInvoice(bolt11, options);
    this.wake();
    return paying;
  }

  /** The payments this node sent (or tried), as recorded before each was sent. */
  outgoingPayments(): OutgoingPayment[] {
    return this.outgoing.list();
  }

  /** An invoice whose preimage LDK keeps; paid, it is claimed at once. */
  createInvoice(request: InvoiceRequest): CreatedInvoice {
    return this.payments.createInvoice(request);
  }

  /** An invoice for a payment hash whose preimage someone else holds; paid, it is held (`payment-claimable`). */
  createInvoiceForHash(request: InvoiceRequest & { readonly paymentHash: string; readonly minFinalCltvExpiryDelta: number }): CreatedInvoice {
    return this.payments.createInvoiceForHash(request);
  }

  /** Claims a held payment with its preimage (hex). */
  claim(preimage: string): void {
    this.payments.claim(preimage);
    this.wake();
  }

  /** Fails a held payment back to its payer. */
  failBack(paymentHash: string): void {
    this.payments.failBack(paymentHash);
    this.wake();
  }

  /** How many channels and nodes the network graph knows (from gossip, and kept across restarts). */
  graph(): GraphSize {
    return graphSize(this.networkGraph);
  }

  /** Where LDK's view of the chain stands. */
  get bestBlock(): FedBlock {
    return this.feed.best;
  }

  /** Resolves once the chain events received so far are fed to LDK. */
  chainSynced(): Promise<void> {
    return this.feed.idle();
  }

  /** Disconnects every peer, closes the listener, stops following the chain, and writes the manager and monitors a last time. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.reconnector.stop();
    await this.feed.stop();
    this.parts.peerManager.disconnect_all_peers();
    await this.driver.close();
    // An update takes two rounds to reach the disk with its manager (see persist); a third writes the manager last.
    for (let round = 0; round < 3; round++) this.processEvents();
    this.managerChanged = true;
    this.persist();
    this.writeGraph();
  }

  private schedule(): void {
    this.cancelTimer = this.clock.setTimer(PROCESS_EVENTS_MS, () => {
      this.tick();
      if (this.cancelTimer) this.schedule();
    });
  }

  private tick(): void {
    this.ticks++;
    if (this.ticks % PEER_TICK_EVERY === 0) this.parts.peerManager.timer_tick_occurred();
    if (this.ticks % CHANNEL_TICK_EVERY === 0) this.channelManager.timer_tick_occurred();
    if (this.ticks % GRAPH_PRUNE_EVERY_TICKS === GRAPH_PRUNE_FIRST_TICK) this.pruneGraph();
    this.processEvents();
  }

  /** Stale channels out of the graph, then the graph written. */
  private pruneGraph(): void {
    pruneNetworkGraph(this.networkGraph, this.clock.now());
    this.writeGraph();
  }

  /** A failed write is tried again at the next pruning and on stop: the graph is only a cache of gossip. */
  private writeGraph(): void {
    try {
      writeNetworkGraph(this.init.dataDir, this.networkGraph);
    } catch (error) {
      this.logger.log('warn', 'cannot write the network graph; gossip goes on in memory', { error: String(error) });
    }
  }

  /** LDK's futures say when it has events or needs persisting: handle them at once, not at the next tick. */
  private watchLdk(): void {
    // A future fires once; each firing registers on the next one. setImmediate: never re-enter LDK from its own call.
    // The bindings hold a JS callback only weakly, through the Future it was registered on: each Future is kept
    // here until it fires, or the garbage collector may take its callback while LDK still means to call it.
    const follow = (next: () => Future) => {
      const future = next();
      this.futures.add(future);
      future.register_callback_fn(
        this.ldk.FutureCallback.new_impl({
          call: () => {
            this.futures.delete(future);
            setImmediate(() => {
              if (this.stopped) return;
              this.wake();
              follow(next);
            });
          },
        }),
      );
    };
    follow(() => this.channelManager.get_event_or_persistence_needed_future());
    follow(() => this.parts.chainMonitor.get_update_future());
  }

  private wake(): void {
    if (this.wakeScheduled || this.stopped) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      if (!this.stopped) this.processEvents();
    });
  }

  /** Channel events, then the monitors' own; then what LDK needs written; then the messages to send. */
  private processEvents(): void {
    const { channelManager, chainMonitor, peerManager } = this.parts;
    const handler = this.ldk.EventHandler.new_impl({ handle_event: (event) => this.handleEvent(event) });
    channelManager.as_EventsProvider().process_pending_events(handler);
    chainMonitor.as_EventsProvider().process_pending_events(handler);
    this.persist();
    peerManager.process_events();
  }

  /**
   * The manager, when it changed or a monitor waits for it, committed with the monitors that go with it; then
   * the updates it lists in flight are told persisted (see monitor-persister.ts). A commit that fails holds them all.
   */
  private persist(): void {
    const { channelManager, chainMonitor, persister } = this.parts;
    persister.retryFailed(chainMonitor);
    if (channelManager.get_and_clear_needs_persistence()) this.managerChanged = true;
    if (!this.managerChanged && persister.pendingCount() === 0) return;
    try {
      commitChannelState(this.init.dataDir, { manager: channelManager.write(), monitors: persister.announced() });
    } catch (error) {
      this.managerChanged = true;
      this.logger.log('error', 'cannot persist the channel manager; its channels are held until a retry succeeds', { error: String(error) });
      return;
    }
    this.managerChanged = false;
    persister.committed(chainMonitor);
  }

  private handleEvent(event: Event): Result_NoneReplayEventZ {
    const { ldk } = this;
    try {
      if (event instanceof ldk.Event_SpendableOutputs) saveSpendableOutputs(this.init.dataDir, event.outputs);
      const handled = [this.funding.handle(event), this.payments.handle(event), this.channelEvent(event)].some(Boolean);
      if (!handled) this.logger.log('debug', `LDK event ${event.constructor.name} (not handled)`);
      return ldk.Result_NoneReplayEventZ.constructor_ok();
    } catch (error) {
      // Replayed by LDK on the next round: nothing it handed over is dropped.
      this.logger.log('error', `cannot handle LDK event ${event.constructor.name}; it will be replayed`, { error: String(error) });
      return ldk.Result_NoneReplayEventZ.constructor_err(ldk.ReplayEvent.constructor_new());
    }
  }

  private channelEvent(event: Event): boolean {
    const { ldk } = this;
    if (event instanceof ldk.Event_ChannelPending) {
      const outpoint = event.funding_txo;
      const fundingTxid = bytesToHex(outpoint.get_txid().slice().reverse());
      this.emit('event', { type: 'channel-pending', channelId: bytesToHex(event.channel_id.get_a()), peerNodeId: bytesToHex(event.counterparty_node_id), fundingTxid });
    } else if (event instanceof ldk.Event_ChannelReady) {
      this.emit('event', { type: 'channel-ready', channelId: bytesToHex(event.channel_id.get_a()), peerNodeId: bytesToHex(event.counterparty_node_id) });
    } else if (event instanceof ldk.Event_ChannelClosed) {
      const peer = event.counterparty_node_id;
      this.emit('event', { type: 'channel-closed', channelId: bytesToHex(event.channel_id.get_a()), peerNodeId: peer ? bytesToHex(peer) : '', reason: event.reason.to_str() });
    } else return event instanceof ldk.Event_SpendableOutputs;
    return true;
  }
}
