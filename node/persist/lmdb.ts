/**
 * The default `Persister`: lmdb, a memory-mapped B-tree whose transactions
 * are atomic and, with its default sync mode, durable once committed.
 * Records are CBOR (our own data, written by us; peers' bytes never reach this decoder).
 */
import { Encoder } from 'cbor-x';
import { type RootDatabase, open } from 'lmdb';
import type { ChannelRecord, Invoice, Persister } from './persister.js';

const CHANNEL_PREFIX = 'channel/';
/** Bumped when the record layout changes, so an old store is recognised rather than misread. */
const FORMAT_VERSION = 1;

/** Thrown when the store on disk cannot be used: another format, or damaged records. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export class LmdbPersister implements Persister {
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

  saveInvoice(paymentHash: string, invoice: Invoice): void {
    this.db.putSync(`invoice/${paymentHash}`, this.codec.encode(invoice) as Uint8Array);
  }

  loadInvoices(): Map<string, Invoice> {
    const invoices = new Map<string, Invoice>();
    for (const { key, value } of this.db.getRange({ start: 'invoice/', end: 'invoice/\uffff' })) {
      invoices.set(key.slice('invoice/'.length), this.codec.decode(value) as Invoice);
    }
    return invoices;
  }

  deleteInvoice(paymentHash: string): void {
    this.db.removeSync(`invoice/${paymentHash}`);
  }

  saveCounter(name: string, value: number): void {
    this.db.putSync(`counter/${name}`, this.codec.encode(value) as Uint8Array);
  }

  loadCounter(name: string): number | undefined {
    const bytes = this.db.get(`counter/${name}`);
    if (bytes === undefined) return undefined;
    const value = this.codec.decode(bytes);
    if (typeof value !== 'number') throw new StoreError(`${this.path}: counter ${name} is not a number`);
    return value;
  }

  deleteChannel(id: string): void {
    this.db.removeSync(CHANNEL_PREFIX + id);
  }

  close(): void {
    this.db.close();
  }
}
