/**
 * Runs `lnmesh` as a user runs it: a child process from the TypeScript
 * source (cwd is the project, so `--import tsx` resolves), with its output
 * and exit status.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
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

/** `lnmesh(...)` without blocking the test's event loop (an in-process broker must keep serving meanwhile). */
export function lnmeshAsync(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr, lastLine: stdout.trimEnd().split('\n').at(-1) ?? '' }));
  });
}

/** A long-running `lnmesh` (a daemon) as a child process; its output is collected. */
export interface Daemon {
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, no clean stop. Resolves once the process is gone. */
  kill(): Promise<void>;
}

/** A trailing `{ launcher }` runs that executable (an unpacked device bundle's bin/lnmesh) instead of the source. */
export function startLnmesh(...args: (string | { launcher: string })[]): Daemon {
  const last = args.at(-1);
  const launcher = typeof last === 'object' ? last.launcher : undefined;
  const words = args.filter((arg): arg is string => typeof arg === 'string');
  const child = launcher ? spawn(launcher, words, { env: process.env }) : spawn(process.execPath, ['--import', 'tsx', CLI, ...words], { cwd: ROOT, env: process.env });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
