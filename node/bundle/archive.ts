/**
 * The last step: the bundle's top folder as a .tar.gz, by the system's GNU
 * tar. Owners are root (the files belong to whoever installs them), modes
 * are normalised (folders and executables 0755, other files 0644) whatever
 * the build machine's umask, and entries are sorted, so the same files give
 * the same listing. Written beside the destination and renamed into place,
 * so a failed build never leaves a truncated archive behind.
 */
import { spawnSync } from 'node:child_process';
import { renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BundleError } from './bundle-error.js';

export function writeArchive(parentDir: string, topName: string, out: string): number {
  const partial = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  const args = ['--create', '--gzip', `--file=${partial}`, `--directory=${parentDir}`, '--owner=0', '--group=0', '--numeric-owner', '--sort=name', '--mode=u+rwX,go=rX'];
  if (process.env.SOURCE_DATE_EPOCH) args.push(`--mtime=@${process.env.SOURCE_DATE_EPOCH}`, '--clamp-mtime');
  const result = spawnSync('tar', [...args, topName], { encoding: 'utf8' });
  try {
    if (result.error) throw new BundleError(`cannot run tar (GNU tar is needed to write the archive): ${result.error.message}`);
    if (result.status !== 0) throw new BundleError(`tar failed writing ${out}: ${result.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    renameSync(partial, out);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return statSync(out).size;
}
