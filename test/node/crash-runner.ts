/**
 * Runs a crash-injection child (a script that kills itself with SIGKILL
 * just after its n-th write when KILL_AT=n) once per write point, each time
 * followed by a restart from the directory the killed run left.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../child-env.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` (TypeScript, through tsx) with `directory` as its argument. */
export function runChild(script: string, directory: string, killAt?: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, directory], {
      cwd: root,
      env: { ...childEnv(), ...(killAt !== undefined && { KILL_AT: String(killAt) }) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** For each point 0..points-1: kill there, then restart. Three at a time: each child spends most of its life loading modules. */
export async function killAtEveryPoint(script: string, scratch: string, points: number): Promise<Map<number, { killed: ChildResult; resumed: ChildResult }>> {
  const results = new Map<number, { killed: ChildResult; resumed: ChildResult }>();
  const queue = Array.from({ length: points }, (_, killAt) => killAt);
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (let killAt = queue.shift(); killAt !== undefined; killAt = queue.shift()) {
        const directory = join(scratch, `k${killAt}`);
        const killed = await runChild(script, directory, killAt);
        results.set(killAt, { killed, resumed: await runChild(script, directory) });
      }
    }),
  );
  return results;
}

/** The last line a child printed, as JSON. */
export function lastJsonLine(stdout: string): any {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}
