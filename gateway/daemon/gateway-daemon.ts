/**
 * The gateway daemon (`lnmesh gateway --config FILE`): the `Gateway` on real
 * parts. It locks its data directory, opens the chain backend (bcoin in the
 * data directory, or Bitcoin Core), the tower's stores, the mailbox and the
 * links' outbox, starts the gateway, and answers the control socket. On
 * regtest it can make its chain usable by itself (blocks past segwit, a
 * block clock, a faucet). `stop` undoes it in reverse order.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type Clock, systemClock } from '../../node/core/clock.js';
import { ControlServer } from '../../node/control/control-server.js';
import { type DataDirLock, lockDataDir } from '../../node/daemon/data-dir-lock.js';
import { octal } from '../../node/daemon/data-dir-permissions.js';
import type { Logger } from '../../node/daemon/logger.js';
import { greetNeighbours } from '../../node/daemon/greet-neighbours.js';
import { readSeedFile } from '../../node/keys/seed.js';
import { LmdbLinkOutbox } from '../../transports/link/outbox.js';
import { LmdbSeenMessages } from '../../transports/router/lmdb-seen-messages.js';
import type { ChainSource } from '../chain/chain-source.js';
import { CoreRpcChain } from '../chain/core-rpc-chain.js';
import { type BcoinNetwork, EmbeddedChain } from '../chain/embedded-chain.js';
import { mineToSegwit } from '../chain/regtest-coins.js';
import { Gateway, gatewayKeyFromSecret } from '../gateway.js';
import { FeedStore } from '../relay/feed-store.js';
import { Mailbox } from '../relay/mailbox.js';
import { AppointmentStore } from '../tower/appointment-store.js';
import { ResponseStore } from '../tower/response-store.js';
import { gatewayControlHandlers } from './gateway-control.js';
import type { GatewayDaemonParts } from './gateway-daemon-parts.js';
import { type GatewayDaemonConfig, towerStoreInit } from './gateway-config.js';
import { RegtestFaucet } from './regtest-faucet.js';

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
    private readonly control: ControlServer,
    private readonly lock: DataDirLock,
    /** Stops the block clock, once a block being mined is done. */
    private readonly stopBlockClock: () => Promise<void>,
  ) {}

  static async start(config: GatewayDaemonConfig, options: GatewayDaemonOptions): Promise<GatewayDaemon> {
    const { logger } = options;
    const clock = options.clock ?? systemClock;
    // Refuses a data directory that others can write; from here on every file the daemon makes is owner-only.
    const lock = lockDataDir(config.dataDir);
    if (lock.tightenedFrom !== undefined) logger.warn({ dataDir: config.dataDir, was: octal(lock.tightenedFrom) }, 'the data directory was readable by group or others: made 0700');
    const opened: { close(): unknown }[] = [];
    let running: Gateway | undefined;
    try {
      const key = gatewayKeyFromSecret(readSeedFile(config.keyFile));
      const nodeId = bytesToHex(key.nodeId);
      const chain = GatewayDaemon.chainFor(config);
      logger.info({ backend: config.chain.backend, network: config.network }, 'opening the chain');
      await chain.open();
      opened.push(chain);
      chain.on('warning', (message) => logger.warn({ component: 'chain' }, message));
      let regtest: GatewayDaemonParts['regtest'];
      if (chain instanceof EmbeddedChain && config.network === 'regtest') {
        if (config.regtest.mineOnStart) await mineToSegwit(chain);
        regtest = { chain, faucet: new RegtestFaucet(chain, join(config.dataDir, 'faucet-next-coinbase')) };
      }
      const appointments = new AppointmentStore(join(config.dataDir, 'tower-appointments'), towerStoreInit(config));
      opened.push(appointments);
      const responses = new ResponseStore(join(config.dataDir, 'tower-responses'));
      opened.push(responses);
      const mailbox = new Mailbox(join(config.dataDir, 'mailbox'), clock);
      opened.push(mailbox);
      const outbox = new LmdbLinkOutbox(join(config.dataDir, 'outbox'));
      opened.push(outbox);
      const feedStore = new FeedStore(join(config.dataDir, 'chain-feed'));
      opened.push(feedStore);
      const seen = new LmdbSeenMessages(join(config.dataDir, 'seen'), clock);
      opened.push(seen);
      const randomBytes = (length: number) => new Uint8Array(nodeRandomBytes(length));
      const gateway = new Gateway(
        { key, chain, appointments, responses, mailbox, feedStore, outbox, seen, clock, randomBytes },
        { links: config.links, routes: config.routes, tower: config.tower },
      );
      const parts: GatewayDaemonParts = { config, gateway, nodeId, chain, appointments, responses, mailbox, seen, outbox, ...(regtest && { regtest }), clock, startedAt: clock.now(), logger };
      GatewayDaemon.log(parts);
      running = gateway;
      await gateway.start();
      greetNeighbours(gateway.links);
      const tip = await chain.tip();
      const control = new ControlServer(gatewayControlHandlers(parts), { socketPath: config.controlSocket });
      control.on('warning', (message) => logger.warn({ component: 'control' }, message));
      await control.start();
      const cancelBlockClock = regtest && config.regtest.blockIntervalMs > 0 ? GatewayDaemon.blockClock(regtest.chain, config.regtest.blockIntervalMs, clock, logger) : async () => {};
      logger.info({ nodeId, network: config.network, height: tip.height, links: config.links.length, controlSocket: config.controlSocket }, 'gateway started');
      if (!gateway.towerWatching) logger.warn('the watchtower is switched off (tower.watch: false): it keeps the nodes\' appointments but answers no breach');
      return new GatewayDaemon(parts, control, lock, cancelBlockClock);
    } catch (error) {
      // Whatever started stops before its stores and chain close.
      await running?.stop().catch(() => {});
      for (const store of opened.reverse()) await store.close();
      lock.release();
      throw error;
    }
  }

  private static chainFor(config: GatewayDaemonConfig): ChainSource {
    if (config.chain.backend === 'core') {
      const { url, username, password, pollIntervalMs } = config.chain;
      return new CoreRpcChain({ url, credentials: { user: username, password }, ...(pollIntervalMs !== undefined && { pollIntervalMs }) });
    }
    const network = BCOIN_NETWORKS[config.network];
    if (!network) throw new GatewayDaemonError(`the embedded chain does not run ${config.network}: use chain.backend core (Bitcoin Core)`);
    return new EmbeddedChain({ network, dataDirectory: join(config.dataDir, 'chain') });
  }

  private static log(parts: GatewayDaemonParts): void {
    const { gateway, logger } = parts;
    gateway.on('warning', (message) => logger.warn(message));
    gateway.tower.on('response', (record) => logger.info({ breachTxid: record.breachTxid, state: record.state }, 'watchtower response'));
    gateway.links.forEach((link, index) => link.on('peer', (peer, up) => logger.info({ link: index, peer }, up ? 'neighbour up' : 'neighbour down')));
    parts.chain.on('connect', (block) => logger.debug({ height: block.height }, 'block connected'));
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

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { gateway, chain, appointments, responses, mailbox, seen, outbox, logger } = this.parts;
      try {
        await this.stopBlockClock();
        await this.control.stop();
        await gateway.stop();
      } finally {
        // The stores and the chain close and the lock goes even if a link would not stop cleanly.
        await outbox.close();
        await seen.close();
        await mailbox.close();
        await responses.close();
        await appointments.close();
        await chain.close();
        this.lock.release();
      }
      logger.info('gateway stopped');
    })();
    return this.stopping;
  }
}
