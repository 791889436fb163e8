/**
 * Reads the ELF header of a native binary (a `.node` file), so that a bundle
 * never ships a binary its device cannot load: a wrong-arch `.node` fails only
 * on the device, at the first `require`, far from the build machine.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { BundleError } from './bundle-error.js';
import type { TargetArch } from './target-arch.js';

export interface ElfHeader {
  /** 32 or 64 bit (EI_CLASS). */
  readonly elfClass: 32 | 64;
  readonly littleEndian: boolean;
  /** e_machine: 0x3E x86-64, 0xB7 AArch64, 0x28 ARM. */
  readonly machine: number;
}

const MACHINE_NAMES: Readonly<Record<number, string>> = { 0x03: 'x86', 0x28: 'ARM', 0x3e: 'x86-64', 0xb7: 'AArch64' };

export function elfMachineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine 0x${machine.toString(16).padStart(2, '0')}`;
}

/** The header of ELF bytes (at least the first 20), or undefined when they are not ELF. */
export function parseElfHeader(bytes: Uint8Array): ElfHeader | undefined {
  if (bytes.length < 20 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return undefined;
  const elfClass = bytes[4] === 1 ? 32 : bytes[4] === 2 ? 64 : undefined;
  const littleEndian = bytes[5] === 1 ? true : bytes[5] === 2 ? false : undefined;
  if (elfClass === undefined || littleEndian === undefined) return undefined;
  const machine = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(18, littleEndian);
  return { elfClass, littleEndian, machine };
}

/** The ELF header of a file, or undefined when it is not ELF. */
export function readElfHeader(path: string): ElfHeader | undefined {
  const bytes = new Uint8Array(20);
  const fd = openSync(path, 'r');
  try {
    const read = readSync(fd, bytes, 0, bytes.length, 0);
    return parseElfHeader(bytes.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

/** Throws a BundleError unless the file is a little-endian ELF binary for the target's machine. */
export function checkElfFor(path: string, arch: TargetArch): ElfHeader {
  const header = readElfHeader(path);
  if (!header) throw new BundleError(`${path} is not an ELF binary: it cannot be a native module for linux-${arch.nodeArch}`);
  const expected = `${arch.elfClass}-bit ${elfMachineName(arch.elfMachine)}`;
  const found = `${header.elfClass}-bit ${elfMachineName(header.machine)}`;
  if (header.machine !== arch.elfMachine || header.elfClass !== arch.elfClass || !header.littleEndian) {
    throw new BundleError(`${path} is a ${found}${header.littleEndian ? '' : ' big-endian'} binary, not ${expected}: the ${arch.name} bundle cannot ship it`);
  }
  return header;
}
