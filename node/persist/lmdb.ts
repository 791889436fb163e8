/**
 * The default `Persister`: lmdb, a memory-mapped B-tree whose transactions
 * are atomic and, with its default sync mode, durable once committed.
 * Records are CBOR (our own data, written by us; peers' bytes never reach this decoder).
 *
 * A channel is kept in parts (node/persist/channel-parts.ts) and a save
 * writes only the parts whose bytes changed since the last one, all in one
 * transaction: a payment writes its new commitments, the one message it
 * adds to the outbox and the secret it learnt, not the whole channel.
 */
import { Encoder } from 'cbor-x';
import { mkdirSync } from 'node:fs';
import type { RootDatabase, RootDatabaseOptionsWithPath } from 'lmdb';
import { equalBytes } from '@noble/curves/utils.js';
import { openVersionedLmdb } from '../core/versioned-lmdb.js';
import { numberOutbox, numbered, outPart, partsOf, recordOf } from './channel-parts.js';
import { NOT_PLAIN, copyOfPlainData, samePlainData } from './plain-data.js';
import type { ChannelRecord, Persister, RecordKind, RecordOf, RecordStore, RecordWrite } from './persister.js';

/** Format 1 kept each channel whole under `channel/<id>`; format 2 keeps its parts under `chan/<id>#<part>`. */
const FORMAT_VERSION = 2;
const WHOLE_CHANNEL_PREFIX = 'channel/';
const PART_PREFIX = 'chan/';
const PART_SEPARATOR = '#';

/**
 * The store holds channel states and the secrets that punish a breach:
 * its folder and files are for their owner only, whatever the umask.
 */
const STORE_DIR_MODE = 0o700;
const STORE_FILE_MODE = 0o600;

/** Thrown when the store on disk cannot be used: another format, or damaged records. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export class LmdbPersister implements Persister, RecordStore {
  private readonly db: RootDatabase<Uint8Array, string>;
  private readonly codec = new Encoder({ useRecords: false, mapsAsObjects: true });
  /** The bytes of every channel part as the store holds them, by channel id, then part name. */
  private readonly written = new Map<string, Map<string, Uint8Array>>();
  /** Copies of the values those bytes encode, where this store wrote them (same keys; outbox messages by their bytes' part name too). */
  private readonly writtenValues = new Map<string, Map<string, unknown>>();
  /** Inside `transaction`: writes join it instead of committing on their own. */
  private inTransaction = false;
  /** Bytes written since the store was opened (for the benchmark of bytes per payment). */
  bytesWritten = 0;

  constructor(readonly path: string) {
    // lmdb makes the folder with the umask's mode (0755 under the usual 022): made first, owner-only.
    mkdirSync(path, { recursive: true, mode: STORE_DIR_MODE });
    // permissionsMode (the mode of data.mdb and lock.mdb, 0664 by default) is in lmdb's native options but not its types.
    const options: RootDatabaseOptionsWithPath & { permissionsMode: number } = { path, encoding: 'binary', compression: false, permissionsMode: STORE_FILE_MODE };
    const { db, upgradeFrom } = openVersionedLmdb<Uint8Array, string>(options, { name: 'store', version: FORMAT_VERSION, upgradesFrom: [1], error: StoreError });
    this.db = db;
    if (upgradeFrom === 1) this.upgradeFromWholeChannels();
  }

  /** Runs `work` in one lmdb transaction, committed (and synced) once when it ends, even if it throws. */
  transaction<T>(work: () => T): T {
    if (this.inTransaction) return work();
    let result: { value: T } | { error: unknown } = { error: new Error('the transaction did not run') };
    this.inTransaction = true;
    try {
      this.db.transactionSync(() => {
        try {
          result = { value: work() }; // kept, not returned: lmdb would hold the transaction open on a returned promise
        } catch (error) {
          result = { error };
        }
      });
    } catch (error) {
      this.written.clear(); // the commit failed: what the saves inside remembered writing is not on disk
      this.writtenValues.clear();
      throw error;
    } finally {
      this.inTransaction = false;
    }
    const outcome = result as { value: T } | { error: unknown }; // assigned in the callback, which TypeScript does not follow
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  saveChannel(id: string, record: ChannelRecord): void {
    if (id.includes(PART_SEPARATOR)) throw new StoreError(`a channel id must not contain "${PART_SEPARATOR}": ${id}`);
    const before = this.written.get(id) ?? this.readParts(id);
    const values = new Encodings(this.codec, before, this.writtenValues.get(id));
    const after = new Map<string, Uint8Array>();
    const { parts, outbox } = partsOf(record);
    for (const [name, value] of parts) after.set(name, values.encode(name, value));
    const previousOutbox = numbered(before, 'out.').map(([number, bytes]) => ({ number, bytes: bytes as Uint8Array }));
    const encodedOutbox = outbox.map((message) => values.encodeMessage(message, previousOutbox));
    for (const { number, bytes } of numberOutbox(previousOutbox, encodedOutbox)) after.set(outPart(number), bytes);
    this.inOneTransaction(() => {
      for (const [name, bytes] of after) {
        const old = before.get(name);
        if (old && equalBytes(old, bytes)) continue;
        this.bytesWritten += bytes.length;
        this.db.put(partKey(id, name), bytes);
      }
      for (const name of before.keys()) if (!after.has(name)) this.db.remove(partKey(id, name));
    });
    this.written.set(id, after);
    this.writtenValues.set(id, values.of(after));
  }

  loadChannels(): Map<string, ChannelRecord> {
    const partsById = new Map<string, Map<string, Uint8Array>>();
    for (const { key, value } of this.db.getRange({ start: PART_PREFIX, end: `${PART_PREFIX}\uffff` })) {
      const separator = key.lastIndexOf(PART_SEPARATOR);
      const id = key.slice(PART_PREFIX.length, separator);
      if (!partsById.has(id)) partsById.set(id, new Map());
      partsById.get(id)!.set(key.slice(separator + 1), Uint8Array.from(value));
    }
    const channels = new Map<string, ChannelRecord>();
    for (const [id, parts] of partsById) {
      channels.set(id, this.decodeChannel(id, parts));
      this.written.set(id, parts);
      this.writtenValues.delete(id); // the bytes on disk, with no value known for them
    }
    return channels;
  }

  deleteChannel(id: string): void {
    const parts = this.written.get(id) ?? this.readParts(id);
    this.inOneTransaction(() => {
      for (const name of parts.keys()) this.db.remove(partKey(id, name));
    });
    this.written.delete(id);
    this.writtenValues.delete(id);
  }

  put<K extends RecordKind>(kind: K, id: string, value: RecordOf[K]): void {
    const bytes = this.codec.encode(value) as Uint8Array;
    this.bytesWritten += bytes.length;
    this.inOneTransaction(() => {
      this.db.put(`${kind}/${id}`, bytes);
    });
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
    this.inOneTransaction(() => {
      this.db.remove(`${kind}/${id}`);
    });
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
    this.inOneTransaction(() => {
      for (const { key, bytes } of encoded) {
        if (bytes === undefined) this.db.remove(key);
        else {
          this.bytesWritten += bytes.length;
          this.db.put(key, bytes);
        }
      }
    });
  }

  close(): void {
    this.db.close();
  }

  /**
   * The writes of `work` as one durable transaction, or as part of the one
   * under way. `work` returns nothing: lmdb keeps a transaction open until a
   * returned promise settles, and `put` returns one.
   */
  private inOneTransaction(work: () => void): void {
    if (this.inTransaction) work();
    else
      this.db.transactionSync(() => {
        work();
      });
  }

  private readParts(id: string): Map<string, Uint8Array> {
    const prefix = partKey(id, '');
    const parts = new Map<string, Uint8Array>();
    for (const { key, value } of this.db.getRange({ start: prefix, end: `${prefix}\uffff` })) parts.set(key.slice(prefix.length), Uint8Array.from(value));
    return parts;
  }

  private decodeChannel(id: string, parts: ReadonlyMap<string, Uint8Array>): ChannelRecord {
    try {
      return recordOf(new Map([...parts].map(([name, bytes]) => [name, this.codec.decode(bytes)])));
    } catch (error) {
      throw new StoreError(`${this.path}: the record of channel ${id} cannot be read (${(error as Error).message})`);
    }
  }

  /** Format 1 to 2, in one transaction: each whole channel record becomes its parts. */
  private upgradeFromWholeChannels(): void {
    const whole = new Map<string, ChannelRecord>();
    for (const { key, value } of this.db.getRange({ start: WHOLE_CHANNEL_PREFIX, end: `${WHOLE_CHANNEL_PREFIX}\uffff` })) {
      try {
        whole.set(key.slice(WHOLE_CHANNEL_PREFIX.length), this.codec.decode(value) as ChannelRecord);
      } catch (error) {
        throw new StoreError(`${this.path}: the record of ${key} cannot be read (${(error as Error).message})`);
      }
    }
    this.transaction(() => {
      for (const [id, record] of whole) {
        this.saveChannel(id, record);
        this.db.remove(WHOLE_CHANNEL_PREFIX + id);
      }
      this.db.put('format', Uint8Array.of(FORMAT_VERSION)); // a binary store's version is one byte
    });
  }
}

const partKey = (id: string, part: string): string => `${PART_PREFIX}${id}${PART_SEPARATOR}${part}`;

/**
 * The encodings of one save: a part (or an outbox message) equal to the value
 * last written under its name keeps the bytes written then, without being
 * encoded again (the `fixed` part, keys and all, costs more to encode than
 * every other part together, and never changes).
 */
class Encodings {
  private readonly values = new Map<Uint8Array, unknown>();

  constructor(
    private readonly codec: Encoder,
    private readonly before: ReadonlyMap<string, Uint8Array>,
    private readonly beforeValues: ReadonlyMap<string, unknown> | undefined,
  ) {}

  encode(name: string, value: unknown): Uint8Array {
    const bytes = this.before.get(name);
    if (bytes && this.sameAsWritten(name, value)) return this.keep(bytes, this.beforeValues!.get(name));
    return this.keep(this.codec.encode(value) as Uint8Array, copyOfPlainData(value));
  }

  /** An outbox message: the same as one written before (they move along the outbox), or encoded. */
  encodeMessage(message: unknown, previous: readonly { number: number; bytes: Uint8Array }[]): Uint8Array {
    for (const { number, bytes } of previous) if (this.sameAsWritten(outPart(number), message)) return this.keep(bytes, this.beforeValues!.get(outPart(number)));
    return this.keep(this.codec.encode(message) as Uint8Array, copyOfPlainData(message));
  }

  /** The values of the parts saved, by part name, for the next save to compare with. */
  of(parts: ReadonlyMap<string, Uint8Array>): Map<string, unknown> {
    const values = new Map<string, unknown>();
    for (const [name, bytes] of parts) if (this.values.has(bytes)) values.set(name, this.values.get(bytes));
    return values;
  }

  private sameAsWritten(name: string, value: unknown): boolean {
    const written = this.beforeValues?.get(name);
    return written !== undefined && written !== NOT_PLAIN && samePlainData(value, written);
  }

  private keep(bytes: Uint8Array, value: unknown): Uint8Array {
    if (value !== NOT_PLAIN) this.values.set(bytes, value);
    return bytes;
  }
}
