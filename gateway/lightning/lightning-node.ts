/**
 * `LightningNode`: the gateway's node on the Lightning Network, rust-lightning
 * (LDK) assembled as its docs describe: a `KeysManager` from the seed, a
 * `ChainMonitor` that persists each channel's monitor durably under the data
 * directory, a `ChannelManager`, and a `PeerManager` speaking BOLT 8 over
 * TCP through our `SocketDriver`.
 *
 * This slice (issue 17) connects peers and nothing more: the `ChannelManager`
 * is always new (reading a persisted one back, the chain feed through
 * `Confirm`, funding and payments are later slices), and its events are
 * only logged.
 */
import { childLogger, silentLogger, type Logger } from '../../node/core/logger.js';
import { systemClock, type Clock } from '../../node/core/clock.js';
import { checkBytes, checkInteger } from '../../node/core/input.js';
import type { NetworkName } from '../../node/chain/network-params.js';
import type { Broadcaster } from '../../node/chain/broadcaster.js';
import type { FeeEstimator } from '../../node/chain/fee-estimator.js';
import type { ChainMonitor, ChannelManager, Event, KeysManager, Network, PeerManager } from 'lightningdevkit';
import { loadLdk, type Ldk } from './ldk.js';
import { ldkLogger } from './ldk-logger.js';
import { ldkFeeEstimator } from './ldk-fee-estimator.js';
import { ldkBroadcaster } from './ldk-broadcaster.js';
import { monitorPersister } from './monitor-persister.js';
import { SocketDriver } from './socket-driver.js';

export interface LightningNodeComponents {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Where LDK's signed transactions go (the gateway's chain backend). */
  readonly broadcaster: Broadcaster;
  readonly feeEstimator: FeeEstimator;
  /** Where LDK's events go (`FundingGenerationReady`, `ChannelPending`, ...); without one they are logged. Later slices handle them. */
  readonly onEvent?: (event: Event) => void;
}

export interface LightningNodeInit {
  /** 32 bytes: LDK's `KeysManager` derives the node key and every channel key from it. */
  readonly seed: Uint8Array;
  readonly network: NetworkName;
  /** Where channel monitors are written (`monitors/`). */
  readonly dataDir: string;
  /** The chain tip the new `ChannelManager` starts from; `blockHash` in internal byte order. */
  readonly chainTip: { readonly height: number; readonly blockHash: Uint8Array };
  /** Where `listen()` accepts peers; port 0 picks a free one. */
  readonly listen: { readonly host: string; readonly port: number };
}

/** How often events are processed, and how many of those between LDK's timer ticks. */
export const PROCESS_EVENTS_MS = 1000;
export const PEER_TICK_EVERY = 10; // PeerManager: pings, about every 10 s
export const CHANNEL_TICK_EVERY = 60; // ChannelManager: about once a minute

export class LightningNode {
  /** Our node id: the 33-byte compressed public key of the node secret LDK derives from the seed. */
  readonly nodeId: Uint8Array;
  /** LDK's own, for what this slice does not wrap yet (opening a channel: a later slice; tests do it by hand). */
  readonly channelManager: ChannelManager;
  private readonly driver: SocketDriver;
  private cancelTimer: (() => void) | undefined;
  private ticks = 0;

  private constructor(
    private readonly ldk: Ldk,
    private readonly parts: { keys: KeysManager; channelManager: ChannelManager; peerManager: PeerManager; chainMonitor: ChainMonitor },
    private readonly init: LightningNodeInit,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onEvent: ((event: Event) => void) | undefined,
  ) {
    this.channelManager = parts.channelManager;
    this.nodeId = parts.channelManager.get_our_node_id();
    this.driver = new SocketDriver(ldk, parts.peerManager, childLogger(logger, 'tcp'));
    this.schedule();
  }

  static async create(components: LightningNodeComponents, init: LightningNodeInit): Promise<LightningNode> {
    checkBytes('seed', init.seed, 32);
    checkBytes('chainTip.blockHash', init.chainTip.blockHash, 32);
    checkInteger('chainTip.height', init.chainTip.height, 0, 0xffffffff);
    const logger = components.logger ?? silentLogger;
    const ldk = await loadLdk(childLogger(logger, 'ldk'));
    const clock = components.clock ?? systemClock;
    return new LightningNode(ldk, assemble(ldk, components, init, logger, clock), init, clock, logger, components.onEvent);
  }

  /** Starts accepting peers; resolves with the port bound. */
  listen(): Promise<number> {
    return this.driver.listen(this.init.listen.host, this.init.listen.port);
  }

  /** Opens a connection to `nodeId` at host:port; the handshake and `init` follow. Rejects if TCP cannot connect. */
  async connect(nodeId: Uint8Array, host: string, port: number): Promise<void> {
    checkBytes('nodeId', nodeId, 33);
    checkInteger('port', port, 1, 65535);
    try {
      await this.driver.connect(nodeId, host, port);
    } catch (error) {
      throw new Error(`cannot connect to ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The node ids of the peers whose handshake and `init` are done. */
  peers(): Uint8Array[] {
    return this.parts.peerManager.list_peers().map((peer) => peer.get_counterparty_node_id());
  }

  /** Disconnects every peer, closes the listener, stops the timer. */
  async stop(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.parts.peerManager.disconnect_all_peers();
    await this.driver.close();
  }

  private schedule(): void {
    this.cancelTimer = this.clock.setTimer(PROCESS_EVENTS_MS, () => {
      this.tick();
      if (this.cancelTimer) this.schedule();
    });
  }

  private tick(): void {
    const { channelManager, chainMonitor, peerManager } = this.parts;
    this.ticks++;
    if (this.ticks % PEER_TICK_EVERY === 0) peerManager.timer_tick_occurred();
    if (this.ticks % CHANNEL_TICK_EVERY === 0) channelManager.timer_tick_occurred();
    const handler = this.ldk.EventHandler.new_impl({
      handle_event: (event) => {
        if (this.onEvent) this.onEvent(event);
        else this.logger.log('info', `event ${event.constructor.name} (not handled in this slice)`);
        return this.ldk.Result_NoneReplayEventZ.constructor_ok();
      },
    });
    // Channel events, then the monitors' own (SpendableOutputs, BumpTransaction).
    channelManager.as_EventsProvider().process_pending_events(handler);
    chainMonitor.as_EventsProvider().process_pending_events(handler);
    peerManager.process_events();
  }
}

function ldkNetwork(ldk: Ldk, network: NetworkName): Network {
  const N = ldk.Network;
  return { mainnet: N.LDKNetwork_Bitcoin, testnet: N.LDKNetwork_Testnet, signet: N.LDKNetwork_Signet, regtest: N.LDKNetwork_Regtest }[network];
}

/** LDK's objects, wired as its docs do (the router and scorer are needed by the ChannelManager even unused). */
function assemble(ldk: Ldk, components: LightningNodeComponents, init: LightningNodeInit, logger: Logger, clock: Clock) {
  const log = ldkLogger(ldk, childLogger(logger, 'ldk'));
  const fees = ldkFeeEstimator(ldk, components.feeEstimator);
  const broadcaster = ldkBroadcaster(ldk, components.broadcaster, logger);
  const network = ldkNetwork(ldk, init.network);
  const now = clock.now();
  const keys = ldk.KeysManager.constructor_new(init.seed, BigInt(Math.floor(now / 1000)), (now % 1000) * 1_000_000);
  const persister = monitorPersister(ldk, init.dataDir, childLogger(logger, 'monitors'));
  const chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_none(), broadcaster, log, fees, persister);
  const graph = ldk.NetworkGraph.constructor_new(network, log);
  const scorer = ldk.ProbabilisticScorer.constructor_new(ldk.ProbabilisticScoringDecayParameters.constructor_default(), graph, log);
  const score = ldk.MultiThreadedLockableScore.constructor_new(scorer.as_Score());
  const entropy = keys.as_EntropySource();
  const router = ldk.DefaultRouter.constructor_new(graph, log, entropy, score.as_LockableScore(), ldk.ProbabilisticScoringFeeParameters.constructor_default());
  const messageRouter = ldk.DefaultMessageRouter.constructor_new(graph, entropy);
  const tip = ldk.BestBlock.constructor_new(init.chainTip.blockHash, init.chainTip.height);
  const params = ldk.ChainParameters.constructor_new(network, tip);
  const seconds = Math.floor(now / 1000);
  const channelManager = ldk.ChannelManager.constructor_new(
    fees, chainMonitor.as_Watch(), broadcaster, router.as_Router(), messageRouter.as_MessageRouter(), log,
    entropy, keys.as_NodeSigner(), keys.as_SignerProvider(), ldk.UserConfig.constructor_default(), params, seconds,
  );
  const ignoring = ldk.IgnoringMessageHandler.constructor_new();
  const peerManager = ldk.PeerManager.constructor_new(
    channelManager.as_ChannelMessageHandler(), ignoring.as_RoutingMessageHandler(), ignoring.as_OnionMessageHandler(),
    ignoring.as_CustomMessageHandler(), seconds, entropy.get_secure_random_bytes(), log, keys.as_NodeSigner(),
  );
  return { keys, channelManager, peerManager, chainMonitor };
}
