// The ELF check every shipped `.node` file passes: headers read right, a wrong machine or class refused.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError } from '../../../node/bundle/bundle-error.js';
import { checkElfFor, elfMachineName, parseElfHeader, readElfHeader } from '../../../node/bundle/elf.js';
import { TARGET_ARCHES, targetArch } from '../../../node/bundle/target-arch.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { ROOT } from '../cli/run-cli.js';

/** The first 20 bytes of an ELF file header, as a linker writes them. */
function elfBytes(elfClass: 1 | 2, machine: number, littleEndian = true): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, elfClass, littleEndian ? 1 : 2, 1]);
  new DataView(bytes.buffer).setUint16(16, 3, littleEndian); // ET_DYN
  new DataView(bytes.buffer).setUint16(18, machine, littleEndian);
  return bytes;
}

const dir = mkdtempSync(join(tmpdir(), 'lnmesh-elf-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('parseElfHeader reads class, byte order and machine', async (t) => {
  t.same(parseElfHeader(elfBytes(2, 0xb7)), { elfClass: 64, littleEndian: true, machine: 0xb7 });
  t.same(parseElfHeader(elfBytes(1, 0x28)), { elfClass: 32, littleEndian: true, machine: 0x28 });
  t.same(parseElfHeader(elfBytes(2, 0x3e)), { elfClass: 64, littleEndian: true, machine: 0x3e });
  t.same(parseElfHeader(elfBytes(2, 0x15, false)), { elfClass: 64, littleEndian: false, machine: 0x15 }, 'big-endian e_machine');
  t.equal(parseElfHeader(new TextEncoder().encode('#!/bin/sh\necho not a binary\n')), undefined, 'a script is not ELF');
  t.equal(parseElfHeader(elfBytes(2, 0x3e).subarray(0, 10)), undefined, 'too short');
  t.equal(elfMachineName(0xb7), 'AArch64');
  t.equal(elfMachineName(0x99), 'machine 0x99');
});

t.test('checkElfFor accepts the right machine and refuses others, naming both', async (t) => {
  const cases: [string, Uint8Array][] = [
    ['x64.node', elfBytes(2, 0x3e)],
    ['arm64.node', elfBytes(2, 0xb7)],
    ['arm.node', elfBytes(1, 0x28)],
  ];
  for (const [name, bytes] of cases) writeFileSync(join(dir, name), bytes);
  t.equal(checkElfFor(join(dir, 'x64.node'), TARGET_ARCHES.x64).machine, 0x3e);
  t.equal(checkElfFor(join(dir, 'arm64.node'), TARGET_ARCHES.arm64).machine, 0xb7);
  t.equal(checkElfFor(join(dir, 'arm.node'), TARGET_ARCHES.armv7).machine, 0x28);
  t.throws(() => checkElfFor(join(dir, 'x64.node'), TARGET_ARCHES.arm64), { name: 'BundleError', message: /x64\.node is a 64-bit x86-64 binary, not 64-bit AArch64/ });
  t.throws(() => checkElfFor(join(dir, 'arm64.node'), TARGET_ARCHES.armv7), { message: /64-bit AArch64 binary, not 32-bit ARM/ });
  writeFileSync(join(dir, 'arm-64bit-class.node'), elfBytes(2, 0x28));
  t.throws(() => checkElfFor(join(dir, 'arm-64bit-class.node'), TARGET_ARCHES.armv7), { message: /64-bit ARM binary, not 32-bit ARM/ }, 'the class counts too');
  writeFileSync(join(dir, 'text.node'), 'not a binary at all, but long enough');
  t.throws(() => checkElfFor(join(dir, 'text.node'), TARGET_ARCHES.x64), BundleError);
});

const hostMachine = ({ x64: 0x3e, arm64: 0xb7, arm: 0x28 } as Record<string, number>)[process.arch];
const notLinux = process.platform !== 'linux' || hostMachine === undefined ? `not a Linux x64/arm64/arm machine (${process.platform}-${process.arch})` : false;
t.test("the build machine's own lmdb binary reads as an ELF for this machine", { skip: notLinux }, async (t) => {
  const header = readElfHeader(join(ROOT, `node_modules/@lmdb/lmdb-linux-${process.arch}/node.napi.glibc.node`));
  t.equal(header?.machine, hostMachine);
});

t.test('targetArch knows the three targets and refuses others', async (t) => {
  t.equal(targetArch('armv7').nodeArch, 'arm');
  t.equal(targetArch('arm64').nodeArch, 'arm64');
  t.equal(targetArch('x64').nodeArch, 'x64');
  t.throws(() => targetArch('armv6'), InvalidInputError);
  t.throws(() => targetArch('constructor'), InvalidInputError, 'not fooled by Object.prototype');
});
