/**
 * One daemon per data directory. lmdb lets several processes open one
 * store, so two daemons on one directory would both run the same channels
 * and could sign conflicting states: the daemon takes a lock file first and
 * refuses to start if a live process holds it. A lock left by a process that
 * died is taken over.
 *
 * The lock file appears whole (written aside, then hard-linked into place),
 * so a rival never sees it empty; a stale one is moved aside before it is
 * looked at again, so two processes taking over the same stale lock cannot
 * both win.
 *
 * Both daemons start here, so this is also where the directory's
 * permissions are checked (data-dir-permissions.ts), before anything is
 * written in it.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createOwnerOnly, preparePrivateDir } from './data-dir-permissions.js';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

export interface DataDirLock {
  readonly path: string;
  /** The mode the directory had when it was tightened to 0700 (group or others could read it): worth a warning. */
  readonly tightenedFrom?: number;
  release(): void;
}

/** Directories locked by this process: a second lock on one is refused like another process's would be. */
const heldHere = new Set<string>();

/**
 * Creates `dir` (0700) if needed, or checks that no one else can write it
 * (`DataDirPermissionError`), and locks it for this process. From then on
 * the process creates files for their owner only (umask 077), whichever
 * part of the daemon creates them.
 */
export function lockDataDir(dir: string): DataDirLock {
  const { tightenedFrom } = preparePrivateDir(dir);
  createOwnerOnly();
  const path = join(dir, 'lock');
  const key = resolve(path);
  if (heldHere.has(key)) throw new DataDirLockedError(`${dir} is already in use by this process`);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createWhole(path)) {
      heldHere.add(key);
      let held = true;
      return {
        path,
        ...(tightenedFrom !== undefined && { tightenedFrom }),
        release() {
          if (!held) return;
          held = false;
          heldHere.delete(key);
          try {
            if (holderOf(path) === process.pid) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    }
    const holder = holderOf(path);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
      throw new DataDirLockedError(`${dir} is in use by another lnmesh daemon (pid ${holder}); stop it first, or give this one another dataDir`);
    }
    takeOverStale(path, holder);
  }
  throw new DataDirLockedError(`${dir} is being locked by another process right now (${path}); try again`);
}

/** Writes our pid aside and links it into place: false when a lock is there already. */
function createWhole(path: string): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(aside, 'wx', 0o600);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new DataDirLockedError(`cannot lock ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Moves the stale lock (held by `deadHolder`) aside; if what was moved is not
 * that lock (a rival took over first and its fresh lock was moved), it goes
 * back in place.
 */
function takeOverStale(path: string, deadHolder: number | undefined): void {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: try again
  }
  try {
    if (holderOf(aside) !== deadHolder) linkSync(aside, path);
  } catch {
    // a lock is in place again: the next attempt sees it
  } finally {
    unlinkSync(aside);
  }
}

function holderOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A process with this pid exists, and (where /proc tells) it is an lnmesh daemon, not a process that reused the pid after a reboot. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('lnmesh');
  } catch {
    return true; // no /proc: trust the pid
  }
}
