/**
 * The router: messages to any node of the mesh over a static route table,
 * on top of the link layer (which delivers exactly once, in order, to a
 * neighbour, and holds what it cannot deliver yet in its persistent outbox).
 *
 * - To a neighbour, a message goes as a direct envelope (one byte of
 *   overhead): the link already authenticates and encrypts it.
 * - To anyone else, it goes as a routed envelope, sealed end to end, to the
 *   next hop the table gives (the destination's entry, else a neighbour
 *   itself, else the default route `*`, toward the gateway).
 * - An envelope for someone else is forwarded with its hop limit one lower;
 *   one that has no hop left, that came back to its source or would go back
 *   to the neighbour it came from (a loop), or that has nowhere to go is
 *   dropped and counted. Store and forward is the link's: a relay hands the
 *   envelope to its link, whose outbox keeps it until the next hop
 *   acknowledges, through partitions of days and reboots. What a relay holds
 *   for others is bounded per next hop and per source (`relay-ledger.ts`):
 *   beyond, an envelope is dropped and counted; our own never are.
 * - An envelope for us is opened, checked against the recently seen ones,
 *   and emitted as `message(source, payload)`.
 *
 * Nothing a peer sends throws out of `receiveEnvelope`: bad input is dropped
 * and counted in `counters.dropped`.
 */
import { EventEmitter } from 'node:events';
import { bytesToHex } from '../../node/core/hex.js';
import { InvalidInputError, checkArray, checkInteger } from '../../node/core/input.js';
import type { RandomBytes } from '../../node/core/random.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import { type Clock, systemClock } from '../../node/core/clock.js';
import { EndToEndKeys, type NodeKey, openPayload, sealPayload } from './end-to-end.js';
import {
  EnvelopeDecodeError,
  MAX_DIRECT_PAYLOAD,
  MAX_HOP_LIMIT,
  MAX_ROUTED_PAYLOAD,
  MESSAGE_ID_LENGTH,
  type RoutedEnvelope,
  associatedData,
  decodeEnvelope,
  encodeEnvelope,
  withHopLimitDecremented,
} from './envelope.js';
import { type QueuedFigures, type RelayBoundsInit, RelayLedger, STRANGERS } from './relay-ledger.js';
import { RouteTable, type StaticRoutes, checkRoutesFrom, nodeIdOf } from './route-table.js';
import type { SeenMessages } from './seen-messages.js';

/** What the router needs of the link layer; `Link` is one. */
export interface RouterLink {
  /** Queues `message` for `peer`; returns its sequence when the link's outbox took it (anything else: held elsewhere, as in a mailbox). */
  send(peer: string, message: Uint8Array): unknown;
  /** What waits for `peer` in the link: the router bounds what it relays by it. */
  queued(peer: string): QueuedFigures;
  on(event: 'message', listener: (peer: string, message: Uint8Array, seq: number) => void): unknown;
  off(event: 'message', listener: (peer: string, message: Uint8Array, seq: number) => void): unknown;
}

/** `send` has no next hop for the destination: neither a neighbour, nor in the table, nor a default route. */
export class NoRouteError extends Error {
  override name = 'NoRouteError';
  constructor(readonly destination: string) {
    super(`no route to ${destination}: it is not a neighbour, the route table has no entry for it and no default route (*)`);
  }
}

export type RouterDropReason =
  /** Not an envelope: random bytes, truncated, unknown kind, not a key. */
  | 'malformed'
  /** For someone else, with no hop left. */
  | 'hop-limit-exceeded'
  /** For someone else, and the table has no next hop for it. */
  | 'no-route'
  /** Came back to its source, or would go back where it came from. */
  | 'loop'
  /** For us, and the seal does not verify: altered, or forged. */
  | 'bad-seal'
  /** For us, and already delivered. */
  | 'duplicate'
  /** The link refused to forward it (a next hop it does not know, a full mailbox). */
  | 'link-refused'
  /** For someone else, and the next hop's queue or the source's share of what we relay is full (`RelayBoundsInit`). */
  | 'relay-full'
  /** A bug of ours met by some input; logged as a warning too. */
  | 'internal-error';

const DROP_REASONS: readonly RouterDropReason[] = ['malformed', 'hop-limit-exceeded', 'no-route', 'loop', 'bad-seal', 'duplicate', 'link-refused', 'relay-full', 'internal-error'];

export interface RouterCounters {
  /** Messages we originated, direct or routed. */
  sent: number;
  /** Envelopes for someone else handed to the next hop. */
  forwarded: number;
  /** Messages emitted to our listeners. */
  delivered: number;
  /** A `message` listener threw; the message counts as delivered. */
  listenerErrors: number;
  readonly dropped: Record<RouterDropReason, number>;
}

export interface RouterComponents {
  readonly link: RouterLink;
  /** The node's key (a `Signer` will do): our id, and ECDH for the end-to-end keys. */
  readonly nodeKey: NodeKey;
  /** Message ids come from here. */
  readonly randomBytes: RandomBytes;
  /** Envelopes already delivered, for duplicate suppression. */
  readonly seen: SeenMessages;
  /** Paces what strangers may relay through us (`RelayBoundsInit`). Default the system clock. */
  readonly clock?: Clock;
  /** Where what the router survives is told. Default nowhere. */
  readonly logger?: Logger;
  /** The node's route table, shared with its channel manager; without it, `RouterInit.routes` read as a `RouteTable`. */
  readonly routes?: StaticRoutes;
}

export interface RouterInit {
  /** The static route table: destination node id (hex) or `*` to a neighbour's node id. Ignored with `RouterComponents.routes`; default none. */
  readonly routes?: Readonly<Record<string, string>>;
  /** Node ids of the link's neighbours: reached directly, and the only possible next hops. */
  readonly neighbours: readonly string[];
  /** Hop limit of the envelopes we send: the most links one may cross. Default 8. */
  readonly defaultHopLimit?: number;
  /**
   * Node ids with standing besides the neighbours and the route table's
   * destinations (the gateway): what they send through us has a share of
   * its own; every other source shares the strangers' pool.
   */
  readonly knownSources?: readonly string[];
  /** Bounds on what we relay, per next hop and per source (`relay-ledger.ts`); defaults there. */
  readonly relay?: RelayBoundsInit;
}

export interface RouterEvents {
  /** A message for us from `source` (a node id in hex). */
  message: [source: string, payload: Uint8Array];
}

/** The links an envelope may cross unless the node is told more: enough for most meshes, and a bound on what a routing loop costs. */
export const DEFAULT_HOP_LIMIT = 8;

export class Router extends EventEmitter<RouterEvents> {
  /** Our node id, hex. */
  readonly nodeId: string;
  readonly counters: RouterCounters;
  readonly table: StaticRoutes;
  private readonly link: RouterLink;
  private readonly randomBytes: RandomBytes;
  private readonly seen: SeenMessages;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly keys: EndToEndKeys;
  private readonly neighbours: ReadonlySet<string>;
  private readonly defaultHopLimit: number;
  /** Sources with standing besides the neighbours and the table's destinations (`RouterInit.knownSources`). */
  private readonly knownSources: ReadonlySet<string>;
  /** What we relay and still hold, per next hop and per source. */
  readonly relayLedger: RelayLedger;
  private readonly queuedOf = (peer: string) => this.link.queued(peer);
  /** Next hops whose link refused a forward since the last one it took: warned about once, not per envelope of a flood. */
  private readonly refusingHops = new Set<string>();
  private readonly onLinkMessage = (peer: string, message: Uint8Array) => this.receiveEnvelope(peer, message);
  private attached = false;

  constructor(components: RouterComponents, init: RouterInit) {
    super();
    for (const name of ['link', 'nodeKey', 'randomBytes', 'seen'] as const) {
      if (components[name] === undefined || components[name] === null) throw new InvalidInputError(name, 'the router needs this component');
    }
    this.link = components.link;
    this.randomBytes = components.randomBytes;
    this.seen = components.seen;
    this.clock = components.clock ?? systemClock;
    this.logger = components.logger ?? silentLogger;
    this.keys = new EndToEndKeys(components.nodeKey);
    this.nodeId = this.keys.nodeId;
    this.defaultHopLimit = checkInteger('defaultHopLimit', init.defaultHopLimit ?? DEFAULT_HOP_LIMIT, 1, MAX_HOP_LIMIT);
    this.neighbours = new Set(checkArray('neighbours', init.neighbours).map((id, index) => nodeIdOf(`neighbours[${index}]`, id, 'a neighbour')));
    if (this.neighbours.has(this.nodeId)) throw new InvalidInputError('neighbours', 'lists our own node id');
    this.table = components.routes ?? RouteTable.parse(init.routes ?? {});
    checkRoutesFrom(this.table, this.nodeId, this.neighbours);
    this.knownSources = new Set(checkArray('knownSources', init.knownSources ?? []).map((id, index) => nodeIdOf(`knownSources[${index}]`, id, 'a known source')));
    this.relayLedger = new RelayLedger(init.relay);
    this.counters = { sent: 0, forwarded: 0, delivered: 0, listenerErrors: 0, dropped: Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<RouterDropReason, number> };
  }

  /** Listens to the link: from now on its messages are envelopes for this router. */
  start(): void {
    if (this.attached) return;
    this.link.on('message', this.onLinkMessage);
    this.attached = true;
  }

  stop(): void {
    if (!this.attached) return;
    this.link.off('message', this.onLinkMessage);
    this.attached = false;
  }

  /**
   * Sends `payload` to `destination` (a node id in hex). It is in the link's
   * outbox when this returns. Returns the message id (hex; empty for a
   * neighbour, which the link itself numbers).
   */
  send(destination: string, payload: Uint8Array): string {
    const target = nodeIdOf('destination', destination, 'the destination');
    if (target === this.nodeId) throw new InvalidInputError('destination', 'is this node');
    if (!(payload instanceof Uint8Array)) throw new InvalidInputError('payload', 'expected bytes');
    const nextHop = this.nextHop(target);
    if (!nextHop) throw new NoRouteError(target);
    if (nextHop === target) {
      if (payload.length > MAX_DIRECT_PAYLOAD) throw new InvalidInputError('payload', `${payload.length} bytes, more than the ${MAX_DIRECT_PAYLOAD} a direct envelope carries`);
      this.link.send(nextHop, encodeEnvelope({ kind: 'direct', payload }));
      this.counters.sent++;
      return '';
    }
    if (payload.length > MAX_ROUTED_PAYLOAD) throw new InvalidInputError('payload', `${payload.length} bytes, more than the ${MAX_ROUTED_PAYLOAD} a routed envelope carries`);
    const messageId = this.randomBytes(MESSAGE_ID_LENGTH);
    if (!(messageId instanceof Uint8Array) || messageId.length !== MESSAGE_ID_LENGTH) throw new InvalidInputError('randomBytes', `returned something other than ${MESSAGE_ID_LENGTH} bytes`);
    const header = { source: this.nodeId, destination: target, messageId };
    const sealed = sealPayload(this.keys.sending(target), messageId, associatedData(header), payload);
    this.link.send(nextHop, encodeEnvelope({ kind: 'routed', ...header, hopLimit: this.defaultHopLimit, sealed }));
    this.counters.sent++;
    return bytesToHex(messageId);
  }

  /**
   * The neighbour that leads to `destination`: its own table entry, else
   * the destination itself if it is a neighbour, else the default route.
   */
  nextHop(destination: string): string | undefined {
    const id = destination.toLowerCase();
    return this.table.explicitRoute(id) ?? (this.neighbours.has(id) ? id : this.table.defaultRoute);
  }

  /** A neighbour, a destination of the table or a known source: what it sends through us has a share of its own. */
  private isKnownSource(id: string): boolean {
    return this.neighbours.has(id) || this.table.explicitRoute(id) !== undefined || this.knownSources.has(id);
  }

  /** Handles one envelope from `neighbour` (what the link delivered). Never throws. */
  receiveEnvelope(neighbour: string, bytes: Uint8Array): void {
    try {
      let envelope;
      try {
        envelope = decodeEnvelope(bytes);
      } catch (error) {
        if (error instanceof EnvelopeDecodeError) return this.drop('malformed');
        throw error;
      }
      if (envelope.kind === 'direct') return this.deliver(neighbour.toLowerCase(), envelope.payload);
      if (envelope.destination === this.nodeId) return this.receiveRouted(envelope);
      this.forward(neighbour.toLowerCase(), envelope, bytes);
    } catch (error) {
      this.drop('internal-error');
      this.logger.log('warn', `an envelope from ${neighbour} met an internal error: ${(error as Error).stack ?? error}`);
    }
  }

  private receiveRouted(envelope: RoutedEnvelope): void {
    const payload = openPayload(this.keys.receiving(envelope.source), envelope.messageId, associatedData(envelope), envelope.sealed);
    if (!payload) return this.drop('bad-seal');
    if (this.seen.has(envelope.source, envelope.messageId)) return this.drop('duplicate');
    this.deliver(envelope.source, payload);
    this.seen.add(envelope.source, envelope.messageId);
  }

  private forward(from: string, envelope: RoutedEnvelope, bytes: Uint8Array): void {
    if (envelope.source === this.nodeId) return this.drop('loop');
    const nextHop = this.nextHop(envelope.destination);
    if (!nextHop) return this.drop('no-route');
    // Static routes send it back where it came from: it would bounce between us until its hop limit.
    if (nextHop === from) return this.drop('loop');
    if (envelope.hopLimit <= 1) return this.drop('hop-limit-exceeded');
    // Dropped without a warning: a flood would fill the log too.
    const pool = this.isKnownSource(envelope.source) ? envelope.source : STRANGERS;
    if (this.relayLedger.refusal(nextHop, pool, bytes.length, this.queuedOf, this.clock.now())) return this.drop('relay-full');
    let seq: unknown;
    try {
      seq = this.link.send(nextHop, withHopLimitDecremented(bytes));
    } catch (error) {
      if (!this.refusingHops.has(nextHop)) this.logger.log('warn', `forwarding to ${nextHop} failed (further refusals are only counted until it takes one again): ${(error as Error).message}`);
      this.refusingHops.add(nextHop);
      return this.drop('link-refused');
    }
    this.refusingHops.delete(nextHop);
    if (typeof seq === 'number') this.relayLedger.record(nextHop, seq, pool, bytes.length);
    this.counters.forwarded++;
  }

  private deliver(source: string, payload: Uint8Array): void {
    try {
      this.emit('message', source, payload);
    } catch (error) {
      this.counters.listenerErrors++;
      this.logger.log('warn', `a message listener threw on a message from ${source}: ${(error as Error).message}`);
    }
    this.counters.delivered++;
  }

  private drop(reason: RouterDropReason): void {
    this.counters.dropped[reason]++;
  }
}
