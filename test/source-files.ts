/** The project's TypeScript sources that the tree-wide tests read (the architecture and function-length tests). */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** What the tree-wide tests read: the programs, the simulator and the benchmarks (not test/ itself). */
export const SCANNED = ['node', 'transports', 'gateway', 'sim', 'bench'];

/** Every `.ts` file (not `.d.ts`) below `dir`, node_modules and dist left out. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}
