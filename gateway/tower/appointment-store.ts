/**
 * The watchtower's appointments, in lmdb (one directory).
 *
 * Keyed by locator first (locator || node id), so that the scan of a block
 * asks one short key range per transaction. Several nodes may hold an
 * appointment under the same locator and all are kept: a node cannot
 * overwrite another's (only its own, when it sends the same locator again).
 *
 * Each appointment carries the node's opaque per-channel tag. A second index
 * (node id || tag || locator) lets the node drop a closed channel's
 * appointments, and lets the tower drop them itself once the channel's
 * funding output, if the node revealed it, is spent and buried. There is no
 * fixed expiry: a node away for weeks finds its appointments still here.
 *
 * Compact appointments need their channel's record (`tower-channel.ts`),
 * which a node sends once per tag: kept under node id || tag || a hash of
 * the record (at most `MAX_RECORDS_PER_TAG` of them, should the node's sweep
 * script change), counted in the node's bytes, dropped with the tag. A
 * store of before records (format 1 all the same) opens with none; the
 * blobs it holds, in the older format, are still read (`appointment.ts`).
 *
 * Each node has a quota (appointments, bytes, funding outpoints watched);
 * a batch over it is refused whole, with the numbers. Since node ids are
 * free, strangers (nodes the operator did not name) also share one pool,
 * and are turned away once the tower holds its capacity (`TowerSpace`);
 * nothing already stored is ever evicted. Every write is one synchronous
 * lmdb transaction: on disk when the call returns, all or nothing.
 */
import type { Database, RootDatabase } from 'lmdb';
import { type Outpoint, checkOutpoint } from '../../node/bolt3/transaction.js';
import { InvalidInputError, checkArray, checkBytes, checkHex, checkInteger } from '../../node/core/input.js';
import { checkPublicKey } from '../../node/core/curve.js';
import { type StoreSyncInit, openVersionedLmdb } from '../../node/core/versioned-lmdb.js';
import { LOCATOR_LENGTH, checkTowerTag } from '../../node/gateway-protocol/appointment.js';
import { MAX_BLOB_BYTES, MAX_TAG_BYTES, type TowerAppointment } from '../../node/gateway-protocol/gateway-messages.js';
import { checkChannelRecord } from '../../node/gateway-protocol/tower-channel.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { LocatorFilter } from './locator-filter.js';
import { type NodeUsage, TowerSpace, type TowerSpaceInit } from './tower-space.js';

export { type NodeUsage, TowerFullError } from './tower-space.js';

/** ChaCha20-Poly1305's tag and at least one byte of justice data. */
export const MIN_BLOB_BYTES = 17;
const NODE_ID_LENGTH = 33;
/** Records kept per tag: one, unless the node's sweep script changed while the channel was open. */
export const MAX_RECORDS_PER_TAG = 4;
const RECORD_ID_BYTES = 8;
/** Bumped when the layout changes, so an old store is recognised rather than misread. */
const FORMAT_VERSION = 1;

export interface AppointmentQuota {
  /**
   * Appointments held per node. Default 100,000: a node makes one per
   * revoked state, so a channel paying a few hundred times a day for a year.
   */
  readonly maxAppointmentsPerNode?: number;
  /** Bytes of blobs, tags and channel records held per node. Default 64 MiB (about 500,000 compact kits of 116 bytes with a 16-byte tag). */
  readonly maxBytesPerNode?: number;
  /** Funding outpoints watched per node (about one per channel). Default 1,000. */
  readonly maxWatchesPerNode?: number;
}

/** Each node's quota, and the tower's space by who the node is (`TowerSpace`). */
export interface AppointmentStoreInit extends AppointmentQuota, TowerSpaceInit, StoreSyncInit {}

export interface StoredAppointment {
  /** The submitting node's id, hex. */
  readonly nodeId: string;
  readonly locator: Uint8Array;
  readonly tag: Uint8Array;
  readonly blob: Uint8Array;
}

/** Where a funding output the tower watches for a tag was spent: in the block at `height` of hash `blockHash`. */
export interface FundingSpend {
  readonly height: number;
  readonly blockHash: string;
}

export interface FundingWatch {
  readonly nodeId: string;
  readonly tag: Uint8Array;
  readonly outpoint: Outpoint;
  readonly spent?: FundingSpend;
}

/** The node's quota would be exceeded: nothing of the batch was stored. */
export class TowerQuotaError extends Error {
  override name = 'TowerQuotaError';
  constructor(
    readonly nodeId: string,
    readonly held: NodeUsage,
    readonly adding: NodeUsage,
    readonly limits: Required<AppointmentQuota>,
  ) {
    super(
      `the watchtower quota of ${nodeId} is full: it holds ${held.appointments} appointments (${held.bytes} bytes) and ${held.watches} funding watches, ` +
        `this request adds ${adding.appointments} (${adding.bytes} bytes) and ${adding.watches}; the limits are ${limits.maxAppointmentsPerNode} appointments, ` +
        `${limits.maxBytesPerNode} bytes and ${limits.maxWatchesPerNode} watches per node. Drop the tags of closed channels, or use another tower.`,
    );
  }
}

/** The store on disk cannot be used: another format, or a damaged record. */
export class AppointmentStoreError extends Error {
  override name = 'AppointmentStoreError';
}

/** Checks one appointment as a node sent it; `field` prefixes the names in errors. */
export function checkTowerAppointment(field: string, appointment: TowerAppointment): TowerAppointment {
  if (typeof appointment !== 'object' || appointment === null) throw new InvalidInputError(field, 'expected an appointment');
  checkBytes(`${field}.locator`, appointment.locator, LOCATOR_LENGTH);
  const blob = checkBytes(`${field}.blob`, appointment.blob);
  if (blob.length < MIN_BLOB_BYTES || blob.length > MAX_BLOB_BYTES) {
    throw new InvalidInputError(`${field}.blob`, `expected ${MIN_BLOB_BYTES} to ${MAX_BLOB_BYTES} bytes, got ${blob.length}`);
  }
  checkTowerTag(`${field}.tag`, appointment.tag);
  if (appointment.channel !== undefined) checkChannelRecord(`${field}.channel`, appointment.channel);
  return appointment;
}


export class AppointmentStore {
  readonly limits: Required<AppointmentQuota>;
  private readonly root: RootDatabase;
  /** locator || node id -> tag length || tag || blob */
  private readonly appointments: Database<Buffer, Buffer>;
  /** node id || tag length || tag || locator -> nothing */
  private readonly byTag: Database<Buffer, Buffer>;
  /** node id -> appointments (4) || watches (4) || bytes (8, float) */
  private readonly usageByNode: Database<Buffer, Buffer>;
  /** node id || tag length || tag -> funding txid (32, internal order) || vout (4) [|| spent height (4) || spent block hash (32)] */
  private readonly funding: Database<Buffer, Buffer>;
  /** node id || tag length || tag || sha256(record) (8) -> the channel's record */
  private readonly channels: Database<Buffer, Buffer>;
  /** Which locators may be stored: the scan's fast no. */
  private readonly filter = new LocatorFilter();
  /** What strangers, and all nodes, may hold together. */
  readonly space: TowerSpace;

  constructor(
    readonly path: string,
    quota: AppointmentStoreInit = {},
  ) {
    this.limits = {
      maxAppointmentsPerNode: checkInteger('maxAppointmentsPerNode', quota.maxAppointmentsPerNode ?? 100_000, 1, 100_000_000),
      maxBytesPerNode: checkInteger('maxBytesPerNode', quota.maxBytesPerNode ?? 64 * 1024 * 1024, 1, 2 ** 40),
      maxWatchesPerNode: checkInteger('maxWatchesPerNode', quota.maxWatchesPerNode ?? 1000, 0, 10_000_000),
    };
    this.space = new TowerSpace(quota);
    this.root = openVersionedLmdb({ path, maxDbs: 8, compression: false, noSync: quota.syncToDisk === false }, { name: 'appointment store', version: FORMAT_VERSION, error: AppointmentStoreError }).db;
    const binary = { keyEncoding: 'binary', encoding: 'binary', compression: false } as const;
    this.appointments = this.root.openDB<Buffer, Buffer>('appointments', binary);
    this.byTag = this.root.openDB<Buffer, Buffer>('appointments-by-tag', binary);
    this.usageByNode = this.root.openDB<Buffer, Buffer>('usage', binary);
    this.funding = this.root.openDB<Buffer, Buffer>('funding', binary);
    this.channels = this.root.openDB<Buffer, Buffer>('channels', binary);
    for (const key of this.appointments.getKeys({})) this.filter.add(key);
    // One record per node holding anything: as many as the strangers' pool lets in, plus the named nodes.
    for (const { key } of this.usageByNode.getRange({})) this.space.moved(key.toString('hex'), NO_USAGE, this.usageOf(key));
  }

  /**
   * Stores a batch of `nodeId`'s appointments durably, all or nothing, with
   * the channel records beside them. An appointment under a locator this
   * node already used replaces the old one. `requireChannels`: every tag of
   * the batch must have a record, stored or in the batch.
   * Throws `InvalidInputError` naming the bad field, `TowerQuotaError`
   * (the node's own quota) or `TowerFullError` (no room for strangers).
   */
  add(nodeId: string, appointments: readonly TowerAppointment[], options: { readonly requireChannels?: boolean } = {}): void {
    const node = nodeIdBytes(nodeId);
    checkArray('appointments', appointments, 1);
    appointments.forEach((appointment, i) => checkTowerAppointment(`appointments[${i}]`, appointment));
    const { held, after } = this.root.transactionSync(() => {
      const held = this.usageOf(node);
      const newRecords = this.newChannelRecords(node, appointments);
      if (options.requireChannels) this.checkChannelsFor(node, appointments);
      let count = held.appointments;
      let bytes = held.bytes + newRecords.reduce((sum, { value }) => sum + value.length, 0);
      const writes = new Map<string, { key: Buffer; value: Buffer; tagKey: Buffer; oldTagKey?: Buffer }>();
      for (const appointment of appointments) {
        const key = Buffer.concat([appointment.locator, node]);
        const earlier = writes.get(key.toString('latin1'));
        const old = earlier ? earlier.value : this.appointments.get(key);
        if (old) {
          bytes -= old.length - 1;
          count--;
        }
        const value = Buffer.concat([Uint8Array.of(appointment.tag.length), appointment.tag, appointment.blob]);
        count++;
        bytes += value.length - 1;
        const oldTagKey = earlier ? earlier.oldTagKey : old ? tagIndexKey(node, old.subarray(1, 1 + old[0]!), appointment.locator) : undefined;
        writes.set(key.toString('latin1'), { key, value, tagKey: tagIndexKey(node, appointment.tag, appointment.locator), ...(oldTagKey ? { oldTagKey } : {}) });
      }
      if (count > this.limits.maxAppointmentsPerNode || bytes > this.limits.maxBytesPerNode) {
        throw new TowerQuotaError(nodeId, held, { appointments: count - held.appointments, bytes: bytes - held.bytes, watches: 0 }, this.limits);
      }
      const after = { appointments: count, bytes, watches: held.watches };
      this.space.check(node.toString('hex'), held, after);
      for (const { key, value, tagKey, oldTagKey } of writes.values()) {
        if (oldTagKey) this.byTag.removeSync(oldTagKey);
        this.appointments.putSync(key, value);
        this.byTag.putSync(tagKey, EMPTY);
      }
      for (const { key, value } of newRecords) this.channels.putSync(key, value);
      this.setUsage(node, after);
      return { held, after };
    });
    this.space.moved(node.toString('hex'), held, after);
    for (const appointment of appointments) this.filter.add(appointment.locator);
  }

  /** Every appointment stored under `locator`, whichever node sent it. */
  lookup(locator: Uint8Array): StoredAppointment[] {
    if (!this.filter.mightContain(checkBytes('locator', locator, LOCATOR_LENGTH))) return [];
    const start = Buffer.from(locator);
    const found: StoredAppointment[] = [];
    for (const { key, value } of this.appointments.getRange({ start, end: Buffer.concat([start, NODE_ID_END]) })) {
      const tagLength = value[0]!;
      found.push({
        nodeId: key.subarray(LOCATOR_LENGTH).toString('hex'),
        locator: Uint8Array.from(key.subarray(0, LOCATOR_LENGTH)),
        tag: Uint8Array.from(value.subarray(1, 1 + tagLength)),
        blob: Uint8Array.from(value.subarray(1 + tagLength)),
      });
    }
    return found;
  }

  /** The records of `nodeId`'s channel of this tag (`tower-channel.ts`): one, or a few if its sweep script changed. */
  channelRecords(nodeId: string, tag: Uint8Array): Uint8Array[] {
    const prefix = tagPrefix(nodeIdBytes(nodeId), checkTowerTag('tag', tag));
    return [...this.channels.getRange({ start: prefix, end: Buffer.concat([prefix, RECORD_ID_END]) })].map(({ value }) => Uint8Array.from(value));
  }

  /** The records beside `appointments` not stored yet, as writes; an `InvalidInputError` when a tag would hold more than `MAX_RECORDS_PER_TAG`. */
  private newChannelRecords(node: Buffer, appointments: readonly TowerAppointment[]): { key: Buffer; value: Buffer }[] {
    const writes = new Map<string, { key: Buffer; value: Buffer }>();
    const perTag = new Map<string, number>();
    appointments.forEach(({ tag, channel: record }, i) => {
      if (record === undefined) return;
      const prefix = tagPrefix(node, tag);
      const key = Buffer.concat([prefix, sha256(record).subarray(0, RECORD_ID_BYTES)]);
      if (writes.has(key.toString('latin1')) || this.channels.get(key) !== undefined) return;
      const tagKey = prefix.toString('latin1');
      const held = perTag.get(tagKey) ?? this.channels.getKeysCount({ start: prefix, end: Buffer.concat([prefix, RECORD_ID_END]) });
      if (held >= MAX_RECORDS_PER_TAG) throw new InvalidInputError(`appointments[${i}].channel`, `a tag holds at most ${MAX_RECORDS_PER_TAG} channel records`);
      perTag.set(tagKey, held + 1);
      writes.set(key.toString('latin1'), { key, value: Buffer.from(record) });
    });
    return [...writes.values()];
  }

  /** An `InvalidInputError` for the first appointment whose tag has no record, stored or in the batch. */
  private checkChannelsFor(node: Buffer, appointments: readonly TowerAppointment[]): void {
    const known = new Set(appointments.flatMap(({ tag, channel }) => (channel ? [Buffer.from(tag).toString('hex')] : [])));
    appointments.forEach(({ tag }, i) => {
      const hex = Buffer.from(tag).toString('hex');
      if (known.has(hex)) return;
      const prefix = tagPrefix(node, tag);
      if (this.channels.getKeysCount({ start: prefix, end: Buffer.concat([prefix, RECORD_ID_END]) }) === 0) {
        throw new InvalidInputError(`appointments[${i}].tag`, 'the tower has no channel record for this tag: send it with the batch');
      }
      known.add(hex);
    });
  }

  usage(nodeId: string): NodeUsage {
    return this.usageOf(nodeIdBytes(nodeId));
  }

  /** Forgets `nodeId`'s appointments with this tag, and the funding outpoint watched for it. Returns how many appointments went. */
  dropTag(nodeId: string, tag: Uint8Array): number {
    const node = nodeIdBytes(nodeId);
    const prefix = Buffer.concat([node, Uint8Array.of(checkTowerTag('tag', tag).length), tag]);
    const { dropped, held, after } = this.root.transactionSync(() => {
      const held = this.usageOf(node);
      let dropped = 0;
      let bytes = 0;
      for (const key of this.byTag.getKeys({ start: prefix, end: Buffer.concat([prefix, LOCATOR_END]) })) {
        const appointmentKey = Buffer.concat([key.subarray(prefix.length), node]);
        const value = this.appointments.get(appointmentKey);
        if (value) {
          bytes += value.length - 1;
          this.appointments.removeSync(appointmentKey);
        }
        this.byTag.removeSync(key);
        dropped++;
      }
      for (const { key, value } of this.channels.getRange({ start: prefix, end: Buffer.concat([prefix, RECORD_ID_END]) })) {
        bytes += value.length;
        this.channels.removeSync(key);
      }
      const watched = this.funding.get(prefix) !== undefined;
      if (watched) this.funding.removeSync(prefix);
      const after = { appointments: held.appointments - dropped, bytes: held.bytes - bytes, watches: held.watches - (watched ? 1 : 0) };
      if (dropped > 0 || watched || bytes > 0) this.setUsage(node, after);
      return { dropped, held, after };
    });
    this.space.moved(node.toString('hex'), held, after);
    return dropped;
  }

  /**
   * The node reveals the funding outpoint of the tag's channel: the tower
   * keeps the tag's appointments until that output is spent and buried, then
   * drops them. Revealing another outpoint for the same tag replaces it.
   */
  watchFunding(nodeId: string, tag: Uint8Array, outpoint: Outpoint): void {
    const node = nodeIdBytes(nodeId);
    checkOutpoint('outpoint', outpoint);
    const key = Buffer.concat([node, Uint8Array.of(checkTowerTag('tag', tag).length), tag]);
    const { held, after } = this.root.transactionSync(() => {
      const held = this.usageOf(node);
      const known = this.funding.get(key) !== undefined;
      if (!known && held.watches + 1 > this.limits.maxWatchesPerNode) {
        throw new TowerQuotaError(nodeId, held, { appointments: 0, bytes: 0, watches: 1 }, this.limits);
      }
      const after = known ? held : { ...held, watches: held.watches + 1 };
      this.space.check(node.toString('hex'), held, after);
      this.funding.putSync(key, encodeFunding(outpoint));
      if (!known) this.setUsage(node, after);
      return { held, after };
    });
    this.space.moved(node.toString('hex'), held, after);
  }

  /** Every funding outpoint watched, with where it was spent if it was. */
  fundingWatches(): FundingWatch[] {
    const watches: FundingWatch[] = [];
    for (const { key, value } of this.funding.getRange({})) {
      const tagLength = key[NODE_ID_LENGTH]!;
      watches.push({
        nodeId: key.subarray(0, NODE_ID_LENGTH).toString('hex'),
        tag: Uint8Array.from(key.subarray(NODE_ID_LENGTH + 1, NODE_ID_LENGTH + 1 + tagLength)),
        ...decodeFunding(value, this.path),
      });
    }
    return watches;
  }

  /** Records where a watched funding output was spent (or, after a reorg, that it no longer is). */
  setFundingSpent(nodeId: string, tag: Uint8Array, spent: FundingSpend | undefined): void {
    const key = Buffer.concat([nodeIdBytes(nodeId), Uint8Array.of(checkTowerTag('tag', tag).length), tag]);
    this.root.transactionSync(() => {
      const value = this.funding.get(key);
      if (!value) return;
      const { outpoint } = decodeFunding(value, this.path);
      this.funding.putSync(key, encodeFunding(outpoint, spent));
    });
  }

  /** Appointments stored, from every node. */
  count(): number {
    return (this.appointments.getStats() as { entryCount: number }).entryCount;
  }

  /**
   * Bytes of the pages holding appointments and their indexes (not the
   * free pages lmdb keeps for reuse, nor the map's reserved size).
   */
  storageBytes(): number {
    let pages = 0;
    let pageSize = 0;
    for (const db of [this.appointments, this.byTag, this.usageByNode, this.funding, this.channels]) {
      const stats = db.getStats() as { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number; pageSize: number };
      pages += stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages;
      pageSize = stats.pageSize;
    }
    return pages * pageSize;
  }

  close(): Promise<void> {
    return this.root.close();
  }

  private usageOf(node: Buffer): NodeUsage {
    const value = this.usageByNode.get(node);
    if (!value) return { appointments: 0, bytes: 0, watches: 0 };
    if (value.length !== 16) throw new AppointmentStoreError(`${this.path}: the usage record of ${node.toString('hex')} is damaged`);
    return { appointments: value.readUInt32BE(0), watches: value.readUInt32BE(4), bytes: value.readDoubleBE(8) };
  }

  private setUsage(node: Buffer, usage: NodeUsage): void {
    if (usage.appointments === 0 && usage.watches === 0) {
      this.usageByNode.removeSync(node);
      return;
    }
    const value = Buffer.alloc(16);
    value.writeUInt32BE(usage.appointments, 0);
    value.writeUInt32BE(usage.watches, 4);
    value.writeDoubleBE(usage.bytes, 8);
    this.usageByNode.putSync(node, value);
  }
}

const EMPTY = Buffer.alloc(0);
const NO_USAGE: NodeUsage = { appointments: 0, bytes: 0, watches: 0 };
/** Above every node id: the end of a locator's key range. */
const NODE_ID_END = Buffer.alloc(NODE_ID_LENGTH + 1, 0xff);
const LOCATOR_END = Buffer.alloc(LOCATOR_LENGTH + 1, 0xff);
const RECORD_ID_END = Buffer.alloc(RECORD_ID_BYTES + 1, 0xff);

function nodeIdBytes(nodeId: string): Buffer {
  return Buffer.from(checkPublicKey('nodeId', checkHex('nodeId', nodeId, NODE_ID_LENGTH)));
}

function tagPrefix(node: Buffer, tag: Uint8Array): Buffer {
  return Buffer.concat([node, Uint8Array.of(tag.length), tag]);
}

function tagIndexKey(node: Buffer, tag: Uint8Array, locator: Uint8Array): Buffer {
  return Buffer.concat([node, Uint8Array.of(tag.length), tag, locator]);
}

function encodeFunding(outpoint: Outpoint, spent?: FundingSpend): Buffer {
  const value = Buffer.alloc(spent ? 72 : 36);
  Buffer.from(outpoint.txid, 'hex').reverse().copy(value, 0);
  value.writeUInt32BE(outpoint.vout, 32);
  if (spent) {
    value.writeUInt32BE(spent.height, 36);
    Buffer.from(spent.blockHash, 'hex').copy(value, 40);
  }
  return value;
}

function decodeFunding(value: Buffer, path: string): { outpoint: Outpoint; spent?: FundingSpend } {
  if (value.length !== 36 && value.length !== 72) throw new AppointmentStoreError(`${path}: a funding watch record is damaged (${value.length} bytes)`);
  const outpoint = { txid: Buffer.from(value.subarray(0, 32)).reverse().toString('hex'), vout: value.readUInt32BE(32) };
  if (value.length === 36) return { outpoint };
  return { outpoint, spent: { height: value.readUInt32BE(36), blockHash: value.subarray(40, 72).toString('hex') } };
}
