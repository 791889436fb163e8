/**
 * Runs `lnmesh` as a user runs it: a child process from the TypeScript
 * source (cwd is the project, so `--import tsx` resolves), with its output
 * and exit status.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'node/cli/lnmesh.ts');

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line printed on standard output (the `N passed, N failed` summary of `vectors`). */
  readonly lastLine: string;
}

export function lnmesh(...args: string[]): Run {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  const stdout = result.stdout ?? '';
  return { status: result.status, stdout, stderr: result.stderr ?? '', lastLine: stdout.trimEnd().split('\n').at(-1) ?? '' };
}
