/**
 * The node daemon (`lnmesh node --config FILE`): a `MeshNode` on real
 * parts. Its host (daemon-host.ts) locks the data directory; it reads the
 * seed, opens the lmdb stores (channels and records; the links' outbox; the
 * envelopes seen), builds the links from the config, restores channels and
 * outbox, and answers the control socket. `stop` undoes it in reverse: the
 * control socket, the links (radios closed), the stores (flushed), the lock.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { join } from 'node:path';
import { bytesToHex } from '../core/hex.js';
import { LmdbLinkOutbox } from '../../transports/link/outbox.js';
import { LmdbSeenMessages } from '../../transports/router/lmdb-seen-messages.js';
import type { Broadcaster } from '../channel/manager.js';
import { type Clock, systemClock } from '../core/clock.js';
import { NETWORK_NUMBERS, type NodeDaemonConfig } from '../config/node-config.js';
import type { RandomBytes } from '../core/random.js';
import { readSeedFile } from '../keys/seed.js';
import { SeedSigner } from '../keys/signer.js';
import { MeshNode, type MeshNodeConfig } from '../mesh-node.js';
import { LmdbPersister } from '../persist/lmdb.js';
import { NodeWallet } from '../wallet/node-wallet.js';
import { DaemonHost } from './daemon-host.js';
import { greetNeighbours } from './greet-neighbours.js';
import { type Logger, componentLogger } from './logger.js';
import { logChannelEvent } from './channel-event-log.js';
import { nodeControlHandlers } from './node-control.js';
import type { NodeDaemonParts } from './node-daemon-parts.js';
import { PaymentLog } from './payment-log.js';

export interface NodeDaemonOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly randomBytes?: RandomBytes;
}

/** Without a gateway nothing reaches the chain: say so loudly rather than fail to start (a new config has no gateway yet). */
function noGateway(logger: Logger): Broadcaster {
  return { broadcast: (tx) => logger.error({ txid: tx.getId() }, 'no gateway is configured: this transaction cannot reach the chain (add gateway: to the config)') };
}

export class NodeDaemon {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly parts: NodeDaemonParts,
    private readonly host: DaemonHost,
  ) {}

  static start(config: NodeDaemonConfig, options: NodeDaemonOptions): Promise<NodeDaemon> {
    const { logger } = options;
    return DaemonHost.start({ dataDir: config.dataDir, controlSocket: config.controlSocket, logger }, async (host) => {
      const parts = NodeDaemon.assemble(config, options, host);
      const { node, persister } = parts;
      // Listeners before the start: resuming the channels may already settle payments and closes.
      NodeDaemon.log(parts);
      NodeDaemon.watchDeposits(parts);
      await host.run(node);
      const lost = parts.payments.settleLost((paymentHash) => node.manager.paymentInFlight(paymentHash));
      if (lost > 0) logger.warn({ payments: lost }, 'payments pending at the last stop are in no channel: marked failed, nothing was paid');
      greetNeighbours(node.links);
      for (const txid of persister.getAll('walletDeposit').keys()) node.uplink?.watch(txid); // deposits still unproven at the last stop
      await host.listen(nodeControlHandlers(parts));
      logger.info({ nodeId: parts.nodeId, network: config.network, links: config.links.length, channels: node.manager.channelSummaries().length, controlSocket: config.controlSocket }, 'node started');
      return new NodeDaemon(parts, host);
    });
  }

  /** Reads the seed, opens the stores (the host closes them) and builds the node on them; nothing runs yet. */
  private static assemble(config: NodeDaemonConfig, options: NodeDaemonOptions, host: DaemonHost): NodeDaemonParts {
    const { logger } = options;
    const clock = options.clock ?? systemClock;
    const randomBytes = options.randomBytes ?? ((length: number) => new Uint8Array(nodeRandomBytes(length)));
    const signer = new SeedSigner(readSeedFile(config.seedFile));
    const persister = host.open(new LmdbPersister(join(config.dataDir, 'node')));
    const outbox = host.open(new LmdbLinkOutbox(join(config.dataDir, 'outbox')));
    const seen = host.open(new LmdbSeenMessages(join(config.dataDir, 'seen'), clock));
    const wallet = new NodeWallet(signer.walletKey(), persister);
    const components = { signer, persister, outbox, seen, wallet, clock, randomBytes, logger: componentLogger(logger, 'node'), channelLogger: componentLogger(logger, 'channels'), ...(!config.gateway && { broadcaster: noGateway(logger) }) };
    const node = new MeshNode(components, meshNodeConfig(config));
    // Coins held by openings that did not become channels before the last stop come back.
    const { released } = wallet.settleFundings(new Set(node.manager.channelSummaries().flatMap((channel) => (channel.fundingTxid ? [channel.fundingTxid] : []))));
    if (released.length > 0) logger.info({ transactions: released }, 'funding transactions that never went out: their coins are back in the wallet');
    const expectDeposit = (txid: string) => {
      persister.put('walletDeposit', txid, { requestedAt: clock.now() });
      node.uplink?.watch(txid);
    };
    const payments = new PaymentLog(persister, clock);
    return { config, node, nodeId: bytesToHex(signer.nodeId), persister, outbox, seen, wallet, payments, clock, startedAt: clock.now(), logger, expectDeposit };
  }

  /** Wires the node's events into the log and the payment log. */
  private static log(parts: NodeDaemonParts): void {
    const { node, logger, payments } = parts;
    node.manager.on('event', (event) => {
      payments.onEvent(event);
      logChannelEvent(logger, event);
    });
    node.links.forEach((link, index) => link.on('peer', (peer, up) => logger.info({ link: index, peer }, up ? 'neighbour up' : 'neighbour down')));
    node.uplink?.on('broadcast', (outcome) => logger.info({ ...outcome }, 'broadcast'));
    node.uplink?.on('refused', (what, reason) => logger.warn({ what, reason }, 'the gateway refused a request'));
    node.uplink?.on('breach', (alert) => logger.warn(alert, 'the watchtower answered a breach of one of our channels'));
  }

  /**
   * Deposits are watched until proven; a proven one becomes coins. A
   * deposit is one the user announced (`lnmesh deposit`), a cooperative
   * close, a claim of ours that confirmed, or a justice (ours or the
   * tower's): what pays the wallet back.
   */
  private static watchDeposits(parts: NodeDaemonParts): void {
    const { node, persister, wallet, logger } = parts;
    node.manager.on('event', (event) => {
      if (event.type === 'channel_closed') parts.expectDeposit(event.closingTx.getId());
      else if (event.type === 'funds_spendable') parts.expectDeposit(event.txid);
      else if (event.type === 'breach') parts.expectDeposit(event.justice.getId());
    });
    // The tower's justice pays our sweep script too.
    node.uplink?.on('breach', (alert) => parts.expectDeposit(alert.justiceTxid));
    node.uplink?.on('proven', (tx) => {
      const txid = tx.getId();
      if (!persister.get('walletDeposit', txid)) return;
      const added = wallet.addOutputsOf(tx);
      persister.remove('walletDeposit', txid);
      logger.info({ txid, satoshis: added }, added > 0 ? 'deposit confirmed' : 'the deposit transaction pays nothing to this wallet');
    });
  }

  /** Stops everything, once, in reverse order (DaemonHost); later calls wait for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.host.stop().then(() => this.parts.logger.info('node stopped'));
    return this.stopping;
  }
}

/** The node's settings from the daemon's config: channel policy, links, routes, and the gateway if there is one. */
function meshNodeConfig(config: NodeDaemonConfig): MeshNodeConfig {
  const { channels } = config;
  return {
    channels: {
      network: NETWORK_NUMBERS[config.network],
      policy: { ...(channels.offlineHorizonBlocks !== undefined && { offlineHorizonBlocks: channels.offlineHorizonBlocks }), ...(channels.marginBlocks !== undefined && { marginBlocks: channels.marginBlocks }) },
      ...(channels.minimumDepth !== undefined && { minimumDepth: channels.minimumDepth }),
      ...(channels.feeratePerKw !== undefined && { feeratePerKw: channels.feeratePerKw }),
      ...(channels.channelType !== undefined && { channelType: channels.channelType }),
      ...(channels.forwardingFee !== undefined && { forwardingFee: channels.forwardingFee }),
    },
    links: config.links,
    routes: config.routes,
    defaultHopLimit: config.hopLimit,
    ...(config.gateway && {
      gateway: {
        nodeId: config.gateway.nodeId,
        network: config.network,
        ...(config.gateway.pollIntervalMs !== undefined && { pollIntervalMs: config.gateway.pollIntervalMs }),
        ...(config.gateway.checkpoint && { checkpoint: config.gateway.checkpoint }),
      },
    }),
  };
}
