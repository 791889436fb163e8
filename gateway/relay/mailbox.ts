/**
 * The gateway's mailbox: messages for a mesh node that cannot be reached
 * now wait here, in lmdb, until it reappears. Unlike a link's outbox (which
 * keeps everything for a neighbour it expects back), the mailbox serves
 * nodes the gateway merely relays for, so it is bounded: a quota per node
 * (messages and bytes), refused with a clear error when full, and an expiry
 * after which a message is dropped and counted. No expiry is short: a node
 * may be away for weeks (the default keeps messages 30 days).
 */
import { type RootDatabase, open } from 'lmdb';
import type { Clock } from '../../node/clock.js';
import { checkInteger } from '../../node/input.js';

export interface MailboxLimits {
  /** Messages held per node. Default 1,000. */
  readonly maxMessagesPerNode?: number;
  /** Bytes held per node. Default 4 MiB. */
  readonly maxBytesPerNode?: number;
  /** How long a message waits before it is dropped. Default 30 days. */
  readonly expiryMs?: number;
}

export interface MailedMessage {
  /** Its place in the node's box: increasing, never reused. */
  readonly id: number;
  readonly message: Uint8Array;
  /** When it was put, on the mailbox's clock. */
  readonly receivedAt: number;
}

/** The node's box is full: the message was not stored. */
export class MailboxFullError extends Error {
  override name = 'MailboxFullError';
  constructor(
    readonly nodeId: string,
    readonly held: { messages: number; bytes: number },
    readonly limits: { messages: number; bytes: number },
  ) {
    super(`the mailbox of ${nodeId} is full: ${held.messages} messages and ${held.bytes} bytes held, at most ${limits.messages} and ${limits.bytes}`);
  }
}

type Key = ['message', string, number] | ['next', string] | 'format';
const FORMAT_VERSION = 1;
const DAY_MS = 86_400_000;

export class Mailbox {
  readonly limits: { readonly messages: number; readonly bytes: number; readonly expiryMs: number };
  /** Messages dropped because they waited longer than the expiry. */
  expired = 0;
  private readonly db: RootDatabase<Uint8Array, Key>;

  constructor(
    readonly path: string,
    private readonly clock: Clock,
    limits: MailboxLimits = {},
  ) {
    this.limits = {
      messages: checkInteger('maxMessagesPerNode', limits.maxMessagesPerNode ?? 1000, 1, 10_000_000),
      bytes: checkInteger('maxBytesPerNode', limits.maxBytesPerNode ?? 4 * 1024 * 1024, 1, 2 ** 40),
      expiryMs: checkInteger('expiryMs', limits.expiryMs ?? 30 * DAY_MS, 1, 3650 * DAY_MS),
    };
    this.db = open<Uint8Array, Key>({ path, encoding: 'binary', compression: false });
    const version = this.db.get('format');
    if (version === undefined) this.db.putSync('format', Uint8Array.of(FORMAT_VERSION));
    else if (version[0] !== FORMAT_VERSION) throw new Error(`${path}: mailbox format ${version[0]}, this lnmesh reads format ${FORMAT_VERSION}`);
  }

  /** Stores `message` for `nodeId`, durably; throws `MailboxFullError` (storing nothing) over the quota. */
  put(nodeId: string, message: Uint8Array): number {
    this.expire(nodeId);
    return this.db.transactionSync(() => {
      const held = this.held(nodeId);
      if (held.messages + 1 > this.limits.messages || held.bytes + message.length > this.limits.bytes) {
        throw new MailboxFullError(nodeId, held, { messages: this.limits.messages, bytes: this.limits.bytes });
      }
      const next = this.db.get(['next', nodeId]);
      const id = next ? Number(Buffer.from(next).readBigUInt64BE()) : 1;
      this.db.putSync(['message', nodeId, id], encodeEntry(this.clock.now(), message));
      const bumped = Buffer.alloc(8);
      bumped.writeBigUInt64BE(BigInt(id + 1));
      this.db.putSync(['next', nodeId], bumped);
      return id;
    });
  }

  /** What waits for `nodeId`, oldest first (expired messages dropped first). */
  pending(nodeId: string): MailedMessage[] {
    this.expire(nodeId);
    return [...this.db.getRange({ start: ['message', nodeId, 0], end: ['message', nodeId, Number.MAX_SAFE_INTEGER] })].map(({ key, value }) => ({
      id: (key as ['message', string, number])[2],
      ...decodeEntry(value),
    }));
  }

  /** Forgets one message: it was handed on. */
  remove(nodeId: string, id: number): void {
    this.db.removeSync(['message', nodeId, id]);
  }

  /** Whether anything waits for `nodeId` (one key read, not a count). */
  hasMail(nodeId: string): boolean {
    for (const _key of this.db.getKeys({ start: ['message', nodeId, 0], end: ['message', nodeId, Number.MAX_SAFE_INTEGER], limit: 1 })) return true;
    return false;
  }

  /** Messages and bytes held for `nodeId`. */
  held(nodeId: string): { messages: number; bytes: number } {
    let messages = 0;
    let bytes = 0;
    for (const { value } of this.db.getRange({ start: ['message', nodeId, 0], end: ['message', nodeId, Number.MAX_SAFE_INTEGER] })) {
      messages++;
      bytes += value.length - ENTRY_HEADER_BYTES;
    }
    return { messages, bytes };
  }

  /** Nodes with messages waiting. */
  nodesWithMail(): string[] {
    const nodes = new Set<string>();
    for (const key of this.db.getKeys({ start: ['message'], end: ['message\u0000'] })) {
      if (Array.isArray(key) && key[0] === 'message') nodes.add(key[1] as string);
    }
    return [...nodes];
  }

  /** Drops what waited longer than the expiry, for one node or all; returns how many. */
  expire(nodeId?: string): number {
    const cutoff = this.clock.now() - this.limits.expiryMs;
    let dropped = 0;
    for (const node of nodeId === undefined ? this.nodesWithMail() : [nodeId]) {
      this.db.transactionSync(() => {
        for (const { key, value } of this.db.getRange({ start: ['message', node, 0], end: ['message', node, Number.MAX_SAFE_INTEGER] })) {
          if (decodeEntry(value).receivedAt > cutoff) break; // in id order, which is arrival order
          this.db.removeSync(key);
          dropped++;
        }
      });
    }
    this.expired += dropped;
    return dropped;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** An entry: when it arrived (8 bytes, milliseconds), then the message. */
const ENTRY_HEADER_BYTES = 8;

function encodeEntry(receivedAt: number, message: Uint8Array): Uint8Array {
  const entry = Buffer.alloc(ENTRY_HEADER_BYTES + message.length);
  entry.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(receivedAt))));
  entry.set(message, ENTRY_HEADER_BYTES);
  return entry;
}

function decodeEntry(entry: Uint8Array): { receivedAt: number; message: Uint8Array } {
  const buffer = Buffer.from(entry.buffer, entry.byteOffset, entry.length);
  return { receivedAt: Number(buffer.readBigUInt64BE()), message: Uint8Array.prototype.slice.call(entry, ENTRY_HEADER_BYTES) };
}
