/**
 * Channel managers wired in one process: an in-memory messenger that queues
 * messages and delivers them in order when asked, the test wallet (see
 * test-wallet.ts), and a broadcaster that records.
 * Like rust-lightning's functional test utilities: a scenario reads like the scenario.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Transaction } from '../../node/bolt3/transaction.js';
import type { FeeEstimator } from '../../node/chain/fee-estimator.js';
import { ChannelManager, type ChannelManagerComponents, type ChannelManagerInit, type FundingWallet, type ManagerEvent } from '../../node/channel/manager.js';
import type { Logger } from '../../node/core/logger.js';
import type { Messenger } from '../../node/core/messenger.js';
import { MemoryPersister, type Persister } from '../../node/persist/persister.js';
import { recordingBroadcaster } from './broadcaster.js';
import { signerOf } from './signer-of.js';
import { testWallet } from './test-wallet.js';

export interface TestNode {
  readonly id: string;
  manager: ChannelManager;
  readonly events: ManagerEvent[];
  readonly broadcast: Transaction[];
  /** Replaces the manager by a new one over the same persister, as a reboot would (what was not saved is gone). */
  restart(): void;
  /** A second manager started from a copy of what this node has saved now, broadcasting into `broadcast`: a node's old backup. */
  fork(broadcast: Transaction[]): ChannelManager;
}

export interface Network {
  readonly nodes: TestNode[];
  /** Delivers queued messages until none is left. Returns how many were delivered. */
  run(): number;
  /** Messages waiting, as [from, to, bytes]. */
  readonly queue: [string, string, Uint8Array][];
}

export function createNetwork(
  count: number,
  init: Partial<ChannelManagerInit> | ((i: number) => Partial<ChannelManagerInit>) = {},
  wallet?: (i: number) => FundingWallet,
  persister: (i: number) => Persister = () => new MemoryPersister(),
  /** How node `i` sends; by default into the network's queue, delivered by `run()`. */
  messenger?: (i: number) => Messenger,
  /** Node `i`'s fee estimator; by default the manager's own (the configured rates). */
  feeEstimator?: (i: number) => FeeEstimator,
  /** Where node `i` logs; by default nowhere. */
  logger?: (i: number) => Logger,
): Network {
  const queue: [string, string, Uint8Array][] = [];
  const byId = new Map<string, TestNode>();
  const nodes = Array.from({ length: count }, (_, i) => {
    const signer = signerOf(i);
    const id = bytesToHex(signer.nodeId);
    const events: ManagerEvent[] = [];
    const broadcast: Transaction[] = [];
    let counter = 0;
    const components = {
        signer,
        persister: persister(i),
        messenger: messenger?.(i) ?? { send: (peer: string, bytes: Uint8Array) => queue.push([id, peer, bytes]) },
        wallet: wallet?.(i) ?? testWallet(i),
        broadcaster: recordingBroadcaster(broadcast),
        randomBytes: (length: number) => sha256(Uint8Array.of(0x99, i, counter++)).slice(0, length),
        ...(feeEstimator && { feeEstimator: feeEstimator(i) }),
        ...(logger && { logger: logger(i) }),
      } satisfies ChannelManagerComponents;
    const start = () => {
      const manager = new ChannelManager(components, { network: 3, ...(typeof init === 'function' ? init(i) : init) });
      manager.on('event', (event) => events.push(event));
      manager.resume();
      return manager;
    };
    const node: TestNode = {
      id,
      manager: start(),
      events,
      broadcast,
      fork(broadcastInto) {
        const copy = new MemoryPersister();
        for (const [id, record] of components.persister.loadChannels()) copy.saveChannel(id, record);
        for (const [id, value] of components.persister.getAll('invoice')) copy.put('invoice', id, value);
        return new ChannelManager({ ...components, persister: copy, broadcaster: recordingBroadcaster(broadcastInto) }, { network: 3, ...(typeof init === 'function' ? init(i) : init) });
      },
      restart() {
        node.manager.removeAllListeners();
        node.manager = start();
      },
    };
    byId.set(id, node);
    return node;
  });
  return {
    nodes,
    queue,
    run() {
      let delivered = 0;
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [from, to, bytes] = next;
        byId.get(to)?.manager.handleMessage(from, bytes);
        if (++delivered > 10_000) throw new Error('the network did not go quiet');
      }
      return delivered;
    },
  };
}

/**
 * Nodes in a line, 0 - 1 - ... - n-1, with channels opened along it (each
 * funded by its left end) and static routes so that any node reaches any other.
 */
export function createLine(count: number, fundingSatoshis = 1_000_000): Network {
  const ids = Array.from({ length: count }, (_, i) => bytesToHex(signerOf(i).nodeId));
  const routesOf = (i: number) => Object.fromEntries(ids.flatMap((id, j) => (Math.abs(j - i) > 1 ? [[id, ids[j > i ? i + 1 : i - 1]!]] : [])));
  const network = createNetwork(count, (i) => ({ routes: routesOf(i) }));
  for (let i = 0; i + 1 < count; i++) openChannel(network, network.nodes[i]!, network.nodes[i + 1]!, fundingSatoshis);
  return network;
}

/** Opens a channel from `a` to `b` and confirms its funding: ready to pay. */
export function openChannel(network: Network, a: TestNode, b: TestNode, fundingSatoshis: number, pushMsat = 0): number {
  const handle = a.manager.openChannel(b.id, fundingSatoshis, pushMsat);
  network.run();
  a.manager.fundingConfirmed(b.id, handle, 6);
  b.manager.fundingConfirmed(a.id, handle, 6);
  network.run();
  return handle;
}
