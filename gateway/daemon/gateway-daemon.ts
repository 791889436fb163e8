/**
 * The gateway daemon (`lnmesh gateway --config FILE`): the `Gateway` on real
 * parts. Its host (node/daemon/daemon-host.ts) locks the data directory; it
 * opens the chain backend (bcoin in the data directory, or Bitcoin Core),
 * the tower's stores, the mailbox, the links' outbox and the mesh channels'
 * store (the node's lmdb persister, in `channels/`, which also keeps the
 * channels' wallet, channel-wallet.ts), starts the gateway,
 * and answers the control socket. On
 * regtest it can make its chain usable by itself (blocks past segwit, a
 * block clock, a faucet). `stop` undoes it in reverse order.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { join } from 'node:path';
import { bytesToHex } from '../../node/core/hex.js';
import { type Clock, systemClock } from '../../node/core/clock.js';
import type { Logger as ComponentLogger } from '../../node/core/logger.js';
import { DaemonHost } from '../../node/daemon/daemon-host.js';
import { type Logger, componentLogger } from '../../node/daemon/logger.js';
import { logChannelEvent } from '../../node/daemon/channel-event-log.js';
import { greetNeighbours } from '../../node/daemon/greet-neighbours.js';
import { readSeedFile } from '../../node/keys/seed.js';
import { NETWORK_NUMBERS } from '../../node/config/node-config.js';
import { LmdbPersister } from '../../node/persist/lmdb.js';
import type { NodeWallet } from '../../node/wallet/node-wallet.js';
import { gatewayChannelWallet } from '../channels/channel-wallet.js';
import { ChannelWalletDeposits } from '../channels/channel-wallet-deposits.js';
import { GatewaySigner } from '../channels/gateway-signer.js';
import { LmdbLinkOutbox } from '../../transports/link/outbox.js';
import { LmdbSeenMessages } from '../../transports/router/lmdb-seen-messages.js';
import type { ChainSource } from '../chain/chain-source.js';
import { CoreRpcChain } from '../chain/core-rpc-chain.js';
import { type BcoinNetwork, EmbeddedChain } from '../chain/embedded-chain.js';
import { mineToSegwit } from '../chain/regtest-coins.js';
import { Gateway, type GatewayConfig, gatewayKeyFromSecret } from '../gateway.js';
import { FeedStore } from '../relay/feed-store.js';
import { Mailbox } from '../relay/mailbox.js';
import { AppointmentStore } from '../tower/appointment-store.js';
import { ResponseStore } from '../tower/response-store.js';
import { gatewayControlHandlers } from './gateway-control.js';
import type { GatewayDaemonParts } from './gateway-daemon-parts.js';
import { type GatewayDaemonConfig, towerStoreInit } from './gateway-config.js';
import { RegtestFaucet } from './regtest-faucet.js';
import { startLightning } from './gateway-lightning.js';
import type { LightningSection } from './lightning-section.js';
import type { GatewayBridgeInit } from '../bridge/gateway-bridge.js';

export class GatewayDaemonError extends Error {
  override name = 'GatewayDaemonError';
}

export interface GatewayDaemonOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
}

const BCOIN_NETWORKS: Readonly<Record<string, BcoinNetwork>> = { mainnet: 'main', testnet: 'testnet', regtest: 'regtest' };

export class GatewayDaemon {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly parts: GatewayDaemonParts,
    private readonly host: DaemonHost,
    /** Stops the block clock, once a block being mined is done. */
    private readonly stopBlockClock: () => Promise<void>,
  ) {}

  static start(config: GatewayDaemonConfig, options: GatewayDaemonOptions): Promise<GatewayDaemon> {
    const { logger } = options;
    return DaemonHost.start({ dataDir: config.dataDir, controlSocket: config.controlSocket, logger }, async (host) => {
      const parts = await GatewayDaemon.assemble(config, options, host);
      const { gateway, chain, regtest, clock } = parts;
      GatewayDaemon.log(parts);
      await host.run(gateway);
      greetNeighbours(gateway.links);
      const tip = await chain.tip();
      await host.listen(gatewayControlHandlers(parts));
      const cancelBlockClock = regtest && config.regtest.blockIntervalMs > 0 ? GatewayDaemon.blockClock(regtest.chain, config.regtest.blockIntervalMs, clock, logger) : async () => {};
      const lightning = parts.lightning && { lightningNodeId: bytesToHex(parts.lightning.node.nodeId), lightningListen: `${parts.lightning.listen.host}:${parts.lightning.listen.port}` };
      logger.info({ nodeId: parts.nodeId, network: config.network, height: tip.height, links: config.links.length, controlSocket: config.controlSocket, ...lightning }, 'gateway started');
      if (!gateway.towerWatching) logger.warn('the watchtower is switched off (tower.watch: false): it keeps the nodes\' appointments but answers no breach');
      return new GatewayDaemon(parts, host, cancelBlockClock);
    });
  }

  /** Reads the key, opens the chain and the stores (the host closes them) and builds the gateway on them; nothing runs yet. */
  private static async assemble(config: GatewayDaemonConfig, options: GatewayDaemonOptions, host: DaemonHost): Promise<GatewayDaemonParts> {
    const { logger } = options;
    const clock = options.clock ?? systemClock;
    const secret = readSeedFile(config.keyFile);
    const key = gatewayKeyFromSecret(secret);
    const chain = GatewayDaemon.chainFor(config, componentLogger(logger, 'chain'));
    logger.info({ backend: config.chain.backend, network: config.network }, 'opening the chain');
    await chain.open();
    host.open(chain);
    let regtest: GatewayDaemonParts['regtest'];
    if (chain instanceof EmbeddedChain && config.network === 'regtest') {
      if (config.regtest.mineOnStart) await mineToSegwit(chain);
      regtest = { chain, faucet: new RegtestFaucet(chain, join(config.dataDir, 'faucet-next-coinbase')) };
    }
    // After the chain, before the stores: closed before the chain, after the gateway (and its bridge) stops.
    const lightning = config.lightning && (await startLightning(config, config.lightning, secret, chain, host, logger));
    const appointments = host.open(new AppointmentStore(join(config.dataDir, 'tower-appointments'), towerStoreInit(config)));
    const responses = host.open(new ResponseStore(join(config.dataDir, 'tower-responses')));
    const mailbox = host.open(new Mailbox(join(config.dataDir, 'mailbox'), clock));
    const outbox = host.open(new LmdbLinkOutbox(join(config.dataDir, 'outbox')));
    const feedStore = host.open(new FeedStore(join(config.dataDir, 'chain-feed')));
    const seen = host.open(new LmdbSeenMessages(join(config.dataDir, 'seen'), clock));
    const persister = host.open(new LmdbPersister(join(config.dataDir, 'channels')));
    const signer = new GatewaySigner(key, secret);
    const channelWallet = gatewayChannelWallet(signer, persister);
    const channels = { signer, persister, wallet: channelWallet };
    const randomBytes = (length: number) => new Uint8Array(nodeRandomBytes(length));
    const gateway = new Gateway(
      { key, chain, appointments, responses, mailbox, feedStore, outbox, seen, clock, randomBytes, logger: componentLogger(logger, 'gateway'), channels, ...(lightning && { lightning: lightning.node, bridgeDirectory: join(config.dataDir, 'bridge') }) },
      { links: config.links, routes: config.routes, defaultHopLimit: config.hopLimit, tower: config.tower, channels: channelSettings(config), ...(lightning && { bridge: bridgeSettings(lightning.settings) }) },
    );
    settleChannelFundings(gateway, channelWallet, logger);
    const deposits = host.open(new ChannelWalletDeposits({ wallet: channelWallet, chain, store: persister, deposited: (txid, satoshis) => logger.info({ txid, satoshis }, "coins for the mesh channels' wallet"), logger: componentLogger(logger, 'channels') }));
    await deposits.start();
    return { config, gateway, nodeId: bytesToHex(key.nodeId), chain, appointments, responses, mailbox, seen, outbox, persister, channelWallet, ...(regtest && { regtest }), ...(lightning && { lightning }), clock, startedAt: clock.now(), logger };
  }

  private static chainFor(config: GatewayDaemonConfig, logger: ComponentLogger): ChainSource {
    if (config.chain.backend === 'core') {
      const { url, username, password, pollIntervalMs } = config.chain;
      return new CoreRpcChain({ url, credentials: { user: username, password }, ...(pollIntervalMs !== undefined && { pollIntervalMs }), logger });
    }
    const network = BCOIN_NETWORKS[config.network];
    if (!network) throw new GatewayDaemonError(`the embedded chain does not run ${config.network}: use chain.backend core (Bitcoin Core)`);
    const { rpc } = config.chain;
    return new EmbeddedChain({ network, dataDirectory: join(config.dataDir, 'chain'), logger, ...(rpc && { rpc: { port: rpc.port, apiKey: rpc.password } }) });
  }

  private static log(parts: GatewayDaemonParts): void {
    const { gateway, logger } = parts;
    gateway.tower.on('response', (record) => logger.info({ breachTxid: record.breachTxid, state: record.state }, 'watchtower response'));
    gateway.links.forEach((link, index) => link.on('peer', (peer, up) => logger.info({ link: index, peer }, up ? 'neighbour up' : 'neighbour down')));
    parts.chain.on('connect', (block) => logger.debug({ height: block.height }, 'block connected'));
    // The gateway is its own watchtower: its channels' appointments go nowhere, and are not logged.
    gateway.manager?.on('event', (event) => event.type !== 'appointment' && logChannelEvent(logger, event));
  }

  /** Mines a block every `intervalMs` (a regtest chain has no miners of its own). */
  private static blockClock(chain: EmbeddedChain, intervalMs: number, clock: Clock, logger: Logger): () => Promise<void> {
    let cancel = () => {};
    let stopped = false;
    let mining: Promise<void> = Promise.resolve();
    const tick = () => {
      mining = chain
        .mine(1)
        .then(
          () => {},
          (error: Error) => logger.warn({ error: error.message }, 'the block clock could not mine'),
        )
        .finally(() => {
          if (!stopped) cancel = clock.setTimer(intervalMs, tick);
        });
    };
    cancel = clock.setTimer(intervalMs, tick);
    return async () => {
      stopped = true;
      cancel();
      await mining; // the chain closes after the block being mined, not under it
    };
  }

  /** Stops the block clock, then everything else in reverse order (DaemonHost); once, later calls wait for the first. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.stopBlockClock();
      } finally {
        await this.host.stop();
      }
      this.parts.logger.info('gateway stopped');
    })();
    return this.stopping;
  }
}

/** Coins held by the gateway's openings that did not become channels before the last stop come back (as on a node). */
function settleChannelFundings(gateway: Gateway, wallet: NodeWallet, logger: Logger): void {
  const fundingTxids = new Set((gateway.manager?.channelSummaries() ?? []).flatMap((channel) => (channel.fundingTxid ? [channel.fundingTxid] : [])));
  const { released } = wallet.settleFundings(fundingTxids);
  if (released.length > 0) logger.info({ transactions: released }, 'funding transactions of mesh channels that never went out: their coins are back in the channel wallet');
}

/** The mesh channels' settings from the config: the network, and the channels section. */
function channelSettings(config: GatewayDaemonConfig): GatewayConfig['channels'] {
  const { minimumDepth, offlineHorizonBlocks, marginBlocks } = config.channels;
  return {
    network: NETWORK_NUMBERS[config.network],
    ...(minimumDepth !== undefined && { minimumDepth }),
    policy: { ...(offlineHorizonBlocks !== undefined && { offlineHorizonBlocks }), ...(marginBlocks !== undefined && { marginBlocks }) },
  };
}

/** The bridge's settings from the `lightning:` section. */
function bridgeSettings(section: LightningSection): GatewayBridgeInit {
  return { fee: section.bridgeFee, finalCltvExpiryDelta: section.finalCltvExpiryDelta, safetyBlocks: section.safetyBlocks };
}
