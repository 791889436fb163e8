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
import { type Clock, systemClock } from '../../node/clock.js';
import { ControlServer } from '../../node/control/control-server.js';
import { type DataDirLock, lockDataDir } from '../../node/daemon/data-dir-lock.js';
import type { Logger } from '../../node/daemon/logger.js';
import { greetNeighbours } from '../../node/daemon/node-daemon.js';
import { readSeedFile } from '../../node/keys/seed.js';
import { LmdbLinkOutbox } from '../../transports/link/outbox.js';
import { MemorySeenMessages } from '../../transports/router/seen-messages.js';
import type { ChainSource } from '../chain/chain-source.js';
import { CoreRpcChain } from '../chain/core-rpc-chain.js';
import { type BcoinNetwork, EmbeddedChain } from '../chain/embedded-chain.js';
import { mineToSegwit } from '../chain/regtest-coins.js';
import { Gateway, gatewayKeyFromSecret } from '../gateway.js';
import { Mailbox } from '../relay/mailbox.js';
import { AppointmentStore } from '../tower/appointment-store.js';
import { ResponseStore } from '../tower/response-store.js';
import { gatewayControlHandlers } from './gateway-control.js';
import type { GatewayDaemonConfig } from './gateway-config.js';
import { RegtestFaucet } from './regtest-faucet.js';

export class GatewayDaemonError extends Error {
  override name = 'GatewayDaemonError';
}

export interface GatewayDaemonOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
}

/** What a running gateway daemon holds; the control handlers read from it. */
export interface GatewayDaemonParts {
  readonly config: GatewayDaemonConfig;
  readonly gateway: Gateway;
  readonly nodeId: string;
  readonly chain: ChainSource;
  readonly appointments: AppointmentStore;
  readonly responses: ResponseStore;
  readonly mailbox: Mailbox;
  readonly outbox: LmdbLinkOutbox;
  /** On regtest with the embedded chain: mining and the faucet. */
  readonly regtest?: { readonly chain: EmbeddedChain; readonly faucet: RegtestFaucet };
  readonly clock: Clock;
  readonly startedAt: number;
  readonly logger: Logger;
}

const BCOIN_NETWORKS: Readonly<Record<string, BcoinNetwork>> = { mainnet: 'main', testnet: 'testnet', regtest: 'regtest' };

export class GatewayDaemon {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly parts: GatewayDaemonParts,
    private readonly control: ControlServer,
    private readonly lock: DataDirLock,
    private readonly cancelBlockClock: () => void,
  ) {}

  static async start(config: GatewayDaemonConfig, options: GatewayDaemonOptions): Promise<GatewayDaemon> {
    const { logger } = options;
    const clock = options.clock ?? systemClock;
    const lock = lockDataDir(config.dataDir);
    const opened: { close(): unknown }[] = [];
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
      const appointments = new AppointmentStore(join(config.dataDir, 'tower-appointments'));
      opened.push(appointments);
      const responses = new ResponseStore(join(config.dataDir, 'tower-responses'));
      opened.push(responses);
      const mailbox = new Mailbox(join(config.dataDir, 'mailbox'), clock);
      opened.push(mailbox);
      const outbox = new LmdbLinkOutbox(join(config.dataDir, 'outbox'));
      opened.push(outbox);
      const randomBytes = (length: number) => new Uint8Array(nodeRandomBytes(length));
      const gateway = new Gateway(
        { key, chain, appointments, responses, mailbox, outbox, seen: new MemorySeenMessages(), clock, randomBytes },
        { links: config.links, routes: config.routes, tower: config.tower },
      );
      const parts: GatewayDaemonParts = { config, gateway, nodeId, chain, appointments, responses, mailbox, outbox, ...(regtest && { regtest }), clock, startedAt: clock.now(), logger };
      GatewayDaemon.log(parts);
      await gateway.start();
      greetNeighbours(gateway.links);
      const control = new ControlServer(gatewayControlHandlers(parts), { socketPath: config.controlSocket });
      control.on('warning', (message) => logger.warn({ component: 'control' }, message));
      try {
        await control.start();
      } catch (error) {
        await gateway.stop();
        throw error;
      }
      const cancelBlockClock = regtest && config.regtest.blockIntervalMs > 0 ? GatewayDaemon.blockClock(regtest.chain, config.regtest.blockIntervalMs, clock, logger) : () => {};
      const tip = await chain.tip();
      logger.info({ nodeId, network: config.network, height: tip.height, links: config.links.length, controlSocket: config.controlSocket }, 'gateway started');
      return new GatewayDaemon(parts, control, lock, cancelBlockClock);
    } catch (error) {
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
  private static blockClock(chain: EmbeddedChain, intervalMs: number, clock: Clock, logger: Logger): () => void {
    let cancel = () => {};
    let stopped = false;
    const tick = () => {
      void chain
        .mine(1)
        .catch((error: Error) => logger.warn({ error: error.message }, 'the block clock could not mine'))
        .finally(() => {
          if (!stopped) cancel = clock.setTimer(intervalMs, tick);
        });
    };
    cancel = clock.setTimer(intervalMs, tick);
    return () => {
      stopped = true;
      cancel();
    };
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { gateway, chain, appointments, responses, mailbox, outbox, logger } = this.parts;
      this.cancelBlockClock();
      await this.control.stop();
      await gateway.stop();
      await outbox.close();
      await mailbox.close();
      await responses.close();
      await appointments.close();
      await chain.close();
      this.lock.release();
      logger.info('gateway stopped');
    })();
    return this.stopping;
  }
}
