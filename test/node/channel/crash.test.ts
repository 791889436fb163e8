// Crash injection through the channel managers: two managers on lmdb stores
// in a real child process, killed with SIGKILL just after each write of one
// payment (invoice, HTLC, commitments, revocations, settlement), then
// restarted: the managers resume from disk, send again what the crash may
// have lost, and the payment completes exactly once every time.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAtEveryPoint, lastJsonLine, runChild } from '../crash-runner.js';

t.setTimeout(10 * 60_000);

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'lnmesh-manager-crash-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
const FUNDING_MSAT = 1_000_000_000;
const AMOUNT_MSAT = 70_000_000;
const expected = {
  alice: { localMsat: FUNDING_MSAT - AMOUNT_MSAT, remoteMsat: AMOUNT_MSAT, pendingHtlcs: 0 },
  bob: { localMsat: AMOUNT_MSAT, remoteMsat: FUNDING_MSAT - AMOUNT_MSAT, pendingHtlcs: 0 },
};

t.test('one payment between managers, killed after each of its writes', async (t) => {
  const clean = await runChild(child, join(scratch, 'clean'));
  t.equal(clean.status, 0, 'an uninterrupted run completes', { stderr: clean.stderr });
  const writes = Number(/writes (\d+)/.exec(clean.stdout)?.[1]);
  t.match(lastJsonLine(clean.stdout), expected, 'the payment moved 70,000 sat');
  t.ok(writes > 10, `${writes} writes in one payment`);

  const results = await killAtEveryPoint(child, scratch, writes);
  for (let killAt = 0; killAt < writes; killAt++) {
    const { killed, resumed } = results.get(killAt)!;
    t.test(`killed after write ${killAt}`, async (t) => {
      t.equal(killed.signal, 'SIGKILL', 'the child died by SIGKILL');
      t.equal(resumed.status, 0, 'the restart completes', { stderr: resumed.stderr });
      t.match(lastJsonLine(resumed.stdout), expected, 'the payment happened exactly once, nothing pending');
    });
  }
});
