/**
 * LDK's objects, wired as its docs do: a `KeysManager` from the seed, a
 * `ChainMonitor` persisting each monitor under the data directory, a
 * `ChannelManager` (read back from disk after its monitors, or new at the
 * chain's tip), and a `PeerManager` whose routing messages go to a
 * `P2PGossipSync` filling the `NetworkGraph` (read back from disk) that the
 * router finds paths in, each announced channel checked on our chain. Our
 * channels are announced only when `announceChannels` says so: a leaf that
 * pays and is paid learns the graph without being in it.
 */
import { bytesToHex } from '../../node/core/hex.js';
import { childLogger, type Logger } from '../../node/core/logger.js';
import type { Clock } from '../../node/core/clock.js';
import type { NetworkName } from '../../node/chain/network-params.js';
import type { Broadcaster } from '../../node/chain/broadcaster.js';
import type { FeeEstimator } from '../../node/chain/fee-estimator.js';
import type { ChainSource } from '../chain/chain-source.js';
import type { OnChainWallet } from '../wallet/on-chain-wallet.js';
import type {
  BroadcasterInterface, ChainMonitor, ChannelManager, ChannelMonitor, FeeEstimator as LdkFeeEstimator, KeysManager, Logger as LdkLogger,
  MessageRouter, Network, NetworkGraph, P2PGossipSync, PeerManager, Router, SignerProvider, UserConfig, Watch,
} from 'lightningdevkit';
import type { Ldk } from './ldk.js';
import { ldkLogger } from './ldk-logger.js';
import { ldkFeeEstimator } from './ldk-fee-estimator.js';
import { ldkBroadcaster } from './ldk-broadcaster.js';
import { monitorPersister, type MonitorPersister } from './monitor-persister.js';
import { walletSignerProvider } from './wallet-signer-provider.js';
import { LightningStoreError, readChannelManagerBytes, readMonitors } from './channel-manager-store.js';
import { recoverChannelState } from './channel-state-journal.js';
import { internalOrder } from './ldk-chain-feed.js';
import { readNetworkGraph } from './network-graph.js';
import { gossipUtxoLookup } from './gossip-utxo-lookup.js';

export interface AssemblyInput {
  readonly seed: Uint8Array;
  readonly network: NetworkName;
  readonly dataDir: string;
  readonly broadcaster: Broadcaster;
  readonly feeEstimator: FeeEstimator;
  readonly chain: ChainSource;
  readonly wallet: OnChainWallet;
  /** Announce the channels we open (a routing node, online reliably); default false: a leaf. */
  readonly announceChannels?: boolean;
}

export interface LdkParts {
  readonly keys: KeysManager;
  readonly channelManager: ChannelManager;
  readonly peerManager: PeerManager;
  readonly chainMonitor: ChainMonitor;
  readonly graph: NetworkGraph;
  readonly persister: MonitorPersister;
  /** True when the manager was read back from the data directory. */
  readonly reloaded: boolean;
}

/** What a new and a read-back `ChannelManager` are both built with. */
interface Common {
  readonly fees: LdkFeeEstimator;
  readonly watch: Watch;
  readonly broadcaster: BroadcasterInterface;
  readonly router: Router;
  readonly messageRouter: MessageRouter;
  readonly log: LdkLogger;
  readonly config: UserConfig;
}

function ldkNetwork(ldk: Ldk, network: NetworkName): Network {
  const N = ldk.Network;
  return { mainnet: N.LDKNetwork_Bitcoin, testnet: N.LDKNetwork_Testnet, signet: N.LDKNetwork_Signet, regtest: N.LDKNetwork_Regtest }[network];
}

export async function assemble(ldk: Ldk, input: AssemblyInput, logger: Logger, clock: Clock): Promise<LdkParts> {
  const log = ldkLogger(ldk, childLogger(logger, 'ldk'));
  const fees = ldkFeeEstimator(ldk, input.feeEstimator);
  const broadcaster = ldkBroadcaster(ldk, input.broadcaster, logger);
  const network = ldkNetwork(ldk, input.network);
  const now = clock.now();
  const seconds = Math.floor(now / 1000);
  const keys = ldk.KeysManager.constructor_new(input.seed, BigInt(seconds), (now % 1000) * 1_000_000);
  const entropy = keys.as_EntropySource();
  const signer = await walletSignerProvider(ldk, keys, input.wallet, childLogger(logger, 'signer'));
  const persister = monitorPersister(ldk, input.dataDir, childLogger(logger, 'monitors'));
  const chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_none(), broadcaster, log, fees, persister.persist);
  const graph = readNetworkGraph(ldk, input.dataDir, network, log, childLogger(logger, 'graph'));
  const scorer = ldk.ProbabilisticScorer.constructor_new(ldk.ProbabilisticScoringDecayParameters.constructor_default(), graph, log);
  const score = ldk.MultiThreadedLockableScore.constructor_new(scorer.as_Score());
  const router = ldk.DefaultRouter.constructor_new(graph, log, entropy, score.as_LockableScore(), ldk.ProbabilisticScoringFeeParameters.constructor_default());
  const messageRouter = ldk.DefaultMessageRouter.constructor_new(graph, entropy);
  const config = userConfig(ldk, input.announceChannels ?? false);
  const common: Common = { fees, watch: chainMonitor.as_Watch(), broadcaster, router: router.as_Router(), messageRouter: messageRouter.as_MessageRouter(), log, config };

  if (recoverChannelState(input.dataDir)) logger.log('info', 'a crash interrupted a channel-state commit; its files were written from the journal');
  const monitors = readMonitors(ldk, input.dataDir, entropy, signer);
  const saved = readChannelManagerBytes(input.dataDir);
  let channelManager: ChannelManager;
  if (saved) {
    channelManager = readChannelManager(ldk, saved, keys, signer, common, monitors, input.dataDir);
  } else {
    if (monitors.length > 0) throw new LightningStoreError(`${input.dataDir} holds channel monitors but no channel-manager: restore it from a backup before starting`);
    const tip = await input.chain.tip();
    const params = ldk.ChainParameters.constructor_new(network, ldk.BestBlock.constructor_new(internalOrder(tip.hash), tip.height));
    channelManager = ldk.ChannelManager.constructor_new(
      fees, common.watch, broadcaster, common.router, common.messageRouter, log, entropy, keys.as_NodeSigner(), signer, config, params, seconds,
    );
  }
  const gossip = gossipSync(ldk, graph, input.chain, log, logger, clock);
  const ignoring = ldk.IgnoringMessageHandler.constructor_new();
  const peerManager = ldk.PeerManager.constructor_new(
    channelManager.as_ChannelMessageHandler(), gossip.as_RoutingMessageHandler(), ignoring.as_OnionMessageHandler(),
    ignoring.as_CustomMessageHandler(), seconds, entropy.get_secure_random_bytes(), log, keys.as_NodeSigner(),
  );
  return { keys, channelManager, peerManager, chainMonitor, graph, persister, reloaded: saved !== undefined };
}

/** Gossip into `graph`, each announced channel's funding output looked up on our chain first. */
function gossipSync(ldk: Ldk, graph: NetworkGraph, chain: ChainSource, log: LdkLogger, logger: Logger, clock: Clock): P2PGossipSync {
  const gossip = ldk.P2PGossipSync.constructor_new(graph, ldk.Option_UtxoLookupZ.constructor_none(), log);
  const lookup = gossipUtxoLookup(ldk, { chain, clock, logger: childLogger(logger, 'gossip'), chainHash: graph.get_chain_hash(), target: () => ({ graph, gossip }) });
  gossip.add_utxo_lookup(ldk.Option_UtxoLookupZ.constructor_some(lookup));
  return gossip;
}

/**
 * LDK's defaults, but for announcing: a routing node announces the channels
 * it opens and still accepts a leaf's unannounced ones; a leaf (LDK's
 * default) neither announces nor lets an opener announce a channel with it.
 * A leaf (the gateway) lets its peer have the whole channel in flight to it,
 * as LDK advises for an unannounced node: by default 10%, so a payment in of
 * more than a tenth of the channel found no route.
 */
function userConfig(ldk: Ldk, announce: boolean): UserConfig {
  const config = ldk.UserConfig.constructor_default();
  const handshake = config.get_channel_handshake_config(); // a copy: set back below
  if (!announce) {
    handshake.set_max_inbound_htlc_value_in_flight_percent_of_channel(100);
    config.set_channel_handshake_config(handshake);
    return config;
  }
  handshake.set_announce_for_forwarding(true);
  config.set_channel_handshake_config(handshake);
  const limits = config.get_channel_handshake_limits();
  limits.set_force_announced_channel_preference(false);
  config.set_channel_handshake_limits(limits);
  return config;
}

/** The manager read back with its monitors, which are then handed to the `ChainMonitor` (LDK's order). */
function readChannelManager(
  ldk: Ldk, bytes: Uint8Array, keys: KeysManager, signer: SignerProvider,
  common: Common,
  monitors: ChannelMonitor[], dataDir: string,
): ChannelManager {
  const read = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelManagerZ_read(
    bytes, keys.as_EntropySource(), keys.as_NodeSigner(), signer, common.fees, common.watch, common.broadcaster, common.router,
    common.messageRouter, common.log, common.config, monitors,
  );
  if (!(read instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelManagerZDecodeErrorZ_OK)) {
    const why = read instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelManagerZDecodeErrorZ_Err ? read.err.constructor.name.replace(/^DecodeError_/, '') : 'unknown';
    throw new LightningStoreError(`the channel-manager in ${dataDir} does not read back (with its ${monitors.length} monitors; LDK: ${why}); restore it from a backup before starting`);
  }
  for (const monitor of monitors) {
    const watched = common.watch.watch_channel(monitor.get_funding_txo().get_a(), monitor);
    if (!watched.is_ok()) throw new LightningStoreError(`LDK refused the channel monitor ${bytesToHex(monitor.channel_id().get_a())} of ${dataDir}`);
  }
  return read.res.get_b();
}
