/**
 * The link outbox: what must survive a reboot of the link layer.
 *
 * Outgoing, every message not yet acknowledged by its neighbour, numbered by
 * a per-neighbour sequence (1, 2, 3, ...) that never repeats. Incoming, per
 * neighbour, the sequence up to which messages were delivered to the
 * application: the receiver drops anything at or below it, so a message
 * retransmitted after a reboot (new handshake, new keys, same sequence) is
 * delivered once.
 *
 * Every write is durable when the method returns.
 */
import { Encoder } from 'cbor-x';
import type { RootDatabase } from 'lmdb';
import { openVersionedLmdb } from '../../node/core/versioned-lmdb.js';

export interface QueuedMessage {
  readonly seq: number;
  readonly message: Uint8Array;
}

export interface LinkOutbox {
  /** Queues a message for `peer` under the next sequence, and returns that sequence. */
  append(peer: string, message: Uint8Array): number;
  /** The peer has every message up to `seq`: forget them. */
  acknowledge(peer: string, seq: number): void;
  /** Messages for `peer` not yet acknowledged, in sequence order. */
  unacknowledged(peer: string): QueuedMessage[];
  /** Peers with messages not yet acknowledged. */
  peersWithPending(): string[];
  /** The last sequence delivered from `peer` (0: none yet). */
  deliveredUpTo(peer: string): number;
  /** Records that messages from `peer` up to `seq` were delivered. */
  setDeliveredUpTo(peer: string, seq: number): void;
}

/** An outbox that lasts as long as the process: for tests and the simulator. */
export class MemoryLinkOutbox implements LinkOutbox {
  private readonly queues = new Map<string, QueuedMessage[]>();
  private readonly nextSeq = new Map<string, number>();
  private readonly delivered = new Map<string, number>();

  append(peer: string, message: Uint8Array): number {
    const seq = this.nextSeq.get(peer) ?? 1;
    this.nextSeq.set(peer, seq + 1);
    const queue = this.queues.get(peer) ?? [];
    queue.push({ seq, message: Uint8Array.from(message) });
    this.queues.set(peer, queue);
    return seq;
  }

  acknowledge(peer: string, seq: number): void {
    const queue = this.queues.get(peer);
    if (!queue) return;
    const rest = queue.filter((queued) => queued.seq > seq);
    if (rest.length === 0) this.queues.delete(peer);
    else this.queues.set(peer, rest);
  }

  unacknowledged(peer: string): QueuedMessage[] {
    return [...(this.queues.get(peer) ?? [])];
  }

  peersWithPending(): string[] {
    return [...this.queues.keys()];
  }

  deliveredUpTo(peer: string): number {
    return this.delivered.get(peer) ?? 0;
  }

  setDeliveredUpTo(peer: string, seq: number): void {
    this.delivered.set(peer, seq);
  }
}

/** Thrown when the outbox on disk cannot be used: another format, or a damaged record. */
export class LinkOutboxError extends Error {
  override name = 'LinkOutboxError';
}

const FORMAT_VERSION = 1;
type Key = [string, string, number] | [string, string] | string;

/**
 * The outbox in lmdb, in a directory of its own. Keys are ordered tuples
 * (`['message', peer, seq]`), so a peer's queue is one range scan in
 * sequence order; numbers are CBOR.
 */
export class LmdbLinkOutbox implements LinkOutbox {
  private readonly db: RootDatabase<Uint8Array, Key>;
  private readonly codec = new Encoder({ useRecords: false, mapsAsObjects: true });

  constructor(readonly path: string) {
    this.db = openVersionedLmdb<Uint8Array, Key>({ path, encoding: 'binary', compression: false }, { name: 'link outbox', version: FORMAT_VERSION, error: LinkOutboxError }).db;
  }

  append(peer: string, message: Uint8Array): number {
    // One transaction: the message and the bumped sequence are written together or not at all.
    return this.db.transactionSync(() => {
      const seq = this.readNumber(['next', peer]) ?? 1;
      this.db.putSync(['message', peer, seq], Uint8Array.from(message));
      this.db.putSync(['next', peer], this.codec.encode(seq + 1) as Uint8Array);
      return seq;
    });
  }

  acknowledge(peer: string, seq: number): void {
    this.db.transactionSync(() => {
      for (const key of this.db.getKeys({ start: ['message', peer, 0], end: ['message', peer, seq + 1] })) this.db.removeSync(key);
    });
  }

  unacknowledged(peer: string): QueuedMessage[] {
    const queued: QueuedMessage[] = [];
    for (const { key, value } of this.db.getRange({ start: ['message', peer, 0], end: ['message', peer, Number.MAX_SAFE_INTEGER] })) {
      const seq = (key as [string, string, number])[2];
      queued.push({ seq, message: new Uint8Array(value) });
    }
    return queued;
  }

  peersWithPending(): string[] {
    const peers = new Set<string>();
    for (const key of this.db.getKeys({ start: ['message'], end: ['message\u0000'] })) {
      if (Array.isArray(key) && key[0] === 'message') peers.add(key[1]);
    }
    return [...peers];
  }

  deliveredUpTo(peer: string): number {
    return this.readNumber(['delivered', peer]) ?? 0;
  }

  setDeliveredUpTo(peer: string, seq: number): void {
    this.db.putSync(['delivered', peer], this.codec.encode(seq) as Uint8Array);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private readNumber(key: Key): number | undefined {
    const bytes = this.db.get(key);
    if (bytes === undefined) return undefined;
    let value: unknown;
    try {
      value = this.codec.decode(bytes);
    } catch (error) {
      throw new LinkOutboxError(`${this.path}: the record ${JSON.stringify(key)} cannot be read (${(error as Error).message})`);
    }
    if (!Number.isSafeInteger(value) || (value as number) < 0) throw new LinkOutboxError(`${this.path}: the record ${JSON.stringify(key)} is not a sequence number`);
    return value as number;
  }
}
