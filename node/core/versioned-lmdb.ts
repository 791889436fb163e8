/**
 * Opening an lmdb store that keeps the version of its layout under the key
 * `format`, so that a store of another layout is recognised rather than
 * misread. A new store gets this code's version written; an older one the
 * store knows how to upgrade is handed back with the version found (the
 * store rewrites its records, then the version, in one transaction); any
 * other, newer or unknown, is refused with the store's own error type.
 *
 * In the core (it imports nothing of the project) because the stores sit in
 * every layer: the node's persister, the link outbox and seen set of
 * transports/, the gateway's relay and tower.
 */
import { type Key, type RootDatabase, type RootDatabaseOptionsWithPath, open } from 'lmdb';

/** The key of the version record, in every store (an upgrade writes it with its records). */
const FORMAT_KEY = 'format';

/** How a store commits: `syncToDisk` false (the simulator's) skips the wait for the disk; a run never outlives its process. Default true. */
export interface StoreSyncInit {
  readonly syncToDisk?: boolean;
}

export interface StoreFormat {
  /** The store's name in the refusal: `<path>: <name> format <found>, this lnmesh reads format <version>`. */
  readonly name: string;
  /** The layout this code reads and writes. */
  readonly version: number;
  /** Older layouts the store upgrades itself when told it found one; any other version is refused. */
  readonly upgradesFrom?: readonly number[];
  /** The store's own error, so that a caller can tell which store refused. */
  readonly error: new (message: string) => Error;
}

export interface VersionedLmdb<V, K extends Key> {
  readonly db: RootDatabase<V, K>;
  /** The older version found on disk (one of `upgradesFrom`): the store must now upgrade its records and write `version`, in one transaction. Undefined when the store is current. */
  readonly upgradeFrom?: number;
}

/**
 * Opens the store at `options.path` and checks its format. The version is
 * one byte in a store of `encoding: 'binary'` (its values are bytes) and a
 * number in one of lmdb's default encoding, as each store has always kept it.
 */
export function openVersionedLmdb<V = unknown, K extends Key = Key>(options: RootDatabaseOptionsWithPath, format: StoreFormat): VersionedLmdb<V, K> {
  const db = open<V, K>(options);
  const records = db as unknown as RootDatabase<unknown, string>;
  const stored = records.get(FORMAT_KEY);
  if (stored === undefined) {
    records.putSync(FORMAT_KEY, formatValue(options, format.version));
    return { db };
  }
  const found = stored instanceof Uint8Array ? stored[0] : stored;
  if (found === format.version) return { db };
  if (typeof found === 'number' && format.upgradesFrom?.includes(found)) return { db, upgradeFrom: found };
  void db.close(); // nothing was written: the handle only goes, so that a later open starts afresh
  throw new format.error(`${options.path}: ${format.name} format ${String(found)}, this lnmesh reads format ${format.version}`);
}

/** The version record as the store keeps it. */
function formatValue(options: Pick<RootDatabaseOptionsWithPath, 'encoding'>, version: number): Uint8Array | number {
  return options.encoding === 'binary' ? Uint8Array.of(version) : version;
}
