/**
 * A node's links as its config describes them: per transport, the medium
 * and the neighbours heard on it. The mesh node and the gateway build their
 * links from this the same way.
 */
import type { Clock } from '../../node/core/clock.js';
import { InvalidInputError, checkArray } from '../../node/core/input.js';
import { type Logger, childLogger, silentLogger } from '../../node/core/logger.js';
import type { NodeKey } from '../../node/core/node-key.js';
import type { RandomBytes } from '../../node/core/random.js';
import { type TransportSpec, createTransport } from './create-transport.js';
import { meshtasticRetransmitBaseMs } from './meshtastic-timing.js';
import { LINK_DEFAULT_RETRANSMIT_MS, loraRetransmitBaseMs } from '../lora/lora-timing.js';
import { Link, type LinkInit } from '../link/link.js';
import type { LinkOutbox } from '../link/outbox.js';
import type { Transport } from '../transport.js';

/** A neighbour on a link: its node id, and its address on the medium if the medium has addresses (MQTT, memory). */
export interface NeighbourConfig {
  readonly nodeId: string;
  readonly address?: string;
}

/** Retransmission, acknowledgement and memory bounds of a link (see `LinkInit`); defaults suit LoRa, and `defaultTiming` fits them to the medium. */
export type LinkTiming = Omit<LinkInit, 'knownPeers' | 'addresses'>;

export interface LinkConfig {
  /** The medium: described (LoRa, serial, MQTT), or a transport already made (the in-memory medium). */
  readonly transport: TransportSpec | Transport;
  readonly neighbours: readonly NeighbourConfig[];
  readonly timing?: LinkTiming;
}

/** What every link of a node shares. */
export interface LinkComponentsOfNode {
  readonly nodeKey: NodeKey;
  readonly clock: Clock;
  /** One outbox for all the links: sequences are per neighbour. */
  readonly outbox: LinkOutbox;
  readonly randomBytes: RandomBytes;
  /** The owner's logger: link i logs as `link i: ...`, and so does the transport it made. */
  readonly logger?: Logger;
}

/**
 * One `Link` per entry of `configs` (the field `links`), transports made
 * but not opened. A bad entry is an `InvalidInputError` naming
 * `links[i].<field>`.
 */
export function buildLinks(configs: readonly LinkConfig[], components: LinkComponentsOfNode): Link[] {
  return checkArray('links', configs).map((config, index) => {
    const field = `links[${index}]`;
    const neighbours = checkArray(`${field}.neighbours`, config.neighbours);
    const addresses: Record<string, string> = {};
    for (const neighbour of neighbours) if (neighbour.address !== undefined) addresses[neighbour.nodeId] = neighbour.address;
    const logger = childLogger(components.logger ?? silentLogger, `link ${index}`);
    const transport = isTransport(config.transport) ? config.transport : withField(field, () => createTransport(config.transport as TransportSpec, components.clock, logger));
    return withField(
      field,
      () =>
        new Link(
          { transport, clock: components.clock, outbox: components.outbox, nodeKey: components.nodeKey, randomBytes: components.randomBytes, logger },
          { ...defaultTiming(config.transport, config.timing), ...config.timing, knownPeers: neighbours.map((neighbour) => neighbour.nodeId), addresses },
        ),
    );
  });
}

/** Timing the medium needs beyond the link's defaults: a first retransmission after the round trip through Meshtastic's relays, or three full packets of a slow LoRa data rate. */
export function defaultTiming(transport: TransportSpec | Transport, given?: LinkTiming): LinkTiming {
  if (isTransport(transport) || (transport?.kind !== 'meshtastic' && transport?.kind !== 'lora')) return {};
  const base = transport.kind === 'meshtastic' ? meshtasticRetransmitBaseMs(transport) : loraRetransmitBaseMs(transport);
  if (transport.kind === 'lora' && base <= LINK_DEFAULT_RETRANSMIT_MS) return {};
  // A retransmitMax the config gives bounds the default too, rather than making it invalid.
  const max = given?.retransmitMaxMs;
  return { retransmitBaseMs: typeof max === 'number' && max >= 1 ? Math.min(base, max) : base };
}

function isTransport(value: unknown): value is Transport {
  return typeof value === 'object' && value !== null && typeof (value as Transport).send === 'function' && typeof (value as Transport).open === 'function';
}

/** Runs `build`, prefixing the field of an `InvalidInputError` with `field`. */
export function withField<T>(field: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(`${field}.${error.field}`, error.reason);
    throw error;
  }
}

/** Starts every link; if one fails, stops those that started and throws `LinkStartError` naming it. */
export async function startLinks(links: readonly Link[]): Promise<void> {
  const opened = await Promise.allSettled(links.map((link) => link.start()));
  const failed = opened.findIndex((result) => result.status === 'rejected');
  if (failed < 0) return;
  await Promise.all(links.map((link) => link.stop()));
  throw new LinkStartError(failed, (opened[failed] as PromiseRejectedResult).reason);
}

/** A transport did not open: a missing serial device, an unreachable broker, a radio that did not answer. */
export class LinkStartError extends Error {
  override name = 'LinkStartError';
  constructor(
    readonly linkIndex: number,
    override readonly cause: unknown,
  ) {
    super(`links[${linkIndex}] did not start: ${(cause as Error)?.message ?? cause}`);
  }
}
