/**
 * The lnmesh source tree the bundle is built from: the folder of the
 * package.json named lnmesh above this file (node/bundle/ in the sources,
 * dist/node/bundle/ once compiled), where node_modules and the device
 * entry point are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleError } from './bundle-error.js';

export interface ProjectInfo {
  readonly root: string;
  readonly version: string;
}

export function lnmeshProject(): ProjectInfo {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    const packageJson = join(directory, 'package.json');
    if (existsSync(packageJson)) {
      const json = JSON.parse(readFileSync(packageJson, 'utf8')) as { name?: string; version?: string };
      if (json.name === 'lnmesh') return { root: directory, version: json.version ?? '0.0.0' };
    }
    directory = dirname(directory);
  }
  throw new BundleError('cannot find the lnmesh sources (a package.json named lnmesh) above this file: lnmesh bundle runs from a checkout');
}
