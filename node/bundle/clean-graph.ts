/**
 * The device bundle must not carry the gateway's full node (bcoin, with its
 * own native modules and megabytes of code), the simulator, nor the
 * WebAssembly libsecp256k1 (its memory): this finds any of them in
 * esbuild's metafile and names the chain of imports that pulled it in, so
 * the fix (a verb importing the wrong module) is obvious.
 */
import type { Metafile } from 'esbuild';
import { BundleError } from './bundle-error.js';

interface Forbidden {
  readonly what: string;
  readonly matches: (input: string) => boolean;
  /** What to do about it. */
  readonly fix: string;
}

const VERBS_FIX = 'device verbs (node/cli/device-commands.ts) must not import the gateway or the simulator';

const FORBIDDEN: readonly Forbidden[] = [
  { what: 'bcoin', matches: (input) => /(^|\/)node_modules\/bcoin\//.test(input), fix: VERBS_FIX },
  { what: 'the simulator (sim/)', matches: (input) => input.startsWith('sim/'), fix: VERBS_FIX },
  // A device runs noble (device-substitutes.ts): the WebAssembly would cost it about 5 MB resident.
  { what: 'the WebAssembly libsecp256k1 (tiny-secp256k1)', matches: (input) => /(^|\/)node_modules\/tiny-secp256k1\//.test(input), fix: 'import secp256k1 operations through node/core/curve.ts' },
];

/** Throws a BundleError naming the import chain from the entry when a forbidden module is among the inputs. */
export function checkDeviceGraph(metafile: Metafile, entry: string): void {
  for (const forbidden of FORBIDDEN) {
    const input = Object.keys(metafile.inputs).find(forbidden.matches);
    if (input === undefined) continue;
    const chain = importChain(metafile, entry, input);
    throw new BundleError(`the device bundle would contain ${forbidden.what}: ${chain.join(' -> ')}; ${forbidden.fix}`);
  }
}

/** The shortest chain of imports from one input to another (breadth first), or the two alone if none is found. */
export function importChain(metafile: Metafile, from: string, to: string): string[] {
  const cameFrom = new Map<string, string | undefined>([[from, undefined]]);
  const queue = [from];
  for (let index = 0; index < queue.length; index++) {
    const current = queue[index] as string;
    if (current === to) break;
    for (const { path, external } of metafile.inputs[current]?.imports ?? []) {
      if (external || cameFrom.has(path)) continue;
      cameFrom.set(path, current);
      queue.push(path);
    }
  }
  if (!cameFrom.has(to)) return [from, '...', to];
  const chain: string[] = [];
  for (let step: string | undefined = to; step !== undefined; step = cameFrom.get(step)) chain.unshift(step);
  return chain;
}
