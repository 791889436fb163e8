// The memory a daemon reports in `status`: Node's external already includes arrayBuffers (not counted twice).
import t from 'tap';
import { memoryFigures } from '../../../node/daemon/memory-figures.js';

t.test('externalMB is Node.js external memory, arrayBuffers counted once', async (t) => {
  const held = new Uint8Array(64 * 1024 * 1024); // 64 MB of ArrayBuffer: in both external and arrayBuffers
  const figures = memoryFigures();
  const usage = process.memoryUsage();
  t.ok(figures.externalMB >= 64, 'the buffer is counted');
  t.ok(Math.abs(figures.externalMB - usage.external / 1_048_576) < 2, 'as external says');
  t.ok(figures.externalMB < (usage.external + usage.arrayBuffers) / 1_048_576 - 32, 'not external + arrayBuffers');
  t.ok(figures.rssMB > 0 && figures.heapUsedMB > 0);
  t.equal(held.length, 64 * 1024 * 1024);
});
