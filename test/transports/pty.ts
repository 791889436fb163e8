/**
 * A pair of real pseudo-terminals joined by socat, as a serial cable between
 * two ports would be: what one side writes, the other reads.
 *
 * `socatAvailable()` says whether the tests can run here. Under CI (CI=true)
 * socat is installed by `.ci/run`, and a test that needs it must run, not skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** The two ends, as device paths to open with serialport. */
  readonly a: string;
  readonly b: string;
  close(): Promise<void>;
}

export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Why a pty test cannot run here, or undefined when it can. In CI a missing socat is a failure, not a skip. */
export function ptySkipReason(): string | undefined {
  if (socatAvailable()) return undefined;
  if (process.env.CI === 'true') throw new Error('socat is not installed, and CI=true requires the serial tests to run (.ci/run installs it)');
  return 'socat is not installed (apt-get install socat); these tests need real pseudo-terminals';
}

export async function openPtyPair(): Promise<PtyPair> {
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-pty-'));
  const a = join(directory, 'a');
  const b = join(directory, 'b');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  for (let waited = 0; !(existsSync(a) && existsSync(b)); waited += 10) {
    if (waited > 5000 || socat.exitCode !== null) throw new Error('socat did not create the pseudo-terminal pair');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    a,
    b,
    close: async () => {
      if (socat.exitCode === null) {
        const exited = new Promise((resolve) => socat.once('exit', resolve));
        socat.kill();
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
