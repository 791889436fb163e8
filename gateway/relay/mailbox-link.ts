/**
 * The gateway's links with a mailbox in front: what the router hands on for
 * a neighbour whose session is down waits in the mailbox (bounded, with an
 * expiry) instead of the link's outbox (unbounded), and goes out, in order,
 * as soon as the neighbour's session comes back up. Mailing also starts a
 * handshake: a neighbour that is there but quiet comes up at once.
 *
 * Each message is mailed with its standing: the gateway's own (a direct
 * envelope, or a routed one from the gateway), from a source with standing
 * (`SourceStanding`: by default, the nodes the gateway's config names), or
 * from a stranger; the mailbox bounds each and hands on the gateway's own
 * and known sources' mail before strangers'.
 *
 * Handing on is at least once: a message is removed from the mailbox right
 * after the link has it queued durably, so a crash between the two sends it
 * once more. The destination drops it (routed envelopes are checked against
 * the messages it has seen; channel messages carry sequences).
 */
import { EventEmitter } from 'node:events';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import type { QueuedFigures } from '../../transports/router/relay-ledger.js';
import type { RouterLink } from '../../transports/router/router.js';
import { EnvelopeDecodeError, decodeEnvelope } from '../../transports/router/envelope.js';
import type { Mailbox, Standing } from './mailbox.js';

/** Which sources have standing with the gateway. */
export interface SourceStanding {
  /** Whether `source` (a node id, lowercase hex) has standing: its mail gets a share of its own and the full expiry. */
  hasStanding(source: string): boolean;
}

/**
 * The default: the nodes the gateway's config names, its neighbours and
 * its routes' destinations. Those the operator wrote down; any other id is
 * a key anyone can make. (Feed registrations and tower appointments are
 * not standing: any fresh key can make them.)
 */
export function configuredStanding(nodeIds: Iterable<string>): SourceStanding {
  const known = new Set([...nodeIds].map((id) => id.toLowerCase()));
  return { hasStanding: (source) => known.has(source) };
}

export interface MailboxLinkInit {
  /** The gateway's node id (hex): routed envelopes from it are its own. */
  readonly ownId?: string;
  /** Who has standing; without it, every source does (the mailbox still bounds each). */
  readonly standing?: SourceStanding;
  /** Where what the mailbox survives (mail that could not be handed on) is told. Default nowhere. */
  readonly logger?: Logger;
}

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
}

export class MailboxLink extends EventEmitter<MailboxLinkEvents> implements RouterLink {
  /** Messages put in the mailbox, and handed on from it. */
  readonly counters = { mailed: 0, handedOn: 0 };
  private readonly logger: Logger;
  private readonly forward = (peer: string, message: Uint8Array, seq: number) => this.emit('message', peer, message, seq);
  private readonly onPeer = (peer: string, up: boolean) => {
    if (up) this.handOn(peer);
  };

  constructor(
    private readonly inner: MailboxInnerLink,
    private readonly mailbox: Mailbox,
    private readonly init: MailboxLinkInit = {},
  ) {
    super();
    this.logger = init.logger ?? silentLogger;
    inner.on('message', this.forward);
    inner.on('peer', this.onPeer);
  }

  /**
   * To a neighbour that is up and has nothing waiting: straight to its link.
   * Otherwise into the mailbox, behind what waits from the same source
   * (its order is kept); throws `MailboxFullError` over a bound.
   */
  send(peer: string, message: Uint8Array): unknown {
    const id = peer.toLowerCase();
    if (this.inner.isUp(id) && !this.mailbox.hasMail(id)) return this.inner.send(id, message);
    this.mailbox.put(id, message, this.standingOf(message));
    this.counters.mailed++;
    // Up, with mail waiting: it goes now, in order of standing. Otherwise it may be there, only quiet: try.
    // If it answers, its session comes up and the mail goes out.
    if (this.inner.isUp(id)) this.handOn(id);
    else this.inner.connect(id);
    return undefined;
  }

  /** Who `message` (an envelope from the router) is from, as the mailbox counts it. */
  standingOf(message: Uint8Array): { standing: Standing; source: string } {
    let envelope;
    try {
      envelope = decodeEnvelope(message);
    } catch (error) {
      if (!(error instanceof EnvelopeDecodeError)) throw error;
      return { standing: 'own', source: '' }; // only the gateway's own code hands us anything: not an envelope is its own
    }
    if (envelope.kind === 'direct') return { standing: 'own', source: '' };
    if (this.init.ownId !== undefined && envelope.source === this.init.ownId.toLowerCase()) return { standing: 'own', source: envelope.source };
    const known = this.init.standing?.hasStanding(envelope.source) ?? true;
    return { standing: known ? 'known' : 'stranger', source: envelope.source };
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
        this.logger.log('warn', `handing mail on to ${id} failed, it stays in the mailbox: ${(error as Error).message}`);
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
