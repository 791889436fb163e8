// What the gateway/lightning tests share: a real regtest chain (bcoin, in
// memory) past segwit, and LightningNodes on it with their own seeds, data
// directories and test wallets, over TCP on 127.0.0.1.
import type { Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { coinbaseAt, mineToSegwit } from '../../../gateway/chain/regtest-coins.js';
import { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import type { ReconnectPolicy } from '../../../gateway/lightning/reconnector.js';
import type { LightningEvent } from '../../../gateway/lightning/lightning-events.js';
import type { OnChainWallet } from '../../../gateway/wallet/on-chain-wallet.js';
import type { Logger } from '../../../node/core/logger.js';
import type { Clock } from '../../../node/core/clock.js';
import { ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import type { Broadcaster } from '../../../node/chain/broadcaster.js';
import { RegtestCoinbaseWallet } from '../../../gateway/wallet/regtest-coinbase-wallet.js';

export const LOOPBACK = '127.0.0.1';

/** An open regtest chain past segwit activation, closed at the end of `t`. */
export async function startChain(t: Test): Promise<EmbeddedChain> {
  const chain = new EmbeddedChain({});
  await chain.open();
  t.teardown(() => chain.close());
  await mineToSegwit(chain);
  return chain;
}

export interface TestNode {
  readonly node: LightningNode;
  readonly dataDir: string;
  readonly events: LightningEvent[];
  readonly wallet: OnChainWallet;
}

export interface TestNodeOptions {
  /** Reuse a data directory (a restart); default a new one, removed at the end of `t`. */
  readonly dataDir?: string;
  /** Default: a test wallet holding the coinbases of `coinHeights` (default none). */
  readonly wallet?: OnChainWallet;
  readonly coinHeights?: readonly number[];
  /** Where `listen()` binds; default 0, a free port. */
  readonly port?: number;
  /** Default: the node's own (every 10 s, back-off up to 5 min). */
  readonly reconnect?: ReconnectPolicy;
  /** Announce the channels it opens (a routing node); default false. */
  readonly announceChannels?: boolean;
  /** Default: logs nowhere. */
  readonly logger?: Logger;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Default: onto `chain`. */
  readonly broadcaster?: Broadcaster;
}

/** A LightningNode on `chain`, seeded with 32 bytes of `fill`, stopped at the end of `t`. */
export async function startNode(t: Test, chain: EmbeddedChain, fill: number, options: TestNodeOptions = {}): Promise<TestNode> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `lnmesh-ldk-${fill}-`));
  if (!options.dataDir) t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const coins = await Promise.all((options.coinHeights ?? []).map((height) => coinbaseAt(chain, height)));
  const wallet = options.wallet ?? new RegtestCoinbaseWallet(coins);
  const node = await LightningNode.create(
    { logger: options.logger, clock: options.clock, broadcaster: options.broadcaster ?? { broadcast: (tx) => void chain.broadcast(tx) }, feeEstimator: new ObservedFeerates(), chain, wallet },
    { seed: new Uint8Array(32).fill(fill), network: 'regtest', dataDir, listen: { host: LOOPBACK, port: options.port ?? 0 }, reconnect: options.reconnect, announceChannels: options.announceChannels },
  );
  const events: LightningEvent[] = [];
  node.on('event', (event) => events.push(event));
  t.teardown(() => node.stop());
  return { node, dataDir, events, wallet };
}

/** The first event of `type` in `events` (matching `where`), once there. */
export function eventOf<T extends LightningEvent['type']>(
  events: readonly LightningEvent[], type: T, where: (event: Extract<LightningEvent, { type: T }>) => boolean = () => true,
): Extract<LightningEvent, { type: T }> | undefined {
  return events.find((event): event is Extract<LightningEvent, { type: T }> => event.type === type && where(event as Extract<LightningEvent, { type: T }>));
}
