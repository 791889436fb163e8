/**
 * bundle.json: what a bundle is (version, target, the Node.js it expects,
 * where each native module came from) and every file in it with its size
 * and sha256, so an operator can check a copy on the device
 * (`sha256sum`), and a later build can be compared with this one.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { listFiles, type NativeBinary, type ShippedPackage } from './native-modules.js';
import type { TargetArch } from './target-arch.js';

export const MANIFEST = 'bundle.json';

/** Node 20's NODE_MODULE_VERSION: the ABI of the `node.abi115.*` binaries; the N-API ones serve later versions. */
export const NODE_20_ABI = 115;

export interface ManifestInput {
  readonly version: string;
  readonly arch: TargetArch;
  readonly packages: readonly ShippedPackage[];
  readonly binaries: readonly NativeBinary[];
}

export function writeManifest(topDir: string, input: ManifestInput): void {
  const files = listFiles(topDir)
    .map((path) => relative(topDir, path).split(sep).join('/'))
    .filter((path) => path !== MANIFEST)
    .sort()
    .map((path) => {
      const full = join(topDir, path);
      return { path, size: statSync(full).size, sha256: createHash('sha256').update(readFileSync(full)).digest('hex') };
    });
  const manifest = {
    name: 'lnmesh',
    version: input.version,
    arch: input.arch.name,
    platform: `linux-${input.arch.nodeArch}`,
    machines: input.arch.machines,
    node: { version: '>=20', abi: NODE_20_ABI, napi: true },
    builtAt: new Date().toISOString(),
    packages: input.packages.map((pkg) => ({ name: pkg.name, version: pkg.version, path: pkg.path, from: pkg.from })),
    nativeBinaries: input.binaries.map((binary) => binary.path),
    files,
  };
  writeFileSync(join(topDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
}
