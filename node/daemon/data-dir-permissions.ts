/**
 * A daemon's data directory belongs to its owner alone. It holds the seed,
 * the channel states (with the secrets that let the other side be punished
 * for a breach), the lock and the control socket: whoever can write the
 * directory can replace any of them (a store with an old channel state, a
 * socket of their own that collects the commands), and whoever can read it
 * can read the channels.
 *
 * So the directory is created 0700; an existing one that group or others can
 * write is refused, since what they may already have put there cannot be
 * undone by a chmod; one they can only read or enter is tightened to 0700,
 * as nothing in it can have been changed by them and `mkdir` makes exactly
 * such directories (0755 under the usual umask 022). Files created inside
 * are owner-only: the daemons create them under a umask of 077.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';

/** The mode of a data directory: its owner reads, writes and enters it, no one else. */
export const DATA_DIR_MODE = 0o700;

/** Group and others: no bit for them on anything a daemon creates (files 0600, directories 0700). */
export const OWNER_ONLY_UMASK = 0o077;

/** Group or others may write here. */
const WRITABLE_BY_OTHERS = 0o022;

/** The data directory cannot be used safely as it is; the message says what to run. */
export class DataDirPermissionError extends Error {
  override name = 'DataDirPermissionError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** What `preparePrivateDir` did, for the caller to tell the user. */
export interface PrivateDirOutcome {
  /** The directory did not exist and was made (0700). */
  readonly created: boolean;
  /** The mode the directory had when it was tightened to 0700 (group or others could read or enter it). */
  readonly tightenedFrom?: number;
}

/**
 * Makes `dir` (and missing parents) 0700, or checks an existing one: refused
 * if it is not a directory, is another user's, or group or others can write
 * it; tightened to 0700 if they can only read or enter it.
 */
export function preparePrivateDir(dir: string): PrivateDirOutcome {
  let created: boolean;
  try {
    created = mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE }) !== undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new DataDirPermissionError(dir, 'is not a directory');
    throw error; // ENOTDIR, EACCES: the system's message names the path
  }
  if (process.platform === 'win32') return { created }; // no POSIX modes to check
  const stats = statSync(dir);
  if (!stats.isDirectory()) throw new DataDirPermissionError(dir, 'is not a directory');
  const mode = stats.mode & 0o7777;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new DataDirPermissionError(dir, `belongs to user ${stats.uid}, not to the user running lnmesh (${uid}): its owner could read or replace the stores. Use a directory of your own, or chown it to yourself (chown ${uid} ${dir})`);
  }
  if ((mode & WRITABLE_BY_OTHERS) !== 0) {
    throw new DataDirPermissionError(
      dir,
      `mode ${octal(mode)}: group or others can write it, so they could replace the stores, the lock or the control socket in it. Check that nothing in it is someone else's, then run chmod 700 ${dir}`,
    );
  }
  if ((mode & 0o777) === DATA_DIR_MODE) return { created };
  chmodSync(dir, (mode & ~0o777) | DATA_DIR_MODE);
  return { created, tightenedFrom: mode };
}

/**
 * From now on this process creates files and directories for its owner only
 * (umask 077, added to the bits already masked): the stores that every part
 * of a daemon opens in its data directory, lmdb's lock files among them.
 * Process-wide and kept: a daemon's process creates nothing for others.
 */
export function createOwnerOnly(): void {
  const previous = process.umask(OWNER_ONLY_UMASK); // umask() without an argument, to read it, is deprecated
  process.umask(previous | OWNER_ONLY_UMASK);
}

/** `0755`, as chmod and ls write it. */
export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}
