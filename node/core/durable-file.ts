/**
 * A file replaced whole or not at all, across a crash: written to a
 * temporary beside it, fsynced, renamed over it, and the directory fsynced
 * so the rename itself survives. What LDK's monitors need (a monitor half
 * written is a channel whose funds cannot be claimed), and the gateway's other records.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let temporaryCounter = 0;

/** Writes `bytes` at `path` durably (creating its directory), replacing what was there. */
export function writeFileDurably(path: string, bytes: Uint8Array): void {
  const directory = dirname(path);
  mkdirSync(directory, { recursive: true });
  const temporary = join(directory, `.${basename(path)}.${process.pid}-${temporaryCounter++}.tmp`);
  try {
    const fd = openSync(temporary, 'w', 0o600);
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  fsyncDirectory(directory);
}

/** Makes a rename or unlink in `directory` durable. */
export function fsyncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
