/**
 * The seen-message set on disk (lmdb, a directory of its own), for the
 * daemons: a restart forgets nothing, so an old envelope a relay replays
 * after it is still a duplicate.
 *
 * Bounded three ways:
 *
 * - Age: an entry lasts `lifetimeMs`. An envelope carries no time of its
 *   own; the longest one is meant to wait on the way is the gateway's
 *   mailbox expiry (30 days), so an entry lasts that and a day for the
 *   hops around the mailbox. A replay older than that meets consumers that
 *   ignore what they already applied (channel updates, appointments).
 * - Per source: `maxEntriesPerSource`. A source's new entry pushes out its
 *   own oldest, never another's: an attacker's own envelopes (sealed with
 *   its own key, so they verify) cannot wash out everybody else's.
 * - In all: `maxEntries`. When full, the oldest entry of the source holding
 *   the most goes, so each of n sources keeps at least its 1/n share.
 *
 * Records (ordered lmdb keys, values a time in ms, 8 bytes):
 * `['id', source, messageId]` -> seen at; `['bySource', source, at, messageId]`
 * and `['byAge', at, source, messageId]` (empty) order them by age per source
 * and in all.
 */
import type { RootDatabase } from 'lmdb';
import type { Clock } from '../../node/core/clock.js';
import { checkInteger } from '../../node/core/input.js';
import { openVersionedLmdb } from '../../node/core/versioned-lmdb.js';
import type { SeenMessages } from './seen-messages.js';

export interface LmdbSeenMessagesInit {
  /** Entries in all. Default 262,144: four times the memory set's, about 60 MB of lmdb pages at the most (three keys of about 80 bytes each). */
  readonly maxEntries?: number;
  /** Entries of one source. Default 16,384: a busy correspondent's month (hundreds of envelopes a day), a sixteenth of the whole. */
  readonly maxEntriesPerSource?: number;
  /** How long an entry lasts. Default `SEEN_LIFETIME_MS`. */
  readonly lifetimeMs?: number;
}

const DAY_MS = 86_400_000;
/** The mailbox's default expiry (30 days: the longest an envelope is meant to wait on the way) and a day for the hops around it. */
export const SEEN_LIFETIME_MS = 31 * DAY_MS;
/** Expired entries removed per `add`, at most: the rest go with the next ones, so no add pays for a month at once. */
const EXPIRED_PER_ADD = 64;
const FORMAT_VERSION = 1;

/** The seen set on disk cannot be used: another format. */
export class SeenMessagesStoreError extends Error {
  override name = 'SeenMessagesStoreError';
}

type Key = ['id', string, string] | ['bySource', string, number, string] | ['byAge', number, string, string] | 'format';

export class LmdbSeenMessages implements SeenMessages {
  readonly maxEntries: number;
  readonly maxEntriesPerSource: number;
  readonly lifetimeMs: number;
  private readonly db: RootDatabase<Uint8Array, Key>;
  private readonly counts = new SourceCounts();

  constructor(
    readonly path: string,
    private readonly clock: Pick<Clock, 'now'>,
    init: LmdbSeenMessagesInit = {},
  ) {
    this.maxEntries = checkInteger('maxEntries', init.maxEntries ?? 262_144, 1, 100_000_000);
    this.maxEntriesPerSource = checkInteger('maxEntriesPerSource', init.maxEntriesPerSource ?? Math.min(16_384, this.maxEntries), 1, this.maxEntries);
    this.lifetimeMs = checkInteger('lifetimeMs', init.lifetimeMs ?? SEEN_LIFETIME_MS, 1, 3650 * DAY_MS);
    const format = { name: 'seen-message set', version: FORMAT_VERSION, error: SeenMessagesStoreError };
    this.db = openVersionedLmdb<Uint8Array, Key>({ path, encoding: 'binary', compression: false }, format).db;
    for (const key of this.db.getKeys({ start: ['id'], end: ['id\u0000'] })) {
      if (Array.isArray(key) && key[0] === 'id') this.counts.increment(key[1] as string);
    }
  }

  has(source: string, messageId: Uint8Array): boolean {
    const at = this.db.get(['id', source, hexOf(messageId)]);
    return at !== undefined && timeOf(at) > this.clock.now() - this.lifetimeMs;
  }

  /** Records (`source`, `messageId`), durably on return; makes room first as the bounds say. */
  add(source: string, messageId: Uint8Array): void {
    const id = hexOf(messageId);
    const now = Math.max(0, Math.floor(this.clock.now()));
    this.db.transactionSync(() => {
      this.removeExpired(now);
      const before = this.db.get(['id', source, id]);
      if (before !== undefined) this.remove(source, timeOf(before), id);
      if (this.counts.of(source) >= this.maxEntriesPerSource) this.removeOldestOf(source);
      if (this.counts.total >= this.maxEntries) this.removeOldestOf(this.counts.largest()!);
      const at = Buffer.alloc(8);
      at.writeBigUInt64BE(BigInt(now));
      this.db.putSync(['id', source, id], at);
      this.db.putSync(['bySource', source, now, id], EMPTY);
      this.db.putSync(['byAge', now, source, id], EMPTY);
      this.counts.increment(source);
    });
  }

  /** Entries held, in all or of one source. */
  size(source?: string): number {
    return source === undefined ? this.counts.total : this.counts.of(source);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private removeExpired(now: number): void {
    const cutoff = now - this.lifetimeMs;
    for (const key of [...this.db.getKeys({ start: ['byAge', 0], end: ['byAge', cutoff + 1], limit: EXPIRED_PER_ADD })]) {
      const [, at, source, id] = key as ['byAge', number, string, string];
      this.remove(source, at, id);
    }
  }

  private removeOldestOf(source: string): void {
    for (const key of [...this.db.getKeys({ start: ['bySource', source], end: ['bySource', source, Number.MAX_SAFE_INTEGER], limit: 1 })]) {
      const [, , at, id] = key as ['bySource', string, number, string];
      this.remove(source, at, id);
    }
  }

  private remove(source: string, at: number, id: string): void {
    this.db.removeSync(['id', source, id]);
    this.db.removeSync(['bySource', source, at, id]);
    this.db.removeSync(['byAge', at, source, id]);
    this.counts.decrement(source);
  }
}

const EMPTY = new Uint8Array(0);
const hexOf = (messageId: Uint8Array) => Buffer.from(messageId).toString('hex');
const timeOf = (value: Uint8Array) => Number(Buffer.from(value.buffer, value.byteOffset, value.length).readBigUInt64BE());

/** Entries per source, and which source holds the most, in constant time: sources grouped by their count. */
class SourceCounts {
  total = 0;
  private readonly bySource = new Map<string, number>();
  private readonly byCount = new Map<number, Set<string>>();
  private highest = 0;

  of(source: string): number {
    return this.bySource.get(source) ?? 0;
  }

  largest(): string | undefined {
    return this.byCount.get(this.highest)?.values().next().value;
  }

  increment(source: string): void {
    const count = this.of(source);
    this.move(source, count, count + 1);
    this.total++;
    if (count + 1 > this.highest) this.highest = count + 1;
  }

  decrement(source: string): void {
    const count = this.of(source);
    if (count === 0) return;
    this.move(source, count, count - 1);
    this.total--;
    while (this.highest > 0 && !this.byCount.has(this.highest)) this.highest--;
  }

  private move(source: string, from: number, to: number): void {
    const group = this.byCount.get(from);
    group?.delete(source);
    if (group?.size === 0) this.byCount.delete(from);
    if (to === 0) {
      this.bySource.delete(source);
      return;
    }
    this.bySource.set(source, to);
    const target = this.byCount.get(to) ?? new Set<string>();
    target.add(source);
    this.byCount.set(to, target);
  }
}
