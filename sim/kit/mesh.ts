/**
 * The channels layer over media: with both `channels` and `media` in the
 * spec, each node of `createNetwork` (network.ts) is a whole `MeshNode`
 * (channels, router, a link per medium it is on), as the daemon and the
 * simulator build it; messages go over the links, on the network's clock.
 */
import type { Transaction } from '../../node/bolt3/transaction.js';
import type { ManagerEvent } from '../../node/channel/manager.js';
import type { Clock } from '../../node/core/clock.js';
import { silentLogger } from '../../node/core/logger.js';
import type { Signer } from '../../node/keys/signer.js';
import { type LinkConfig, MeshNode } from '../../node/mesh-node.js';
import { MemoryPersister, type Persister, type RecordStore } from '../../node/persist/persister.js';
import { type LinkOutbox, MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { MemorySeenMessages, type SeenMessages } from '../../transports/router/seen-messages.js';
import { recordingBroadcaster } from './broadcaster.js';
import { type ChannelsSpec, type PerNode, valueOf } from './channels.js';
import { warningsInto } from './logger.js';
import { randomBytes } from './random.js';
import { testWallet } from './test-wallet.js';

export interface MeshChannelsSpec extends Omit<ChannelsSpec, 'persister' | 'messenger' | 'feeEstimator'> {
  /** By default a `MemoryPersister` each; its `routes` serve the router too. */
  readonly persister?: PerNode<Persister & RecordStore>;
  /** What the links have not delivered; by default a `MemoryLinkOutbox` each. */
  readonly outbox?: PerNode<LinkOutbox>;
  /** By default a `MemorySeenMessages` each. */
  readonly seen?: PerNode<SeenMessages>;
}

/** What the mesh layer adds to a node. */
export interface MeshParts {
  readonly mesh: MeshNode;
  readonly manager: MeshNode['manager'];
  /** The mesh node's links, one per medium it is on. */
  readonly links: MeshNode['links'];
  readonly events: ManagerEvent[];
  readonly broadcast: Transaction[];
  /** What any layer warned about, in order. */
  readonly warnings: string[];
}

interface AttachedNode {
  readonly index: number;
  readonly name: string;
  readonly signer: Signer;
  /** Its link on each medium it is on, as the mesh node's config describes one. */
  readonly attachments: readonly LinkConfig[];
}

/** A `MeshNode` on each of `nodes`, not started. */
export function withMesh<N extends AttachedNode>(nodes: readonly N[], spec: MeshChannelsSpec, clock: Clock): (Omit<N, 'attachments'> & MeshParts)[] {
  return nodes.map(({ attachments, ...node }) => {
    const events: ManagerEvent[] = [];
    const broadcast: Transaction[] = [];
    const warnings: string[] = [];
    const { routes, ...init } = valueOf(spec.init, node) ?? {};
    const channelLogger = valueOf(spec.logger, node);
    const mesh = new MeshNode(
      {
        signer: node.signer,
        persister: valueOf(spec.persister, node) ?? new MemoryPersister(),
        outbox: valueOf(spec.outbox, node) ?? new MemoryLinkOutbox(),
        seen: valueOf(spec.seen, node) ?? new MemorySeenMessages(),
        wallet: valueOf(spec.wallet, node) ?? testWallet(node.index),
        broadcaster: recordingBroadcaster(broadcast),
        clock,
        randomBytes,
        logger: warningsInto(warnings),
        channelLogger: channelLogger ?? silentLogger,
      },
      { channels: { network: 3, ...init }, links: attachments, ...(routes && { routes }) },
    );
    mesh.manager.on('event', (event) => events.push(event));
    return { ...node, mesh, manager: mesh.manager, links: mesh.links, events, broadcast, warnings };
  });
}
