/**
 * Step two of the device bundle: the node_modules folder lnmesh.mjs loads its
 * native packages from. It holds the external packages, their runtime
 * dependencies (`dependencies`, and the `optionalDependencies` that are
 * installed or are the target's platform package), and nothing else; each
 * at the version the project resolves, laid out so that Node's resolution
 * finds the same version on the device.
 *
 * Platform packages (`@lmdb/lmdb-linux-arm64`: a native binary per
 * platform, of which npm installs only the build machine's) are taken for
 * the target: from node_modules when the build machine is the target, else
 * from the npm registry (registry-packages.ts).
 */
import { cpSync, existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { BundleError } from './bundle-error.js';
import { checkElfFor } from './elf.js';
import { EXTERNAL_PACKAGES } from './external-packages.js';
import { type PackageSpec, type RegistryOptions, fetchRegistryPackages } from './registry-packages.js';
import type { TargetArch } from './target-arch.js';

export interface ShippedPackage {
  readonly name: string;
  readonly version: string;
  /** Where it goes in the bundle, e.g. `node_modules/cbor-extract/node_modules/node-gyp-build-optional-packages`. */
  readonly path: string;
  /** Its files: in the project's node_modules, or unpacked from the registry. */
  readonly sourceDir: string;
  readonly from: 'installed' | 'registry';
}

export interface NativeBinary {
  /** Relative to the bundle's top folder. */
  readonly path: string;
  readonly packageName: string;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

const PLATFORM_PACKAGE = /(^|[-/])(aix|android|darwin|freebsd|linux|netbsd|openbsd|sunos|win32)-/;

/** The packages to ship for the target, in the order they were laid out. */
export function planNativeModules(root: string, arch: TargetArch, registry: Omit<RegistryOptions, 'root'>): ShippedPackage[] {
  const shipped = new Map<string, ShippedPackage>();
  const queue: { readonly pkg: ShippedPackage; readonly resolveFrom: string }[] = [];
  const pendingRegistry: { readonly spec: PackageSpec; readonly parentPath: string; readonly resolveFrom: string }[] = [];

  const place = (spec: PackageSpec, parentPath: string, source: Pick<ShippedPackage, 'sourceDir' | 'from'>, resolveFrom: string): void => {
    const path = placement(shipped, spec, parentPath);
    if (path === undefined) return;
    const pkg: ShippedPackage = { name: spec.name, version: spec.version, path, ...source };
    shipped.set(path, pkg);
    queue.push({ pkg, resolveFrom: source.from === 'installed' ? source.sourceDir : resolveFrom });
  };

  for (const external of EXTERNAL_PACKAGES) {
    let from = root;
    for (const name of [...external.via, external.name]) from = findInstalled(name, from, `${[...external.via, external.name].join(' -> ')}`);
    const json = readPackageJson(from);
    place(json, '', { sourceDir: from, from: 'installed' }, from);
  }

  while (queue.length > 0 || pendingRegistry.length > 0) {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const json = readPackageJson(item.pkg.sourceDir);
      for (const name of Object.keys(json.dependencies ?? {})) {
        const dir = findInstalled(name, item.resolveFrom, `${item.pkg.name} -> ${name}`);
        place(readPackageJson(dir), item.pkg.path, { sourceDir: dir, from: 'installed' }, dir);
      }
      for (const [name, range] of Object.entries(json.optionalDependencies ?? {})) {
        if (PLATFORM_PACKAGE.test(name)) {
          if (!isPlatformPackageFor(name, arch)) continue;
          const version = exactVersion(name, range, item.pkg.name);
          const installed = tryFindInstalled(name, item.resolveFrom);
          if (installed && readPackageJson(installed).version === version) {
            registry.onStep(`using ${name} ${version} (installed)`);
            place({ name, version }, item.pkg.path, { sourceDir: installed, from: 'installed' }, installed);
          } else {
            pendingRegistry.push({ spec: { name, version }, parentPath: item.pkg.path, resolveFrom: item.resolveFrom });
          }
        } else {
          const installed = tryFindInstalled(name, item.resolveFrom);
          if (installed) place(readPackageJson(installed), item.pkg.path, { sourceDir: installed, from: 'installed' }, installed);
        }
      }
    }
    if (pendingRegistry.length > 0) {
      const batch = pendingRegistry.splice(0);
      const unique = [...new Map(batch.map(({ spec }) => [`${spec.name}@${spec.version}`, spec])).values()];
      const unpacked = fetchRegistryPackages(unique, { ...registry, root });
      for (const { spec, parentPath, resolveFrom } of batch) {
        place(spec, parentPath, { sourceDir: unpacked.get(`${spec.name}@${spec.version}`) as string, from: 'registry' }, resolveFrom);
      }
    }
  }
  return [...shipped.values()];
}

/**
 * Where a dependency of the package at parentPath goes: nowhere if Node
 * would already find the same version from there, beside its parent if it
 * would find another version, else at the top (shared by all).
 */
function placement(shipped: ReadonlyMap<string, ShippedPackage>, spec: PackageSpec, parentPath: string): string | undefined {
  const lookups = lookupFolders(parentPath);
  for (const folder of lookups) {
    const existing = shipped.get(`${folder}/${spec.name}`);
    if (!existing) continue;
    if (existing.version === spec.version) return undefined;
    const nested = `${lookups[0]}/${spec.name}`;
    if (shipped.has(nested)) throw new BundleError(`two versions of ${spec.name} are wanted at ${nested}`);
    return nested;
  }
  return `node_modules/${spec.name}`;
}

/** The node_modules folders Node searches from a package at `path` (relative to the bundle), nearest first; '' is lnmesh.mjs itself. */
function lookupFolders(path: string): string[] {
  const folders: string[] = [];
  for (let current = path; current !== ''; ) {
    folders.push(`${current}/node_modules`);
    const cut = current.lastIndexOf('/node_modules/');
    current = cut === -1 ? '' : current.slice(0, cut);
  }
  folders.push('node_modules');
  return folders;
}

function isPlatformPackageFor(name: string, arch: TargetArch): boolean {
  return new RegExp(`(^|[-/])linux-${arch.nodeArch}$`).test(name);
}

function exactVersion(name: string, range: string, parent: string): string {
  if (/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range)) return range;
  throw new BundleError(`${parent} asks for ${name}@${range}: platform packages must be pinned to one version`);
}

/** Node's search for a package from a folder: its node_modules, then each parent's. */
function tryFindInstalled(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

function findInstalled(name: string, fromDir: string, chain: string): string {
  const dir = tryFindInstalled(name, fromDir);
  if (!dir) throw new BundleError(`${name} is not installed (needed by ${chain}): run npm ci`);
  return dir;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/**
 * Copies each package into the bundle's top folder, without what the device
 * cannot use: the package's own node_modules (laid out separately), a
 * `build/` folder (a compile for the build machine, which Node would prefer
 * over the prebuilt binaries), and the prebuilt binaries of other platforms.
 * Then checks that every `.node` file is an ELF binary for the target and
 * that each external package has one.
 */
export function copyNativeModules(packages: readonly ShippedPackage[], topDir: string, arch: TargetArch): NativeBinary[] {
  for (const pkg of packages) {
    cpSync(pkg.sourceDir, join(topDir, pkg.path), {
      recursive: true,
      dereference: true,
      filter: (source) => keep(relative(pkg.sourceDir, source).split(sep), arch),
    });
  }
  const binaries: NativeBinary[] = [];
  for (const pkg of packages) {
    for (const file of listFiles(join(topDir, pkg.path), (name) => name !== 'node_modules')) {
      if (!file.endsWith('.node')) continue;
      checkElfFor(file, arch);
      binaries.push({ path: relative(topDir, file).split(sep).join('/'), packageName: pkg.name });
    }
  }
  for (const external of EXTERNAL_PACKAGES) {
    const platformPackage = `${external.name.startsWith('@') ? '' : `@${external.name}/`}${external.name}-linux-${arch.nodeArch}`;
    if (!binaries.some((binary) => binary.packageName === external.name || binary.packageName === platformPackage)) {
      throw new BundleError(`no native binary of ${external.name} for linux-${arch.nodeArch} would be in the bundle (neither in its prebuilds nor in ${platformPackage})`);
    }
  }
  return binaries;
}

function keep(parts: readonly string[], arch: TargetArch): boolean {
  const [first, second] = parts;
  if (first === 'node_modules' || first === 'build') return false;
  if (first === 'prebuilds' && second !== undefined) {
    const [platform, archs] = second.split('-');
    return platform === 'linux' && (archs ?? '').split('+').includes(arch.nodeArch);
  }
  return true;
}

/** Every file under a folder, descending only into folders that pass the filter. */
export function listFiles(dir: string, descend: (name: string) => boolean = () => true): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (descend(entry.name)) files.push(...listFiles(path, descend));
    } else {
      files.push(path);
    }
  }
  return files;
}
