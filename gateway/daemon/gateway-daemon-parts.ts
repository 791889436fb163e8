/** What a running gateway daemon holds: the control handlers read from it. */
import type { Clock } from '../../node/core/clock.js';
import type { Logger } from '../../node/daemon/logger.js';
import type { LmdbPersister } from '../../node/persist/lmdb.js';
import type { NodeWallet } from '../../node/wallet/node-wallet.js';
import type { LmdbLinkOutbox } from '../../transports/link/outbox.js';
import type { LmdbSeenMessages } from '../../transports/router/lmdb-seen-messages.js';
import type { ChainSource } from '../chain/chain-source.js';
import type { EmbeddedChain } from '../chain/embedded-chain.js';
import type { Gateway } from '../gateway.js';
import type { Mailbox } from '../relay/mailbox.js';
import type { AppointmentStore } from '../tower/appointment-store.js';
import type { ResponseStore } from '../tower/response-store.js';
import type { GatewayDaemonConfig } from './gateway-config.js';
import type { RegtestFaucet } from './regtest-faucet.js';
import type { GatewayLightning } from './gateway-lightning.js';

export interface GatewayDaemonParts {
  readonly config: GatewayDaemonConfig;
  readonly gateway: Gateway;
  readonly nodeId: string;
  readonly chain: ChainSource;
  readonly appointments: AppointmentStore;
  readonly responses: ResponseStore;
  readonly mailbox: Mailbox;
  /** Routed envelopes already delivered to the gateway, on disk: a restart does not make a replay new. */
  readonly seen: LmdbSeenMessages;
  readonly outbox: LmdbLinkOutbox;
  /** The mesh channels' store (gateway.manager's). */
  readonly persister: LmdbPersister;
  /** The mesh channels' wallet (in `persister`): funds the channels the gateway opens (gateway/channels/channel-wallet.ts). */
  readonly channelWallet: NodeWallet;
  /** On regtest with the embedded chain: mining and the faucet. */
  readonly regtest?: { readonly chain: EmbeddedChain; readonly faucet: RegtestFaucet };
  /** With a `lightning:` section: the gateway's LDK node and its on-chain wallet (started after the chain, stopped before it). */
  readonly lightning?: GatewayLightning;
  readonly clock: Clock;
  readonly startedAt: number;
  readonly logger: Logger;
}
