/**
 * The channel manager and the monitors to write beside it, committed
 * together. LDK reads back only a consistent pair: a monitor ahead of its
 * manager force-closes the channel, and a monitor holding a claim that the
 * manager still lists in flight does not read at all. Two files cannot be
 * replaced at once, so the pair goes first into one file,
 * `channel-state-journal`, written whole and durably: that write is the
 * commit. Its files are then written into place and it is removed; a start
 * that finds it (a crash in between) writes its files first.
 *
 * The journal: "LNMJ1", then per file a u16 name length, the name (UTF-8),
 * a u32 length and the bytes, then the SHA-256 of everything before it.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { equalBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { fsyncDirectory, writeFileDurably } from '../../node/core/durable-file.js';
import { CHANNEL_MANAGER_FILE, LightningStoreError } from './channel-manager-store.js';
import { MONITORS_DIR } from './monitor-persister.js';

export const CHANNEL_STATE_JOURNAL = 'channel-state-journal';
const MAGIC = new TextEncoder().encode('LNMJ1');

/** The manager's bytes, and the monitors (by file name under monitors/) that go with it. */
export interface ChannelStateFiles {
  readonly manager: Uint8Array;
  readonly monitors: ReadonlyMap<string, Uint8Array>;
}

/**
 * Writes the manager and `monitors` so that a crash leaves either all of them or none. A manager alone is written
 * directly. `writeFile` is a parameter so that tests can crash it part way.
 */
export function commitChannelState(dataDir: string, files: ChannelStateFiles, writeFile = writeFileDurably): void {
  if (files.monitors.size === 0) {
    writeFile(join(dataDir, CHANNEL_MANAGER_FILE), files.manager);
    return;
  }
  const journal = join(dataDir, CHANNEL_STATE_JOURNAL);
  writeFile(journal, encodeJournal(files));
  writeInPlace(dataDir, files, writeFile);
  rmSync(journal);
  fsyncDirectory(dataDir);
}

/** At a start, before anything is read: the files of a journal left by a crash are written into place. Returns whether there was one. */
export function recoverChannelState(dataDir: string): boolean {
  const journal = join(dataDir, CHANNEL_STATE_JOURNAL);
  if (!existsSync(journal)) return false;
  writeInPlace(dataDir, decodeJournal(readFileSync(journal), journal));
  rmSync(journal);
  fsyncDirectory(dataDir);
  return true;
}

function writeInPlace(dataDir: string, files: ChannelStateFiles, writeFile = writeFileDurably): void {
  for (const [name, bytes] of files.monitors) writeFile(join(dataDir, MONITORS_DIR, name), bytes);
  writeFile(join(dataDir, CHANNEL_MANAGER_FILE), files.manager);
}

export function encodeJournal(files: ChannelStateFiles): Uint8Array {
  const entries: [string, Uint8Array][] = [[CHANNEL_MANAGER_FILE, files.manager], ...files.monitors];
  const parts: Uint8Array[] = [MAGIC];
  for (const [name, bytes] of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const header = new DataView(new ArrayBuffer(2 + nameBytes.length + 4));
    header.setUint16(0, nameBytes.length);
    new Uint8Array(header.buffer).set(nameBytes, 2);
    header.setUint32(2 + nameBytes.length, bytes.length);
    parts.push(new Uint8Array(header.buffer), bytes);
  }
  const body = concatBytes(...parts);
  return concatBytes(body, sha256(body));
}

/** The files of a journal; LightningStoreError for one that is damaged (the node must not start on a guess). */
export function decodeJournal(bytes: Uint8Array, path = CHANNEL_STATE_JOURNAL): ChannelStateFiles {
  const damaged = (why: string) => new LightningStoreError(`the channel state journal ${path} is damaged (${why}); restore the data directory from a backup before starting`);
  if (bytes.length < MAGIC.length + 32) throw damaged('too short');
  const body = bytes.subarray(0, bytes.length - 32);
  if (!equalBytes(sha256(body), bytes.subarray(bytes.length - 32))) throw damaged('checksum');
  if (!equalBytes(body.subarray(0, MAGIC.length), MAGIC)) throw damaged('not a journal');
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const monitors = new Map<string, Uint8Array>();
  let manager: Uint8Array | undefined;
  let at = MAGIC.length;
  while (at < body.length) {
    if (at + 2 > body.length) throw damaged('truncated');
    const nameLength = view.getUint16(at);
    if (at + 2 + nameLength + 4 > body.length) throw damaged('truncated');
    const name = new TextDecoder().decode(body.subarray(at + 2, at + 2 + nameLength));
    const length = view.getUint32(at + 2 + nameLength);
    const start = at + 2 + nameLength + 4;
    if (start + length > body.length) throw damaged('truncated');
    const file = body.slice(start, start + length);
    if (name === CHANNEL_MANAGER_FILE) manager = file;
    else if (/^[0-9a-f]{64}_\d+$/.test(name)) monitors.set(name, file);
    else throw damaged(`unexpected file ${JSON.stringify(name)}`);
    at = start + length;
  }
  if (!manager) throw damaged('no manager');
  return { manager, monitors };
}
