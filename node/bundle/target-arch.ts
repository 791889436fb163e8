/**
 * The machines a device bundle can be built for. Each target names the
 * `process.arch` of Node.js on the device, because that (not the kernel) is
 * what decides which native binaries load: Raspberry Pi OS 32-bit on a Pi 4
 * runs a 64-bit kernel (`uname -m` says aarch64) under an armv7 userland.
 */
import { InvalidInputError } from '../core/input.js';

export type BundleArchName = 'arm64' | 'armv7' | 'x64';

export interface TargetArch {
  readonly name: BundleArchName;
  /** `process.arch` of Node.js on the device, and the suffix of the npm platform packages (`-linux-arm`). */
  readonly nodeArch: 'arm64' | 'arm' | 'x64';
  /** `uname -m` values of machines that can run this bundle (the first one is the usual one). */
  readonly machines: readonly string[];
  /** ELF `e_machine` of its native binaries, and their class (32 or 64 bit). */
  readonly elfMachine: number;
  readonly elfClass: 32 | 64;
  /** For `--help` and the docs. */
  readonly devices: string;
}

export const TARGET_ARCHES: Readonly<Record<BundleArchName, TargetArch>> = {
  arm64: {
    name: 'arm64',
    nodeArch: 'arm64',
    machines: ['aarch64', 'arm64'],
    elfMachine: 0xb7,
    elfClass: 64,
    devices: 'Raspberry Pi 3, 4, 5, Zero 2 W with a 64-bit OS',
  },
  armv7: {
    name: 'armv7',
    nodeArch: 'arm',
    machines: ['armv7l', 'armv8l', 'aarch64'],
    elfMachine: 0x28,
    elfClass: 32,
    devices: 'Raspberry Pi 2 and later with a 32-bit OS (not ARMv6: Pi 1, Zero W)',
  },
  x64: {
    name: 'x64',
    nodeArch: 'x64',
    machines: ['x86_64', 'amd64'],
    elfMachine: 0x3e,
    elfClass: 64,
    devices: 'PCs and x86-64 single-board computers',
  },
};

export function targetArch(name: string): TargetArch {
  if (Object.hasOwn(TARGET_ARCHES, name)) return TARGET_ARCHES[name as BundleArchName];
  throw new InvalidInputError('--arch', `expected one of ${Object.keys(TARGET_ARCHES).join(', ')}, got ${JSON.stringify(name)}`);
}
