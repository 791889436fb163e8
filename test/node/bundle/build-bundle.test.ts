// The arm64 and armv7 bundles, built here and checked from their archives:
// one top folder, the launcher, unit, installer and example config, every
// native binary an ELF for the target, all four native modules there, no bcoin.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildBundle } from '../../../node/bundle/build-bundle.js';
import { readElfHeader } from '../../../node/bundle/elf.js';
import { TARGET_ARCHES, type TargetArch } from '../../../node/bundle/target-arch.js';
import { nodeConfigTemplate } from '../../../node/config/node-template.js';
import { filesUnder, listArchive, unpack, unresolvedDependencies } from './unpacked-bundle.js';

const VERSION = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version as string;

const dir = mkdtempSync(join(tmpdir(), 'lnmesh-bundle-test-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

for (const arch of [TARGET_ARCHES.arm64, TARGET_ARCHES.armv7]) {
  t.test(`the ${arch.name} bundle`, async (t) => {
    const out = join(dir, `lnmesh-${arch.name}.tar.gz`);
    const steps: string[] = [];
    const built = await buildBundle({ arch, out, onStep: (line) => steps.push(line) });
    const top = `lnmesh-${VERSION}-${arch.name}`;
    t.equal(built.topName, top);
    t.equal(built.bytes, statSync(out).size, 'reports the archive size');
    checkSteps(t, steps, arch);
    checkListing(t, out, top);

    const unpackedDir = join(dir, arch.name);
    mkdirSync(unpackedDir);
    unpack(out, unpackedDir);
    const topDir = join(unpackedDir, top);
    checkNatives(t, topDir, arch);
    checkNoBcoin(t, topDir);
    checkFiles(t, topDir, arch);
    checkInstallerRefusesOtherMachines(t, topDir, arch);
    t.same(unresolvedDependencies(topDir), [], 'every dependency of every shipped package resolves inside the bundle');
  });
}

function checkSteps(t: Test, steps: readonly string[], arch: TargetArch): void {
  t.match(steps[0], /^bundling node\/cli\/lnmesh-device\.ts/, 'the first step is bundling');
  for (const name of ['@lmdb/lmdb', '@msgpackr-extract/msgpackr-extract', '@cbor-extract/cbor-extract']) {
    t.ok(
      steps.some((line) => new RegExp(`^(fetching|using) ${name}-linux-${arch.nodeArch} \\d+\\.\\d+\\.\\d+`).test(line)),
      `a step fetches ${name}-linux-${arch.nodeArch}`,
    );
  }
  t.ok(steps.some((line) => line.startsWith('copying ')), 'a copying step');
  t.match(steps.at(-1), /^writing archive /, 'the last step writes the archive');
}

function checkListing(t: Test, archive: string, top: string): void {
  const entries = listArchive(archive);
  t.ok(
    entries.every((entry) => entry.path === `${top}/` || entry.path.startsWith(`${top}/`)),
    `one top folder, ${top}/`,
  );
  t.ok(entries.every((entry) => entry.owner === '0/0'), 'owned by root');
  const mode = (path: string) => entries.find((entry) => entry.path === `${top}/${path}`)?.mode;
  t.equal(mode('bin/lnmesh'), '-rwxr-xr-x', 'the launcher is executable');
  t.equal(mode('install.sh'), '-rwxr-xr-x', 'the installer is executable');
  for (const file of ['lnmesh.mjs', 'check.mjs', 'lnmesh-node.service', 'node.example.yaml', 'bundle.json', 'README.txt']) {
    t.equal(mode(file), '-rw-r--r--', `${file} is there, mode 0644`);
  }
  t.equal(mode('secp256k1.wasm'), undefined, 'no WebAssembly libsecp256k1: a device signs with noble');
  t.ok(
    entries.filter((entry) => entry.mode.startsWith('d')).every((entry) => entry.mode === 'drwxr-xr-x'),
    'folders are 0755',
  );
}

function checkNatives(t: Test, topDir: string, arch: TargetArch): void {
  const natives = filesUnder(topDir).filter((file) => file.endsWith('.node'));
  const wrong = natives.filter((file) => {
    const header = readElfHeader(join(topDir, file));
    return header?.machine !== arch.elfMachine || header.elfClass !== arch.elfClass;
  });
  t.same(wrong, [], `all ${natives.length} .node files are ${arch.elfClass}-bit ELF for e_machine 0x${arch.elfMachine.toString(16)}`);
  const expected = [
    `node_modules/@lmdb/lmdb-linux-${arch.nodeArch}/`,
    `node_modules/@msgpackr-extract/msgpackr-extract-linux-${arch.nodeArch}/`,
    `node_modules/@cbor-extract/cbor-extract-linux-${arch.nodeArch}/`,
    `node_modules/@serialport/bindings-cpp/prebuilds/linux-${arch.nodeArch}/`,
  ];
  for (const prefix of expected) t.ok(natives.some((file) => file.startsWith(prefix) && file.includes('glibc')), `a glibc binary in ${prefix}`);
  t.same(
    filesUnder(join(topDir, 'node_modules/@serialport/bindings-cpp/prebuilds')).filter((file) => !file.startsWith(`linux-${arch.nodeArch}/`)),
    [],
    "only the target's serialport prebuilds",
  );
  t.ok(natives.every((file) => !file.includes('/build/')), 'no local compile (build/)');
  if (arch.nodeArch === 'arm') {
    t.ok(natives.some((file) => /armv7\.glibc\.node$/.test(file)), 'the armv7 serialport binary for a Raspberry Pi');
  }
}

function checkNoBcoin(t: Test, topDir: string): void {
  const files = filesUnder(topDir);
  t.notOk(files.some((file) => /(^|\/)node_modules\/(bcoin|bcrypto|bdb)\//.test(file)), 'no bcoin in node_modules');
  // The code is minified (no module path comments): the build itself refuses bcoin and sim/ by esbuild's
  // metafile (clean-graph.test.ts); here, no trace of bcoin in any chunk, and the device's entry is the main.
  const code = files.filter((file) => /^lnmesh[^/]*\.mjs$/.test(file)).map((file) => readFileSync(join(topDir, file), 'utf8'));
  t.ok(code.length > 1, 'lnmesh.mjs and its chunks');
  t.notOk(code.some((text) => /bcoin/i.test(text)), 'no bcoin code inlined in lnmesh.mjs or its chunks');
  t.match(readFileSync(join(topDir, 'lnmesh.mjs'), 'utf8'), 'Lightning payment channels for mesh networks: the mesh device.', "the device's entry point is");
}

function checkFiles(t: Test, topDir: string, arch: TargetArch): void {
  const read = (file: string) => readFileSync(join(topDir, file), 'utf8');
  t.equal(read('node.example.yaml'), nodeConfigTemplate({ dataDir: '/var/lib/lnmesh/node' }), 'the example config is the init template');

  const unit = read('lnmesh-node.service');
  for (const line of [
    'User=lnmesh',
    'ExecStart=/opt/lnmesh/bin/lnmesh node --config /etc/lnmesh/node.yaml',
    'Restart=on-failure',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'SupplementaryGroups=dialout',
    'ProtectSystem=strict',
    'ReadWritePaths=/var/lib/lnmesh',
    'StateDirectory=lnmesh',
    'WantedBy=multi-user.target',
  ]) {
    t.match(unit, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'), `the unit has ${line}`);
  }
  t.notMatch(unit, /^PrivateDevices=yes/m, 'no PrivateDevices: the serial ports stay visible');

  const install = read('install.sh');
  t.match(install, `NODE_ARCH='${arch.nodeArch}'`, 'install.sh knows the target');
  t.notMatch(install, /@[A-Z_]+@/, 'no placeholder left in install.sh');
  t.notMatch(read('README.txt'), /@[A-Z_]+@/, 'no placeholder left in README.txt');
  for (const script of ['install.sh', 'bin/lnmesh']) {
    const syntax = spawnSync('sh', ['-n', join(topDir, script)], { encoding: 'utf8' });
    t.equal(syntax.status, 0, `sh -n ${script}: ${syntax.stderr}`);
  }

  const manifest = JSON.parse(read('bundle.json')) as { version: string; arch: string; platform: string; node: { abi: number }; files: { path: string; size: number; sha256: string }[] };
  t.equal(manifest.version, VERSION);
  t.equal(manifest.arch, arch.name);
  t.equal(manifest.platform, `linux-${arch.nodeArch}`);
  t.equal(manifest.node.abi, 115, "Node 20's ABI");
  t.same(
    manifest.files.map((file) => file.path),
    filesUnder(topDir).filter((file) => file !== 'bundle.json'),
    'bundle.json lists every other file',
  );
  const mismatched = manifest.files.filter((file) => {
    const bytes = readFileSync(join(topDir, file.path));
    return bytes.length !== file.size || createHash('sha256').update(bytes).digest('hex') !== file.sha256;
  });
  t.same(mismatched, [], 'with the right size and sha256');
}

/** install.sh on a machine, or under a Node.js, of another architecture: refused before anything is written. */
function checkInstallerRefusesOtherMachines(t: Test, topDir: string, arch: TargetArch): void {
  const fakeBin = join(dir, `fake-bin-${arch.name}`);
  mkdirSync(fakeBin);
  const fake = (name: string, script: string) => {
    writeFileSync(join(fakeBin, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(fakeBin, name), 0o755);
  };
  const dest = join(dir, `dest-${arch.name}`);
  const install = (machine: string, nodeArch: string, destdir = dest) => {
    fake('uname', `echo ${machine}`);
    fake('node', `case "$1" in --version) echo v20.19.0 ;; -p) echo ${nodeArch} ;; esac`);
    const result = spawnSync('sh', [join(topDir, 'install.sh')], { encoding: 'utf8', env: { PATH: `${fakeBin}:/usr/bin:/bin`, DESTDIR: destdir } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const x86 = install('x86_64', 'x64');
  t.equal(x86.status, 1, 'refused on x86_64');
  t.match(x86.stderr, `install.sh: this bundle is for ${arch.name}, but this machine is x86_64`);
  const armv6 = install('armv6l', 'arm');
  t.match(armv6.stderr, /ARMv6 machine \(Raspberry Pi 1 or Zero W\)/, 'refused on ARMv6');
  // A Raspberry Pi 4 with the 32-bit OS: a 64-bit kernel (aarch64) under 32-bit programs.
  if (arch.nodeArch === 'arm64') {
    const pi4With32BitOs = install('aarch64', 'arm');
    t.equal(pi4With32BitOs.status, 1, 'refused under a 32-bit Node.js on a 64-bit kernel');
    t.match(pi4With32BitOs.stderr, /this Node\.js is built for arm: use the armv7 bundle \(lnmesh bundle --arch armv7\)/);
  }
  t.notOk(existsSync(dest), 'nothing written');
  if (arch.nodeArch === 'arm') {
    const pi4With32BitOs = install('aarch64', 'arm', join(dir, 'dest-pi4'));
    t.match(pi4With32BitOs.stdout, /^install\.sh: Node\.js v20\.19\.0 \(arm\) on aarch64$/m, 'accepted under a 32-bit Node.js on a 64-bit kernel');
  }
}
