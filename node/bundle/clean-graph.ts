/**
 * The device bundle must not carry the gateway's full node (bcoin, with its
 * own native modules and megabytes of code) nor the simulator: this finds
 * either in esbuild's metafile and names the chain of imports that pulled it
 * in, so the fix (a verb importing the wrong module) is obvious.
 */
import type { Metafile } from 'esbuild';
import { BundleError } from './bundle-error.js';

interface Forbidden {
  readonly what: string;
  readonly matches: (input: string) => boolean;
}

const FORBIDDEN: readonly Forbidden[] = [
  { what: 'bcoin', matches: (input) => /(^|\/)node_modules\/bcoin\//.test(input) },
  { what: 'the simulator (sim/)', matches: (input) => input.startsWith('sim/') },
];

/** Throws a BundleError naming the import chain from the entry when a forbidden module is among the inputs. */
export function checkDeviceGraph(metafile: Metafile, entry: string): void {
  for (const forbidden of FORBIDDEN) {
    const input = Object.keys(metafile.inputs).find(forbidden.matches);
    if (input === undefined) continue;
    const chain = importChain(metafile, entry, input);
    throw new BundleError(
      `the device bundle would contain ${forbidden.what}: ${chain.join(' -> ')}; ` + 'device verbs (node/cli/device-commands.ts) must not import the gateway or the simulator',
    );
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
