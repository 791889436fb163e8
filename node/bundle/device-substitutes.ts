/**
 * Modules the device bundle swaps for others at build time: where the
 * device runs the same interface on a part that suits it better. The full
 * CLI, the gateway and the simulator keep the originals.
 *
 * - the portable secp256k1 backend: noble's JavaScript instead of the
 *   WebAssembly libsecp256k1, which holds about 5 MB more resident for as
 *   long as the node runs, and which `--jitless` (bin/lnmesh) turns off
 *   (node/core/secp256k1-portable.ts);
 * - the package readable-stream, a copy of Node's streams that mqtt and bl
 *   each bundle: Node's own (readable-stream-native.ts);
 * - the index of bitcoinjs-lib, which loads its PSBT, payments and
 *   addresses: the three modules the node uses (bitcoinjs-device.ts).
 */
import { join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/** From the project root: a project module, and the one the device bundle has in its place. */
export const DEVICE_SUBSTITUTES: readonly { readonly module: string; readonly replacement: string }[] = [
  { module: 'node/core/secp256k1-portable.ts', replacement: 'node/core/secp256k1-portable-device.ts' },
];

/** A package (imported by its bare name), and the project module the device bundle has in its place. */
export const DEVICE_PACKAGE_SUBSTITUTES: readonly { readonly packageName: string; readonly replacement: string }[] = [
  { packageName: 'readable-stream', replacement: 'node/bundle/readable-stream-native.ts' },
  { packageName: 'bitcoinjs-lib', replacement: 'node/bundle/bitcoinjs-device.ts' },
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** An esbuild plugin resolving each substituted module (imported as `./name.js`, as TypeScript sources do) or package to its replacement. */
export function deviceSubstitutes(root: string): Plugin {
  const byPath = new Map(DEVICE_SUBSTITUTES.map(({ module, replacement }) => [resolve(root, module), resolve(root, replacement)]));
  const names = DEVICE_SUBSTITUTES.map(({ module }) => escape(module.slice(module.lastIndexOf('/') + 1, -'.ts'.length)));
  return {
    name: 'lnmesh-device-substitutes',
    setup(build) {
      build.onResolve({ filter: new RegExp(`/(${names.join('|')})\\.js$`) }, (args) => {
        const replacement = byPath.get(join(args.resolveDir, args.path).replace(/\.js$/, '.ts'));
        return replacement === undefined ? undefined : { path: replacement };
      });
      for (const { packageName, replacement } of DEVICE_PACKAGE_SUBSTITUTES) {
        build.onResolve({ filter: new RegExp(`^${escape(packageName)}$`) }, () => ({ path: resolve(root, replacement) }));
      }
    },
  };
}
