// Crash injection: a real child process, persisting two channels in lmdb,
// is killed with SIGKILL at every persistence point of one payment and
// restarted from its directory. Every time, the payment completes exactly
// once: no money lost or created, nothing left pending.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNDING_SATOSHIS } from '../../../sim/kit/channel-pair.js';
import { killAtEveryPoint, lastJsonLine, runChild } from '../crash-runner.js';

t.setTimeout(10 * 60_000); // about a minute here: 2 x 22 child processes

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const AMOUNT_MSAT = 70_000_000;
const scratch = mkdtempSync(join(tmpdir(), 'lnmesh-crash-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

const expected = {
  alice: { localMsat: FUNDING_SATOSHIS * 1000 - AMOUNT_MSAT, remoteMsat: AMOUNT_MSAT, pendingHtlcs: 0 },
  bob: { localMsat: AMOUNT_MSAT, remoteMsat: FUNDING_SATOSHIS * 1000 - AMOUNT_MSAT, pendingHtlcs: 0 },
};

t.test('one payment, killed after each of its saves', async (t) => {
  const clean = await runChild(child, join(scratch, 'clean'));
  t.equal(clean.status, 0, 'an uninterrupted run completes', { stderr: clean.stderr });
  const points = Number(/points (\d+)/.exec(clean.stdout)?.[1]);
  t.same({ alice: lastJsonLine(clean.stdout).alice, bob: lastJsonLine(clean.stdout).bob }, expected, 'the payment moved 70,000 sat');
  t.ok(points > 10, `${points} saves in one payment`);

  const results = await killAtEveryPoint(child, scratch, points);
  for (let killAt = 0; killAt < points; killAt++) {
    const { killed, resumed } = results.get(killAt)!;
    t.test(`killed after save ${killAt}`, async (t) => {
      t.equal(killed.signal, 'SIGKILL', 'the child died by SIGKILL');
      t.equal(resumed.status, 0, 'the restart completes', { stderr: resumed.stderr });
      const result = lastJsonLine(resumed.stdout);
      t.same({ alice: result.alice, bob: result.bob }, expected, 'the payment happened exactly once');
      t.equal(result.numbers[0], result.numbers[1], 'both sides are at the same commitment');
    });
  }
});
