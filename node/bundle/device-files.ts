/**
 * Step three of the device bundle: the files around the program. The
 * launcher, installer, systemd unit and README are kept as plain files in
 * node/bundle/device/ (readable, and checkable with `sh -n`); their
 * `@NAME@` placeholders are filled in for the target here. The example
 * config is the very text `lnmesh init node` writes.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeConfigTemplate } from '../config/node-template.js';
import { BundleError } from './bundle-error.js';
import type { TargetArch } from './target-arch.js';

/** The data folder the installed node uses, as the example config and install.sh say. */
export const DEVICE_DATA_DIR = '/var/lib/lnmesh/node';

const FILES: readonly { readonly template: string; readonly path: string; readonly mode: number }[] = [
  { template: 'lnmesh', path: 'bin/lnmesh', mode: 0o755 },
  { template: 'install.sh', path: 'install.sh', mode: 0o755 },
  { template: 'lnmesh-node.service', path: 'lnmesh-node.service', mode: 0o644 },
  { template: 'README.txt', path: 'README.txt', mode: 0o644 },
];

export function writeDeviceFiles(root: string, topDir: string, arch: TargetArch, version: string): string[] {
  const values: Record<string, string> = {
    VERSION: version,
    ARCH: arch.name,
    NODE_ARCH: arch.nodeArch,
    MACHINES: arch.machines.join(' | '),
    DEVICES: arch.devices,
  };
  const written: string[] = [];
  for (const file of FILES) {
    const text = readFileSync(join(root, 'node', 'bundle', 'device', file.template), 'utf8').replace(/@([A-Z_]+)@/g, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) throw new BundleError(`node/bundle/device/${file.template}: unknown placeholder ${whole}`);
      return value;
    });
    write(join(topDir, file.path), text, file.mode);
    written.push(file.path);
  }
  write(join(topDir, 'node.example.yaml'), nodeConfigTemplate({ dataDir: DEVICE_DATA_DIR }), 0o644);
  written.push('node.example.yaml');
  return written;
}

function write(path: string, text: string, mode: number): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
}
