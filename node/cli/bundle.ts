/** `lnmesh bundle --arch A --out FILE`: builds the self-contained archive a mesh device installs. */
import { type Command, Option } from 'commander';
import { buildBundle, formatSize } from '../bundle/build-bundle.js';
import { TARGET_ARCHES, targetArch } from '../bundle/target-arch.js';

interface BundleOptions {
  arch: string;
  out: string;
  cache?: string;
}

export function registerBundleCommand(program: Command): void {
  const arches = Object.values(TARGET_ARCHES);
  program
    .command('bundle')
    .summary('build the archive a mesh device installs (nothing is downloaded on the device)')
    .description(
      [
        'Builds, here, everything a mesh device needs to run the node, in one',
        'archive, so that nothing is downloaded on the device:',
        '',
        '  lnmesh-<version>-<arch>/',
        '    bin/lnmesh           the launcher: checks for Node.js 20 or later',
        "    lnmesh.mjs           the device's lnmesh in one file: its verbs only",
        '                         (no gateway, no simulator, no bcoin)',
        '    check.mjs            lnmesh check alone: names a native module that',
        '                         cannot load on the device',
        '    secp256k1.wasm       libsecp256k1, loaded by lnmesh.mjs',
        '    node_modules/        the modules with native code (lmdb, serialport,',
        '                         cbor-extract, msgpackr-extract) with the prebuilt',
        "                         binaries of their npm packages for the target,",
        '                         each checked to be an ELF binary for it',
        '    install.sh           run as root on the device: user lnmesh,',
        '                         /opt/lnmesh, the config and the seed (lnmesh init',
        '                         node), the systemd unit (enabled, not started)',
        '    lnmesh-node.service  the systemd unit',
        '    node.example.yaml    a commented node config',
        '    bundle.json          version, target, size and sha256 of every file',
        '    README.txt',
        '',
        'Targets:',
        ...arches.map((arch) => `  ${arch.name.padEnd(6)} ${arch.devices}`),
        '',
        'Binaries for other machines than this one are fetched with npm pack (the',
        'npm registry is needed once; they are cached, and checked against',
        'package-lock.json). The guide, from flashing a Raspberry Pi to the first',
        'start: node/bundle/README.md',
        '',
        'Example:',
        '  lnmesh bundle --arch arm64 --out lnmesh-arm64.tar.gz',
      ].join('\n'),
    )
    .addOption(new Option('--arch <arch>', 'the target device').choices(arches.map((arch) => arch.name)).makeOptionMandatory())
    .requiredOption('--out <file>', 'the archive to write (.tar.gz)')
    .option('--cache <dir>', 'where packages fetched from npm are kept (default: node_modules/.cache/lnmesh-bundle)')
    .action(async (options: BundleOptions) => {
      const built = await buildBundle({
        arch: targetArch(options.arch),
        out: options.out,
        ...(options.cache !== undefined && { cacheDir: options.cache }),
        onStep: (line) => console.error(line),
      });
      console.log(`wrote ${built.out} (${formatSize(built.bytes)}): ${built.topName}/, ${built.binaries.length} native binaries for linux-${targetArch(options.arch).nodeArch}`);
    });
}
