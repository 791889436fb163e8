/**
 * Helpers for the bundle tests: an archive's listing as `tar -tzv` shows
 * it, unpacking it, and the files under a folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export interface ArchiveEntry {
  /** `-rwxr-xr-x`, `drwxr-xr-x`... */
  readonly mode: string;
  readonly owner: string;
  readonly path: string;
}

export function listArchive(archive: string): ArchiveEntry[] {
  const text = execFileSync('tar', ['-tzvf', archive, '--numeric-owner'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const [mode = '', owner = '', , , , ...rest] = line.split(/\s+/);
      return { mode, owner, path: rest.join(' ') };
    });
}

export function unpack(archive: string, into: string): void {
  execFileSync('tar', ['-xzf', archive, '-C', into]);
}

/** Files under a folder, relative to it, with / separators. */
export function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  return files.sort();
}

/**
 * Each dependency of each package in the bundle's node_modules, as Node
 * would resolve it from that package (nearest node_modules first, up to the
 * bundle's top): the ones not found, as `package -> dependency`.
 */
export function unresolvedDependencies(topDir: string): string[] {
  const missing: string[] = [];
  for (const file of filesUnder(join(topDir, 'node_modules'))) {
    if (!file.endsWith('/package.json')) continue;
    const packageDir = join(topDir, 'node_modules', dirname(file));
    const json = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name?: string; dependencies?: Record<string, string> };
    if (!json.name || !packageDir.endsWith(json.name.split('/').join(sep))) continue; // a package.json inside a package, not a package
    for (const dependency of Object.keys(json.dependencies ?? {})) {
      let found = false;
      for (let dir = packageDir; dir.startsWith(topDir); dir = dirname(dir)) {
        if (existsSync(join(dir, 'node_modules', dependency, 'package.json'))) {
          found = true;
          break;
        }
      }
      if (!found) missing.push(`${json.name} -> ${dependency}`);
    }
  }
  return missing;
}
