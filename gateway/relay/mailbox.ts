/**
 * The gateway's mailbox: messages for a mesh node that cannot be reached
 * now wait here, in lmdb, until it reappears. Unlike a link's outbox (which
 * keeps everything for a neighbour it expects back), the mailbox serves
 * nodes the gateway merely relays for, so it is bounded, and fair: a fresh
 * key costs nothing, so junk from strangers must neither fill a node's box
 * nor go out before its genuine mail.
 *
 * Every message comes with its standing (`Standing`): the gateway's own,
 * from a source the gateway knows (its config), or from a stranger. Bounds:
 *
 * - per box (a neighbour): messages and bytes, all standings together;
 * - per source within a box, for each known source and each stranger;
 * - strangers together, per box and in the whole mailbox: the smallest share;
 * - the whole mailbox (the disk): boxes are per neighbour, but a gateway
 *   may have many.
 *
 * Over a bound a message is refused with a clear error (`MailboxFullError`,
 * naming the bound) and nothing is stored. Messages wait until they expire:
 * 30 days by default (a node may be away for weeks), a day for strangers'.
 * They go out in order of standing (the gateway's own, then known sources',
 * then strangers'), each source's in the order they came, so a node's
 * genuine mail goes first however much junk waits beside it.
 */
import type { RootDatabase } from 'lmdb';
import type { Clock } from '../../node/core/clock.js';
import { checkInteger } from '../../node/core/input.js';
import { openVersionedLmdb } from '../../node/core/versioned-lmdb.js';

/** Who a message is from, as the gateway sees it. */
export type Standing =
  /** The gateway's own (its answers, pushes, alerts). */
  | 'own'
  /** A source the gateway knows: a node its config names (a neighbour, a route's destination). */
  | 'known'
  /** Any other source: a key anyone can make. */
  | 'stranger';

const STANDINGS: readonly Standing[] = ['own', 'known', 'stranger'];

export interface MailboxLimits {
  /** Messages held per node (box). Default 1,000. */
  readonly maxMessagesPerNode?: number;
  /** Bytes held per node. Default 4 MiB. */
  readonly maxBytesPerNode?: number;
  /** Messages of one known source in a box. Default 250: a quarter of a box, so no one source fills it. */
  readonly maxMessagesPerSource?: number;
  /** Bytes of one known source in a box. Default 1 MiB, a quarter of a box. */
  readonly maxBytesPerSource?: number;
  /** Messages of all strangers together in a box. Default 64: the smallest share. */
  readonly maxStrangerMessagesPerNode?: number;
  /**
   * Bytes of all strangers together in a box. Default 16 KiB: about 90
   * LoRa frames, under three hours of EU868's 1% at SF9, sent after the
   * node's genuine mail (a full box of 4 MiB was about 28 days of it).
   */
  readonly maxStrangerBytesPerNode?: number;
  /** Messages of one stranger in a box. Default 16: a quarter of the strangers' share. */
  readonly maxMessagesPerStranger?: number;
  /** Bytes of one stranger in a box. Default 4 KiB, a quarter of the strangers' share (a larger message from a stranger is refused outright: over LoRa few are larger). */
  readonly maxBytesPerStranger?: number;
  /** Messages in the whole mailbox. Default 50,000: fifty full boxes. */
  readonly maxMessages?: number;
  /** Bytes in the whole mailbox (the disk it may take). Default 256 MiB. */
  readonly maxBytes?: number;
  /** Messages of strangers in the whole mailbox. Default 5,000: a tenth. */
  readonly maxStrangerMessages?: number;
  /** Bytes of strangers in the whole mailbox. Default 16 MiB. */
  readonly maxStrangerBytes?: number;
  /** How long a message waits before it is dropped. Default 30 days. */
  readonly expiryMs?: number;
  /** How long a stranger's message waits. Default 1 day: a stranger has no claim on a node's return weeks later. */
  readonly strangerExpiryMs?: number;
}

export interface MailedMessage {
  /** Its place in the node's box: increasing, never reused. */
  readonly id: number;
  readonly message: Uint8Array;
  /** When it was put, on the mailbox's clock. */
  readonly receivedAt: number;
  readonly standing: Standing;
  /** Its source (a node id, hex), '' when unknown (the gateway's own, or stored before sources were). */
  readonly source: string;
}

/** Which bound refused a message. */
export type MailboxBound = 'node' | 'source' | 'strangers' | 'mailbox' | 'mailbox-strangers';

/** A bound of the mailbox is reached: the message was not stored. */
export class MailboxFullError extends Error {
  override name = 'MailboxFullError';
  constructor(
    readonly nodeId: string,
    readonly held: { messages: number; bytes: number },
    readonly limits: { messages: number; bytes: number },
    readonly bound: MailboxBound = 'node',
    readonly source = '',
  ) {
    super(`${fullWhat(nodeId, bound, source)}: ${held.messages} messages and ${held.bytes} bytes held, at most ${limits.messages} and ${limits.bytes}`);
  }
}

/** The mailbox on disk cannot be used: another format. */
export class MailboxStoreError extends Error {
  override name = 'MailboxStoreError';
}

function fullWhat(nodeId: string, bound: MailboxBound, source: string): string {
  switch (bound) {
    case 'node':
      return `the mailbox of ${nodeId} is full`;
    case 'source':
      return `the mailbox of ${nodeId} holds all it takes from ${source}`;
    case 'strangers':
      return `the mailbox of ${nodeId} holds all it takes from sources the gateway does not know`;
    case 'mailbox':
      return `the gateway's mailbox is full (all nodes together), refused for ${nodeId}`;
    case 'mailbox-strangers':
      return `the gateway's mailbox holds all it takes from sources it does not know (all nodes together), refused for ${nodeId}`;
  }
}

type Key = ['message', string, number] | ['next', string] | 'format';
/** Format 1 entries were the time and the message; format 2 adds the standing and the source. */
const FORMAT_VERSION = 2;
const DAY_MS = 86_400_000;

interface Usage {
  messages: number;
  bytes: number;
}

interface BoxUsage {
  readonly total: Usage;
  readonly strangers: Usage;
  /** By `standing:source`. */
  readonly bySource: Map<string, Usage>;
}

export class Mailbox {
  readonly limits: { readonly messages: number; readonly bytes: number; readonly expiryMs: number } & Required<Omit<MailboxLimits, 'maxMessagesPerNode' | 'maxBytesPerNode' | 'expiryMs'>>;
  /** Messages dropped because they waited longer than the expiry. */
  expired = 0;
  private readonly db: RootDatabase<Uint8Array, Key>;
  /** What each box holds, and the whole mailbox: counted once when opened, kept up to date since. */
  private readonly boxes = new Map<string, BoxUsage>();
  private readonly all: Usage = { messages: 0, bytes: 0 };
  private readonly allStrangers: Usage = { messages: 0, bytes: 0 };

  constructor(
    readonly path: string,
    private readonly clock: Clock,
    limits: MailboxLimits = {},
  ) {
    const bound = (name: keyof MailboxLimits, fallback: number, max: number) => checkInteger(name, limits[name] ?? fallback, 1, max);
    this.limits = {
      messages: bound('maxMessagesPerNode', 1000, 10_000_000),
      bytes: bound('maxBytesPerNode', 4 * 1024 * 1024, 2 ** 40),
      maxMessagesPerSource: bound('maxMessagesPerSource', 250, 10_000_000),
      maxBytesPerSource: bound('maxBytesPerSource', 1024 * 1024, 2 ** 40),
      maxStrangerMessagesPerNode: bound('maxStrangerMessagesPerNode', 64, 10_000_000),
      maxStrangerBytesPerNode: bound('maxStrangerBytesPerNode', 16 * 1024, 2 ** 40),
      maxMessagesPerStranger: bound('maxMessagesPerStranger', 16, 10_000_000),
      maxBytesPerStranger: bound('maxBytesPerStranger', 4 * 1024, 2 ** 40),
      maxMessages: bound('maxMessages', 50_000, 1_000_000_000),
      maxBytes: bound('maxBytes', 256 * 1024 * 1024, 2 ** 44),
      maxStrangerMessages: bound('maxStrangerMessages', 5000, 1_000_000_000),
      maxStrangerBytes: bound('maxStrangerBytes', 16 * 1024 * 1024, 2 ** 44),
      expiryMs: bound('expiryMs', 30 * DAY_MS, 3650 * DAY_MS),
      strangerExpiryMs: bound('strangerExpiryMs', DAY_MS, 3650 * DAY_MS),
    };
    const format = { name: 'mailbox', version: FORMAT_VERSION, upgradesFrom: [1], error: MailboxStoreError };
    const { db, upgradeFrom } = openVersionedLmdb<Uint8Array, Key>({ path, encoding: 'binary', compression: false }, format);
    this.db = db;
    if (upgradeFrom === 1) this.upgradeFromFormatOne();
    for (const { key, value } of this.db.getRange({ start: ['message'], end: ['message\u0000'] })) {
      if (!Array.isArray(key) || key[0] !== 'message') continue;
      const entry = decodeEntry(value);
      this.count(key[1] as string, entry.standing, entry.source, entry.message.length, 1);
    }
  }

  /**
   * Stores `message` for `nodeId`, durably, from `from` (the gateway's own
   * when not given); throws `MailboxFullError` (storing nothing) over a bound.
   */
  put(nodeId: string, message: Uint8Array, from: { readonly standing: Standing; readonly source?: string } = { standing: 'own' }): number {
    const { standing } = from;
    const source = from.source ?? '';
    if (!STANDINGS.includes(standing)) throw new RangeError(`unknown standing ${standing}`);
    this.expire(nodeId);
    this.checkRoom(nodeId, standing, source, message.length);
    const id = this.db.transactionSync(() => {
      const next = this.db.get(['next', nodeId]);
      const id = next ? Number(Buffer.from(next).readBigUInt64BE()) : 1;
      this.db.putSync(['message', nodeId, id], encodeEntry(this.clock.now(), standing, source, message));
      const bumped = Buffer.alloc(8);
      bumped.writeBigUInt64BE(BigInt(id + 1));
      this.db.putSync(['next', nodeId], bumped);
      return id;
    });
    this.count(nodeId, standing, source, message.length, 1);
    return id;
  }

  /** What waits for `nodeId` (expired messages dropped first): the gateway's own first, then known sources', then strangers', each in arrival order. */
  pending(nodeId: string): MailedMessage[] {
    this.expire(nodeId);
    const mail = [...this.db.getRange({ start: ['message', nodeId, 0], end: ['message', nodeId, Number.MAX_SAFE_INTEGER] })].map(({ key, value }) => ({
      id: (key as ['message', string, number])[2],
      ...decodeEntry(value),
    }));
    return mail.sort((a, b) => STANDINGS.indexOf(a.standing) - STANDINGS.indexOf(b.standing) || a.id - b.id);
  }

  /** Forgets one message: it was handed on. */
  remove(nodeId: string, id: number): void {
    const value = this.db.get(['message', nodeId, id]);
    if (value === undefined) return;
    this.db.removeSync(['message', nodeId, id]);
    const entry = decodeEntry(value);
    this.count(nodeId, entry.standing, entry.source, entry.message.length, -1);
  }

  /** Whether anything waits for `nodeId`. */
  hasMail(nodeId: string): boolean {
    return (this.boxes.get(nodeId)?.total.messages ?? 0) > 0;
  }

  /** Messages and bytes held for `nodeId`. */
  held(nodeId: string): { messages: number; bytes: number } {
    return { ...(this.boxes.get(nodeId)?.total ?? { messages: 0, bytes: 0 }) };
  }

  /** Messages and bytes held in the whole mailbox, and of those from strangers. */
  heldInAll(): { messages: number; bytes: number; strangers: { messages: number; bytes: number } } {
    return { ...this.all, strangers: { ...this.allStrangers } };
  }

  /** Messages and bytes from `source` (with that standing) held for `nodeId`. */
  heldFrom(nodeId: string, standing: Standing, source: string): { messages: number; bytes: number } {
    return { ...(this.boxes.get(nodeId)?.bySource.get(`${standing}:${source}`) ?? { messages: 0, bytes: 0 }) };
  }

  /** Nodes with messages waiting. */
  nodesWithMail(): string[] {
    return [...this.boxes.keys()];
  }

  /** Drops what waited longer than its expiry (a stranger's is shorter), for one node or all; returns how many. */
  expire(nodeId?: string): number {
    const now = this.clock.now();
    const cutoff = { own: now - this.limits.expiryMs, known: now - this.limits.expiryMs, stranger: now - this.limits.strangerExpiryMs };
    let dropped = 0;
    for (const node of nodeId === undefined ? this.nodesWithMail() : [nodeId]) {
      if (!this.hasMail(node)) continue;
      const gone: { id: number; standing: Standing; source: string; bytes: number }[] = [];
      for (const { key, value } of this.db.getRange({ start: ['message', node, 0], end: ['message', node, Number.MAX_SAFE_INTEGER] })) {
        const entry = decodeEntry(value);
        if (entry.receivedAt <= cutoff[entry.standing]) gone.push({ id: (key as ['message', string, number])[2], standing: entry.standing, source: entry.source, bytes: entry.message.length });
      }
      if (gone.length === 0) continue;
      this.db.transactionSync(() => {
        for (const { id } of gone) this.db.removeSync(['message', node, id]);
      });
      for (const { standing, source, bytes } of gone) this.count(node, standing, source, bytes, -1);
      dropped += gone.length;
    }
    this.expired += dropped;
    return dropped;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** Throws `MailboxFullError` if a message of `bytes` from `source` would go over a bound. */
  private checkRoom(nodeId: string, standing: Standing, source: string, bytes: number): void {
    const { limits } = this;
    const box = this.boxes.get(nodeId);
    const over = (held: Usage | undefined, messages: number, maxBytes: number, bound: MailboxBound) => {
      const usage = held ?? { messages: 0, bytes: 0 };
      if (usage.messages + 1 > messages || usage.bytes + bytes > maxBytes) throw new MailboxFullError(nodeId, { ...usage }, { messages, bytes: maxBytes }, bound, source);
    };
    over(this.all, limits.maxMessages, limits.maxBytes, 'mailbox');
    over(box?.total, limits.messages, limits.bytes, 'node');
    if (standing === 'stranger') {
      over(this.allStrangers, limits.maxStrangerMessages, limits.maxStrangerBytes, 'mailbox-strangers');
      over(box?.strangers, limits.maxStrangerMessagesPerNode, limits.maxStrangerBytesPerNode, 'strangers');
      over(box?.bySource.get(`${standing}:${source}`), limits.maxMessagesPerStranger, limits.maxBytesPerStranger, 'source');
    } else if (standing === 'known') {
      over(box?.bySource.get(`${standing}:${source}`), limits.maxMessagesPerSource, limits.maxBytesPerSource, 'source');
    }
  }

  /** Adds (`sign` 1) or takes away (-1) one message of `bytes` in the counts. */
  private count(nodeId: string, standing: Standing, source: string, bytes: number, sign: 1 | -1): void {
    let box = this.boxes.get(nodeId);
    if (!box) {
      box = { total: { messages: 0, bytes: 0 }, strangers: { messages: 0, bytes: 0 }, bySource: new Map() };
      this.boxes.set(nodeId, box);
    }
    const key = `${standing}:${source}`;
    const bySource = box.bySource.get(key) ?? { messages: 0, bytes: 0 };
    const usages = [box.total, bySource, this.all, ...(standing === 'stranger' ? [box.strangers, this.allStrangers] : [])];
    for (const usage of usages) {
      usage.messages += sign;
      usage.bytes += sign * bytes;
    }
    if (bySource.messages > 0) box.bySource.set(key, bySource);
    else box.bySource.delete(key);
    if (box.total.messages === 0) this.boxes.delete(nodeId);
  }

  /** Format 1 kept no standing: what it holds was taken under the old rules, as from a known source (unnamed). */
  private upgradeFromFormatOne(): void {
    this.db.transactionSync(() => {
      for (const { key, value } of [...this.db.getRange({ start: ['message'], end: ['message\u0000'] })]) {
        if (!Array.isArray(key) || key[0] !== 'message') continue;
        const receivedAt = Number(Buffer.from(value.buffer, value.byteOffset, value.length).readBigUInt64BE());
        this.db.putSync(key, encodeEntry(receivedAt, 'known', '', value.subarray(8)));
      }
      this.db.putSync('format', Uint8Array.of(FORMAT_VERSION)); // a binary store's version is one byte
    });
  }
}

/** An entry: when it arrived (8 bytes, milliseconds), its standing (1), its source's length (1) and source (ASCII hex), then the message. */
function encodeEntry(receivedAt: number, standing: Standing, source: string, message: Uint8Array): Uint8Array {
  const sourceBytes = Buffer.from(source, 'latin1');
  if (sourceBytes.length > 255) throw new RangeError(`a source id is at most 255 characters, got ${sourceBytes.length}`);
  const header = 8 + 1 + 1 + sourceBytes.length;
  const entry = Buffer.alloc(header + message.length);
  entry.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(receivedAt))));
  entry[8] = STANDINGS.indexOf(standing);
  entry[9] = sourceBytes.length;
  sourceBytes.copy(entry, 10);
  entry.set(message, header);
  return entry;
}

function decodeEntry(entry: Uint8Array): { receivedAt: number; standing: Standing; source: string; message: Uint8Array } {
  const buffer = Buffer.from(entry.buffer, entry.byteOffset, entry.length);
  const sourceLength = buffer[9]!;
  const header = 10 + sourceLength;
  return {
    receivedAt: Number(buffer.readBigUInt64BE()),
    standing: STANDINGS[buffer[8]!] ?? 'stranger',
    source: buffer.toString('latin1', 10, header),
    message: Uint8Array.prototype.slice.call(entry, header),
  };
}
