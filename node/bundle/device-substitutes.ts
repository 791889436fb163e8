/**
 * Modules the device bundle swaps for others at build time: where the
 * device runs the same interface on a part that suits it better. Today one:
 * the portable secp256k1 backend, noble's JavaScript instead of the
 * WebAssembly libsecp256k1, which holds about 5 MB more resident for as long
 * as the node runs (node/core/secp256k1-portable.ts). The full CLI, the
 * gateway and the simulator keep the original.
 */
import { join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/** From the project root: the module, and the one the device bundle has in its place. */
export const DEVICE_SUBSTITUTES: readonly { readonly module: string; readonly replacement: string }[] = [
  { module: 'node/core/secp256k1-portable.ts', replacement: 'node/core/secp256k1-portable-device.ts' },
];

/** An esbuild plugin resolving each substituted module (imported as `./name.js`, as TypeScript sources do) to its replacement. */
export function deviceSubstitutes(root: string): Plugin {
  const byPath = new Map(DEVICE_SUBSTITUTES.map(({ module, replacement }) => [resolve(root, module), resolve(root, replacement)]));
  const names = DEVICE_SUBSTITUTES.map(({ module }) => module.slice(module.lastIndexOf('/') + 1, -'.ts'.length).replace(/[.-]/g, '\\$&'));
  return {
    name: 'lnmesh-device-substitutes',
    setup(build) {
      build.onResolve({ filter: new RegExp(`/(${names.join('|')})\\.js$`) }, (args) => {
        const replacement = byPath.get(join(args.resolveDir, args.path).replace(/\.js$/, '.ts'));
        return replacement === undefined ? undefined : { path: replacement };
      });
    },
  };
}
