/**
 * A node of the mesh, assembled: its channels (`ChannelManager`) talk
 * through the router, the router through a link per transport, and one
 * static route table serves both the router (which neighbour carries an
 * envelope) and the payments (which channel an HTLC takes).
 *
 * This is what the node daemon builds from its config and what the
 * simulator builds for each node. Everything with a state or a side effect
 * is a component passed in (the signer, the stores, the wallet, the
 * broadcaster, the clock, randomness); transports come described as data
 * (`TransportSpec`) or, for the in-memory medium, as ready objects.
 *
 * The node's key (its signer) is its identity everywhere: it signs the
 * channels, proves itself in each link handshake, and seals routed
 * envelopes end to end.
 */
import { EventEmitter } from 'node:events';
import { type TransportSpec, createTransport } from '../transports/create-transport.js';
import { Link, type LinkInit } from '../transports/link/link.js';
import type { LinkOutbox } from '../transports/link/outbox.js';
import { LinkSet } from '../transports/router/link-set.js';
import { deliverToHandler, routerMessenger } from '../transports/router/messenger.js';
import { Router } from '../transports/router/router.js';
import type { SeenMessages } from '../transports/router/seen-messages.js';
import type { Transport } from '../transports/transport.js';
import { type Broadcaster, ChannelManager, type ChannelManagerInit, type FundingWallet } from './channel/manager.js';
import type { Clock } from './clock.js';
import { InvalidInputError, checkArray } from './input.js';
import type { RandomBytes } from './keys/seed.js';
import type { Signer } from './keys/signer.js';
import type { Persister } from './persist/persister.js';

export interface MeshNodeComponents {
  /** The node key and the channels' keys. */
  readonly signer: Signer;
  /** Channels, invoices, remedies. */
  readonly persister: Persister;
  /** What the links have not delivered yet, shared by all of them (sequences are per neighbour). */
  readonly outbox: LinkOutbox;
  /** Routed envelopes already delivered. */
  readonly seen: SeenMessages;
  readonly wallet: FundingWallet;
  readonly broadcaster: Broadcaster;
  readonly clock: Clock;
  readonly randomBytes: RandomBytes;
}

/** A neighbour on a link: its node id, and its address on the medium if the medium has addresses (MQTT, memory). */
export interface NeighbourConfig {
  readonly nodeId: string;
  readonly address?: string;
}

/** Retransmission, acknowledgement and memory bounds of a link (see `LinkInit`); defaults suit LoRa. */
export type LinkTiming = Omit<LinkInit, 'knownPeers' | 'addresses'>;

export interface LinkConfig {
  /** The medium: described (LoRa, serial, MQTT), or a transport already made (the in-memory medium). */
  readonly transport: TransportSpec | Transport;
  readonly neighbours: readonly NeighbourConfig[];
  readonly timing?: LinkTiming;
}

export interface MeshNodeConfig {
  /** The channel manager's settings; its route table is `routes`. */
  readonly channels: Omit<ChannelManagerInit, 'routes'>;
  /** One per transport; a neighbour is on exactly one. */
  readonly links: readonly LinkConfig[];
  /** Destination node id (hex), or `*` for the default route to the gateway, to the neighbour that leads there. */
  readonly routes?: Readonly<Record<string, string>>;
  /** Hop limit of the envelopes this node sends. Default 8. */
  readonly defaultHopLimit?: number;
}

export interface MeshNodeEvents {
  /** Something a layer survived (a bad frame, a broker lost, a listener that threw); for logs. */
  warning: [message: string];
}

export class MeshNode extends EventEmitter<MeshNodeEvents> {
  readonly manager: ChannelManager;
  readonly router: Router;
  readonly links: readonly Link[];
  private readonly linkSet: LinkSet;
  private readonly outbox: LinkOutbox;
  private undeliver: (() => void) | undefined;
  private running = false;

  /** Builds every layer; opens nothing. A config that does not hold together is an `InvalidInputError` naming the field. */
  constructor(components: MeshNodeComponents, config: MeshNodeConfig) {
    super();
    for (const name of ['signer', 'persister', 'outbox', 'seen', 'wallet', 'broadcaster', 'clock', 'randomBytes'] as const) {
      if (!components?.[name]) throw new InvalidInputError(name, 'missing: the mesh node needs it');
    }
    const { signer, outbox, clock, randomBytes } = components;
    this.outbox = outbox;
    this.links = checkArray('links', config.links).map((linkConfig, index) => {
      const field = `links[${index}]`;
      const neighbours = checkArray(`${field}.neighbours`, linkConfig.neighbours);
      const addresses: Record<string, string> = {};
      for (const neighbour of neighbours) if (neighbour.address !== undefined) addresses[neighbour.nodeId] = neighbour.address;
      const transport = isTransport(linkConfig.transport) ? linkConfig.transport : withField(field, () => createTransport(linkConfig.transport as TransportSpec, clock));
      const link = withField(field, () => new Link({ transport, clock, outbox, nodeKey: signer, randomBytes }, { ...linkConfig.timing, knownPeers: neighbours.map((neighbour) => neighbour.nodeId), addresses }));
      link.on('warning', (message) => this.emit('warning', `link ${index}: ${message}`));
      return link;
    });
    this.linkSet = new LinkSet(this.links);
    const routes = config.routes ?? {};
    this.router = new Router({ link: this.linkSet, nodeKey: signer, randomBytes, seen: components.seen }, { routes, neighbours: this.linkSet.neighbours(), defaultHopLimit: config.defaultHopLimit });
    this.router.on('warning', (message) => this.emit('warning', `router: ${message}`));
    this.manager = new ChannelManager(
      { signer, persister: components.persister, messenger: routerMessenger(this.router), wallet: components.wallet, broadcaster: components.broadcaster, randomBytes },
      { ...config.channels, routes },
    );
  }

  /**
   * Opens every transport, resumes the links' outboxes and what the channels
   * owe. Attach listeners to `manager` before: resuming may settle payments.
   * If a transport cannot open, the others are closed again and the error
   * says which link failed.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.undeliver = deliverToHandler(this.router, this.manager);
    this.router.start();
    const known = new Set(this.linkSet.neighbours());
    for (const peer of this.outbox.peersWithPending()) {
      if (!known.has(peer)) this.emit('warning', `the outbox holds messages for ${peer}, which is on no link: they wait until it is configured again`);
    }
    const opened = await Promise.allSettled(this.links.map((link) => link.start()));
    const failed = opened.findIndex((result) => result.status === 'rejected');
    if (failed >= 0) {
      await this.stop();
      throw new LinkStartError(failed, (opened[failed] as PromiseRejectedResult).reason);
    }
    this.manager.resume();
  }

  /** Stops the links (timers, sessions, transports); the outbox and the channels stay on disk. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.undeliver?.();
    this.undeliver = undefined;
    this.router.stop();
    await Promise.all(this.links.map((link) => link.stop()));
  }
}

/** A transport of the node did not open: a missing serial device, an unreachable broker, a radio that did not answer. */
export class LinkStartError extends Error {
  override name = 'LinkStartError';
  constructor(
    readonly linkIndex: number,
    override readonly cause: unknown,
  ) {
    super(`links[${linkIndex}] did not start: ${(cause as Error)?.message ?? cause}`);
  }
}

function isTransport(value: unknown): value is Transport {
  return typeof value === 'object' && value !== null && typeof (value as Transport).send === 'function' && typeof (value as Transport).open === 'function';
}

/** Runs `build`, prefixing the field of an `InvalidInputError` with `field`. */
function withField<T>(field: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(`${field}.${error.field}`, error.reason);
    throw error;
  }
}
