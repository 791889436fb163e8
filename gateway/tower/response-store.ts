/**
 * What the watchtower has done on chain, in lmdb (its own directory), so
 * that a restart resumes rather than forgets: one record per breach and
 * node that it answered (or found garbage for), written before the justice
 * transaction is broadcast, and the hashes of the blocks it has scanned, so
 * that after a restart it scans what it missed and notices a reorg that
 * happened while it was down.
 */
import { Encoder } from 'cbor-x';
import type { Database, RootDatabase } from 'lmdb';
import { checkInteger } from '../../node/core/input.js';
import { type StoreSyncInit, openVersionedLmdb } from '../../node/core/versioned-lmdb.js';

/**
 * - `active`: the justice is broadcast (or about to be) and tracked until buried.
 * - `buried`: the justice is buried deep enough; done.
 * - `abandoned`: the breach is buried and the justice was never accepted (the victim swept it itself, or the backend refuses it); done.
 * - `invalid`: the appointment was garbage for this breach (does not decrypt, or its justice does not spend the breach); ignored.
 */
export type ResponseState = 'active' | 'buried' | 'abandoned' | 'invalid';

export interface ResponseRecord {
  /** The breach's txid, display order (the locator is the first 16 bytes of it in internal order). */
  readonly breachTxid: string;
  /** The node whose appointment matched, hex. */
  readonly nodeId: string;
  readonly state: ResponseState;
  /** Why a response is invalid or abandoned, for the operator. */
  readonly reason?: string;
  /** The signed justice transaction (absent when invalid). */
  readonly justice?: Uint8Array;
  readonly justiceTxid?: string;
  /** When the breach was seen, on the tower's clock. */
  readonly detectedAt: number;
  /** Broadcast attempts so far. */
  readonly broadcasts: number;
  readonly lastBroadcast?: { readonly accepted: boolean; readonly reason?: string; readonly at: number };
  /** The justice's confirmations when last checked. */
  readonly confirmations: number;
  /** The node's signed alert was handed to the listeners (the relay). */
  readonly alerted: boolean;
}

export interface ScannedBlock {
  readonly height: number;
  readonly hash: string;
}

/** Block hashes kept, for noticing after a restart a reorg up to this deep. */
const SCANNED_BLOCKS_KEPT = 1000;
const FORMAT_VERSION = 1;

export class ResponseStoreError extends Error {
  override name = 'ResponseStoreError';
}

export class ResponseStore {
  private readonly root: RootDatabase;
  /** breach txid (32, display order) || node id (33) -> CBOR record */
  private readonly responses: Database<Buffer, Buffer>;
  /** height (4, BE) -> block hash (32, display order) */
  private readonly blocks: Database<Buffer, Buffer>;
  private readonly codec = new Encoder({ useRecords: false, mapsAsObjects: true });
  /** Keys of the active responses: the ones each block re-checks. */
  private readonly activeKeys = new Set<string>();

  constructor(
    readonly path: string,
    init: StoreSyncInit = {},
  ) {
    this.root = openVersionedLmdb({ path, maxDbs: 4, compression: false, noSync: init.syncToDisk === false }, { name: 'response store', version: FORMAT_VERSION, error: ResponseStoreError }).db;
    const binary = { keyEncoding: 'binary', encoding: 'binary', compression: false } as const;
    this.responses = this.root.openDB<Buffer, Buffer>('responses', binary);
    this.blocks = this.root.openDB<Buffer, Buffer>('scanned-blocks', binary);
    for (const record of this.all()) if (record.state === 'active') this.activeKeys.add(responseKey(record.breachTxid, record.nodeId).toString('hex'));
  }

  get(breachTxid: string, nodeId: string): ResponseRecord | undefined {
    const value = this.responses.get(responseKey(breachTxid, nodeId));
    return value ? this.decode(value) : undefined;
  }

  /** Writes a record durably (on disk when this returns). */
  put(record: ResponseRecord): void {
    const key = responseKey(record.breachTxid, record.nodeId);
    this.responses.putSync(key, this.codec.encode(record) as Buffer);
    if (record.state === 'active') this.activeKeys.add(key.toString('hex'));
    else this.activeKeys.delete(key.toString('hex'));
  }

  /** The responses still tracked. */
  active(): ResponseRecord[] {
    return [...this.activeKeys].flatMap((key) => {
      const value = this.responses.get(Buffer.from(key, 'hex'));
      return value ? [this.decode(value)] : [];
    });
  }

  all(): ResponseRecord[] {
    return [...this.responses.getRange({})].map(({ value }) => this.decode(value));
  }

  /** The block at `height` (of hash `hash`) has been scanned. Forgets hashes far below it. */
  markScanned(block: ScannedBlock): void {
    checkInteger('height', block.height, 0, 0xffffffff);
    this.root.transactionSync(() => {
      this.blocks.putSync(heightKey(block.height), Buffer.from(block.hash, 'hex'));
      for (const key of this.blocks.getKeys({ end: heightKey(Math.max(0, block.height - SCANNED_BLOCKS_KEPT)) })) this.blocks.removeSync(key);
    });
  }

  /** The block at `height` left the best chain. */
  unmarkScanned(height: number): void {
    this.blocks.removeSync(heightKey(height));
  }

  scannedAt(height: number): string | undefined {
    return this.blocks.get(heightKey(height))?.toString('hex');
  }

  /** The highest block scanned, if any. */
  lastScanned(): ScannedBlock | undefined {
    for (const { key, value } of this.blocks.getRange({ reverse: true, limit: 1 })) return { height: key.readUInt32BE(0), hash: value.toString('hex') };
    return undefined;
  }

  close(): Promise<void> {
    return this.root.close();
  }

  private decode(value: Buffer): ResponseRecord {
    try {
      return this.codec.decode(value) as ResponseRecord;
    } catch (error) {
      throw new ResponseStoreError(`${this.path}: a response record cannot be read (${(error as Error).message})`);
    }
  }
}

function responseKey(breachTxid: string, nodeId: string): Buffer {
  return Buffer.concat([Buffer.from(breachTxid, 'hex'), Buffer.from(nodeId, 'hex')]);
}

function heightKey(height: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32BE(height);
  return key;
}
