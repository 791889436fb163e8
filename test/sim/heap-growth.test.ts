/**
 * `limitHeapGrowth` (sim/heap-growth.ts), which `lnmesh sim run` calls: the
 * same churn over the same live set peaks lower with it than without, in a
 * child process each (a V8 flag is process-wide). A bad percent is refused.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { limitHeapGrowth } from '../../sim/heap-growth.js';
import { childEnv } from '../child-env.js';

const CHURN = fileURLToPath(new URL('./heap-churn.ts', import.meta.url));

function peakMB(mode: 'limit' | 'default'): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', CHURN, mode], { encoding: 'utf8', env: childEnv() });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { peakMB: number }).peakMB;
}

t.test('the same churn peaks lower with the limit than with V8 left to grow the heap', async (t) => {
  const unlimited = peakMB('default');
  const limited = peakMB('limit');
  t.ok(limited < unlimited * 0.9, `peak heap ${limited.toFixed(0)} MB with the limit, ${unlimited.toFixed(0)} MB without`);
});

t.test('a percent that is not a whole number from 1 to 1000 is refused', async (t) => {
  for (const bad of [0, -5, 1.5, 1001, Number.NaN]) t.throws(() => limitHeapGrowth(bad), RangeError, `${bad}`);
});
