/**
 * Packages the build machine has not installed (the native binaries for the
 * other architectures: npm installs only the host's), fetched with `npm pack`
 * from the registry npm is configured with, checked against the integrity
 * recorded in package-lock.json, and kept in a cache so that the next build
 * needs no network.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BundleError } from './bundle-error.js';

export interface PackageSpec {
  readonly name: string;
  readonly version: string;
}

export interface RegistryOptions {
  /** The lnmesh source tree (for package-lock.json). */
  readonly root: string;
  /** Where fetched tarballs are kept. */
  readonly cacheDir: string;
  /** A folder for this build's unpacked packages. */
  readonly workDir: string;
  readonly onStep: (line: string) => void;
}

/** The default cache: inside node_modules, so it goes with the install it belongs to. */
export function defaultCacheDir(root: string): string {
  return join(root, 'node_modules', '.cache', 'lnmesh-bundle');
}

/** Fetches (or takes from the cache) and unpacks each package; returns the unpacked folder of each, by `name@version`. */
export function fetchRegistryPackages(specs: readonly PackageSpec[], options: RegistryOptions): Map<string, string> {
  const cacheDir = resolve(options.cacheDir);
  mkdirSync(cacheDir, { recursive: true });
  const missing = specs.filter((spec) => !existsSync(tarballPath(cacheDir, spec)));
  for (const spec of specs) {
    options.onStep(`fetching ${spec.name} ${spec.version}${missing.includes(spec) ? ' from the npm registry' : ' (cached)'}`);
  }
  if (missing.length > 0) npmPack(missing, cacheDir);
  const lockedPackages = readLockedPackages(options.root);
  const unpacked = new Map<string, string>();
  for (const spec of specs) {
    const tarball = tarballPath(cacheDir, spec);
    checkIntegrity(lockedPackages, spec, tarball);
    const dir = join(options.workDir, cacheKey(spec));
    unpack(tarball, dir);
    unpacked.set(`${spec.name}@${spec.version}`, dir);
  }
  return unpacked;
}

function cacheKey(spec: PackageSpec): string {
  return `${spec.name.replace('/', '+')}@${spec.version}`;
}

function tarballPath(cacheDir: string, spec: PackageSpec): string {
  return join(cacheDir, `${cacheKey(spec)}.tgz`);
}

/** One `npm pack` for all of them, into a fresh folder, then each tarball renamed into the cache (so a half-written one is never taken). */
function npmPack(specs: readonly PackageSpec[], cacheDir: string): void {
  const incoming = mkdtempSync(join(cacheDir, '.incoming-'));
  try {
    const names = specs.map((spec) => `${spec.name}@${spec.version}`);
    const result = spawnSync('npm', ['pack', ...names, '--json', '--ignore-scripts', '--pack-destination', incoming], { encoding: 'utf8', cwd: incoming, timeout: 300_000 });
    if (result.error) throw new BundleError(`cannot run npm pack: ${result.error.message}`);
    if (result.status !== 0) {
      // With --json, npm reports its error as JSON on standard output too.
      let reason = `exit status ${result.status ?? result.signal}`;
      try {
        reason = (JSON.parse(result.stdout) as { error: { summary: string } }).error.summary;
      } catch {
        // not JSON: the exit status will do
      }
      throw new BundleError(`npm pack ${names.join(' ')} failed (the npm registry is needed to fetch them once): ${reason}`);
    }
    const packed = JSON.parse(result.stdout) as { name: string; version: string; filename: string }[];
    for (const spec of specs) {
      const entry = packed.find((item) => item.name === spec.name && item.version === spec.version);
      if (!entry) throw new BundleError(`npm pack did not return ${spec.name}@${spec.version}`);
      renameSync(join(incoming, entry.filename), tarballPath(cacheDir, spec));
    }
  } finally {
    rmSync(incoming, { recursive: true, force: true });
  }
}

type LockedPackages = Record<string, { version?: string; integrity?: string }>;

/** The `packages` of package-lock.json: each installed (or, for other platforms, installable) package, by path. */
function readLockedPackages(root: string): LockedPackages {
  const path = join(root, 'package-lock.json');
  if (!existsSync(path)) return {};
  return (JSON.parse(readFileSync(path, 'utf8')) as { packages?: LockedPackages }).packages ?? {};
}

/** The tarball must match the integrity package-lock.json records for that name and version; one it does not record is refused (fail closed). */
function checkIntegrity(lockedPackages: LockedPackages, spec: PackageSpec, tarball: string): void {
  const locked = Object.entries(lockedPackages).find(([key, value]) => (key === `node_modules/${spec.name}` || key.endsWith(`/node_modules/${spec.name}`)) && value.version === spec.version);
  const integrity = locked?.[1].integrity;
  if (!integrity?.startsWith('sha512-')) throw new BundleError(`package-lock.json records no sha512 integrity for ${spec.name}@${spec.version}: its binaries cannot be checked (run npm install to record it)`);
  const actual = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (actual !== integrity) {
    throw new BundleError(`${tarball} does not match the integrity package-lock.json records for ${spec.name}@${spec.version}: delete it and build again`);
  }
}

function unpack(tarball: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const result = spawnSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', '--no-same-owner'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new BundleError(`cannot unpack ${tarball}: ${result.error?.message ?? result.stderr.trim()}; delete it and build again`);
  }
}
