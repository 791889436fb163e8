/**
 * The node seed: 32 random bytes from which every key of the node is derived.
 *
 * It lives in a file readable by its owner only (mode 0600), as 64 hex digits.
 * The same 32 bytes can be written down as 24 BIP 39 words for a paper backup.
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { entropyToMnemonic, mnemonicToEntropy, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { bytesToHex } from '../core/hex.js';
import { fsyncDirectory } from '../core/durable-file.js';
import { InvalidInputError, checkBytes, checkHex } from '../core/input.js';
import type { RandomBytes } from '../core/random.js';

export const SEED_LENGTH = 32;

let temporaryCounter = 0;

/** Thrown when a seed file is missing, unsafe or malformed; `path` says which file. */
export class SeedFileError extends Error {
  override name = 'SeedFileError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`seed file ${path}: ${reason}`);
  }
}

export function generateSeed(randomBytes: RandomBytes): Uint8Array {
  const seed = randomBytes(SEED_LENGTH);
  checkBytes('seed', seed, SEED_LENGTH);
  if (seed.every((byte) => byte === 0)) throw new InvalidInputError('seed', 'the random source returned only zeros');
  return seed;
}

/**
 * Writes a new seed file with mode 0600. Never overwrites an existing file:
 * the seed is written to a temporary file, synced, then linked into place,
 * so a crash leaves either no seed file or a complete one.
 */
export function writeSeedFile(path: string, seed: Uint8Array): void {
  checkBytes('seed', seed, SEED_LENGTH);
  const temporary = join(dirname(path), `.seed-${process.pid}-${temporaryCounter++}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    try {
      writeSync(fd, `${bytesToHex(seed)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new SeedFileError(path, 'already exists; refusing to overwrite a seed');
    throw new SeedFileError(path, `cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  } finally {
    unlinkSync(temporary); // never leave a copy of the seed behind
  }
  fsyncDirectory(dirname(path));
}

/** Reads a seed file, refusing one that others can read. */
export function readSeedFile(path: string): Uint8Array {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SeedFileError(path, code === 'ENOENT' ? 'does not exist (create one with `lnmesh seed new`)' : `cannot be read (${code})`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new SeedFileError(path, `is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
  try {
    return checkHex('seed', text.trim(), SEED_LENGTH);
  } catch {
    throw new SeedFileError(path, `expected ${SEED_LENGTH * 2} hex digits`);
  }
}

/** The seed as 24 BIP 39 words (English list). */
export function seedToWords(seed: Uint8Array): string {
  return entropyToMnemonic(checkBytes('seed', seed, SEED_LENGTH), wordlist);
}

/** The seed back from its 24 words; the BIP 39 checksum catches a mistyped word. */
export function seedFromWords(words: string): Uint8Array {
  const normalized = String(words).trim().toLowerCase().split(/\s+/).join(' ');
  if (normalized.split(' ').length !== 24) throw new InvalidInputError('words', 'expected 24 words');
  if (!validateMnemonic(normalized, wordlist)) throw new InvalidInputError('words', 'not a valid BIP 39 phrase (a word is wrong or misspelled)');
  return mnemonicToEntropy(normalized, wordlist);
}
