/**
 * A child process for heap-growth.test.ts: a live set of some 60 MB, then
 * objects that live a while and die (the simulator's frames and messages in
 * small), printing the largest heap V8 committed. `limit` first calls
 * `limitHeapGrowth` as `lnmesh sim run` does.
 */
import { getHeapStatistics } from 'node:v8';
import { limitHeapGrowth } from '../../sim/heap-growth.js';

if (process.argv[2] === 'limit') limitHeapGrowth();
const live = Array.from({ length: 1_000_000 }, (_, index) => ({ index, name: `live ${index}` }));
let window: { round: number; data: number[] }[] = [];
let peak = 0;
for (let round = 0; round < 3_000_000; round++) {
  window.push({ round, data: [round, round + 1, round + 2] });
  if (window.length > 200_000) window = [];
  if (round % 10_000 === 0) peak = Math.max(peak, getHeapStatistics().total_heap_size);
}
console.log(JSON.stringify({ live: live.length, peakMB: peak / 1048576 }));
