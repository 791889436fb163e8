/**
 * The link layer over one transport: with each known neighbour, an
 * authenticated encrypted session, and messages delivered exactly once and in
 * order, across losses, partitions of days and reboots.
 *
 * - Handshake: BOLT 8's Noise_XK, started by whoever has something to send
 *   (both may: crossing handshakes give two sessions, both usable). Only the
 *   static keys in `knownPeers` are accepted. Act one is resent with backoff
 *   until act two answers; the initiator resends act three with each
 *   retransmission until the responder's first frame confirms the session.
 * - Strangers: anyone in radio range can send frames, and airtime under a
 *   duty cycle is the scarcest thing a node has, so nothing a stranger sends
 *   makes this link transmit. Act one carries a neighbour tag
 *   (`neighbour-tag.ts`): an act one without a known neighbour's tag gets no
 *   act two and takes no handshake slot. A tagged act one could be a replay
 *   of one captured off the air: a repeat is answered no faster than the
 *   initiator's own backoff, one answered before is not answered again, and
 *   each neighbour has a budget of handshake replies an hour
 *   (`handshakeRepliesPerHour`). An act three is acknowledged again only if
 *   it is the one that made its session, with the same pacing; one that does
 *   not check out leaves a pending handshake waiting for the genuine one.
 *   Every other frame a stranger can send is dropped without a reply.
 * - Frames: each sealed on its own (see `frame.ts`, `session.ts`), so one lost
 *   radio frame costs one frame. On MQTT and memory a neighbour is reached at
 *   its address (`addresses`); on a broadcast medium (LoRa, serial) there is
 *   none and the session id in each frame tells the receiver which key opens it.
 * - Messages: queued durably in the outbox under a per-neighbour sequence
 *   before `send` returns, split to the MTU, sent in a window of fragments;
 *   the receiver acknowledges selectively (delivered-up-to and a bitmap of
 *   fragments, piggybacked on data frames where there are any); what is not
 *   acknowledged is sent again after a timeout that doubles each silent round
 *   up to a maximum, and restarts only once the frames have left the
 *   transport (a LoRa transport holds them for its duty cycle); after a
 *   silent round, one fragment goes at a time until the neighbour answers.
 *   Frames are made only when the transport takes them (sealed on the
 *   newest session, with the newest ack), acks and handshake acts before
 *   fragments.
 * - Silence: after `deadAfterSilentRounds` rounds without a word from the
 *   neighbour it is reported down and a new handshake is offered, but its
 *   sessions are kept. A neighbour that rebooted answers the handshake; one
 *   that is only held back (its own duty cycle, a backlog on its radio, for
 *   up to an hour under EU868) answers on the session it still has, and
 *   what it queued on it counts. Dropping the session instead made such a
 *   neighbour's frames arrive for a session we no longer had, spent its
 *   scarce airtime on them, and kept the two out of step for good.
 * - Goodbye: a link that stops seals one goodbye (`frame.ts`, 11 bytes) on
 *   the newest session of each neighbour that is up, and gives the transport
 *   a bounded moment (`GOODBYE_WAIT_MS`) to send them. The neighbour reports
 *   it down at once and drops its sessions, instead of after the silent
 *   rounds; what it queued waits in its outbox, and a handshake reaches the
 *   node once it is back. A node that crashed or lost power says nothing:
 *   silence still tells.
 * - Exactly once, in order: the receiver delivers message n only after n - 1,
 *   and keeps in the outbox the sequence delivered so far; anything at or
 *   below it is a duplicate. It emits `message` first and records the
 *   delivery right after, in the same synchronous step. A crash exactly
 *   between the two (inside or just after the listener) delivers that one
 *   message again after the reboot, with the same sequence: a listener that
 *   must never see a message twice persists the sequence with its own
 *   effect and ignores one it has seen. The other order would lose the
 *   message instead, for good, since the ack would then go out.
 *
 * Bad input (random bytes, truncated or replayed frames, unknown keys,
 * oversized fragment sets) is dropped and counted in `counters.dropped`;
 * `receiveFrame` never throws.
 */
import { EventEmitter } from 'node:events';
import { bytesToHex } from '../../node/core/hex.js';
import type { Clock } from '../../node/core/clock.js';
import { InvalidInputError, checkHex, checkInteger } from '../../node/core/input.js';
import { checkPublicKey } from '../../node/core/curve.js';
import type { NodeKey } from '../../node/core/node-key.js';
import type { RandomBytes } from '../../node/core/random.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import type { Transport } from '../transport.js';
import {
  type Ack,
  type Fragment,
  LinkDecodeError,
  MAX_ACK_ENTRIES,
  MAX_SESSION_ID,
  type SealedFrame,
  decodeFrame,
  decodeSealedBody,
  encodeFrame,
  encodeSealedBody,
  isGoodbye,
  varintLength,
} from './frame.js';
import { Reassembly, bitmapIndexes, fragmentDataSize, splitMessage } from './fragment.js';
import { HandshakeError, HandshakeInitiator, HandshakeResponder, ACT_THREE_LENGTH, newEphemeralKey } from './noise.js';
import { neighbourTag, neighbourTagKey, neighbourTagMatches } from './neighbour-tag.js';
import { type AckTiming, type FragmentArrivals, ackDelayFor, noteFragment } from './ack-hold.js';
import type { LinkOutbox } from './outbox.js';
import { LinkSession, SessionExhaustedError } from './session.js';

/** The smallest MTU the link works over: act three (66 bytes) with its type and session id. */
export const MIN_LINK_MTU = ACT_THREE_LENGTH + 2;
/** Act ones answered and waiting for act three, per neighbour: its newest handshake and the one before (crossing restarts). */
export const RESPONDERS_PER_PEER = 2;
/** Act ones of a neighbour remembered as answered: a replay of one of them gets nothing. */
const ANSWERED_ACT_ONES_PER_PEER = 256;
/**
 * Acks a session sends to repeats of the act three that made it, at most: they only speed up the
 * initiator's confirmation (its data frames draw our acks anyway), and anyone can replay an act three.
 */
const ACT_THREE_REPLIES_PER_SESSION = 3;
/**
 * Act twos a responder sends for one act one, at most: the first and its repeats. A replay of a
 * captured act one can draw no more. The initiator sends a fresh act one after as many unanswered
 * attempts, so a neighbour whose act twos are all lost is answered again.
 */
const REPLIES_PER_ACT_ONE = 4;
/** Act ones an initiator still completes after sending a fresh one (`PendingInitiator.earlier`). */
const EARLIER_ACT_ONES = 3;
/** Handshakes given up on whose act two may still come (see `abandonedInitiators`). */
const MAX_ABANDONED_INITIATORS = 16;
/** Sessions kept per neighbour: the newest (we send on it) and the one before (frames already on their way). */
const SESSIONS_PER_PEER = 2;
/** How long a stopping link waits, at most, for the transport to take its goodbyes: a stop never waits out a duty cycle. */
export const GOODBYE_WAIT_MS = 2000;

/** A call the link cannot carry out: an unknown neighbour, a message too large, a medium too small. */
export class LinkError extends Error {
  override name = 'LinkError';
}

export type DropReason =
  /** Not a link frame: random bytes, truncated, unknown type. */
  | 'malformed'
  /** A sealed frame or act for a session id we do not have. */
  | 'unknown-session'
  /** A counter already accepted, or too old for the replay window. */
  | 'replayed'
  /** Did not authenticate: altered, or meant for another node. */
  | 'bad-tag'
  /** A handshake act refused (`HandshakeError`). */
  | 'handshake-failed'
  /** A handshake completed by a static key not in `knownPeers`. */
  | 'unknown-peer'
  /** Authenticated, but its body is not well formed. */
  | 'bad-body'
  /** A fragment set beyond `maxMessageBytes`. */
  | 'oversized-message'
  /** A fragment contradicting those held for its message. */
  | 'inconsistent-fragment'
  /** No room within `maxReassemblyBytes`. */
  | 'reassembly-full'
  /** A message too far after the last delivered. */
  | 'too-far-ahead'
  /** No session id free for another handshake. */
  | 'too-many-handshakes'
  /** An act one without a known neighbour's tag, or an act three that is not the one that made its session: a stranger's, answered with nothing. */
  | 'stranger'
  /** A handshake act repeated sooner than its initiator's backoff, or past the neighbour's hourly budget of replies: not answered. */
  | 'reply-limited'
  /** An act two for a handshake given up on: the peer answered on a session we kept, so no new one was needed. */
  | 'stale-handshake'
  /** A bug of ours met by some input; logged as a warning too. */
  | 'internal-error';

const DROP_REASONS: readonly DropReason[] = [
  'malformed',
  'unknown-session',
  'replayed',
  'bad-tag',
  'handshake-failed',
  'unknown-peer',
  'bad-body',
  'oversized-message',
  'inconsistent-fragment',
  'reassembly-full',
  'too-far-ahead',
  'too-many-handshakes',
  'stranger',
  'reply-limited',
  'stale-handshake',
  'internal-error',
];

export interface LinkCounters {
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  /** Fragment frames sent again after a timeout or a new session. */
  retransmissions: number;
  handshakesCompleted: number;
  messagesDelivered: number;
  /** Fragments that arrived again (already held or delivered): the cost of lost acks. */
  duplicateFragments: number;
  /** `transport.send` failed (closed, over its mtu); the frame is retransmitted later if it mattered. */
  sendFailures: number;
  /** A `message` listener threw; the message counts as delivered. */
  listenerErrors: number;
  readonly dropped: Record<DropReason, number>;
}

export interface LinkComponents {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly outbox: LinkOutbox;
  /** The node key: the handshake proves it to neighbours (a `Signer`, or `nodeKeyFromSecret`). */
  readonly nodeKey: NodeKey;
  readonly randomBytes: RandomBytes;
  /** Where what the link survives is told. Default nowhere. */
  readonly logger?: Logger;
}

export interface LinkInit {
  /** Static public keys (33 bytes, hex) of the neighbours we talk to; also their node ids here. */
  readonly knownPeers: readonly string[];
  /** Transport address of a neighbour (MQTT, memory); none on a broadcast medium. */
  readonly addresses?: Readonly<Record<string, string>>;
  /** First retransmission timeout. Default 5 s: a LoRa frame and its ack can take seconds. */
  readonly retransmitBaseMs?: number;
  /** Each silent round multiplies the timeout by this. Default 2. */
  readonly retransmitBackoff?: number;
  /** The timeout never exceeds this. Default 10 minutes: a partition of days costs a few hundred act ones. */
  readonly retransmitMaxMs?: number;
  /** Silent rounds after which a neighbour is reported down and offered a new handshake (it may have rebooted); its sessions are kept. Default 4. */
  readonly deadAfterSilentRounds?: number;
  /** Fragments sent and not yet acknowledged, at most, per neighbour. Default 8. */
  readonly windowFragments?: number;
  /** How long an ack waits for a data frame to ride on. Default 200 ms. */
  readonly ackDelayMs?: number;
  /** The largest message, either way. Default 64 KiB. */
  readonly maxMessageBytes?: number;
  /** Fragments held per neighbour, in bytes. Default 256 KiB. */
  readonly maxReassemblyBytes?: number;
  /** Messages held at most this far after the last delivered. Default 64. */
  readonly maxMessagesAhead?: number;
  /**
   * Handshake replies (act twos, acks to a repeated act three) a neighbour's
   * frames can draw from us in an hour; the budget holds an hour's worth, so
   * a burst of reboots is answered. Default 8: a neighbour's genuine
   * handshakes need one each, a few more on a lossy link. Replays of its act
   * ones captured off the air are mostly refused outright (we remember those
   * we answered); after our own restart, this is what they can cost.
   */
  readonly handshakeRepliesPerHour?: number;
}

export interface LinkEvents {
  /** A message from `peer`, exactly once (see the crash window above) and in sequence order. */
  message: [peer: string, message: Uint8Array, seq: number];
  /** A session with `peer` came up, or the last one was dropped. */
  peer: [peer: string, up: boolean];
}

interface OutgoingMessage {
  readonly seq: number;
  readonly fragments: Fragment[];
  readonly acked: boolean[];
  readonly timesSent: number[];
  /** Delivered (acknowledged as such): no longer sent. */
  done: boolean;
}

/** A frame waiting for the transport, made only when its turn comes (see `transmit`). */
interface QueuedSend {
  /** The frame and its address, or undefined when it is no longer worth sending. */
  readonly build: () => { frame: Uint8Array; address: string | undefined } | undefined;
  /** Acks and handshake acts go before fragments: they are small, and the neighbour's timers wait on them. */
  readonly urgent: boolean;
  readonly resolve: () => void;
}

interface ActiveSession {
  readonly session: LinkSession;
  readonly peer: PeerState;
  readonly address: string | undefined;
  /** The peer has sent on it: it surely has the keys. */
  confirmed: boolean;
  /** Initiator only: resent with each retransmission until confirmed. */
  readonly actThreeFrame?: Uint8Array;
  /** Responder only: the act three that made the session, hex; a repeat of it (and nothing else) is acknowledged again. */
  readonly actThreeHex?: string;
  /** Responder only: how we answered repeats of that act three (the session's start counts as the first answer). */
  readonly actThreeReplies?: Replies;
}

/** Answers to one repeated handshake act: paced like the initiator's own resends. */
interface Replies {
  sent: number;
  lastAt: number;
}

interface PendingInitiator {
  handshake?: HandshakeInitiator;
  sessionId?: number;
  actOneFrame?: Uint8Array;
  /** Times the current act one was sent: a fresh one after `REPLIES_PER_ACT_ONE`. */
  actOneSends?: number;
  /** Act ones sent before the current one, newest last: an act two for one of them (a responder held back by its duty cycle answers late) completes the handshake too. */
  earlier?: { readonly sessionId: number; readonly handshake: HandshakeInitiator }[];
  attempts: number;
  cancelTimer?: () => void;
}

interface PendingResponder {
  /** The neighbour whose tag the act one carried. */
  readonly peer: PeerState;
  readonly replies: Replies;
  readonly sessionId: number;
  readonly initiatorSessionId: number;
  readonly handshake: HandshakeResponder;
  readonly actOneHex: string;
  readonly actTwoFrame: Uint8Array;
  readonly from: string | undefined;
  /** Act two waits for the transport: a repeated act one adds no second copy. */
  actTwoWaiting: boolean;
}

interface PeerState {
  readonly id: string;
  /** Keys the act one neighbour tag (`neighbour-tag.ts`); made on first use. */
  tagKey?: Uint8Array;
  /** Act ones of this neighbour we answered, hex, oldest first (at most `ANSWERED_ACT_ONES_PER_PEER`). */
  readonly answeredActOnes: string[];
  /** Handshake replies this neighbour may still draw (`handshakeRepliesPerHour`), as of `replyBudgetAt`. */
  replyBudget: number;
  replyBudgetAt: number;
  /** True while message listeners run: what they send waits until the delivery is recorded, so our ack rides on their reply. */
  delivering?: boolean;
  readonly address: string | undefined;
  /** Newest first. */
  sessions: ActiveSession[];
  initiator?: PendingInitiator;
  outgoing?: OutgoingMessage[];
  /** `seq:index` of fragments sent this round and not acknowledged. */
  readonly inFlight: Set<string>;
  /** Counts rounds (`resetRound`): a fragment queued in an earlier round is not sent (the new round queued what it still needs). */
  round: number;
  /** After a silent round, one fragment at a time until the neighbour answers: a neighbour held back by its duty cycle gets no storm of copies. */
  probing: boolean;
  attempts: number;
  silentRounds: number;
  cancelRetransmit?: () => void;
  readonly reassembly: Reassembly;
  deliveredUpTo: number;
  ackPending: boolean;
  /** An ack-only frame waits for the transport: it carries the newest ack when its turn comes, so no second one is queued. */
  ackWaiting: boolean;
  /** Send that waiting ack even if a data frame carried ours meanwhile (it answers a repeated act three). */
  ackForced: boolean;
  cancelAck?: () => void;
  /** The peer's fragments as they came: an ack waits while a message is still arriving (`ack-hold.ts`). */
  readonly arrivals: FragmentArrivals;
  /** Heard from lately: a session came up, or an authenticated frame arrived, since the last `deadAfterSilentRounds` silent rounds. */
  up: boolean;
  /** When a session came up or an authenticated frame arrived last (the clock's ms). */
  heardAt?: number;
}

const fragmentKey = (seq: number, index: number) => `${seq}:${index}`;

/** The session ids a handshake of ours is waiting on: its current act one's and the earlier ones'. */
function initiatorSessionIds(pending: PendingInitiator): number[] {
  return [...(pending.earlier ?? []).map((earlier) => earlier.sessionId), ...(pending.sessionId === undefined ? [] : [pending.sessionId])];
}

export class Link extends EventEmitter<LinkEvents> {
  /** Our static public key, hex: our node id on the link. */
  readonly nodeId: string;
  readonly counters: LinkCounters;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly outbox: LinkOutbox;
  private readonly nodeKey: NodeKey;
  private readonly randomBytes: RandomBytes;
  private readonly logger: Logger;
  private readonly peers = new Map<string, PeerState>();
  private readonly sessionsById = new Map<number, ActiveSession>();
  private readonly initiatorsById = new Map<number, PeerState>();
  private readonly respondersById = new Map<number, PendingResponder>();
  private readonly respondersByActOne = new Map<string, PendingResponder>();
  /** Session ids of handshakes we gave up on because the peer spoke on an old session (at most `MAX_ABANDONED_INITIATORS`): their act two may still come. */
  private readonly abandonedInitiators = new Set<number>();
  private readonly retransmitBaseMs: number;
  private readonly retransmitBackoff: number;
  private readonly retransmitMaxMs: number;
  private readonly deadAfterSilentRounds: number;
  private readonly windowFragments: number;
  private readonly ackDelayMs: number;
  private readonly ackTiming: AckTiming;
  private readonly maxMessageBytes: number;
  private readonly handshakeRepliesPerHour: number;
  private running = false;
  private readonly sendQueue: QueuedSend[] = [];
  private sending: Promise<void> | undefined;
  /** As the transport last said: a goodbye is not sent over a medium that is down. */
  private mediumUp = true;
  private readonly onTransportFrame = (frame: Uint8Array, from: string | undefined) => this.receiveFrame(frame, from);
  private readonly onTransportLink = (up: boolean) => {
    this.mediumUp = up;
    if (up) for (const peer of this.peers.values()) this.pump(peer);
  };

  constructor(components: LinkComponents, init: LinkInit) {
    super();
    for (const name of ['transport', 'clock', 'outbox', 'nodeKey', 'randomBytes'] as const) {
      if (components[name] === undefined || components[name] === null) throw new InvalidInputError(name, 'the link needs this component');
    }
    this.transport = components.transport;
    this.clock = components.clock;
    this.outbox = components.outbox;
    this.nodeKey = components.nodeKey;
    this.randomBytes = components.randomBytes;
    this.logger = components.logger ?? silentLogger;
    this.nodeId = bytesToHex(checkPublicKey('nodeKey.nodeId', this.nodeKey.nodeId));
    this.retransmitBaseMs = checkInteger('retransmitBaseMs', init.retransmitBaseMs ?? 5000, 1, 86_400_000);
    this.retransmitBackoff = init.retransmitBackoff ?? 2;
    if (!(this.retransmitBackoff >= 1 && this.retransmitBackoff <= 16)) throw new InvalidInputError('retransmitBackoff', `${this.retransmitBackoff} is outside [1, 16]`);
    this.retransmitMaxMs = checkInteger('retransmitMaxMs', init.retransmitMaxMs ?? 600_000, this.retransmitBaseMs, 86_400_000);
    this.deadAfterSilentRounds = checkInteger('deadAfterSilentRounds', init.deadAfterSilentRounds ?? 4, 1, 1000);
    this.windowFragments = checkInteger('windowFragments', init.windowFragments ?? 8, 1, 1024);
    this.ackDelayMs = checkInteger('ackDelayMs', init.ackDelayMs ?? 200, 0, 3_600_000);
    this.ackTiming = { ackDelayMs: this.ackDelayMs, retransmitBaseMs: this.retransmitBaseMs, windowFragments: this.windowFragments };
    this.maxMessageBytes = checkInteger('maxMessageBytes', init.maxMessageBytes ?? 65_536, 0, 16 * 1024 * 1024);
    const maxReassemblyBytes = checkInteger('maxReassemblyBytes', init.maxReassemblyBytes ?? 262_144, 1, 1 << 30);
    const maxMessagesAhead = checkInteger('maxMessagesAhead', init.maxMessagesAhead ?? 64, 1, 1 << 20);
    this.handshakeRepliesPerHour = checkInteger('handshakeRepliesPerHour', init.handshakeRepliesPerHour ?? 8, 1, 100_000);

    if (this.transport.mtu < MIN_LINK_MTU) throw new LinkError(`the transport's mtu of ${this.transport.mtu} bytes is below the link's minimum of ${MIN_LINK_MTU} (a handshake act three)`);
    try {
      fragmentDataSize(this.transport.mtu, Number.MAX_SAFE_INTEGER, this.maxMessageBytes);
    } catch (error) {
      throw new LinkError(`maxMessageBytes ${this.maxMessageBytes} cannot be fragmented at an mtu of ${this.transport.mtu}: ${(error as Error).message}`);
    }

    for (const [index, hex] of init.knownPeers.entries()) {
      const id = bytesToHex(checkPublicKey(`knownPeers[${index}]`, checkHex(`knownPeers[${index}]`, hex)));
      if (id === this.nodeId) throw new InvalidInputError(`knownPeers[${index}]`, 'is our own key');
      this.peers.set(id, {
        id,
        answeredActOnes: [],
        replyBudget: this.handshakeRepliesPerHour,
        replyBudgetAt: this.clock.now(),
        address: init.addresses?.[hex] ?? init.addresses?.[id],
        sessions: [],
        inFlight: new Set(),
        round: 0,
        probing: false,
        attempts: 0,
        silentRounds: 0,
        reassembly: new Reassembly({ maxMessageBytes: this.maxMessageBytes, maxBufferedBytes: maxReassemblyBytes, maxMessagesAhead }),
        deliveredUpTo: this.outbox.deliveredUpTo(id),
        ackPending: false,
        ackWaiting: false,
        ackForced: false,
        arrivals: { sinceAck: 0 },
        up: false,
      });
    }
    this.counters = {
      framesSent: 0,
      bytesSent: 0,
      framesReceived: 0,
      retransmissions: 0,
      handshakesCompleted: 0,
      messagesDelivered: 0,
      duplicateFragments: 0,
      sendFailures: 0,
      listenerErrors: 0,
      dropped: Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>,
    };
  }

  /** Opens the transport and resumes whatever the outbox holds. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.mediumUp = true;
    this.transport.on('frame', this.onTransportFrame);
    this.transport.on('link', this.onTransportLink);
    await this.transport.open();
    // The outbox may be shared by the node's links, one per transport: each resumes its own neighbours.
    for (const id of this.outbox.peersWithPending()) {
      const peer = this.peers.get(id);
      if (peer) this.pump(peer);
    }
  }

  /**
   * Starts a handshake with `peer` if there is no session and none under
   * way: for a caller that keeps messages elsewhere until the neighbour is up
   * (the gateway's mailbox). Act ones are resent with the usual backoff.
   */
  connect(peer: string): void {
    const state = this.peers.get(peer.toLowerCase());
    if (!state) throw new LinkError(`${peer} is not a known peer of this link`);
    this.startHandshake(state);
  }

  /** Node ids (hex) of the neighbours this link talks to. */
  knownPeers(): string[] {
    return [...this.peers.keys()];
  }

  /**
   * Says goodbye to the neighbours that are up, stops timers, forgets
   * sessions (they never outlive the process) and closes the transport. The
   * outbox stays.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.transport.off('frame', this.onTransportFrame);
    this.transport.off('link', this.onTransportLink);
    // Sealed now, while the sessions are still here; sent once the frame on its way has left.
    const goodbyes = this.mediumUp ? [...this.peers.values()].flatMap((peer) => this.goodbyeTo(peer)) : [];
    for (const peer of this.peers.values()) {
      this.cancelInitiator(peer);
      peer.cancelRetransmit?.();
      peer.cancelRetransmit = undefined;
      peer.cancelAck?.();
      peer.cancelAck = undefined;
      this.dropSessions(peer);
    }
    this.respondersById.clear();
    this.respondersByActOne.clear();
    while (this.sending) await this.sending;
    await this.sayGoodbye(goodbyes);
    await this.transport.close();
  }

  /** A goodbye on `peer`'s newest session if it is up: none to a neighbour already quiet, or when the session ran out of counters. */
  private goodbyeTo(peer: PeerState): { frame: Uint8Array; address: string | undefined }[] {
    const active = peer.sessions[0];
    if (!peer.up || !active) return [];
    try {
      return [{ frame: active.session.sealGoodbye(), address: active.address }];
    } catch (error) {
      if (error instanceof SessionExhaustedError) return [];
      throw error;
    }
  }

  /**
   * Hands the goodbyes to the transport one at a time, and waits until it
   * took them or `GOODBYE_WAIT_MS` passed: best effort, since a radio may
   * hold them for its duty cycle, and closing the transport drops them then.
   */
  /** Hands a frame to the transport and counts it; a failure is counted and logged (`what` names the frame), never thrown. */
  private async sendCounted(frame: Uint8Array, address: string | undefined, what: string): Promise<void> {
    try {
      await this.transport.send(frame, address);
      this.counters.framesSent++;
      this.counters.bytesSent += frame.length;
    } catch (error) {
      this.counters.sendFailures++;
      this.logger.log('warn', `sending ${what} failed: ${(error as Error).message}`);
    }
  }

  private async sayGoodbye(goodbyes: readonly { frame: Uint8Array; address: string | undefined }[]): Promise<void> {
    if (goodbyes.length === 0) return;
    let cancelTimer: (() => void) | undefined;
    const timeout = new Promise<void>((resolve) => {
      cancelTimer = this.clock.setTimer(GOODBYE_WAIT_MS, resolve);
    });
    let timedOut = false;
    const sent = (async () => {
      for (const { frame, address } of goodbyes) {
        if (timedOut) return;
        await this.sendCounted(frame, address, 'a goodbye');
      }
    })();
    await Promise.race([sent, timeout]);
    timedOut = true;
    cancelTimer?.();
  }

  /**
   * Queues `message` for `peer`; it is on disk when this returns, and will be
   * delivered once, after every message queued for `peer` before it.
   * Returns its sequence.
   */
  send(peer: string, message: Uint8Array): number {
    const state = this.peers.get(peer.toLowerCase());
    if (!state) throw new LinkError(`${peer} is not a known peer of this link`);
    if (!(message instanceof Uint8Array)) throw new InvalidInputError('message', 'expected bytes');
    if (message.length > this.maxMessageBytes) throw new LinkError(`a message is at most ${this.maxMessageBytes} bytes, got ${message.length}`);
    const seq = this.outbox.append(state.id, message);
    state.outgoing?.push(this.outgoingMessage(seq, message));
    this.pump(state);
    return seq;
  }

  /** Messages queued for `peer` and not yet acknowledged. */
  pendingCount(peer: string): number {
    const state = this.peers.get(peer.toLowerCase());
    return state ? this.loadOutgoing(state).length : 0;
  }

  /**
   * Whether a session with `peer` is up: heard from within the last
   * `deadAfterSilentRounds` rounds. A neighbour that stopped cleanly said
   * goodbye and is down at once; one that crashed or lost power still counts
   * as up until then (on a radio, silence takes a while to mean anything):
   * `heardAgoMs` says how long it has been.
   */
  isUp(peer: string): boolean {
    return this.peers.get(peer.toLowerCase())?.up ?? false;
  }

  /** How long ago `peer` was last heard from (a session, an authenticated frame); undefined if never. */
  heardAgoMs(peer: string): number | undefined {
    const heardAt = this.peers.get(peer.toLowerCase())?.heardAt;
    return heardAt === undefined ? undefined : this.clock.now() - heardAt;
  }

  /** Handles one frame from the transport. Never throws: bad frames are dropped and counted. */
  receiveFrame(bytes: Uint8Array, from: string | undefined): void {
    try {
      if (!this.running) return;
      this.counters.framesReceived++;
      let frame;
      try {
        frame = decodeFrame(bytes);
      } catch (error) {
        if (error instanceof LinkDecodeError) return this.drop('malformed');
        throw error;
      }
      switch (frame.kind) {
        case 'act-one':
          return this.onActOne(frame.initiatorSessionId, frame.act, frame.neighbourTag, from);
        case 'act-two':
          return this.onActTwo(frame.initiatorSessionId, frame.responderSessionId, frame.act);
        case 'act-three':
          return this.onActThree(frame.responderSessionId, frame.act, from);
        case 'sealed':
          return this.onSealed(frame);
      }
    } catch (error) {
      this.drop('internal-error');
      this.logger.log('warn', `a frame from ${from ?? 'the medium'} met an internal error: ${(error as Error).stack ?? error}`);
    }
  }

  // ---- handshakes ----

  /** Starts a handshake unless one is under way, or a session is up and the peer has been heard from lately. */
  private startHandshake(peer: PeerState): void {
    if (!this.running || peer.initiator || (peer.sessions.length > 0 && peer.up)) return;
    peer.initiator = { attempts: 0 };
    this.attemptHandshake(peer);
  }

  /** Sends act one (a new one if the last failed), then waits, longer each time, for act two. */
  private attemptHandshake(peer: PeerState): void {
    const pending = peer.initiator;
    if (!this.running || !pending) return;
    // A responder answers one act one only so often (`REPLIES_PER_ACT_ONE`): past that, a fresh one.
    if (!pending.handshake || (pending.actOneSends ?? 0) >= REPLIES_PER_ACT_ONE) {
      pending.actOneSends = 0;
      if (pending.handshake && pending.sessionId !== undefined) {
        pending.earlier ??= [];
        pending.earlier.push({ sessionId: pending.sessionId, handshake: pending.handshake });
        for (const forgotten of pending.earlier.splice(0, pending.earlier.length - EARLIER_ACT_ONES)) this.initiatorsById.delete(forgotten.sessionId);
      } else if (pending.sessionId !== undefined) {
        this.initiatorsById.delete(pending.sessionId);
      }
      pending.handshake = undefined;
      pending.actOneFrame = undefined;
      pending.sessionId = this.allocateSessionId();
      if (pending.sessionId === undefined) {
        this.drop('too-many-handshakes');
      } else {
        const handshake = new HandshakeInitiator({
          localStaticKey: this.nodeKey,
          remoteStaticKey: checkHex('peer', peer.id),
          ephemeralSecretKey: newEphemeralKey(this.randomBytes),
        });
        pending.handshake = handshake;
        const act = handshake.actOne();
        const tag = neighbourTag(this.tagKeyOf(peer), pending.sessionId, act);
        pending.actOneFrame = encodeFrame({ kind: 'act-one', initiatorSessionId: pending.sessionId, act, neighbourTag: tag });
        this.initiatorsById.set(pending.sessionId, peer);
      }
    }
    if (pending.actOneFrame) pending.actOneSends = (pending.actOneSends ?? 0) + 1;
    const sent = pending.actOneFrame ? this.transmit(pending.actOneFrame, peer.address) : Promise.resolve();
    const delay = this.backoff(pending.attempts++);
    void sent.then(() => {
      if (peer.initiator === pending && this.running) pending.cancelTimer = this.clock.setTimer(delay, () => this.attemptHandshake(peer));
    });
  }

  private cancelInitiator(peer: PeerState): void {
    const pending = peer.initiator;
    if (!pending) return;
    pending.cancelTimer?.();
    for (const sessionId of initiatorSessionIds(pending)) this.initiatorsById.delete(sessionId);
    peer.initiator = undefined;
  }

  private onActOne(initiatorSessionId: number, act: Uint8Array, tag: Uint8Array, from: string | undefined): void {
    const peer = this.neighbourOfActOne(initiatorSessionId, act, tag);
    if (!peer) return this.drop('stranger');
    const actOneHex = bytesToHex(act);
    const repeated = this.respondersByActOne.get(actOneHex);
    if (repeated) {
      // Our act two was lost: the same answer again (a new one would not match the initiator's state).
      // Unless it has not left yet (our transport is held back, a duty cycle): then that one answers.
      // A replay off the air looks the same, so repeats are paced as the initiator paces its act ones.
      if (repeated.actTwoWaiting) return;
      if (repeated.replies.sent >= REPLIES_PER_ACT_ONE || !this.mayReplyAgain(repeated.replies, peer)) return this.drop('reply-limited');
      return this.sendActTwo(repeated, from);
    }
    // The initiator's act one is new each attempt; one we answered before comes from a recording.
    if (peer.answeredActOnes.includes(actOneHex)) return this.drop('replayed');
    if (!this.takeReply(peer)) return this.drop('reply-limited');
    // Each neighbour has its own slots: its newer act one replaces its oldest pending one, never another's.
    const pendingOfPeer = [...this.respondersById.values()].filter((pending) => pending.peer === peer);
    if (pendingOfPeer.length >= RESPONDERS_PER_PEER) this.forgetResponder(pendingOfPeer[0]!);
    const sessionId = this.allocateSessionId();
    if (sessionId === undefined) return this.drop('too-many-handshakes');
    const handshake = new HandshakeResponder({ localStaticKey: this.nodeKey, ephemeralSecretKey: newEphemeralKey(this.randomBytes) });
    let actTwo: Uint8Array;
    try {
      actTwo = handshake.actTwo(act);
    } catch (error) {
      if (error instanceof HandshakeError) return this.drop('handshake-failed');
      throw error;
    }
    peer.answeredActOnes.push(actOneHex);
    if (peer.answeredActOnes.length > ANSWERED_ACT_ONES_PER_PEER) peer.answeredActOnes.shift();
    const actTwoFrame = encodeFrame({ kind: 'act-two', initiatorSessionId, responderSessionId: sessionId, act: actTwo });
    const replies = { sent: 1, lastAt: this.clock.now() };
    const pending: PendingResponder = { peer, replies, sessionId, initiatorSessionId, handshake, actOneHex, actTwoFrame, from, actTwoWaiting: false };
    this.respondersById.set(sessionId, pending);
    this.respondersByActOne.set(actOneHex, pending);
    this.sendActTwo(pending, from);
  }

  /** The known neighbour whose tag `tag` is, or undefined for a stranger's act one. */
  private neighbourOfActOne(initiatorSessionId: number, act: Uint8Array, tag: Uint8Array): PeerState | undefined {
    for (const peer of this.peers.values()) {
      if (neighbourTagMatches(this.tagKeyOf(peer), initiatorSessionId, act, tag)) return peer;
    }
    return undefined;
  }

  private tagKeyOf(peer: PeerState): Uint8Array {
    peer.tagKey ??= neighbourTagKey(this.nodeKey.ecdh(checkHex('peer', peer.id)));
    return peer.tagKey;
  }

  /**
   * Whether a repeated act may be answered again now: no sooner than half the
   * initiator's own backoff after our last answer (its resends come no faster),
   * and within the neighbour's hourly budget. Counts the answer if so.
   */
  private mayReplyAgain(replies: Replies, peer: PeerState): boolean {
    const now = this.clock.now();
    if (now - replies.lastAt < this.backoff(replies.sent - 1) / 2) return false;
    if (!this.takeReply(peer)) return false;
    replies.sent++;
    replies.lastAt = now;
    return true;
  }

  /** Takes one handshake reply from `peer`'s budget: refilled at `handshakeRepliesPerHour`, holding at most an hour's worth. */
  private takeReply(peer: PeerState): boolean {
    const now = this.clock.now();
    const refilled = ((now - peer.replyBudgetAt) * this.handshakeRepliesPerHour) / 3_600_000;
    peer.replyBudget = Math.min(this.handshakeRepliesPerHour, peer.replyBudget + Math.max(0, refilled));
    peer.replyBudgetAt = now;
    if (peer.replyBudget < 1) return false;
    peer.replyBudget--;
    return true;
  }

  private sendActTwo(pending: PendingResponder, to: string | undefined): void {
    pending.actTwoWaiting = true;
    void this.transmit(pending.actTwoFrame, to).then(() => {
      pending.actTwoWaiting = false;
    });
  }

  private forgetResponder(pending: PendingResponder): void {
    this.respondersById.delete(pending.sessionId);
    this.respondersByActOne.delete(pending.actOneHex);
  }

  private onActTwo(initiatorSessionId: number, responderSessionId: number, act: Uint8Array): void {
    const peer = this.initiatorsById.get(initiatorSessionId);
    const pending = peer?.initiator;
    const current = pending?.sessionId === initiatorSessionId;
    const handshake = current ? pending?.handshake : pending?.earlier?.find((earlier) => earlier.sessionId === initiatorSessionId)?.handshake;
    if (!peer || !pending || !handshake) return this.drop(this.abandonedInitiators.has(initiatorSessionId) ? 'stale-handshake' : 'unknown-session');
    let result;
    try {
      result = handshake.actThree(act);
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      // The handshake cannot go on; the next attempt starts a fresh one.
      if (current) {
        pending.handshake = undefined;
        pending.actOneFrame = undefined;
      } else {
        pending.earlier = pending.earlier?.filter((earlier) => earlier.handshake !== handshake);
        this.initiatorsById.delete(initiatorSessionId);
      }
      return this.drop('handshake-failed');
    }
    const actThreeFrame = encodeFrame({ kind: 'act-three', responderSessionId, act: result.actThree });
    this.cancelInitiator(peer);
    const session = new LinkSession({ sendingKey: result.session.sendingKey, receivingKey: result.session.receivingKey, sendingSessionId: responderSessionId, receivingSessionId: initiatorSessionId });
    void this.transmit(actThreeFrame, peer.address);
    this.establish(peer, { session, peer, address: peer.address, confirmed: false, actThreeFrame });
  }

  private onActThree(responderSessionId: number, act: Uint8Array, from: string | undefined): void {
    const pending = this.respondersById.get(responderSessionId);
    if (!pending) {
      const active = this.sessionsById.get(responderSessionId);
      if (!active) return this.drop('unknown-session');
      // Only the act three that made the session is answered: anyone can copy a session id off the air.
      if (!active.actThreeReplies || active.actThreeHex !== bytesToHex(act)) return this.drop('stranger');
      // Act three again: the initiator has not heard from us yet. An ack tells it the session works.
      const replies = active.actThreeReplies;
      if (replies.sent > ACT_THREE_REPLIES_PER_SESSION || !this.mayReplyAgain(replies, active.peer)) return this.drop('reply-limited');
      return this.sendAck(active.peer, true);
    }
    let result;
    try {
      result = pending.handshake.finish(act);
    } catch (error) {
      // The responder still waits for the genuine act three (`HandshakeResponder.finish`).
      if (error instanceof HandshakeError) return this.drop('handshake-failed');
      throw error;
    }
    this.forgetResponder(pending);
    const peer = this.peers.get(bytesToHex(result.remoteStaticKey));
    if (!peer || peer !== pending.peer) return this.drop('unknown-peer');
    // A handshake of ours to this peer is no longer needed.
    this.cancelInitiator(peer);
    const session = new LinkSession({ sendingKey: result.sendingKey, receivingKey: result.receivingKey, sendingSessionId: pending.initiatorSessionId, receivingSessionId: pending.sessionId });
    const actThreeReplies = { sent: 1, lastAt: this.clock.now() };
    this.establish(peer, { session, peer, address: peer.address ?? from ?? pending.from, confirmed: true, actThreeHex: bytesToHex(act), actThreeReplies });
  }

  /**
   * A new session with `peer`: send on it from now on. Without a session
   * before it, or after a silence long enough that the peer may have
   * rebooted, what it held of unfinished messages is unknown again, so they
   * go whole. Beside a live session (both sides started a handshake), the
   * round goes on.
   */
  private establish(peer: PeerState, active: ActiveSession): void {
    const fresh = peer.sessions.length === 0 || !peer.up;
    this.sessionsById.set(active.session.receivingSessionId, active);
    peer.sessions.unshift(active);
    for (const old of peer.sessions.splice(SESSIONS_PER_PEER)) this.sessionsById.delete(old.session.receivingSessionId);
    this.counters.handshakesCompleted++;
    if (fresh) {
      this.resetRound(peer);
      for (const message of peer.outgoing ?? []) message.acked.fill(false);
    }
    peer.attempts = 0;
    peer.silentRounds = 0;
    peer.probing = false;
    peer.heardAt = this.clock.now();
    this.markUp(peer);
    this.pump(peer);
  }

  private markUp(peer: PeerState): void {
    if (peer.up) return;
    peer.up = true;
    this.emit('peer', peer.id, true);
  }

  private markDown(peer: PeerState): void {
    if (!peer.up) return;
    peer.up = false;
    this.emit('peer', peer.id, false);
  }

  private dropSessions(peer: PeerState): void {
    for (const active of peer.sessions) this.sessionsById.delete(active.session.receivingSessionId);
    peer.sessions = [];
    this.resetRound(peer);
    this.markDown(peer);
  }

  private dropSession(active: ActiveSession): void {
    const peer = active.peer;
    this.sessionsById.delete(active.session.receivingSessionId);
    peer.sessions = peer.sessions.filter((other) => other !== active);
    if (peer.sessions.length === 0) this.dropSessions(peer);
  }

  /** A free session id (random, so that ids from before a reboot rarely come back), or undefined when all are taken. */
  private allocateSessionId(): number | undefined {
    const start = (this.randomBytes(1)[0] ?? 0) & MAX_SESSION_ID;
    for (let offset = 0; offset <= MAX_SESSION_ID; offset++) {
      const id = (start + offset) & MAX_SESSION_ID;
      if (!this.sessionsById.has(id) && !this.initiatorsById.has(id) && !this.respondersById.has(id)) return id;
    }
    return undefined;
  }

  // ---- sending ----

  private outgoingMessage(seq: number, message: Uint8Array): OutgoingMessage {
    const fragments = splitMessage(message, seq, this.transport.mtu);
    return { seq, fragments, acked: fragments.map(() => false), timesSent: fragments.map(() => 0), done: false };
  }

  private loadOutgoing(peer: PeerState): OutgoingMessage[] {
    peer.outgoing ??= this.outbox.unacknowledged(peer.id).map(({ seq, message }) => this.outgoingMessage(seq, message));
    return peer.outgoing;
  }

  /**
   * Sends what the window allows (one fragment while probing): fragments not
   * acknowledged and not already on their way this round. Each is sealed
   * only when the transport takes it (`fragmentFrame`).
   */
  private pump(peer: PeerState): void {
    if (!this.running || peer.delivering) return;
    const outgoing = this.loadOutgoing(peer);
    if (outgoing.length === 0) return;
    if (!peer.sessions[0]) return this.startHandshake(peer);
    const window = peer.probing ? 1 : this.windowFragments;
    const sends: Promise<void>[] = [];
    fill: for (const message of outgoing) {
      for (const fragment of message.fragments) {
        if (peer.inFlight.size >= window) break fill;
        const key = fragmentKey(message.seq, fragment.index);
        if (message.acked[fragment.index] || peer.inFlight.has(key)) continue;
        peer.inFlight.add(key);
        const round = peer.round;
        sends.push(this.enqueue(() => this.fragmentFrame(peer, message, fragment, round), false));
      }
    }
    if (peer.inFlight.size === 0) return;
    void Promise.all(sends).then(() => this.armRetransmit(peer));
  }

  /**
   * The frame of a fragment whose turn has come, sealed now on the newest
   * session with the newest ack riding along. Undefined when it need not go
   * any more: acknowledged while it waited, or its round ended (the next
   * round queued again what it still needs).
   */
  private fragmentFrame(peer: PeerState, message: OutgoingMessage, fragment: Fragment, round: number): { frame: Uint8Array; address: string | undefined } | undefined {
    const key = fragmentKey(message.seq, fragment.index);
    if (message.done || message.acked[fragment.index] || peer.round !== round || !peer.inFlight.has(key)) return undefined;
    const active = peer.sessions[0];
    const frame = active && this.sealFragment(active, fragment);
    if (!active || !frame) {
      peer.inFlight.delete(key);
      this.pump(peer);
      return undefined;
    }
    if (message.timesSent[fragment.index]!++ > 0) this.counters.retransmissions++;
    return { frame, address: active.address };
  }

  /** A fragment sealed on `active`, with the pending ack riding along if it fits. Undefined when the session ran out of counters (it is dropped). */
  private sealFragment(active: ActiveSession, fragment: Fragment): Uint8Array | undefined {
    const peer = active.peer;
    const fragmentBytes = encodeSealedBody({ fragment }).length;
    // The split left room for a bare ack (`ACK_ROOM_BYTES`).
    const ack = peer.ackPending ? this.ackFitting(peer, this.transport.mtu - active.session.nextOverhead - fragmentBytes) : undefined;
    try {
      const frame = active.session.seal(ack ? { ack, fragment } : { fragment });
      if (ack) this.ackSent(peer);
      return frame;
    } catch (error) {
      if (!(error instanceof SessionExhaustedError)) throw error;
      this.dropSession(active);
      return undefined;
    }
  }

  private armRetransmit(peer: PeerState): void {
    if (!this.running || peer.cancelRetransmit || peer.inFlight.size === 0) return;
    peer.cancelRetransmit = this.clock.setTimer(this.backoff(peer.attempts), () => this.onRetransmitTimeout(peer));
  }

  private onRetransmitTimeout(peer: PeerState): void {
    peer.cancelRetransmit = undefined;
    if (!this.running) return;
    peer.attempts++;
    peer.silentRounds++;
    if (peer.silentRounds >= this.deadAfterSilentRounds) {
      // Nothing authenticated from the peer for that long. It may have rebooted and lost our session, or
      // only be held back: its radio waiting out a duty cycle, a backlog before our acks. Either way the
      // sessions stay: a held-back peer's frames on them still count when they come (dropping them made
      // it spend its scarce airtime on frames we refused, and fall further behind). A new handshake beside
      // them reaches a rebooted peer; the first authenticated frame on an old session cancels it.
      peer.silentRounds = 0;
      this.markDown(peer);
      this.startHandshake(peer);
    }
    this.resetRound(peer);
    // A silent round: send one fragment at a time until the peer answers, not a window of copies it may already hold.
    peer.probing = true;
    const active = peer.sessions[0];
    if (active && !active.confirmed && active.actThreeFrame) void this.transmit(active.actThreeFrame, active.address);
    // While a handshake asks a quiet peer, its act ones are the probe: fragments on a session the peer may have lost
    // would only double what a long partition costs. They resume when the peer speaks on a session or the handshake completes.
    if (!peer.up && peer.initiator) return;
    const outgoing = this.loadOutgoing(peer);
    // Everything acknowledged fragment by fragment, yet not delivered: the receiver lost what it held. Start the first message over.
    if (outgoing.length > 0 && outgoing.every((message) => message.acked.every(Boolean))) outgoing[0]!.acked.fill(false);
    this.pump(peer);
  }

  private resetRound(peer: PeerState): void {
    peer.round++;
    peer.inFlight.clear();
    peer.cancelRetransmit?.();
    peer.cancelRetransmit = undefined;
  }

  private backoff(attempts: number): number {
    return Math.min(this.retransmitMaxMs, this.retransmitBaseMs * this.retransmitBackoff ** Math.min(attempts, 64));
  }

  /** Queues a frame made already (a handshake act): it goes before any fragment waiting. */
  private transmit(frame: Uint8Array, address: string | undefined): Promise<void> {
    return this.enqueue(() => ({ frame, address }), true);
  }

  /**
   * Hands frames to the transport one at a time: each send resolves once the
   * medium took the frame, which on a LoRa radio under a duty cycle may be
   * most of an hour later. So a frame is made only when its turn comes
   * (`build`): it is sealed on the session that is newest then, carries the
   * newest ack, and is skipped if no longer needed, rather than a copy made
   * long before for a session or an ack that has since moved on. Urgent
   * frames (acks, handshake acts) go first, fragments in order. Resolves when
   * the frame was sent, or skipped.
   */
  private enqueue(build: QueuedSend['build'], urgent: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      this.sendQueue.push({ build, urgent, resolve });
      this.kickSending();
    });
  }

  private kickSending(): void {
    if (this.sending) return;
    this.sending = this.drainSendQueue().finally(() => {
      this.sending = undefined;
      if (this.sendQueue.length > 0) this.kickSending();
    });
  }

  private async drainSendQueue(): Promise<void> {
    // Asynchronous from the start, as a send always was: what the caller queues in the same step joins this turn.
    await Promise.resolve();
    while (this.sendQueue.length > 0) {
      const urgent = this.sendQueue.findIndex((queued) => queued.urgent);
      const next = this.sendQueue.splice(urgent >= 0 ? urgent : 0, 1)[0]!;
      try {
        if (!this.running) continue;
        let built;
        try {
          built = next.build();
        } catch (error) {
          this.drop('internal-error');
          this.logger.log('warn', `making a frame met an internal error: ${(error as Error).stack ?? error}`);
          continue;
        }
        if (!built) continue;
        const { frame, address } = built;
        await this.sendCounted(frame, address, `a ${frame.length}-byte frame`);
      } finally {
        next.resolve();
      }
    }
  }

  // ---- receiving ----

  private onSealed(frame: SealedFrame): void {
    const active = this.sessionsById.get(frame.sessionId);
    if (!active) return this.drop('unknown-session');
    const opened = active.session.open(frame);
    if (!opened.ok) return this.drop(opened.reason);
    if (isGoodbye(frame)) return this.onGoodbye(active.peer);
    const peer = active.peer;
    active.confirmed = true;
    peer.silentRounds = 0;
    peer.heardAt = this.clock.now();
    const wasQuiet = !peer.up;
    if (wasQuiet) {
      // It still holds this session: it was only held back. The handshake started when it went quiet is not needed.
      const abandoned = peer.initiator ? initiatorSessionIds(peer.initiator) : [];
      this.cancelInitiator(peer);
      for (const sessionId of abandoned) {
        if (this.abandonedInitiators.size >= MAX_ABANDONED_INITIATORS) this.abandonedInitiators.delete(this.abandonedInitiators.values().next().value!);
        this.abandonedInitiators.add(sessionId);
      }
      this.markUp(peer);
    }
    let body;
    try {
      body = decodeSealedBody(opened.plaintext, frame.flags);
    } catch (error) {
      if (error instanceof LinkDecodeError) return this.drop('bad-body');
      throw error;
    }
    if (body.ack) this.onAck(peer, body.ack, active);
    if (body.fragment) this.onFragment(peer, body.fragment);
    // Retransmissions paused while it was quiet (see onRetransmitTimeout) resume.
    if (wasQuiet) this.pump(peer);
  }

  /**
   * The peer stopped and said so (its goodbye authenticated on one of its
   * sessions): down now, as after `deadAfterSilentRounds` silent rounds, and
   * its sessions go, since it forgot them. What waits for it stays in the
   * outbox; a handshake, with the usual backoff, reaches it once it is back.
   */
  private onGoodbye(peer: PeerState): void {
    peer.heardAt = this.clock.now();
    peer.silentRounds = 0;
    this.dropSessions(peer);
    this.pump(peer);
  }

  private onAck(peer: PeerState, ack: Ack, via: ActiveSession): void {
    const outgoing = this.loadOutgoing(peer);
    let progress = false;
    // Delivered up to n: durable at the receiver, whichever session said so.
    const highestQueued = outgoing.at(-1)?.seq ?? 0;
    const deliveredUpTo = Math.min(ack.deliveredUpTo, highestQueued);
    if (outgoing.length > 0 && outgoing[0]!.seq <= deliveredUpTo) {
      this.outbox.acknowledge(peer.id, deliveredUpTo);
      while (outgoing.length > 0 && outgoing[0]!.seq <= deliveredUpTo) {
        const done = outgoing.shift()!;
        done.done = true;
        for (const fragment of done.fragments) peer.inFlight.delete(fragmentKey(done.seq, fragment.index));
      }
      progress = true;
    }
    // Fragments held, as a live session reports them (both sessions of a crossing are live; the receiver acks on its newest, which may be our older).
    // A report replaces what we knew of the messages it covers: a receiver that rebooted or ran out of room holds less than it said before.
    if (peer.sessions.includes(via)) {
      const lastReported = ack.entries.at(-1)?.seq ?? 0;
      for (const message of outgoing) {
        if (message.seq > lastReported) break;
        const entry = ack.entries.find((candidate) => candidate.seq === message.seq);
        const received = new Set(entry ? [...Array(Math.min(entry.receivedPrefix, message.fragments.length)).keys(), ...bitmapIndexes(entry)] : []);
        message.fragments.forEach((_, index) => {
          const held = received.has(index);
          if (held && !message.acked[index]) {
            peer.inFlight.delete(fragmentKey(message.seq, index));
            progress = true;
          }
          message.acked[index] = held;
        });
      }
    }
    if (progress) {
      peer.attempts = 0;
      peer.probing = false;
      peer.cancelRetransmit?.();
      peer.cancelRetransmit = undefined;
      this.pump(peer);
      this.armRetransmit(peer);
    }
  }

  private onFragment(peer: PeerState, fragment: Fragment): void {
    const outcome = peer.reassembly.add(fragment, peer.deliveredUpTo);
    switch (outcome) {
      case 'duplicate':
        this.counters.duplicateFragments++;
        break;
      case 'oversized':
        this.drop('oversized-message');
        break;
      case 'inconsistent':
        this.drop('inconsistent-fragment');
        break;
      case 'full':
        this.drop('reassembly-full');
        break;
      case 'too-far-ahead':
        this.drop('too-far-ahead');
        break;
      case 'stored':
      case 'complete':
        break;
    }
    noteFragment(peer.arrivals, fragment.seq, fragment.index, fragment.last, this.clock.now());
    this.deliverInOrder(peer);
    // Even a duplicate is answered: its sender did not get our last ack. One for a message still arriving waits for the rest (`ack-hold.ts`).
    this.scheduleAck(peer, ackDelayFor(peer.arrivals, this.ackTiming, outcome === 'stored' && !fragment.last));
    // A reply the listeners queued goes now, carrying that ack.
    this.pump(peer);
  }

  /** Emits every complete message that is next in sequence, recording each delivery right after its listeners ran. */
  private deliverInOrder(peer: PeerState): void {
    peer.delivering = true;
    try {
      this.deliverAll(peer);
    } finally {
      peer.delivering = false;
    }
  }

  private deliverAll(peer: PeerState): void {
    for (;;) {
      const seq = peer.deliveredUpTo + 1;
      const message = peer.reassembly.takeComplete(seq);
      if (!message) return;
      try {
        this.emit('message', peer.id, message, seq);
      } catch (error) {
        this.counters.listenerErrors++;
        this.logger.log('warn', `a message listener threw on message ${seq} from ${peer.id}: ${(error as Error).message}`);
      }
      this.outbox.setDeliveredUpTo(peer.id, seq);
      peer.deliveredUpTo = seq;
      this.counters.messagesDelivered++;
    }
  }

  // ---- acks ----

  /** Sends our ack in `delayMs` unless a data frame carries it first; a longer delay postpones one already due sooner (more fragments are coming). */
  private scheduleAck(peer: PeerState, delayMs = this.ackDelayMs): void {
    peer.ackPending = true;
    if (peer.cancelAck) {
      if (delayMs === this.ackDelayMs) return;
      peer.cancelAck();
    }
    peer.cancelAck = this.clock.setTimer(delayMs, () => {
      peer.cancelAck = undefined;
      if (peer.ackPending) this.sendAck(peer);
    });
  }

  /**
   * An ack-only frame, on the newest session, when the transport takes it:
   * one waits at a time, and carries whatever ack is pending by then (none,
   * if a data frame carried it meanwhile, unless `force`).
   */
  private sendAck(peer: PeerState, force = false): void {
    if (!peer.sessions[0] || !this.running) return;
    if (force) peer.ackForced = true;
    if (peer.ackWaiting) return;
    peer.ackWaiting = true;
    void this.enqueue(() => this.ackFrame(peer), true);
  }

  private ackFrame(peer: PeerState): { frame: Uint8Array; address: string | undefined } | undefined {
    peer.ackWaiting = false;
    const forced = peer.ackForced;
    peer.ackForced = false;
    const active = peer.sessions[0];
    if (!active || !(peer.ackPending || forced)) return undefined;
    const ack = this.ackFitting(peer, this.transport.mtu - active.session.nextOverhead);
    if (!ack) return undefined;
    let frame: Uint8Array;
    try {
      frame = active.session.seal({ ack });
    } catch (error) {
      if (!(error instanceof SessionExhaustedError)) throw error;
      this.dropSession(active);
      this.pump(peer);
      return undefined;
    }
    this.ackSent(peer);
    return { frame, address: active.address };
  }

  private ackSent(peer: PeerState): void {
    peer.arrivals.sinceAck = 0;
    peer.ackPending = false;
    peer.cancelAck?.();
    peer.cancelAck = undefined;
  }

  /** Our ack for `peer` in at most `room` bytes, with as many entries as fit; undefined if not even the bare ack does. */
  private ackFitting(peer: PeerState, room: number): Ack | undefined {
    const entries = peer.reassembly.ackEntries(peer.deliveredUpTo, MAX_ACK_ENTRIES);
    const bare = varintLength(peer.deliveredUpTo);
    if (bare > room) return undefined;
    // With entries, their count comes first (`FLAG_ACK_ENTRIES`).
    let size = bare + 1;
    const fitting = [];
    let previous = peer.deliveredUpTo;
    for (const entry of entries) {
      const entrySize = varintLength(entry.seq - previous) + varintLength(entry.receivedPrefix) + 1 + entry.bitmap.length;
      if (size + entrySize > room) break;
      size += entrySize;
      fitting.push(entry);
      previous = entry.seq;
    }
    return { deliveredUpTo: peer.deliveredUpTo, entries: fitting };
  }

  private drop(reason: DropReason): void {
    this.counters.dropped[reason]++;
  }

  /** What waits for `peer`, for a router bounding what it relays: messages not yet acknowledged, their bytes (all held in memory), and the oldest one's sequence (those before it were delivered). */
  queued(peer: string): { messages: number; bytes: number; oldestSeq: number | undefined } {
    const state = this.peers.get(peer.toLowerCase());
    const outgoing = state ? this.loadOutgoing(state) : [];
    let bytes = 0;
    for (const message of outgoing) for (const fragment of message.fragments) bytes += fragment.data.length;
    return { messages: outgoing.length, bytes, oldestSeq: outgoing[0]?.seq };
  }
}

