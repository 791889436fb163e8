/**
 * The node's links, one per transport, seen by the router as one: a node
 * that hears one neighbour over LoRa and another over a serial line or MQTT
 * has a `Link` on each, and the router sends to a neighbour through the link
 * that knows it. Each neighbour belongs to exactly one link, so the links
 * may share one outbox (sequences are per neighbour).
 */
import { EventEmitter } from 'node:events';
import { InvalidInputError } from '../../node/core/input.js';
import { type Link, LinkError } from '../link/link.js';
import type { QueuedFigures } from './relay-ledger.js';
import type { RouterLink } from './router.js';

/** What the set needs of each link; `Link` is one. */
export type MemberLink = Pick<Link, 'knownPeers' | 'send' | 'queued' | 'isUp' | 'connect' | 'on' | 'off'>;

export interface LinkSetEvents {
  /** A message from a neighbour, on whichever link it came. */
  message: [peer: string, message: Uint8Array, seq: number];
  /** A session with a neighbour came up, or its last one was dropped, on whichever link. */
  peer: [peer: string, up: boolean];
}

export class LinkSet extends EventEmitter<LinkSetEvents> implements RouterLink {
  private readonly linkOf = new Map<string, MemberLink>();
  private readonly forward = (peer: string, message: Uint8Array, seq: number) => this.emit('message', peer, message, seq);
  private readonly forwardPeer = (peer: string, up: boolean) => this.emit('peer', peer, up);

  /** Throws `InvalidInputError` if a neighbour is on two links: which one would carry its messages? */
  constructor(readonly links: readonly MemberLink[]) {
    super();
    for (const [index, link] of links.entries()) {
      for (const peer of link.knownPeers()) {
        if (this.linkOf.has(peer)) throw new InvalidInputError(`links[${index}]`, `neighbour ${peer} is already on another link: a neighbour is reached over one transport`);
        this.linkOf.set(peer, link);
      }
    }
    for (const link of links) {
      link.on('message', this.forward);
      link.on('peer', this.forwardPeer);
    }
  }

  /** Every neighbour of every link. */
  neighbours(): string[] {
    return [...this.linkOf.keys()];
  }

  /** Queues `message` on the link of `peer`; throws `LinkError` for a peer no link knows. */
  send(peer: string, message: Uint8Array): number {
    const link = this.linkOf.get(peer.toLowerCase());
    if (!link) throw new LinkError(`${peer} is not a neighbour on any link`);
    return link.send(peer, message);
  }

  /** What waits for `peer` on its link; nothing for a peer no link knows. */
  queued(peer: string): QueuedFigures {
    return this.linkOf.get(peer.toLowerCase())?.queued(peer) ?? { messages: 0, bytes: 0, oldestSeq: undefined };
  }

  /** Starts a handshake with `peer` on its link, if none is up or under way. */
  connect(peer: string): void {
    const link = this.linkOf.get(peer.toLowerCase());
    if (!link) throw new LinkError(`${peer} is not a neighbour on any link`);
    link.connect(peer);
  }

  /** Whether a session with `peer` is up, on its link. */
  isUp(peer: string): boolean {
    return this.linkOf.get(peer.toLowerCase())?.isUp(peer) ?? false;
  }

  /** Stops listening to the links. */
  detach(): void {
    for (const link of this.links) {
      link.off('message', this.forward);
      link.off('peer', this.forwardPeer);
    }
  }
}
