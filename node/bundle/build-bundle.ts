/**
 * `lnmesh bundle`: everything a mesh device needs, built on a developer
 * machine into one .tar.gz with one top folder, `lnmesh-<version>-<arch>/`,
 * so that nothing is downloaded on the device. The steps, each in its own
 * file: the code (bundle-code.ts), its native modules for the target
 * (native-modules.ts), the launcher, installer, unit and example config
 * (device-files.ts), the manifest (manifest.ts), the archive (archive.ts).
 */
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InvalidInputError } from '../core/input.js';
import { writeArchive } from './archive.js';
import { DEVICE_ENTRY, bundleDeviceCode } from './bundle-code.js';
import { writeDeviceFiles } from './device-files.js';
import { elfMachineName } from './elf.js';
import { MANIFEST, writeManifest } from './manifest.js';
import { type NativeBinary, type ShippedPackage, copyNativeModules, planNativeModules } from './native-modules.js';
import { lnmeshProject } from './project-root.js';
import { defaultCacheDir } from './registry-packages.js';
import type { TargetArch } from './target-arch.js';

export interface BuildBundleOptions {
  readonly arch: TargetArch;
  /** The archive to write (.tar.gz or .tgz); its folder must exist. */
  readonly out: string;
  /** Where tarballs fetched from the npm registry are kept (default: node_modules/.cache/lnmesh-bundle). */
  readonly cacheDir?: string;
  /** Told one line per step. */
  readonly onStep?: (line: string) => void;
  /** Another entry point than the device's (relative to the project), for tests. */
  readonly entry?: string;
}

export interface BuiltBundle {
  readonly out: string;
  /** The archive's size in bytes. */
  readonly bytes: number;
  /** `lnmesh-<version>-<arch>`, the archive's one top folder. */
  readonly topName: string;
  readonly packages: readonly ShippedPackage[];
  readonly binaries: readonly NativeBinary[];
}

export async function buildBundle(options: BuildBundleOptions): Promise<BuiltBundle> {
  const out = checkOutPath(options.out);
  const onStep = options.onStep ?? (() => {});
  const { root, version } = lnmeshProject();
  const { arch } = options;
  const topName = `lnmesh-${version}-${arch.name}`;
  const staging = mkdtempSync(join(tmpdir(), 'lnmesh-bundle-'));
  try {
    const topDir = join(staging, topName);
    mkdirSync(topDir);

    const entry = options.entry ?? DEVICE_ENTRY;
    onStep(`bundling ${entry} for Node.js 20 (esbuild)`);
    const code = await bundleDeviceCode({ root, outDir: topDir, entry });
    for (const warning of code.warnings) onStep(`  esbuild warning: ${warning}`);
    onStep(`  ${code.inputCount} source files into lnmesh.mjs (${formatSize(code.bytes)})`);

    const workDir = join(staging, 'registry');
    const packages = planNativeModules(root, arch, { cacheDir: options.cacheDir ?? defaultCacheDir(root), workDir, onStep });
    onStep(`copying ${packages.length} packages into node_modules`);
    const binaries = copyNativeModules(packages, topDir, arch);
    onStep(`  ${binaries.length} native binaries, all ${arch.elfClass}-bit ${elfMachineName(arch.elfMachine)} (linux-${arch.nodeArch})`);
    rmSync(workDir, { recursive: true, force: true });

    const written = writeDeviceFiles(root, topDir, arch, version);
    onStep(`writing ${[...written, MANIFEST].join(', ')}`);
    writeManifest(topDir, { version, arch, packages, binaries });

    onStep(`writing archive ${out}`);
    const bytes = writeArchive(staging, topName, out);
    return { out, bytes, topName, packages, binaries };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The archive's path, absolute, once it is known to be writable: checked before the long steps. */
export function checkOutPath(out: string): string {
  if (!/\.(tar\.gz|tgz)$/.test(out)) throw new InvalidInputError('--out', `expected a file name ending in .tar.gz, got ${JSON.stringify(out)}`);
  const path = resolve(out);
  const folder = dirname(path);
  let folderStat;
  try {
    folderStat = statSync(folder);
  } catch {
    throw new InvalidInputError('--out', `cannot write ${path}: the folder ${folder} does not exist`);
  }
  if (!folderStat.isDirectory()) throw new InvalidInputError('--out', `cannot write ${path}: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new InvalidInputError('--out', `cannot write ${path}: no permission to write in ${folder}`);
  }
  try {
    if (statSync(path).isDirectory()) throw new InvalidInputError('--out', `cannot write ${path}: it is a folder`);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
  }
  return path;
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.ceil(bytes / 1024)} kB`;
}
