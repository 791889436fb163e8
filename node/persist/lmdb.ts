/**
 * The default `Persister`: lmdb, a memory-mapped B-tree whose transactions
 * are atomic and, with its default sync mode, durable once committed.
 * Records are CBOR (our own data, written by us; peers' bytes never reach this decoder).
 */
import { Encoder } from 'cbor-x';
import { type RootDatabase, open } from 'lmdb';
import type { ChannelRecord, Persister, RecordKind, RecordOf, RecordStore, RecordWrite } from './persister.js';

const CHANNEL_PREFIX = 'channel/';
/** Bumped when the record layout changes, so an old store is recognised rather than misread. */
const FORMAT_VERSION = 1;

/** Thrown when the store on disk cannot be used: another format, or damaged records. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export class LmdbPersister implements Persister, RecordStore {
  private readonly db: RootDatabase<Uint8Array, string>;
  private readonly codec = new Encoder({ useRecords: false, mapsAsObjects: true });
  /** Bytes written since the store was opened (for the benchmark of bytes per payment). */
  bytesWritten = 0;

  constructor(readonly path: string) {
    this.db = open<Uint8Array, string>({ path, encoding: 'binary', compression: false });
    const version = this.db.get('format');
    if (version === undefined) this.db.putSync('format', Uint8Array.of(FORMAT_VERSION));
    else if (version[0] !== FORMAT_VERSION) throw new StoreError(`${path}: store format ${version[0]}, this lnmesh reads format ${FORMAT_VERSION}`);
  }

  saveChannel(id: string, record: ChannelRecord): void {
    const bytes = this.codec.encode(record) as Uint8Array;
    this.bytesWritten += bytes.length;
    this.db.putSync(CHANNEL_PREFIX + id, bytes);
  }

  loadChannels(): Map<string, ChannelRecord> {
    const channels = new Map<string, ChannelRecord>();
    for (const { key, value } of this.db.getRange({ start: CHANNEL_PREFIX, end: `${CHANNEL_PREFIX}\uffff` })) {
      try {
        channels.set(key.slice(CHANNEL_PREFIX.length), this.codec.decode(value) as ChannelRecord);
      } catch (error) {
        throw new StoreError(`${this.path}: the record of ${key} cannot be read (${(error as Error).message})`);
      }
    }
    return channels;
  }

  put<K extends RecordKind>(kind: K, id: string, value: RecordOf[K]): void {
    const bytes = this.codec.encode(value) as Uint8Array;
    this.bytesWritten += bytes.length;
    this.db.putSync(`${kind}/${id}`, bytes);
  }

  getAll<K extends RecordKind>(kind: K): Map<string, RecordOf[K]> {
    const records = new Map<string, RecordOf[K]>();
    for (const { key, value } of this.db.getRange({ start: `${kind}/`, end: `${kind}/\uffff` })) {
      try {
        records.set(key.slice(kind.length + 1), this.codec.decode(value) as RecordOf[K]);
      } catch (error) {
        throw new StoreError(`${this.path}: the record ${key} cannot be read (${(error as Error).message})`);
      }
    }
    return records;
  }

  remove(kind: RecordKind, id: string): void {
    this.db.removeSync(`${kind}/${id}`);
  }

  get<K extends RecordKind>(kind: K, id: string): RecordOf[K] | undefined {
    const bytes = this.db.get(`${kind}/${id}`);
    if (bytes === undefined) return undefined;
    try {
      return this.codec.decode(bytes) as RecordOf[K];
    } catch (error) {
      throw new StoreError(`${this.path}: the record ${kind}/${id} cannot be read (${(error as Error).message})`);
    }
  }

  /** One lmdb transaction, committed with a sync to disk: all the writes or none survive a crash. */
  write(writes: readonly RecordWrite[]): void {
    const encoded = writes.map(({ kind, id, value }) => ({ key: `${kind}/${id}`, bytes: value === undefined ? undefined : (this.codec.encode(value) as Uint8Array) }));
    this.db.transactionSync(() => {
      for (const { key, bytes } of encoded) {
        if (bytes === undefined) this.db.remove(key);
        else {
          this.bytesWritten += bytes.length;
          this.db.put(key, bytes);
        }
      }
    });
  }

  deleteChannel(id: string): void {
    this.db.removeSync(CHANNEL_PREFIX + id);
  }

  close(): void {
    this.db.close();
  }
}
