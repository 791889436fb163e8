/**
 * Where the bridge keeps its records: one small file per payment under the
 * gateway's data directory, each replaced whole or not at all across a crash
 * (`writeFileDurably`). A handful of payments are open at once; a file each
 * keeps a half-written one from touching the others.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirectory, writeFileDurably } from '../../node/core/durable-file.js';
import type { BridgeRecord } from './bridge-record.js';

export interface BridgeStore {
  /** Every record, as last written. */
  all(): BridgeRecord[];
  /** Writes `record` durably before returning. */
  put(record: BridgeRecord): void;
  remove(record: BridgeRecord): void;
  /** The payment hashes each node left for invoices issued while it is away (hex), by node id. */
  leftHashes(): Map<string, string[]>;
  /** Writes what `node` has left durably before returning (none: the entry goes). */
  putLeftHashes(node: string, hashes: readonly string[]): void;
}

/** The file of a node's left hashes (the node id checked: nothing else reaches the file system). */
function leftFileName(node: string): string {
  if (!/^[0-9a-f]{66}$/.test(node)) throw new Error(`a node id must be 66 hex digits, got ${JSON.stringify(node)}`);
  return `left-${node}.json`;
}

/** A record's file name: its direction and payment hash (both checked: nothing else reaches the file system). */
function fileName(record: Pick<BridgeRecord, 'kind' | 'paymentHash'>): string {
  if (!/^[0-9a-f]{64}$/.test(record.paymentHash)) throw new Error(`a bridge record's payment hash must be 64 hex digits, got ${JSON.stringify(record.paymentHash)}`);
  return `${record.kind}-${record.paymentHash}.json`;
}

export class FileBridgeStore implements BridgeStore {
  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  all(): BridgeRecord[] {
    return readdirSync(this.directory)
      .filter((name) => /^(in|out)-[0-9a-f]{64}\.json$/.test(name))
      .map((name) => JSON.parse(readFileSync(join(this.directory, name), 'utf8')) as BridgeRecord);
  }

  put(record: BridgeRecord): void {
    writeFileDurably(join(this.directory, fileName(record)), new TextEncoder().encode(JSON.stringify(record)));
  }

  remove(record: BridgeRecord): void {
    rmSync(join(this.directory, fileName(record)), { force: true });
    fsyncDirectory(this.directory);
  }

  leftHashes(): Map<string, string[]> {
    const left = new Map<string, string[]>();
    for (const name of readdirSync(this.directory)) {
      const match = /^left-([0-9a-f]{66})\.json$/.exec(name);
      if (match) left.set(match[1]!, JSON.parse(readFileSync(join(this.directory, name), 'utf8')) as string[]);
    }
    return left;
  }

  putLeftHashes(node: string, hashes: readonly string[]): void {
    const path = join(this.directory, leftFileName(node));
    if (hashes.length > 0) return writeFileDurably(path, new TextEncoder().encode(JSON.stringify(hashes)));
    rmSync(path, { force: true });
    fsyncDirectory(this.directory);
  }
}

/** Records in memory only: for the simulator, and tests that restart nothing. */
export class MemoryBridgeStore implements BridgeStore {
  private readonly records = new Map<string, BridgeRecord>();
  all(): BridgeRecord[] {
    return [...this.records.values()];
  }
  put(record: BridgeRecord): void {
    this.records.set(fileName(record), structuredClone(record));
  }
  remove(record: BridgeRecord): void {
    this.records.delete(fileName(record));
  }
  private readonly left = new Map<string, string[]>();
  leftHashes(): Map<string, string[]> {
    return new Map([...this.left].map(([node, hashes]) => [node, [...hashes]]));
  }
  putLeftHashes(node: string, hashes: readonly string[]): void {
    leftFileName(node);
    if (hashes.length > 0) this.left.set(node, [...hashes]);
    else this.left.delete(node);
  }
}
