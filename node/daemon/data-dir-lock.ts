/**
 * One daemon per data directory. lmdb lets several processes open one
 * store, so two daemons on one directory would both run the same channels
 * and could sign conflicting states: the daemon takes a lock file first
 * (created exclusively, holding its pid) and refuses to start if a live
 * process holds it. A lock left by a process that died is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/** Creates `dir` (owner only) if needed and locks it for this process. */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let held = true;
      return {
        path,
        release() {
          if (!held) return;
          held = false;
          try {
            if (holderOf(path) === process.pid) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(dir, path, error as NodeJS.ErrnoException);
      const holder = holderOf(path);
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(`${dir} is in use by another lnmesh daemon (pid ${holder}); stop it first, or give this one another dataDir`);
      }
      unlinkSync(path); // stale: its process is gone
    }
  }
}

function lockError(dir: string, path: string, error: NodeJS.ErrnoException): Error {
  if (error.code === 'EEXIST') return new DataDirLockedError(`${dir} is being locked by another process right now (${path}); try again`);
  return new DataDirLockedError(`cannot lock ${dir}: ${error.code ?? error.message}`);
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
