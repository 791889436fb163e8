// Crash injection: a real child process, persisting two channels in lmdb,
// is killed with SIGKILL at every persistence point of one payment and
// restarted from its directory. Every time, the payment completes exactly
// once: no money lost or created, nothing left pending.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNDING_SATOSHIS } from '../channel/pair.js';

t.setTimeout(10 * 60_000); // about a minute here: 2 x 22 child processes

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const AMOUNT_MSAT = 70_000_000;

interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(directory: string, killAt?: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const process_ = spawn(process.execPath, ['--import', 'tsx', child, directory], {
      cwd: root,
      env: { ...process.env, ...(killAt !== undefined && { KILL_AT: String(killAt) }) },
    });
    let stdout = '';
    let stderr = '';
    process_.stdout.on('data', (chunk) => (stdout += chunk));
    process_.stderr.on('data', (chunk) => (stderr += chunk));
    process_.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Kill then restart, for one crash point. */
async function crashAndResume(killAt: number): Promise<{ killed: ChildResult; resumed: ChildResult }> {
  const directory = join(scratch, `k${killAt}`);
  const killed = await runChild(directory, killAt);
  const resumed = await runChild(directory);
  return { killed, resumed };
}

const scratch = mkdtempSync(join(tmpdir(), 'lnmesh-crash-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

const expected = {
  alice: { localMsat: FUNDING_SATOSHIS * 1000 - AMOUNT_MSAT, remoteMsat: AMOUNT_MSAT, pendingHtlcs: 0 },
  bob: { localMsat: AMOUNT_MSAT, remoteMsat: FUNDING_SATOSHIS * 1000 - AMOUNT_MSAT, pendingHtlcs: 0 },
};

t.test('one payment, killed after each of its saves', async (t) => {
  const clean = await runChild(join(scratch, 'clean'));
  t.equal(clean.status, 0, 'an uninterrupted run completes', { stderr: clean.stderr });
  const points = Number(/points (\d+)/.exec(clean.stdout)?.[1]);
  const outcome = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  t.same({ alice: outcome(clean.stdout).alice, bob: outcome(clean.stdout).bob }, expected, 'the payment moved 70,000 sat');
  t.ok(points > 10, `${points} saves in one payment`);
  
  // Two or three children at a time: each spends most of its life loading modules.
  const results = new Map<number, { killed: ChildResult; resumed: ChildResult }>();
  const queue = Array.from({ length: points }, (_, killAt) => killAt);
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (let killAt = queue.shift(); killAt !== undefined; killAt = queue.shift()) results.set(killAt, await crashAndResume(killAt));
    }),
  );
  
  for (let killAt = 0; killAt < points; killAt++) {
    const { killed, resumed } = results.get(killAt)!;
    t.test(`killed after save ${killAt}`, async (t) => {
      t.equal(killed.signal, 'SIGKILL', 'the child died by SIGKILL');
      t.equal(resumed.status, 0, 'the restart completes', { stderr: resumed.stderr });
      const result = outcome(resumed.stdout);
      t.same({ alice: result.alice, bob: result.bob }, expected, 'the payment happened exactly once');
      t.equal(result.numbers[0], result.numbers[1], 'both sides are at the same commitment');
    });
  }
});
