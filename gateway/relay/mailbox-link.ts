/**
 * The gateway's links with a mailbox in front: what the router hands on for
 * a neighbour whose session is down waits in the mailbox (bounded, with an
 * expiry) instead of the link's outbox (unbounded), and goes out, in order,
 * as soon as the neighbour's session comes back up. Mailing also starts a
 * handshake: a neighbour that is there but quiet comes up at once.
 *
 * Handing on is at least once: a message is removed from the mailbox right
 * after the link has it queued durably, so a crash between the two sends it
 * once more. The destination drops it (routed envelopes are checked against
 * the messages it has seen; channel messages carry sequences).
 */
import { EventEmitter } from 'node:events';
import type { QueuedFigures } from '../../transports/router/relay-ledger.js';
import type { RouterLink } from '../../transports/router/router.js';
import type { Mailbox } from './mailbox.js';

/** What the mailbox needs of the links: a `LinkSet` is one. */
export interface MailboxInnerLink {
  send(peer: string, message: Uint8Array): unknown;
  isUp(peer: string): boolean;
  /** What waits for `peer` in the link's outbox. */
  queued(peer: string): QueuedFigures;
  /** Starts a handshake, so that a neighbour that is there after all comes up and gets its mail. */
  connect(peer: string): void;
  on(event: 'message', listener: (peer: string, message: Uint8Array, seq: number) => void): unknown;
  on(event: 'peer', listener: (peer: string, up: boolean) => void): unknown;
  off(event: 'message', listener: (peer: string, message: Uint8Array, seq: number) => void): unknown;
  off(event: 'peer', listener: (peer: string, up: boolean) => void): unknown;
}

export interface MailboxLinkEvents {
  message: [peer: string, message: Uint8Array, seq: number];
  warning: [message: string];
}

export class MailboxLink extends EventEmitter<MailboxLinkEvents> implements RouterLink {
  /** Messages put in the mailbox, and handed on from it. */
  readonly counters = { mailed: 0, handedOn: 0 };
  private readonly forward = (peer: string, message: Uint8Array, seq: number) => this.emit('message', peer, message, seq);
  private readonly onPeer = (peer: string, up: boolean) => {
    if (up) this.handOn(peer);
  };

  constructor(
    private readonly inner: MailboxInnerLink,
    private readonly mailbox: Mailbox,
  ) {
    super();
    inner.on('message', this.forward);
    inner.on('peer', this.onPeer);
  }

  /**
   * To a neighbour that is up and has nothing waiting: straight to its link.
   * Otherwise into the mailbox, behind what waits (order is kept); throws
   * `MailboxFullError` over the neighbour's quota.
   */
  send(peer: string, message: Uint8Array): unknown {
    const id = peer.toLowerCase();
    if (this.inner.isUp(id) && !this.mailbox.hasMail(id)) return this.inner.send(id, message);
    this.mailbox.put(id, message);
    this.counters.mailed++;
    // It may be there, only quiet: try. If it answers, its session comes up and the mail goes out.
    if (!this.inner.isUp(id)) this.inner.connect(id);
    return undefined;
  }

  /** What waits for `peer` in the link's outbox (the mailbox bounds what it holds itself). */
  queued(peer: string): QueuedFigures {
    return this.inner.queued(peer);
  }

  /** Hands on what waits for `peer` (called when its session comes up; also safe to call any time). */
  handOn(peer: string): void {
    const id = peer.toLowerCase();
    for (const { id: mailId, message } of this.mailbox.pending(id)) {
      if (!this.inner.isUp(id)) return;
      try {
        this.inner.send(id, message);
      } catch (error) {
        this.emit('warning', `handing mail on to ${id} failed, it stays in the mailbox: ${(error as Error).message}`);
        return;
      }
      this.mailbox.remove(id, mailId);
      this.counters.handedOn++;
    }
  }

  detach(): void {
    this.inner.off('message', this.forward);
    this.inner.off('peer', this.onPeer);
  }
}
