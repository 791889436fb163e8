/**
 * The channels layer of `createNetwork` (network.ts): a `ChannelManager` on
 * each node, with node `i`'s keys, wallet and randomness, talking through a
 * queue of messages that `run()` delivers in order, synchronously, so that a
 * scenario reads like the scenario (as rust-lightning's functional tests do).
 * And `openChannel`, the step most scenarios start with.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Transaction } from '../../node/bolt3/transaction.js';
import type { FeeEstimator } from '../../node/chain/fee-estimator.js';
import { ChannelManager, type ChannelManagerComponents, type ChannelManagerInit, type ManagerEvent } from '../../node/channel/manager.js';
import type { FundingWallet } from '../../node/wallet/funding-wallet.js';
import type { Logger } from '../../node/core/logger.js';
import type { Messenger } from '../../node/core/messenger.js';
import type { Signer } from '../../node/keys/signer.js';
import { MemoryPersister, type Persister } from '../../node/persist/persister.js';
import { recordingBroadcaster } from './broadcaster.js';
import { testWallet } from './test-wallet.js';

/** One value for every node, or one per node by its index (its place in `nodes`) and name. */
export type PerNode<T> = T | ((i: number, name: string) => T);

export interface ChannelsSpec {
  /** The managers' settings, over `{ network: 3 }` (regtest). */
  readonly init?: PerNode<Partial<ChannelManagerInit>>;
  /** By default node `i`'s `testWallet(i)`. */
  readonly wallet?: PerNode<FundingWallet>;
  /** By default a `MemoryPersister` each. */
  readonly persister?: PerNode<Persister>;
  /** How a node sends; by default into the network's queue, delivered by `run()`. */
  readonly messenger?: PerNode<Messenger>;
  /** By default the manager's own (the configured rates). */
  readonly feeEstimator?: PerNode<FeeEstimator>;
  /** By default nowhere. */
  readonly logger?: PerNode<Logger>;
}

/** What the channels layer adds to a node. */
export interface ChannelParts {
  manager: ChannelManager;
  /** Every event of its manager (and of the managers `restart()` made), in order. */
  readonly events: ManagerEvent[];
  readonly broadcast: Transaction[];
  /** Replaces the manager by a new one over the same persister, as a reboot would (what was not saved is gone). */
  restart(): void;
  /** A second manager started from a copy of what this node has saved now, broadcasting into `broadcast`: a node's old backup. */
  fork(broadcast: Transaction[]): ChannelManager;
}

/** A message waiting: [from, to, bytes], ids in hex. */
export type QueuedMessage = [string, string, Uint8Array];

/** What the layer needs of a node: its place, name, id and keys. */
interface NodeToManage {
  readonly index: number;
  readonly name: string;
  readonly id: string;
  readonly signer: Signer;
}

/** A per-node value for `node`. */
export const valueOf = <T>(value: PerNode<T> | undefined, node: { readonly index: number; readonly name: string }): T | undefined =>
  typeof value === 'function' ? (value as (i: number, name: string) => T)(node.index, node.name) : value;

/** Puts a manager on each of `nodes`; their messages go into `queue` unless the spec gives a messenger. */
export function withChannels<N extends NodeToManage>(nodes: readonly N[], spec: ChannelsSpec, queue: QueuedMessage[]): (N & ChannelParts)[] {
  return nodes.map((node) => {
    const i = node.index;
    const init = () => ({ network: 3, ...valueOf(spec.init, node) });
    const events: ManagerEvent[] = [];
    const broadcast: Transaction[] = [];
    let counter = 0;
    const feeEstimator = valueOf(spec.feeEstimator, node);
    const logger = valueOf(spec.logger, node);
    const components = {
      signer: node.signer,
      persister: valueOf(spec.persister, node) ?? new MemoryPersister(),
      messenger: valueOf(spec.messenger, node) ?? { send: (peer: string, bytes: Uint8Array) => void queue.push([node.id, peer, bytes]) },
      wallet: valueOf(spec.wallet, node) ?? testWallet(i),
      broadcaster: recordingBroadcaster(broadcast),
      randomBytes: (length: number) => sha256(Uint8Array.of(0x99, i, counter++)).slice(0, length),
      ...(feeEstimator && { feeEstimator }),
      ...(logger && { logger }),
    } satisfies ChannelManagerComponents;
    const start = () => {
      const manager = new ChannelManager(components, init());
      manager.on('event', (event) => events.push(event));
      manager.resume();
      return manager;
    };
    const withManager: N & ChannelParts = {
      ...node,
      manager: start(),
      events,
      broadcast,
      fork(broadcastInto) {
        const copy = new MemoryPersister();
        for (const [id, record] of components.persister.loadChannels()) copy.saveChannel(id, record);
        for (const [id, value] of components.persister.getAll('invoice')) copy.put('invoice', id, value);
        return new ChannelManager({ ...components, persister: copy, broadcaster: recordingBroadcaster(broadcastInto) }, init());
      },
      restart() {
        withManager.manager.removeAllListeners();
        withManager.manager = start();
      },
    };
    return withManager;
  });
}

/** Delivers the queued messages, and those they cause, until none is left. Returns how many were delivered. */
export function deliverAll(queue: QueuedMessage[], managerOf: (id: string) => ChannelManager | undefined): number {
  let delivered = 0;
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [from, to, bytes] = next;
    managerOf(to)?.handleMessage(from, bytes);
    if (++delivered > 10_000) throw new Error('the network did not go quiet');
  }
  return delivered;
}

interface ChannelEnd {
  readonly id: string;
  readonly manager: ChannelManager;
}

/** Opens a channel from `a` to `b` and confirms its funding: ready to pay. */
export function openChannel(network: { run(): number }, a: ChannelEnd, b: ChannelEnd, fundingSatoshis: number, pushMsat = 0): number {
  const handle = a.manager.openChannel(b.id, fundingSatoshis, pushMsat);
  network.run();
  a.manager.fundingConfirmed(b.id, handle, 6);
  b.manager.fundingConfirmed(a.id, handle, 6);
  network.run();
  return handle;
}
