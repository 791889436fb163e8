/** What a running node daemon holds: the control handlers read from it. */
import type { LmdbLinkOutbox } from '../../transports/link/outbox.js';
import type { LmdbSeenMessages } from '../../transports/router/lmdb-seen-messages.js';
import type { NodeDaemonConfig } from '../config/node-config.js';
import type { Clock } from '../core/clock.js';
import type { MeshNode } from '../mesh-node.js';
import type { LmdbPersister } from '../persist/lmdb.js';
import type { NodeWallet } from '../wallet/node-wallet.js';
import type { Logger } from './logger.js';
import type { PaymentLog } from './payment-log.js';

export interface NodeDaemonParts {
  readonly config: NodeDaemonConfig;
  readonly node: MeshNode;
  readonly nodeId: string;
  readonly persister: LmdbPersister;
  readonly outbox: LmdbLinkOutbox;
  /** Routed envelopes already delivered, on disk: a restart does not make a replay new. */
  readonly seen: LmdbSeenMessages;
  readonly wallet: NodeWallet;
  readonly payments: PaymentLog;
  readonly clock: Clock;
  readonly startedAt: number;
  readonly logger: Logger;
  /** Watches `txid` until the gateway proves it, then counts its outputs to the wallet (kept across restarts). */
  expectDeposit(txid: string): void;
}
