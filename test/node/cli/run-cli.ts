/**
 * Runs `lnmesh` as a user runs it: a child process, with its output and exit
 * status. It runs the compiled CLI (`dist/`, what `npx lnmesh` runs; `npm ci`
 * and `npm run build` make it) when that is newer than every source file,
 * else the TypeScript source through tsx (cwd is the project, so `--import
 * tsx` resolves), which takes twice as long to start: most of a daemon
 * test's time is CLI starts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../../child-env.js';
import { timed } from './timings.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPILED = join(ROOT, 'dist/node/program/lnmesh.js');
const SOURCE_DIRS = ['node', 'gateway', 'sim', 'transports'];

/** The newest modification time of the TypeScript files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** `node` and the arguments before the CLI's own: the compiled CLI if it is up to date, else the source. */
const CLI_COMMAND: readonly string[] =
  existsSync(COMPILED) && statSync(COMPILED).mtimeMs > Math.max(...SOURCE_DIRS.map((dir) => newestSource(join(ROOT, dir))))
    ? [COMPILED]
    : ['--import', 'tsx', join(ROOT, 'node/program/lnmesh.ts')];

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line printed on standard output (the `N passed, N failed` summary of `vectors`). */
  readonly lastLine: string;
}

export function lnmesh(...args: string[]): Run {
  const result = spawnSync(process.execPath, [...CLI_COMMAND, ...args], { encoding: 'utf8', cwd: ROOT, env: childEnv() });
  const stdout = result.stdout ?? '';
  return { status: result.status, stdout, stderr: result.stderr ?? '', lastLine: stdout.trimEnd().split('\n').at(-1) ?? '' };
}

/** `lnmesh(...)` without blocking the test's event loop (an in-process broker must keep serving meanwhile). */
export function lnmeshAsync(...args: string[]): Promise<Run> {
  const began = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI_COMMAND, ...args], { cwd: ROOT, env: childEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (status) => {
      timed(`lnmesh ${args.filter((arg) => !arg.includes('/')).join(' ').slice(0, 60)}`, Date.now() - began);
      resolve({ status, stdout, stderr, lastLine: stdout.trimEnd().split('\n').at(-1) ?? '' });
    });
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
  const child = launcher ? spawn(launcher, words, { env: childEnv() }) : spawn(process.execPath, [...CLI_COMMAND, ...words], { cwd: ROOT, env: childEnv() });
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
