/**
 * What the chain feed keeps for each node, in lmdb (its own directory), so
 * that a gateway restart forgets nothing: the node's watches (outputs whose
 * spends, and transactions whose confirmations, it must hear of), and its
 * cursor (the last block it acknowledged, and how far behind it may fall).
 * An index of every watch by key, in memory, answers "who watches this?"
 * for each transaction of each block.
 */
import { Encoder } from 'cbor-x';
import type { RootDatabase } from 'lmdb';
import { type StoreSyncInit, openVersionedLmdb } from '../../node/core/versioned-lmdb.js';

/** `o:<txid>:<vout>` for an output, `t:<txid>` for a transaction (display-order txids). */
export type WatchKey = string;

export const outputKey = (txid: string, vout: number): WatchKey => `o:${txid}:${vout}`;
export const transactionKey = (txid: string): WatchKey => `t:${txid}`;

export interface WatchRecord {
  /** The height of the block that spent the output or confirmed the transaction, once sent to the node. */
  readonly matchedAt?: number;
}

export interface FeedCursor {
  readonly height: number;
  /** The first bytes of the block hash at `height` (internal order, hex), as the node has it. */
  readonly hashPrefix: string;
  readonly maxLag: number;
}

const FORMAT_VERSION = 1;

export class FeedStoreError extends Error {
  override name = 'FeedStoreError';
}

export class FeedStore {
  private readonly db: RootDatabase<Uint8Array, string>;
  private readonly codec = new Encoder({ useRecords: false, mapsAsObjects: true });
  /** Every watch: key to the nodes that hold it. */
  private readonly watchers = new Map<WatchKey, Set<string>>();
  private readonly watchCounts = new Map<string, number>();
  private readonly cursors = new Map<string, FeedCursor>();

  constructor(
    readonly path: string,
    init: StoreSyncInit = {},
  ) {
    this.db = openVersionedLmdb<Uint8Array, string>({ path, encoding: 'binary', compression: false, noSync: init.syncToDisk === false }, { name: 'feed store', version: FORMAT_VERSION, error: FeedStoreError }).db;
    for (const { key } of this.db.getRange({ start: 'watch/', end: 'watch/\uffff' })) {
      const [, nodeId, watchKey] = key.split('/') as [string, string, string];
      this.index(nodeId, watchKey);
    }
    for (const { key, value } of this.db.getRange({ start: 'cursor/', end: 'cursor/\uffff' })) {
      this.cursors.set(key.slice('cursor/'.length), this.codec.decode(value) as FeedCursor);
    }
  }

  /** The nodes watching `key`. */
  watchersOf(key: WatchKey): ReadonlySet<string> | undefined {
    return this.watchers.get(key);
  }

  watchCount(nodeId: string): number {
    return this.watchCounts.get(nodeId) ?? 0;
  }

  get totalWatches(): number {
    let total = 0;
    for (const count of this.watchCounts.values()) total += count;
    return total;
  }

  /** Adds watches (durable on return); returns the keys that are new. */
  addWatches(nodeId: string, keys: readonly WatchKey[]): WatchKey[] {
    const added = keys.filter((key, i) => !this.watchers.get(key)?.has(nodeId) && keys.indexOf(key) === i);
    if (added.length === 0) return added;
    this.db.transactionSync(() => {
      for (const key of added) this.db.putSync(`watch/${nodeId}/${key}`, this.codec.encode({}) as Uint8Array);
    });
    for (const key of added) this.index(nodeId, key);
    return added;
  }

  removeWatches(nodeId: string, keys: readonly WatchKey[]): void {
    const held = keys.filter((key) => this.watchers.get(key)?.has(nodeId));
    if (held.length === 0) return;
    this.db.transactionSync(() => {
      for (const key of held) this.db.removeSync(`watch/${nodeId}/${key}`);
    });
    for (const key of held) {
      const nodes = this.watchers.get(key)!;
      nodes.delete(nodeId);
      if (nodes.size === 0) this.watchers.delete(key);
      this.watchCounts.set(nodeId, this.watchCount(nodeId) - 1);
    }
  }

  watchRecord(nodeId: string, key: WatchKey): WatchRecord | undefined {
    const value = this.db.get(`watch/${nodeId}/${key}`);
    return value && (this.codec.decode(value) as WatchRecord);
  }

  /** Notes where a watch matched, for retiring it once the node is far past that block. */
  markMatched(nodeId: string, key: WatchKey, height: number): void {
    if (!this.watchers.get(key)?.has(nodeId)) return;
    this.db.putSync(`watch/${nodeId}/${key}`, this.codec.encode({ matchedAt: height } satisfies WatchRecord) as Uint8Array);
  }

  /** The node's watches that matched at or below `height`. */
  matchedAtOrBelow(nodeId: string, height: number): WatchKey[] {
    const keys: WatchKey[] = [];
    for (const { key, value } of this.db.getRange({ start: `watch/${nodeId}/`, end: `watch/${nodeId}/\uffff` })) {
      const record = this.codec.decode(value) as WatchRecord;
      if (record.matchedAt !== undefined && record.matchedAt <= height) keys.push(key.slice(`watch/${nodeId}/`.length));
    }
    return keys;
  }

  cursor(nodeId: string): FeedCursor | undefined {
    return this.cursors.get(nodeId);
  }

  /** The nodes the feed serves. */
  nodes(): string[] {
    return [...this.cursors.keys()];
  }

  setCursor(nodeId: string, cursor: FeedCursor): void {
    this.db.putSync(`cursor/${nodeId}`, this.codec.encode(cursor) as Uint8Array);
    this.cursors.set(nodeId, cursor);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private index(nodeId: string, key: WatchKey): void {
    let nodes = this.watchers.get(key);
    if (!nodes) this.watchers.set(key, (nodes = new Set()));
    nodes.add(nodeId);
    this.watchCounts.set(nodeId, this.watchCount(nodeId) + 1);
  }
}
